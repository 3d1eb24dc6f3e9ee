"""Statistics of analysis.stats against hand-computed values and scipy."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from analysis.stats import (
    compare_paired,
    fieller_interval,
    gini,
    pooled_percentiles,
    rank_policies,
    summarise,
    t_interval,
)


def _summary(values: dict[str, list[float]], metric: str = "p90_resolution_h") -> pd.DataFrame:
    """A summary.csv-like table: one row per (policy, replication), seeds shared (CRN)."""
    rows = [{"scenario": "s", "policy": policy, "replication": k, "seed": 100 + k, metric: v}
            for policy, series in values.items() for k, v in enumerate(series)]
    return pd.DataFrame(rows)


def test_t_interval_equals_scipy() -> None:
    x = np.array([12.0, 15.5, 9.8, 14.1, 11.3, 13.7])
    mean, low, high, n = t_interval(x)
    expected = sps.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=sps.sem(x))
    assert n == 6
    assert mean == pytest.approx(x.mean())
    assert (low, high) == pytest.approx(expected)


def test_t_interval_drops_nan_and_needs_two_values() -> None:
    assert t_interval([3.0, math.nan])[3] == 1
    mean, low, high, n = t_interval([3.0])
    assert (mean, n) == (3.0, 1) and math.isnan(low) and math.isnan(high)
    assert t_interval([])[3] == 0


def test_summarise_by_policy_matches_t_interval() -> None:
    df = _summary({"a": [1.0, 2.0, 3.0, 4.0], "b": [10.0, 12.0, 11.0, 13.0]})
    table = summarise(df, by=["policy"])
    assert list(table["policy"]) == ["a", "b"]  # order of first appearance
    assert set(table["metric"]) == {"p90_resolution_h"}  # ids (replication, seed) excluded
    row = table[table["policy"] == "b"].iloc[0]
    mean, low, high, n = t_interval([10.0, 12.0, 11.0, 13.0])
    assert (row["mean"], row["ci_low"], row["ci_high"], row["n"]) == pytest.approx(
        (mean, low, high, n))
    assert row["sd"] == pytest.approx(np.std([10.0, 12.0, 11.0, 13.0], ddof=1))


def test_paired_comparison_detects_known_shift() -> None:
    # large shared replication noise, small but constant policy effect: only pairing sees it
    rng = np.random.default_rng(3)
    base = rng.normal(50, 10, size=8)
    shifted = base - 5 + rng.normal(0, 0.5, size=8)
    table = compare_paired(_summary({"manual": list(base), "algo": list(shifted)}))
    row = table.iloc[0]
    assert row["policy"] == "algo" and row["baseline"] == "manual"
    assert row["distinguishable"] and not row["too_few"]
    assert row["diff_ci_low"] < -5 < row["diff_ci_high"] < 0
    expected = sps.t.interval(0.95, 7, loc=np.mean(shifted - base),
                              scale=sps.sem(shifted - base))
    assert (row["diff_ci_low"], row["diff_ci_high"]) == pytest.approx(expected)
    assert row["ratio"] == pytest.approx(shifted.mean() / base.mean())
    assert row["ratio_ci_low"] < row["ratio"] < row["ratio_ci_high"] < 1


def test_paired_comparison_reports_noise_as_not_distinguishable() -> None:
    rng = np.random.default_rng(11)
    base = rng.normal(0.9, 0.01, size=6)
    noise = base + rng.normal(0, 0.01, size=6)
    row = compare_paired(_summary({"a": list(base), "b": list(noise)},
                                  metric="satisfaction_rate")).iloc[0]
    assert row["diff_ci_low"] < 0 < row["diff_ci_high"]
    assert not row["distinguishable"]
    assert row["ratio_ci_low"] < 1 < row["ratio_ci_high"]


def test_too_few_replications_is_explicit_and_never_distinguishable() -> None:
    row = compare_paired(_summary({"a": [10.0, 11.0], "b": [1.0, 1.1]})).iloc[0]
    assert row["too_few"] and row["n"] == 2
    assert row["diff_ci_high"] < 0  # the interval exists ...
    assert not row["distinguishable"]  # ... but is not trusted


def test_paired_comparison_baseline_and_duplicates() -> None:
    df = _summary({"a": [1.0, 2.0, 3.0], "b": [2.0, 3.0, 4.0], "c": [1.0, 2.0, 3.5]})
    table = compare_paired(df, baseline="b")
    assert list(table["policy"]) == ["a", "c"] and set(table["baseline"]) == {"b"}
    with pytest.raises(ValueError, match="baseline"):
        compare_paired(df, baseline="zzz")
    with pytest.raises(ValueError, match="more than one row"):
        compare_paired(pd.concat([df, df]))


def test_different_seeds_warn_about_missing_common_random_numbers() -> None:
    df = _summary({"a": [1.0, 2.0, 3.0], "b": [2.0, 3.0, 4.0]})
    df.loc[df["policy"] == "b", "seed"] += 1
    with pytest.warns(UserWarning, match="common random numbers"):
        compare_paired(df)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.floats(1, 100), st.floats(1, 100)), min_size=3, max_size=12),
)
def test_fieller_ratio_agrees_with_paired_difference(pairs: list[tuple[float, float]]) -> None:
    """The ratio CI excludes 1 exactly when the difference CI excludes 0 (no contradiction
    between relative and absolute verdicts)."""
    x = np.array([p[0] for p in pairs])
    y = np.array([p[1] for p in pairs])
    _, d_low, d_high, _ = t_interval(x - y)
    _, r_low, r_high = fieller_interval(x, y)
    if not (np.isfinite(r_low) and np.isfinite(r_high)):
        return
    margin = 1e-9 * max(1.0, abs(d_low), abs(d_high))
    if d_low > margin or d_high < -margin:
        assert not (r_low <= 1 <= r_high)
    elif d_low < -margin and d_high > margin:
        assert r_low <= 1 <= r_high


def test_fieller_unbounded_when_baseline_is_zero() -> None:
    ratio, low, high = fieller_interval(np.array([3.0, 4.0, 5.0]), np.zeros(3))
    assert math.isnan(ratio) and low == -math.inf and high == math.inf


def test_fieller_exact_without_spread() -> None:
    ratio, low, high = fieller_interval(np.array([4.0, 4.0, 4.0]), np.array([2.0, 2.0, 2.0]))
    assert ratio == pytest.approx(2.0)
    assert low == pytest.approx(2.0) and high == pytest.approx(2.0)


def test_fieller_matches_grid_search_of_paired_t_tests() -> None:
    """Fieller's set is every ratio r whose paired t-test of x - r*y does not reject."""
    rng = np.random.default_rng(8)
    y = rng.normal(40, 6, size=7)
    x = 0.8 * y + rng.normal(0, 1.5, size=7)
    _, low, high = fieller_interval(x, y)
    grid = np.linspace(0.5, 1.1, 60001)
    d = x[None, :] - grid[:, None] * y[None, :]
    t = d.mean(axis=1) / (d.std(axis=1, ddof=1) / np.sqrt(len(x)))
    kept = grid[np.abs(t) <= sps.t.ppf(0.975, len(x) - 1)]
    assert low == pytest.approx(kept.min(), abs=2e-5)
    assert high == pytest.approx(kept.max(), abs=2e-5)


