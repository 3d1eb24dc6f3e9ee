"""Whistle escalation (吹哨报到): the street summons departments, who must report on site.

When a case leaves the street tier for a department (or several: a joint case), the street
blows the whistle if one of the three conditions of the Pinggu rules holds (docs/sources.md):

1. residents care strongly and the street cannot solve it alone — a "strong concern" judgement
   drawn per case at arrival, true with probability ``strong_concern_p``;
2. joint enforcement is needed (the street lacks the power) — the case needs several departments
   (``joint_enforcement``), or any department at all with ``all_department_cases``;
3. an emergency — the case's deadline class is in ``emergency_classes``.

Summoned departments are requested ahead of their own queues and must be on site within
``report_deadline_urgent_h`` (deadline classes in ``urgent_classes``; Pinggu: 30 minutes) or
``report_deadline_h`` otherwise. With ``enforce_deadline``, a summons still waiting when the team
must leave to be on time pulls a worker off an ordinary job (pre-empt-resume): the whistle's
cost falls on the department's own queue and shows in its workload (``whistle_h``). A joint case
starts when every summoned team is there, and they stay until it is done (事不完人不撤).
Escalations that are not whistled are transfers (转办), as in :mod:`sim.policies.transfer`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from pydantic import Field, PositiveFloat

from sim.policies.base import ParamProblem, register_escalation
from sim.policies.context import CaseView, Steps
from sim.policies.transfer import TransferEscalation, TransferParams
from sim.stochastic.distributions import Distribution

if TYPE_CHECKING:
    from sim.scenario.scenario import Scenario

WHISTLE_TIERS = ("department", "joint")


class WhistleParams(TransferParams):
    strong_concern_p: float = Field(
        0.3, ge=0.0, le=1.0,
        description="[est] share of department-bound cases residents care strongly about")
    joint_enforcement: bool = Field(True, description="whistle for cases needing several "
                                                      "departments (joint enforcement)")
    all_department_cases: bool = Field(False, description="whistle for every case the street "
                                                          "passes to a department")
    emergency_classes: list[str] = Field(default_factory=lambda: ["emergency"],
                                         description="deadline classes that are emergencies")
    urgent_classes: list[str] | None = Field(
        None, description="deadline classes with the urgent report deadline "
        "(default: emergency_classes)")
    report_deadline_urgent_h: PositiveFloat = Field(0.5, description="Pinggu: 30 minutes")
    report_deadline_h: PositiveFloat = Field(24.0, description="[est] non-urgent whistles")
    enforce_deadline: bool = Field(
        True, description="pre-empt an ordinary job when a summons would otherwise be late")
    whistle_delay: Distribution | None = Field(
        None, description="hours from the decision to the summons (None: at once)")


@register_escalation
class WhistleEscalation(TransferEscalation):
    """吹哨报到: the street whistles, the summoned departments must be on site within a
    deadline and stay until the matter is done; other escalations are transfers."""

    name = "whistle"
    Params = WhistleParams
    params: WhistleParams

    @classmethod
    def scenario_problems(cls, params: WhistleParams, scenario: Scenario) -> list[ParamProblem]:
        """Deadline classes named explicitly must exist (the default ``emergency`` may not)."""
        known = set(scenario.deadline_classes)
        problems: list[ParamProblem] = []
        for field in ("emergency_classes", "urgent_classes"):
            if field not in params.model_fields_set:
                continue
            for name in getattr(params, field) or []:
                if name not in known:
                    problems.append(((field,), f"unknown deadline class {name!r}; known: "
                                               f"{sorted(known)}"))
        return problems

    def setup(self) -> None:
        super().setup()
        ctx = self.ctx
        p = self.params
        problems = self.scenario_problems(p, ctx.scenario)
        if problems:
            raise ValueError(f"whistle: {problems[0][1]}")
        urgent = p.urgent_classes if p.urgent_classes is not None else p.emergency_classes
        classes = ctx.deadline_class_names
        self._emergency = [c in p.emergency_classes for c in classes]
        self._deadline_h = [p.report_deadline_urgent_h if c in urgent else p.report_deadline_h
                            for c in classes]
        self._whistle_delay = (
            p.whistle_delay.sampler(ctx.streams.generator("escalation", "whistle_delay"))
            if p.whistle_delay is not None else None)
        if p.enforce_deadline:
            ctx.enable_preemption({"department"})

    def should_whistle(self, case: CaseView, to_tier: str) -> bool:
        """The three conditions (docs/sources.md) for a case leaving the street for ``to_tier``."""
        p = self.params
        return (
            p.all_department_cases
            or (to_tier == "joint" and p.joint_enforcement)
            or self._emergency[case.category]
            or case.concern_u < p.strong_concern_p
        )

    def escalate(self, case: CaseView, from_tier: str, to_tier: str) -> Steps:
        delay_h = self._delay()  # drawn always: transfers see the same delays as under transfer
        env = self.ctx.env
        if from_tier == "street" and to_tier in WHISTLE_TIERS and self.should_whistle(case,
                                                                                     to_tier):
            case.whistled = True
            if self._whistle_delay is not None:
                wait_h = self._whistle_delay()
                if wait_h > 0.0:
                    yield env.timeout(wait_h)
            case.t_whistle_h = env.now
            case.report_due_h = env.now + self._deadline_h[case.category]
            return
        if delay_h > 0.0:
            yield env.timeout(delay_h)

    def work(self, case: CaseView, tier: str, duration_h: float) -> Steps:
        # returns the loop's generator itself (no generator of its own): one frame less on
        # every resume of the case's work, which the workflow drives with ``yield from``
        if case.whistled and tier in WHISTLE_TIERS and math.isnan(case.report_h):
            return self.ctx.work(case, tier, duration_h, priority=True,
                                 report_due_h=case.report_due_h)
        return self.ctx.work(case, tier, duration_h)
