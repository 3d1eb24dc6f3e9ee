"""What a back-test (回测) finds: each figure of the log against the band of the simulated runs,
with its verdict, and the curves behind them (:mod:`sim.calibration.backtest` computes them,
the report draws them; this module needs neither the model nor the runner).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Backtest", "Band", "Figure"]


@dataclass(frozen=True)
class Figure:
    """One figure: the log's value, the band of the replications, and the verdict."""

    group: str
    name: str
    observed: float
    low: float
    median: float
    high: float
    unit: str = ""
    #: for a figure that is itself a share of checks inside (the backlog), the threshold
    need: float | None = None
    #: a stable name of the figure (the report words it in either language) and what it is of
    #: (a category, a street)
    key: str = ""
    subject: str = ""

    @property
    def inside(self) -> bool:
        if self.need is not None:
            return self.observed >= self.need
        return bool(self.low <= self.observed <= self.high)

    @property
    def off_by(self) -> float:
        """How far outside the band, relative to the band's median (0 inside)."""
        if self.inside or not self.median or not self.simulated:
            return 0.0
        edge = self.low if self.observed < self.low else self.high
        return (self.observed - edge) / abs(self.median)

    @property
    def simulated(self) -> bool:
        """Whether the runs give this figure at all (a category the scenario lacks: no)."""
        return math.isfinite(self.low) and math.isfinite(self.high)

    def verdict(self) -> str:
        if not self.simulated:
            return "not in the simulated runs"
        if self.inside:
            return "inside"
        return f"outside by {self.off_by:+.0%}" if self.need is None else "outside"


@dataclass(frozen=True)
class Band:
    """A curve of the log against the replications' 95 % prediction band, on a shared x."""

    x: np.ndarray
    observed: np.ndarray
    low: np.ndarray
    mean: np.ndarray
    high: np.ndarray


@dataclass(frozen=True)
class Backtest:
    """The figures with their verdicts, and the curves the report draws."""

    figures: list[Figure]
    replications: int
    #: share resolved (Kaplan–Meier) against hours since receipt
    resolution: Band
    #: open orders against hours since the start of the log
    backlog: Band
    #: orders per day
    arrivals: Band

    @property
    def inside(self) -> int:
        return sum(f.inside for f in self.figures)
