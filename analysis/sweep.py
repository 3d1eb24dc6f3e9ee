"""What a sweep found: each setting's verdict, the bottleneck units, and the levers that do
nothing there (扫描结论).

A committee reading a sweep asks "which setting?" and, when a lever barely moves the outcome,
"why not?". The answer to the second is usually a unit the lever does not touch: at 1.6×
demand the street team runs above capacity, so more grid workers cannot shorten the queue in
front of it. Everything here is paired by replication: replication *k* of every configuration
and policy ran on the same seed (common random numbers), so the comparisons between settings
are as sharp as those between policies.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analysis.metrics import METRICS
from analysis.stats import t_interval
from analysis.verdict import verdict_table

#: The outcomes a lever is judged on, per workflow: on time, then the p90 (complaint orders
#: of the closed loop; service applications of the one-window workflow).
LEAD_PAIRS: tuple[tuple[str, str], ...] = (
    ("on_time_close_rate", "p90_resolution_h"),
    ("svc_on_time_share", "svc_p90_working_days"),
)


def lead_metrics(table: pd.DataFrame) -> tuple[str, str]:
    """The lead pair of the first workflow whose metrics ``table`` (runs or summary) has."""
    for pair in LEAD_PAIRS:
        if pair[0] in table.columns:
            return pair
    return LEAD_PAIRS[0]

#: Changes below these are "barely moves" even when the replications can tell them apart:
#: one percentage point of a rate, 2 % of an amount.
SMALL_PP, SMALL_REL = 0.01, 0.02

#: The unit name under which a sweep records all grids of a run (sim.run.sweep.worker).
GRIDS_UNIT = "grid:*"


def swept_params(runs: pd.DataFrame) -> list[str]:
    """Swept parameters: numeric columns of runs.parquet named by a dotted scenario path
    (``arrivals.scale``) that take more than one value."""
    return [c for c in runs.columns if "." in c and c not in METRICS
            and pd.api.types.is_numeric_dtype(runs[c]) and runs[c].nunique() > 1]


def settings(runs: pd.DataFrame, params: Sequence[str]) -> pd.DataFrame:
    """One row per configuration: its index and the values of the swept parameters."""
    return (runs[["config", *params]].drop_duplicates("config").sort_values("config")
            .reset_index(drop=True))


def config_verdicts(runs: pd.DataFrame, baseline: str, confidence: float = 0.95,
                    lang: str = "en") -> dict[int, pd.DataFrame]:
    """The compare report's verdict table (every policy against ``baseline``, paired by
    replication) within each configuration."""
    out: dict[int, pd.DataFrame] = {}
    for config, part in runs.groupby("config", sort=True):
        if part["policy"].nunique() < 2 or baseline not in set(part["policy"]):
            continue
        out[int(config)] = verdict_table(part, baseline=baseline, confidence=confidence,
                                         lang=lang)
    return out


def bottlenecks(units: pd.DataFrame | None, config: int, policy: str | None = None,
                top: int = 3) -> list[tuple[str, float]]:
    """The ``top`` busiest units of a configuration (mean utilisation over its replications,
    and over policies unless one is named), busiest first."""
    if units is None or units.empty:
        return []
    part = units[units["config"] == config]
    if policy is not None:
        part = part[part["policy"] == policy]
    if part.empty:
        return []
    means = part.groupby("unit", sort=True)["utilization"].mean().sort_values(
        ascending=False, kind="stable")
    return [(str(u), float(v)) for u, v in means.head(top).items()]


def utilization_table(units: pd.DataFrame, policy: str, top: int = 8) -> pd.DataFrame:
    """Mean utilisation of the ``top`` units (by their highest mean in any configuration),
    units × configurations, for one policy."""
    part = units[units["policy"] == policy]
    means = part.groupby(["unit", "config"])["utilization"].mean().unstack("config")
    order = means.max(axis=1).sort_values(ascending=False, kind="stable").index[:top]
    return means.loc[order]


@dataclass(frozen=True)
class LeverEffect:
    """Moving one swept parameter from its lowest to its highest value, the others held.

    ``verdict`` is one row of :func:`analysis.verdict.verdict_table` (the high setting against
    the low one on ``metric``); ``flat`` says the lever barely moves it there; ``busiest`` are
    the top units at the high setting.
    """

    param: str
    low: float
    high: float
    policy: str
    held: Mapping[str, Any]
    metric: str
    verdict: pd.Series
    flat: bool
    busiest: list[tuple[str, float]]


def _is_flat(row: pd.Series) -> bool:
    if row["assessment"] in ("no_difference", "too_few", "identical", "too_few_events",
                             "none_either"):
        return True
    if row["style"] == "pp":
        return abs(float(row["diff"])) < SMALL_PP
    change = float(row["rel_change"])
    return math.isfinite(change) and abs(change) < SMALL_REL


def lever_effects(runs: pd.DataFrame, units: pd.DataFrame | None, param: str,
                  metric: str | None = None, confidence: float = 0.95,
                  lang: str = "en") -> list[LeverEffect]:
    """The effect of ``param`` (lowest → highest value) on ``metric`` (default: the on-time
    share of the runs' workflow) for every policy and every combination of the other swept
    parameters, paired by replication."""
    metric = metric or lead_metrics(runs)[0]
    params = swept_params(runs)
    others = [p for p in params if p != param]
    low, high = float(runs[param].min()), float(runs[param].max())
    effects: list[LeverEffect] = []
    groups = runs.groupby(["policy", *others], sort=False) if others else runs.groupby(
        ["policy"], sort=False)
    for key, part in groups:
        values = key if isinstance(key, tuple) else (key,)
        policy, held = str(values[0]), dict(zip(others, values[1:], strict=True))
        ends = part[part[param].isin([low, high])]
        if ends[param].nunique() < 2:
            continue
        pair = ends.assign(policy=ends[param].map({low: "low", high: "high"}))
        table = verdict_table(pair, baseline="low", metrics=[metric], confidence=confidence,
                              lang=lang)
        if table.empty:
            continue
        row = table.iloc[0]
        high_config = int(ends.loc[ends[param] == high, "config"].iat[0])
        effects.append(LeverEffect(param, low, high, policy, held, metric, row,
                                   _is_flat(row), bottlenecks(units, high_config, policy)))
    return effects


@dataclass(frozen=True)
class Target:
    """``metric >= bound`` or ``metric <= bound`` on the mean over replications (a goal's
    target, as the sweep's run.json records it). Judged like the optimiser's screen
    (``sim.run.optimise.screen.judge``), which analysis may not import (pyproject's layers)."""

    metric: str
    sense: str
    bound: float

    def side(self, low: float, high: float) -> str:
        """``met`` when the whole interval is on the good side of the bound, ``missed`` when
        it is wholly on the bad side, ``undecided`` otherwise (or without an interval)."""
        if not (math.isfinite(low) and math.isfinite(high)):
            return "undecided"
        good, bad = (low, high) if self.sense == ">=" else (-high, -low)
        bound = self.bound if self.sense == ">=" else -self.bound
        if good > bound:
            return "met"
        if bad < bound:
            return "missed"
        return "undecided"


@dataclass(frozen=True)
class Goal:
    """What a sweep is for: targets, the lever to economise on and which end of it is cheap."""

    targets: tuple[Target, ...]
    lever: str
    prefer: str = "smallest"
    confidence: float = 0.95

    @classmethod
    def from_record(cls, record: Mapping[str, Any] | None) -> Goal | None:
        """The ``goal`` of a sweep's run.json, or None when the experiment states none."""
        if not record or not record.get("meets") or not record.get("lever"):
            return None
        targets = tuple(Target(str(t["metric"]), str(t["sense"]), float(t["bound"]))
                        for t in record["meets"])
        return cls(targets, str(record["lever"]), str(record.get("prefer", "smallest")),
                   float(record.get("confidence", 0.95)))


@dataclass(frozen=True)
class TargetCheck:
    """One target at one setting: the mean, its interval and which side of the bound."""

    target: Target
    mean: float
    low: float
    high: float
    side: str


@dataclass(frozen=True)
class GoalResult:
    """The cheapest lever value meeting every target, for one policy and one setting of the
    other swept parameters.

    ``status`` is ``met`` (``value`` meets every target with the goal's confidence),
    ``undecided`` (no value is shown to meet them, but at ``value`` none is shown missed:
    more replications may settle it) or ``missed`` (every value misses a target; ``value`` is
    the most generous one tried and ``checks`` say by how much).
    """

    policy: str
    held: Mapping[str, Any]
    value: float
    status: str
    checks: tuple[TargetCheck, ...]
    n: int
    cheaper_undecided: float | None = None  # a cheaper value not shown to miss any target


def _checks(part: pd.DataFrame, goal: Goal) -> tuple[tuple[TargetCheck, ...], int]:
    """Every target on the runs of one configuration and policy, Bonferroni over targets."""
    at_level = 1.0 - (1.0 - goal.confidence) / len(goal.targets)
    checks, n = [], 0
    for target in goal.targets:
        values = part[target.metric] if target.metric in part.columns else pd.Series([], float)
        mean, low, high, n_ok = t_interval(values.to_numpy(dtype=float), at_level)
        n = max(n, n_ok)
        checks.append(TargetCheck(target, mean, low, high, target.side(low, high)))
    return tuple(checks), n


def goal_results(runs: pd.DataFrame, goal: Goal) -> list[GoalResult]:
    """For every policy and every setting of the other swept parameters, the cheapest value of
    ``goal.lever`` at which every target holds with the goal's confidence.

    Each setting is judged on its own replications (a two-sided Student-t interval per target
    at level 1 − α/m, so the m targets hold together with confidence 1 − α). The values are
    tried from the cheap end; the first that meets every target is the answer. When none is
    shown to meet them, the first value at which no target is shown missed is reported as
    undecided, else the most generous value with what it reaches.
    """
    if goal.lever not in runs.columns:
        return []
    others = [p for p in swept_params(runs) if p != goal.lever]
    results: list[GoalResult] = []
    for key, part in runs.groupby(["policy", *others], sort=False):
        values = key if isinstance(key, tuple) else (key,)
        policy, held = str(values[0]), dict(zip(others, values[1:], strict=True))
        levels = sorted(part[goal.lever].dropna().unique(),
                        reverse=goal.prefer == "largest")
        tried = [(float(v), *_checks(part[part[goal.lever] == v], goal)) for v in levels]
        if not tried:
            continue
        chosen = next((t for t in tried if all(c.side == "met" for c in t[1])), None)
        status, cheaper = "met", None
        if chosen is not None:
            cheaper = next((t[0] for t in tried[:tried.index(chosen)]
                            if all(c.side != "missed" for c in t[1])), None)
        else:
            chosen = next((t for t in tried if all(c.side != "missed" for c in t[1])), None)
            status = "undecided"
        if chosen is None:
            chosen, status = tried[-1], "missed"
        value, checks, n = chosen
        results.append(GoalResult(policy, held, value, status, checks, n, cheaper))
    order = {p: i for i, p in enumerate(dict.fromkeys(runs["policy"].astype(str)))}
    return sorted(results, key=lambda r: (order[r.policy], tuple(r.held.values())))
