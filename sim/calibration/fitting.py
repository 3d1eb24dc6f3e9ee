"""Estimators a calibration needs, each with its uncertainty.

* :func:`fit_duration` — a duration distribution (lognormal, gamma or Weibull, chosen by AIC) by
  maximum likelihood **with right-censoring**: an order still open at the end of a log is known
  only to take longer than it has so far, and leaving it out biases every time low (the more so
  the longer the times). Intervals of the mean and cv by the delta method on the observed
  information (the numerical Hessian of the log-likelihood at its maximum).
* :func:`proportion` — a share with its Wilson interval.
* :func:`fit_daily_counts` — a rate and the negative binomial over-dispersion of daily counts
  whose expected values differ by day (weekday profile, holidays), by maximum likelihood.
* :func:`fit_satisfaction` — the probability of satisfaction on time and its decay with
  lateness, the form govsim's evaluation uses.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize, special, stats

__all__ = ["DurationFit", "Estimate", "fit_daily_counts", "fit_duration", "fit_satisfaction",
           "kaplan_meier", "proportion"]

Z95 = float(stats.norm.ppf(0.975))
FAMILIES = ("lognormal", "gamma", "weibull")


@dataclass(frozen=True)
class Estimate:
    """A fitted value with its 95 % interval and the number of observations behind it."""

    value: float
    low: float
    high: float
    n: int

    def note(self, digits: int = 3) -> str:
        """``fitted: n=12,408, 95 % CI 0.61–0.64`` (as the scenario's comments show it)."""
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            return f"fitted: n={self.n:,}, no interval"
        return f"fitted: n={self.n:,}, 95 % CI {_g(self.low, digits)}–{_g(self.high, digits)}"

    def contains(self, x: float) -> bool:
        return self.low <= x <= self.high


def _g(x: float, digits: int) -> str:
    return f"{x:.{digits}g}"


def proportion(k: int, n: int) -> Estimate:
    """The share k/n with its Wilson score interval (sound near 0 and 1)."""
    if n <= 0:
        return Estimate(math.nan, math.nan, math.nan, 0)
    p = k / n
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return Estimate(p, max(0.0, centre - half), min(1.0, centre + half), n)


# -- durations --------------------------------------------------------------------------------
def _dist(family: str, theta: np.ndarray) -> Any:
    """The scipy distribution of ``family`` at the unconstrained parameters ``theta``."""
    if family == "lognormal":
        return stats.lognorm(s=math.exp(theta[1]), scale=math.exp(theta[0]))
    if family == "gamma":
        return stats.gamma(a=math.exp(theta[0]), scale=math.exp(theta[1]))
    return stats.weibull_min(c=math.exp(theta[0]), scale=math.exp(theta[1]))


def _moments(family: str, theta: np.ndarray) -> tuple[float, float]:
    """(mean, cv) of ``family`` at ``theta``."""
    if family == "lognormal":
        mu, s2 = theta[0], math.exp(2 * theta[1])
        return math.exp(mu + s2 / 2), math.sqrt(math.expm1(s2))
    if family == "gamma":
        a, scale = math.exp(theta[0]), math.exp(theta[1])
        return a * scale, 1.0 / math.sqrt(a)
    c, scale = math.exp(theta[0]), math.exp(theta[1])
    g1, g2 = float(special.gamma(1 + 1 / c)), float(special.gamma(1 + 2 / c))
    return scale * g1, math.sqrt(max(g2 / (g1 * g1) - 1.0, 0.0))


def _start(family: str, x: np.ndarray) -> np.ndarray:
    """A starting point from the moments of the observed times."""
    logs = np.log(x)
    if family == "lognormal":
        return np.array([logs.mean(), math.log(max(logs.std(), 1e-3))])
    mean, var = float(x.mean()), float(x.var()) or float(x.mean()) ** 2
    if family == "gamma":
        a = mean * mean / var
        return np.array([math.log(a), math.log(mean / a)])
    cv = math.sqrt(var) / mean
    c = max(cv ** -1.086, 0.05)  # Justus' approximation of the Weibull shape from the cv
    return np.array([math.log(c), math.log(mean / special.gamma(1 + 1 / c))])


def _nll(family: str, theta: np.ndarray, x: np.ndarray, censored: np.ndarray,
         below: np.ndarray) -> float:
    d = _dist(family, theta)
    value = -(float(np.sum(d.logpdf(x))) + float(np.sum(d.logsf(censored)))
              + float(np.sum(d.logcdf(below))))
    return value if math.isfinite(value) else 1e300


def _hessian(f: Callable[[np.ndarray], float], theta: np.ndarray,
             step: float = 1e-4) -> np.ndarray:
    """Central-difference Hessian of ``f`` at ``theta``."""
    k = len(theta)
    h = np.empty((k, k))
    for i in range(k):
        for j in range(i, k):
            e_i, e_j = np.eye(k)[i] * step, np.eye(k)[j] * step
            h[i, j] = h[j, i] = (f(theta + e_i + e_j) - f(theta + e_i - e_j)
                                 - f(theta - e_i + e_j) + f(theta - e_i - e_j)) / (4 * step * step)
    return h


def _gradient(g: Callable[[np.ndarray], float], theta: np.ndarray,
              step: float = 1e-6) -> np.ndarray:
    return np.array([(g(theta + e) - g(theta - e)) / (2 * step)
                     for e in np.eye(len(theta)) * step])


@dataclass
class DurationFit:
    """A fitted duration distribution: its family and parameters, mean and cv with intervals,
    the AIC of every family tried, and the Kolmogorov–Smirnov distance of the fit from the
    Kaplan–Meier curve of the data."""

    family: str
    theta: np.ndarray
    n: int
    n_censored: int
    mean: Estimate
    cv: Estimate
    aic: dict[str, float]
    ks: float
    naive_mean_h: float = math.nan
    #: the data, for the report's ECDF and Q–Q plots
    observed_h: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)
    censored_h: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)

    @property
    def dist(self) -> Any:
        """The fitted scipy distribution."""
        return _dist(self.family, self.theta)

    def scenario(self) -> dict[str, Any]:
        """As a scenario's distribution field (docs/scenario-format.md, distributions)."""
        if self.family == "weibull":
            return {"dist": "weibull", "shape": _round(math.exp(self.theta[0])),
                    "scale_h": _round(math.exp(self.theta[1]))}
        return {"dist": self.family, "mean_h": _round(self.mean.value),
                "cv": _round(self.cv.value)}


