"""Non-homogeneous Poisson arrivals: rates from profiles, exact sampling, chunking."""

from __future__ import annotations

import math
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim.model.model import Model
from sim.scenario.loader import ScenarioError, load_scenario, validate_data
from sim.stochastic.arrivals import PiecewiseRate, build_rate, iter_arrival_chunks, nhpp_times

ROOT = Path(__file__).resolve().parents[1]

MON = datetime(2024, 1, 1)  # a Monday
WED_0830 = datetime(2024, 1, 3, 8, 30)

# hotline-like: quiet nights, office-hours peak, a late-evening bump (noise complaints)
HOUR_PROFILE = [0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1, 2, 3, 3, 2.5,
                1.5, 2.5, 3, 3, 2.5, 2, 1.5, 1, 1, 1.2, 1.2, 0.6]  # fmt: skip
WEEKDAY_PROFILE = [1.2, 1.1, 1.0, 1.0, 1.0, 0.35, 0.3]


def thinning(rate: PiecewiseRate, rng: np.random.Generator) -> np.ndarray:
    """Brute-force Lewis–Shedler: homogeneous candidates at the peak rate, kept w.p. λ(t)/λmax."""
    lam_max = float(rate.rate_per_h.max())
    horizon = rate.horizon_h
    n = rng.poisson(lam_max * horizon)
    t = np.sort(rng.uniform(0.0, horizon, n))
    return t[rng.uniform(0.0, lam_max, n) < rate.rate_at(t)]


# -- PiecewiseRate ------------------------------------------------------------------------------
def test_piecewise_rate_cumulative_and_expected_count() -> None:
    r = PiecewiseRate(np.array([0.0, 1.0, 3.0, 4.0]), np.array([2.0, 0.0, 1.0]))
    np.testing.assert_allclose(r.cumulative(), [0, 2, 2, 3])
    assert r.horizon_h == 4.0
    assert r.expected_count() == pytest.approx(3.0)
    assert r.expected_count(0.5, 3.5) == pytest.approx(1.5)
    assert r.expected_count(3.0, 1.0) == 0.0
    np.testing.assert_allclose(r.rate_at([-1, 0, 0.99, 1, 3.5, 4]), [0, 2, 2, 0, 1, 0])
    assert not r.cumulative().flags.writeable


