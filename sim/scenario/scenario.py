"""Scenario files (情景文件): the typed, validated description of an area and its rules.

A scenario is YAML with ``version: 1``. The models of its parts live beside this module
(:mod:`~sim.scenario.base`, :mod:`~sim.scenario.organisation`, :mod:`~sim.scenario.channels`,
:mod:`~sim.scenario.closed_loop`); field checks live on the models, cross-references (a category
owned by a department that does not exist, a grid in no street …) in :mod:`sim.scenario.checks`,
so that *every* problem in a file can be reported at once.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from sim.scenario.base import BUILTIN_SHIFTS, CalendarSpec, Identifier, ShiftPattern, Strict, Travel
from sim.scenario.channels import Arrivals
from sim.scenario.closed_loop import (
    Category,
    DeadlineClass,
    Escalation,
    Evaluation,
    Flareup,
    PolicyChoice,
    PolicySpec,
    Stage,
    default_deadline_classes,
)
from sim.scenario.organisation import Organisation


class Scenario(Strict):
    """A whole scenario file (version 1)."""

    version: Literal[1]
    name: Identifier
    description: str = ""
    calendar: CalendarSpec
    shifts: dict[str, ShiftPattern] = Field(default_factory=dict)
    organisation: Organisation
    arrivals: Arrivals
    deadline_classes: dict[str, DeadlineClass] = Field(default_factory=default_deadline_classes)
    categories: list[Category] = Field(min_length=1)
    escalation: Escalation = Field(default_factory=Escalation)
    travel: Travel = Field(default_factory=Travel)
    registration: Stage | None = None
    verification: Stage | None = None
    evaluation: Evaluation | None = Field(default_factory=Evaluation)
    flareup: Flareup | None = Field(default_factory=Flareup)
    policy: PolicySpec = Field(default_factory=PolicySpec)
    policy_params: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="parameters per policy name (algorithmic, whistle …), used whenever that "
        "policy runs, e.g. in `govsim compare`; `policy.*.params` of the scenario's own policy "
        "override them key by key",
    )

    def policy_spec(self, dispatch: str | None = None, escalation: str | None = None) -> PolicySpec:
        """The policy pair to run, with parameters resolved.

        ``None`` means the scenario's own policy on that axis. Parameters: ``policy_params[name]``,
        updated by the scenario's ``policy.<axis>.params`` when ``name`` is the scenario's own.
        """

        def choice(own: PolicyChoice, name: str | None) -> PolicyChoice:
            name = own.name if name is None else name
            params = dict(self.policy_params.get(name, {}))
            if name == own.name:
                params.update(own.params)
            return PolicyChoice(name=name, params=params)

        return PolicySpec(dispatch=choice(self.policy.dispatch, dispatch),
                          escalation=choice(self.policy.escalation, escalation))

    def shift(self, name: str) -> ShiftPattern:
        """A shift by name; ``always`` (24/7) and ``office`` exist unless redefined."""
        if name in self.shifts:
            return self.shifts[name]
        return BUILTIN_SHIFTS[name]
