"""The ``services:`` section of a scenario file: one-window service applications (一网通办).

Service types (事项) with their approval stages, materials and promised time (承诺时限); the hall
(大厅) with its windows and shift; the online channel (网上办); the applicant's return delay;
the parameters of the options; and the workflow's own policy label. Validated with the rest of
the file (:mod:`sim.scenario.sections`), so a mistake is reported as ``file:line: services.…``.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, NonNegativeFloat, NonNegativeInt, PositiveFloat, field_validator

from sim.scenario.base import BUILTIN_SHIFTS, Identifier, Probability, Strict
from sim.scenario.scenario import Scenario
from sim.scenario.sections import Section, register_section
from sim.stochastic.distributions import Distribution

__all__ = ["MODES", "OPTIONS", "SECTION", "ServicesSection", "check_terms"]

#: how applications are received: each department's own window in turn (the baseline) or one
#: comprehensive window (一窗受理) that routes the file through the back office
MODES = ("department_windows", "one_window")
#: options that combine with a mode
OPTIONS = ("parallel", "notify_once", "prevalidation", "data_sharing", "auto_approval")


def check_terms(terms: tuple[str, ...]) -> list[str]:
    """Problems of a combination of this workflow's terms (one mode; options at most once;
    parallel approval needs a back office that holds the file, i.e. one_window)."""
    modes = [t for t in terms if t in MODES]
    problems = []
    if len(modes) != 1:
        problems.append(f"name exactly one of {', '.join(MODES)} (got {len(modes)})")
    if len(set(terms)) != len(terms):
        problems.append("a term is named twice")
    if "parallel" in terms and "department_windows" in terms:
        problems.append("parallel approval needs one_window: with department_windows the "
                        "applicant carries the file from one department to the next")
    return problems


class ServiceStep(Strict):
    """One approval step (审批环节): a department's hands-on work on the file."""

    department: Identifier = Field(description="a department of organisation.departments")
    time: Distribution = Field(description="hands-on hours of the department's staff")
    reject_p: Probability = Field(0.0, description="probability that this step rejects (不予许可)")
    review_working_h: Distribution | None = Field(
        None, description="working hours of sign-off after the hands-on work (审核签批: a pure "
        "delay, no staff); None: none")


class ServiceStage(Strict):
    """Steps approved together under ``parallel`` (并联审批), one after another otherwise."""

    steps: list[ServiceStep] = Field(min_length=1)


class Material(Strict):
    """A document the application needs (申请材料)."""

    id: Identifier
    missing_p: Probability = Field(description="probability that it is missing or wrong at each "
                                               "submission (also when brought again)")
    department: Identifier | None = Field(
        None, description="the department whose window checks it under department_windows "
        "(default: the first step's)")
    shareable: bool = Field(True, description="an electronic certificate (电子证照) can replace "
                                              "it under data_sharing")


class ServiceType(Strict):
    """A kind of application (事项): its share, approval stages, materials and promised time."""

    id: Identifier
    share: NonNegativeFloat = Field(description="weight among the types")
    stages: list[ServiceStage] = Field(min_length=1, description="approval stages, in order")
    materials: list[Material] = Field(default_factory=list)
    promised_working_days: PositiveFloat = Field(
        description="legal promised time (承诺时限) from acceptance (受理), working days")
    rule_share: Probability = Field(
        0.0, description="share of applications a rule decides at once (秒批) under "
        "auto_approval")


class Hall(Strict):
    """The service hall (政务服务大厅): its windows (窗口) and their shift."""

    shift: str = Field("office", description="opening hours (a shift name)")
    windows: NonNegativeInt = Field(description="comprehensive windows (综合窗口), one_window")
    department_windows: dict[Identifier, NonNegativeInt] = Field(
        default_factory=dict, description="department → its own windows, department_windows")
    check_time: Distribution = Field(description="hours a window takes to receive and check a "
                                                 "file (each visit)")


class Online(Strict):
    """Online submission (网上办): a back-office desk checks the files; no trip to the hall."""

    share: Probability = Field(description="share of applications submitted online")
    staff: NonNegativeInt = Field(description="clerks of the online desk")
    shift: str = "office"
    check_time: Distribution = Field(description="hours the desk takes to check a file")


class Prevalidation(Strict):
    """智能预审: before submission an automatic check finds each missing material."""

    accuracy: Probability = Field(0.9, description="[est] probability it catches a missing "
                                                   "material (fixed before the first visit)")


