"""What a workflow may use of the model it runs in: a typed door instead of the whole model.

:class:`~sim.model.model.Model` satisfies :class:`ModelContext`; a workflow is written against
the protocol, so the type checker keeps it to these members.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import simpy

    from sim.calendar import WorkingCalendar
    from sim.model.units import Units
    from sim.scenario.base import Deadline
    from sim.scenario.closed_loop import PolicySpec
    from sim.scenario.scenario import Scenario
    from sim.stochastic.arrivals import PiecewiseRate
    from sim.stochastic.streams import Streams

__all__ = ["ModelContext"]


class ModelContext(Protocol):
    """The shared parts of one replication (read-only members and two methods)."""

    @property
    def env(self) -> simpy.Environment:
        """The SimPy environment; the clock ``env.now`` is in hours."""
        ...

    @property
    def streams(self) -> Streams:
        """Named random streams of this replication: draw only from streams you name."""
        ...

    @property
    def scenario(self) -> Scenario: ...

    @property
    def policy(self) -> PolicySpec:
        """The policy combination this replication runs (the closed loop's)."""
        ...

    @property
    def calendar(self) -> WorkingCalendar:
        """Working time and holidays, for deadlines in working hours or days (工作日)."""
        ...

    @property
    def units(self) -> Units:
        """Teams of workers, their shifts and the grids' geography."""
        ...

    @property
    def horizon_h(self) -> float: ...

    @property
    def warmup_h(self) -> float:
        """Items arriving before this are excluded from summary metrics."""
        ...

    def due_h(self, t_h: float, deadline: Deadline) -> float:
        """Time at which ``deadline`` runs out for an event at ``t_h``."""
        ...

    def arrival_rate(self, per_day: float, hour_profile: Sequence[float] | None,
                     weekday_profile: Sequence[float] | None,
                     surges: Sequence[tuple[float, float, float]]) -> PiecewiseRate:
        """An arrival rate over the run: ``per_day`` × profiles × surges (start_h, end_h, ×)."""
        ...