def _round(x: float, digits: int = 4) -> float:
    return float(f"{x:.{digits}g}")


def kaplan_meier(durations: np.ndarray, closed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Event times and the Kaplan–Meier estimate of F (share done) just after each."""
    order = np.lexsort((~closed, durations))
    t, done = durations[order], closed[order]
    at_risk = len(t) - np.arange(len(t), dtype=float)
    surv = np.cumprod(np.where(done, 1.0 - 1.0 / at_risk, 1.0))
    return t[done], 1.0 - surv[done]


def fit_duration(observed_h: Sequence[float] | np.ndarray,
                 censored_h: Sequence[float] | np.ndarray = (),
                 families: Sequence[str] = FAMILIES,
                 below_h: Sequence[float] | np.ndarray = ()) -> DurationFit:
    """Maximum-likelihood fit of durations, ``censored_h`` right-censored (still running at
    the end of the log) and ``below_h`` known only to be shorter than the value (a reopened
    order: its first handling ended before its final close), of each family in ``families``;
    the lowest AIC wins.

    Needs at least 3 observed (uncensored) durations; zero durations are moved to 1 second
    (a log's clock cannot tell them apart, and every family here is positive).
    """
    x = np.maximum(np.asarray(observed_h, dtype=float), 1.0 / 3600.0)
    c = np.maximum(np.asarray(censored_h, dtype=float), 1.0 / 3600.0)
    b = np.maximum(np.asarray(below_h, dtype=float), 1.0 / 3600.0)
    if len(x) < 3:
        raise ValueError(f"need at least 3 observed durations to fit, got {len(x)}")
    fits: dict[str, tuple[np.ndarray, float]] = {}
    for family in families:
        start = _start(family, x)
        res = optimize.minimize(lambda th, fam=family: _nll(fam, th, x, c, b), start,
                                method="Nelder-Mead",
                                options={"xatol": 1e-7, "fatol": 1e-9, "maxiter": 4000})
        fits[family] = (res.x, float(res.fun))
    aic = {family: 4.0 + 2.0 * nll for family, (_theta, nll) in fits.items()}
    family = min(aic, key=aic.__getitem__)
    theta = fits[family][0]
    hess = _hessian(lambda th: _nll(family, th, x, c, b), theta)
    try:
        cov = np.linalg.inv(hess)
        if not np.all(np.linalg.eigvalsh(cov) > 0):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        cov = np.full((2, 2), np.nan)

    def interval(which: int) -> Estimate:
        value = _moments(family, theta)[which]
        grad = _gradient(lambda th: _moments(family, th)[which], theta)
        se = float(math.sqrt(max(grad @ cov @ grad, 0.0))) if np.all(np.isfinite(cov)) \
            else math.nan
        if which == 0 and math.isfinite(se):  # a mean is positive: interval on the log scale
            half = Z95 * se / value
            return Estimate(value, value * math.exp(-half), value * math.exp(half), n)
        return Estimate(value, value - Z95 * se, value + Z95 * se, n)

    n = len(x) + len(c) + len(b)

    done = np.concatenate([np.ones(len(x), bool), np.zeros(len(c), bool)])
    t, f_km = kaplan_meier(np.concatenate([x, c]), done)
    ks = float(np.max(np.abs(_dist(family, theta).cdf(t) - f_km))) if len(t) else math.nan
    return DurationFit(family, theta, n, len(c), interval(0), interval(1), aic, ks,
                       float(x.mean()), x, c)


# -- daily counts ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CountFit:
    """A daily rate and the over-dispersion of daily counts around their expected values.

    ``rate`` is the mean count of a day of weight 1; ``shape`` the negative binomial k
    (Var = m + m²/k; infinite when the days are no more variable than Poisson)."""

    rate: Estimate
    shape: Estimate
    days: int


def fit_daily_counts(counts: Sequence[int] | np.ndarray,
                     weights: Sequence[float] | np.ndarray) -> CountFit:
    """Maximum likelihood of counts N_d ~ NB(mean = rate × w_d, shape k), a Gamma day effect
    with mean 1 and variance 1/k (the arrival model's ``day_effect``). Intervals from the
    observed information; k without over-dispersion is infinite (and reported so)."""
    n = np.asarray(counts, dtype=float)
    w = np.asarray(weights, dtype=float)
    keep = w > 0
    n, w = n[keep], w[keep]
    if len(n) < 7:
        raise ValueError(f"need at least a week of days to fit daily counts, got {len(n)}")
    rate0 = n.sum() / w.sum()

    def nll(th: np.ndarray) -> float:
        rate, k = math.exp(th[0]), math.exp(th[1])
        m = rate * w
        ll = (special.gammaln(n + k) - special.gammaln(k) - special.gammaln(n + 1)
              + k * np.log(k / (k + m)) + n * np.log(m / (k + m)))
        return -float(np.sum(ll))

    moment_var = float(np.mean((n - rate0 * w) ** 2 - rate0 * w))
    k0 = max((rate0 * w).mean() ** 2 / moment_var, 0.5) if moment_var > 0 else 1e4
    res = optimize.minimize(nll, np.array([math.log(rate0), math.log(k0)]), method="Nelder-Mead",
                            options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000})
    log_rate, log_k = res.x
    se = [math.nan, math.nan]
    try:
        cov = np.linalg.inv(_hessian(nll, res.x))
        se = [math.sqrt(cov[0, 0]), math.sqrt(cov[1, 1])] if np.all(np.diag(cov) > 0) else se
    except np.linalg.LinAlgError:
        pass
    rate = Estimate(math.exp(log_rate), math.exp(log_rate - Z95 * se[0]),
                    math.exp(log_rate + Z95 * se[0]), len(n))
    if log_k > math.log(1e5):  # Poisson days: k runs away to infinity
        shape = Estimate(math.inf, math.nan, math.inf, len(n))
    else:
        shape = Estimate(math.exp(log_k), math.exp(log_k - Z95 * se[1]),
                         math.exp(log_k + Z95 * se[1]), len(n))
    return CountFit(rate, shape, len(n))


# -- satisfaction ---------------------------------------------------------------------------
@dataclass(frozen=True)
class SatisfactionFit:
    """P(satisfied) on time, the floor it falls to when very late, the decay scale (hours)."""

    on_time: Estimate
    floor: Estimate
    scale_h: Estimate


def fit_satisfaction(late_h: np.ndarray, satisfied: np.ndarray,
                     reopen_p: float = 0.0) -> SatisfactionFit:
    """Maximum likelihood of P(satisfied | lateness) = on_time if late_h ≤ 0, else floor +
    (on_time − floor)·exp(−late_h / scale), from evaluations of orders that were **not
    reopened**: an unsatisfied order is reopened with probability ``reopen_p`` and then leaves
    this sample, so P(satisfied | kept) = p / (p + (1 − p)(1 − reopen_p))."""
    late = np.asarray(late_h, dtype=float)
    y = np.asarray(satisfied, dtype=bool)
    if len(y) < 10:
        raise ValueError(f"need at least 10 evaluations to fit satisfaction, got {len(y)}")

    def p_of(th: np.ndarray) -> np.ndarray:
        on, floor = special.expit(th[0]), special.expit(th[1])
        floor = min(floor, on)
        p = np.where(late <= 0, on, floor + (on - floor) * np.exp(-np.maximum(late, 0)
                                                                   / math.exp(th[2])))
        kept = p / (p + (1 - p) * (1 - reopen_p))
        return np.clip(kept, 1e-12, 1 - 1e-12)

    def nll(th: np.ndarray) -> float:
        p = p_of(th)
        return -float(np.sum(np.where(y, np.log(p), np.log1p(-p))))

    on0 = float(np.clip(y[late <= 0].mean() if (late <= 0).any() else 0.9, 0.01, 0.99))
    start = np.array([special.logit(on0), special.logit(max(0.5 * on0, 0.01)), math.log(48.0)])
    res = optimize.minimize(nll, start, method="Nelder-Mead",
                            options={"xatol": 1e-7, "fatol": 1e-9, "maxiter": 6000})
    th = res.x
    try:
        cov = np.linalg.inv(_hessian(nll, th))
        se = np.sqrt(np.clip(np.diag(cov), 0, None))
    except np.linalg.LinAlgError:
        se = np.full(3, np.nan)
    n = len(y)
    on = Estimate(float(special.expit(th[0])), float(special.expit(th[0] - Z95 * se[0])),
                  float(special.expit(th[0] + Z95 * se[0])), n)
    floor_v = min(float(special.expit(th[1])), on.value)
    floor = Estimate(floor_v, float(special.expit(th[1] - Z95 * se[1])),
                     float(special.expit(th[1] + Z95 * se[1])), int((late > 0).sum()))
    scale = Estimate(math.exp(th[2]), math.exp(th[2] - Z95 * se[2]), math.exp(th[2] + Z95 * se[2]),
                     int((late > 0).sum()))
    return SatisfactionFit(on, floor, scale)
