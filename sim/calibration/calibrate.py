"""From a work-order log to the parameters of a scenario, each fitted with its uncertainty.

What a log can tell (and :func:`calibrate` fits): per channel the arrival rate, its hour-of-day
and weekday profiles, holidays and the negative binomial over-dispersion of its days (and which
channels' days move together); the category mix; where each category's orders were finally
handled (the tier shares); receipt → dispatch times; dispatch → close times per category ×
tier (with right-censoring of orders still open at the end); returns (退单) and reopens; the
citizen's satisfaction against lateness; the grids' shares of demand. What it cannot tell —
staffing, shifts, where units are, hands-on time as opposed to elapsed time — comes from a base
scenario or is an assumption the writer marks ``[est]`` (docs/calibration.md).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd
from scipy import stats

from sim.calibration.fitting import (
    CountFit,
    DurationFit,
    Estimate,
    SatisfactionFit,
    fit_daily_counts,
    fit_duration,
    fit_satisfaction,
    proportion,
)
from sim.calibration.logs import WorkLog

__all__ = ["Calibration", "CategoryFit", "ChannelFit", "calibrate", "satisfaction_sample"]

TIERS = ("grid", "community", "street", "department")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: fewer observed times than this in a category × tier: the tier's fit over all categories
MIN_TIMES = 20
#: daily residuals of two channels correlated at least this much (and significantly): one group
GROUP_CORRELATION = 0.3


@dataclass
class ChannelFit:
    """One channel: its rate (orders per day of weight 1: the weekly mean), profiles, days."""

    id: str
    kind: str
    orders: int
    counts: CountFit
    hour_share: list[float]
    weekday_factor: list[Estimate]
    holiday_factor: Estimate | None
    #: receipt → dispatch; None when the log shows none (dispatched as received)
    dispatch_delay: DurationFit | None
    daily_counts: np.ndarray = field(repr=False)
    expected: np.ndarray = field(repr=False)
    group: str | None = None
    category_mix: dict[str, Estimate] | None = None


@dataclass
class CategoryFit:
    """One category: its share, final-tier shares, close deadline and times per tier."""

    id: str
    share: Estimate
    tiers: dict[str, Estimate]
    handling: dict[str, DurationFit]
    #: the tiers whose times were too few: their fit is the tier's over all categories
    pooled: list[str]
    resolution: DurationFit | None
    department: str | None
    deadline_h: float | None
    #: how many units the log's department orders of this category went to (the catalogue
    #: sends them all to ``department``, the most frequent)
    department_units: int = 0


@dataclass
class Calibration:
    """Everything fitted from one log (see the module docstring)."""

    log: WorkLog
    holidays: list[date]
    channels: list[ChannelFit]
    categories: list[CategoryFit]
    #: returns per dispatched order, and the per-dispatch probability of a return behind it
    returns_per_order: Estimate
    misroute_p: Estimate
    return_delay_h: Estimate | None
    reopen_p: Estimate | None
    satisfaction: SatisfactionFit | None
    #: street → community → grid → share of orders
    geography: dict[str, dict[str, dict[str, float]]]
    departments: list[str]
    tiers: list[str]
    #: channel groups sharing a day effect: group id → (channels, shape fitted on their sum)
    groups: dict[str, tuple[list[str], Estimate]] = field(default_factory=dict)


def _days(log: WorkLog) -> np.ndarray:
    return np.array([log.start.date() + timedelta(days=d) for d in range(log.days)])


def _channel(log: WorkLog, cid: str, holidays: set[date]) -> ChannelFit:
    orders = log.orders[log.orders["channel"] == cid]
    days = _days(log)
    counts = np.bincount(orders["day"].to_numpy(), minlength=log.days)[: log.days]
    weekday = np.array([d.weekday() for d in days])
    holiday = np.array([d in holidays for d in days])
    ordinary = ~holiday
    per_weekday = np.array([counts[ordinary & (weekday == k)].mean()
                            if (ordinary & (weekday == k)).any() else np.nan for k in range(7)])
    mean_day = np.nanmean(per_weekday)
    factors = per_weekday / mean_day
    weekday_factor = []
    for k in range(7):  # a Poisson-ish interval of each weekday's factor (days as replicates)
        sample = counts[ordinary & (weekday == k)] / mean_day
        se = sample.std(ddof=1) / math.sqrt(len(sample)) if len(sample) > 1 else math.nan
        weekday_factor.append(Estimate(float(factors[k]), float(factors[k] - 1.96 * se),
                                       float(factors[k] + 1.96 * se), len(sample)))
    weights = factors[weekday]
    ratio: float = 1.0
    if holiday.any():
        ratio = float(counts[holiday].sum() / (mean_day * weights[holiday]).sum())
        weights = np.where(holiday, weights * ratio, weights)
    fit = fit_daily_counts(counts, weights)
    holiday_factor = None
    if holiday.any():
        # the interval counts the day effect: Var(N_d) = m_d + m_d²/k, not Poisson's m_d
        shape_k = fit.shape.value
        m = fit.rate.value * factors[weekday][holiday]
        var = (float(np.sum(m * ratio + (m * ratio) ** 2 / shape_k)) if math.isfinite(shape_k)
               else float(np.sum(m * ratio)))
        se = math.sqrt(var) / float(m.sum())
        holiday_factor = Estimate(ratio, max(0.0, ratio - 1.96 * se), ratio + 1.96 * se,
                                  int(holiday.sum()))
    hours = np.bincount(orders["hour"].to_numpy(), minlength=24)[:24]
    hour_share = (hours / max(1, hours.sum())).tolist()
    delay = None
    received = orders["received_h"].to_numpy()
    dispatched = orders["dispatched_h"].to_numpy()
    waited = dispatched - received
    seen = ~np.isnan(waited)
    if seen.any() and np.median(np.maximum(waited[seen], 0.0)) * 3600.0 >= 60.0:
        open_since = received[~seen]
        delay = fit_duration(np.maximum(waited[seen], 0.0), log.horizon_h - open_since)
    return ChannelFit(cid, log.channel_kinds.get(cid, "sensor"), len(orders), fit, hour_share,
                      weekday_factor, holiday_factor, delay, counts, fit.rate.value * weights)


def _groups(channels: list[ChannelFit], log: WorkLog) -> dict[str, tuple[list[str], Estimate]]:
    """Channels whose daily residuals move together share a day effect; k from their sum."""
    residual = {ch.id: (ch.daily_counts - ch.expected) / np.maximum(ch.expected, 1e-9)
                for ch in channels}
    parent = {ch.id: ch.id for ch in channels}

    def root(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    ids = [ch.id for ch in channels]
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            r, p = stats.pearsonr(residual[a], residual[b])
            if r >= GROUP_CORRELATION and p < 0.001:
                parent[root(b)] = root(a)
    members: dict[str, list[str]] = {}
    for cid in ids:
        members.setdefault(root(cid), []).append(cid)
    groups = {}
    by_id = {ch.id: ch for ch in channels}
    for cids in members.values():
        if len(cids) < 2:
            continue
        total = np.sum([by_id[c].daily_counts for c in cids], axis=0)
        expected = np.sum([by_id[c].expected for c in cids], axis=0)
        fit = fit_daily_counts(total, expected / expected.mean())
        name = "_".join(cids)
        groups[name] = (cids, fit.shape)
        for cid in cids:
            by_id[cid].group = name
    return groups


def _times(orders: pd.DataFrame,
           horizon_h: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dispatch → close of orders not returned: observed (closed once), right-censored
    (dispatched, still open at the end), and bounded above (reopened: the first handling ended
    before the final close; leaving them out would bias the times low, as the orders that end
    unsatisfied and reopened are the late ones)."""
    clean = orders[(orders["returns"] == 0) & orders["dispatched_h"].notna()]
    done = clean["closed_h"].notna()
    reopened = (clean["reopened"] == 1).to_numpy()
    total = (clean["closed_h"] - clean["dispatched_h"]).to_numpy(dtype=float)
    observed = total[done.to_numpy() & ~reopened]
    below = total[done.to_numpy() & reopened]
    censored = (horizon_h - clean["dispatched_h"][~done]).to_numpy(dtype=float)
    return np.maximum(observed, 0.0), np.maximum(censored, 0.0), np.maximum(below, 0.0)


