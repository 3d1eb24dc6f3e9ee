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

import numpy as np
import pandas as pd
from scipy import stats

from sim.calibration.figures import Backtest, Band, Figure
from sim.calibration.logs import WorkLog
from sim.run.runner import RunSet, run_scenario
from sim.scenario.loader import Problem, ScenarioError
from sim.scenario.scenario import Scenario
from sim.stochastic.estimators import km_quantiles

__all__ = ["backtest", "figures_frame"]

#: the share of hours the log's backlog must spend inside the band to count as inside
BACKLOG_INSIDE = 0.9


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


def _bands(x: np.ndarray, observed: np.ndarray, values: np.ndarray) -> Band:
    """:func:`_band` at every point of ``x``; ``values`` has one column per replication."""
    r = values.shape[1]
    mean = values.mean(axis=1)
    half = (float(stats.t.ppf(0.975, r - 1)) * values.std(axis=1, ddof=1)
            * math.sqrt(1.0 + 1.0 / r))
    return Band(x, observed, mean - half, mean, mean + half)


def _km_curve(t: np.ndarray, done: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """The Kaplan–Meier share resolved at each point of ``grid``."""
    order = np.lexsort((~done, t))
    ts, ds = t[order], done[order]
    at_risk = len(ts) - np.arange(len(ts), dtype=float)
    share = 1.0 - np.cumprod(np.where(ds, 1.0 - 1.0 / at_risk, 1.0))
    return np.interp(grid, ts, share, left=0.0)


def _ks(a: np.ndarray, a_closed: np.ndarray, b: np.ndarray, b_closed: np.ndarray) -> float:
    """The largest gap between two Kaplan–Meier curves of resolution time."""
    grid = np.quantile(np.concatenate([a, b]), np.linspace(0.0, 0.99, 200))
    return float(np.max(np.abs(_km_curve(a, a_closed, grid) - _km_curve(b, b_closed, grid))))


def backtest(scenario: Scenario, log: WorkLog, replications: int = 10,
             seed: int = 0) -> Backtest:
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
    for q, label, key in ((0.5, "median", "p50"), (0.9, "p90", "p90"), (0.95, "p95", "p95")):
        observed = km_quantiles(log_t, log_closed, (q,))[0]
        values = [km_quantiles(t, d, (q,))[0] for t, d in sims]
        figures.append(Figure("resolution", f"{label} resolution time", observed,
                              *_band(values), unit="h", key=f"{key}_resolution"))
    pooled_t = np.concatenate([t for t, _ in sims])
    pooled_d = np.concatenate([d for _, d in sims])
    ks_log = _ks(log_t, log_closed, pooled_t, pooled_d)
    ks_sim = [_ks(t, d, np.concatenate([s[0] for j, s in enumerate(sims) if j != i]),
                  np.concatenate([s[1] for j, s in enumerate(sims) if j != i]))
              for i, (t, d) in enumerate(sims)]
    _lo, mid, hi = _band(ks_sim)
    figures.append(Figure("resolution", "KS distance to the simulated curve", ks_log, 0.0, mid,
                          hi, key="ks_resolution"))

    o = log.orders
    n_days = log.days
    figures.append(Figure("arrivals", "orders per day", len(o) / n_days,
                          *_band([len(c) / n_days for c in per_rep]), key="orders_per_day"))
    days = np.arange(n_days)

    def per_day(t_h: np.ndarray) -> np.ndarray:
        return np.bincount((t_h // 24.0).astype(int), minlength=n_days)[:n_days]

    arrivals = _bands(days.astype(float), per_day(o["received_h"].to_numpy()).astype(float),
                      np.column_stack([per_day(c["t_arrival_h"].to_numpy()) for c in per_rep])
                      .astype(float))
    on_time = float((o["closed_h"] <= o["due_h"]).sum() / len(o)) if o["due_h"].notna().any() \
        else math.nan
    if math.isfinite(on_time):
        figures.append(Figure("rates", "closed on time (share of orders)", on_time,
                              *_band([float(c["on_time_close"].mean()) for c in per_rep]),
                              key="on_time"))
    figures.append(Figure("rates", "closed by the end (share of orders)",
                          float(log_closed.mean()),
                          *_band([float(c["t_closed_h"].notna().mean()) for c in per_rep]),
                          key="closed_by_end"))
    evaluated = o["satisfaction"].isin(["satisfied", "unsatisfied"])
    if evaluated.any():
        # a log shows the first evaluation of a reopened order (unsatisfied), a run the last
        figures.append(Figure("rates", "satisfied at the first evaluation",
                              float((o["satisfaction"] == "satisfied").sum() / evaluated.sum()),
                              *_band([float((c["satisfied"] & (c["reopened"] == 0))
                                            [c["t_closed_h"].notna()].mean())
                                      for c in per_rep]), key="satisfied_first"))
    if o["reopened"].notna().any():
        closed_o = o[o["closed_h"].notna()]
        figures.append(Figure("rates", "reopened (share of closed)",
                              float((closed_o["reopened"] == 1).mean()),
                              *_band([float((c["reopened"][c["t_closed_h"].notna()] > 0).mean())
                                      for c in per_rep]), key="reopened"))
    backlog = _backlog_band(log, runs)
    share = float(np.mean((backlog.observed >= backlog.low) & (backlog.observed <= backlog.high)))
    figures.append(Figure("backlog", "hours with the log's open orders inside the band", share,
                          BACKLOG_INSIDE, 1.0, 1.0, need=BACKLOG_INSIDE, key="backlog_inside"))
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
                                  *_band(values), unit="h", key=f"median_by_{key}",
                                  subject=value))
    grid = np.geomspace(0.1, max(float(np.quantile(log_t, 0.995)), 1.0), 200)
    resolution = _bands(grid, _km_curve(log_t, log_closed, grid),
                        np.column_stack([_km_curve(t, d, grid) for t, d in sims]))
    return Backtest(figures, len(reps), resolution, backlog, arrivals)


def _backlog_band(log: WorkLog, runs: RunSet) -> Band:
    """The log's open orders at every hour against the replications' band."""
    o = log.orders
    t = np.arange(0.0, log.horizon_h + 1e-9, 1.0)
    arrived = np.searchsorted(np.sort(o["received_h"].to_numpy()), t, side="right")
    closed = np.sort(o["closed_h"].dropna().to_numpy())
    open_now = arrived - np.searchsorted(closed, t, side="right")
    backlog = runs.backlog()
    table = backlog.pivot_table(index="t_h", columns="replication", values="open_cases")
    values = table.reindex(t, method="nearest").to_numpy(dtype=float)
    return _bands(t, open_now.astype(float), values)


def figures_frame(figures: Sequence[Figure]) -> pd.DataFrame:
    """The figures as a table (backtest.csv)."""
    return pd.DataFrame([{"group": f.group, "figure": f.name, "unit": f.unit,
                          "observed": f.observed, "simulated_low": f.low,
                          "simulated_median": f.median, "simulated_high": f.high,
                          "verdict": f.verdict(), "off_by": f.off_by} for f in figures])