class DataSharing(Strict):
    """数据共享 / 电子证照: shareable materials are fetched instead of brought."""

    share: Probability = Field(0.5, description="[est] share of shareable materials no longer "
                                                "needed")


class ServicesSection(Strict):
    """``services:`` — service applications received at the hall or online (一网通办)."""

    policy: str = Field("department_windows",
                        description="the workflow's own policy: mode and options joined by '+'")
    rate_per_day: NonNegativeFloat = Field(description="mean applications per day (a week's mean)")
    hour_profile: list[NonNegativeFloat] | None = Field(None, min_length=24, max_length=24)
    weekday_profile: list[NonNegativeFloat] | None = Field(None, min_length=7, max_length=7)
    scale: NonNegativeFloat = Field(1.0, description="demand multiplier (sweeps, battery)")
    types: list[ServiceType] = Field(min_length=1)
    hall: Hall
    online: Online | None = None
    return_delay_working_h: Distribution = Field(
        description="working hours until an applicant comes back (with missing materials, or "
        "to the next department's window)")
    prevalidation: Prevalidation = Field(default_factory=Prevalidation)
    data_sharing: DataSharing = Field(default_factory=DataSharing)

    @field_validator("policy")
    @classmethod
    def _policy_terms(cls, value: str) -> str:
        terms = tuple(p.strip() for p in value.split("+"))
        unknown = [t for t in terms if t not in MODES + OPTIONS]
        if unknown:
            raise ValueError(f"unknown term {unknown[0]!r}; known: {', '.join(MODES + OPTIONS)}")
        problems = check_terms(terms)
        if problems:
            raise ValueError(problems[0])
        return "+".join(terms)

    @field_validator("hour_profile", "weekday_profile")
    @classmethod
    def _positive_sum(cls, value: list[float] | None) -> list[float] | None:
        if value is not None and sum(value) <= 0:
            raise ValueError("a profile must have a positive sum")
        return value

    def terms(self) -> tuple[str, ...]:
        return tuple(self.policy.split("+"))


def _check(scenario: Scenario, section: ServicesSection) -> list[tuple[tuple[str | int, ...],
                                                                         str]]:
    """Departments, shifts and ids the section names exist; shares are usable."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    root = ("services",)
    departments = [d.id for d in scenario.organisation.departments]
    shifts = sorted(set(scenario.shifts) | set(BUILTIN_SHIFTS))

    def need_department(path: tuple[str | int, ...], name: str) -> None:
        if name not in departments:
            problems.append((path, f"unknown department {name!r}; known: {departments}"))

    seen: set[str] = set()
    for i, kind in enumerate(section.types):
        at = (*root, "types", i)
        if kind.id in seen:
            problems.append(((*at, "id"), f"duplicate service type id {kind.id!r}"))
        seen.add(kind.id)
        used: list[str] = []
        for s, stage in enumerate(kind.stages):
            in_stage: set[str] = set()
            for k, step in enumerate(stage.steps):
                where = (*at, "stages", s, "steps", k, "department")
                need_department(where, step.department)
                if step.department in in_stage:
                    problems.append((where, f"department {step.department!r} appears twice "
                                            "in one stage"))
                in_stage.add(step.department)
                used.append(step.department)
        materials: set[str] = set()
        for m, material in enumerate(kind.materials):
            if material.id in materials:
                problems.append(((*at, "materials", m, "id"),
                                 f"duplicate material id {material.id!r}"))
            materials.add(material.id)
            if material.department is not None and material.department not in used:
                problems.append(((*at, "materials", m, "department"),
                                 f"{material.department!r} is not a step of this service type; "
                                 f"its steps: {sorted(set(used))}"))
    if sum(kind.share for kind in section.types) <= 0:
        problems.append(((*root, "types"), "the shares of the service types sum to 0"))
    for name, at in ((section.hall.shift, (*root, "hall", "shift")),
                     *(((section.online.shift, (*root, "online", "shift")),)
                       if section.online is not None else ())):
        if name not in shifts:
            problems.append((at, f"unknown shift {name!r}; known: {shifts}"))
    for dept in section.hall.department_windows:
        need_department((*root, "hall", "department_windows", dept), dept)
    return problems


def _own_terms(section: Any) -> tuple[str, ...]:
    return tuple(section.terms())


SECTION = register_section(Section(
    "services", ServicesSection, workflow="one_window", check=_check, terms=MODES + OPTIONS,
    own_terms=_own_terms, check_terms=check_terms))
