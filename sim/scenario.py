"""Scenario files (情景文件): the typed, validated description of an area and its rules.

A scenario is YAML with ``version: 1``. This module holds the schema as pydantic models; field
checks live on the models, cross-references (a category owned by a department that does not
exist, a grid in no street …) in :func:`check_references`, so that *every* problem in a file can
be reported at once. All durations are hours (``_h``), distances kilometres (``_km``), speeds
km/h (``_kmh``).
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    field_validator,
    model_validator,
)

from sim.calendar import WEEKDAYS, parse_hhmm
from sim.distributions import Distribution

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Identifier = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_\-\u4e00-\u9fff]+$")]

#: Unit kinds that can hold a case, lowest first; the escalation ladder is a subsequence.
TIER_KINDS = ("grid", "community", "street", "department", "joint")
#: Channels (渠道): 12345 hotline, grid-worker patrol discovery (主动发现), sensors/video.
CHANNEL_KINDS = ("hotline", "patrol", "sensor")


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


class CalendarSpec(Strict):
    """Simulated period and working time (工作时间) for deadlines counted in working hours."""

    start: datetime = Field(description="start date-time; the weekday matters")
    horizon_days: PositiveFloat = Field(description="simulated days after start")
    warmup_days: NonNegativeFloat = Field(0.0, description="cases arriving earlier are excluded")
    working_hours: list[str] = Field(default_factory=lambda: ["09:00-12:00", "13:00-17:00"])
    working_days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS[:5]))
    holidays: list[date] = Field(default_factory=list)

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


class Street(Strict):
    """A street / township (街道/乡镇) with its comprehensive team (综合执法队)."""

    id: Identifier
    name: str = ""
    team: TeamSpec = Field(default_factory=lambda: TeamSpec(size=2, shift="office"))
    location: Point = Field(default_factory=lambda: Point(x_km=0.0, y_km=0.0))
    speed_kmh: PositiveFloat = 20.0


class Community(Strict):
    """A community / village (社区/村); its workers (or mediation committee) are a tier."""

    id: Identifier
    street: str
    team: TeamSpec | None = None
    location: Point | None = None


class Grid(Strict):
    """A grid (网格) with coordinates of its centre."""

    id: Identifier
    community: str
    x_km: float
    y_km: float
    workers: NonNegativeInt | None = Field(None, description="overrides grid_workers_per_grid")
    weight: PositiveFloat = Field(1.0, description="relative share of demand (population)")


class GridLattice(Strict):
    """Generate ``count`` grids on a square lattice, dealt round-robin to communities."""

    count: PositiveInt
    spacing_km: PositiveFloat
    communities: list[str] = Field(min_length=1)
    origin: Point = Field(default_factory=lambda: Point(x_km=0.0, y_km=0.0))


class Department(Strict):
    """A functional department (职能部门); ``categories`` is its part of the dispatch catalogue."""

    id: Identifier
    name: str = ""
    team_size: NonNegativeInt
    shift: str = "office"
    base: Point = Field(default_factory=lambda: Point(x_km=0.0, y_km=0.0))
    speed_kmh: PositiveFloat = 25.0
    categories: list[str] = Field(default_factory=list)
    skills: Skills = Field(default_factory=dict, description=SKILLS_DESCRIPTION)


class Hotline(Strict):
    """The 12345 hotline centre: operators answer contacts; some become work orders."""

    operators: PositiveInt
    shift: str = "always"
    talk_time: Distribution | None = Field(None, description="None: intake takes no time")


class DispatchDesk(Strict):
    """The dispatch desk (派单台) of human dispatchers used by manual dispatch."""

    dispatchers: PositiveInt
    shift: str = "always"
    triage_time: Distribution | None = None


class Organisation(Strict):
    """Streets → communities → grids, grid workers, departments, hotline, dispatch desk."""

    streets: list[Street] = Field(min_length=1)
    communities: list[Community] = Field(min_length=1)
    grids: list[Grid] = Field(default_factory=list)
    grid_lattice: GridLattice | None = None
    grid_workers_per_grid: NonNegativeInt = 1
    grid_worker_shift: str = "always"
    grid_worker_speed_kmh: PositiveFloat = 5.0
    departments: list[Department] = Field(default_factory=list)
    hotline: Hotline | None = None
    dispatch_desk: DispatchDesk | None = None

    @model_validator(mode="after")
    def _grids_given_once(self) -> Organisation:
        if bool(self.grids) == (self.grid_lattice is not None):
            raise ValueError("give exactly one of 'grids' (a list) or 'grid_lattice'")
        return self

    def all_grids(self) -> list[Grid]:
        """Listed grids, or the generated lattice (row-major, ids g001, g002 …)."""
        if self.grids:
            return list(self.grids)
        lat = self.grid_lattice
        assert lat is not None
        side = math.ceil(math.sqrt(lat.count))
        width = len(str(lat.count))
        return [
            Grid(
                id=f"g{i + 1:0{width}d}",
                community=lat.communities[i % len(lat.communities)],
                x_km=lat.origin.x_km + (i % side) * lat.spacing_km,
                y_km=lat.origin.y_km + (i // side) * lat.spacing_km,
            )
            for i in range(lat.count)
        ]


class Surge(Strict):
    """A window of raised demand (storm, epidemic): rate × ``multiplier`` in [start, end)."""

    start_day: NonNegativeFloat
    end_day: PositiveFloat
    multiplier: NonNegativeFloat

    @model_validator(mode="after")
    def _ordered(self) -> Surge:
        if self.end_day <= self.start_day:
            raise ValueError("end_day must be after start_day")
        return self


class Channel(Strict):
    """One arrival channel: a non-homogeneous Poisson process (rate × profiles × surges)."""

    id: Identifier
    kind: Literal["hotline", "patrol", "sensor"]
    rate_per_day: NonNegativeFloat | None = Field(None, description="mean over a week")
    rate_per_grid_per_day: NonNegativeFloat | None = None
    hour_profile: list[NonNegativeFloat] | None = Field(None, min_length=24, max_length=24)
    weekday_profile: list[NonNegativeFloat] | None = Field(None, min_length=7, max_length=7)
    surges: list[Surge] = Field(default_factory=list)
    order_share: Probability = Field(
        1.0, description="share of contacts that become work orders (hotline ~0.41)"
    )
    category_mix: dict[str, NonNegativeFloat] | None = Field(
        None, description="category → weight; default: the categories' shares"
    )
    via_dispatch: bool = Field(True, description="False: handled by the discovering grid directly")

    @model_validator(mode="after")
    def _one_rate(self) -> Channel:
        if (self.rate_per_day is None) == (self.rate_per_grid_per_day is None):
            raise ValueError("give exactly one of rate_per_day or rate_per_grid_per_day")
        for name in ("hour_profile", "weekday_profile"):
            profile = getattr(self, name)
            if profile is not None and sum(profile) <= 0:
                raise ValueError(f"{name} must have a positive sum")
        return self


class Arrivals(Strict):
    """All channels, with a global ``scale`` (for what-if sweeps on demand)."""

    scale: NonNegativeFloat = 1.0
    channels: list[Channel] = Field(min_length=1)


class Deadline(Strict):
    """A time limit: ``value`` in ``unit`` (h, d, working_h, working_d) — 接诉即办 deadlines."""

    value: NonNegativeFloat
    unit: Literal["h", "d", "working_h", "working_d"] = "h"


class DeadlineClass(Strict):
    """Response and closure deadlines of one class (emergency, utilities, general, complex)."""

    response: Deadline
    close: Deadline


def default_deadline_classes() -> dict[str, DeadlineClass]:
    """Beijing 12345 defaults (DOMAIN.md): 2 h / 24 h / 7 days / 15 days feedback."""

    def cls(resp_h: float, close: float, unit: str) -> DeadlineClass:
        return DeadlineClass(
            response=Deadline(value=resp_h, unit="h"), close=Deadline(value=close, unit=unit)
        )

    return {
        "emergency": cls(0.5, 2, "h"),
        "utilities": cls(2, 24, "h"),
        "general": cls(24, 7, "d"),
        "complex": cls(48, 15, "d"),
    }


class Category(Strict):
    """A kind of matter: its share, which tier can solve it, handling time per tier, deadlines."""

    id: Identifier
    share: NonNegativeFloat
    deadline_class: str = "general"
    entry: Literal["grid", "community", "street", "department", "joint"] | None = Field(
        None, description="first tier dispatched to; default the ladder's first tier"
    )
    tiers: dict[Literal["grid", "community", "street", "department", "joint", "none"], Probability]
    handling: dict[Literal["grid", "community", "street", "department", "joint"], Distribution]
    joint_departments: list[str] = Field(default_factory=list)
    flare_risk: NonNegativeFloat = Field(1.0, description="multiplies the flare-up hazard")
    skill: Identifier | None = Field(
        None, description="skill the matter needs at teams that declare skills (None: any worker)"
    )
    unskilled_factor: Annotated[float, Field(ge=1.0)] = Field(
        1.5, description="[est] handling-time multiplier when a team with skills sends a worker "
        "without this category's skill"
    )


class Escalation(Strict):
    """The escalation ladder (grid → community → street → department) and its rules."""

    ladder: list[Literal["grid", "community", "street", "department", "joint"]] = Field(
        default_factory=lambda: ["grid", "street", "department", "joint"], min_length=1
    )
    attempt_fraction: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        0.5, description="a failing tier spends this fraction of a handling time before escalating"
    )
    tier_labels: dict[Literal["grid", "community", "street", "department", "joint"], str] = Field(
        default_factory=dict,
        description="display names of tiers, e.g. {community: village, street: township, "
        "department: county} for 枫桥 mediation; outputs keep the kind names",
    )

    def tier_label(self, kind: str) -> str:
        """The display label of a tier kind (the kind itself when none is set)."""
        return self.tier_labels.get(kind, kind)  # type: ignore[call-overload]

    @field_validator("ladder")
    @classmethod
    def _ladder_ordered(cls, value: list[str]) -> list[str]:
        ranks = [TIER_KINDS.index(kind) for kind in value]
        if ranks != sorted(set(ranks)):
            raise ValueError(f"ladder must go upwards without repeats in the order {TIER_KINDS}")
        return value


class Travel(Strict):
    """Travel time from distance and speed; off → zero travel (textbook queues)."""

    enabled: bool = True
    metric: Literal["manhattan", "euclid"] = "manhattan"
    within_grid_km: NonNegativeFloat = Field(0.3, description="mean walk to a matter in the grid")


class Stage(Strict):
    """A pure delay stage (registration 立案, verification 核查); null in YAML switches it off."""

    time: Distribution


class Evaluation(Strict):
    """Citizen evaluation (评价): satisfaction falls with lateness; unresolved → unsatisfied."""

    satisfied_p_on_time: Probability = 0.95
    satisfied_p_floor: Probability = 0.3
    lateness_scale_h: PositiveFloat = 72.0
    reopen_p: Probability = Field(0.3, description="reopen probability when not satisfied")
    max_reopens: NonNegativeInt = 1

    @model_validator(mode="after")
    def _floor_below_on_time(self) -> Evaluation:
        if self.satisfied_p_floor > self.satisfied_p_on_time:
            raise ValueError(
                f"satisfied_p_floor ({self.satisfied_p_floor}) must not exceed "
                f"satisfied_p_on_time ({self.satisfied_p_on_time}): lateness cannot please"
            )
        return self


class Flareup(Strict):
    """Hazard of flaring up (小事拖大) growing with waiting: Weibull time-to-flare from arrival.

    A share of cases is latently *high risk* (a tense dispute, many residents affected): their
    hazard is multiplied by ``high_risk_multiplier``. The flag is drawn at arrival whatever the
    policy; risk-aware policies only see it through a classifier of limited quality.
    """

    shape: PositiveFloat = Field(1.5, description=">1: hazard grows with waiting time")
    scale_h: PositiveFloat = Field(2000.0, description="characteristic time to flare")
    high_risk_share: Probability = Field(0.0, description="share of latently high-risk cases")
    high_risk_multiplier: PositiveFloat = Field(
        1.0, description="hazard multiplier of a high-risk case"
    )


class PolicyChoice(Strict):
    """A policy by name with its own parameters (validated by the policy class)."""

    name: str
    params: dict[str, Any] = Field(default_factory=dict)


class PolicySpec(Strict):
    """Dispatch and escalation are independent axes: e.g. manual+transfer.

    Parameters for a policy run under another name than the scenario's own come from
    :attr:`Scenario.policy_params`; see :meth:`Scenario.policy_spec`.
    """

    dispatch: PolicyChoice = Field(default_factory=lambda: PolicyChoice(name="manual"))
    escalation: PolicyChoice = Field(default_factory=lambda: PolicyChoice(name="transfer"))

    @property
    def label(self) -> str:
        return f"{self.dispatch.name}+{self.escalation.name}"


class Scenario(Strict):
    """A whole scenario file (version 1)."""

    version: Literal[1]
    name: Identifier
    description: str = ""
    calendar: CalendarSpec
    shifts: dict[str, ShiftPattern] = Field(default_factory=dict)
    organisation: Organisation
    arrivals: Arrivals
    deadline_classes: dict[str, DeadlineClass] = Field(default_factory=default_deadline_classes)
    categories: list[Category] = Field(min_length=1)
    escalation: Escalation = Field(default_factory=Escalation)
    travel: Travel = Field(default_factory=Travel)
    registration: Stage | None = None
    verification: Stage | None = None
    evaluation: Evaluation | None = Field(default_factory=Evaluation)
    flareup: Flareup | None = Field(default_factory=Flareup)
    policy: PolicySpec = Field(default_factory=PolicySpec)
    policy_params: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="parameters per policy name (algorithmic, whistle …), used whenever that "
        "policy runs, e.g. in `govsim compare`; `policy.*.params` of the scenario's own policy "
        "override them key by key",
    )

    def policy_spec(self, dispatch: str | None = None, escalation: str | None = None) -> PolicySpec:
        """The policy pair to run, with parameters resolved.

        ``None`` means the scenario's own policy on that axis. Parameters: ``policy_params[name]``,
        updated by the scenario's ``policy.<axis>.params`` when ``name`` is the scenario's own.
        """

        def choice(own: PolicyChoice, name: str | None) -> PolicyChoice:
            name = own.name if name is None else name
            params = dict(self.policy_params.get(name, {}))
            if name == own.name:
                params.update(own.params)
            return PolicyChoice(name=name, params=params)

        return PolicySpec(dispatch=choice(self.policy.dispatch, dispatch),
                          escalation=choice(self.policy.escalation, escalation))

    def shift(self, name: str) -> ShiftPattern:
        """A shift by name; ``always`` (24/7) and ``office`` exist unless redefined."""
        if name in self.shifts:
            return self.shifts[name]
        return BUILTIN_SHIFTS[name]


BUILTIN_SHIFTS: dict[str, ShiftPattern] = {
    "always": ShiftPattern(windows=["00:00-24:00"], days="all"),
    "office": ShiftPattern(windows=["08:30-17:30"], days="weekdays"),
}

_TOL = 1e-6


def check_references(scn: Scenario) -> list[tuple[tuple[str | int, ...], str]]:
    """Cross-reference checks pydantic cannot do field by field.

    Returns ``(path, message)`` pairs; the path points into the YAML document.
    """
    problems: list[tuple[tuple[str | int, ...], str]] = []
    org = scn.organisation
    shift_names = set(scn.shifts) | set(BUILTIN_SHIFTS)

    def need_shift(path: tuple[str | int, ...], name: str) -> None:
        if name not in shift_names:
            problems.append((path, f"unknown shift {name!r}; known: {sorted(shift_names)}"))

    def dupes(items: list[Any], path: tuple[str | int, ...], what: str) -> set[str]:
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item.id in seen:
                problems.append(((*path, i, "id"), f"duplicate {what} id {item.id!r}"))
            seen.add(item.id)
        return seen

    streets = dupes(org.streets, ("organisation", "streets"), "street")
    communities = dupes(org.communities, ("organisation", "communities"), "community")
    departments = dupes(org.departments, ("organisation", "departments"), "department")
    categories = dupes(scn.categories, ("categories",), "category")
    dupes(scn.arrivals.channels, ("arrivals", "channels"), "channel")

    for i, street in enumerate(org.streets):
        need_shift(("organisation", "streets", i, "team", "shift"), street.team.shift)
    for i, com in enumerate(org.communities):
        if com.street not in streets:
            problems.append(
                (("organisation", "communities", i, "street"), f"unknown street {com.street!r}")
            )
        if com.team is not None:
            need_shift(("organisation", "communities", i, "team", "shift"), com.team.shift)
    if org.grids:
        dupes(org.grids, ("organisation", "grids"), "grid")
        for i, grid in enumerate(org.grids):
            if grid.community not in communities:
                problems.append(
                    (
                        ("organisation", "grids", i, "community"),
                        f"grid {grid.id!r} is in no known community/street "
                        f"(unknown community {grid.community!r})",
                    )
                )
    elif org.grid_lattice is not None:
        for i, com in enumerate(org.grid_lattice.communities):
            if com not in communities:
                where = ("organisation", "grid_lattice", "communities", i)
                problems.append((where, f"unknown community {com!r}"))
    need_shift(("organisation", "grid_worker_shift"), org.grid_worker_shift)

    owners: dict[str, list[str]] = {}
    for i, dept in enumerate(org.departments):
        need_shift(("organisation", "departments", i, "shift"), dept.shift)
        for j, cat in enumerate(dept.categories):
            if cat not in categories:
                problems.append(
                    (
                        ("organisation", "departments", i, "categories", j),
                        f"department {dept.id!r} owns unknown category {cat!r}",
                    )
                )
            owners.setdefault(cat, []).append(dept.id)
    if org.hotline is not None:
        need_shift(("organisation", "hotline", "shift"), org.hotline.shift)
    if org.dispatch_desk is not None:
        need_shift(("organisation", "dispatch_desk", "shift"), org.dispatch_desk.shift)

    ladder = scn.escalation.ladder
    dept_size = {d.id: d.team_size for d in org.departments}
    for i, cat in enumerate(scn.categories):
        path = ("categories", i)
        total = sum(cat.tiers.values())
        if abs(total - 1.0) > _TOL:
            problems.append(((*path, "tiers"), f"probabilities sum to {total:.6g}, not 1"))
        if cat.deadline_class not in scn.deadline_classes:
            problems.append(
                (
                    (*path, "deadline_class"),
                    f"unknown deadline class {cat.deadline_class!r}; "
                    f"known: {sorted(scn.deadline_classes)}",
                )
            )
        entry = cat.entry or ladder[0]
        if entry not in ladder:
            problems.append(((*path, "entry"), f"entry tier {entry!r} is not on the ladder"))
        for tier, p in cat.tiers.items():
            if p <= 0:
                continue
            if tier != "none" and tier not in ladder:
                problems.append(
                    ((*path, "tiers", tier), f"tier {tier!r} is not on the escalation ladder")
                )
        visited = _tiers_visited(cat, ladder)
        for tier in sorted(visited, key=TIER_KINDS.index):
            if tier not in cat.handling:
                problems.append(
                    ((*path, "handling"), f"missing handling time for tier {tier!r}")
                )
        if "department" in visited:
            own = owners.get(cat.id, [])
            if len(own) != 1:
                problems.append(
                    (
                        (*path, "id"),
                        f"category {cat.id!r} can reach the department tier but is owned by "
                        f"{len(own)} departments {own} in the dispatch catalogue (need exactly 1)",
                    )
                )
            elif dept_size.get(own[0], 0) == 0:
                problems.append(
                    (
                        (*path, "id"),
                        f"category {cat.id!r} goes to department {own[0]!r}, which has team_size 0",
                    )
                )
        if "joint" in visited:
            if len(set(cat.joint_departments)) < 2:
                problems.append(
                    ((*path, "joint_departments"),
                     "a joint tier needs at least 2 departments, all different")
                )
            for j, dep in enumerate(cat.joint_departments):
                if dep not in departments:
                    problems.append(
                        ((*path, "joint_departments", j), f"unknown department {dep!r}")
                    )
                elif dept_size[dep] == 0:
                    problems.append(
                        ((*path, "joint_departments", j), f"department {dep!r} has team_size 0")
                    )
        if "community" in visited:
            for k, com in enumerate(org.communities):
                if com.team is None or com.team.size == 0:
                    problems.append(
                        (
                            ("organisation", "communities", k, "team"),
                            f"category {cat.id!r} can reach the community tier but community "
                            f"{com.id!r} has no workers",
                        )
                    )
        if "street" in visited:
            for k, street in enumerate(org.streets):
                if street.team.size == 0:
                    problems.append(
                        (
                            ("organisation", "streets", k, "team", "size"),
                            f"category {cat.id!r} can reach the street tier but street "
                            f"{street.id!r} has no team",
                        )
                    )
    if sum(c.share for c in scn.categories) <= 0:
        problems.append((("categories",), "category shares must have a positive sum"))

    working_units = ("working_h", "working_d")
    uses_working_time = [
        name for name, dc in scn.deadline_classes.items()
        if dc.response.unit in working_units or dc.close.unit in working_units
    ]
    if uses_working_time and not scn.calendar.working_days:
        problems.append(
            (("calendar", "working_days"),
             f"deadline classes {uses_working_time} count working time but there is no "
             f"working day")
        )
    if uses_working_time and not scn.calendar.working_hours:
        problems.append(
            (("calendar", "working_hours"),
             f"deadline classes {uses_working_time} count working time but there are no "
             f"working hours")
        )

    known_skills: set[str] = set()
    skilled_teams: list[tuple[tuple[str | int, ...], int, dict[str, int]]] = [
        (("organisation", "streets", k, "team", "skills"), s.team.size, s.team.skills)
        for k, s in enumerate(org.streets)
    ]
    skilled_teams += [
        (("organisation", "communities", k, "team", "skills"), c.team.size, c.team.skills)
        for k, c in enumerate(org.communities) if c.team is not None
    ]
    skilled_teams += [
        (("organisation", "departments", k, "skills"), d.team_size, d.skills)
        for k, d in enumerate(org.departments)
    ]
    for path, size, skills in skilled_teams:
        known_skills.update(skills)
        for skill, n in skills.items():
            if n > size:
                problems.append(((*path, skill), f"{n} workers with skill {skill!r} in a team "
                                                 f"of {size}"))
    for i, cat in enumerate(scn.categories):
        if cat.skill is not None and cat.skill not in known_skills:
            problems.append(
                (("categories", i, "skill"), f"no team has skill {cat.skill!r}; known skills: "
                                             f"{sorted(known_skills)}")
            )
    for kind in scn.escalation.tier_labels:
        if kind not in ladder:
            problems.append(
                (("escalation", "tier_labels", kind), f"tier {kind!r} is not on the ladder")
            )

    grid_tier_used = any("grid" in _tiers_visited(c, ladder) for c in scn.categories)
    if grid_tier_used or any(not ch.via_dispatch for ch in scn.arrivals.channels):
        for k, grid in enumerate(org.all_grids()):
            n = org.grid_workers_per_grid if grid.workers is None else grid.workers
            if n == 0:
                where = (
                    ("organisation", "grids", k, "workers")
                    if org.grids
                    else ("organisation", "grid_workers_per_grid")
                )
                problems.append((where, f"grid {grid.id!r} has no grid workers"))
                break

    for i, ch in enumerate(scn.arrivals.channels):
        path = ("arrivals", "channels", i)
        if ch.kind == "hotline" and org.hotline is None:
            problems.append(
                ((*path, "kind"), "a hotline channel needs organisation.hotline (its operators)")
            )
        if ch.category_mix is not None:
            for cat in ch.category_mix:
                if cat not in categories:
                    problems.append(((*path, "category_mix", cat), f"unknown category {cat!r}"))
            if sum(ch.category_mix.values()) <= 0:
                problems.append(((*path, "category_mix"), "weights must have a positive sum"))
        for j, surge in enumerate(ch.surges):
            if surge.start_day >= scn.calendar.horizon_days:
                problems.append(
                    ((*path, "surges", j, "start_day"), "surge starts after the horizon")
                )
    return problems


def _tiers_visited(cat: Category, ladder: list[str]) -> set[str]:
    """Every tier a case of this category can visit (entry up to where it is solved)."""
    entry = cat.entry or ladder[0]
    if entry not in ladder:
        return set()
    start = ladder.index(entry)
    visited: set[str] = set()
    for tier, p in cat.tiers.items():
        if p <= 0:
            continue
        visited.update(route_for(ladder, start, tier))
    return visited


def route_for(ladder: list[str], start: int, solvable: str) -> list[str]:
    """The tiers a case visits: from its entry up to the tier that can solve it.

    A ``joint`` case skips the single-``department`` tier (the street forwards it to all
    departments at once); a ``department`` case never reaches ``joint``; ``none`` climbs to the
    highest non-joint tier and is closed unresolved. A tier below the entry is solved at entry.
    """
    if solvable == "joint" and "joint" in ladder:
        top = ladder.index("joint")
    elif solvable in ladder and solvable != "joint":
        top = ladder.index(solvable)
    else:  # "none", or a tier not on the ladder: climb to the top non-joint tier
        non_joint = [i for i, kind in enumerate(ladder) if kind != "joint"]
        top = non_joint[-1] if non_joint else len(ladder) - 1
    top = max(top, start)
    route = ladder[start : top + 1]
    if solvable == "joint":
        route = [kind for kind in route if kind != "department"] or route
    elif "joint" in route and ladder[start] != "joint":
        route = [kind for kind in route if kind != "joint"]
    return route
