"""The closed loop (闭环) of one work order, as one readable SimPy process.

receive (受理: hotline intake) → register (立案) → dispatch (派遣) → handle (处置) at each tier
from the entry tier upwards until one solves it (escalating in between) → verify (核查) →
close (结案) → evaluate (评价), reopening when the citizen is not satisfied.

Zero-duration stages schedule no event, so with every feature off the loop is a plain queue.
With an event log asked for (``loop.events``, :mod:`~sim.workflows.closed_loop.events`) each
stage is recorded; without one a stage costs one ``None`` test more, and nothing else.
The stages themselves are :class:`~sim.workflows.closed_loop.stages.Stages`; dispatch and
escalation are the policies' (:mod:`sim.policies`).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, Protocol

from sim.workflows.closed_loop.events import REGISTER, VERIFY

if TYPE_CHECKING:
    import simpy

    from sim.policies.base import DispatchPolicy, EscalationPolicy
    from sim.workflows.closed_loop.case import Case
    from sim.workflows.closed_loop.events import EventRecorder


class LoopParts(Protocol):
    """What the process of a case uses (:class:`~sim.workflows.closed_loop.workflow.ClosedLoop`
    provides it): pure-delay stages, the policies, the stages that take a unit's time."""

    @property
    def env(self) -> simpy.Environment: ...

    @property
    def open_cases(self) -> dict[int, Case]: ...

    @property
    def registration(self) -> Callable[[], float] | None: ...

    @property
    def verification(self) -> Callable[[], float] | None: ...

    @property
    def dispatch_policy(self) -> DispatchPolicy: ...

    @property
    def escalation_policy(self) -> EscalationPolicy: ...

    @property
    def events(self) -> EventRecorder | None:
        """The event log's recorder, None when the run keeps no event log."""
        ...

    @property
    def case_work(self) -> Callable[[Case, str, float], Generator[simpy.Event, Any, Any]]:
        """Hands-on work at a tier (the escalation policy's, or the stages' own); its steps
        return the worker who finished (None from a policy's own steps that do not say)."""
        ...

    @property
    def attempt_fraction(self) -> float:
        """Share of a handling time a tier that cannot solve the case spends first."""
        ...

    def hotline_intake(self, case: Case | None) -> Generator[simpy.Event, Any, Any]: ...

    def handling_h(self, case: Case, tier: str) -> float: ...

    def evaluate(self, case: Case, now_h: float) -> bool: ...

    def reopen(self, case: Case) -> bool: ...

    def close(self, case: Case) -> None: ...


def closed_loop(loop: LoopParts, case: Case, via_dispatch: bool, intake: bool,
                dispatch_delay: Callable[[], float] | None = None, received: bool = False,
                ) -> Generator[simpy.Event, Any, None]:
    """The life of one case; ``loop`` supplies the stages, policies and random draws, and the
    channel its own ``dispatch_delay`` (a pure delay before the dispatch policy), if any.
    ``received``: an operator of the call centre has already taken the call (受理 recorded)."""
    env = loop.env
    rec = loop.events  # None unless the run keeps an event log: one test per stage
    loop.open_cases[case.id] = case
    if intake:
        if rec is None:
            yield from loop.hotline_intake(case)
        else:
            yield from rec.intake(case, loop.hotline_intake(case))
    elif rec is not None and not received:
        rec.received(case)
    if loop.registration is not None:
        reg_h = loop.registration()
        if rec is not None:
            rec.delay(case, REGISTER, reg_h)
        if reg_h > 0.0:
            yield env.timeout(reg_h)
    if via_dispatch:
        if dispatch_delay is not None:
            delay_h = dispatch_delay()
            if delay_h > 0.0:
                yield env.timeout(delay_h)
        if rec is None:
            yield from loop.dispatch_policy.dispatch(case)
        else:
            yield from rec.dispatch(case, loop.dispatch_policy.dispatch(case))
    else:
        case.t_dispatched_h = env.now  # discovered and handled by the grid itself (自行处置)

    escalation = loop.escalation_policy
    work = loop.case_work
    route = case.route
    last = len(route) - 1
    solved_here = case.solvable != "none"
    for step, tier in enumerate(route):
        if step > 0:
            case.escalations += 1
            steps = escalation.escalate(case, route[step - 1], tier)
            yield from (steps if rec is None else rec.escalation(case, tier, steps))
        succeeds = step == last and solved_here
        duration_h = loop.handling_h(case, tier)
        if not succeeds:
            duration_h *= loop.attempt_fraction
        worker = yield from work(case, tier, duration_h)
        if rec is not None:
            rec.handled(case, tier, worker)
        case.tier_final = tier
    case.resolved = solved_here
    case.t_handled_h = env.now

    while True:
        if loop.verification is not None:
            ver_h = loop.verification()
            if rec is not None:
                rec.delay(case, VERIFY, ver_h)
            if ver_h > 0.0:
                yield env.timeout(ver_h)
        satisfied = loop.evaluate(case, env.now)
        if rec is not None:
            rec.evaluated(case, satisfied)
        if satisfied or not case.resolved or not loop.reopen(case):
            break
        case.reopened += 1  # not satisfied: the matter goes back to the tier that solved it
        if rec is not None:
            rec.reopened(case)
        worker = yield from work(case, case.tier_final, loop.handling_h(case, case.tier_final))
        if rec is not None:
            rec.handled(case, case.tier_final, worker)
        case.t_handled_h = env.now
    case.satisfied = satisfied
    case.t_closed_h = env.now
    if rec is not None:
        rec.closed(case)
    loop.close(case)
