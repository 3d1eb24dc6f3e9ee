"""Non-homogeneous Poisson arrivals with a piecewise-constant rate, generated exactly.

Case arrivals vary by hour of day (hotline traffic sits in office hours, noise complaints peak at
22:00–24:00), by weekday (a weekday carries 3–4× a weekend day) and in surges (storms, epidemics:
several times normal). :func:`build_rate` turns those profiles into a :class:`PiecewiseRate`, and
:func:`nhpp_times` samples the process by time change: a unit-rate Poisson process on the scale of
the cumulative intensity Λ(t) is mapped back through Λ⁻¹. That is exact (no thinning, no
discretisation) and costs one exponential per arrival plus a binary search.

Daily counts of a Poisson process have variance = mean; real counts are over-dispersed.
:func:`iter_arrival_chunks` takes a multiplier per day (a Gamma day effect gives negative
binomial days); surges give planned changes of load.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time

import numpy as np

__all__ = ["PiecewiseRate", "build_rate", "iter_arrival_chunks", "nhpp_times"]

_EMPTY = np.empty(0, dtype=np.float64)


@dataclass(frozen=True, eq=False)
class PiecewiseRate:
    """Arrival rate per hour, constant on each ``[breaks_h[i], breaks_h[i+1])``.

    ``breaks_h`` (length n+1) rises strictly from 0 to the horizon; ``rate_per_h`` has length n.
    Instances compare by identity (array fields have no useful ``==``).
    """

    breaks_h: np.ndarray
    rate_per_h: np.ndarray
    _cum: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        b = np.array(self.breaks_h, dtype=np.float64)
        r = np.array(self.rate_per_h, dtype=np.float64)
        if b.ndim != 1 or r.ndim != 1 or len(b) != len(r) + 1 or len(r) == 0:
            raise ValueError(
                "breaks_h must be 1-D with one more element than rate_per_h (got shapes"
                f" {b.shape} and {r.shape})"
            )
        if b[0] != 0.0:
            raise ValueError(f"breaks_h must start at 0, got {b[0]}")
        if not (np.all(np.isfinite(b)) and np.all(np.diff(b) > 0.0)):
            raise ValueError("breaks_h must be finite and strictly increasing")
        if not (np.all(np.isfinite(r)) and np.all(r >= 0.0)):
            raise ValueError("rate_per_h must be finite and non-negative")
        cum = np.empty(len(b), dtype=np.float64)
        cum[0] = 0.0
        np.cumsum(r * np.diff(b), out=cum[1:])
        for arr in (b, r, cum):
            arr.setflags(write=False)
        object.__setattr__(self, "breaks_h", b)
        object.__setattr__(self, "rate_per_h", r)
        object.__setattr__(self, "_cum", cum)

    @property
    def horizon_h(self) -> float:
        """End of the last piece."""
        return float(self.breaks_h[-1])

    def cumulative(self) -> np.ndarray:
        """Λ at the breaks: expected arrivals in ``[0, breaks_h[i])`` (read-only)."""
        return self._cum

    def cumulative_at(self, t_h: float | np.ndarray) -> float | np.ndarray:
        """Λ(t): expected arrivals in ``[0, t_h)``; constant outside ``[0, horizon_h]``."""
        return np.interp(t_h, self.breaks_h, self._cum)

    def rate_at(self, t_h: float | np.ndarray) -> np.ndarray:
        """Instantaneous rate per hour at ``t_h`` (0 outside ``[0, horizon_h)``)."""
        t = np.asarray(t_h, dtype=np.float64)
        i = np.searchsorted(self.breaks_h, t, side="right") - 1
        inside = (i >= 0) & (i < len(self.rate_per_h))
        return np.where(inside, self.rate_per_h[np.clip(i, 0, len(self.rate_per_h) - 1)], 0.0)

    def expected_count(self, t0_h: float = 0.0, t1_h: float | None = None) -> float:
        """Expected arrivals in ``[t0_h, t1_h)`` (``t1_h`` defaults to the horizon)."""
        t1 = self.horizon_h if t1_h is None else t1_h
        if t1 <= t0_h:
            return 0.0
        return float(self.cumulative_at(t1) - self.cumulative_at(t0_h))


def _profile(weights: Sequence[float] | None, n: int, name: str) -> np.ndarray:
    if weights is None:
        return np.ones(n)
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (n,):
        raise ValueError(f"{name} must have {n} weights, got {w.size}")
    if not (np.all(np.isfinite(w)) and np.all(w >= 0.0)):
        raise ValueError(f"{name} weights must be finite and non-negative")
    total = w.sum()
    if total <= 0.0:
        raise ValueError(f"{name} needs at least one positive weight")
    return (w / total) * n  # divide by the sum first: the mean of subnormal weights underflows


def build_rate(
    start: datetime,
    horizon_h: float,
    rate_per_day: float,
    hour_profile: Sequence[float] | None,
    weekday_profile: Sequence[float] | None,
    surges: Sequence[tuple[float, float, float]] = (),
) -> PiecewiseRate:
    """Piecewise-constant arrival rate from a daily volume, profiles and surges.

    The rate at hour t is ``rate_per_day / 24 × hour[h] × weekday[d] × Π surge multipliers``,
    where h and d are the clock hour and weekday (mon = 0) of ``start + t``. Both profiles are
    normalised to mean 1, so **``rate_per_day`` is the mean daily rate over a whole week**: a
    weekday with weight 1.3 receives 1.3 × ``rate_per_day``, a weekend day with 0.25 a quarter.
    ``None`` means flat. ``surges`` are ``(start_h, end_h, multiplier)`` in hours since start, not
    necessarily on hour boundaries; overlapping surges multiply. Adjacent pieces with equal rates
    are merged.
    """
    if not (math.isfinite(horizon_h) and horizon_h > 0.0):
        raise ValueError(f"horizon_h must be positive and finite, got {horizon_h}")
    if not (math.isfinite(rate_per_day) and rate_per_day >= 0.0):
        raise ValueError(f"rate_per_day must be finite and non-negative, got {rate_per_day}")
    hour_w = _profile(hour_profile, 24, "hour_profile")
    day_w = _profile(weekday_profile, 7, "weekday_profile")
    surge_list = [(float(s), float(e), float(m)) for s, e, m in surges]
    for s, e, m in surge_list:
        if not (math.isfinite(s) and math.isfinite(e) and s < e):
            raise ValueError(f"surge ({s}, {e}, {m}): start_h must be before end_h")
        if not (math.isfinite(m) and m >= 0.0):
            raise ValueError(f"surge ({s}, {e}, {m}): multiplier must be finite and >= 0")

    midnight = datetime.combine(start.date(), time(0), tzinfo=start.tzinfo)
    tod0 = (start - midnight).total_seconds() / 3600.0
    points = [np.array([0.0, horizon_h])]
    step = 1.0 if hour_profile is not None else 24.0 if weekday_profile is not None else None
    if step is not None:
        m0 = math.floor(tod0 / step) + 1
        m1 = math.ceil((tod0 + horizon_h) / step)
        points.append(np.arange(m0, m1, dtype=np.float64) * step - tod0)
    points.extend(np.array([s, e]) for s, e, _ in surge_list)
    b = np.unique(np.clip(np.concatenate(points), 0.0, horizon_h))
    keep = np.concatenate(([True], np.diff(b) > 1e-9))  # drop float-noise slivers
    b = b[keep]
    b[-1] = horizon_h

    mid = 0.5 * (b[:-1] + b[1:])
    clock = tod0 + mid
    hour = np.floor(clock).astype(np.int64) % 24
    weekday = (start.weekday() + np.floor(clock / 24.0).astype(np.int64)) % 7
    rate = (rate_per_day / 24.0) * hour_w[hour] * day_w[weekday]
    for s, e, m in surge_list:
        rate[(mid >= s) & (mid < e)] *= m

    change = np.concatenate(([True], rate[1:] != rate[:-1]))
    return PiecewiseRate(np.append(b[:-1][change], horizon_h), rate[change])


def nhpp_times(
    rate: PiecewiseRate,
    rng: np.random.Generator,
    t0_h: float = 0.0,
    t1_h: float | None = None,
    scale: float = 1.0,
) -> np.ndarray:
    """Exact arrival times in ``[t0_h, t1_h)``, sorted float64 hours, of the rate × ``scale``.

    Unit-rate arrivals on the Λ scale (cumulative sums of Exp(1) drawn in blocks) are mapped back
    through the piecewise-linear Λ⁻¹; pieces with zero rate receive no arrivals. With a ``scale``
    the Λ scale is stretched by it (mass × scale, then divided back): the same exact method.
    """
    t0 = max(float(t0_h), 0.0)
    t1 = rate.horizon_h if t1_h is None else min(float(t1_h), rate.horizon_h)
    if not t1 > t0:
        return _EMPTY.copy()
    breaks, cum, r = rate.breaks_h, rate._cum, rate.rate_per_h
    lam0 = float(np.interp(t0, breaks, cum))
    mass = float(np.interp(t1, breaks, cum)) - lam0
    if scale != 1.0:
        mass *= scale
    if mass <= 0.0:
        return _EMPTY.copy()

    parts: list[np.ndarray] = []
    acc = 0.0
    while True:
        remaining = mass - acc
        n = int(remaining + 4.0 * math.sqrt(remaining) + 16.0)
        c = np.cumsum(rng.standard_exponential(n))
        c += acc
        k = int(np.searchsorted(c, mass, side="left"))
        if k < n:
            parts.append(c[:k])
            break
        parts.append(c)
        acc = float(c[-1])
    u = np.concatenate(parts) if len(parts) > 1 else parts[0]
    if len(u) == 0:
        return _EMPTY.copy()
    if scale != 1.0:
        u /= scale
    u += lam0
    # piece i with cum[i] < u <= cum[i+1]: never a zero-rate piece (its cum does not rise)
    i = np.searchsorted(cum, u, side="left") - 1
    np.clip(i, 0, len(r) - 1, out=i)
    t = breaks[i] + (u - cum[i]) / r[i]
    np.clip(t, t0, np.nextafter(t1, -np.inf), out=t)
    np.maximum.accumulate(t, out=t)  # guard against 1-ulp inversions at piece edges
    return t


def iter_arrival_chunks(
    rate: PiecewiseRate, rng: np.random.Generator, chunk_h: float = 24.0,
    multipliers: Sequence[float] | None = None,
) -> Iterator[np.ndarray]:
    """The process of :func:`nhpp_times` over the whole horizon, one chunk at a time.

    Poisson counts on disjoint intervals are independent, so restarting at chunk boundaries gives
    exactly the same distribution while memory stays flat for a city-year. Yields one (possibly
    empty) sorted array per chunk ``[k·chunk_h, (k+1)·chunk_h)``; chunk k's rate is multiplied by
    ``multipliers[k]`` when given (a random day effect, drawn by the caller).
    """
    if not (math.isfinite(chunk_h) and chunk_h > 0.0):
        raise ValueError(f"chunk_h must be positive and finite, got {chunk_h}")
    horizon = rate.horizon_h
    n_chunks = max(1, math.ceil(horizon / chunk_h - 1e-12))
    for k in range(n_chunks):
        a = k * chunk_h
        b = horizon if k == n_chunks - 1 else min((k + 1) * chunk_h, horizon)
        yield nhpp_times(rate, rng, a, b, 1.0 if multipliers is None else multipliers[k])
