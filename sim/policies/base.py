"""The two policy interfaces and their registry.

Dispatch (派单) and escalation (升级) are independent axes: a run combines one of each, written
``dispatch+escalation`` (``manual+transfer``). A policy is a small class with a ``name``, a
pydantic ``Params`` model for its parameters, and generator methods that the case workflow
(:mod:`sim.closed_loop`) drives with ``yield from``. Register a new one with
:func:`register_dispatch` / :func:`register_escalation`; see docs/policies.md.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

if TYPE_CHECKING:
    from sim.closed_loop import Case
    from sim.model import Model

Steps = Generator[Any, Any, Any]


class NoParams(BaseModel):
    """A policy without parameters."""

    model_config = ConfigDict(extra="forbid")


class DispatchPolicy:
    """Sends a registered case to the unit at its entry tier (派遣).

    ``dispatch`` may take time (a desk, triage) and may misroute (the wrong unit returns the order,
    退单, and it is dispatched again). ``setup`` may install a worker-picking rule or a queue order
    on the model's teams.
    """

    name: ClassVar[str] = ""
    Params: ClassVar[type[BaseModel]] = NoParams

    def __init__(self, model: Model, params: BaseModel):
        self.model = model
        self.params = params

    def setup(self) -> None:
        """Called once after the organisation is built, before the run."""

    def dispatch(self, case: Case) -> Steps:
        """Route the case; must set ``case.t_dispatched_h`` when the decision is made."""
        raise NotImplementedError
        yield  # pragma: no cover


class EscalationPolicy:
    """Moves a case from a tier that could not solve it to the next one (转办 / 吹哨)."""

    name: ClassVar[str] = ""
    Params: ClassVar[type[BaseModel]] = NoParams

    def __init__(self, model: Model, params: BaseModel):
        self.model = model
        self.params = params

    def setup(self) -> None:
        """Called once after the organisation is built, before the run."""

    def escalate(self, case: Case, from_tier: str, to_tier: str) -> Steps:
        """Whatever happens between a failed tier and the next (a transfer delay …)."""
        raise NotImplementedError
        yield  # pragma: no cover

    def work(self, case: Case, tier: str, duration_h: float) -> Steps:
        """Handle the case at ``tier`` for ``duration_h`` hands-on hours (default: the queue)."""
        yield from self.model.work(case, tier, duration_h)


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
    the default escalation ``transfer``."""
    parts = [p.strip() for p in label.split("+")]
    if len(parts) == 1 and parts[0]:
        return parts[0], "transfer"
    if len(parts) != 2 or not all(parts):
        raise ValueError(f"policy {label!r} must look like 'dispatch+escalation'")
    return parts[0], parts[1]


def policy_problems(dispatch: str, d_params: dict[str, Any], escalation: str,
                    e_params: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    """Check names and parameters; returns ``(path, message)`` pairs (path from ``policy``)."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    for axis, registry, name, params in (
        ("dispatch", DISPATCH, dispatch, d_params),
        ("escalation", ESCALATION, escalation, e_params),
    ):
        if name not in registry:
            message = f"unknown {axis} policy {name!r}; known: {sorted(registry)}"
            problems.append((("policy", axis, "name"), message))
            continue
        try:
            registry[name].Params.model_validate(params)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                msg = err["msg"].removeprefix("Value error, ")
                if err["type"] == "extra_forbidden":
                    msg = "unknown parameter"
                problems.append((("policy", axis, "params", *err["loc"]), msg))
    return problems
