"""The `flywheel` command: everything that is not a page."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
import urllib.request
import webbrowser
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from pathlib import Path

import click
from sqlalchemy import Connection, exc, text

from db.cells import cell
from db.settings import DatabaseUnavailable, database_url, plain

ROOT = Path(__file__).resolve().parent
GRAINS = ("week", "month", "quarter")
ROLES = ("sponsor", "lead", "manager", "member", "admin")
KPI_COLUMNS = (
    "kpi_id",
    "org_unit_id",
    "grain",
    "period_start",
    "numerator",
    "denominator",
    "value",
    "target",
    "status",
    "partial",
)
SCORE_COLUMNS = ("org_unit_id", "grain", "period_start", "people", "process", "technology", "index", "partial")


class UserError(click.ClickException):
    """An expected failure, printed as one line without a traceback."""


class Group(click.Group):
    """Turn every failure into one clear line on stderr and a non-zero exit."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except DatabaseUnavailable as e:
            raise UserError(str(e)) from None
        except exc.OperationalError as e:
            raise UserError(f"cannot reach the database: {_first_line(e.orig or e)}") from None
        except exc.DBAPIError as e:
            raise UserError(f"database error: {_first_line(e.orig or e)}") from None
        except Exception as e:  # last resort: still one line, with the type for a bug report
            raise UserError(f"{type(e).__name__}: {_first_line(e)}") from None


def _first_line(e: object) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else repr(e)


def _engine(*, maintenance: bool = False):
    from db.engine import make_engine

    # Migrate, seed, import and refresh may run long on a large organisation: no statement timeout.
    return make_engine(statement_timeout_ms=0) if maintenance else make_engine()


@click.group(cls=Group)
def main() -> None:
    """Flywheel: is the CRM really being adopted, and why not."""


@main.group()
def db() -> None:
    """Database: migrate, locate."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply the migrations, sync the KPI catalogue and let the application role log in."""
    from db.access import enable_login
    from db.migrate import current, upgrade
    from metrics.refresh import sync_catalogue

    with _engine(maintenance=True).begin() as conn:
        upgrade(conn)
        sync_catalogue(conn)
        enable_login(conn)
        click.echo(f"database at revision {current(conn)}")


@db.command("url")
@click.option("--owner", is_flag=True, help="The owner role's URL (migrations, imports, refresh).")
def db_url(owner: bool) -> None:
    """Print the application role's database URL (row-level security applies) in a form psql accepts."""
    from db.access import app_url

    url = database_url()
    click.echo(plain(url if owner else app_url(url)))
    if not os.environ.get("DATABASE_URL"):
        click.echo(
            "note: the embedded server stops when this command exits; use `flywheel db psql` for a shell, "
            "or connect while `make run` is serving",
            err=True,
        )


@db.command("psql", context_settings={"ignore_unknown_options": True})
@click.option("--owner", is_flag=True, help="As the owner role, which sees every row.")
@click.argument("psql_args", nargs=-1, type=click.UNPROCESSED)
def db_psql(owner: bool, psql_args: tuple[str, ...]) -> None:
    """Open psql on the database (the embedded server stays up until psql exits).

    As the application role, rows are filtered by row-level security: with no scope set, person-level
    tables and KPI values show nothing.
    """
    import shutil

    from db.access import app_url

    psql = shutil.which("psql")
    if psql is None:
        raise UserError("psql is not installed (on Debian: apt-get install postgresql-client)")
    url = database_url()
    raise SystemExit(subprocess.call([psql, plain(url if owner else app_url(url)), *psql_args]))


@main.group()
def user() -> None:
    """Users: add, list, change roles, disable."""


