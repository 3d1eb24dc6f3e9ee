"""Percentiles of resolution time with cases still open at the horizon (right-censored)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.stochastic.estimators import km_quantiles

QS = (0.5, 0.9, 0.95)


@given(st.lists(st.floats(0.0, 1e4, allow_nan=False), min_size=1, max_size=200))
def test_without_open_cases_it_is_the_inverted_cdf_percentile(values: list[float]) -> None:
    x = np.array(values)
    got = km_quantiles(x, np.ones(x.size, dtype=bool), QS)
    want = np.percentile(x, [100 * q for q in QS], method="inverted_cdf")
    assert got == pytest.approx(list(want))


def test_open_cases_do_not_bias_the_percentiles() -> None:
    """Exponential resolution times, arrivals uniform over the horizon: the cases still open
    are the slow ones, so dropping them cuts the percentiles by a fifth; the product-limit
    estimate does not."""
    rng = np.random.default_rng(7)
    n, horizon_h, mean_h = 40_000, 120.0, 20.0
    arrival = rng.uniform(0.0, horizon_h, n)
    duration = rng.exponential(mean_h, n)
    closed = arrival + duration <= horizon_h
    observed = np.where(closed, duration, horizon_h - arrival)
    truth = [-mean_h * math.log(1 - q) for q in QS]
    got = km_quantiles(observed, closed, QS)
    assert got == pytest.approx(truth, rel=0.05)
    closed_only = np.percentile(duration[closed], [100 * q for q in QS])
    assert all(c < 0.85 * t for c, t in zip(closed_only, truth, strict=True))


def test_a_share_never_reached_is_nan() -> None:
    observed = np.array([1.0, 2.0, 3.0, 4.0])
    closed = np.array([True, False, False, False])  # at most 25 % known resolved
    median, p90, _ = km_quantiles(observed, closed, QS)
    assert math.isnan(median) and math.isnan(p90)
    assert all(math.isnan(v) for v in km_quantiles(np.array([]), np.array([], bool), QS))


def test_ties_close_before_they_are_censored() -> None:
    # two cases of 5 h: one closed at 5 h, one open at age 5 h; the closure counts first
    got = km_quantiles(np.array([5.0, 5.0, 9.0]), np.array([False, True, True]), (0.3,))
    assert got == [5.0]
