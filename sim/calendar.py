"""Simulation time and working time (工作时间).

The simulation clock counts hours since the scenario start (a :class:`~datetime.datetime`). The
weekday of hour ``t`` is ``(start + timedelta(hours=t)).weekday()``. Two things need calendars:

* **shifts** (班次): when a team is on duty, as sorted on-intervals from :func:`on_intervals`;
* **deadlines in working time** (工作日 / 工作小时): a limit of "5 working hours" or "3 working
  days" stops over nights, weekends and public holidays. :class:`WorkingCalendar` converts between
  clock hours and working hours with cumulative sums and binary search, vectorised for metrics
  and with a pure-Python scalar path for the simulation's per-case calls.

Chinese public holidays come with make-up working days (调休) on weekends; pass them as
``extra_workdays``.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

import numpy as np

__all__ = [
    "WEEKDAYS",
    "DailyWindow",
    "WorkingCalendar",
    "on_intervals",
    "parse_hhmm",
]

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_SCALAR = (float, int)  # Python and numpy floats take the pure-Python fast path
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_hhmm(s: str) -> float:
    """Hour of day of ``"HH:MM"`` (``"08:30"`` → 8.5; ``"24:00"`` → 24.0 closes a day)."""
    m = _HHMM.match(s.strip()) if isinstance(s, str) else None
    if m is None:
        raise ValueError(f"invalid time of day {s!r}: expected 'HH:MM', e.g. '08:30'")
    hours, minutes = int(m.group(1)), int(m.group(2))
    if minutes >= 60 or hours > 24 or (hours == 24 and minutes):
        raise ValueError(f"invalid time of day {s!r}: must lie between 00:00 and 24:00")
    return hours + minutes / 60.0


@dataclass(frozen=True)
class DailyWindow:
    """A daily on-window in hours of day, e.g. 9→17, or overnight 22→6 (``end_h <= start_h``).

    A window belongs to the day it starts on: a Friday 22→6 night shift runs into Saturday.
    ``DailyWindow(0, 24)`` is all day; ``end_h == start_h`` is a 24-hour window starting at
    ``start_h``.
    """

    start_h: float
    end_h: float

    def __post_init__(self) -> None:
        if not 0.0 <= self.start_h < 24.0:
            raise ValueError(f"start_h must lie in [0, 24), got {self.start_h}")
        if not 0.0 <= self.end_h <= 24.0:
            raise ValueError(f"end_h must lie in [0, 24], got {self.end_h}")

    @classmethod
    def from_hhmm(cls, start: str, end: str) -> DailyWindow:
        """Window from two ``"HH:MM"`` strings."""
        return cls(parse_hhmm(start), parse_hhmm(end))

    @property
    def overnight(self) -> bool:
        """True if the window runs past midnight into the next day."""
        return self.end_h <= self.start_h

    @property
    def duration_h(self) -> float:
        """Length of the window in hours (overnight windows wrap past midnight)."""
        d = self.end_h - self.start_h
        return d + 24.0 if d <= 0.0 else d


def _weekday_mask(days: Sequence[str]) -> np.ndarray:
    mask = np.zeros(7, dtype=bool)
    if isinstance(days, str):
        raise TypeError(f"days must be a sequence of weekday names, got the string {days!r}")
    for name in days:
        key = str(name).strip().lower()
        if key not in WEEKDAYS:
            raise ValueError(f"unknown weekday {name!r}: expected one of {', '.join(WEEKDAYS)}")
        mask[WEEKDAYS.index(key)] = True
    return mask


def _ordinals(dates: Sequence[date]) -> np.ndarray:
    return np.array(sorted({d.toordinal() for d in dates}), dtype=np.int64)


def merge_intervals(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Union of intervals as a sorted (n, 2) array; touching intervals are joined."""
    if len(starts) == 0:
        return np.empty((0, 2), dtype=float)
    order = np.argsort(starts, kind="stable")
    s, e = starts[order], ends[order]
    run_end = np.maximum.accumulate(e)
    new = np.empty(len(s), dtype=bool)
    new[0] = True
    new[1:] = s[1:] > run_end[:-1]
    last = np.flatnonzero(np.append(new[1:], True))
    return np.column_stack((s[new], run_end[last]))


def _tod_h(start: datetime) -> float:
    midnight = datetime.combine(start.date(), time(0), tzinfo=start.tzinfo)
    return (start - midnight).total_seconds() / 3600.0


