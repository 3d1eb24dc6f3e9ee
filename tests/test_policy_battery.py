"""The shared policy battery (tests/policy_battery.py) on every registered dispatch × escalation
pair, the algorithmic rules and options, and the worked example of docs/policies.md."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from policy_battery import CHECKS, check_policy, small_scenario

from sim.policies import DISPATCH, ESCALATION

ROOT = Path(__file__).resolve().parents[1]


def _load_example() -> str:
    """Import docs/examples/random_dispatch.py (the docs' code is what is tested)."""
    name = "random_dispatch"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, ROOT / "docs" / "examples" / "random_dispatch.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name].RandomWorkerDispatch.name


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
    assert EXAMPLE in DISPATCH


@pytest.mark.parametrize("escalation", sorted(ESCALATION))
@pytest.mark.parametrize("dispatch", sorted(DISPATCH))
def test_battery_every_registered_pair(dispatch: str, escalation: str) -> None:
    check_policy(dispatch, escalation, small_scenario)


@pytest.mark.parametrize("escalation", ["transfer", "whistle"])
@pytest.mark.parametrize("variant", sorted(ALGORITHMIC_VARIANTS))
def test_battery_algorithmic_rules(variant: str, escalation: str) -> None:
    params = ALGORITHMIC_VARIANTS[variant]
    check_policy("algorithmic", escalation, lambda: small_scenario(algorithmic=params))


def test_battery_whistle_variants() -> None:
    """Whistle without deadline enforcement, every department case whistled, a whistle delay."""
    whistle = {"all_department_cases": True, "enforce_deadline": False,
               "whistle_delay": {"dist": "exponential", "mean_h": 0.2}}
    check_policy("manual", "whistle", lambda: small_scenario(whistle=whistle))


def test_battery_catches_a_broken_policy() -> None:
    """The battery must fail for a policy that hands a worker to two cases."""
    from sim.model.team import Team, Worker
    from sim.policies.base import DispatchPolicy
    from sim.workflows.closed_loop.case import Case

    class Greedy(DispatchPolicy):
        name = "greedy_broken"

        def setup(self) -> None:
            def acquire(case: Case, tier: str, team: Team) -> Worker | object:
                if team.workers:  # grabs a worker whether busy or not: double assignment
                    worker = team.workers[0]
                    worker.busy, worker.busy_since = True, team.env.now
                    return worker
                return team.request(case)

            self.acquire = acquire

        def dispatch(self, case: Case):
            case.t_dispatched_h = self.model.env.now
            yield from ()

    DISPATCH[Greedy.name] = Greedy
    try:
        with pytest.raises(AssertionError, match=r"\[no_double_assignment\]"):
            check_policy(Greedy.name, "transfer", small_scenario)
    finally:
        del DISPATCH[Greedy.name]


def test_checks_are_named() -> None:
    assert [c.__name__ for c in CHECKS] == [
        "check_invariants", "check_deterministic", "check_zero_demand", "check_zero_team",
        "check_overload"]
