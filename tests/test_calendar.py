"""Calendar: shift intervals and working-time arithmetic (工作日 deadlines)."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.calendar import WEEKDAYS, DailyWindow, WorkingCalendar, on_intervals, parse_hhmm

MON = datetime(2024, 1, 1)  # a Monday
OFFICE = [DailyWindow(9, 17)]
LUNCH = [DailyWindow(9, 12), DailyWindow(13, 17)]
WEEKDAYS_5 = WEEKDAYS[:5]


def h(day: int, hour: float) -> float:
    """Hours since MON of ``hour`` o'clock on day ``day`` (0 = Monday 1 Jan 2024)."""
    return day * 24.0 + hour


# -- parsing ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "hours"),
    [("08:30", 8.5), ("00:00", 0.0), ("24:00", 24.0), ("7:15", 7.25), (" 23:59 ", 23 + 59 / 60)],
)
def test_parse_hhmm(text: str, hours: float) -> None:
    assert parse_hhmm(text) == pytest.approx(hours)


@pytest.mark.parametrize("text", ["8", "25:00", "24:30", "12:60", "ab:cd", "12:5", "", "-1:00"])
def test_parse_hhmm_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="invalid time of day"):
        parse_hhmm(text)


def test_daily_window() -> None:
    assert DailyWindow(9, 17).duration_h == 8
    assert DailyWindow(22, 6).duration_h == 8
    assert DailyWindow(22, 6).overnight
    assert DailyWindow(0, 24).duration_h == 24
    assert DailyWindow.from_hhmm("08:30", "12:00") == DailyWindow(8.5, 12.0)
    with pytest.raises(ValueError, match="start_h"):
        DailyWindow(24, 6)
    with pytest.raises(ValueError, match="end_h"):
        DailyWindow(8, 25)


# -- on_intervals -----------------------------------------------------------------------------
def test_office_week() -> None:
    iv = on_intervals(MON, 7 * 24, OFFICE, WEEKDAYS_5)
    expected = [[h(d, 9), h(d, 17)] for d in range(5)]
    np.testing.assert_allclose(iv, expected)


def test_start_mid_window_is_clipped() -> None:
    start = datetime(2024, 1, 3, 10, 0)  # Wednesday 10:00
    iv = on_intervals(start, 48, OFFICE, WEEKDAYS_5)
    np.testing.assert_allclose(iv, [[0, 7], [23, 31], [47, 48]])


def test_overnight_shift_belongs_to_its_start_day() -> None:
    night = [DailyWindow(22, 6)]
    iv = on_intervals(MON, 48, night, WEEKDAYS)
    # Sunday's 22→6 shift runs into Monday 00:00–06:00
    np.testing.assert_allclose(iv, [[0, 6], [22, 30], [46, 48]])
    fri_only = on_intervals(MON, 7 * 24, night, ["fri"])
    np.testing.assert_allclose(fri_only, [[h(4, 22), h(5, 6)]])


def test_adjacent_and_all_day_windows_merge() -> None:
    iv = on_intervals(MON, 72, [DailyWindow(8, 12), DailyWindow(12, 17)], WEEKDAYS)
    np.testing.assert_allclose(iv, [[8, 17], [32, 41], [56, 65]])
    np.testing.assert_allclose(on_intervals(MON, 100, [DailyWindow(0, 24)], WEEKDAYS), [[0, 100]])
    np.testing.assert_allclose(
        on_intervals(MON, 100, [DailyWindow(18, 6), DailyWindow(6, 18)], WEEKDAYS), [[0, 100]]
    )


def test_holidays_and_makeup_days() -> None:
    wed = date(2024, 1, 3)
    sat = date(2024, 1, 6)
    iv = on_intervals(MON, 7 * 24, OFFICE, WEEKDAYS_5, [wed], extra_workdays=[sat])
    starts = iv[:, 0].tolist()
    assert h(2, 9) not in starts
    assert h(5, 9) in starts
    assert len(iv) == 5
    with pytest.raises(ValueError, match="both a holiday and an extra working day"):
        on_intervals(MON, 24, OFFICE, WEEKDAYS_5, [wed], extra_workdays=[wed])