def on_intervals(
    start: datetime,
    horizon_h: float,
    windows: Sequence[DailyWindow],
    days: Sequence[str],
    holidays: Sequence[date] = (),
    *,
    extra_workdays: Sequence[date] = (),
) -> np.ndarray:
    """On-time of a daily pattern as sorted, merged ``(n, 2)`` intervals within ``[0, horizon_h]``.

    A window counts on a day when the day it *starts* on is one of ``days`` (weekday names) and
    not in ``holidays``, or is in ``extra_workdays`` (调休 make-up days, which override the
    weekday rule). A window started the day before ``start`` is included where it overlaps.
    """
    if not (math.isfinite(horizon_h) and horizon_h >= 0.0):
        raise ValueError(f"horizon_h must be finite and non-negative, got {horizon_h}")
    day_mask = _weekday_mask(days)
    hol = _ordinals(holidays)
    extra = _ordinals(extra_workdays)
    clash = np.intersect1d(hol, extra)
    if len(clash):
        raise ValueError(
            f"{date.fromordinal(int(clash[0]))} is both a holiday and an extra working day"
        )
    windows = list(windows)
    if not windows:
        return np.empty((0, 2), dtype=float)
    tod0 = _tod_h(start)
    d0 = start.date()
    last = math.floor((tod0 + horizon_h) / 24.0)
    offsets = np.arange(-1, last + 1, dtype=np.int64)
    ordinals = d0.toordinal() + offsets
    weekday = (d0.weekday() + offsets) % 7
    on = (day_mask[weekday] & ~np.isin(ordinals, hol)) | np.isin(ordinals, extra)
    midnights = offsets[on] * 24.0 - tod0
    s = np.concatenate([midnights + w.start_h for w in windows])
    e = np.concatenate([midnights + (w.start_h + w.duration_h) for w in windows])
    merged = merge_intervals(s, e)
    np.clip(merged, 0.0, horizon_h, out=merged)
    return merged[merged[:, 1] > merged[:, 0]]


