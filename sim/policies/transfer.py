"""Transfer escalation (转办, the baseline): what a tier cannot solve is forwarded upwards.

After ``transfer_delay`` the case joins the next tier's ordinary queue, first come first served.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from sim.policies.base import EscalationPolicy, register_escalation
from sim.policies.context import CaseView, Steps
from sim.stochastic.distributions import Deterministic, Distribution


class TransferParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    transfer_delay: Distribution = Field(
        default_factory=lambda: Deterministic(value_h=24.0),
        description="[est] hours between a tier giving up and the next tier receiving the case",
    )


@register_escalation
class TransferEscalation(EscalationPolicy):
    """Transfer (转办): what a tier cannot solve waits in the next tier's ordinary queue after a
    forwarding delay."""

    name = "transfer"
    Params = TransferParams
    params: TransferParams

    def setup(self) -> None:
        self._delay = self.params.transfer_delay.sampler(
            self.ctx.streams.generator("escalation", "transfer_delay")
        )

    def escalate(self, case: CaseView, from_tier: str, to_tier: str) -> Steps:
        delay_h = self._delay()
        if delay_h > 0.0:
            yield self.ctx.env.timeout(delay_h)