def test_bad_weekday_rejected() -> None:
    with pytest.raises(ValueError, match="unknown weekday 'monday'"):
        on_intervals(MON, 24, OFFICE, ["monday"])
    assert len(on_intervals(MON, 24, OFFICE, ["MON"])) == 1


def test_no_windows_or_days() -> None:
    assert on_intervals(MON, 100, [], WEEKDAYS).shape == (0, 2)
    assert on_intervals(MON, 100, OFFICE, []).shape == (0, 2)


# -- WorkingCalendar ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def office() -> WorkingCalendar:
    return WorkingCalendar(MON, 30 * 24, OFFICE, WEEKDAYS_5)


def test_friday_afternoon_plus_two_working_hours_is_monday(office: WorkingCalendar) -> None:
    assert office.add_working_h(h(4, 16), 2.0) == pytest.approx(h(7, 10))


def test_deadline_using_up_a_period_ends_at_its_end(office: WorkingCalendar) -> None:
    assert office.add_working_h(h(4, 16), 1.0) == pytest.approx(h(4, 17))
    assert office.add_working_h(h(0, 9), 8.0) == pytest.approx(h(0, 17))


def test_counting_starts_at_next_working_period(office: WorkingCalendar) -> None:
    assert office.add_working_h(h(5, 12), 1.0) == pytest.approx(h(7, 10))  # Saturday
    assert office.add_working_h(h(0, 3), 0.5) == pytest.approx(h(0, 9.5))  # before work
    assert office.add_working_h(h(0, 20), 0.0) == h(0, 20)  # zero hours: no time passes


def test_working_days(office: WorkingCalendar) -> None:
    assert office.hours_per_working_day == 8.0
    assert office.add_working_days(h(4, 16), 1) == pytest.approx(h(7, 16))
    assert office.add_working_days(h(0, 9), 5) == pytest.approx(h(4, 17))
    lunch = WorkingCalendar(MON, 24 * 7, LUNCH, WEEKDAYS_5)
    assert lunch.hours_per_working_day == 7.0
    assert lunch.add_working_h(h(0, 11), 2.0) == pytest.approx(h(0, 14))
    overlap = WorkingCalendar(MON, 24, [DailyWindow(8, 12), DailyWindow(10, 14)], WEEKDAYS)
    assert overlap.hours_per_working_day == 6.0


def test_working_h_between(office: WorkingCalendar) -> None:
    assert office.working_h_between(h(4, 9), h(7, 17)) == pytest.approx(16.0)
    assert office.working_h_between(h(5, 0), h(6, 23)) == 0.0
    assert office.working_h_between(h(7, 17), h(4, 9)) == pytest.approx(-16.0)


def test_is_working(office: WorkingCalendar) -> None:
    assert office.is_working(h(0, 9))
    assert office.is_working(h(2, 16.99))
    assert not office.is_working(h(2, 17))
    assert not office.is_working(h(5, 12))
    assert not office.is_working(-1.0)


def test_chinese_national_day_with_makeup_days() -> None:
    """2024 国庆: 1–7 Oct off; Sun 29 Sep and Sat 12 Oct are make-up working days (调休)."""
    start = datetime(2024, 9, 23)  # Monday
    holidays = [date(2024, 10, d) for d in range(1, 8)]
    makeup = [date(2024, 9, 29), date(2024, 10, 12)]
    cal = WorkingCalendar(start, 30 * 24, OFFICE, WEEKDAYS_5, holidays, extra_workdays=makeup)

    def at(d: date, hour: float) -> float:
        return (d - start.date()).days * 24.0 + hour

    # Friday 27 Sep 16:00 + 2 h continues on the make-up Sunday 29 Sep
    assert cal.add_working_h(at(date(2024, 9, 27), 16), 2) == pytest.approx(
        at(date(2024, 9, 29), 10)
    )
    # Monday 30 Sep 16:00 + 2 h skips the whole holiday week
    assert cal.add_working_h(at(date(2024, 9, 30), 16), 2) == pytest.approx(
        at(date(2024, 10, 8), 10)
    )
    # 3 working days from Monday 30 Sep 17:00: 8, 9, 10 Oct
    assert cal.add_working_days(at(date(2024, 9, 30), 17), 3) == pytest.approx(
        at(date(2024, 10, 10), 17)
    )


