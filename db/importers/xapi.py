"""xAPI statements as an LRS exports them: a JSON array, JSON Lines, one statement, {"statement": ...} wrappers,
or an LRS's {"statements": [...]} page. Completions and passes become training_completions."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Connection, select

from db import schema
from db.csvread import CsvError
from db.importers.checks import Context
from db.importers.read import decode_text
from db.importers.report import Errors, FileResult
from db.importers.vendor import Adapter, Options, People, Plan, event_day_error, local_day, parse_timestamp

COMPLETION_VERBS = ("/completed", "/passed")
VOIDED = "/voided"


@dataclass
class Statement:
    line: int  # the line in JSON Lines, else the statement's position in the file (1-based)
    body: dict[str, Any]

    @property
    def id(self) -> str | None:
        v = self.body.get("id")
        return v if isinstance(v, str) else None

    @property
    def verb(self) -> str:
        verb = self.body.get("verb")
        return verb.get("id", "") if isinstance(verb, dict) and isinstance(verb.get("id"), str) else ""


def statements(text: str) -> tuple[list[Statement], str]:
    """Every statement in the text, unwrapped, and how the file was laid out."""
    stripped = text.strip()
    try:
        doc = json.loads(stripped)
    except json.JSONDecodeError:
        doc = None
        layout = "JSON Lines"
        found = []
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                found.append(Statement(n, _unwrap(json.loads(line))))
            except json.JSONDecodeError as exc:
                raise CsvError(
                    f"line {n} is not JSON ({exc.msg}): not a JSON array, statement or JSON Lines", n
                ) from None
        return found, layout
    if isinstance(doc, dict) and isinstance(doc.get("statements"), list):
        doc = doc["statements"]
    if isinstance(doc, list):
        return [Statement(i, _unwrap(s)) for i, s in enumerate(doc, start=1)], "JSON array"
    return [Statement(1, _unwrap(doc))], "one statement"


def _unwrap(item: Any) -> Any:
    if isinstance(item, dict) and "statement" in item and isinstance(item["statement"], dict) and "verb" not in item:
        return item["statement"]
    return item


class Xapi(Adapter):
    source = "xapi"
    table = schema.training_completions

    def plan(
        self, conn: Connection, data: bytes, result: FileResult, errors: Errors, opts: Options, ctx: Context
    ) -> Plan | None:
        name = result.file_name
        try:
            text, result.encoding, result.warnings = decode_text(data)
            found, layout = statements(text)
        except CsvError as exc:
            errors.add(name, exc.line, None, None, str(exc))
            return None
        result.rows_read = len(found)
        people = People.load(conn)
        by_sha1 = {hashlib.sha1(f"mailto:{e}".encode()).hexdigest(): p for e, p in people.by_email.items()}  # noqa: S324 - xAPI's own hash
        c = schema.courses
        courses: dict[str, str] = {}
        for ident, external in conn.execute(select(c.c.id, c.c.external_id)):
            courses[ident] = ident
            if external:
                courses.setdefault(external, ident)
        local = opts.zone()

        ids_in_file = {s.id for s in found if isinstance(s.body, dict)}
        kept: list[Statement] = []
        seen_ids: dict[str, int] = {}
        voided: dict[str, str] = {}  # voided statement id -> the voiding statement's id
        for st in found:
            if not isinstance(st.body, dict) or not st.verb or not isinstance(st.body.get("object"), dict):
                errors.add(
                    name,
                    st.line,
                    "statement",
                    _short(st.body),
                    "not an xAPI statement (it needs actor, verb.id and object)",
                )
                continue
            if st.id is not None:
                if st.id in seen_ids:
                    result.skip(st.line, st.id, f"the same statement id as statement {seen_ids[st.id]}: counted once")
                    continue
                seen_ids[st.id] = st.line
            if st.verb.rstrip("/").endswith(VOIDED):
                target = st.body["object"].get("id")
                voided[str(target)] = st.id or f"statement {st.line}"
                where = "" if str(target) in ids_in_file else ", which is not in this file"
                result.skip(st.line, target, f"voids statement {target}{where}")
                continue
            kept.append(st)

        rows: dict[tuple[str, str, str], tuple[str | None, int]] = {}
        for st in kept:
            if st.id is not None and st.id in voided:
                result.skip(st.line, st.id, f"voided by {voided[st.id]}")
                continue
            verb = st.verb.rstrip("/")
            if not verb.endswith(COMPLETION_VERBS):
                result.skip(st.line, st.verb, "not a completion (verb is not .../completed or .../passed)")
                continue
            actor = st.body.get("actor") or {}
            if not isinstance(actor, dict) or actor.get("objectType") == "Group":
                result.skip(st.line, _short(actor), "the actor is a group")
                continue
            person, shown = _person(actor, people, by_sha1)
            if person is None:
                result.skip(st.line, shown, "unknown actor")
                continue
            activity = st.body["object"].get("id")
            course = courses.get(activity) if isinstance(activity, str) else None
            if course is None:
                result.skip(st.line, activity, "no course has this id or external_id")
                continue
            raw = st.body.get("timestamp") or st.body.get("stored")
            if not isinstance(raw, str):
                errors.add(name, st.line, "timestamp", None, "the statement has neither timestamp nor stored")
                continue
            try:
                day = local_day(parse_timestamp(raw, local), local)
            except ValueError as exc:
                errors.add(name, st.line, "timestamp", raw, str(exc))
                continue
            problem = event_day_error(day, ctx)
            if problem:
                errors.add(name, st.line, "timestamp", raw, problem)
                continue
            key = (person, course, day.isoformat())
            score = _score(st.body.get("result"))
            if key in rows:
                result.skip(st.line, st.id, f"the same person, course and day as statement {rows[key][1]}")
                previous = rows[key][0]
                if score is not None and (previous is None or float(score) > float(previous)):
                    rows[key] = (score, rows[key][1])
                continue
            rows[key] = (score, st.line)
        if layout != "JSON array":
            result.warnings.append(f"read as {layout}")
        frame = pd.DataFrame(
            {
                "person_id": [k[0] for k in rows],
                "course_id": [k[1] for k in rows],
                "completed_on": [k[2] for k in rows],
                "score": [v[0] for v in rows.values()],
            }
        )
        return Plan(self.table, frame, ("person_id", "course_id", "completed_on"), ["score"])


def _person(actor: dict[str, Any], people: People, by_sha1: dict[str, str]) -> tuple[str | None, str]:
    mbox = actor.get("mbox")
    if isinstance(mbox, str):
        email = mbox.removeprefix("mailto:")
        return people.email(email), mbox
    sha = actor.get("mbox_sha1sum")
    if isinstance(sha, str):
        return by_sha1.get(sha.lower()), sha
    account = actor.get("account")
    if isinstance(account, dict) and isinstance(account.get("name"), str):
        n = account["name"]
        found = people.email(n) or (n if n in people.ids else None) or people.crm_id(n)
        return found, n
    return None, _short(actor)


def _score(result: Any) -> str | None:
    """result.score as 0-100: scaled x 100, else raw within min..max; None when absent or out of range."""
    score = result.get("score") if isinstance(result, dict) else None
    if not isinstance(score, dict):
        return None
    value = None
    if isinstance(score.get("scaled"), int | float):
        value = score["scaled"] * 100
    elif isinstance(score.get("raw"), int | float) and isinstance(score.get("max"), int | float) and score["max"]:
        low = score.get("min", 0) if isinstance(score.get("min"), int | float) else 0
        value = (score["raw"] - low) / (score["max"] - low) * 100
    if value is None or not 0 <= value <= 100:
        return None
    return f"{round(value, 2):g}"


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 80 else text[:77] + "..."
