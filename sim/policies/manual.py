"""Manual dispatch (人工派单): a desk of human dispatchers reads, classifies and sends each order.

Each order waits for a dispatcher on shift (``organisation.dispatch_desk``), takes a triage time,
and is sent to the unit the dispatch catalogue names. With probability ``misroute_p`` it goes to a
wrong unit, which returns it (退单) after ``return_delay``; it then queues at the desk again.
Inside the unit, work is taken first come first served by whoever is free (``queue_order`` may
change the order of the units' queues: ``risk_priority`` is this policy with risk-first queues).
Without a dispatch desk in the scenario the decision is instantaneous (useful for textbook
reductions).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy
from pydantic import Field

from sim.policies.base import DispatchPolicy, register_dispatch
from sim.policies.context import CaseView, Steps
from sim.policies.queues import QueueOrder, QueueOrderParams, install_queue_order
from sim.stochastic.distributions import Deterministic, Distribution


class ManualParams(QueueOrderParams):
    misroute_p: float = Field(0.05, ge=0.0, lt=1.0, description="[est] share sent to a wrong unit")
    return_delay: Distribution = Field(
        default_factory=lambda: Deterministic(value_h=4.0),
        description="hours until the wrong unit returns the order (退单)",
    )


@register_dispatch
class ManualDispatch(DispatchPolicy):
    """Manual dispatch (人工派单): a desk in shifts triages each order; some go to the wrong unit
    and come back (退单)."""

    name = "manual"
    Params = ManualParams
    params: ManualParams
    _instant = False  # set by setup()

    def setup(self) -> None:
        ctx = self.ctx
        self._misroute = ctx.streams.uniform("dispatch", "misroute")
        self._return_delay = self.params.return_delay.sampler(
            ctx.streams.generator("dispatch", "return_delay")
        )
        desk = ctx.scenario.organisation.dispatch_desk
        self._triage = (
            desk.triage_time.sampler(ctx.streams.generator("dispatch", "triage"))
            if desk is not None and desk.triage_time is not None
            else None
        )
        install_queue_order(ctx, self.params.queue_order, self.params.classifier)
        #: no desk and no misroutes: the decision is made on the spot (textbook reductions)
        self._instant = desk is None and self.params.misroute_p == 0.0

    def dispatch(self, case: CaseView) -> Steps:
        if self._instant:  # decided on the spot, once: no misroute brings the case back here
            case.t_dispatched_h = self.ctx.env.now
            return ()  # no generator to make for a step that takes no time
        return self._through_desk(case)

    def _through_desk(self, case: CaseView) -> Generator[simpy.Event, Any, None]:
        """The desk's steps: queue for a dispatcher, triage, and a misroute's way back."""
        ctx = self.ctx
        env = ctx.env
        desk = ctx.units.dispatch_desk
        p = self.params.misroute_p
        while True:
            if desk is not None:
                dispatcher = desk.try_acquire(case)
                if dispatcher is None:
                    dispatcher = yield desk.request(case)
                if self._triage is not None:
                    triage_h = self._triage()
                    if triage_h > 0.0:
                        yield env.timeout(triage_h)
                desk.release(dispatcher)
            case.mark_dispatched(env.now)
            if p > 0.0 and self._misroute() < p:
                case.misroutes += 1
                delay_h = self._return_delay()
                if delay_h > 0.0:
                    yield env.timeout(delay_h)
                ctx.record(case, "退单")  # the wrong unit hands it back (event log only)
                continue
            return


class RiskPriorityParams(ManualParams):
    queue_order: QueueOrder = Field("risk", description="risk: predicted high-risk cases first")


@register_dispatch
class RiskPriorityDispatch(ManualDispatch):
    """Manual dispatch whose units serve predicted high-risk cases first (风险优先).

    The essays' petition-risk model: a classifier of configurable quality (``classifier.auc`` or
    ``tpr``/``fpr``) scores each case; units serve flagged cases before the others, FIFO within
    each class. Compare with ``manual`` (FIFO) on flare-ups and on the waits of low-risk cases.
    """

    name = "risk_priority"
    Params = RiskPriorityParams
