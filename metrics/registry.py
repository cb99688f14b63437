"""The KPI registry: one declarative entry per KPI of KPIS.md."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

SQL_DIR = Path(__file__).parent / "sql"

Pillar = Literal["people", "process", "technology"]
# How a KPI's value follows from its numerator and denominator.
ValueKind = Literal["percent", "mean", "per_100_users_30d", "per_30d"]
# Which rows a unit counts: its subtree's, or its subtree's and its ancestors'.
Rollup = Literal["subtree", "reach"]


@dataclass(frozen=True)
class PillarInfo:
    id: Pillar
    title: str
    default_weight: float


PILLARS: tuple[PillarInfo, ...] = (
    PillarInfo("people", "People", 50.0),
    PillarInfo("process", "Process", 30.0),
    PillarInfo("technology", "Technology", 20.0),
)


@dataclass(frozen=True)
class Kpi:
    id: str
    pillar: Pillar
    title: str
    unit: str
    default_target: float
    value_kind: ValueKind
    definition: str
    numerator_label: str
    denominator_label: str
    rollup: Rollup = "subtree"
    min_target: float = 0.0
    max_target: float | None = 100.0
    min_respondents: int = 0  # below this many distinct people the value is suppressed
    playbook: str = ""  # the program's concrete next step when the KPI is off target

    @property
    def sql(self) -> str:
        """The SELECT that yields this KPI's rows attached to each unit, per period."""
        return (SQL_DIR / f"{self.id}.sql").read_text()

    def format(self, value: float | None) -> str:
        """Render a value for display, in the KPI's own unit."""
        if value is None:
            return "–"
        if self.unit == "%":
            return f"{value:.0f}%"
        if self.value_kind == "mean":
            return f"{value:.2f}"
        return f"{value:.1f}"


KPIS: tuple[Kpi, ...] = (
    Kpi(
        "adoption_rate",
        "people",
        "Adoption rate",
        "%",
        80,
        "percent",
        "Share of licensed users who use the CRM regularly: at least one activity day a week "
        "(1 in a week, 4 in a month, 12 in a quarter).",
        "regular users",
        "licensed users",
        playbook=(
            "Ask the people who did not use the CRM this period what stops them; pair each with a regular user for one week, and run the team's next status meeting from the CRM."
        ),
    ),
    Kpi(
        "training_coverage",
        "people",
        "Training coverage",
        "%",
        90,
        "percent",
        "Share of licensed users who, by the end of the period, completed every course required for their role.",
        "fully trained users",
        "licensed users",
        playbook=(
            "Book the untrained users on the missing required courses this week; a manager checks completion at the next 1:1."
        ),
    ),
    Kpi(
        "new_hire_onboarding",
        "people",
        "New-hire onboarding",
        "%",
        90,
        "percent",
        "Share of new users who completed their required courses within 30 days of getting the "
        "CRM, for users whose 30 days ended in the period.",
        "trained in 30 days",
        "new users",
        playbook=(
            "Enrol every new user on the required courses on their first day, with a buddy and a completion date inside 30 days."
        ),
    ),
    Kpi(
        "pulse_score",
        "people",
        "Pulse score (ADKAR)",
        "score 1–5",
        4.0,
        "mean",
        "Average ADKAR pulse (awareness, desire, knowledge, ability, reinforcement; 1–5) of the "
        "responses in the period. Hidden when fewer than 5 people answered.",
        "sum of response means",
        "responses",
        min_target=1.0,
        max_target=5.0,
        min_respondents=5,
        playbook=(
            "Discuss the lowest ADKAR item with the team; the barrier is where the next action goes (knowledge → training, ability → coaching, reinforcement → recognition)."
        ),
    ),
    Kpi(
        "recognition_rate",
        "people",
        "Recognition rate",
        "per 100 users / 30 days",
        5,
        "per_100_users_30d",
        "Recognitions (awards, incentives, public thanks) per 100 licensed users per 30 days.",
        "recognitions",
        "licensed users",
        max_target=None,
        playbook=(
            "Recognise good CRM use in public this week: a shout-out at the team meeting for the best-kept pipeline or the most complete records."
        ),
    ),
    Kpi(
        "report_usage_in_meetings",
        "process",
        "Report use in meetings",
        "%",
        80,
        "percent",
        "Share of held management meetings (weekly status, monthly planning, governance, "
        "management review) run on CRM reports or dashboards.",
        "run on CRM reports",
        "held management meetings",
        playbook=("Run the next weekly status on the pipeline dashboard instead of slides or spreadsheets."),
    ),
    Kpi(
        "meeting_cadence",
        "process",
        "Meeting cadence",
        "%",
        90,
        "percent",
        "Share of due cadence meetings (stand-ups, weekly status, monthly planning, governance) "
        "that were held; planned meetings are not yet due.",
        "held",
        "due meetings",
        playbook=(
            "Put the missing stand-ups and status meetings back in the calendar as a series, and hold them even when short."
        ),
    ),
    Kpi(
        "communication_cadence",
        "process",
        "Communication cadence",
        "per 30 days",
        4,
        "per_30d",
        "Program communications that reached the average licensed user per 30 days: sent to the "
        "user's own unit or a unit above it (a company-wide newsletter reaches everyone).",
        "communications received",
        "licensed users",
        max_target=None,
        playbook=(
            "Send the next program update now: what changed in the CRM, one success story, one tip; plan the following one on the calendar."
        ),
    ),
    Kpi(
        "coaching_with_crm",
        "process",
        "Coaching with CRM",
        "%",
        75,
        "percent",
        "Share of held coaching sessions (manager 1:1s) that used CRM data.",
        "used CRM data",
        "held coaching sessions",
        playbook=("Open each rep's pipeline and activity in the CRM at the next 1:1 and coach from it."),
    ),
    Kpi(
        "sponsor_engagement",
        "process",
        "Sponsor engagement",
        "%",
        100,
        "percent",
        "Share of held governance meetings, of the unit or the units above it, that the executive sponsor attended.",
        "sponsor present",
        "held governance meetings",
        rollup="reach",
        playbook=(
            "Ask the executive sponsor to attend the next governance meeting, or name a delegate who can decide."
        ),
    ),
    Kpi(
        "engaged_users",
        "technology",
        "Engaged users",
        "%",
        60,
        "percent",
        "Share of licensed users who work in the CRM, not just log in: records created or updated "
        "at least once a week on average (1 a week, 4 a month, 12 a quarter).",
        "engaged users",
        "licensed users",
        playbook=(
            "Show the logged-in-but-idle users the two or three records they should update each week; make updating the CRM part of the status meeting."
        ),
    ),
    Kpi(
        "data_quality",
        "technology",
        "Data quality",
        "%",
        85,
        "percent",
        "Completeness of key CRM records: complete over checked, from each unit's latest measurement in the period.",
        "complete records",
        "checked records",
        playbook=(
            "List the incomplete key records by owner and fix them in a 30-minute data clinic; make the required fields mandatory."
        ),
    ),
    Kpi(
        "issue_resolution",
        "technology",
        "Issue resolution in SLA",
        "%",
        90,
        "percent",
        "Share of CRM issues resolved within the 5-day SLA, for issues whose deadline fell in the period.",
        "resolved in 5 days",
        "issues due",
        playbook=("Review open CRM issues past their 5-day SLA with the support owner and close or escalate each one."),
    ),
)

BY_ID: dict[str, Kpi] = {k.id: k for k in KPIS}
