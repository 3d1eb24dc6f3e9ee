"""Targets on summary metrics (目标): the metrics a file may name, and ``metric >= bound``.

Sweeps (a goal: the smallest setting that meets it), precision targets and optimisation
constraints all name summary metrics; they share one list of names and one way to write a
bound, so a target reads the same in every file.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from sim.model.workflow import registered_workflows
from sim.scenario.suggest import did_you_mean

__all__ = ["Constraint", "parse_constraint", "summary_metrics"]


def summary_metrics() -> tuple[str, ...]:
    """Every summary metric a registered workflow defines (summary.csv columns), in order."""
    return tuple(name for workflow in registered_workflows().values()
                 for name in (*workflow.metrics, *workflow.optional_metrics))


_CONSTRAINT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=)\s*([-+0-9.eE]+)\s*$")


@dataclass(frozen=True)
class Constraint:
    """``metric >= bound`` or ``metric <= bound`` on the mean of a summary metric over runs."""

    metric: str
    sense: Literal[">=", "<="]
    bound: float

    def slack(self, value: float) -> float:
        """How far ``value`` is on the good side of the bound (negative: violated)."""
        return value - self.bound if self.sense == ">=" else self.bound - value

    def shortfall(self, value: float) -> float:
        """Violation relative to the bound's size (0 when met): comparable across metrics."""
        if not math.isfinite(value):
            return math.inf
        return max(0.0, -self.slack(value)) / max(abs(self.bound), 1e-9)

    def __str__(self) -> str:
        return f"{self.metric} {self.sense} {self.bound:g}"


def parse_constraint(text: str) -> Constraint:
    """``"p90_resolution_h <= 72"`` → Constraint; ValueError naming what is wrong."""
    match = _CONSTRAINT.match(str(text))
    if match is None:
        raise ValueError(f"{text!r}: write a constraint as 'metric >= number' or "
                         "'metric <= number'")
    metric, sense, number = match.groups()
    known = summary_metrics()
    if metric not in known:
        hint = did_you_mean(metric, known)
        raise ValueError(f"unknown metric {metric!r}{hint or '; known: ' + ', '.join(known)}")
    try:
        bound = float(number)
    except ValueError:
        raise ValueError(f"{number!r} is not a number") from None
    if not math.isfinite(bound):
        raise ValueError(f"bound {number!r} must be finite")
    return Constraint(metric, ">=" if sense == ">=" else "<=", bound)
