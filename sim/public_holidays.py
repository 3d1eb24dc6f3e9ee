"""Official public holidays (法定节假日) and make-up working days (调休) shipped with govsim.

China's State Council (国务院办公厅) publishes each year's holiday arrangement (节假日安排) in a
notice; a holiday week is paid for with one or two make-up working days, usually a Saturday or
Sunday next to it. A scenario names a table (``calendar.public_holidays: cn``); the days off
then have no working time and the make-up days do (deadlines in working days follow them), and
so do the shift patterns that follow the calendar (the built-in ``office``).

Each year lists its days off (every day of each holiday period, weekends inside included) and
its make-up working days, as the notice gives them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

__all__ = ["TABLES", "HolidayYear", "official_days"]


@dataclass(frozen=True)
class HolidayYear:
    """One year's arrangement: days off, make-up working days, and the notice it is from."""

    year: int
    notice: str
    days_off: tuple[date, ...]
    workdays: tuple[date, ...]


def _span(first: str, last: str) -> list[date]:
    d, end = date.fromisoformat(first), date.fromisoformat(last)
    out = []
    while d <= end:
        out.append(d)
        d += timedelta(days=1)
    return out


def _year(year: int, notice: str, periods: list[tuple[str, str]],
          workdays: list[str]) -> HolidayYear:
    days = tuple(d for first, last in periods for d in _span(first, last))
    return HolidayYear(year, notice, days, tuple(date.fromisoformat(w) for w in workdays))


#: 国务院办公厅关于2024年部分节假日安排的通知 (国办发明电〔2023〕7号, 2023-10-25)
CN_2024 = _year(2024, "国务院办公厅关于2024年部分节假日安排的通知（国办发明电〔2023〕7号）", [
    ("2024-01-01", "2024-01-01"),  # 元旦
    ("2024-02-10", "2024-02-17"),  # 春节, 8 days
    ("2024-04-04", "2024-04-06"),  # 清明节
    ("2024-05-01", "2024-05-05"),  # 劳动节
    ("2024-06-10", "2024-06-10"),  # 端午节 (with the weekend)
    ("2024-09-15", "2024-09-17"),  # 中秋节
    ("2024-10-01", "2024-10-07"),  # 国庆节
], ["2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11", "2024-09-14",
    "2024-09-29", "2024-10-12"])

#: 国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号, 2024-11-12; the first
#: year of the amended 全国年节及纪念日放假办法: 春节 and 劳动节 one day longer)
CN_2025 = _year(2025, "国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）", [
    ("2025-01-01", "2025-01-01"),  # 元旦
    ("2025-01-28", "2025-02-04"),  # 春节, 8 days
    ("2025-04-04", "2025-04-06"),  # 清明节
    ("2025-05-01", "2025-05-05"),  # 劳动节
    ("2025-05-31", "2025-06-02"),  # 端午节
    ("2025-10-01", "2025-10-08"),  # 国庆节 and 中秋节, 8 days
], ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"])

#: tables by name (``calendar.public_holidays``), each by year
TABLES: dict[str, dict[int, HolidayYear]] = {"cn": {y.year: y for y in (CN_2024, CN_2025)}}


def official_days(table: str, first: date, last: date) -> tuple[list[date], list[date]]:
    """Days off and make-up working days of ``table`` between ``first`` and ``last``.

    Raises ValueError when the table has no arrangement for a year of that period (a silent
    gap would make a holiday week an ordinary one)."""
    years = TABLES[table]
    missing = [y for y in range(first.year, last.year + 1) if y not in years]
    if missing:
        have = ", ".join(str(y) for y in sorted(years))
        raise ValueError(f"the {table!r} holiday table covers {have}, not "
                         f"{', '.join(map(str, missing))}: give those years' days as "
                         "'days_off' and 'make_up_workdays'")
    off = [d for y in years.values() for d in y.days_off if first <= d <= last]
    work = [d for y in years.values() for d in y.workdays if first <= d <= last]
    return sorted(off), sorted(work)
