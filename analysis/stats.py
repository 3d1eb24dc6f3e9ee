"""Statistics across replications: confidence intervals, paired policy comparisons, pooled
percentiles with a replication bootstrap, honest rankings, and the Gini coefficient.

The replication is the unit of evidence throughout. Cases inside one run share its arrival
surges, queues and staffing, so they are not independent observations; every interval here is
computed from one number per replication (or, for pooled percentiles, by resampling whole
replications).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps

from analysis.metrics import metric_columns, metric_info
from sim.stochastic.estimators import km_quantiles

#: Fewest paired replications for which a comparison is reported as meaningful. With two, the
#: standard deviation rests on one degree of freedom and the t quantile is 12.7.
MIN_REPLICATIONS = 3

RngLike = int | np.random.Generator | None


def t_interval(values: Sequence[float] | np.ndarray, confidence: float = 0.95
               ) -> tuple[float, float, float, int]:
    """Mean and Student-t confidence interval of independent replication values.

    NaNs are dropped. Returns ``(mean, ci_low, ci_high, n)``; the interval is NaN when fewer
    than two values remain, because a spread cannot be estimated from one run.
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = int(x.size)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(x.mean())
    if n < 2:
        return mean, math.nan, math.nan, n
    half = float(sps.t.ppf(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half, n


def summarise(summary_df: pd.DataFrame, by: Sequence[str] = ("policy",),
              metrics: Sequence[str] | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Mean and Student-t CI of every metric across replications, per group.

    Parameters
    ----------
    summary_df
        One row per run (summary.csv, or runs.parquet of a sweep).
    by
        Grouping columns; groups keep their order of first appearance.
    metrics
        Metric columns (default: every numeric outcome column).

    Returns
    -------
    Tidy table with the ``by`` columns, ``metric``, ``mean``, ``sd``, ``ci_low``, ``ci_high``
    and ``n`` (replications with a value).
    """
    by = list(by)
    metrics = list(metrics) if metrics is not None else metric_columns(summary_df)
    rows = []
    for key, group in summary_df.groupby(by, sort=False, dropna=False):
        keys = key if isinstance(key, tuple) else (key,)
        for metric in metrics:
            values = group[metric].to_numpy(dtype=float)
            mean, low, high, n = t_interval(values, confidence)
            finite = values[~np.isnan(values)]
            sd = float(finite.std(ddof=1)) if finite.size > 1 else math.nan
            rows.append({**dict(zip(by, keys, strict=True)), "metric": metric, "mean": mean,
                         "sd": sd, "ci_low": low, "ci_high": high, "n": n})
    columns = [*by, "metric", "mean", "sd", "ci_low", "ci_high", "n"]
    return pd.DataFrame(rows, columns=columns)


def fieller_interval(x: np.ndarray, y: np.ndarray, confidence: float = 0.95
                     ) -> tuple[float, float, float]:
    """Ratio of means ``mean(x) / mean(y)`` of paired samples with Fieller's interval.

    Fieller's interval is the set of ratios ``r`` for which the paired t-test of
    ``x - r * y`` does not reject. At ``r = 1`` that is the paired t-test of the difference,
    so the ratio interval excludes 1 exactly when the difference interval excludes 0: the
    relative and absolute verdicts never disagree (the delta method cannot promise this, and
    a mean of log-ratios estimates a geometric mean, not the ratio of means a planner reads).
    Returns ``(ratio, low, high)``; the bounds are infinite when the denominator itself cannot
    be told apart from zero, and NaN with fewer than two pairs.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = x.size
    xbar, ybar = float(x.mean()) if n else math.nan, float(y.mean()) if n else math.nan
    ratio = xbar / ybar if ybar != 0 else math.nan
    if n < 2:
        return ratio, math.nan, math.nan
    t = float(sps.t.ppf(0.5 + confidence / 2, n - 1))
    q = t * t / n
    cov = np.cov(x, y, ddof=1)
    sxx, syy, sxy = float(cov[0, 0]), float(cov[1, 1]), float(cov[0, 1])
    a = ybar * ybar - q * syy
    b = xbar * ybar - q * sxy
    c = xbar * xbar - q * sxx
    disc = b * b - a * c
    scale = max(ybar * ybar, q * syy, 1e-300)
    if a <= 1e-12 * scale or disc < 0:
        return ratio, -math.inf, math.inf
    root = math.sqrt(disc)
    return ratio, (b - root) / a, (b + root) / a


def _paired_values(summary_df: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Metric values as a replication × policy table; duplicate runs are an error."""
    keys = summary_df[["policy", "replication"]]
    if keys.duplicated().any():
        raise ValueError("summary has more than one row per (policy, replication); "
                         "compare one sweep point at a time")
    return summary_df.pivot(index="replication", columns="policy", values=metric)


def _check_common_seeds(summary_df: pd.DataFrame) -> None:
    """Warn when replication k of the policies did not share a seed (no common random
    numbers): the paired test stays valid but loses the variance reduction it relies on."""
    if "seed" not in summary_df.columns:
        return
    seeds = summary_df.groupby("replication")["seed"].nunique()
    if (seeds > 1).any():
        warnings.warn("policies used different seeds for the same replication; paired "
                      "comparisons assume common random numbers", stacklevel=3)


def compare_paired(summary_df: pd.DataFrame, baseline: str | None = None,
                   metrics: Sequence[str] | None = None, confidence: float = 0.95,
                   min_n: int = MIN_REPLICATIONS) -> pd.DataFrame:
    """Each policy against a baseline, paired by replication (common random numbers).

    Replication k of every policy ran on the same seed and so saw the same arrivals; pairing
    removes that shared noise from the comparison. For every policy and metric the result
    holds the paired difference ``policy - baseline`` with a Student-t CI, the ratio of means
    ``policy / baseline`` with Fieller's CI (see :func:`fieller_interval`) and ``rel_change``
    (ratio - 1).

    ``distinguishable`` is True when the difference CI excludes 0; it is never True when
    ``too_few`` (fewer than ``min_n`` pairs), because so few runs cannot support the normal
    approximation behind the interval.

    Parameters
    ----------
    baseline
        Policy to compare against; default the first policy in summary order.
    """
    policies = list(dict.fromkeys(summary_df["policy"].astype(str)))
    if not policies:
        raise ValueError("summary is empty")
    baseline = policies[0] if baseline is None else baseline
    if baseline not in policies:
        raise ValueError(f"baseline {baseline!r} not among policies {policies}")
    _check_common_seeds(summary_df)
    metrics = list(metrics) if metrics is not None else metric_columns(summary_df)
    rows = []
    for metric in metrics:
        table = _paired_values(summary_df, metric)
        for policy in policies:
            if policy == baseline:
                continue
            pair = table[[policy, baseline]].dropna()
            x = pair[policy].to_numpy(dtype=float)
            y = pair[baseline].to_numpy(dtype=float)
            diff, low, high, n = t_interval(x - y, confidence)
            ratio, r_low, r_high = fieller_interval(x, y, confidence)
            too_few = n < min_n
            excludes_zero = bool(n >= 2 and (low > 0 or high < 0))
            rows.append({
                "policy": policy, "baseline": baseline, "metric": metric, "n": n,
                "baseline_mean": float(y.mean()) if n else math.nan,
                "policy_mean": float(x.mean()) if n else math.nan,
                "diff": diff, "diff_ci_low": low, "diff_ci_high": high,
                "ratio": ratio, "ratio_ci_low": r_low, "ratio_ci_high": r_high,
                "rel_change": ratio - 1, "rel_ci_low": r_low - 1, "rel_ci_high": r_high - 1,
                "distinguishable": excludes_zero and not too_few, "too_few": too_few,
            })
    return pd.DataFrame(rows, columns=[
        "policy", "baseline", "metric", "n", "baseline_mean", "policy_mean", "diff",
        "diff_ci_low", "diff_ci_high", "ratio", "ratio_ci_low", "ratio_ci_high", "rel_change",
        "rel_ci_low", "rel_ci_high", "distinguishable", "too_few"])


def _censored_sample(by_run: list[pd.DataFrame], value: str,
                     horizon_h: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pooled (observed time, closed?, replication index), sorted by time, closures first."""
    observed, closed, run_index = [], [], []
    for r, g in enumerate(by_run):
        res = g[value].to_numpy(dtype=float)
        done = ~np.isnan(res)
        observed.append(np.where(done, res, horizon_h - g["t_arrival_h"].to_numpy(dtype=float)))
        closed.append(done)
        run_index.append(np.full(res.size, r))
    t, d, idx = (np.concatenate(a) for a in (observed, closed, run_index))
    order = np.lexsort((~d, t))
    return t[order], d[order], idx[order]


def _weighted_km(t: np.ndarray, closed: np.ndarray, run_index: np.ndarray, counts: np.ndarray,
                 quantiles: Sequence[float], groups: int = 4000) -> np.ndarray:
    """Kaplan–Meier quantiles of the pooled sample in which run ``r`` appears ``counts[b, r]``
    times, for every bootstrap draw ``b``: (draws × quantiles), NaN where not reached.

    The sorted sample is cut into at most ``groups`` runs of consecutive cases, each treated as
    tied at its last time, so a draw costs two (R × groups) matrix products whatever the
    number of cases. With fewer cases than ``groups`` this is the exact weighted product-limit
    estimate; otherwise a quantile is off by at most 1/groups in probability (0.025 %).
    """
    n_runs = counts.shape[1]
    n_groups = min(t.size, groups)
    group = (np.arange(t.size) * n_groups) // t.size
    last = np.flatnonzero(np.append(group[1:] != group[:-1], True))
    flat = run_index * n_groups + group
    size = n_runs * n_groups
    resolved_n = np.bincount(flat[closed], minlength=size).reshape(n_runs, n_groups)
    leaving_n = np.bincount(flat, minlength=size).reshape(n_runs, n_groups)
    at_risk_n = np.cumsum(leaving_n[:, ::-1], axis=1)[:, ::-1]  # not yet gone at group start
    at_risk = counts @ at_risk_n
    resolved = counts @ resolved_n
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(at_risk > 0, resolved / at_risk, 0.0)
    share = 1.0 - np.cumprod(1.0 - hazard, axis=1)
    out = np.full((counts.shape[0], len(quantiles)), np.nan)
    for j, q in enumerate(quantiles):
        reached = share >= q - 1e-12
        first = reached.argmax(axis=1)
        found = reached[np.arange(first.size), first]
        out[:, j] = np.where(found, t[last[first]], np.nan)
    return out


def _weighted_inverted_cdf(runs: list[np.ndarray], counts: np.ndarray, q: float) -> np.ndarray:
    """Inverted-CDF quantile of the pooled sample in which run ``r`` appears ``counts[b, r]``
    times, for every bootstrap draw ``b`` at once.

    Bisection over the sorted pooled values: a draw's cumulative count at ``v`` is
    ``sum_r counts[b, r] * #(run r <= v)``, so no resampled array is ever materialised and a
    draw costs O(R log N) instead of O(N).
    """
    pooled = np.sort(np.concatenate(runs))
    sizes = np.array([r.size for r in runs], dtype=float)
    target = q * (counts @ sizes)
    n_draws = counts.shape[0]
    lo = np.zeros(n_draws, dtype=np.int64)
    hi = np.full(n_draws, pooled.size - 1, dtype=np.int64)
    while np.any(lo < hi):
        mid = (lo + hi) // 2
        values = pooled[mid]
        below = np.stack([np.searchsorted(r, values, side="right") for r in runs], axis=1)
        reached = (counts * below).sum(axis=1) >= target * (1 - 1e-12)
        hi = np.where(reached, mid, hi)
        lo = np.where(reached, lo, mid + 1)
    result = pooled[lo]
    result[target <= 0] = math.nan
    return result


def pooled_percentiles(cases: pd.DataFrame, percentiles: Sequence[float] = (50, 90, 95),
                       by: Sequence[str] = ("policy",), value: str = "resolution_h",
                       n_boot: int = 2000, confidence: float = 0.95,
                       rng: RngLike = 0, horizon_h: float | None = None) -> pd.DataFrame:
    """Percentiles of resolution time pooled over replications, with bootstrap CIs.

    Post-warm-up cases of all replications are pooled. With ``horizon_h`` (and a
    ``t_arrival_h`` column), cases still open at the horizon count as right-censored at their
    age and the percentiles are Kaplan–Meier estimates, as in summary.csv
    (:func:`sim.stochastic.estimators.km_quantiles`); without it only closed cases count and the
    percentile is the inverted-CDF one (the smallest time by which ``p`` % of closed cases
    closed), biased low when many cases are open. The CI is a percentile bootstrap that resamples
    whole replications with replacement, not cases: cases of one run share its surges and queues,
    and resampling them as if independent would give intervals that are far too narrow. With
    few replications there are few distinct resamples, so ``too_few`` flags groups with fewer than
    :data:`MIN_REPLICATIONS` runs.

    Parameters
    ----------
    rng
        Seed or generator for the bootstrap, so that a report is reproducible.

    Returns
    -------
    One row per group and percentile: the ``by`` columns, ``percentile``, ``resolution_h``
    (the pooled value; named after ``value``), ``ci_low_h``, ``ci_high_h``,
    ``n_replications``, ``n_closed``, ``share_open`` (post-warm-up cases still open, which
    the percentiles leave out) and ``too_few``.
    """
    generator = np.random.default_rng(rng)
    by = list(by)
    data = cases
    if "warmup" in data.columns:
        data = data[~data["warmup"].astype(bool)]
    alpha = 1 - confidence
    rows = []
    censored = horizon_h is not None and "t_arrival_h" in data.columns
    for key, group in data.groupby(by, sort=False):
        keys = key if isinstance(key, tuple) else (key,)
        by_run = [g for _, g in group.groupby("replication", sort=True)]
        runs = [np.sort(g[value].dropna().to_numpy(dtype=float)) for g in by_run]
        n_rep = len(runs)
        n_closed = int(sum(r.size for r in runs))
        share_open = float(group[value].isna().mean()) if len(group) else math.nan
        counts = generator.multinomial(n_rep, np.full(n_rep, 1 / n_rep), size=n_boot)
        quantiles = [p / 100 for p in percentiles]
        if n_closed == 0:
            points = np.full(len(quantiles), math.nan)
            boots = np.full((n_boot, len(quantiles)), math.nan)
        elif censored:
            assert horizon_h is not None  # censored implies a horizon
            observed, closed, run_index = _censored_sample(by_run, value, horizon_h)
            points = np.array(km_quantiles(observed, closed, tuple(quantiles)))  # as summary.csv
            boots = _weighted_km(observed, closed, run_index, counts.astype(float), quantiles)
        else:
            points = np.array([_weighted_inverted_cdf(runs, np.ones((1, n_rep)), q)[0]
                               for q in quantiles])
            boots = np.column_stack([_weighted_inverted_cdf(runs, counts.astype(float), q)
                                     for q in quantiles])
        for j, p in enumerate(percentiles):
            point = float(points[j])
            boot = boots[:, j][~np.isnan(boots[:, j])]
            if math.isnan(point) or boot.size == 0:
                low, high = math.nan, math.nan
            else:
                low, high = (float(v) for v in np.quantile(boot, [alpha / 2, 1 - alpha / 2]))
            rows.append({**dict(zip(by, keys, strict=True)), "percentile": p, value: point,
                         "ci_low_h": low, "ci_high_h": high, "n_replications": n_rep,
                         "n_closed": n_closed, "share_open": share_open,
                         "too_few": n_rep < MIN_REPLICATIONS})
    return pd.DataFrame(rows, columns=[*by, "percentile", value, "ci_low_h", "ci_high_h",
                                       "n_replications", "n_closed", "share_open", "too_few"])


def rank_policies(summary_df: pd.DataFrame, metric: str, better: str | None = None,
                  confidence: float = 0.95) -> pd.DataFrame:
    """Rank policies on one metric without pretending to know more than the data says.

    Policies are sorted by mean. The best policy and every policy whose CI overlaps its CI form
    rank group 1; the best of the rest opens group 2, and so on. A policy with fewer than two
    replications has no CI and therefore ties with its group leader.

    Parameters
    ----------
    better
        ``"lower"`` or ``"higher"``; default from :mod:`analysis.metrics`. Required for
        metrics without a natural direction.

    Returns
    -------
    ``policy``, ``mean``, ``ci_low``, ``ci_high``, ``n``, ``rank`` (by mean, 1 = best),
    ``rank_group`` and ``tied_with_best``, best first.
    """
    better = better or metric_info(metric).better
    if better not in ("lower", "higher"):
        raise ValueError(f"say whether lower or higher {metric!r} is better")
    table = summarise(summary_df, by=["policy"], metrics=[metric], confidence=confidence)
    table = table.drop(columns=["metric", "sd"])
    table = table[table["n"] > 0].sort_values("mean", ascending=better == "lower", kind="stable")
    table = table.reset_index(drop=True)
    low = table["ci_low"].fillna(-math.inf).to_numpy()
    high = table["ci_high"].fillna(math.inf).to_numpy()
    groups = np.zeros(len(table), dtype=int)
    group = 0
    for leader in range(len(table)):
        if groups[leader]:
            continue
        group += 1
        for other in range(leader, len(table)):
            if not groups[other] and low[other] <= high[leader] and low[leader] <= high[other]:
                groups[other] = group
    table["rank"] = np.arange(1, len(table) + 1)
    table["rank_group"] = groups
    table["tied_with_best"] = table["rank_group"] == 1
    return table[["policy", "mean", "ci_low", "ci_high", "n", "rank", "rank_group",
                  "tied_with_best"]]


def gini(values: Sequence[float] | np.ndarray) -> float:
    """Gini coefficient of non-negative amounts (e.g. busy hours across grid workers).

    0 means everyone carries the same load, values near 1 that one person carries it all. This
    is the population Gini (no small-sample correction), computed from the sorted values as
    ``2 Σ i·x_(i) / (n Σ x) - (n + 1) / n``. NaNs are ignored; all-zero input gives 0.
    """
    x = np.asarray(values, dtype=float)
    x = np.sort(x[~np.isnan(x)])
    if x.size == 0:
        return math.nan
    if x[0] < 0:
        raise ValueError("Gini is defined for non-negative values")
    total = x.sum()
    if total == 0:
        return 0.0
    n = x.size
    i = np.arange(1, n + 1)
    return float(2 * np.sum(i * x) / (n * total) - (n + 1) / n)