@user.command("add")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--unit", help="Home unit id (default: the unit of the person with this e-mail).")
@click.option("--name", help="Display name (default: the person's name).")
@click.option("--password-stdin", is_flag=True, help="Read a local password from standard input.")
def user_add(email: str, role: str, unit: str | None, name: str | None, password_stdin: bool) -> None:
    """Create a user (without a password it signs in through the identity provider only)."""
    from db import users

    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    with _engine().begin() as conn:
        try:
            u = users.add(conn, email, role, unit=unit, name=name, password=password, actor=_who())
        except users.UserError as e:
            raise UserError(str(e)) from None
    click.echo(f"added {u.email} ({u.role}, home unit {u.home_unit_id or '-'}, person {u.person_id or '-'})")


@user.command("list")
def user_list() -> None:
    """Every user with role, home unit and whether it is active."""
    from db import users

    with _engine().connect() as conn:
        rows = users.all_users(conn)
    _emit(
        ("email", "name", "role", "home_unit", "person", "active"),
        ([u.email, u.name, u.role, u.home_unit_id, u.person_id, u.active] for u in rows),
        "table",
    )


@user.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
@click.option("--unit", help="New home unit id.")
def user_set_role(email: str, role: str, unit: str | None) -> None:
    """Change a user's role (and home unit)."""
    from db import users

    with _engine().begin() as conn:
        try:
            u = users.set_role(conn, email, role, unit=unit, actor=_who())
        except users.UserError as e:
            raise UserError(str(e)) from None
    click.echo(f"{u.email} is now {u.role} (home unit {u.home_unit_id or '-'})")


@user.command("disable")
@click.argument("email")
def user_disable(email: str) -> None:
    """Disable a user: it can no longer sign in; its history stays."""
    from db import users

    with _engine().begin() as conn:
        try:
            users.set_active(conn, email, False, actor=_who())
        except users.UserError as e:
            raise UserError(str(e)) from None
    click.echo(f"{email.strip().lower()} is disabled")


DEMO_PASSWORD = "flywheel-demo"


@user.command("demo")
def user_demo() -> None:
    """Create one demo account per role (password flywheel-demo), once; for the demo organisation only."""
    with _engine().begin() as conn:
        _demo_accounts(conn)


def _demo_accounts(conn: Connection) -> None:
    from db import users

    team = conn.execute(
        text(
            "SELECT p.org_unit_id AS unit, min(p.id) FILTER (WHERE lower(p.role) = 'manager') AS manager,"
            " min(p.id) FILTER (WHERE lower(p.role) = 'rep' AND p.license_start IS NOT NULL) AS member"
            " FROM people p JOIN org_units u ON u.id = p.org_unit_id AND u.kind = 'team'"
            " WHERE NOT p.is_integration GROUP BY p.org_unit_id"
            " HAVING count(*) FILTER (WHERE lower(p.role) = 'manager') > 0"
            " AND count(*) FILTER (WHERE lower(p.role) = 'rep' AND p.license_start IS NOT NULL) > 0"
            # The demo's story: Sales South lost its sponsor; its teams have the most to show.
            " ORDER BY EXISTS (SELECT 1 FROM org_closure c WHERE c.unit_id = p.org_unit_id"
            " AND c.ancestor_id = 'sales-south') DESC, p.org_unit_id LIMIT 1"
        )
    ).first()
    if team is None:
        raise UserError("no team with a manager and a licensed rep: seed the demo first (flywheel seed)")
    accounts = [
        ("admin", None, None),
        ("lead", None, None),
        ("sponsor", None, None),
        ("manager", team.unit, team.manager),
        ("member", team.unit, team.member),
    ]
    for role, unit, person in accounts:
        email = f"{role}@flywheel.demo"
        if users.get(conn, email):
            continue
        u = users.add(
            conn, email, role, unit=unit, name=f"Demo {role}", password=DEMO_PASSWORD, person=person, actor=_who()
        )
        click.echo(f"{u.email:24} {u.role:8} home unit {u.home_unit_id or 'company'}")
    click.echo(f"demo accounts ready (password: {DEMO_PASSWORD})")


@user.command("password")
@click.argument("email")
def user_password(email: str) -> None:
    """Set a local password, read from standard input."""
    from db import users

    password = sys.stdin.readline().rstrip("\n")
    with _engine().begin() as conn:
        try:
            users.set_password(conn, email, password, actor=_who())
        except users.UserError as e:
            raise UserError(str(e)) from None
    click.echo(f"password set for {email.strip().lower()}")


