"""The two policy interfaces and their registry.

Dispatch (派单) and escalation (升级) are independent axes: a run combines one of each, written
``dispatch+escalation`` (``manual+transfer``). A policy is a small class with a ``name``, a
pydantic ``Params`` model for its parameters, and generator methods that the closed loop
(:mod:`sim.workflows.closed_loop`) drives with ``yield from``. A policy sees the loop through
``self.ctx`` (:class:`~sim.policies.context.PolicyContext`) and cases through
:class:`~sim.policies.context.CaseView`. Register a new one with :func:`register_dispatch` /
:func:`register_escalation`; check it with :mod:`sim.policies.checks`; see docs/policies.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from sim.policies.context import CaseView, PolicyContext, Steps
from sim.scenario.loader import clean_message, doc_path
from sim.scenario.sections import registered_terms
from sim.scenario.suggest import did_you_mean, field_hint

if TYPE_CHECKING:
    import simpy

    from sim.model.team import Team, Worker
    from sim.scenario.scenario import Scenario

#: (location inside the parameters, message)
ParamProblem = tuple[tuple[str | int, ...], str]
#: a dispatch policy's own choice of worker: ``acquire(case, tier, team)`` → a worker already
#: assigned, or an event that succeeds with one
Acquire = Callable[[CaseView, str, "Team"], "Worker | simpy.Event"]


class NoParams(BaseModel):
    """A policy without parameters."""

    model_config = ConfigDict(extra="forbid")


class DispatchPolicy:
    """Sends a registered case to the unit at its entry tier (派遣).

    ``dispatch`` may take time (a desk, triage) and may misroute (the wrong unit returns the order,
    退单, and it is dispatched again). ``setup`` may install a worker-picking rule
    (``ctx.units.set_worker_pick``) or a queue order (``ctx.units.set_queue_order``).

    A policy that assigns cases to specific workers itself (across units, or in batches) defines
    ``acquire(case, tier, team)``: called whenever a case needs the lead worker of ``team`` at
    ``tier`` from the ordinary queue (summonses never go through it), it returns a
    :class:`~sim.model.team.Worker` already assigned (``team.take`` / ``team.try_acquire``) or an
    event that succeeds with one. Leave it ``None`` for the units' own queues.
    """

    name: ClassVar[str] = ""
    Params: ClassVar[type[BaseModel]] = NoParams
    acquire: Acquire | None = None

    def __init__(self, ctx: PolicyContext, params: BaseModel):
        self.ctx = ctx
        self.params = params

    def setup(self) -> None:
        """Called once after the organisation is built, before the run."""

    @classmethod
    def scenario_problems(cls, params: Any, scenario: Scenario) -> list[ParamProblem]:
        """Problems of valid ``params`` in ``scenario`` (names that must exist in it …), found
        by ``govsim validate`` before any run."""
        return []

    def dispatch(self, case: CaseView) -> Steps:
        """Route the case; must call ``case.mark_dispatched(now)`` when the decision is made."""
        raise NotImplementedError
        yield  # pragma: no cover


class EscalationPolicy:
    """Moves a case from a tier that could not solve it to the next one (转办 / 吹哨)."""

    name: ClassVar[str] = ""
    Params: ClassVar[type[BaseModel]] = NoParams

    def __init__(self, ctx: PolicyContext, params: BaseModel):
        self.ctx = ctx
        self.params = params

    def setup(self) -> None:
        """Called once after the organisation is built, before the run."""

    @classmethod
    def scenario_problems(cls, params: Any, scenario: Scenario) -> list[ParamProblem]:
        """Problems of valid ``params`` in ``scenario``, found by ``govsim validate``."""
        return []

    def escalate(self, case: CaseView, from_tier: str, to_tier: str) -> Steps:
        """Whatever happens between a failed tier and the next (a transfer delay …)."""
        raise NotImplementedError
        yield  # pragma: no cover

    def work(self, case: CaseView, tier: str, duration_h: float) -> Steps:
        """Handle the case at ``tier`` for ``duration_h`` hands-on hours (default: the queue)."""
        return self.ctx.work(case, tier, duration_h)


DISPATCH: dict[str, type[DispatchPolicy]] = {}
ESCALATION: dict[str, type[EscalationPolicy]] = {}

D = TypeVar("D", bound=type[DispatchPolicy])
E = TypeVar("E", bound=type[EscalationPolicy])


def register_dispatch(cls: D) -> D:
    """Class decorator: make a dispatch policy selectable by its ``name``."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} needs a non-empty 'name'")
    DISPATCH[cls.name] = cls
    return cls


