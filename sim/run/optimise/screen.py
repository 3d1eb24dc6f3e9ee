"""The feasibility screen (可行性筛查): Student-t intervals, Bonferroni over the constraints.

With ``m`` constraints and confidence ``1 − α``, each constraint's mean gets a two-sided
interval at level ``1 − α/m``, so all ``m`` intervals hold together with probability at least
``1 − α`` (Bonferroni). A constraint is *met* when its whole interval lies on the good side of
the bound, *violated* when it lies wholly on the bad side, and *undecided* otherwise. A candidate
is feasible when every constraint is met, infeasible as soon as one is violated.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

from sim.run.optimise.spec import Constraint

__all__ = ["Interval", "Verdict", "interval", "judge", "level"]

Verdict = Literal["met", "violated", "undecided"]


@dataclass(frozen=True)
class Interval:
    """Mean of ``n`` finite replication values and its two-sided t-interval."""

    mean: float
    low: float
    high: float
    n: int


def level(confidence: float, constraints: int) -> float:
    """Per-constraint two-sided level: ``1 − (1 − confidence) / m`` (Bonferroni)."""
    return 1.0 - (1.0 - confidence) / max(1, constraints)


def interval(values: Sequence[float] | np.ndarray, at_level: float) -> Interval:
    """Student-t interval of the mean; NaN values (a metric undefined in a run) are dropped."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    mean = float(x.mean())
    if n < 2:
        return Interval(mean, -math.inf, math.inf, n)
    half = float(stats.t.ppf(0.5 + at_level / 2.0, n - 1)) * float(x.std(ddof=1)) / math.sqrt(n)
    return Interval(mean, mean - half, mean + half, n)


def judge(constraint: Constraint, iv: Interval) -> Verdict:
    """Met, violated or undecided: where the interval lies against the bound."""
    if iv.n < 2 or not math.isfinite(iv.mean):
        return "undecided"
    good, bad = (iv.low, iv.high) if constraint.sense == ">=" else (-iv.high, -iv.low)
    bound = constraint.bound if constraint.sense == ">=" else -constraint.bound
    if good > bound:
        return "met"
    if bad < bound:
        return "violated"
    return "undecided"