def _category_mix(log: WorkLog, categories: list[str]) -> dict[str, dict[str, Estimate]] | None:
    """Per-channel category shares, when the channels' mixes differ (χ² p < 0.001)."""
    table = pd.crosstab(log.orders["channel"], log.orders["category"]).reindex(
        columns=categories, fill_value=0)
    if len(table) < 2:
        return None
    _chi2, p, _dof, _exp = stats.chi2_contingency(table.to_numpy() + 0.5)
    if p >= 0.001:
        return None
    return {cid: {cat: proportion(int(row[cat]), int(row.sum())) for cat in categories}
            for cid, row in table.iterrows()}


def calibrate(log: WorkLog, holidays: list[date] | None = None) -> Calibration:
    """Fit everything a scenario needs that ``log`` can tell (module docstring)."""
    holidays = sorted(set(holidays or []))
    holiday_set = set(holidays)
    orders = log.orders
    channels = [_channel(log, cid, holiday_set) for cid in sorted(set(orders["channel"]))]
    groups = _groups(channels, log)
    categories = sorted(set(orders["category"]), key=lambda c: -int((orders["category"] == c)
                                                                     .sum()))
    mixes = _category_mix(log, categories)
    if mixes is not None:
        for ch in channels:
            ch.category_mix = mixes.get(ch.id)
    tiers = [t for t in TIERS if (orders["tier"] == t).any()]
    by_tier_pool = {}
    for tier in tiers:
        obs, cen, below = _times(orders[orders["tier"] == tier], log.horizon_h)
        if len(obs) >= 3:
            by_tier_pool[tier] = fit_duration(obs, cen, below_h=below)
    fits = []
    for cat in categories:
        mine = orders[orders["category"] == cat]
        known = mine[mine["tier"] != ""]
        tier_counts = Counter(known["tier"])
        tier_share = {t: proportion(tier_counts[t], len(known)) for t in tiers if tier_counts[t]}
        handling, pooled = {}, []
        for tier in tier_share:
            obs, cen, below = _times(mine[mine["tier"] == tier], log.horizon_h)
            if len(obs) >= MIN_TIMES:
                handling[tier] = fit_duration(obs, cen, below_h=below)
            elif tier in by_tier_pool:
                handling[tier] = by_tier_pool[tier]
                pooled.append(tier)
        done = mine["closed_h"].notna()
        resolution = None
        if done.sum() >= 3:
            resolution = fit_duration((mine["closed_h"] - mine["received_h"])[done].to_numpy(),
                                      (log.horizon_h - mine["received_h"][~done]).to_numpy())
        units = Counter(mine.loc[mine["tier"] == "department", "unit"])
        department = units.most_common(1)[0][0] if units else None
        due = (mine["due_h"] - mine["received_h"]).dropna()
        deadline = float(due.round(0).mode().iloc[0]) if len(due) else None
        fits.append(CategoryFit(cat, proportion(len(mine), len(orders)), tier_share, handling,
                                pooled, resolution, department, deadline, len(units)))

    dispatched = orders[orders["dispatched_h"].notna()]
    n_disp = len(dispatched)
    returns_total = int(dispatched["returns"].sum())
    mean_returns = returns_total / n_disp if n_disp else 0.0
    se = math.sqrt(mean_returns / n_disp) if n_disp else math.nan  # Poisson count per order
    returns_per_order = Estimate(mean_returns, max(0.0, mean_returns - 1.96 * se),
                                 mean_returns + 1.96 * se, n_disp)

    def geometric_p(r: float) -> float:  # returns before the right unit: geometric, mean p/(1-p)
        return r / (1.0 + r)

    misroute = Estimate(geometric_p(mean_returns), geometric_p(returns_per_order.low),
                        geometric_p(returns_per_order.high), n_disp)
    return_delay = _return_delay(orders, fits) if returns_total else None
    evaluated = orders[orders["closed_h"].notna() & orders["satisfaction"].isin(
        ["satisfied", "unsatisfied"])]
    unsatisfied = evaluated[evaluated["satisfaction"] == "unsatisfied"]
    reopen = (proportion(int((unsatisfied["reopened"] == 1).sum()), len(unsatisfied))
              if len(unsatisfied) else None)
    satisfaction = None
    late_h, satisfied = satisfaction_sample(orders)
    if len(late_h) >= 10:
        satisfaction = fit_satisfaction(late_h, satisfied,
                                        reopen.value if reopen is not None else 0.0)
    geography: dict[str, dict[str, dict[str, float]]] = {}
    grid_counts = orders.groupby(["street", "community", "grid"]).size()
    for (street, community, grid), count in grid_counts.items():
        geography.setdefault(str(street), {}).setdefault(str(community), {})[str(grid)] = \
            count / len(orders)
    departments = sorted({f.department for f in fits if f.department is not None})
    return Calibration(log, holidays, channels, fits, returns_per_order, misroute, return_delay,
                       reopen, satisfaction, geography, departments, tiers, groups)