@main.command()
@click.option("--profile", type=click.Choice(["small", "demo", "large"]), default="demo", show_default=True)
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Write canonical CSV files here instead."
)
@click.option("--seed", "seed_value", type=int, default=42, show_default=True, help="Random seed.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has an organisation.")
@click.option("--demo-accounts", is_flag=True, help="Also create one demo account per role (`flywheel user demo`).")
def seed(profile: str, out_dir: Path | None, seed_value: int, if_empty: bool, demo_accounts: bool) -> None:
    """Generate the demo organisation, into the database or as canonical CSV files."""
    import seed as seeding

    started = time.perf_counter()
    if out_dir is not None:
        counts = seeding.write_csv(out_dir, profile, seed=seed_value)
        click.echo(
            f"wrote {sum(counts.values()):,} rows in {len(counts)} files to {out_dir} ({time.perf_counter() - started:.1f} s)"
        )
        return
    with _engine(maintenance=True).begin() as conn:
        if _has_organisation(conn):
            if if_empty:
                click.echo("database already has an organisation; not seeding")
                return
            raise UserError("the database already has an organisation; seed into an empty database")
        counts = seeding.load(conn, profile, seed=seed_value)
        if demo_accounts:
            _demo_accounts(conn)
    click.echo(f"seeded profile {profile}: {sum(counts.values()):,} rows ({time.perf_counter() - started:.1f} s)")


def _has_organisation(conn: Connection) -> bool:
    return conn.execute(text("SELECT EXISTS (SELECT 1 FROM org_units)")).scalar_one()


@main.group("import")
def import_() -> None:
    """Load data files: canonical CSV files and vendor exports, all or nothing; undo; history."""


VENDOR_SOURCES = (
    "salesforce-users",
    "salesforce-login-history",
    "hubspot-login-history",
    "xapi",
    "ics",
)


def _import_options(f):
    for option in reversed(
        (
            click.option("--unit", metavar="ID", help="ics: the org unit whose calendar this is."),
            click.option("--tz", "tz", metavar="ZONE", default="UTC", show_default=True, help="Zone of local times."),
            click.option(
                "--as-of", type=click.DateTime(["%Y-%m-%d"]), help="ics: held up to this day (default today)."
            ),
            click.option("--dry-run", is_flag=True, help="Validate and count; write nothing."),
            click.option(
                "--errors",
                "errors_file",
                type=click.Path(dir_okay=False, path_type=Path),
                help="Write every bad row (file, line, column, value, message) to this CSV file.",
            ),
            click.option("--no-refresh", is_flag=True, help="Load only; recompute the KPIs later."),
        )
    ):
        f = option(f)
    return f


@import_.command("canonical")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@_import_options
def import_canonical(path: Path, unit, tz, as_of, dry_run, errors_file, no_refresh) -> None:
    """Load every canonical CSV file in PATH (a folder, or one canonical file), all or nothing."""
    from db.canonical import import_files, import_folder

    if unit or as_of:
        raise UserError("--unit and --as-of apply to the ics source only")

    def load(conn: Connection):
        if path.is_dir():
            return import_folder(conn, path, imported_by=_who(), dry_run=dry_run)
        return import_files(conn, [path], imported_by=_who(), dry_run=dry_run)

    _run_import("canonical", load, dry_run, errors_file, no_refresh)


def _vendor_command(source: str) -> None:
    @import_.command(
        source, help=f"Load a {source} export from PATH, all or nothing (unmatched rows are skipped and listed)."
    )
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @_import_options
    def command(path: Path, unit, tz, as_of, dry_run, errors_file, no_refresh) -> None:
        from db.importers import Options, import_path
        from db.importers.vendor import zone

        if source != "ics" and (unit or as_of):
            raise UserError("--unit and --as-of apply to the ics source only")
        try:
            zone(tz)
        except ValueError as e:
            raise UserError(str(e)) from None
        options = Options(imported_by=_who(), tz=tz, unit=unit, as_of=as_of.date() if as_of else None, dry_run=dry_run)
        _run_import(source, lambda conn: import_path(conn, source, path, options), dry_run, errors_file, no_refresh)


