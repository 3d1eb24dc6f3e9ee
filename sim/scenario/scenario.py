"""Scenario files (情景文件): the typed, validated description of an area and its rules.

A scenario is YAML with ``version: 1``. The models of its parts live beside this module
(:mod:`~sim.scenario.base`, :mod:`~sim.scenario.organisation`, :mod:`~sim.scenario.channels`,
:mod:`~sim.scenario.closed_loop`); field checks live on the models, cross-references (a category
owned by a department that does not exist, a grid in no street …) in :mod:`sim.scenario.checks`,
so that *every* problem in a file can be reported at once.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

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
from sim.scenario.sections import registered_sections, registered_terms, reserve_keys

#: the closed loop's parts that a file without another workflow's section must give
CLOSED_LOOP_KEYS = ("arrivals", "categories")


class Scenario(Strict):
    """A whole scenario file (version 1).

    The closed loop runs when the file gives ``arrivals`` and ``categories``; both are required
    unless the file holds another workflow's section (:mod:`sim.scenario.sections`), which is
    validated with the rest and read with :meth:`section`.
    """

    version: Literal[1]
    name: Identifier
    description: str = ""
    calendar: CalendarSpec
    shifts: dict[str, ShiftPattern] = Field(default_factory=dict)
    organisation: Organisation
    arrivals: Arrivals | None
    deadline_classes: dict[str, DeadlineClass] = Field(default_factory=default_deadline_classes)
    categories: list[Category] | None = Field(min_length=1)
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

    _sections: dict[str, Any] = PrivateAttr(default_factory=dict)

    @model_validator(mode="wrap")
    @classmethod
    def _with_sections(cls, data: Any, handler: ModelWrapValidatorHandler[Scenario]) -> Scenario:
        """Validate registered workflow sections beside the file's own fields."""
        if not isinstance(data, dict):
            return handler(data)
        known = registered_sections()
        given = {key: value for key, value in data.items() if key in known}
        own = {key: value for key, value in data.items() if key not in known}
        if given and not any(key in own for key in CLOSED_LOOP_KEYS):
            own.update(dict.fromkeys(CLOSED_LOOP_KEYS))  # another workflow only: no closed loop
        errors: list[InitErrorDetails] = []
        sections: dict[str, Any] = {}
        for key, value in given.items():
            try:
                sections[key] = known[key].model.model_validate(value)
            except ValidationError as exc:
                errors.extend(_prefixed(exc, (key,)))
        try:
            scenario = handler(own)
        except ValidationError as exc:
            if not errors:
                raise
            errors[:0] = _prefixed(exc, ())
            raise ValidationError.from_exception_data(cls.__name__, errors) from None
        if not errors:
            errors = _closed_loop_problems(scenario, bool(given))
        if errors:
            raise ValidationError.from_exception_data(cls.__name__, errors)
        scenario._sections = sections
        return scenario

    @model_serializer(mode="wrap")
    def _dump_sections(self, handler: SerializerFunctionWrapHandler,
                       info: SerializationInfo) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        for key, section in self._sections.items():
            data[key] = section.model_dump(mode=info.mode)
        return data

    @property
    def has_closed_loop(self) -> bool:
        """Whether the closed loop runs (the file gives arrivals and categories)."""
        return self.arrivals is not None and self.categories is not None

    def section(self, key: str) -> Any:
        """The validated section ``key`` of another workflow, or None if the file has none."""
        return self._sections.get(key)

    @property
    def section_keys(self) -> list[str]:
        """Keys of the workflow sections this file gives."""
        return list(self._sections)

    def policy_spec(self, dispatch: str | None = None, escalation: str | None = None,
                    workflow: tuple[str, ...] = ()) -> PolicySpec:
        """The policy pair to run, with parameters resolved.

        ``None`` means the scenario's own policy on that axis. Parameters: ``policy_params[name]``,
        updated by the scenario's ``policy.<axis>.params`` when ``name`` is the scenario's own.
        ``workflow``: policy terms of the other workflows (:mod:`sim.scenario.sections`); a
        workflow the terms do not mention runs the terms its own section chooses.
        """

        def choice(own: PolicyChoice, name: str | None) -> PolicyChoice:
            name = own.name if name is None else name
            params = dict(self.policy_params.get(name, {}))
            if name == own.name:
                params.update(own.params)
            return PolicyChoice(name=name, params=params)

        spec = PolicySpec(dispatch=choice(self.policy.dispatch, dispatch),
                          escalation=choice(self.policy.escalation, escalation))
        return spec.for_workflows(self._workflow_terms(workflow), self.has_closed_loop)

    def _workflow_terms(self, given: tuple[str, ...]) -> tuple[str, ...]:
        """``given`` plus, for each section ``given`` says nothing about, its own terms."""
        owner = registered_terms()
        named = {owner[t].key for t in given if t in owner}
        terms = list(given)
        for key, section in registered_sections().items():
            if key in self._sections and key not in named and section.own_terms is not None:
                terms.extend(section.own_terms(self._sections[key]))
        return tuple(terms)

    def shift(self, name: str) -> ShiftPattern:
        """A shift by name; ``always`` (24/7) and ``office`` exist unless redefined."""
        if name in self.shifts:
            return self.shifts[name]
        return BUILTIN_SHIFTS[name]


reserve_keys(Scenario.model_fields)


def _prefixed(exc: ValidationError, prefix: tuple[str | int, ...]) -> list[InitErrorDetails]:
    """The errors of ``exc`` with ``prefix`` in front of their locations (types and messages
    kept, so the loader words them as it words every other error)."""
    return [
        InitErrorDetails(type=PydanticCustomError(err["type"], err["msg"], err.get("ctx")),
                         loc=(*prefix, *err["loc"]), input=err["input"])
        for err in exc.errors(include_url=False)
    ]


def _closed_loop_problems(scenario: Scenario, other_workflow: bool) -> list[InitErrorDetails]:
    """``arrivals`` and ``categories`` come together; without them, another workflow must run."""
    missing = [key for key in CLOSED_LOOP_KEYS if getattr(scenario, key) is None]
    if not missing:
        return []
    if len(missing) == len(CLOSED_LOOP_KEYS) and other_workflow:
        return []
    message = ("the closed loop needs both arrivals and categories" if len(missing) == 1
               else "nothing to simulate: give arrivals and categories (the closed loop) or a "
                    "workflow's section")
    return [InitErrorDetails(type=PydanticCustomError("closed_loop", message), loc=(key,),
                             input=None) for key in missing]