def satisfaction_sample(orders: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Lateness at close (hours past the deadline; negative: early) and satisfied or not, of
    the evaluated orders that were not reopened and have a deadline: what
    :func:`fit_satisfaction` fits."""
    kept = orders[orders["closed_h"].notna() & orders["due_h"].notna()
                  & orders["satisfaction"].isin(["satisfied", "unsatisfied"])
                  & (orders["reopened"] != 1)]
    return ((kept["closed_h"] - kept["due_h"]).to_numpy(dtype=float),
            (kept["satisfaction"] == "satisfied").to_numpy())


def _return_delay(orders: pd.DataFrame, fits: list[CategoryFit]) -> Estimate | None:
    """The mean delay a return adds: the slope of dispatch → close on the number of returns,
    each time taken relative to the mean of its category × tier (closed, not reopened)."""
    closed = orders[orders["closed_h"].notna() & orders["dispatched_h"].notna()
                    & (orders["reopened"] != 1)]
    duration = (closed["closed_h"] - closed["dispatched_h"]).to_numpy()
    base = closed[closed["returns"] == 0].assign(d=duration[(closed["returns"] == 0).to_numpy()])
    means = base.groupby(["category", "tier"])["d"].mean()
    centre = np.array([means.get((c, t), np.nan) for c, t in zip(closed["category"],
                                                                  closed["tier"], strict=True)])
    keep = ~np.isnan(centre)
    y = duration[keep] - centre[keep]
    x = closed["returns"].to_numpy()[keep].astype(float)
    if (x > 0).sum() < 3:
        return None
    slope, intercept, _r, _p, se = stats.linregress(x, y)
    del intercept, fits
    return Estimate(float(slope), float(slope - 1.96 * se), float(slope + 1.96 * se),
                    int((x > 0).sum()))