@pytest.mark.parametrize(
    ("breaks", "rates", "message"),
    [
        ([0, 1, 2], [1.0], "one more element"),
        ([1, 2], [1.0], "start at 0"),
        ([0, 2, 1], [1.0, 1.0], "strictly increasing"),
        ([0, 1, 1], [1.0, 1.0], "strictly increasing"),
        ([0, 1], [-1.0], "non-negative"),
        ([0, 1], [np.nan], "non-negative"),
    ],
)
def test_piecewise_rate_validation(breaks: list, rates: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PiecewiseRate(np.array(breaks, dtype=float), np.array(rates))


# -- build_rate ---------------------------------------------------------------------------------
def test_rate_per_day_is_the_mean_daily_rate_over_a_week() -> None:
    for start in (MON, WED_0830):
        rate = build_rate(start, 3 * 168, 300.0, HOUR_PROFILE, WEEKDAY_PROFILE)
        for t0 in (0.0, 17.3, 168.0):
            assert rate.expected_count(t0, t0 + 168.0) == pytest.approx(7 * 300.0)
    flat = build_rate(MON, 240, 48.0, None, None)
    assert len(flat.rate_per_h) == 1
    assert flat.rate_per_h[0] == pytest.approx(2.0)


def test_rate_follows_clock_hour_and_weekday() -> None:
    hp = np.array(HOUR_PROFILE) / np.mean(HOUR_PROFILE)
    wp = np.array(WEEKDAY_PROFILE) / np.mean(WEEKDAY_PROFILE)
    rate = build_rate(WED_0830, 7 * 24, 240.0, HOUR_PROFILE, WEEKDAY_PROFILE)
    base = 240.0 / 24
    assert rate.rate_at(0.25) == pytest.approx(base * hp[8] * wp[2])  # Wed 08:45
    assert rate.rate_at(0.75) == pytest.approx(base * hp[9] * wp[2])  # Wed 09:15
    sat_2300 = (3 * 24 + 23) - 8.5
    assert rate.rate_at(sat_2300 + 0.1) == pytest.approx(base * hp[23] * wp[5])
    assert rate.rate_at(sat_2300 + 1.1) == pytest.approx(base * hp[0] * wp[6])  # Sunday 00:36


def test_profiles_are_validated() -> None:
    with pytest.raises(ValueError, match="hour_profile must have 24"):
        build_rate(MON, 24, 1.0, [1.0] * 23, None)
    with pytest.raises(ValueError, match="weekday_profile needs at least one positive"):
        build_rate(MON, 24, 1.0, None, [0.0] * 7)
    with pytest.raises(ValueError, match="non-negative"):
        build_rate(MON, 24, 1.0, [-1.0] + [1.0] * 23, None)
    with pytest.raises(ValueError, match="start_h must be before end_h"):
        build_rate(MON, 24, 1.0, None, None, [(5.0, 5.0, 2.0)])
    with pytest.raises(ValueError, match="multiplier"):
        build_rate(MON, 24, 1.0, None, None, [(1.0, 5.0, -2.0)])
    with pytest.raises(ValueError, match="rate_per_day"):
        build_rate(MON, 24, -1.0, None, None)


def test_surges_add_breakpoints_and_multiply() -> None:
    rate = build_rate(MON, 200, 240.0, None, None, [(50.2, 62.7, 6.0), (60.0, 70.0, 0.5)])
    np.testing.assert_allclose(rate.breaks_h, [0, 50.2, 60, 62.7, 70, 200])
    np.testing.assert_allclose(rate.rate_per_h, [10, 60, 30, 5, 10])
    # surges beyond the horizon are clipped
    rate = build_rate(MON, 24, 24.0, None, None, [(-5.0, 2.0, 3.0), (20.0, 99.0, 2.0)])
    np.testing.assert_allclose(rate.breaks_h, [0, 2, 20, 24])
    np.testing.assert_allclose(rate.rate_per_h, [3, 1, 2])


# -- nhpp_times ---------------------------------------------------------------------------------
def test_times_sorted_in_range_and_deterministic() -> None:
    rate = build_rate(WED_0830, 14 * 24, 500.0, HOUR_PROFILE, WEEKDAY_PROFILE)
    a = nhpp_times(rate, np.random.default_rng(1), 10.0, 100.0)
    assert a.dtype == np.float64
    assert np.all(np.diff(a) >= 0)
    assert a.min() >= 10.0
    assert a.max() < 100.0
    np.testing.assert_array_equal(a, nhpp_times(rate, np.random.default_rng(1), 10.0, 100.0))
    assert len(nhpp_times(rate, np.random.default_rng(1), 50.0, 50.0)) == 0
    full = nhpp_times(rate, np.random.default_rng(2))
    assert full.max() < rate.horizon_h


def test_counts_over_seeds_are_poisson() -> None:
    rate = build_rate(WED_0830, 7 * 24, 120.0, HOUR_PROFILE, WEEKDAY_PROFILE, [(30.3, 41.9, 3.0)])
    t0, t1 = 20.7, 52.1
    lam = rate.expected_count(t0, t1)
    rng = np.random.default_rng(123)
    reps = 3000
    counts = np.array([len(nhpp_times(rate, rng, t0, t1)) for _ in range(reps)])
    assert abs(counts.mean() - lam) < 5 * math.sqrt(lam / reps)
    # Poisson dispersion: var/mean = 1; SE of s²/λ ≈ sqrt((1/λ + 2) / n)
    assert abs(counts.var(ddof=1) / lam - 1.0) < 5 * math.sqrt((1 / lam + 2) / reps)
    # and the whole count distribution
    kmax = int(lam + 5 * math.sqrt(lam))
    kmin = int(lam - 5 * math.sqrt(lam))
    observed = np.array(
        [np.sum(counts <= kmin)]
        + [np.sum(counts == k) for k in range(kmin + 1, kmax)]
        + [np.sum(counts >= kmax)]
    )
    p = np.concatenate(
        [
            [stats.poisson.cdf(kmin, lam)],
            stats.poisson.pmf(np.arange(kmin + 1, kmax), lam),
            [stats.poisson.sf(kmax - 1, lam)],
        ]
    )
    expected = p * reps
    # pool sparse cells so the chi-square approximation holds
    obs_pooled, exp_pooled, o_acc, e_acc = [], [], 0.0, 0.0
    for o, e in zip(observed, expected, strict=True):
        o_acc, e_acc = o_acc + o, e_acc + e
        if e_acc >= 20:
            obs_pooled.append(o_acc)
            exp_pooled.append(e_acc)
            o_acc = e_acc = 0.0
    obs_pooled[-1] += o_acc
    exp_pooled[-1] += e_acc
    assert stats.chisquare(obs_pooled, exp_pooled).pvalue > 1e-4


def test_hourly_counts_follow_the_profile_and_times_follow_lambda() -> None:
    rate = build_rate(WED_0830, 28 * 24, 800.0, HOUR_PROFILE, WEEKDAY_PROFILE)
    t = nhpp_times(rate, np.random.default_rng(7))
    # counts by hour of the horizon against exact expected counts per hour bin
    edges = np.arange(0.0, rate.horizon_h + 1e-9, 1.0)
    observed = np.histogram(t, edges)[0]
    expected = np.diff(rate.cumulative_at(edges))
    by_clock = np.bincount(np.floor(8.5 + edges[:-1]).astype(int) % 24, observed, 24)
    exp_clock = np.bincount(np.floor(8.5 + edges[:-1]).astype(int) % 24, expected, 24)
    assert stats.chisquare(by_clock, exp_clock * by_clock.sum() / exp_clock.sum()).pvalue > 1e-4
    assert stats.chisquare(observed, expected * observed.sum() / expected.sum()).pvalue > 1e-4
    # given N, arrival times are iid with cdf Λ(t)/Λ(T): a KS test at full resolution
    total = rate.expected_count()
    assert stats.kstest(t, lambda x: rate.cumulative_at(x) / total).pvalue > 1e-4


def test_zero_rate_pieces_get_no_arrivals() -> None:
    night_off = [0.0] * 7 + [1.0] * 15 + [0.0] * 2  # 07:00–22:00 only
    rate = build_rate(WED_0830, 21 * 24, 2000.0, night_off, None, [(100.25, 110.5, 0.0)])
    t = nhpp_times(rate, np.random.default_rng(3))
    assert len(t) > 30_000
    clock = (8.5 + t) % 24.0
    assert np.all((clock >= 7.0) & (clock < 22.0))
    assert not np.any((t >= 100.25) & (t < 110.5))
    # start inside a zero-rate piece
    assert len(nhpp_times(rate, np.random.default_rng(3), 15.0, 22.0)) == 0  # 23:30–06:30
    dead = PiecewiseRate(np.array([0.0, 10.0]), np.array([0.0]))
    assert len(nhpp_times(dead, np.random.default_rng(0))) == 0


def test_surge_multiplies_counts_in_its_window() -> None:
    rate = build_rate(MON, 96, 240.0, None, None, [(50.5, 62.25, 6.0)])
    rng = np.random.default_rng(11)
    reps = 400
    inside = outside = 0
    for _ in range(reps):
        t = nhpp_times(rate, rng)
        inside += np.count_nonzero((t >= 50.5) & (t < 62.25))
        outside += np.count_nonzero((t >= 20.0) & (t < 31.75))  # same length, no surge
    base = 10.0 * 11.75 * reps
    assert abs(outside - base) < 5 * math.sqrt(base)
    assert abs(inside - 6 * base) < 5 * math.sqrt(6 * base)


def test_agrees_with_lewis_shedler_thinning() -> None:
    """Time change and brute-force thinning must give the same law (two-sample KS)."""
    rate = build_rate(WED_0830, 14 * 24, 400.0, HOUR_PROFILE, WEEKDAY_PROFILE, [(40.1, 47.7, 4.0)])
    rng_a, rng_b = np.random.default_rng(21), np.random.default_rng(22)
    exact = np.concatenate([nhpp_times(rate, rng_a) for _ in range(4)])
    brute = np.concatenate([thinning(rate, rng_b) for _ in range(4)])
    assert abs(len(exact) - len(brute)) < 5 * math.sqrt(2 * 4 * rate.expected_count())
    assert stats.ks_2samp(exact % 24.0, brute % 24.0).pvalue > 1e-3  # time of day
    assert stats.ks_2samp(exact % 168.0, brute % 168.0).pvalue > 1e-3  # time of week
    assert stats.ks_2samp(exact, brute).pvalue > 1e-3  # incl. the surge


# -- iter_arrival_chunks ------------------------------------------------------------------------
def test_chunks_cover_the_horizon_in_order() -> None:
    rate = build_rate(WED_0830, 50.0, 300.0, HOUR_PROFILE, None)
    chunks = list(iter_arrival_chunks(rate, np.random.default_rng(5), chunk_h=24.0))
    assert len(chunks) == 3
    for k, c in enumerate(chunks):
        assert np.all(c >= 24.0 * k)
        assert np.all(c < min(24.0 * (k + 1), 50.0))
    joined = np.concatenate(chunks)
    assert np.all(np.diff(joined) >= 0)
    again = np.concatenate(list(iter_arrival_chunks(rate, np.random.default_rng(5), 24.0)))
    np.testing.assert_array_equal(joined, again)
    with pytest.raises(ValueError, match="chunk_h"):
        next(iter_arrival_chunks(rate, np.random.default_rng(5), 0.0))


def test_chunked_process_has_the_same_law() -> None:
    rate = build_rate(WED_0830, 7 * 24, 200.0, HOUR_PROFILE, WEEKDAY_PROFILE, [(30.0, 33.3, 5.0)])
    rng_a, rng_b = np.random.default_rng(31), np.random.default_rng(32)
    reps = 40
    whole = [nhpp_times(rate, rng_a) for _ in range(reps)]
    chunked = [
        np.concatenate(list(iter_arrival_chunks(rate, rng_b, chunk_h=5.5))) for _ in range(reps)
    ]
    lam = rate.expected_count()
    for runs in (whole, chunked):
        n = np.array([len(r) for r in runs])
        assert abs(n.mean() - lam) < 5 * math.sqrt(lam / reps)
    assert stats.ks_2samp(np.concatenate(whole), np.concatenate(chunked)).pvalue > 1e-3
    total = np.concatenate(chunked)
    assert stats.kstest(total, lambda x: rate.cumulative_at(x) / lam).pvalue > 1e-4


@pytest.mark.slow
def test_city_year_is_fast_and_flat() -> None:
    rate = build_rate(MON, 365 * 24, 30_000.0, HOUR_PROFILE, WEEKDAY_PROFILE)
    t = time.perf_counter()
    n = sum(len(c) for c in iter_arrival_chunks(rate, np.random.default_rng(0)))
    elapsed = time.perf_counter() - t
    assert abs(n - rate.expected_count()) < 5 * math.sqrt(rate.expected_count())
    assert elapsed < 5.0


# -- over-dispersed days (a Gamma day effect: negative binomial daily counts) -----------------
def _daily_counts(day_effect: dict | None, seed: int, days: int = 400,
                  per_day: float = 96.0) -> np.ndarray:
    overrides: dict = {"calendar.horizon_days": days, "calendar.warmup_days": 0,
                       "arrivals.channels[0].rate_per_day": per_day,
                       "organisation.departments[0].team_size": 40}
    if day_effect is not None:
        overrides["arrivals.channels[0].day_effect"] = day_effect
    scn = load_scenario(ROOT / "scenarios" / "validation" / "mmc.yaml", overrides)
    t = Model(scn, seed=seed).run().cases["t_arrival_h"]
    return np.bincount((t // 24.0).astype(int), minlength=days)[:days]


def test_day_effect_gives_negative_binomial_counts() -> None:
    """Var = m + m²/k: with m = 96 and k = 4, 2,400 against Poisson's 96. Over 4 seeds × 400
    days the mean stays m (within 3 SE) and the variance is within 15 % of the theory (its
    relative SE over 1,600 NB days is ~5 %); without the day effect the index of dispersion is
    1 within 10 %."""
    m, k = 96.0, 4.0
    counts = np.concatenate([_daily_counts({"shape": k}, seed) for seed in range(4)])
    se_mean = math.sqrt((m + m * m / k) / counts.size)
    assert abs(counts.mean() - m) < 3 * se_mean, counts.mean()
    var_theory = m + m * m / k
    assert abs(counts.var(ddof=1) / var_theory - 1.0) < 0.15, (counts.var(ddof=1), var_theory)
    plain = np.concatenate([_daily_counts(None, seed) for seed in range(4)])
    assert abs(plain.var(ddof=1) / plain.mean() - 1.0) < 0.10


def test_day_effect_is_shared_within_a_group() -> None:
    """Two channels of one group see the same multiplier each day: their daily counts move
    together (correlation near Var(G)·m² / Var(N) ≈ 0.95 here); in separate groups they do not."""
    scn = load_scenario(ROOT / "scenarios" / "validation" / "mmc.yaml", {
        "calendar.horizon_days": 300, "calendar.warmup_days": 0,
        "organisation.departments[0].team_size": 60})
    doc = scn.model_dump(mode="json")
    source = doc["arrivals"]["channels"][0]

    def both(groups: tuple[str, str]) -> float:
        channels = [{**source, "id": f"c{i}", "rate_per_day": 200.0,
                     "day_effect": {"shape": 2.0, "group": g}} for i, g in enumerate(groups)]
        model_doc = {**doc, "arrivals": {"channels": channels}}
        cases = Model(validate_data(model_doc, "doc"), seed=5).run().cases
        day = (cases["t_arrival_h"] // 24.0).astype(int)
        a = np.bincount(day[cases["channel"] == 0], minlength=300)
        b = np.bincount(day[cases["channel"] == 1], minlength=300)
        return float(np.corrcoef(a, b)[0, 1])

    assert both(("storm", "storm")) > 0.85
    assert abs(both(("a", "b"))) < 0.2


def test_a_group_has_one_shape() -> None:
    scn = load_scenario(ROOT / "scenarios" / "beijing_street.yaml")
    doc = scn.model_dump(mode="json")
    doc["arrivals"]["channels"][0]["day_effect"] = {"shape": 5, "group": "g"}
    doc["arrivals"]["channels"][1]["day_effect"] = {"shape": 8, "group": "g"}
    with pytest.raises(ScenarioError, match=r"day_effect\.shape: channel 'hotline' shares day "
                                            r"effect group 'g' with shape 5"):
        validate_data(doc, "doc")
