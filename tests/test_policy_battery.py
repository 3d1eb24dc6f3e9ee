"""The policy battery shipped in sim.policies.checks on every registered dispatch × escalation
pair, the algorithmic rules and options, and the worked example of docs/policies.md."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sim.model.team import Team
from sim.policies import DISPATCH, ESCALATION
from sim.policies.base import DispatchPolicy
from sim.policies.checks import CHECKS, check_policy, parametrize_with_checks, small_scenario
from sim.policies.context import CaseView, Steps
from sim.scenario.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]


def _load_example() -> type[DispatchPolicy]:
    """Import docs/examples/random_dispatch.py (the docs' code is what is tested)."""
    name = "random_dispatch"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, ROOT / "docs" / "examples" / "random_dispatch.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name].RandomWorkerDispatch


EXAMPLE = _load_example()
BUILT_IN_DISPATCH = ("manual", "risk_priority", "algorithmic")

#: algorithmic dispatch under each rule and option (parameters via policy_params)
ALGORITHMIC_VARIANTS = {
    "nearest": {"rule": "nearest"},
    "nearest-pool-edf": {"rule": "nearest", "grid_pool_radius_km": 0.6, "queue_order": "edf"},
    "least_loaded-pool": {"rule": "least_loaded", "grid_pool_radius_km": 0.6},
    "least_loaded-cases-risk": {"rule": "least_loaded", "load_measure": "cases",
                                "queue_order": "risk", "classifier": {"tpr": 0.7, "fpr": 0.1}},
    "skill": {"rule": "skill", "accuracy": 0.8},
    "batch_optimal": {"rule": "batch_optimal", "batch_interval_min": 10},
    "batch_optimal-pool": {"rule": "batch_optimal", "grid_pool_radius_km": 0.6,
                           "classify_time": {"dist": "exponential", "mean_h": 0.01}},
    "fcfs-coverage": {"rule": "fcfs", "coverage": 0.5},
}


def test_registry_has_the_built_ins() -> None:
    assert set(BUILT_IN_DISPATCH) <= set(DISPATCH)
    assert {"transfer", "whistle"} <= set(ESCALATION)
    assert EXAMPLE.name in DISPATCH


@parametrize_with_checks([(d, e) for d in sorted(DISPATCH) for e in sorted(ESCALATION)])
def test_battery_every_registered_pair(check: Callable[[], None]) -> None:
    check()


@parametrize_with_checks([(EXAMPLE, "whistle")])
def test_battery_takes_a_policy_class(check: Callable[[], None]) -> None:
    check()


def _with(**params: dict[str, Any]) -> Callable[[float], Scenario]:
    return lambda demand: small_scenario(demand, **params)


@pytest.mark.parametrize("escalation", ["transfer", "whistle"])
@pytest.mark.parametrize("variant", sorted(ALGORITHMIC_VARIANTS))
def test_battery_algorithmic_rules(variant: str, escalation: str) -> None:
    check_policy("algorithmic", escalation, _with(algorithmic=ALGORITHMIC_VARIANTS[variant]))


def test_battery_whistle_variants() -> None:
    """Whistle without deadline enforcement, every department case whistled, a whistle delay."""
    whistle = {"all_department_cases": True, "enforce_deadline": False,
               "whistle_delay": {"dist": "exponential", "mean_h": 0.2}}
    check_policy("manual", "whistle", _with(whistle=whistle))


class _Greedy(DispatchPolicy):
    """Grabs the first worker of a unit whether busy or not: a double assignment."""

    name = "greedy_broken"

    def setup(self) -> None:
        def acquire(case: CaseView, tier: str, team: Team) -> Any:
            if team.workers:
                worker = team.workers[0]
                worker.busy, worker.busy_since = True, team.env.now
                return worker
            return team.request(case)

        self.acquire = acquire

    def dispatch(self, case: CaseView) -> Steps:
        case.mark_dispatched(self.ctx.env.now)
        return ()


class _ZeroWait(DispatchPolicy):
    """Yields a zero-delay timeout for a step that takes no time."""

    name = "zero_wait_broken"

    def dispatch(self, case: CaseView) -> Steps:
        yield self.ctx.env.timeout(0.0)
        case.mark_dispatched(self.ctx.env.now)


class _OwnRandomness(DispatchPolicy):
    """Draws from the arrival streams (a stream that is not its own): breaks CRN."""

    name = "own_randomness_broken"

    def setup(self) -> None:
        self._u = self.ctx.streams.uniform("category", "hotline")

    def dispatch(self, case: CaseView) -> Steps:
        self._u()
        case.mark_dispatched(self.ctx.env.now)
        return ()


@pytest.mark.parametrize(("broken", "check"), [
    (_Greedy, r"\[no_double_assignment\]"),
    (_ZeroWait, r"\[zero_duration_no_event\]"),
    (_OwnRandomness, r"\[common_random_numbers\]"),
])
def test_battery_catches_a_broken_policy(broken: type[DispatchPolicy], check: str) -> None:
    DISPATCH[broken.name] = broken
    try:
        with pytest.raises(AssertionError, match=check):
            check_policy(broken.name, "transfer", small_scenario)
    finally:
        del DISPATCH[broken.name]


def test_battery_catches_params_that_accept_anything() -> None:
    from pydantic import BaseModel

    class Lax(BaseModel):  # extra keys are ignored, not errors
        rate: float = 1.0

    class LaxDispatch(_Greedy):
        name = "lax_broken"
        Params = Lax

    DISPATCH[LaxDispatch.name] = LaxDispatch
    try:
        with pytest.raises(AssertionError, match=r"\[params_forbid_unknown\]"):
            check_policy(LaxDispatch.name, "transfer", small_scenario)
    finally:
        del DISPATCH[LaxDispatch.name]


def test_checks_are_named() -> None:
    assert [c.__name__ for c in CHECKS] == [
        "check_params_forbid_unknown", "check_invariants", "check_deterministic",
        "check_zero_demand", "check_zero_team", "check_overload",
        "check_zero_duration_no_event", "check_common_random_numbers"]


def test_the_docs_show_the_example_as_it_is() -> None:
    """docs/policies.md quotes docs/examples/random_dispatch.py, which is what is tested."""
    docs = (ROOT / "docs" / "policies.md").read_text(encoding="utf-8")
    block = docs.split("### Worked example")[1].split("```python\n")[1].split("```")[0]
    source = (ROOT / "docs" / "examples" / "random_dispatch.py").read_text(encoding="utf-8")
    assert block.strip() == source[source.index("from collections import deque"):].strip()
