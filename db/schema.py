"""SQLAlchemy Core schema: the one source of truth for table and column names."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

UNIT_KINDS = ("company", "division", "department", "team")
COURSE_KINDS = ("application", "business_process", "remedial", "new_hire")
MEETING_KINDS = (
    "daily_standup",
    "weekly_status",
    "monthly_planning",
    "governance",
    "management_review",
    "coaching",
)
MEETING_STATUSES = ("planned", "held", "cancelled", "missed")
CHANNELS = ("newsletter", "email", "town_hall", "intranet", "video", "other")
COMM_STATUSES = ("planned", "sent", "cancelled")
RECOGNITION_KINDS = ("award", "incentive", "shout_out", "other")
FEEDBACK_KINDS = ("issue", "idea", "question")
PILLARS = ("people", "process", "technology")
GRAINS = ("week", "month", "quarter")
STATUSES = ("green", "amber", "red", "no_data")
ROLES = ("sponsor", "lead", "manager", "member", "admin")


def _in(column: str, values: tuple[str, ...]) -> str:
    """A CHECK expression that keeps `column` within a fixed set of literals."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _fk(target: str) -> ForeignKey:
    """A foreign key checked at commit, so one import may load rows in any order."""
    return ForeignKey(target, deferrable=True, initially="DEFERRED")


def _count(name: str) -> Column:
    return Column(name, Integer, nullable=False, server_default="0")


org_units = Table(
    "org_units",
    metadata,
    Column("id", String, primary_key=True),
    Column("name", String, nullable=False),
    Column("parent_id", String, _fk("org_units.id")),
    Column("kind", String, nullable=False),
    CheckConstraint(_in("kind", UNIT_KINDS), name="kind"),
    CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    # At most one root: a unique index over a constant for the rows without a parent.
    Index(
        "uq_org_units_single_root", text("(parent_id IS NULL)"), unique=True, postgresql_where=text("parent_id IS NULL")
    ),
    Index("ix_org_units_parent_id", "parent_id"),  # a unit's children (0016)
)

people = Table(
    "people",
    metadata,
    Column("id", String, primary_key=True),
    Column("name", String, nullable=False),
    Column("email", String),
    Column(
        "org_unit_id",
        String,
        _fk("org_units.id"),
        nullable=False,
        index=True,
    ),
    Column("role", String, nullable=False),
    Column("manager_id", String, _fk("people.id")),
    Column("license_start", Date),
    Column("license_end", Date),
    Column("is_integration", Boolean, nullable=False, server_default="false"),
    Column("crm_user_id", String, unique=True),
    Column("crm_username", String),
    CheckConstraint("license_end IS NULL OR license_start IS NOT NULL", name="license_end_needs_start"),
)
Index("uq_people_email_ci", func.lower(people.c.email), unique=True)

crm_activity = Table(
    "crm_activity",
    metadata,
    # References people.id, checked per statement by triggers (migration 0012): a foreign key's per-row
    # check was most of a bulk import's time.
    Column("person_id", String, nullable=False, info={"references": "people.id"}),
    Column("date", Date, nullable=False),
    _count("logins"),
    _count("records_created"),
    _count("records_updated"),
    _count("reports_viewed"),
    PrimaryKeyConstraint("person_id", "date"),
    CheckConstraint(
        "logins >= 0 AND records_created >= 0 AND records_updated >= 0 AND reports_viewed >= 0", name="counts_nonneg"
    ),
)
Index("ix_crm_activity_date", crm_activity.c.date)

courses = Table(
    "courses",
    metadata,
    Column("id", String, primary_key=True),
    Column("name", String, nullable=False),
    Column("kind", String, nullable=False),
    Column("required_for", String),
    Column("external_id", String, unique=True),
    CheckConstraint(_in("kind", COURSE_KINDS), name="kind"),
)

training_completions = Table(
    "training_completions",
    metadata,
    Column("person_id", String, _fk("people.id"), nullable=False),
    Column("course_id", String, _fk("courses.id"), nullable=False),
    Column("completed_on", Date, nullable=False),
    Column("score", Numeric),
    PrimaryKeyConstraint("person_id", "course_id", "completed_on"),
    CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score_range"),
)

meetings = Table(
    "meetings",
    metadata,
    Column("id", String, primary_key=True),
    Column(
        "org_unit_id",
        String,
        _fk("org_units.id"),
        nullable=False,
        index=True,
    ),
    Column("kind", String, nullable=False),
    Column("scheduled_on", Date, nullable=False, index=True),
    Column("status", String, nullable=False),
    Column("crm_report_used", Boolean, nullable=False, server_default="false"),
    Column("sponsor_present", Boolean, nullable=False, server_default="false"),
    Column("person_id", String, _fk("people.id")),
    Column("title", String),
    CheckConstraint(_in("kind", MEETING_KINDS), name="kind"),
    CheckConstraint(_in("status", MEETING_STATUSES), name="status"),
)

