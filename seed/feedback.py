"""Feedback from users: issues (with a 5-day resolution SLA), ideas and questions."""

from __future__ import annotations

import random
from datetime import timedelta

from seed.dates import month_end, workdays
from seed.draw import chance, poisson
from seed.model import Org

SUMMARIES = {
    "issue": (
        "Duplicate account warning fires on every save",
        "Opportunity stage picklist misses 'Verbal commit'",
        "Outlook sync drops meeting notes",
        "Report times out for the whole region",
        "Cannot attach PDFs to cases",
        "Mobile app logs me out every hour",
        "Lead assignment sends leads to a former colleague",
        "Forecast totals differ from the dashboard",
        "Contact import fails on accented names",
    ),
    "idea": (
        "Show open cases on the account page",
        "One-click call logging from the phone",
        "A weekly digest of my stalled deals",
        "Pre-filled visit report template",
        "Highlight accounts without a next step",
    ),
    "question": (
        "How do I share a dashboard with my team?",
        "Where do I log a customer visit?",
        "Who can change the territory?",
        "How do I merge two contacts?",
        "Can I export my pipeline to Excel?",
    ),
}
KINDS, KIND_WEIGHTS = ("issue", "idea", "question"), (55, 25, 20)


def feedback(org: Org, seed: int) -> list[tuple]:
    """Feedback rows; issues of well-run teams get fixed within five days far more often."""
    rng = random.Random(f"{seed}:feedback")
    rows: list[tuple] = []
    for month in org.months:
        days = workdays(month, min(month_end(month), org.end))
        progress = org.progress(month)
        for team in org.teams:
            staff = [p for p in team.everyone if p.licensed(month)]
            for _ in range(poisson(rng, len(staff) * 0.05 * (1.3 - 0.5 * progress))):
                person, raised = rng.choice(staff), rng.choice(days)
                kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
                if not person.licensed(raised):
                    continue
                resolved = None
                if kind == "issue":
                    if chance(rng, 0.7 + 0.3 * team.quality - 0.02 * org.drag(team.division, raised)):
                        resolved = raised + timedelta(days=rng.randint(0, 5))
                    elif chance(rng, 0.75):
                        resolved = raised + timedelta(days=rng.randint(6, 40))
                elif kind == "idea" and chance(rng, 0.4):
                    resolved = raised + timedelta(days=rng.randint(3, 45))
                elif kind == "question" and chance(rng, 0.9):
                    resolved = raised + timedelta(days=rng.randint(0, 4))
                if resolved is not None and resolved > org.end:
                    resolved = None  # not resolved yet when the data ends
                rows.append((person.id, kind, raised, resolved, rng.choice(SUMMARIES[kind])))
    rows.sort(key=lambda r: (r[2], r[0]))
    return [(f"fb-{i:05d}", *row) for i, row in enumerate(rows, start=1)]
