"""Back-testing a scenario against a work-order log: is this a model of *that* district?

The scenario is run over the log's period for R replications; every figure of the log is then
set against the 95 % prediction band of the replications — where the figure of one more run, a
log-sized sample of the model, would fall: mean ± t(R−1) · s · √(1 + 1/R); the range of R runs
would cover a new one only (R − 1)/(R + 1) of the time. Figures: resolution-time percentiles (open
orders right-censored in both, Kaplan–Meier), the Kolmogorov–Smirnov distance of the
resolution-time distributions (against the distances between replications themselves),
backlog over time, on-time closure, resolution and satisfaction rates, daily arrivals, and
medians per category and per street. Each figure ends with a plain verdict: inside the band,
or outside by how much.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sim.calibration.logs import WorkLog
from sim.run.runner import RunSet, run_scenario
from sim.scenario.loader import Problem, ScenarioError
from sim.scenario.scenario import Scenario
from sim.stochastic.estimators import km_quantiles

__all__ = ["Figure", "backtest"]

#: the share of hours the log's backlog must spend inside the band to count as inside
BACKLOG_INSIDE = 0.9


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


def _log_durations(log: WorkLog) -> tuple[np.ndarray, np.ndarray]:
    o = log.orders
    closed = o["closed_h"].notna().to_numpy()
    end = np.where(closed, o["closed_h"], log.horizon_h)
    return (end - o["received_h"]).to_numpy(dtype=float), closed


def _band(values: Sequence[float]) -> tuple[float, float, float]:
    """(low, mean, high): the 95 % prediction interval of one more replication's value."""
    x = np.asarray([v for v in values if math.isfinite(v)], dtype=float)
    if len(x) < 2:
        return math.nan, math.nan, math.nan
    mean, sd = float(x.mean()), float(x.std(ddof=1))
    half = float(stats.t.ppf(0.975, len(x) - 1)) * sd * math.sqrt(1.0 + 1.0 / len(x))
    return mean - half, mean, mean + half


def _ks(a: np.ndarray, a_closed: np.ndarray, b: np.ndarray, b_closed: np.ndarray) -> float:
    """The largest gap between two Kaplan–Meier curves of resolution time."""
    grid = np.quantile(np.concatenate([a, b]), np.linspace(0.0, 0.99, 200))

    def curve(t: np.ndarray, done: np.ndarray) -> np.ndarray:
        order = np.lexsort((~done, t))
        ts, ds = t[order], done[order]
        at_risk = len(ts) - np.arange(len(ts), dtype=float)
        share = 1.0 - np.cumprod(np.where(ds, 1.0 - 1.0 / at_risk, 1.0))
        return np.interp(grid, ts, share, left=0.0)

    return float(np.max(np.abs(curve(a, a_closed) - curve(b, b_closed))))


