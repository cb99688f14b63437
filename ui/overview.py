"""The Overview's pieces, from the model to what cards.py draws: tiles and the scorecard."""

from __future__ import annotations

import pandas as pd

from metrics.overview import Overview
from metrics.registry import BY_ID, PILLARS
from ui import cards, display

INDEX_LABEL = "Adoption Index"


def so_far(model: Overview) -> bool:
    """The period is cut short at its end: values so far, no change against a complete period."""
    return model.window.cut_at_end(model.period)


def comparable(model: Overview) -> bool:
    return model.previous is not None and not so_far(model)


def _counts(statuses: list[str], noun: str) -> tuple[str, str]:
    """('2 of 13 KPIs on target', '3 red · 1 amber · 7 no data')."""
    words = (("red", "red"), ("amber", "amber"), ("no_data", "no data"))
    detail = [f"{statuses.count(s)} {w}" for s, w in words if statuses.count(s)]
    return f"{statuses.count('green')} of {len(statuses)} {noun} on target", " · ".join(detail) or "all on target"


def _delta(model: Overview, key: str) -> str:
    now, before = model.current_scores.get(key), model.previous_scores.get(key)
    if model.previous is None:
        return "No earlier period to compare with"
    if so_far(model):
        return f"Not compared until {model.period.label} is over"
    if missing(now) or missing(before):
        return f"No score in {display.period_name(model.previous)} to compare with"
    return f"{display.points(now - before)} vs {display.period_name(model.previous)}"


def missing(v) -> bool:
    return v is None or pd.isna(v)


def _spark(model: Overview, key: str) -> list[float | None]:
    return [None if missing(v) else float(v) for v in model.scores[key]]


def tiles(model: Overview) -> str:
    """The index tile and the three pillar tiles, coloured by status band (HTML, data escaped)."""
    card = model.scorecard
    caption = f"{display.plural(len(model.scores), model.period.grain)} · scale 0–100"
    short_caption = "scale 0–100"
    counts, detail = _counts(list(card["status"]), "KPIs")
    now = model.current_scores
    index = cards.Tile(
        key="index",
        label=INDEX_LABEL,
        value=display.score(now.get("index")),
        band=model.band(),
        counts=counts,
        detail=detail,
        delta=_delta(model, "index"),
        spark=_spark(model, "index"),
        spark_caption=caption,
        so_far=so_far(model),
        help=display.TILE_HELP["index"],
    )
    pillars = []
    for p in PILLARS:
        statuses = list(card.loc[card["pillar"] == p.id, "status"])
        counts, detail = _counts(statuses, "KPIs")
        pillars.append(
            cards.Tile(
                key=p.id,
                label=p.title,
                weight=f"{model.weights[p.id]:.0f} %",
                value=display.score(now.get(p.id)),
                band=model.band(p.id),
                counts=counts.replace(" KPIs", ""),
                detail=detail,
                delta=_delta(model, p.id),
                spark=_spark(model, p.id),
                spark_caption=short_caption,
                so_far=so_far(model),
                help=display.TILE_HELP["pillar"],
            )
        )
    return cards.tiles(index, pillars)


def scorecard(model: Overview) -> str:
    """Every KPI with value, target, status, change, trend and base, grouped by pillar (HTML)."""
    card = model.scorecard
    now = model.current_scores
    show_change = comparable(model)
    groups = []
    for p in PILLARS:
        rows = []
        part = card[card["pillar"] == p.id]
        for r in part.itertuples():
            k = BY_ID[r.kpi_id]
            lo, hi = _spark_scale(k, r.trend, r.trend_targets)
            rows.append(
                cards.Row(
                    kpi=k.title,
                    value=display.kpi_value(k, r.value, r.target, r.status),
                    target=display.kpi_target(k, r.target),
                    status=r.status,
                    delta=display.kpi_delta(k, r.delta) if show_change else "–",
                    spark=list(r.trend),
                    spark_lo=lo,
                    spark_hi=hi,
                    spark_target=r.target,
                    based_on=display.based_on(k, r.value, r.numerator, r.denominator),
                )
            )
        statuses = list(part["status"])
        reds, ambers = statuses.count("red"), statuses.count("amber")
        summary = [f"{display.score(now.get(p.id))} /100"] if not missing(now.get(p.id)) else ["no score"]
        summary += [f"{reds} red"] if reds else []
        summary += [f"{ambers} amber"] if ambers else []
        groups.append(
            cards.Group(
                title=f"{p.title} · weight {model.weights[p.id]:.0f} %",
                summary=" · ".join(summary),
                band=model.band(p.id),
                rows=rows,
            )
        )
    n = len(model.scores)
    change = f"Change since {display.period_name(model.previous)}" if show_change else "Change"
    return cards.scorecard(
        groups,
        value_header="Value so far" if so_far(model) else "Value",
        change_header=change,
        trend_header=f"Trend, {display.plural(n, model.period.grain)}",
    )


def _spark_scale(k, values: list, targets: list) -> tuple[float, float]:
    """The fixed scale of a KPI's sparkline: 0–100 for percentages, 1–5 for the pulse, else from 0
    to a little above the highest value or target."""
    if k.value_kind == "percent":
        return 0.0, 100.0
    if k.value_kind == "mean":
        return 1.0, 5.0
    top = max([v for v in values if v is not None] + list(targets) + [1.0])
    return 0.0, top * 1.15


def trend_labels(model: Overview) -> tuple[dict, set]:
    """Axis labels per period start ('Sep 2026') and the starts of periods not over yet."""
    labels, open_ = {}, set()
    for p in model.trend_periods:
        cut = model.window.cut_at_end(p)
        labels[p.start] = display.period_name(p) + (" so far" if cut else "")
        if cut:
            open_.add(p.start)
    return labels, open_


def explains_movement(model: Overview) -> bool:
    """'Why it moved' needs two complete periods with an index each."""
    now, before = model.current_scores, model.previous_scores
    return (
        model.movement is not None
        and comparable(model)
        and not missing(now.get("index"))
        and not missing(before.get("index"))
    )
