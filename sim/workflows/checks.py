"""The battery every workflow must pass, shipped with the package (like scikit-learn's
``parametrize_with_checks``): a plug-in author runs the very checks govsim runs on its own.

Each check takes a workflow name and a scenario factory ``factory(demand) -> Scenario`` (a
small scenario running the workflow, its demand multiplied by ``demand``) and raises
``AssertionError("[check] …")`` naming the rule that broke:

* ``conservation`` — every item created is logged once (ids 0..n-1), done or still open;
* ``monotone_timestamps`` — an item's stage times never go back nor pass the horizon;
* ``no_worker_in_two_places`` — no worker holds two items at once; traced time = ``busy_h``;
* ``on_shift`` — every assignment starts while the worker's unit is on shift;
* ``deterministic`` — the same seed gives the same items, workloads and summary;
* ``zero_demand`` — no arrivals: no items, no crash, every summary metric present.

In a test module::

    from sim.workflows.checks import parametrize_with_checks

    @parametrize_with_checks([("jobs", jobs_scenario)])
    def test_workflow(check):
        check()
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from sim.model.invariants import (
    assert_conservation,
    assert_monotone_timestamps,
    assert_no_worker_in_two_places,
    assert_on_shift,
    fail,
    same_columns,
)
from sim.model.model import Model, RunResult
from sim.model.workflow import Workflow
from sim.scenario.scenario import Scenario

__all__ = ["CHECKS", "check_workflow", "parametrize_with_checks"]

#: ``factory(demand)``: a fresh small scenario running the workflow, demand × ``demand``
ScenarioFactory = Callable[[float], Scenario]
SEED = 20240601


def _run(scenario: Scenario, name: str, seed: int = SEED,
         trace: bool = True) -> tuple[Model, Workflow, RunResult]:
    model = Model(scenario, seed=seed, trace=trace)
    result = model.run()
    return model, model.workflow(name), result


def check_conservation(name: str, factory: ScenarioFactory) -> None:
    _model, wf, result = _run(factory(1.0), name)
    columns = result.items[name]
    if wf.items_created == 0:
        raise fail("conservation", "the battery scenario produced no items")
    assert_conservation(wf, columns)


def check_monotone_timestamps(name: str, factory: ScenarioFactory) -> None:
    model, wf, result = _run(factory(1.0), name)
    assert_monotone_timestamps(wf, result.items[name], model.horizon_h)


def check_no_worker_in_two_places(name: str, factory: ScenarioFactory) -> None:
    model, _wf, _result = _run(factory(1.0), name)
    assert_no_worker_in_two_places(model.units)


def check_on_shift(name: str, factory: ScenarioFactory) -> None:
    model, _wf, _result = _run(factory(1.0), name)
    assert_on_shift(model.units)


def check_deterministic(name: str, factory: ScenarioFactory) -> None:
    scenario = factory(1.0)
    _m1, wf1, a = _run(scenario, name, trace=False)
    _m2, wf2, b = _run(scenario, name, trace=False)
    differs = same_columns(a.items[name], b.items[name])
    if differs is not None:
        raise fail("deterministic", f"{differs} differs between two runs of one seed")
    if a.resources != b.resources:
        raise fail("deterministic", "worker workloads differ between two runs of one seed")
    for wf, r in ((wf1, a), (wf2, b)):
        wf.derive(r.items[name])
    sa = wf1.summarise(a.items[name], a.resources, a.counts)
    sb = wf2.summarise(b.items[name], b.resources, b.counts)
    if repr(sa) != repr(sb):  # repr: NaN equals NaN
        raise fail("deterministic", "the summary differs between two runs of one seed")


def check_zero_demand(name: str, factory: ScenarioFactory) -> None:
    model, wf, result = _run(factory(0.0), name)
    columns = result.items[name]
    if wf.items_created or len(columns[wf.id_column]):
        raise fail("zero_demand", f"{wf.items_created} items without demand")
    assert_conservation(wf, columns)
    assert_no_worker_in_two_places(model.units)
    wf.derive(columns)
    summary = wf.summarise(columns, result.resources, result.counts)
    missing = [m for m in wf.metrics if m not in summary]
    if missing:
        raise fail("zero_demand", f"summary metrics missing without demand: {missing}")


CHECKS: tuple[Callable[[str, ScenarioFactory], None], ...] = (
    check_conservation,
    check_monotone_timestamps,
    check_no_worker_in_two_places,
    check_on_shift,
    check_deterministic,
    check_zero_demand,
)


def check_workflow(name: str, factory: ScenarioFactory) -> None:
    """Run the whole battery on workflow ``name``; raises on the first failure."""
    for check in CHECKS:
        check(name, factory)


def _name(workflow: str | type[Workflow]) -> str:
    return workflow if isinstance(workflow, str) else workflow.name


def parametrize_with_checks(workflows: Sequence[tuple[str | type[Workflow],
                                                      ScenarioFactory]]) -> Any:
    """A ``pytest.mark.parametrize`` of one test per (workflow, check), ids like
    ``closed_loop-check_conservation``; the test calls ``check()``."""
    import pytest

    cases = [(functools.partial(check, _name(wf), factory), f"{_name(wf)}-{check.__name__}")
             for wf, factory in workflows for check in CHECKS]
    return pytest.mark.parametrize("check", [c for c, _ in cases], ids=[i for _, i in cases])
