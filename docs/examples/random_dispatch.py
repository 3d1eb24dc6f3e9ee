"""Worked example for docs/policies.md: a dispatch policy in a few dozen lines.

``random_worker`` sends every order at once (after an optional fixed delay) to the unit the
dispatch catalogue names, and inside each unit a uniformly random free worker takes it. It is a
deliberately naive baseline: good for checking that a smarter rule beats chance.

Use it with ``GOVSIM_PLUGINS=random_dispatch PYTHONPATH=docs/examples govsim run
scenarios/beijing_street.yaml --policy random_worker+transfer``.
"""

from __future__ import annotations

from collections import deque

from pydantic import BaseModel, ConfigDict, Field

from sim.model.team import Worker
from sim.policies import DispatchPolicy, register_dispatch
from sim.policies.context import CaseView, Steps


class RandomWorkerParams(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a typo in the scenario must be an error

    delay_h: float = Field(0.0, ge=0.0, description="fixed hours from registration to dispatch")


@register_dispatch
class RandomWorkerDispatch(DispatchPolicy):
    """Dispatch at once; a uniformly random free worker of the unit takes the case."""

    name = "random_worker"
    Params = RandomWorkerParams
    params: RandomWorkerParams

    def setup(self) -> None:
        draw = self.ctx.streams.uniform("dispatch", "random_worker")  # a named stream

        def pick(free: deque[Worker], case: CaseView) -> Worker:
            return free[int(draw() * len(free))]

        self.ctx.units.set_worker_pick(pick)  # grid, community, street and department units

    def dispatch(self, case: CaseView) -> Steps:
        env = self.ctx.env
        if self.params.delay_h > 0.0:  # zero-duration stages schedule no event
            yield env.timeout(self.params.delay_h)
        case.mark_dispatched(env.now)
