"""The organisation of an area (组织): streets, communities, grids and their workers,
functional departments, the 12345 hotline and the dispatch desk."""

from __future__ import annotations

import math

from pydantic import (
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    model_validator,
)

from sim.scenario.base import (
    SKILLS_DESCRIPTION,
    Identifier,
    Point,
    Probability,
    Skills,
    Strict,
    TeamSpec,
)
from sim.stochastic.distributions import Distribution


class Street(Strict):
    """A street / township (街道/乡镇) with its comprehensive team (综合执法队)."""

    id: Identifier
    name: str = ""
    name_zh: str = ""
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

    count: PositiveInt = Field(le=200_000)  # a larger lattice would take minutes to validate
    spacing_km: PositiveFloat
    communities: list[str] = Field(min_length=1)
    origin: Point = Field(default_factory=lambda: Point(x_km=0.0, y_km=0.0))


class OnCall(Strict):
    """A department's on-call duty roster (值班): a few staff who answer a whistle's summons
    (吹哨报到) when the department's own team is off duty and would not be on site by the report
    deadline. Their hours on call are a cost the outputs show (on_call_h, on_call_standby_h)."""

    staff: PositiveInt = Field(description="staff on call at a time")
    shift: str = Field("always", description="the hours the roster covers (a shift name)")


class Department(Strict):
    """A functional department (职能部门); ``categories`` is its part of the dispatch catalogue."""

    id: Identifier
    name: str = ""
    name_zh: str = ""
    team_size: NonNegativeInt
    shift: str = "office"
    base: Point = Field(default_factory=lambda: Point(x_km=0.0, y_km=0.0))
    speed_kmh: PositiveFloat = 25.0
    categories: list[str] = Field(default_factory=list)
    skills: Skills = Field(default_factory=dict, description=SKILLS_DESCRIPTION)
    on_call: OnCall | None = Field(
        None, description="on-call duty for summonses outside the shift (值班); None: none")


class Retrial(Strict):
    """A caller who hung up calls again (重拨) with probability ``p`` after ``delay``."""

    p: Probability
    delay: Distribution


class RepeatCalls(Strict):
    """Repeat calls (重复来电) about a work order: from its citizen while it is open, at a rate
    per day (so the chance of a repeat grows with the waiting time), and once more with a
    probability when it closes unsatisfied."""

    open_rate_per_day: NonNegativeFloat = Field(
        description="calls a day the citizen makes about an order still open (Poisson)")
    unsatisfied_p: Probability = Field(
        0.0, description="probability of one more call when the order closes unsatisfied")


class Callers(Strict):
    """The callers of a call centre: patience, retrials, self service (IVR 自助语音).

    Given, every contact is a call that may hang up while it waits, and the run keeps a
    contact log and the call-centre figures; absent, nobody hangs up (a plain queue).
    """

    patience: Distribution | None = Field(
        None, description="time a caller waits for an operator before hanging up; "
                          "None: callers never hang up")
    retrial: Retrial | None = Field(None, description="None: a caller who hung up is lost")
    self_service_share: Probability = Field(
        0.0, description="share of the contacts that do not become an order answered by "
                         "self service (IVR) without an operator")
    service_level_s: PositiveFloat = Field(
        15.0, description="threshold of the service level (share answered within it)")
    repeat: RepeatCalls | None = Field(None, description="None: nobody calls twice")

    @model_validator(mode="after")
    def _retrial_needs_patience(self) -> Callers:
        if self.retrial is not None and self.patience is None:
            raise ValueError("'retrial' needs 'patience' (nobody hangs up without it)")
        return self


class RotaShift(Strict):
    """A group of operators on one shift pattern (a call centre's rota, 排班)."""

    shift: str
    operators: PositiveInt


class Hotline(Strict):
    """The 12345 hotline centre: operators answer contacts; some become work orders.

    Either ``operators`` on one ``shift``, or a ``rota`` of groups on shifts of their own."""

    operators: PositiveInt | None = None
    shift: str | None = Field(None, description="None: always (with operators)")
    rota: list[RotaShift] | None = Field(
        None, min_length=1, description="operators by shift, instead of operators + shift")
    talk_time: Distribution | None = Field(None, description="None: intake takes no time")
    callers: Callers | None = Field(
        None, description="callers who hang up and call again; None: nobody hangs up")


    @property
    def total_operators(self) -> int:
        """Operators on the payroll: ``operators``, or the rota's groups together."""
        if self.rota is not None:
            return sum(group.operators for group in self.rota)
        return self.operators or 0

    @model_validator(mode="after")
    def _operators_or_rota(self) -> Hotline:
        if (self.operators is None) == (self.rota is None):
            raise ValueError("give exactly one of 'operators' (with 'shift') or 'rota'")
        if self.rota is not None and self.shift is not None:
            raise ValueError("'shift' goes with 'operators'; a rota names each group's shift")
        return self

    def groups(self) -> list[tuple[str, int]]:
        """(shift, operators) of every group: the rota's, or the one shift."""
        if self.rota is not None:
            return [(g.shift, g.operators) for g in self.rota]
        assert self.operators is not None
        return [(self.shift or "always", self.operators)]

    @property
    def size(self) -> int:
        """All operators (on every shift)."""
        return sum(n for _, n in self.groups())


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
