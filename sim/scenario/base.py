"""Building blocks of scenario files shared by every workflow: the strict base model, identifiers,
shift patterns, the calendar, points, teams and travel.

All durations are hours (``_h``), distances kilometres (``_km``), speeds km/h (``_kmh``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    field_validator,
    model_validator,
)

from sim.calendar import WEEKDAYS, parse_hhmm
from sim.public_holidays import TABLES, official_days

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Identifier = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_\-\u4e00-\u9fff]+$")]


class Strict(BaseModel):
    """Base: unknown fields are errors (a typo must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=False, allow_inf_nan=False)


def parse_window(text: str) -> tuple[float, float]:
    if not isinstance(text, str) or text.count("-") != 1:
        raise ValueError(f"window {text!r} must look like 'HH:MM-HH:MM'")
    start, end = (part.strip() for part in text.split("-"))
    start_h, end_h = parse_hhmm(start), parse_hhmm(end)
    if start_h >= 24.0:
        raise ValueError(f"window {text!r} cannot start at 24:00 (write 00:00)")
    if start_h == end_h:
        raise ValueError(f"window {text!r} is empty")
    return start_h, end_h


class ShiftPattern(Strict):
    """When a team is on duty (班次): daily windows on given weekdays (overnight allowed)."""

    windows: list[str] = Field(min_length=1, description="daily windows 'HH:MM-HH:MM'")
    days: list[Weekday] | Literal["all", "weekdays"] = "all"
    follows_calendar: bool = Field(
        False, description="off on the calendar's public holidays and on duty on its make-up "
                           "working days (调休); the built-in 'office' does")

    @field_validator("windows")
    @classmethod
    def _windows_parse(cls, value: list[str]) -> list[str]:
        for text in value:
            parse_window(text)
        return value

    def parsed_windows(self) -> list[tuple[float, float]]:
        return [parse_window(text) for text in self.windows]

    def weekday_names(self) -> list[str]:
        if self.days == "all":
            return list(WEEKDAYS)
        if self.days == "weekdays":
            return list(WEEKDAYS[:5])
        return list(self.days)


def _monday_to_friday() -> list[Weekday]:
    return ["mon", "tue", "wed", "thu", "fri"]


class CalendarSpec(Strict):
    """Simulated period and working time (工作时间) for deadlines counted in working hours."""

    start: datetime = Field(description="start date-time; the weekday matters")
    horizon_days: PositiveFloat = Field(description="simulated days after start")
    warmup_days: NonNegativeFloat = Field(0.0, description="cases arriving earlier are excluded")
    working_hours: list[str] = Field(default_factory=lambda: ["09:00-12:00", "13:00-17:00"])
    working_days: list[Weekday] = Field(default_factory=_monday_to_friday)
    holidays: list[date] = Field(default_factory=list)
    public_holidays: Literal[tuple(TABLES)] | None = Field(  # type: ignore[valid-type]
        None, description="official holiday table (法定节假日 and 调休) shipped with govsim")
    days_off: list[date] = Field(
        default_factory=list, description="the scenario's own public holidays (no working time)")
    make_up_workdays: list[date] = Field(
        default_factory=list, description="the scenario's own make-up working days (调休)")

    def last_date(self) -> date:
        """The date of the last simulated hour."""
        return (self.start + timedelta(days=self.horizon_days) - timedelta(microseconds=1)).date()

    def public_days(self, horizon_h: float | None = None) -> tuple[list[date], list[date]]:
        """Public holidays (days off) and make-up working days over the run: the table's for
        the run's dates and the scenario's own (``horizon_h`` overrides the horizon)."""
        last = (self.last_date() if horizon_h is None
                else (self.start + timedelta(hours=horizon_h)).date())
        off, work = ([], []) if self.public_holidays is None else official_days(
            self.public_holidays, self.start.date(), last)
        return sorted({*off, *self.days_off}), sorted({*work, *self.make_up_workdays})

    @model_validator(mode="after")
    def _public_days_consistent(self) -> CalendarSpec:
        off, work = self.public_days()
        both = sorted(set(off + self.holidays) & set(work))
        if both:
            raise ValueError(f"{both[0]} is both a day off and a make-up working day")
        for d in self.make_up_workdays:
            if WEEKDAYS[d.weekday()] in self.working_days:
                raise ValueError(f"make-up working day {d} is a {WEEKDAYS[d.weekday()]}, "
                                 "already a working day: 调休 makes a weekend day a working day")
        return self

    @field_validator("working_hours")
    @classmethod
    def _hours_parse(cls, value: list[str]) -> list[str]:
        for text in value:
            start, end = parse_window(text)
            if end < start:
                raise ValueError(f"working window {text!r} must not run overnight")
        return value

    @model_validator(mode="after")
    def _warmup_shorter(self) -> CalendarSpec:
        if self.warmup_days >= self.horizon_days:
            raise ValueError("warmup_days must be shorter than horizon_days")
        return self


class Point(Strict):
    x_km: float
    y_km: float


Skills = dict[Identifier, NonNegativeInt]
SKILLS_DESCRIPTION = (
    "skill → how many of the team's workers have it; dealt to workers in order, cyclically "
    "(see docs/policies.md, rule 'skill'); empty: the team is modelled by its handling times alone"
)


class TeamSpec(Strict):
    """A team of identical workers sharing one shift pattern (optionally with skills)."""

    size: NonNegativeInt
    shift: str = "always"
    skills: Skills = Field(default_factory=dict, description=SKILLS_DESCRIPTION)


class Deadline(Strict):
    """A time limit: ``value`` in ``unit`` (h, d, working_h, working_d), e.g. 接诉即办 deadlines."""

    value: NonNegativeFloat
    unit: Literal["h", "d", "working_h", "working_d"] = "h"


class Travel(Strict):
    """Travel time from distance and speed; off → zero travel (textbook queues)."""

    enabled: bool = True
    metric: Literal["manhattan", "euclid"] = "manhattan"
    within_grid_km: NonNegativeFloat = Field(0.3, description="mean walk to a matter in the grid")


BUILTIN_SHIFTS: dict[str, ShiftPattern] = {
    "always": ShiftPattern(windows=["00:00-24:00"], days="all"),
    "office": ShiftPattern(windows=["08:30-17:30"], days="weekdays", follows_calendar=True),
}

