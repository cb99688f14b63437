"""AppTest of the Targets page: edit -> saved -> status changes; an invalid value is named and nothing is
saved; two sessions editing the same target -> the second is refused and told who; the effect shown
before saving is what the save then reports; apply to every child unit; pillar weights."""

from __future__ import annotations

import html
import re
import time
from datetime import date
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from db import schema
from db.engine import make_engine
from tests.test_targets import FEB, LEAD, OTHER_LEAD, RECORDS, add_users, build

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")

try:  # the shared helper, once sign-in has landed everywhere
    from tests.conftest import sign_in
except ImportError:  # pragma: no cover - until then, as the sign-in form would

    def sign_in(at: AppTest, email: str) -> AppTest:
        now = time.time()
        at.session_state["_flywheel_session"] = {"email": email, "started": now, "seen": now}
        return at


@pytest.fixture
def url(fresh_database, monkeypatch: pytest.MonkeyPatch) -> str:
    """A database of its own per test: the tests commit."""
    u = fresh_database()
    build(u)
    add_users(u)
    monkeypatch.setenv("DATABASE_URL", u)
    st.cache_data.clear()
    st.cache_resource.clear()
    return u


def open_page(email: str, unit: str = "d1", period: str = "2026-02-01", title: str = "Sales") -> AppTest:
    at = sign_in(AppTest.from_file(APP, default_timeout=60), email)
    at.query_params.update({"unit": unit, "grain": "month", "period": period})
    at.run()
    assert not at.exception, at.exception
    at.switch_page("pages/targets.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == f"Targets · {title}"
    return at


def grid(at: AppTest) -> dict[tuple[str, str], dict[str, str]]:
    """The grid's rows by (KPI, unit): status, source, and the texts of the target and value cells."""
    body = next(h.proto.body for h in at.get("html") if 'data-testid="targets-grid"' in h.proto.body)
    out = {}
    for m in re.finditer(
        r'<tr class="[^"]*" data-kpi="([^"]+)" data-unit="([^"]+)" data-status="([^"]+)" data-source="([^"]+)">(.*?)</tr>',
        body,
    ):
        cells = re.findall(r'<td class="c-([a-z]+)[^"]*">(.*?)</td>', m.group(5))
        text = {c: " ".join(re.sub(r"<[^>]+>", " ", v).split()) for c, v in cells}
        out[(m.group(1), m.group(2))] = {**text, "status": m.group(3), "source": m.group(4)}
    return out


def history(at: AppTest) -> list[dict[str, str]]:
    """The History tab's rows, newest first, as the texts of their cells."""
    body = next(h.proto.body for h in at.get("html") if 'data-testid="target-history"' in h.proto.body)
    rows = re.findall(r'<tr data-id="\d+"[^>]*>(.*?)</tr>', body)
    return [
        {
            c: html.unescape(" ".join(re.sub(r"<[^>]+>", " ", v).split()))
            for c, v in re.findall(r'<td class="c-([a-z]+)">(.*?)</td>', r)
        }
        for r in rows
    ]


def markdown(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


def plain(text: str) -> str:
    """Markdown as read: without the escapes that keep data from being read as markup."""
    return re.sub(r"\\(.)", r"\1", text)


def effect_shown(at: AppTest) -> tuple[str, str]:
    """The preview's headline and its lines, as drawn under 'Effect if saved'."""
    texts = markdown(at)
    i = next(i for i, t in enumerate(texts) if "Effect if saved" in t and "every unit" not in t)
    head = texts[i + 1]
    lines = texts[i + 2] if i + 2 < len(texts) and texts[i + 2].startswith("- **") else ""
    return head, lines


def fill(at: AppTest, value: str, reason: str, effective: date = FEB) -> AppTest:
    at.text_input(key="tg_value").input(value)
    at.date_input(key="tg_from").set_value(effective)
    at.text_area(key="tg_reason").input(reason)
    return at.run()


def count(url: str, table=schema.targets) -> int:
    eng = make_engine(url)
    with eng.connect() as c:
        n = c.execute(select(func.count()).select_from(table)).scalar_one()
    eng.dispose()
    return n


def test_edit_is_saved_and_the_status_follows(url: str) -> None:
    at = open_page(LEAD)
    before = grid(at)
    assert (before[("adoption_rate", "d1")]["status"], before[("adoption_rate", "d1")]["source"]) == ("amber", "own")
    assert before[("adoption_rate", "t2")]["status"] == "red"
    assert "inherited from Sales" in before[("adoption_rate", "t2")]["src"]
    assert before[("adoption_rate", "d1")]["target"].strip() == "72 %"

    fill(at, "65", "Sales: lowered while the new CRM rolls out")
    assert not at.exception, at.exception
    head, lines = effect_shown(at)
    assert (
        head == "**3 units change status \\(3 unit\\-periods\\) · the index moves in 3 units**"
        or "3 units change status" in head
    )
    assert lines.splitlines() == [
        "- **Sales** · Adoption rate: target 72 % → 65 % from Feb 2026 · amber → green in Feb 2026 · index +16.7 in Feb 2026",
        "- **North** · Adoption rate: target 72 % → 65 % from Feb 2026 · amber → green in Feb 2026 · index +11.1 in Feb 2026",
        "- **South** · Adoption rate: target 72 % → 65 % from Feb 2026 · red → amber in Feb 2026 · index +19.1 in Feb 2026",
    ]
    assert count(url) == len(RECORDS)  # the preview wrote nothing

    at.button(key="tg_save").click().run()
    assert not at.exception, at.exception
    assert count(url) == len(RECORDS) + 1
    (ok,) = at.success
    assert ok.value.startswith("Saved 65 % · Adoption rate for Sales, from 1 Feb 2026.")
    # The preview equals what the save then reports, line for line.
    assert head in ok.value and lines in ok.value
    after = grid(at)
    assert after[("adoption_rate", "d1")]["status"] == "green"
    assert after[("adoption_rate", "t1")]["status"] == "green"
    assert after[("adoption_rate", "t2")]["status"] == "amber"
    assert after[("adoption_rate", "d1")]["target"].strip() == "65 %"
    # The form is empty again; the history lists the change with its reason.
    assert at.text_input(key="tg_value").value == "" and at.text_area(key="tg_reason").value == ""
    first = history(at)[0]
    assert first == {
        "when": f"{first['when'][:16]} {LEAD}",
        "what": "Adoption rate Sales",
        "from": "1 Feb 2026",
        "change": "72 % (set here) → 65 %",
        "why": "Sales: lowered while the new CRM rolls out",
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("150", "Out of range: a target for Adoption rate (%) must be from 0 to 100"),
        ("abc", "Not a number: abc"),
    ],
)
def test_an_invalid_value_is_named_and_nothing_is_saved(url: str, value: str, message: str) -> None:
    at = open_page(LEAD)
    fill(at, value, "A reason")
    assert any(message in plain(t) for t in markdown(at)), markdown(at)
    assert not any("Effect if saved" in t and "every unit" not in t for t in markdown(at))  # no preview either
    at.button(key="tg_save").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == ["Not saved: fix the fields marked in red."]
    assert any(message in plain(t) for t in markdown(at))
    assert count(url) == len(RECORDS)
    assert not at.success


def test_a_missing_reason_is_named_after_a_save_attempt(url: str) -> None:
    at = open_page(LEAD)
    fill(at, "65", "")
    assert not any("Say why" in t for t in markdown(at))  # not shouted before anyone tried
    at.button(key="tg_save").click().run()
    assert any("Say why: a reason is required" in plain(t) for t in markdown(at))
    assert count(url) == len(RECORDS)


def test_two_sessions_the_second_save_is_refused_and_names_the_first_editor(url: str) -> None:
    first, second = open_page(LEAD), open_page(OTHER_LEAD)
    fill(first, "65", "Sales: lowered while the new CRM rolls out")
    fill(second, "60", "Sales: lower still")
    first.button(key="tg_save").click().run()
    assert first.success and not first.exception

    second.button(key="tg_save").click().run()
    assert not second.exception, second.exception
    (refused,) = second.error
    said = plain(refused.value)
    assert said.startswith(f"Not saved: Sales · Adoption rate was changed by {LEAD} on "), said
    assert said.endswith(
        ' UTC: target 65 % from 2026-02-01 ("Sales: lowered while the new CRM rolls out"). Nothing was overwritten.'
    )
    assert not second.success
    assert count(url) == len(RECORDS) + 1  # one change in the history, not two
    # The second lead now sees the first lead's target, and its fields are kept to decide again.
    assert grid(second)[("adoption_rate", "d1")]["target"].strip() == "65 %"
    assert second.text_input(key="tg_value").value == "60"


def test_apply_to_every_child_unit_after_confirming(url: str) -> None:
    at = open_page(LEAD)
    fill(at, "60", "Same bar for every Sales team")
    at.button(key="tg_children").click().run()
    assert any("Confirm: 2 records" in t for t in markdown(at)), markdown(at)
    assert count(url) == len(RECORDS)  # not before confirming
    at.button(key="tg_confirm").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith("Saved 60 % · Adoption rate for 2 child units of Sales, from 1 Feb 2026.")
    assert count(url) == len(RECORDS) + 2
    rows = grid(at)
    assert (rows[("adoption_rate", "t1")]["source"], rows[("adoption_rate", "t2")]["source"]) == ("own", "own")
    assert rows[("adoption_rate", "d1")]["target"].strip() == "72 %"  # the parent itself is unchanged


def test_weights_are_edited_as_one_set(url: str) -> None:
    at = open_page(LEAD, unit="co", title="Acme Test")
    at.number_input(key="tw_people").set_value(40.0)
    at.number_input(key="tw_process").set_value(40.0)
    at.number_input(key="tw_technology").set_value(15.0)
    assert at.date_input(key="tw_from").value == date(2026, 3, 1)  # default: the start of the next period
    at.date_input(key="tw_from").set_value(FEB)
    at.text_area(key="tw_reason").input("Process first")
    at.run()
    assert any("The weights sum to 95 %, not 100 %" in t for t in markdown(at))
    at.button(key="tw_save").click().run()
    assert count(url, schema.pillar_weights) == 0
    at.number_input(key="tw_people").set_value(30.0)
    at.number_input(key="tw_process").set_value(50.0)
    at.number_input(key="tw_technology").set_value(20.0)
    at.run()
    texts = markdown(at)
    i = next(i for i, t in enumerate(texts) if "Effect if saved" in t and "every unit" in t)
    assert texts[i + 2] == "- **Acme Test** · index −1.7 in Feb 2026"
    at.button(key="tw_save").click().run()
    assert not at.exception, at.exception
    assert count(url, schema.pillar_weights) == 3
    assert at.success[0].value.startswith(
        "Saved the weights People 30 %, Process 50 %, Technology 20 % from 1 Feb 2026."
    )
    assert "- **Acme Test** · index −1.7 in Feb 2026" in at.success[0].value


def test_a_member_cannot_open_the_page(url: str) -> None:
    at = sign_in(AppTest.from_file(APP, default_timeout=60), "member@acme.test").run()
    with pytest.raises(Exception):  # noqa: B017 - AppTest raises when the page is not registered for the role
        at.switch_page("pages/targets.py").run()


def test_targets_due_for_review_are_listed_first_and_open_in_the_editor(url: str) -> None:
    at = open_page(LEAD)
    due = plain(next(t for t in markdown(at) if "due for review" in t))
    assert "2 targets due for review" in due
    lines = [plain(t) for t in markdown(at) if t.startswith("- **Training coverage")]
    assert lines and lines[0].startswith("- **Training coverage · Service** 95 % — review was due 31 Jan 2026")
    at.selectbox(key="tg_due_pick").set_value(0)
    at.button(key="tg_due_open").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Targets · Service"
    assert (at.selectbox(key="tg_kpi").value, at.selectbox(key="tg_unit").value) == ("training_coverage", "d2")
    assert any(
        plain(t).startswith("In force on 28 Feb 2026: **95 %** — set here · from 1 Jan 2026") for t in markdown(at)
    )


def test_opening_a_target_after_someone_changed_it_is_no_conflict(url: str) -> None:
    first, second = open_page(LEAD), open_page(OTHER_LEAD)
    second.selectbox(key="tg_kpi").set_value("training_coverage").run()  # busy with another KPI
    fill(first, "65", "Sales: lowered while the new CRM rolls out")
    first.button(key="tg_save").click().run()
    second.selectbox(key="tg_kpi").set_value("adoption_rate").run()  # opens it now, with 65 in force
    assert any(plain(t).startswith("In force on 28 Feb 2026: **65 %**") for t in markdown(second))
    fill(second, "60", "Lower still")
    second.button(key="tg_save").click().run()
    assert not second.error and second.success
    assert count(url) == len(RECORDS) + 2


def test_the_history_download_is_the_filtered_history_and_is_audited(url: str) -> None:
    at = open_page(LEAD)
    at.selectbox(key="th_unit").set_value("d1").run()
    assert [r["change"] for r in history(at)] == [
        "72 % (set here) → cleared: 75 % (inherited from Acme Test)",
        "70 % (set here) → 72 %",
        "75 % (inherited from Acme Test) → 70 %",
    ]
    at.download_button(key="th_download").click().run()
    assert not at.exception, at.exception
    eng = make_engine(url)
    with eng.connect() as c:
        log = c.execute(select(schema.audit_log).where(schema.audit_log.c.action == "targets.history.export")).one()
    eng.dispose()
    assert (log.actor, log.details["rows"], log.details["unit"]) == (LEAD, 3, "d1")