def register_escalation(cls: E) -> E:
    """Class decorator: make an escalation policy selectable by its ``name``."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} needs a non-empty 'name'")
    ESCALATION[cls.name] = cls
    return cls


def parse_label(label: str) -> tuple[str, str]:
    """``"manual+transfer"`` → ``("manual", "transfer")``; one name means that dispatch with
    the default escalation ``transfer``. Other workflows' terms (:func:`workflow_terms`) are
    left out: ``"manual+transfer+one_window"`` → ``("manual", "transfer")``."""
    terms = registered_terms()
    parts = [p.strip() for p in label.split("+")]
    closed_loop = [p for p in parts if p not in terms]
    if len(closed_loop) == 1 and closed_loop[0]:
        return closed_loop[0], "transfer"
    if len(closed_loop) != 2 or not all(closed_loop):
        raise ValueError(f"policy {label!r} must look like 'dispatch+escalation'")
    return closed_loop[0], closed_loop[1]


def split_label(label: str) -> tuple[str | None, str | None, tuple[str, ...]]:
    """A label → (dispatch, escalation, other workflows' terms); a label of terms only
    (``one_window+parallel``) leaves the closed loop's axes None (the scenario's own)."""
    terms = workflow_terms(label)
    if len(terms) == len(label.split("+")) and terms:
        return None, None, terms
    dispatch, escalation = parse_label(label)
    return dispatch, escalation, terms


def workflow_terms(label: str) -> tuple[str, ...]:
    """The names in ``label`` that other workflows registered (``one_window``, ``parallel``)."""
    terms = registered_terms()
    return tuple(p for p in (p.strip() for p in label.split("+")) if p in terms)


def terms_problems(terms: tuple[str, ...]) -> list[str]:
    """Problems of a combination of workflow terms, as each owning section judges it."""
    owners = registered_terms()
    problems: list[str] = []
    for section in {owners[t].key: owners[t] for t in terms}.values():
        if section.check_terms is not None:
            problems.extend(section.check_terms(tuple(t for t in terms
                                                      if owners[t].key == section.key)))
    return problems


def params_problems(name: str, params: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    """Check ``params`` for the policy ``name`` (either axis): for ``policy_params`` entries.

    Paths are relative to the entry (``("misroute_p",)``); an unknown name gives one problem
    with an empty path.
    """
    cls = DISPATCH.get(name) or ESCALATION.get(name)
    if cls is None:
        known = sorted(set(DISPATCH) | set(ESCALATION))
        return [((), f"unknown policy {name!r}{did_you_mean(name, known)}; known: {known}")]
    if not isinstance(params, dict):
        return [((), "parameters must be a mapping")]
    return _validate(cls, params)


def _validate(cls: type[Any], params: dict[str, Any],
              scenario: Scenario | None = None) -> list[ParamProblem]:
    problems: list[ParamProblem] = []
    try:
        validated = cls.Params.model_validate(params)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            msg = (f"unknown parameter{field_hint(cls.Params, tuple(err['loc']))}"
                   if err["type"] == "extra_forbidden" else clean_message(err))
            problems.append((doc_path(params, err["loc"]), msg))
        return problems
    if scenario is not None:
        problems.extend(cls.scenario_problems(validated, scenario))
    return problems


def choice_problems(axis: str, name: str, params: dict[str, Any],
                    scenario: Scenario | None = None) -> list[ParamProblem]:
    """Problems of running policy ``name`` on ``axis`` with ``params`` (in ``scenario``).

    An unknown name gives one problem located at ``("name",)``; parameter problems are located
    at ``("params", key, …)``.
    """
    registry = DISPATCH if axis == "dispatch" else ESCALATION
    if name not in registry:
        return [(("name",), f"unknown {axis} policy {name!r}{did_you_mean(name, registry)}; "
                            f"known: {sorted(registry)}")]
    return [(("params", *loc), msg) for loc, msg in _validate(registry[name], params, scenario)]


def policy_problems(dispatch: str, d_params: dict[str, Any], escalation: str,
                    e_params: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    """Check names and parameters; returns ``(path, message)`` pairs (path from ``policy``)."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    for axis, registry, name, params in (
        ("dispatch", DISPATCH, dispatch, d_params),
        ("escalation", ESCALATION, escalation, e_params),
    ):
        if name not in registry:
            message = (f"unknown {axis} policy {name!r}{did_you_mean(name, registry)}; "
                       f"known: {sorted(registry)}")
            problems.append((("policy", axis, "name"), message))
            continue
        for loc, msg in _validate(registry[name], params):
            problems.append((("policy", axis, "params", *loc), msg))
    return problems