def _cases(values_by_rep: dict[int, list[float]], policy: str = "p") -> pd.DataFrame:
    rows = [{"policy": policy, "replication": rep, "resolution_h": v, "warmup": False}
            for rep, values in values_by_rep.items() for v in values]
    return pd.DataFrame(rows)


def test_pooled_percentile_point_is_inverted_cdf_of_pooled_cases() -> None:
    rng = np.random.default_rng(5)
    reps = {k: list(rng.lognormal(2, 1, size=40 + 7 * k)) for k in range(5)}
    cases = _cases(reps)
    cases.loc[0, "resolution_h"] = math.nan  # an open case: excluded, counted in share_open
    warm = _cases({0: [1e6]})
    warm["warmup"] = True
    table = pooled_percentiles(pd.concat([cases, warm]), percentiles=(50, 90, 95), n_boot=200)
    pooled = cases["resolution_h"].dropna().to_numpy()
    for p in (50, 90, 95):
        row = table[table["percentile"] == p].iloc[0]
        assert row["resolution_h"] == np.percentile(pooled, p, method="inverted_cdf")
        assert row["ci_low_h"] <= row["resolution_h"] <= row["ci_high_h"]
    assert table["n_replications"].iat[0] == 5
    assert table["share_open"].iat[0] == pytest.approx(1 / len(cases))


def test_pooled_percentile_bootstrap_is_seeded_and_resamples_replications() -> None:
    rng = np.random.default_rng(6)
    reps = {k: list(rng.normal(20 + 3 * k, 2, size=60)) for k in range(4)}
    a = pooled_percentiles(_cases(reps), n_boot=300, rng=42)
    b = pooled_percentiles(_cases(reps), n_boot=300, rng=42)
    pd.testing.assert_frame_equal(a, b)
    # one replication: resampling replications can only redraw it, so the CI collapses; a
    # case bootstrap would report a spurious interval here
    single = pooled_percentiles(_cases({0: reps[0]}), n_boot=300)
    assert (single["ci_low_h"] == single["resolution_h"]).all()
    assert (single["ci_high_h"] == single["resolution_h"]).all()
    assert single["too_few"].all()