class WorkingCalendar:
    """Working time (工作日): deadlines in working hours stop over nights, weekends, holidays.

    ``W(t)`` = working hours in ``[0, t]`` is piecewise linear; :meth:`add_working_h` inverts it
    with a binary search on cumulative sums. Intervals are precomputed over the horizon plus a
    margin (default 60 days) so deadlines that fall after the horizon still resolve; a query
    beyond that extends the table automatically.
    """

    _MAX_SPAN_H = 24.0 * 366 * 50  # give up: a calendar with (almost) no working time

    def __init__(
        self,
        start: datetime,
        horizon_h: float,
        windows: Sequence[DailyWindow],
        days: Sequence[str],
        holidays: Sequence[date] = (),
        *,
        extra_workdays: Sequence[date] = (),
        margin_days: float = 60.0,
    ):
        self.start = start
        self.horizon_h = float(horizon_h)
        self.windows = tuple(windows)
        self.days = tuple(days)
        self.holidays = tuple(holidays)
        self.extra_workdays = tuple(extra_workdays)
        one_day = merge_intervals(
            np.array([w.start_h for w in self.windows], dtype=float),
            np.array([w.start_h + w.duration_h for w in self.windows], dtype=float),
        )
        self._hours_per_day = float(np.sum(one_day[:, 1] - one_day[:, 0]))
        self._build(self.horizon_h + 24.0 * margin_days)

    def _build(self, span_h: float) -> None:
        iv = on_intervals(
            self.start,
            span_h,
            self.windows,
            self.days,
            self.holidays,
            extra_workdays=self.extra_workdays,
        )
        self._span_h = span_h
        self._starts = np.ascontiguousarray(iv[:, 0])
        self._ends = np.ascontiguousarray(iv[:, 1])
        lengths = self._ends - self._starts
        self._cum_end = np.cumsum(lengths)
        self._cum_start = self._cum_end - lengths
        self._starts_l: list[float] = self._starts.tolist()
        self._ends_l: list[float] = self._ends.tolist()
        self._cum_end_l: list[float] = self._cum_end.tolist()
        self._cum_start_l: list[float] = self._cum_start.tolist()
        self._total = float(self._cum_end[-1]) if len(lengths) else 0.0

    def _extend(self, t_max: float, w_max: float) -> None:
        """Grow the table until it covers clock time ``t_max`` and working time ``w_max``."""
        if t_max > self._MAX_SPAN_H:
            raise ValueError(f"time {t_max:g} h lies beyond the calendar's reach (50 years)")
        span = self._span_h
        while t_max > self._span_h or w_max > self._total:
            if span > self._MAX_SPAN_H:
                raise ValueError(
                    "working calendar has too little working time to reach the requested time"
                    f" (needed {w_max:.1f} working h; windows={self.windows}, days={self.days})"
                )
            span = max(2.0 * span, t_max + 24.0 * 60.0)
            self._build(span)

    @property
    def intervals(self) -> np.ndarray:
        """Working intervals ``(n, 2)`` over the precomputed span (hours since start)."""
        return np.column_stack((self._starts, self._ends))

    @property
    def hours_per_working_day(self) -> float:
        """Length of one day's working windows (e.g. 7 for 09:00–12:00 + 13:00–17:00)."""
        return self._hours_per_day

    # -- scalar paths (hot loop) --------------------------------------------------------------
    def _w_scalar(self, t: float) -> float:
        k = bisect_right(self._starts_l, t) - 1
        if k < 0:
            return 0.0
        return self._cum_start_l[k] + min(
            t - self._starts_l[k], self._ends_l[k] - self._starts_l[k]
        )

    def _inv_scalar(self, c: float) -> float:
        i = bisect_left(self._cum_end_l, c)
        return self._starts_l[i] + (c - self._cum_start_l[i])

    # -- vector paths --------------------------------------------------------------------------
    def _w(self, t: np.ndarray) -> np.ndarray:
        k = np.searchsorted(self._starts, t, side="right") - 1
        kk = np.maximum(k, 0)
        if len(self._starts) == 0:
            return np.zeros_like(t)
        inside = np.minimum(t - self._starts[kk], self._ends[kk] - self._starts[kk])
        return np.where(k >= 0, self._cum_start[kk] + inside, 0.0)

    def _inv(self, c: np.ndarray) -> np.ndarray:
        i = np.searchsorted(self._cum_end, c, side="left")
        return self._starts[i] + (c - self._cum_start[i])

    def _check_t(self, t: float | np.ndarray) -> None:
        if not np.all(np.isfinite(t)):
            raise ValueError("times must be finite")

    def add_working_h(
        self, t_h: np.ndarray | float, hours: float | np.ndarray
    ) -> np.ndarray | float:
        """Clock time at which ``hours`` of working time have elapsed after ``t_h``.

        Outside working time the count starts at the next working period; a deadline that uses
        up a period exactly ends at that period's end (Friday 16:00 + 1 h = Friday 17:00).
        Zero hours returns ``t_h`` itself.
        """
        if isinstance(t_h, _SCALAR) and isinstance(hours, _SCALAR):
            if not (hours >= 0.0 and math.isfinite(hours)):
                raise ValueError(f"hours must be finite and non-negative, got {hours}")
            if not math.isfinite(t_h):
                raise ValueError(f"t_h must be finite, got {t_h}")
            if hours == 0.0:
                return float(t_h)
            if t_h > self._span_h:
                self._extend(t_h, 0.0)
            c = self._w_scalar(t_h) + hours
            if c > self._total:
                self._extend(t_h, c)
            return max(float(t_h), self._inv_scalar(c))
        t, h = np.broadcast_arrays(np.asarray(t_h, dtype=float), np.asarray(hours, dtype=float))
        if not np.all(np.isfinite(h) & (h >= 0.0)):
            raise ValueError("hours must be finite and non-negative")
        self._check_t(t)
        if t.size == 0:
            return np.empty(t.shape, dtype=float)
        if t.max() > self._span_h:
            self._extend(float(t.max()), 0.0)
        c = self._w(t) + h
        if c.max() > self._total:
            self._extend(float(t.max()), float(c.max()))
        # zero hours: no time passes (Λ⁻¹(W(t)) may lie before t, or after it when t < first start)
        out = np.where(h > 0.0, np.maximum(t, self._inv(c)), t) if self._total > 0.0 else t.copy()
        return float(out) if out.ndim == 0 else out

    def add_working_days(
        self, t_h: np.ndarray | float, days: float | np.ndarray
    ) -> np.ndarray | float:
        """``t_h`` plus ``days`` working days of :attr:`hours_per_working_day` each.

        With 09:00–17:00 windows, Friday 16:00 + 1 working day is Monday 16:00.
        """
        if self._hours_per_day <= 0.0:
            raise ValueError("calendar has no working windows, so a working day has no length")
        if isinstance(days, _SCALAR):
            return self.add_working_h(t_h, days * self._hours_per_day)
        return self.add_working_h(t_h, np.asarray(days, dtype=float) * self._hours_per_day)

    def working_h_between(
        self, t0_h: np.ndarray | float, t1_h: np.ndarray | float
    ) -> np.ndarray | float:
        """Working hours in ``[t0_h, t1_h]`` (negative if ``t1_h < t0_h``)."""
        if isinstance(t0_h, _SCALAR) and isinstance(t1_h, _SCALAR):
            if not (math.isfinite(t0_h) and math.isfinite(t1_h)):
                raise ValueError("times must be finite")
            if max(t0_h, t1_h) > self._span_h:
                self._extend(max(t0_h, t1_h), 0.0)
            return self._w_scalar(t1_h) - self._w_scalar(t0_h)
        t0, t1 = np.broadcast_arrays(np.asarray(t0_h, dtype=float), np.asarray(t1_h, dtype=float))
        self._check_t(t0)
        self._check_t(t1)
        if t0.size == 0:
            return np.empty(t0.shape, dtype=float)
        t_max = float(max(t0.max(), t1.max()))
        if t_max > self._span_h:
            self._extend(t_max, 0.0)
        out = self._w(t1) - self._w(t0)
        return float(out) if out.ndim == 0 else out

    def is_working(self, t_h: float) -> bool:
        """True if ``t_h`` lies in a working period (periods are half-open ``[start, end)``)."""
        if t_h > self._span_h:
            self._extend(t_h, 0.0)
        k = bisect_right(self._starts_l, t_h) - 1
        return k >= 0 and t_h < self._ends_l[k]
