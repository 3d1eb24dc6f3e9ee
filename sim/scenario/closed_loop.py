"""The closed loop's part of a scenario file: deadlines (接诉即办), categories of matters, the
escalation ladder, the pure-delay stages, evaluation, flare-ups and the policy choice.

The closed loop is the built-in workflow: its section is the top level of a version-1 file.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PrivateAttr,
    field_validator,
    model_validator,
)

from sim.scenario.base import Deadline, Identifier, Probability, Strict
from sim.stochastic.distributions import Distribution

#: Unit kinds that can hold a case, lowest first; the escalation ladder is a subsequence.
TIER_KINDS = ("grid", "community", "street", "department", "joint")


class DeadlineClass(Strict):
    """Response and closure deadlines of one class (emergency, utilities, general, complex)."""

    response: Deadline
    close: Deadline


def default_deadline_classes() -> dict[str, DeadlineClass]:
    """Beijing 12345 defaults (docs/sources.md): 2 h / 24 h / 7 days / 15 days feedback."""

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
    name: str = ""
    name_zh: str = ""
    share: NonNegativeFloat
    deadline_class: str = "general"
    entry: Literal["grid", "community", "street", "department", "joint", "solvable"] | None = Field(
        None, description="first tier dispatched to; default the ladder's first tier; solvable: "
        "each case straight to the tier that solves it (the catalogue knows where it belongs)"
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


def _default_ladder() -> list[Literal["grid", "community", "street", "department", "joint"]]:
    return ["grid", "street", "department", "joint"]


class Escalation(Strict):
    """The escalation ladder (grid → community → street → department) and its rules."""

    ladder: list[Literal["grid", "community", "street", "department", "joint"]] = Field(
        default_factory=_default_ladder, min_length=1
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
    # set by the run from the label and the scenario, never read from a file
    _workflow: tuple[str, ...] = PrivateAttr(default=())
    _closed_loop: bool = PrivateAttr(default=True)

    @property
    def workflow(self) -> tuple[str, ...]:
        """Policy terms of the other workflows (``one_window``, ``parallel`` …), label order."""
        return self._workflow

    @property
    def closed_loop(self) -> bool:
        """Whether the closed loop runs (its two names lead the label)."""
        return self._closed_loop

    def for_workflows(self, workflow: tuple[str, ...], closed_loop: bool) -> PolicySpec:
        """This pair with other workflows' terms, for a scenario that runs them."""
        spec = self.model_copy()
        spec._workflow = tuple(workflow)
        spec._closed_loop = closed_loop
        return spec

    @property
    def label(self) -> str:
        names = [self.dispatch.name, self.escalation.name] if self._closed_loop else []
        return "+".join([*names, *self._workflow])
