"""The working calendar with official public holidays and make-up working days (调休):
scenario ``calendar.public_holidays`` / ``days_off`` / ``make_up_workdays``, shifts that follow
the calendar, the shipped tables."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.model.model import Model
from sim.public_holidays import TABLES, official_days
from sim.scenario.loader import ScenarioError, load_scenario

STREET = Path(__file__).resolve().parents[1] / "scenarios" / "beijing_street.yaml"
START = datetime(2025, 9, 22)  # a Monday, nine days before National Day


def model(**overrides: Any) -> Model:
    scn = load_scenario(STREET, {"calendar.start": START.isoformat(),
                                 "calendar.warmup_days": 0, "arrivals.scale": 0.0,
                                 **overrides})
    return Model(scn, seed=0)


def hours(when: datetime) -> float:
    return (when - START) / timedelta(hours=1)


def at(t_h: float) -> datetime:
    return START + timedelta(hours=t_h)


def test_three_working_days_across_the_national_day_week() -> None:
    # Tue 30 Sep 10:00 + 3 working days (7 h each: 09–12, 13–17): 6 h left that day, the
    # holiday 1–8 Oct, Thu 9 and Fri 10 Oct (14 h), 1 h on the make-up Saturday 11 Oct
    t = hours(datetime(2025, 9, 30, 10))
    official = model(**{"calendar.public_holidays": "cn"})
    assert at(official.calendar.add_working_days(t, 3)) == datetime(2025, 10, 11, 10)
    # the same deadline without the table runs through the holiday: Fri 3 Oct 10:00
    plain = model()
    assert at(plain.calendar.add_working_days(t, 3)) == datetime(2025, 10, 3, 10)
    # vectorised (the metrics' path) agrees with the scalar one
    due = official.calendar.add_working_days(np.array([t, t + 1.0]), 3)
    assert [at(x) for x in due] == [datetime(2025, 10, 11, 10), datetime(2025, 10, 11, 11)]


def test_a_make_up_sunday_has_office_hours_and_the_holiday_none() -> None:
    m = model(**{"calendar.public_holidays": "cn", "shifts.office.follows_calendar": True})
    office = m.units.intervals("office")
    duty = m.units.intervals("duty")  # every day, does not follow the calendar

    def on(intervals: np.ndarray, day: date) -> float:
        d0 = hours(datetime.combine(day, datetime.min.time()))
        return float(np.sum(np.clip(intervals[:, 1], d0, d0 + 24) -
                            np.clip(intervals[:, 0], d0, d0 + 24)))

    assert on(office, date(2025, 9, 28)) == pytest.approx(9.0)  # Sunday, 调休: 08:30–17:30
    assert on(office, date(2025, 9, 27)) == 0.0  # an ordinary Saturday
    for d in range(1, 9):
        assert on(office, date(2025, 10, d)) == 0.0, f"office open on 10-{d:02d}"
        assert on(duty, date(2025, 10, d)) == pytest.approx(9.0)
    assert on(office, date(2025, 10, 9)) == pytest.approx(9.0)
    assert on(office, date(2025, 10, 11)) == pytest.approx(9.0)  # Saturday, 调休
    # without follows_calendar the scenario's own office pattern keeps to weekdays
    plain = model(**{"calendar.public_holidays": "cn"}).units.intervals("office")
    assert on(plain, date(2025, 9, 28)) == 0.0 and on(plain, date(2025, 10, 1)) == 9.0


def test_a_scenario_adds_its_own_days() -> None:
    m = model(**{"calendar.days_off": ["2025-09-24"],
                 "calendar.make_up_workdays": ["2025-09-27"]})
    # Tue 16:00 + 3 working days (21 h): 1 h, Wednesday off, Thursday, Friday, 6 h on Saturday
    t = hours(datetime(2025, 9, 23, 16))
    assert at(m.calendar.add_working_days(t, 3)) == datetime(2025, 9, 27, 16)
    assert at(model().calendar.add_working_days(t, 3)) == datetime(2025, 9, 26, 16)


def test_the_shipped_tables() -> None:
    for year, table in TABLES["cn"].items():
        assert table.notice.startswith(f"国务院办公厅关于{year}年")
        # a make-up day is a weekend day and never a day off
        assert all(d.weekday() >= 5 for d in table.workdays)
        assert not set(table.days_off) & set(table.workdays)
        assert all(d.year == year for d in (*table.days_off, *table.workdays))
    # 2025: 8-day Spring Festival and National Day (the amended rules), 27 days off in all
    cn25 = TABLES["cn"][2025]
    assert len(cn25.days_off) == 1 + 8 + 3 + 5 + 3 + 8
    assert date(2025, 1, 28) in cn25.days_off and date(2025, 2, 4) in cn25.days_off
    off, work = official_days("cn", date(2025, 9, 1), date(2025, 10, 31))
    assert work == [date(2025, 9, 28), date(2025, 10, 11)]
    assert off == [date(2025, 10, d) for d in range(1, 9)]
    with pytest.raises(ValueError, match="covers 2024, 2025, not 2026, 2027"):
        official_days("cn", date(2026, 12, 1), date(2027, 1, 31))


@pytest.mark.parametrize(("overrides", "message"), [
    ({"calendar.make_up_workdays": ["2025-09-24"]}, "already a working day"),
    ({"calendar.public_holidays": "cn", "calendar.start": "2027-03-01T00:00:00"},
     "covers 2024, 2025, not 2027"),
    ({"calendar.public_holidays": "cn", "calendar.holidays": ["2025-09-28"]},
     "both a day off and a make-up working day"),
    ({"calendar.public_holidays": "xx"}, "calendar.public_holidays"),
])
def test_bad_calendars_are_refused(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        load_scenario(STREET, {"calendar.start": START.isoformat(), **overrides})
