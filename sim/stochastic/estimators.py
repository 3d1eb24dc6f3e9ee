"""Estimators over a run's samples: quantiles with right-censoring (Kaplan–Meier), the Gini
coefficient of workloads."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["gini", "km_quantiles"]


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 = equal workload); NaN if all zero/empty."""
    x = np.sort(np.asarray(values, dtype=float))
    n = x.size
    total = x.sum()
    if n == 0 or total <= 0:
        return math.nan
    ranks = np.arange(1, n + 1)
    return float((2.0 * np.sum(ranks * x) / (n * total)) - (n + 1.0) / n)


def km_quantiles(duration_h: np.ndarray, closed: np.ndarray,
                 qs: tuple[float, ...]) -> list[float]:
    """Quantiles of resolution time with open cases as right-censored (Kaplan–Meier).

    Cases still open at the horizon are known only to take longer than their age. Dropping
    them biases percentiles low, and the more so the more cases are open: under overload the
    median of closed cases can *fall* as demand rises, because the slow cases never close.
    Arrivals do not depend on how long a case will take, so censoring by the horizon is
    independent and the product-limit estimator is unbiased. Without open cases this is the
    inverted-CDF percentile. NaN where the estimated share resolved never reaches ``q``.
    """
    n = duration_h.size
    if n == 0:
        return [math.nan] * len(qs)
    order = np.lexsort((~closed, duration_h))  # at a tie, closures before censorings
    t = duration_h[order]
    at_risk = n - np.arange(n, dtype=np.float64)
    resolved_share = 1.0 - np.cumprod(np.where(closed[order], 1.0 - 1.0 / at_risk, 1.0))
    out = []
    for q in qs:
        i = int(np.searchsorted(resolved_share, q - 1e-12, side="left"))
        out.append(float(t[i]) if i < n else math.nan)
    return out