for _source in VENDOR_SOURCES:
    _vendor_command(_source)


def _run_import(source: str, load, dry_run: bool, errors_file: Path | None, no_refresh: bool) -> None:
    """Validate and write in one transaction, refresh what the import touched, report; one line on failure."""
    from db.importers.batches import record_failure
    from db.importers.report import REPORT_COLUMNS, ImportFailed

    engine = _engine(maintenance=True)
    progress = _Progress(("read and check", "write", "refresh"))
    try:
        with engine.begin() as conn:
            progress.step()
            report = load(conn)
            progress.step()
            result = None
            if report.changed and not no_refresh and not dry_run:
                from metrics.refresh import refresh  # here: it loads pandas, which a bare import does not need

                # The periods the import touched were recorded as stale by the database itself.
                result = refresh(conn)
            progress.done()
    except ImportFailed as e:
        progress.done()
        if errors_file is not None:
            errors_file.write_text(e.to_csv(), encoding="utf-8")
        if not dry_run:
            with engine.begin() as conn:
                record_failure(conn, e, imported_by=_who(), source=source)
        for line in str(e).splitlines()[1:]:
            click.echo(line, err=True)
        hint = f"; every bad row is in {errors_file}" if errors_file else "; --errors FILE writes every bad row as CSV"
        raise UserError(e.headline() + hint) from None
    if errors_file is not None:
        errors_file.write_text(",".join(REPORT_COLUMNS) + "\n", encoding="utf-8")
    for line in report.summary_lines():
        click.echo(line)
    for s in report.skipped[:20]:
        click.echo(f"skipped: {s.file}{f' line {s.line}' if s.line else ''}: {s.reason} ({s.value})")
    if len(report.skipped) > 20:
        click.echo(f"skipped: ... and {len(report.skipped) - 20} more")
    if result is not None:
        click.echo(f"refreshed {result.rows:,} KPI rows in {result.seconds:.2f} s")
    elif not report.changed and not dry_run:
        click.echo("nothing changed; KPIs left as they were")


