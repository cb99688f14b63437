"""generate(): the whole deterministic demo dataset for a profile and a seed."""

from __future__ import annotations

from seed.activity import ActivityStream
from seed.comms import communications
from seed.feedback import feedback
from seed.meetings import meetings
from seed.org import build
from seed.profiles import profile as get_profile
from seed.pulse import pulses
from seed.quality import data_quality
from seed.recognition import recognitions
from seed.tables import Dataset
from seed.targets import pillar_weights, targets
from seed.training import completions, course_rows


def generate(profile: str, seed: int = 42) -> Dataset:
    """The dataset of `profile`: same profile and seed, same rows, on any machine and any day."""
    org = build(get_profile(profile), seed)
    # Training first: whether (and when) people are trained drives their CRM use and their pulse.
    trained = completions(org, seed)
    tables = {
        "org_units": list(org.units),
        "people": [p.row() for p in org.people],
        "courses": course_rows(),
        "crm_activity": ActivityStream(org, seed),
        "training_completions": trained,
        "meetings": meetings(org, seed),
        "communications": communications(org, seed),
        "recognitions": recognitions(org, seed),
        "pulse_responses": pulses(org, seed),
        "data_quality": data_quality(org, seed),
        "feedback": feedback(org, seed),
        "targets": targets(org),
        "pillar_weights": pillar_weights(org),
    }
    story = {
        "start": org.start,
        "end": org.end,
        "lost_division": org.lost_division,
        "sponsor_lost_on": org.sponsor_lost_on,
        "wave": org.wave,
        "team_quality": {t.id: t.quality for t in org.teams},
    }
    return Dataset(profile, seed, tables, story)