def backtest(scenario: Scenario, log: WorkLog, replications: int = 10,
             seed: int = 0) -> tuple[list[Figure], RunSet]:
    """Run ``scenario`` over ``log``'s period and compare (module docstring)."""
    start = scenario.calendar.start.replace(tzinfo=None)
    if start != log.start:
        raise ScenarioError([Problem("backtest", (), f"the scenario starts {start}, the log "
                                                     f"{log.start}: a back-test needs the same "
                                                     "period (calendar.start)")])
    if not scenario.has_closed_loop:
        raise ScenarioError([Problem("backtest", (), "the scenario does not run the closed "
                                                     "loop, whose cases a log records")])
    runs = run_scenario(scenario, replications=replications, seed=seed, days=log.days)
    cases = runs.cases()
    figures: list[Figure] = []
    log_t, log_closed = _log_durations(log)
    reps = sorted(cases["replication"].unique())
    per_rep = [cases[cases["replication"] == k] for k in reps]

    def sim_durations(c: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        done = c["t_closed_h"].notna().to_numpy()
        end = np.where(done, c["t_closed_h"], log.horizon_h)
        return (end - c["t_arrival_h"]).to_numpy(dtype=float), done

    sims = [sim_durations(c) for c in per_rep]
    for q, label in ((0.5, "median"), (0.9, "p90"), (0.95, "p95")):
        observed = km_quantiles(log_t, log_closed, (q,))[0]
        values = [km_quantiles(t, d, (q,))[0] for t, d in sims]
        figures.append(Figure("resolution", f"{label} resolution time", observed,
                              *_band(values), unit="h"))
    pooled_t = np.concatenate([t for t, _ in sims])
    pooled_d = np.concatenate([d for _, d in sims])
    ks_log = _ks(log_t, log_closed, pooled_t, pooled_d)
    ks_sim = [_ks(t, d, np.concatenate([s[0] for j, s in enumerate(sims) if j != i]),
                  np.concatenate([s[1] for j, s in enumerate(sims) if j != i]))
              for i, (t, d) in enumerate(sims)]
    _lo, mid, hi = _band(ks_sim)
    figures.append(Figure("resolution", "KS distance to the simulated curve", ks_log, 0.0, mid,
                          hi))

    o = log.orders
    n_days = log.days
    figures.append(Figure("arrivals", "orders per day", len(o) / n_days,
                          *_band([len(c) / n_days for c in per_rep])))
    on_time = float((o["closed_h"] <= o["due_h"]).sum() / len(o)) if o["due_h"].notna().any() \
        else math.nan
    if math.isfinite(on_time):
        figures.append(Figure("rates", "closed on time (share of orders)", on_time,
                              *_band([float(c["on_time_close"].mean()) for c in per_rep])))
    figures.append(Figure("rates", "closed by the end (share of orders)",
                          float(log_closed.mean()),
                          *_band([float(c["t_closed_h"].notna().mean()) for c in per_rep])))
    evaluated = o["satisfaction"].isin(["satisfied", "unsatisfied"])
    if evaluated.any():
        # a log shows the first evaluation of a reopened order (unsatisfied), a run the last
        figures.append(Figure("rates", "satisfied at the first evaluation",
                              float((o["satisfaction"] == "satisfied").sum() / evaluated.sum()),
                              *_band([float((c["satisfied"] & (c["reopened"] == 0))
                                            [c["t_closed_h"].notna()].mean())
                                      for c in per_rep])))
    if o["reopened"].notna().any():
        closed_o = o[o["closed_h"].notna()]
        figures.append(Figure("rates", "reopened (share of closed)",
                              float((closed_o["reopened"] == 1).mean()),
                              *_band([float((c["reopened"][c["t_closed_h"].notna()] > 0).mean())
                                      for c in per_rep])))
    figures.append(_backlog(log, runs))
    for key, column in (("category", "category"), ("street", "street")):
        for value in sorted(set(o[column]) - {""}):
            mine = (o[column] == value).to_numpy()
            if mine.sum() < 30:
                continue
            observed = km_quantiles(log_t[mine], log_closed[mine], (0.5,))[0]
            values = []
            for c, (t, d) in zip(per_rep, sims, strict=True):
                sel = (c[key].astype(str) == value).to_numpy()
                values.append(km_quantiles(t[sel], d[sel], (0.5,))[0] if sel.any()
                              else math.nan)
            figures.append(Figure(f"by {key}", f"median resolution, {value}", observed,
                                  *_band(values), unit="h"))
    return figures, runs


def _backlog(log: WorkLog, runs: RunSet) -> Figure:
    """The share of hours at which the log's open orders lie inside the replications' band."""
    o = log.orders
    t = np.arange(0.0, log.horizon_h + 1e-9, 1.0)
    arrived = np.searchsorted(np.sort(o["received_h"].to_numpy()), t, side="right")
    closed = np.sort(o["closed_h"].dropna().to_numpy())
    open_now = arrived - np.searchsorted(closed, t, side="right")
    backlog = runs.backlog()
    table = backlog.pivot_table(index="t_h", columns="replication", values="open_cases")
    values = table.reindex(t, method="nearest").to_numpy(dtype=float)
    r = values.shape[1]
    half = (float(stats.t.ppf(0.975, r - 1)) * values.std(axis=1, ddof=1)
            * math.sqrt(1.0 + 1.0 / r))
    low, high = values.mean(axis=1) - half, values.mean(axis=1) + half
    share = float(np.mean((open_now >= low) & (open_now <= high)))
    return Figure("backlog", "hours with the log's open orders inside the band", share,
                  BACKLOG_INSIDE, 1.0, 1.0, need=BACKLOG_INSIDE)


def figures_frame(figures: Sequence[Figure]) -> pd.DataFrame:
    """The figures as a table (backtest.csv)."""
    return pd.DataFrame([{"group": f.group, "figure": f.name, "unit": f.unit,
                          "observed": f.observed, "simulated_low": f.low,
                          "simulated_median": f.median, "simulated_high": f.high,
                          "verdict": f.verdict(), "off_by": f.off_by} for f in figures])
