"""Warm-up length (预热期) from a pilot run: Welch's moving averages and MSER-5.

A simulation starts empty and idle, so early cases see short queues. Statistics exclude cases
arriving during ``calendar.warmup_days``; this module suggests that length. The pilot runs the
scenario with no warm-up, averages a series (hourly backlog by default) over replications and
truncates it where

* **MSER-5** (White 1997; Franklin & White 2008): batch means of 5 observations; the truncation
  ``d`` (≤ half the batches) minimising ``Σ(z_i − z̄_d)² / (m − d)²`` over the kept batches
  ``i > d``. Automatic; the default.
* **Welch** (1983; Law, *Simulation Modeling and Analysis*, §9.5.1): a moving average of the
  replication means, shrinking its window at the start. The method is graphical; as an automatic
  reading we take the point where the moving average first comes within two standard
  deviations of its long-run level (both from its second half). Look at the plot.

``govsim warmup SCENARIO --plot warmup.png`` (:mod:`sim.cli.warmup`) prints the suggestion and
saves the plot.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from sim.run.output import atomic_write
from sim.scenario.scenario import Scenario

__all__ = [
    "WarmupSuggestion",
    "mser",
    "plot_warmup",
    "suggest_warmup",
    "suggest_warmup_from_series",
    "welch_moving_average",
    "welch_truncation",
]

Method = Literal["mser5", "welch"]
Series = Literal["backlog", "resolution"]


def welch_moving_average(y: np.ndarray, window: int) -> np.ndarray:
    """Welch's moving average of a series (1-D) or of the mean of replications (2-D, rows).

    Point ``i`` (0-based) averages ``y[i-w .. i+w]``; for ``i < w`` it averages ``y[0 .. 2i]``
    so the start is not flattened by a lopsided window. Defined for ``i < len(y) - w``.
    """
    y = np.asarray(y, dtype=float)
    if y.ndim == 2:
        y = np.nanmean(y, axis=0)
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    n = y.size - window
    if n < 1:
        raise ValueError(f"series of {y.size} points is too short for window {window}")
    c = np.concatenate(([0.0], np.cumsum(y)))
    i = np.arange(n)
    half = np.minimum(i, window)
    return (c[i + half + 1] - c[i - half]) / (2 * half + 1)


def welch_truncation(smoothed: np.ndarray) -> int:
    """Where the moving average first comes within two standard deviations (of its second
    half: noise and any cycle left) of its long-run level, the median of its second half."""
    smoothed = np.asarray(smoothed, dtype=float)
    tail = smoothed[smoothed.size // 2 :]
    level, band = float(np.median(tail)), 2.0 * float(np.std(tail))
    near = np.flatnonzero(np.abs(smoothed - level) <= band)
    return int(near[0]) if near.size else smoothed.size


def mser(y: np.ndarray, batch: int = 5) -> tuple[int, np.ndarray]:
    """MSER-``batch`` truncation of a series: (observations to drop, statistic per batch ``d``).

    The statistic is computed for ``d = 0 .. m//2`` batches (the usual restriction: a minimum
    further out would mean the run is too short to tell).
    """
    y = np.asarray(y, dtype=float)
    if y.ndim == 2:
        y = np.nanmean(y, axis=0)
    m = y.size // batch
    if m < 4:
        raise ValueError(f"MSER-{batch} needs at least {4 * batch} observations, got {y.size}")
    z = y[: m * batch].reshape(m, batch).mean(axis=1)
    tail_sum = np.cumsum(z[::-1])[::-1]  # Σ z[d:]
    tail_sq = np.cumsum((z * z)[::-1])[::-1]
    d = np.arange(m // 2 + 1)
    kept = (m - d).astype(float)
    ss = tail_sq[d] - tail_sum[d] ** 2 / kept
    stat = np.maximum(ss, 0.0) / kept**2
    return int(np.argmin(stat)) * batch, stat


@dataclass
class WarmupSuggestion:
    """A suggested warm-up and what it was read from (enough to draw the plot again)."""

    days: float
    method: Method
    series: Series
    step_h: float
    t_h: np.ndarray
    mean: np.ndarray
    smoothed: np.ndarray
    window: int
    mser_stat: np.ndarray
    mser_truncation_h: float
    welch_truncation_h: float
    replications: int
    horizon_h: float
    reliable: bool

    def __str__(self) -> str:
        chosen_h = self.mser_truncation_h if self.method == "mser5" else self.welch_truncation_h
        text = (f"suggested warm-up: {self.days:g} days ({self.method}; MSER-5 "
                f"{self.mser_truncation_h / 24:.1f} d, Welch {self.welch_truncation_h / 24:.1f} d;"
                f" {self.series} over {self.replications} replications of "
                f"{self.horizon_h / 24:g} days)\n"
                f"set calendar.warmup_days: {self.days:g} in the scenario file "
                f"({self.method}'s {chosen_h:g} h rounded up to the next half day)")
        if not self.reliable:
            text += ("\nwarning: the truncation is at the edge of what the pilot can show; "
                     "run a longer pilot (--days)")
        return text


def suggest_warmup_from_series(y: np.ndarray, step_h: float = 1.0, method: Method = "mser5",
                               window: int | None = None, series: Series = "backlog",
                               horizon_h: float | None = None) -> WarmupSuggestion:
    """Suggest a warm-up from observations every ``step_h`` hours (1-D, or replications × time).

    ``window`` (Welch, in observations each side) defaults to half a week, so the moving average
    spans a week and both the daily and the weekly cycle of demand average out.
    """
    y = np.asarray(y, dtype=float)
    reps = y.shape[0] if y.ndim == 2 else 1
    mean = np.nanmean(y, axis=0) if y.ndim == 2 else y
    w = window or max(1, round(84.0 / step_h))
    smoothed = welch_moving_average(mean, w)
    welch_i = welch_truncation(smoothed)
    mser_i, stat = mser(mean)
    chosen = mser_i if method == "mser5" else welch_i
    truncation_h = chosen * step_h
    # a truncation at the end of the searched half, or a moving average still drifting (by over
    # 10 %) across its second half, means the pilot is too short to tell: both methods assume
    # the second half is steady, and MSER then often says 0
    tail = smoothed[smoothed.size // 2 :]
    thirds = np.array_split(tail, 3)
    drift = abs(float(thirds[0].mean() - thirds[-1].mean()))
    settled = drift <= 0.1 * max(abs(float(np.median(tail))), 1e-12)
    reliable = settled and mser_i < (mean.size // 5) // 2 * 5 and welch_i < smoothed.size // 2
    return WarmupSuggestion(
        days=math.ceil(truncation_h / 24.0 * 2.0) / 2.0,  # up to the next half day
        method=method, series=series, step_h=step_h,
        t_h=np.arange(mean.size) * step_h, mean=mean, smoothed=smoothed, window=w,
        mser_stat=stat, mser_truncation_h=mser_i * step_h, welch_truncation_h=welch_i * step_h,
        replications=reps, horizon_h=horizon_h if horizon_h is not None else mean.size * step_h,
        reliable=reliable,
    )


def _pilot_series(scenario: Scenario, policy: str | None, replications: int, seed: int,
                  days: float | None, series: Series, step_h: float,
                  keep_surges: bool) -> tuple[np.ndarray, float]:
    from sim.run.runner import resolve_policy, run_one

    calendar = scenario.calendar.model_copy(update={"warmup_days": 0.0})
    update: dict[str, object] = {"calendar": calendar}
    if not keep_surges and scenario.arrivals is not None:
        channels = [ch.model_copy(update={"surges": []}) for ch in scenario.arrivals.channels]
        update["arrivals"] = scenario.arrivals.model_copy(update={"channels": channels})
    pilot = scenario.model_copy(update=update)
    spec = resolve_policy(pilot, policy)
    rows = []
    horizon_h = 24.0 * (days if days is not None else scenario.calendar.horizon_days)
    edges = np.arange(0.0, horizon_h + 1e-9, step_h)
    for k in range(replications):
        rep = run_one(pilot, spec, k, seed, days, keep_cases=series == "resolution")
        if series == "backlog":
            t = rep.backlog["t_h"].to_numpy()
            open_cases = rep.backlog["open_cases"].to_numpy(dtype=float)
            # mean backlog over each step (the hourly curve sampled at the step's hours)
            idx = np.minimum((t // step_h).astype(int), edges.size - 2)
            sums = np.bincount(idx, weights=open_cases, minlength=edges.size - 1)
            counts = np.bincount(idx, minlength=edges.size - 1)
            rows.append(sums / np.maximum(counts, 1))
        else:
            assert rep.cases is not None
            closed = rep.cases.dropna(subset=["resolution_h"])
            idx = np.minimum((closed["t_arrival_h"].to_numpy() // step_h).astype(int),
                             edges.size - 2)
            sums = np.bincount(idx, weights=closed["resolution_h"].to_numpy(),
                               minlength=edges.size - 1)
            counts = np.bincount(idx, minlength=edges.size - 1)
            arrived = np.bincount(
                np.minimum((rep.cases["t_arrival_h"].to_numpy() // step_h).astype(int),
                           edges.size - 2), minlength=edges.size - 1)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = np.where(counts > 0, sums / counts, np.nan)
                open_share = 1.0 - counts / np.maximum(arrived, 1)
            # censoring: in the last bins over 5 % of the cases are still open at the end, so
            # only quick ones count and the mean is biased low: cut that tail off
            good = np.flatnonzero(open_share <= 0.05)
            mean[(good[-1] + 1 if good.size else 0):] = np.nan
            rows.append(mean)
    return np.vstack(rows), horizon_h


def suggest_warmup(scenario: Scenario, policy: str | None = None, replications: int = 5,
                   seed: int = 0, days: float | None = None, series: Series = "backlog",
                   method: Method = "mser5", step_h: float | None = None,
                   window: int | None = None, keep_surges: bool = False) -> WarmupSuggestion:
    """Run a pilot without warm-up and suggest ``calendar.warmup_days``.

    Demand surges are switched off in the pilot unless ``keep_surges``: they are planned
    changes of load, not the start-up bias a warm-up removes, and would mislead both methods.

    ``series="backlog"`` (open cases, hourly by default) needs no censoring correction; the
    ``"resolution"`` series (mean resolution of cases by arrival day) is closer to the headline
    metrics but biased low at the end, where only quick cases have closed: use a pilot at least
    twice as long as the suggestion it gives.
    """
    step = step_h if step_h is not None else (1.0 if series == "backlog" else 24.0)
    y, horizon_h = _pilot_series(scenario, policy, replications, seed, days, series, step,
                                 keep_surges)
    if series == "resolution":
        y = y[:, : int(np.flatnonzero(~np.all(np.isnan(y), axis=0))[-1]) + 1]
    return suggest_warmup_from_series(y, step, method, window, series, horizon_h)


def plot_warmup(suggestion: WarmupSuggestion, path: str | Path, title: str = "") -> Path:
    """Save the pilot series, Welch's moving average and the MSER statistic as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s = suggestion
    days = s.t_h / 24.0
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), height_ratios=[2, 1],
                                      constrained_layout=True)
    label = "open cases" if s.series == "backlog" else "mean resolution (h) by arrival"
    top.plot(days, s.mean, color="0.75", lw=0.8,
              label=f"{label}, mean of {s.replications} replications")
    top.plot(days[: s.smoothed.size], s.smoothed, color="tab:blue", lw=1.8,
             label=f"Welch moving average (±{s.window * s.step_h:g} h)")
    top.axvline(s.mser_truncation_h / 24, color="tab:red", ls="--",
                label=f"MSER-5: {s.mser_truncation_h / 24:.1f} d")
    top.axvline(s.welch_truncation_h / 24, color="tab:green", ls=":",
                label=f"Welch: {s.welch_truncation_h / 24:.1f} d")
    top.set_xlabel("day")
    top.set_ylabel(label)
    top.legend(fontsize=8)
    top.grid(alpha=0.3)
    top.set_title(title or f"Warm-up: suggested {s.days:g} days ({s.method})")
    batches = np.arange(s.mser_stat.size) * 5 * s.step_h / 24
    bottom.plot(batches, s.mser_stat, color="tab:red")
    bottom.axvline(s.mser_truncation_h / 24, color="tab:red", ls="--")
    bottom.set_xlabel("truncation (days)")
    bottom.set_ylabel("MSER-5 statistic")
    bottom.grid(alpha=0.3)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda p: fig.savefig(p, dpi=110, format=path.suffix.lstrip(".") or "png"))
    plt.close(fig)
    return path
