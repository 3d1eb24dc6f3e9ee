"""Duration specs: exact moments, samplers that match them, validators with clear messages."""

from __future__ import annotations

import math
import timeit

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError
from scipy import stats

from sim.stochastic.distributions import (
    Deterministic,
    Distribution,
    Empirical,
    Exponential,
    Gamma,
    Lognormal,
    Triangular,
    Uniform,
    Weibull,
    euclid_km,
    manhattan_km,
    parse_distribution,
    travel_time_h,
)

ADAPTER: TypeAdapter = TypeAdapter(Distribution)

SPECS = [
    Exponential(mean_h=2.5),
    Lognormal(mean_h=9.0, cv=0.6),
    Gamma(mean_h=4.0, cv=0.5),
    Gamma(mean_h=1.0, cv=2.0),
    Weibull(shape=1.7, scale_h=3.0),
    Weibull(shape=0.8, scale_h=1.0),
    Triangular(low_h=0.5, mode_h=1.0, high_h=4.0),
    Triangular(low_h=0.0, mode_h=0.0, high_h=2.0),
    Uniform(low_h=1.0, high_h=3.0),
    Empirical(samples_h=[0.0, 0.5, 2.0, 2.0, 7.5]),
]


def _draw(spec, n: int, seed: int = 1234, block: int = 1024) -> np.ndarray:
    f = spec.sampler(np.random.default_rng(seed), block=block)
    return np.array([f() for _ in range(n)])


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.dist}-{s.mean():.3g}")
def test_sample_moments_match_exact(spec) -> None:
    n = 100_000
    x = _draw(spec, n)
    assert x.min() >= 0.0
    mean, var = spec.mean(), spec.variance()
    # CLT: 5 standard errors; the SE of the variance estimated from the 4th central moment
    assert abs(x.mean() - mean) < 5 * math.sqrt(var / n)
    dev2 = (x - x.mean()) ** 2
    se_var = math.sqrt(dev2.var() / n)
    assert abs(x.var() - var) < 5 * se_var + 1e-12


def test_exact_moments_against_scipy() -> None:
    w = Weibull(shape=1.7, scale_h=3.0)
    ref = stats.weibull_min(1.7, scale=3.0)
    assert w.mean() == pytest.approx(ref.mean(), rel=1e-12)
    assert w.variance() == pytest.approx(ref.var(), rel=1e-12)
    g = Gamma(mean_h=4.0, cv=0.5)
    ref = stats.gamma(a=4.0, scale=1.0)
    assert g.mean() == pytest.approx(ref.mean())
    assert g.variance() == pytest.approx(ref.var())
    t = Triangular(low_h=0.5, mode_h=1.0, high_h=4.0)
    ref = stats.triang(c=(1.0 - 0.5) / 3.5, loc=0.5, scale=3.5)
    assert t.mean() == pytest.approx(ref.mean())
    assert t.variance() == pytest.approx(ref.var())
    ln = Lognormal(mean_h=9.0, cv=1.5)
    ref = stats.lognorm(s=ln.sigma, scale=math.exp(ln.mu))
    assert ref.mean() == pytest.approx(9.0)
    assert ref.std() / ref.mean() == pytest.approx(1.5)


def test_lognormal_parametrised_by_mean_and_cv() -> None:
    """The log of a draw is exactly normal(mu, sigma): a sharp test even for heavy tails."""
    spec = Lognormal(mean_h=9.0, cv=1.5)
    n = 100_000
    logs = np.log(_draw(spec, n, seed=5))
    sigma = math.sqrt(math.log(1 + 1.5**2))
    mu = math.log(9.0) - sigma**2 / 2
    assert spec.sigma == pytest.approx(sigma)
    assert spec.mu == pytest.approx(mu)
    assert abs(logs.mean() - mu) < 5 * sigma / math.sqrt(n)
    assert abs(logs.std() - sigma) < 5 * sigma / math.sqrt(2 * n)
    assert spec.variance() == pytest.approx((1.5 * 9.0) ** 2)


def test_empirical_resamples_uniformly_from_its_samples() -> None:
    spec = Empirical(samples_h=[1.0, 2.0, 3.0, 10.0])
    x = _draw(spec, 40_000, seed=9)
    values, counts = np.unique(x, return_counts=True)
    assert values.tolist() == [1.0, 2.0, 3.0, 10.0]
    assert stats.chisquare(counts).pvalue > 1e-4
    assert spec.mean() == pytest.approx(4.0)
    assert spec.variance() == pytest.approx(np.var([1.0, 2.0, 3.0, 10.0]))
    one = Empirical(samples_h=[3.5])
    assert one.sampler(np.random.default_rng(0))() == 3.5
    assert one.variance() == 0.0


def test_sampler_deterministic_and_block_size_invariant() -> None:
    for spec in SPECS:
        a = _draw(spec, 3000, seed=77)
        np.testing.assert_array_equal(a, _draw(spec, 3000, seed=77))
        # the block size is a speed knob only: it must not change the numbers
        np.testing.assert_array_equal(a, _draw(spec, 3000, seed=77, block=7))
        assert not np.array_equal(a, _draw(spec, 3000, seed=78))


def test_sampler_returns_python_floats() -> None:
    for spec in [*SPECS, Deterministic(value_h=2.0), Uniform(low_h=1.0, high_h=1.0)]:
        assert type(spec.sampler(np.random.default_rng(0))()) is float