class _Progress:
    """A progress bar on a terminal (stderr), nothing otherwise."""

    def __init__(self, steps: tuple[str, ...]) -> None:
        self.steps, self.at = steps, 0
        self.bar = (
            click.progressbar(length=len(steps), label=steps[0], file=sys.stderr) if sys.stderr.isatty() else None
        )
        if self.bar is not None:
            self.bar.__enter__()

    def step(self) -> None:
        if self.bar is not None and self.at < len(self.steps):
            self.bar.label = self.steps[self.at]
            self.bar.update(1)
        self.at += 1

    def done(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@import_.command("undo")
@click.argument("source")
def import_undo(source: str) -> None:
    """Undo the last import of SOURCE: delete the rows it inserted, restore the rows it updated."""
    from db.importers.batches import UndoRefused, undo_last
    from metrics.refresh import refresh

    with _engine(maintenance=True).begin() as conn:
        try:
            done = undo_last(conn, source, actor=_who())
        except UndoRefused as e:
            raise UserError(str(e)) from None
        result = refresh(conn)
    click.echo(
        f"undid batch {', '.join(map(str, done.batch_ids))}: {done.deleted:,} rows deleted, "
        f"{done.restored:,} restored; refreshed {result.rows:,} KPI rows"
    )


@import_.command("history")
@click.option("--source", help="Only this source.")
@click.option("--limit", type=int, default=20, show_default=True)
def import_history(source: str | None, limit: int) -> None:
    """The latest import batches with status and counts."""
    from db.importers.batches import history

    with _engine().connect() as conn:
        rows = history(conn, source=source, limit=limit)
    columns = (
        "id",
        "source",
        "file_name",
        "status",
        "rows_read",
        "rows_inserted",
        "rows_updated",
        "rows_unchanged",
        "rows_skipped",
        "rows_rejected",
        "imported_by",
        "finished_at",
    )
    _emit(columns, ([getattr(r, c) for c in columns] for r in rows), "table")


def _who() -> str:
    return os.environ.get("USER") or "cli"


@main.command()
@click.option("--full", is_flag=True, help="Recompute every period, not only those that writes made stale.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Recompute periods ending on or after this date.")
def refresh(full: bool, since) -> None:
    """Recompute kpi_values; prints rows and seconds."""
    from metrics.refresh import refresh as run
    from metrics.refresh import vacuum

    engine = _engine(maintenance=True)
    with engine.begin() as conn:
        result = run(conn, since=since.date() if since else None, full=full)
    if result.recomputed_from is not None and result.recomputed_from == result.window_start:
        vacuum(engine)
    window = f"{result.window_start} to {result.window_end}" if result.window_end else "no data"
    if result.recomputed_from is None and result.window_end:
        click.echo(f"KPIs are up to date (data window {window}); nothing recomputed")
        return
    scope = (
        "all periods"
        if result.recomputed_from == result.window_start
        else f"periods ending from {result.recomputed_from}"
    )
    click.echo(f"{result.rows:,} rows in {result.seconds:.2f} s ({scope}; data window {window})")


def _unit_option(f):
    return click.option("--unit", help="One org unit id (default: every unit).")(f)


def _grain_option(f):
    return click.option("--grain", type=click.Choice(GRAINS), help="One grain (default: all three).")(f)


def _format_option(f):
    return click.option("--format", "fmt", type=click.Choice(["csv", "table"]), default="table", show_default=True)(f)


def _as_option(f):
    return click.option("--as", "as_email", metavar="EMAIL", help="Print only what this user may see.")(f)


def _snapshot_option(f):
    return click.option(
        "--snapshot", "snapshot_id", type=int, metavar="ID", help="Print the rows frozen in this snapshot instead."
    )(f)


@contextmanager
def _viewing(as_email: str | None):
    """A connection and the scope to read with: the whole company as the owner, or, with --as,
    the application role under that user's scope (row-level security applies)."""
    from db import users
    from db.access import app_url
    from db.engine import make_engine
    from metrics.scope import company_scope, scope_for

    if as_email is None:
        with _engine().connect() as conn:
            yield conn, company_scope(conn)
        return
    with _engine().connect() as conn:
        u = users.get(conn, as_email)
        if u is None or not u.active:
            raise UserError(f"no active user {as_email.strip().lower()}")
        scope = scope_for(conn, u.role, u.home_unit_id, u.person_id)
    if scope is None:
        raise UserError(f"{u.email} has no home unit: it sees nothing")
    engine = make_engine(app_url(database_url()))
    try:
        with engine.connect() as conn:
            yield conn, scope
    finally:
        engine.dispose()


@main.command()
@_grain_option
@_unit_option
@_format_option
@_as_option
@_snapshot_option
def kpis(grain: str | None, unit: str | None, fmt: str, as_email: str | None, snapshot_id: int | None) -> None:
    """Every KPI value with its target and status, per unit and period."""
    from metrics.scoring import kpi_rows

    if snapshot_id is not None:
        _emit_frozen(snapshot_id, as_email, fmt, KPI_COLUMNS)
        return
    with _viewing(as_email) as (conn, scope):
        _check_unit(conn, unit)
        rows = kpi_rows(conn, scope, unit=unit, grain=grain)
    rows = sorted(rows, key=lambda r: (r.kpi_id, r.org_unit_id, GRAINS.index(r.grain), r.period_start))
    _emit(KPI_COLUMNS, ([getattr(r, c) for c in KPI_COLUMNS] for r in rows), fmt)


@main.command()
@_grain_option
@_unit_option
@_format_option
@_as_option
@_snapshot_option
def scores(grain: str | None, unit: str | None, fmt: str, as_email: str | None, snapshot_id: int | None) -> None:
    """Pillar scores and the Adoption Index, per unit and period."""
    from metrics.scoring import score_rows

    if snapshot_id is not None:
        _emit_frozen(snapshot_id, as_email, fmt, SCORE_COLUMNS)
        return
    with _viewing(as_email) as (conn, scope):
        _check_unit(conn, unit)
        rows = score_rows(conn, scope, unit=unit, grain=grain)
    rows = sorted(rows, key=lambda r: (r.org_unit_id, GRAINS.index(r.grain), r.period_start))
    _emit(SCORE_COLUMNS, ([getattr(r, c) for c in SCORE_COLUMNS] for r in rows), fmt)


def _emit_frozen(snapshot_id: int, as_email: str | None, fmt: str, columns: Sequence[str]) -> None:
    from metrics import snapshot

    with _viewing(as_email) as (conn, scope):
        if snapshot.get(conn, scope, snapshot_id) is None:
            raise UserError(f"no snapshot {snapshot_id}")
        read = snapshot.frozen_kpis if columns == KPI_COLUMNS else snapshot.frozen_scores
        rows = read(conn, scope, snapshot_id)
    _emit(columns, ([getattr(r, c) for c in columns] for r in rows), fmt)


@main.group("snapshot")
def snapshot_group() -> None:
    """Snapshots: named, immutable as-of copies of the Overview for a meeting."""


@snapshot_group.command("create")
@click.option("--unit", required=True, help="Org unit id.")
@click.option("--grain", required=True, type=click.Choice(GRAINS))
@click.option("--period", required=True, type=click.DateTime(["%Y-%m-%d"]), help="The period's first day.")
@click.option("--name", required=True, help='What it is for, e.g. "Q2 steering committee".')
def snapshot_create(unit: str, grain: str, period, name: str) -> None:
    """Freeze the Overview of a unit and period; prints the new snapshot's id on the last line."""
    from metrics import snapshot
    from metrics.scope import company_scope

    with _engine().begin() as conn:
        _check_unit(conn, unit)
        try:
            new_id = snapshot.create(
                conn, company_scope(conn), unit=unit, grain=grain, period_start=period.date(), name=name, actor=_who()
            )
        except snapshot.SnapshotError as e:
            raise UserError(str(e)) from None
    click.echo(f"Froze {unit} {grain} {period.date()} as {name.strip()!r}")
    click.echo(new_id)


@snapshot_group.command("list")
@click.option("--unit", help="Only this org unit's snapshots.")
@_format_option
def snapshot_list(unit: str | None, fmt: str) -> None:
    """Every snapshot, newest first."""
    from metrics import snapshot

    columns = ("id", "name", "org_unit_id", "grain", "period_start", "refresh_id", "created_at", "created_by")
    with _viewing(None) as (conn, scope):
        rows = snapshot.listing(conn, scope, unit)
    _emit(columns, ([getattr(r, c) for c in columns] for r in rows), fmt)


@main.command("pack")
@click.option("--unit", required=True, help="Org unit id.")
@click.option("--grain", required=True, type=click.Choice(GRAINS))
@click.option("--period", required=True, type=click.DateTime(["%Y-%m-%d"]), help="The period's first day.")
@click.option("--snapshot", "snapshot_id", type=int, metavar="ID", help="Build from this snapshot's frozen numbers.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The PDF to write.")
@click.option("--csv", "csv_out", type=click.Path(dir_okay=False, path_type=Path), help="Also write every number.")
def pack(unit: str, grain: str, period, snapshot_id: int | None, out: Path, csv_out: Path | None) -> None:
    """Build the meeting pack (PDF; with --csv every number in it) for a unit and period."""
    from metrics import pack as packs
    from metrics.scope import company_scope

    started = time.perf_counter()
    with _engine().begin() as conn:
        _check_unit(conn, unit)
        try:
            built = packs.build(
                conn, company_scope(conn), unit=unit, grain=grain, period_start=period.date(),
                snapshot_id=snapshot_id, actor=_who(),
            )  # fmt: skip
        except packs.PackError as e:
            raise UserError(str(e)) from None
    out.write_bytes(built.pdf)
    csv_path = csv_out or out.with_suffix(".csv")
    csv_path.write_text(built.csv)
    click.echo(
        f"{out} ({built.pages} pages, {len(built.pdf) / 1024:.0f} KB) and {csv_path} in {time.perf_counter() - started:.1f} s"
    )


def _check_unit(conn: Connection, unit: str | None) -> None:
    if (
        unit is not None
        and not conn.execute(text("SELECT EXISTS (SELECT 1 FROM org_units WHERE id = :u)"), {"u": unit}).scalar_one()
    ):
        raise UserError(f"no org unit with id {unit!r}")


def _emit(columns: Sequence[str], rows: Iterable[Sequence[object]], fmt: str) -> None:
    out = [[cell(v) for v in row] for row in rows]
    if fmt == "csv":
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(columns)
        w.writerows(out)
        return
    shown = [[_short(c) for c in row] for row in out]
    widths = [max([len(c)] + [len(r[i]) for r in shown]) for i, c in enumerate(columns)]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    for r in shown:
        click.echo("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))


def _short(cell: str) -> str:
    """Round long decimals in the table view only; CSV keeps full precision."""
    try:
        return f"{float(cell):.2f}" if "." in cell else cell
    except ValueError:
        return cell


@main.command()
@click.option("--port", type=int, default=8501, show_default=True)
@click.option("--open/--no-open", "open_browser", default=True, help="Open a browser tab once the app is up.")
@click.option(
    "--warm/--no-warm",
    default=True,
    show_default=True,
    help="Import the pages' modules and run the default page once in a headless session before announcing the app, "
    "so that the first page is not a cold one.",
)
def serve(port: int, open_browser: bool, warm: bool) -> None:
    """Start the dashboard; Ctrl-C, SIGTERM or SIGHUP stops it (and the embedded database after it)."""
    # Without DATABASE_URL this starts (or joins) the embedded server. This process holds it until
    # it exits, which is only after Streamlit has stopped: the database is up for as long as the app.
    env = {**os.environ, "DATABASE_URL": database_url()}
    # Always headless: a non-headless Streamlit asks for an e-mail on the terminal first. Warm:
    # `streamlit run` that imports the pages' modules first (ui/warm.py).
    cmd = [
        sys.executable,
        "-m",
        "ui.warm" if warm else "streamlit",
        "run",
        str(ROOT / "streamlit_app.py"),
        f"--server.port={port}",
        "--server.headless=true",
        "--browser.gatherUsageStats=false",
    ]
    url = f"http://localhost:{port}"

    def announce(proc: subprocess.Popen) -> None:
        if not _wait_healthy(url, proc):
            return
        if warm:
            from ui.warm import warm_up

            warm_up(port)
        click.echo(f"Flywheel is at {url}")
        if open_browser:
            webbrowser.open(url)

    raise SystemExit(_supervise(cmd, env, announce))


class _Stopped(BaseException):
    """A stop signal arrived (a BaseException, so that no `except Exception` on the way swallows it)."""


def _supervise(cmd: list[str], env: dict[str, str], started) -> int:
    """Run Streamlit as a child that never outlives this process; its exit code.

    SIGINT, SIGTERM and SIGHUP stop Streamlit and wait for it, in a terminal or in the background
    (where a shell starts jobs with SIGINT ignored: it is handled anyway). Streamlit runs in its own
    process group, so a terminal's Ctrl-C reaches this process only and Streamlit is stopped once.
    """
    import signal

    def stop(signum: int, _frame) -> None:
        raise _Stopped(signum)

    signals = [signal.SIGINT, signal.SIGTERM]
    if hasattr(signal, "SIGHUP") and signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:  # nohup: keep ignoring
        signals.append(signal.SIGHUP)
    previous = {s: signal.signal(s, stop) for s in signals}
    proc: subprocess.Popen | None = None
    try:
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdin=subprocess.DEVNULL, **_child_options())
        started(proc)
        proc.wait()
    except _Stopped:
        pass
    finally:
        if proc is not None:
            # A second signal while Streamlit shuts down kills it instead of waiting.
            for s in signals:
                signal.signal(s, lambda *_: proc.kill())
            _stop(proc)
        for s, handler in previous.items():
            signal.signal(s, handler)
    code = proc.returncode if proc is not None else 1
    return code if code >= 0 else 128 - code


def _child_options() -> dict:
    """Popen options: Streamlit in a process group of its own and, on Linux, stopped with SIGTERM
    should this process die without stopping it (even by SIGKILL)."""
    if os.name != "posix":
        return {}
    options: dict = {"process_group": 0}
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        try:
            prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before the fork, not in the child
        except (OSError, AttributeError):
            return options
        parent = os.getpid()

        def die_with_parent() -> None:
            prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
            if os.getppid() != parent:  # the parent died before prctl took effect
                os._exit(1)

        options["preexec_fn"] = die_with_parent
    return options


def _stop(proc: subprocess.Popen, grace: float = 10) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
    proc.wait()


def _wait_healthy(url: str, proc: subprocess.Popen, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:  # noqa: S310 - our own server
                return r.status == 200
        except OSError:
            time.sleep(0.1)
    return False


@main.group("targets")
def targets_group() -> None:
    """Targets: export them, import a canonical targets.csv (histories: every change adds a record)."""


@targets_group.command("export")
@_format_option
def targets_export(fmt: str) -> None:
    """Print the targets as a canonical targets.csv: per KPI, unit and effective date, the record
    in force (the one recorded last). Importing the output again adds nothing."""
    from db import audit
    from metrics.targets import EXPORT_COLUMNS, export_rows

    with _engine().begin() as conn:
        rows = export_rows(conn)
        audit.record(conn, _who(), "targets.export", None, rows=len(rows), format=fmt)
    _emit(EXPORT_COLUMNS, rows, fmt)


@targets_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def targets_import(file: Path) -> None:
    """Add the rows of a canonical targets.csv FILE (any file name) to the target history, all or
    nothing: one invalid row and nothing is written. A row equal to its key's latest record adds nothing."""
    _import_history(file, "targets.csv", "targets.import")


@main.group("weights")
def weights_group() -> None:
    """Pillar weights: import a canonical pillar_weights.csv (a history of full sets summing to 100)."""


@weights_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def weights_import(file: Path) -> None:
    """Add the weight sets of a canonical pillar_weights.csv FILE (any file name), all or nothing."""
    _import_history(file, "pillar_weights.csv", "weights.import")


def _import_history(file: Path, canonical: str, action: str) -> None:
    """Validate and append one history file with the canonical importer; audited either way.
    Scores follow at once: targets and weights are read when scoring, no refresh is needed."""
    from db import audit
    from db.canonical import ImportFailed, import_bytes, record_failure

    def named(line: str) -> str:  # the importer names the canonical file; say the user's
        for prefix in ("", "warning: "):
            if line.startswith(prefix + canonical):
                return prefix + file.name + line[len(prefix + canonical) :]
        return line

    engine = _engine(maintenance=True)
    try:
        with engine.begin() as conn:
            report = import_bytes(conn, {canonical: file.read_bytes()}, imported_by=_who())
            (result,) = report.files
            audit.record(
                conn,
                _who(),
                action,
                file.name,
                rows=result.rows_read,
                inserted=result.inserted,
                unchanged=result.unchanged,
                batch=result.batch_id,
            )
    except ImportFailed as e:
        with engine.begin() as conn:
            record_failure(conn, e, imported_by=_who())
            audit.record(conn, _who(), action + ".failed", file.name, errors=e.error_count)
        raise UserError("\n".join(named(line) for line in str(e).splitlines())) from None
    for line in report.summary_lines():
        click.echo(named(line))
    if not report.changed:
        click.echo("nothing added: every row equals its latest record")


if __name__ == "__main__":
    main()