communications = Table(
    "communications",
    metadata,
    Column("id", String, primary_key=True),
    Column(
        "audience_org_unit_id",
        String,
        _fk("org_units.id"),
        nullable=False,
        index=True,
    ),
    Column("channel", String, nullable=False),
    Column("sent_on", Date, nullable=False),
    Column("status", String, nullable=False),
    Column("recipients", Integer),
    Column("opens", Integer),
    Column("title", String),
    CheckConstraint(_in("channel", CHANNELS), name="channel"),
    CheckConstraint(_in("status", COMM_STATUSES), name="status"),
    CheckConstraint("(recipients IS NULL OR recipients >= 0) AND (opens IS NULL OR opens >= 0)", name="counts_nonneg"),
)

recognitions = Table(
    "recognitions",
    metadata,
    Column("id", String, primary_key=True),
    Column("person_id", String, _fk("people.id"), nullable=False, index=True),
    Column("date", Date, nullable=False),
    Column("kind", String, nullable=False),
    Column("note", Text),
    CheckConstraint(_in("kind", RECOGNITION_KINDS), name="kind"),
)

_ADKAR = ("awareness", "desire", "knowledge", "ability", "reinforcement")
pulse_responses = Table(
    "pulse_responses",
    metadata,
    Column("person_id", String, _fk("people.id"), nullable=False),
    Column("date", Date, nullable=False),
    *(Column(item, SmallInteger) for item in _ADKAR),
    Column("comment", Text),
    PrimaryKeyConstraint("person_id", "date"),
    *(CheckConstraint(f"{item} IS NULL OR {item} BETWEEN 1 AND 5", name=f"{item}_range") for item in _ADKAR),
)

data_quality = Table(
    "data_quality",
    metadata,
    Column("org_unit_id", String, _fk("org_units.id"), nullable=False),
    Column("measured_on", Date, nullable=False),
    Column("records_checked", Integer, nullable=False),
    Column("records_complete", Integer, nullable=False),
    PrimaryKeyConstraint("org_unit_id", "measured_on"),
    CheckConstraint("records_complete >= 0 AND records_complete <= records_checked", name="complete_le_checked"),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", String, primary_key=True),
    Column("person_id", String, _fk("people.id"), nullable=False, index=True),
    Column("kind", String, nullable=False),
    Column("raised_on", Date, nullable=False),
    Column("resolved_on", Date),
    Column("summary", Text),
    CheckConstraint(_in("kind", FEEDBACK_KINDS), name="kind"),
    CheckConstraint("resolved_on IS NULL OR resolved_on >= raised_on", name="resolved_after_raised"),
)

# Every unit with each of its ancestors, itself included (depth 0): rebuilt from org_units by a
# statement-level trigger (migration 0007), read by the refresh, the scoring and row security.
org_closure = Table(
    "org_closure",
    metadata,
    Column("ancestor_id", String, nullable=False),
    Column("unit_id", String, nullable=False),
    Column("depth", Integer, nullable=False),
    PrimaryKeyConstraint("ancestor_id", "unit_id"),
)
Index("ix_org_closure_unit_id", org_closure.c.unit_id, org_closure.c.depth)

# The pillars and the KPI catalogue, synced from metrics.registry so that SQL can join defaults.
pillars = Table(
    "pillars",
    metadata,
    Column("id", String, primary_key=True),
    Column("title", String, nullable=False),
    Column("default_weight", Float, nullable=False),
    Column("position", Integer, nullable=False),
    CheckConstraint(_in("id", PILLARS), name="id"),
)

# The KPI catalogue, synced from metrics.registry so that SQL can join defaults and units.
kpis = Table(
    "kpis",
    metadata,
    Column("id", String, primary_key=True),
    Column("pillar", String, ForeignKey("pillars.id"), nullable=False),
    Column("title", String, nullable=False),
    Column("unit", String, nullable=False),
    Column("default_target", Float, nullable=False),
    Column("min_target", Float, nullable=False),
    Column("max_target", Float),
    Column("position", Integer, nullable=False),
    # Below this many distinct respondents a value is suppressed; row security hides it and its base.
    Column("min_respondents", Integer, nullable=False, server_default="0"),
    CheckConstraint(_in("pillar", PILLARS), name="pillar"),
)

