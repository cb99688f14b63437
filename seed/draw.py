"""Small random draws the standard library lacks, all from a caller's `random.Random`."""

from __future__ import annotations

import math
import random


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson count (Knuth's method: the rates here are small)."""
    if lam <= 0:
        return 0
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def clamp(x: float, lo: float, hi: float) -> float:
    """`x` limited to [lo, hi]."""
    return lo if x < lo else hi if x > hi else x


def chance(rng: random.Random, p: float) -> bool:
    """True with probability `p`."""
    return rng.random() < p
