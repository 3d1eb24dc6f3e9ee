"""What a policy may use: the closed loop it serves (:class:`PolicyContext`) and the fields of a
case it may read or set (:class:`CaseView`). Typed doors, kept true by the type checker.

The closed loop (:class:`sim.workflows.closed_loop.workflow.ClosedLoop`) is a
:class:`PolicyContext`, and its :class:`~sim.workflows.closed_loop.case.Case` a
:class:`CaseView`. Through ``units`` a policy reaches the teams and the geography; it changes how
units work only through their declared hooks (``units.set_worker_pick``,
``units.set_queue_order``, :meth:`PolicyContext.enable_preemption`, a dispatch policy's
``acquire``), never by patching attributes. What a policy does that a real 12345 log would
show and the loop cannot see (a wrong unit returning an order, 退单) it reports through
:meth:`PolicyContext.record`, for the event log.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import simpy

    from sim.model.units import Units
    from sim.scenario.scenario import Scenario
    from sim.stochastic.streams import Streams

__all__ = ["CaseView", "PolicyContext", "Steps"]

#: What a policy step gives the workflow to ``yield from``: SimPy events, usually a generator
#: (``yield env.timeout(h)`` …). A step that takes no time may return an empty tuple.
Steps = Iterable["simpy.Event"]


class CaseView(Protocol):
    """The fields of a work order (工单) a policy reads, and the few it sets."""

    id: int
    category: int
    grid: int
    street: int
    t_arrival_h: float
    #: closure deadline (接诉即办), hours from the start of the run
    close_due_h: float
    #: latent attributes drawn at arrival, identical under every policy: the true high-risk
    #: flag (a classifier sees it only through ``risk_u``), the uniforms behind a classifier's
    #: score and behind the street's "strong concern" judgement
    high_risk: bool
    risk_u: float
    concern_u: float
    #: set by policies: predicted risk score, wrong dispatches (退单), whistle (吹哨) fields
    risk: float
    misroutes: int
    whistled: bool
    t_whistle_h: float
    report_due_h: float
    report_h: float
    t_dispatched_h: float

    def mark_dispatched(self, now_h: float) -> None:
        """Record the first dispatch decision (a redispatch after a misroute keeps it)."""
        ...


class PolicyContext(Protocol):
    """The closed loop as a policy sees it (read-only members and four methods)."""

    @property
    def env(self) -> simpy.Environment: ...

    @property
    def streams(self) -> Streams:
        """Named random streams: a policy draws only from streams it names (``"dispatch"``…)."""
        ...

    @property
    def scenario(self) -> Scenario: ...

    @property
    def units(self) -> Units:
        """Teams, shifts and geography, with their declared hooks."""
        ...

    @property
    def category_skill_bit(self) -> Sequence[int]:
        """Per category: the skill bit it needs (0: none)."""
        ...

    @property
    def category_unskilled(self) -> Sequence[float]:
        """Per category: the handling multiplier when nobody sent has the skill."""
        ...

    @property
    def deadline_class_names(self) -> Sequence[str]:
        """Per category: its deadline class."""
        ...

    def work(self, case: Any, tier: str, duration_h: float, priority: bool = False,
             report_due_h: float | None = None) -> Steps:
        """Queue for the unit(s) at ``tier``, travel, handle for ``duration_h``, release
        (``priority``: a summons ahead of the queues; ``report_due_h``: a whistle's deadline).

        ``case`` is a case the loop handed the policy (the loop's own record: the loop records
        waits and times on it, which :class:`CaseView` does not show)."""
        ...

    def mean_handling_h(self, category: int, tier: str) -> float:
        """Mean hands-on hours of a category at a tier (for policies that plan ahead)."""
        ...

    def enable_preemption(self, kinds: Iterable[str]) -> None:
        """Let a whistle pre-empt ordinary single-worker jobs of units of these kinds."""
        ...

    def record(self, case: CaseView, activity: str, lifecycle: str = "complete",
               resource: str = "", unit: str = "", tier: str = "") -> None:
        """Put an event of ``case`` at the current time into the run's event log; does nothing
        when the run keeps none (the default), so a policy may call it unconditionally.

        ``activity`` is one of the log's activities by its Chinese or English name
        (``"退单"`` / ``"return"`` …, docs/outputs.md); ``lifecycle`` ``start`` or ``complete``;
        ``resource`` a worker id and ``unit`` a unit name, when there is one."""
        ...