# Targets and weights are histories: every edit adds a record (the database refuses UPDATE and
# DELETE); among records of one key and effective_from, the one recorded last (highest id) wins.
targets = Table(
    "targets",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("kpi_id", String, ForeignKey("kpis.id"), nullable=False),
    Column("org_unit_id", String, _fk("org_units.id"), nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("value", Float),
    Column("review_on", Date),
    Column("reason", Text),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("recorded_by", String),
    CheckConstraint("value IS NULL OR value >= 0", name="value_nonneg"),
)
Index("ix_targets_key", targets.c.kpi_id, targets.c.org_unit_id, targets.c.effective_from)

pillar_weights = Table(
    "pillar_weights",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("pillar", String, ForeignKey("pillars.id"), nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("weight", Float, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("recorded_by", String),
    Column("reason", Text),
    CheckConstraint(_in("pillar", PILLARS), name="pillar"),
    CheckConstraint("weight >= 0 AND weight <= 100", name="weight_range"),
)
Index("ix_pillar_weights_key", pillar_weights.c.pillar, pillar_weights.c.effective_from)

# Derived data, rewritten by every refresh from org_units and the catalogue: no foreign keys,
# whose per-row checks cost a third of a large refresh. The key leads with what pages filter on.
kpi_values = Table(
    "kpi_values",
    metadata,
    Column("kpi_id", String, nullable=False),
    Column("org_unit_id", String, nullable=False),
    Column("grain", String, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("numerator", Float, nullable=False),
    Column("denominator", Float, nullable=False),
    Column("value", Float),
    Column("partial", Boolean, nullable=False),
    PrimaryKeyConstraint("org_unit_id", "grain", "period_start", "kpi_id"),
    CheckConstraint(_in("grain", GRAINS), name="grain"),
)
Index("ix_kpi_values_period_end", kpi_values.c.period_end)

# Person x period facts of the refresh (licensed users only), under row-level security (0008).
person_periods = Table(
    "person_periods",
    metadata,
    Column("person_id", String, nullable=False),
    Column("org_unit_id", String, nullable=False),
    Column("grain", String, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("active_days", Integer, nullable=False),
    Column("records_worked", BigInteger, nullable=False),
    Column("trained", Boolean, nullable=False),
)
Index("ix_person_periods_period_start", person_periods.c.period_start)

# What the pillar pages show per unit (subtree), grain and period, kept by the refresh (0011).
_UNIT_PERIOD_COUNTS = (
    "trained_active", "trained_inactive", "untrained_active", "neither",
    "active_users", "logins", "records_created", "records_updated", "reports_viewed",
    "new_users", "onboarded", "onboarded_active", "respondents",
    "awareness_sum", "awareness_n", "desire_sum", "desire_n", "knowledge_sum", "knowledge_n",
    "ability_sum", "ability_n", "reinforcement_sum", "reinforcement_n",
    "issues_0_5", "issues_6_15", "issues_16_30", "issues_over_30",
)  # fmt: skip


def _unit_period(name: str, *columns: Column, key: tuple[str, ...] | None = ()) -> Table:
    """A per unit, grain and period table; its key is those three and `key`'s columns (None: no key)."""
    return Table(
        name,
        metadata,
        Column("org_unit_id", String, nullable=False),
        Column("grain", String, nullable=False),
        Column("period_start", Date, nullable=False),
        Column("period_end", Date, nullable=False),
        *columns,
        *((PrimaryKeyConstraint("org_unit_id", "grain", "period_start", *key),) if key is not None else ()),
    )


unit_scores = _unit_period(
    "unit_scores", Column("people", Float), Column("process", Float), Column("technology", Float),
    Column("basis", String, nullable=False),
)  # fmt: skip
Index("ix_unit_scores_period", unit_scores.c.grain, unit_scores.c.period_start)  # the league (0013)
# Each unit's league per grain, period and pillar: its top and bottom teams, ranked by the refresh (0015).
unit_league = _unit_period(
    "unit_league", Column("pillar", String, nullable=False), Column("pos", Integer, nullable=False),
    Column("team_id", String, nullable=False), Column("score", Float, nullable=False), Column("previous", Float),
    Column("rank", Integer, nullable=False), Column("ranked", Integer, nullable=False),
    Column("basis", String, nullable=False),
    key=("pillar", "pos"),
)  # fmt: skip
unit_periods = _unit_period("unit_periods", *(Column(c, BigInteger, nullable=False) for c in _UNIT_PERIOD_COUNTS))
unit_coaching = _unit_period(
    "unit_coaching", Column("personal", Boolean, nullable=False), Column("sessions", BigInteger, nullable=False),
    Column("with_crm", BigInteger, nullable=False), key=None,
)  # fmt: skip
Index("ix_unit_coaching_period", unit_coaching.c.grain, unit_coaching.c.period_start)
# Each unit's teams with the lowest share of coaching on CRM data, with and without the sessions
# that name a person (0016).
unit_coaching_lowest = _unit_period(
    "unit_coaching_lowest", Column("people", Boolean, nullable=False), Column("pos", Integer, nullable=False),
    Column("team_id", String, nullable=False), Column("sessions", BigInteger, nullable=False),
    Column("with_crm", BigInteger, nullable=False), Column("teams", BigInteger, nullable=False),
    key=("people", "pos"),
)  # fmt: skip
unit_meeting_days = Table(
    "unit_meeting_days",
    metadata,
    Column("org_unit_id", String, nullable=False),
    Column("day", Date, nullable=False),
    Column("kind", String, nullable=False),
    Column("status", String, nullable=False),
    Column("personal", Boolean, nullable=False),
    Column("meetings", BigInteger, nullable=False),
    Column("with_report", BigInteger, nullable=False),
    Column("with_sponsor", BigInteger, nullable=False),
)
Index("ix_unit_meeting_days_unit_day", unit_meeting_days.c.org_unit_id, unit_meeting_days.c.day)
source_freshness = Table(
    "source_freshness",
    metadata,
    Column("grain", String, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("source", String, nullable=False),
    Column("personal", Boolean, nullable=False),
    Column("latest", Date),
    PrimaryKeyConstraint("grain", "period_start", "source", "personal"),
)
# The refresh finds each source's latest date up to a period's end by key (0011).
Index("ix_training_completions_completed_on", training_completions.c.completed_on)
Index("ix_pulse_responses_date", pulse_responses.c.date)
Index("ix_recognitions_date", recognitions.c.date)
Index("ix_feedback_raised_on", feedback.c.raised_on)
Index("ix_data_quality_measured_on", data_quality.c.measured_on)
Index("ix_meetings_kind_scheduled_on", meetings.c.kind, meetings.c.scheduled_on)

import_batches = Table(
    "import_batches",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String, nullable=False),
    Column("file_name", String, nullable=False),
    Column("sha256", String(64), nullable=False, index=True),
    _count("rows_read"),
    _count("rows_inserted"),
    _count("rows_updated"),
    _count("rows_unchanged"),
    _count("rows_rejected"),
    _count("rows_skipped"),  # left out on purpose by a vendor adapter (migration 0006)
    Column("status", String, nullable=False),
    Column("message", Text),
    Column("imported_by", String),
    Column("started_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True)),
    Column("details", JSONB),
    CheckConstraint(_in("status", ("running", "succeeded", "failed", "undone")), name="status"),
)

# Provenance (migration 0006): each raw row carries the import batch that last wrote it. No foreign key,
# whose per-row check would double the cost of a bulk import; batches are never deleted.
RAW_TABLES = (
    org_units,
    people,
    courses,
    crm_activity,
    training_completions,
    meetings,
    communications,
    recognitions,
    pulse_responses,
    data_quality,
    feedback,
    targets,
    pillar_weights,
)
for _raw in RAW_TABLES:
    _raw.append_column(Column("import_batch_id", Integer))

# The previous version of every row an import batch updated, so that the batch can be undone.
import_undo = Table(
    "import_undo",
    metadata,
    Column("batch_id", Integer, ForeignKey("import_batches.id"), nullable=False, index=True),
    Column("table_name", String, nullable=False),
    Column("row", JSONB, nullable=False),
)

# One row per refresh: the data version that keys every page cache, and the window it saw.
refreshes = Table(
    "refreshes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True)),
    Column("window_start", Date),
    Column("window_end", Date),
    _count("rows_written"),
    Column("seconds", Float),
    Column("full", Boolean, nullable=False, server_default="true"),
)

# What raw-data writes made stale since the last refresh, kept by triggers (migration 0002):
# the earliest date touched, or every period. One row.
refresh_pending = Table(
    "refresh_pending",
    metadata,
    Column("id", SmallInteger, primary_key=True),
    Column("dirty_from", Date),
    Column("dirty_all", Boolean, nullable=False, server_default="false"),
    Column("changed_at", DateTime(timezone=True)),
    CheckConstraint("id = 1", name="single_row"),
)

users = Table(
    "users",
    metadata,
    Column("email", String, primary_key=True),
    Column("name", String, nullable=False),
    Column("role", String, nullable=False),
    Column("home_unit_id", String, _fk("org_units.id")),
    Column("person_id", String, _fk("people.id")),
    Column("password_hash", String),
    Column("active", Boolean, nullable=False, server_default="true"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("failed_logins", Integer, nullable=False, server_default="0"),  # since the last success
    Column("last_failed_at", DateTime(timezone=True)),
    Column("last_login_at", DateTime(timezone=True)),
    CheckConstraint(_in("role", ROLES), name="role"),
    CheckConstraint("email = lower(email)", name="email_lowercase"),
)

# Who did what and when: sign-ins, failed sign-ins, role changes, target edits, imports, exports.
# Append-only: the database refuses UPDATE and DELETE (migration 0003).
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("actor", String),
    Column("action", String, nullable=False),
    Column("subject", String),
    Column("details", JSONB),
)
Index("ix_audit_log_at", audit_log.c.at)

# Meeting mode (migration 0009). Snapshots: an as-of copy of what the Overview showed for a unit and
# period, never changed (refuse_history_change): `model` is the Overview model itself, the rows are
# the same numbers in the `kpis`/`scores` columns.
snapshots = Table(
    "snapshots",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("name", String, nullable=False),
    Column("org_unit_id", String, ForeignKey("org_units.id"), nullable=False),
    Column("grain", String, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("refresh_id", Integer),
    Column("weights", JSONB, nullable=False),
    Column("model", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("created_by", String),
    CheckConstraint("length(btrim(name)) > 0", name="named"),
)
Index("ix_snapshots_unit", snapshots.c.org_unit_id, snapshots.c.created_at)

snapshot_kpis = Table(
    "snapshot_kpis",
    metadata,
    Column("snapshot_id", BigInteger, ForeignKey("snapshots.id"), primary_key=True),
    Column("kpi_id", String, primary_key=True),
    Column("org_unit_id", String, primary_key=True),
    Column("grain", String, nullable=False),
    Column("period_start", Date, primary_key=True),
    Column("numerator", Float, nullable=False),
    Column("denominator", Float, nullable=False),
    Column("value", Float),
    Column("target", Float),
    Column("status", String, nullable=False),
    Column("attainment", Float),
    Column("score", Float),
    Column("partial", Boolean, nullable=False),
)

snapshot_scores = Table(
    "snapshot_scores",
    metadata,
    Column("snapshot_id", BigInteger, ForeignKey("snapshots.id"), primary_key=True),
    Column("org_unit_id", String, primary_key=True),
    Column("grain", String, nullable=False),
    Column("period_start", Date, primary_key=True),
    Column("people", Float),
    Column("process", Float),
    Column("technology", Float),
    Column("index", Float),
    Column("partial", Boolean, nullable=False),
)

# The pillar pages of a snapshot's unit and child units (migration 0010): each page's model as JSON,
# without the people of a team; never changed.
snapshot_pillars = Table(
    "snapshot_pillars",
    metadata,
    Column("snapshot_id", BigInteger, ForeignKey("snapshots.id"), primary_key=True),
    Column("org_unit_id", String, primary_key=True),
    Column("pillar", String, primary_key=True),
    Column("view", JSONB, nullable=False),
)

# Actions: created once; their status is the latest of their append-only events.
actions = Table(
    "actions",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("title", String, nullable=False),
    Column("owner_person_id", String, ForeignKey("people.id"), nullable=False),
    Column("due_on", Date, nullable=False),
    Column("kpi_id", String, ForeignKey("kpis.id"), nullable=False),
    Column("org_unit_id", String, ForeignKey("org_units.id"), nullable=False),
    Column("snapshot_id", BigInteger, ForeignKey("snapshots.id")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("created_by", String),
    CheckConstraint("length(btrim(title)) > 0", name="titled"),
)
Index("ix_actions_unit", actions.c.org_unit_id)

action_events = Table(
    "action_events",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("action_id", BigInteger, ForeignKey("actions.id"), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, server_default=text("clock_timestamp()")),
    Column("actor", String),
    Column("status", String, nullable=False),
    Column("comment", Text),
    CheckConstraint(_in("status", ("open", "done")), name="status"),
)
Index("ix_action_events_action", action_events.c.action_id, action_events.c.id)

# Meetings logged in the app: who logged what (the meeting itself is a `meetings` row 'app-…').
meeting_logs = Table(
    "meeting_logs",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("meeting_id", String, nullable=False),
    Column("org_unit_id", String, nullable=False),
    Column("kind", String, nullable=False),
    Column("held_on", Date, nullable=False),
    Column("crm_report_used", Boolean, nullable=False),
    Column("sponsor_present", Boolean, nullable=False),
    Column("snapshot_id", BigInteger),
    Column("logged_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("logged_by", String),
)