def test_pooled_percentiles_count_open_cases_as_censored_given_the_horizon() -> None:
    """With the horizon, open cases count at their age (Kaplan–Meier), as in summary.csv."""
    from analysis.stats import _censored_sample, _weighted_km
    from sim.stochastic.estimators import km_quantiles

    rng = np.random.default_rng(8)
    horizon_h, frames = 200.0, []
    for rep in range(6):
        arrival = rng.uniform(0, horizon_h, 3000)
        duration = rng.exponential(30.0, arrival.size)
        done = arrival + duration <= horizon_h
        frames.append(pd.DataFrame({"policy": "p", "replication": rep, "warmup": False,
                                    "t_arrival_h": arrival,
                                    "resolution_h": np.where(done, duration, np.nan)}))
    cases = pd.concat(frames, ignore_index=True)
    table = pooled_percentiles(cases, n_boot=300, horizon_h=horizon_h).set_index("percentile")
    closed = cases["resolution_h"].notna().to_numpy()
    observed = np.where(closed, cases["resolution_h"], horizon_h - cases["t_arrival_h"])
    exact = km_quantiles(observed, closed, (0.5, 0.9, 0.95))
    truth = [30.0 * math.log(2), 30.0 * math.log(10), 30.0 * math.log(20)]
    for p, want, true in zip((50, 90, 95), exact, truth, strict=True):
        row = table.loc[p]
        assert row["resolution_h"] == pytest.approx(want)
        assert row["ci_low_h"] <= row["resolution_h"] <= row["ci_high_h"]
        assert row["ci_low_h"] <= true * 1.03 and row["ci_high_h"] >= true * 0.97
    closed_only = pooled_percentiles(cases, n_boot=50).set_index("percentile")
    assert closed_only.loc[90, "resolution_h"] < 0.9 * table.loc[90, "resolution_h"]
    # grouping the sorted cases for the bootstrap moves a quantile by at most 1/groups
    by_run = [g for _, g in cases.groupby("replication")]
    t, d, idx = _censored_sample(by_run, "resolution_h", horizon_h)
    counts = rng.multinomial(6, np.full(6, 1 / 6), size=20).astype(float)
    grouped = _weighted_km(t, d, idx, counts, [0.5, 0.9])
    ungrouped = _weighted_km(t, d, idx, counts, [0.5, 0.9], groups=t.size)
    assert grouped == pytest.approx(ungrouped, rel=0.01)


def test_rank_groups_are_honest_about_ties() -> None:
    df = _summary({
        "slow": [60.0, 61.0, 59.0, 60.5],
        "fast": [30.0, 31.0, 29.0, 30.5],
        "fast_too": [30.5, 31.5, 29.5, 30.0],
        "middle": [45.0, 46.0, 44.0, 45.5],
    })
    ranking = rank_policies(df, "p90_resolution_h")
    assert list(ranking["policy"])[:2] in (["fast", "fast_too"], ["fast_too", "fast"])
    groups = dict(zip(ranking["policy"], ranking["rank_group"], strict=True))
    assert groups["fast"] == groups["fast_too"] == 1
    assert groups["middle"] == 2 and groups["slow"] == 3
    assert list(ranking["rank"]) == [1, 2, 3, 4]
    higher = rank_policies(_summary({"a": [0.8, 0.82, 0.81], "b": [0.9, 0.91, 0.92]},
                                    metric="on_time_close_rate"), "on_time_close_rate")
    assert list(higher["policy"]) == ["b", "a"]
    with pytest.raises(ValueError, match="lower or higher"):
        rank_policies(_summary({"a": [1.0, 2.0]}, metric="mean_utilization"), "mean_utilization")


def test_gini_known_values() -> None:
    assert gini([5, 5, 5, 5]) == 0.0
    assert gini([0, 0, 0, 4]) == pytest.approx(0.75)
    assert gini([1, 2, 3, 4]) == pytest.approx(0.25)
    assert gini([0, 0]) == 0.0
    assert math.isnan(gini([]))
    assert gini([1, 2, math.nan, 3, 4]) == pytest.approx(0.25)
    # matches the mean-absolute-difference definition
    x = np.array([3.0, 8.0, 1.0, 12.0, 7.0])
    mad = np.abs(x[:, None] - x[None, :]).mean()
    assert gini(x) == pytest.approx(mad / (2 * x.mean()))
    with pytest.raises(ValueError):
        gini([-1, 2])


def test_write_comparison_csv(tmp_path: Path) -> None:
    from analysis.compare import write_comparison

    df = _summary({"a": [1.0, 2.0, 3.0], "b": [2.0, 3.0, 4.5], "c": [1.0, 2.1, 2.9]})
    path = write_comparison(df, tmp_path)
    assert path == tmp_path / "comparison.csv"
    table = pd.read_csv(path)
    assert list(table["policy"]) == ["b", "c"] and set(table["baseline"]) == {"a"}
    assert {"diff", "diff_ci_low", "ratio_ci_high", "distinguishable", "too_few"} <= set(
        table.columns)
    assert not list(tmp_path.glob("*.tmp"))