def test_deadlines_beyond_horizon_and_margin_resolve() -> None:
    cal = WorkingCalendar(MON, 24, OFFICE, WEEKDAYS_5, margin_days=1)
    # 100 working days of 8 h from Monday 09:00 = 20 weeks later, Friday 17:00
    assert cal.add_working_days(h(0, 9), 100) == pytest.approx(h(7 * 19 + 4, 17))
    t = np.array([h(0, 9), h(400, 9)])
    np.testing.assert_allclose(cal.add_working_h(t, 8.0), [h(0, 17), h(400, 17)])
    assert cal.is_working(h(400, 10))  # 4 Feb 2025 is a Tuesday


def test_calendar_without_working_time_fails_clearly() -> None:
    cal = WorkingCalendar(MON, 24, OFFICE, [])
    assert cal.add_working_h(5.0, 0.0) == 5.0
    with pytest.raises(ValueError, match="too little working time"):
        cal.add_working_h(5.0, 1.0)
    with pytest.raises(ValueError, match="no working windows"):
        WorkingCalendar(MON, 24, [], WEEKDAYS).add_working_days(0.0, 1)


def test_round_the_clock_calendar_is_clock_time() -> None:
    cal = WorkingCalendar(datetime(2024, 1, 1, 7, 45), 24 * 10, [DailyWindow(0, 24)], WEEKDAYS)
    assert cal.add_working_h(3.25, 100.0) == pytest.approx(103.25)


def test_bad_inputs_rejected(office: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="non-negative"):
        office.add_working_h(1.0, -1.0)
    with pytest.raises(ValueError, match="non-negative"):
        office.add_working_h(np.array([1.0, 2.0]), np.array([1.0, -1.0]))
    with pytest.raises(ValueError, match="finite"):
        office.add_working_h(float("inf"), 1.0)


def test_vectorised_matches_scalar(office: WorkingCalendar) -> None:
    rng = np.random.default_rng(0)
    t = rng.uniform(-5, 40 * 24, 2000)
    hours = rng.exponential(20, 2000)
    hours[:50] = 0.0
    vec = office.add_working_h(t, hours)
    scal = np.array(
        [office.add_working_h(float(a), float(b)) for a, b in zip(t, hours, strict=True)]
    )
    np.testing.assert_allclose(vec, scal, rtol=0, atol=1e-9)
    t1 = t + rng.exponential(50, 2000)
    between = office.working_h_between(t, t1)
    scal = [office.working_h_between(float(a), float(b)) for a, b in zip(t, t1, strict=True)]
    np.testing.assert_allclose(between, scal, rtol=0, atol=1e-9)
    days = office.add_working_days(t[:10], np.arange(10.0))
    assert days.shape == (10,)
    # numpy scalars and 0-d arrays come back as floats
    assert isinstance(office.add_working_h(np.float64(3.0), np.int64(2)), float)
    assert isinstance(office.add_working_h(np.array(3.0), 2.0), float)


CALENDARS = [
    WorkingCalendar(MON, 60 * 24, OFFICE, WEEKDAYS_5, [date(2024, 1, 10)]),
    WorkingCalendar(MON, 60 * 24, LUNCH, WEEKDAYS_5),
    WorkingCalendar(datetime(2024, 1, 1, 13, 20), 60 * 24, [DailyWindow(22, 6)], ["fri", "sat"]),
]


@settings(max_examples=300, deadline=None)
@given(
    which=st.sampled_from(range(len(CALENDARS))),
    t=st.floats(-10.0, 80 * 24.0),
    hours=st.floats(0.0, 300.0),
    more=st.floats(0.0, 50.0),
)
def test_add_then_measure_roundtrip(which: int, t: float, hours: float, more: float) -> None:
    cal = CALENDARS[which]
    due = cal.add_working_h(t, hours)
    assert due >= t
    assert cal.working_h_between(t, due) == pytest.approx(hours, abs=1e-8)
    assert cal.add_working_h(t, hours + more) >= due  # monotone in hours
    if hours > 0:
        # the deadline is the *earliest* such time: a moment before it is not enough
        assert cal.working_h_between(t, due - 1e-6) < hours
