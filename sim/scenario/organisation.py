"""The organisation of an area (组织): streets, communities, grids and their workers,
functional departments, the 12345 hotline and the dispatch desk."""

from __future__ import annotations

import math

from pydantic import Field, NonNegativeInt, PositiveFloat, PositiveInt, model_validator

from sim.scenario.base import SKILLS_DESCRIPTION, Identifier, Point, Skills, Strict, TeamSpec
from sim.stochastic.distributions import Distribution


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

    count: PositiveInt = Field(le=200_000)  # a larger lattice would take minutes to validate
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