def test_deterministic_consumes_no_random_numbers() -> None:
    rng = np.random.default_rng(0)
    before = rng.bit_generator.state
    f = Deterministic(value_h=0.5).sampler(rng)
    assert [f() for _ in range(3)] == [0.5, 0.5, 0.5]
    assert rng.bit_generator.state == before
    assert Deterministic(value_h=0.5).variance() == 0.0


def test_parse_by_name_via_discriminator() -> None:
    spec = parse_distribution({"dist": "gamma", "mean_h": 2, "cv": 0.5})
    assert isinstance(spec, Gamma)
    assert isinstance(
        ADAPTER.validate_python({"dist": "deterministic", "value_h": 1}), Deterministic
    )

    class Stage(BaseModel):
        time: Distribution

    stage = Stage.model_validate({"time": {"dist": "lognormal", "mean_h": 3, "cv": 1}})
    assert isinstance(stage.time, Lognormal)
    assert Stage.model_validate(stage.model_dump()).time == stage.time


def test_unknown_dist_names_allowed_values() -> None:
    with pytest.raises(ValidationError) as err:
        parse_distribution({"dist": "poisson", "mean_h": 1})
    text = str(err.value)
    for name in (
        "exponential",
        "lognormal",
        "gamma",
        "weibull",
        "triangular",
        "uniform",
        "deterministic",
        "empirical",
    ):
        assert f"'{name}'" in text
    with pytest.raises(ValidationError, match="dist"):
        parse_distribution({"mean_h": 1})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"dist": "triangular", "low_h": 1, "mode_h": 5, "high_h": 4},
            "mode_h must lie between low_h and high_h",
        ),
        (
            {"dist": "triangular", "low_h": 1, "mode_h": 0.5, "high_h": 4},
            "mode_h must lie between low_h and high_h",
        ),
        (
            {"dist": "triangular", "low_h": 2, "mode_h": 2, "high_h": 2},
            "low_h must be less than high_h",
        ),
        ({"dist": "triangular", "low_h": -1, "mode_h": 0, "high_h": 1}, "greater than or equal"),
        ({"dist": "uniform", "low_h": 3, "high_h": 2}, "low_h must not exceed high_h"),
        ({"dist": "exponential", "mean_h": 0}, "greater than 0"),
        ({"dist": "exponential", "mean_h": float("nan")}, "finite"),
        ({"dist": "exponential", "mean_h": float("inf")}, "finite"),
        ({"dist": "lognormal", "mean_h": 1, "cv": 0}, "greater than 0"),
        ({"dist": "lognormal", "mean_h": 1}, "cv"),
        ({"dist": "gamma", "mean_h": -2, "cv": 1}, "greater than 0"),
        ({"dist": "weibull", "shape": 0, "scale_h": 1}, "greater than 0"),
        ({"dist": "deterministic", "value_h": -0.1}, "greater than or equal"),
        ({"dist": "empirical", "samples_h": []}, "at least 1 item"),
        ({"dist": "empirical", "samples_h": [1, -2]}, "greater than or equal"),
        ({"dist": "exponential", "mean_h": 1, "mean": 2}, "Extra inputs are not permitted"),
    ],
)
def test_validators_reject_bad_params(data: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_distribution(data)


@given(
    low=st.floats(-1, 10, allow_nan=False),
    mode=st.floats(-1, 10, allow_nan=False),
    high=st.floats(-1, 10, allow_nan=False),
)
def test_triangular_accepts_exactly_the_valid_triples(low: float, mode: float, high: float) -> None:
    valid = 0 <= low <= mode <= high and low < high
    try:
        spec = Triangular(low_h=low, mode_h=mode, high_h=high)
    except ValidationError:
        assert not valid
    else:
        assert valid
        assert low <= spec.mean() <= high
        assert spec.variance() >= 0.0


@given(mean=st.floats(1e-3, 1e3), cv=st.floats(1e-2, 10))
def test_mean_cv_families_have_the_requested_moments(mean: float, cv: float) -> None:
    for spec in (Lognormal(mean_h=mean, cv=cv), Gamma(mean_h=mean, cv=cv)):
        assert spec.mean() == pytest.approx(mean)
        assert math.sqrt(spec.variance()) / spec.mean() == pytest.approx(cv)
    ln = Lognormal(mean_h=mean, cv=cv)
    ref = stats.lognorm(s=ln.sigma, scale=math.exp(ln.mu))
    assert ref.mean() == pytest.approx(mean, rel=1e-9)


def test_geometry_helpers() -> None:
    assert manhattan_km(0, 0, 3, -4) == 7.0
    assert euclid_km(0, 0, 3, -4) == 5.0
    assert travel_time_h(10.0, 20.0) == 0.5
    assert travel_time_h(0.0, 5.0) == 0.0
    with pytest.raises(ValueError, match="speed_kmh"):
        travel_time_h(1.0, 0.0)
    with pytest.raises(ValueError, match="distance_km"):
        travel_time_h(-1.0, 5.0)


@pytest.mark.slow
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.dist)
def test_sampler_cost_per_call(spec) -> None:
    f = spec.sampler(np.random.default_rng(0))
    n = 300_000
    per_call = min(timeit.repeat(f, number=n, repeat=3)) / n
    assert per_call < 0.3e-6
