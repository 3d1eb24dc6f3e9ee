"""The speed tricks change no result: whole runs compared with their plain versions.

* The lean engine (:class:`sim.engine.Environment`: bucketed event queue, inlined ``step``)
  against plain ``simpy.Environment``, on whole runs that use every kind of event (interrupts
  of pre-empted jobs, batch epochs, shifts, summonses).
* Answer-only hotline contacts run as event callbacks against the same steps run as a process
  (the hotline intake generator): same draws, same events, same order.

Both compare every column of the case log bit for bit, every workload row and the contact count.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import simpy

from sim.engine import LeanProcess
from sim.model.model import Model, RunResult
from sim.run.runner import resolve_policy
from sim.scenario.loader import load_scenario
from sim.workflows.closed_loop.workflow import ClosedLoop

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"

RUNS = [
    ("beijing_street.yaml", "algorithmic+whistle", {}, 10.0),
    ("beijing_street.yaml", "algorithmic+whistle",
     {"policy_params.algorithmic.rule": "batch_optimal"}, 8.0),
    ("beijing_street.yaml", "risk_priority+transfer", {}, 10.0),
    ("county_fengqiao.yaml", "manual+whistle", {}, 10.0),
    ("district.yaml", "manual+transfer", {}, 4.0),
]


def _run(scenario_file: str, label: str, overrides: dict[str, Any], days: float,
         **model_args: Any) -> RunResult:
    scn = load_scenario(SCENARIOS / scenario_file, {"calendar.warmup_days": 1, **overrides})
    return Model(scn, seed=7, policy=resolve_policy(scn, label), days=days, **model_args).run()


def _assert_same(a: RunResult, b: RunResult) -> None:
    assert a.cases.keys() == b.cases.keys()
    assert len(a.cases["case_id"]) > 100
    for name in a.cases:
        x, y = a.cases[name], b.cases[name]
        assert x.dtype == y.dtype and x.shape == y.shape, name
        if x.dtype.kind == "f":  # bit for bit, NaN included
            assert np.array_equal(x.view(np.uint64), y.view(np.uint64)), name
        else:
            assert np.array_equal(x, y), name
    assert a.resources == b.resources
    assert a.counts == b.counts


@pytest.mark.parametrize(("scenario_file", "label", "overrides", "days"), RUNS,
                         ids=[f"{s.split('.')[0]}-{p}-{'+'.join(o.values()) or 'default'}"
                              for s, p, o, _ in RUNS])
def test_lean_engine_equals_simpy(scenario_file: str, label: str, overrides: dict[str, Any],
                                  days: float) -> None:
    lean = _run(scenario_file, label, overrides, days)
    plain = _run(scenario_file, label, overrides, days, engine=simpy.Environment)
    _assert_same(lean, plain)


# the street's hotline as a plain queue of one operator (no rota, nobody hangs up)
PLAIN_HOTLINE = {"organisation.hotline.rota": None, "organisation.hotline.operators": 1,
                 "organisation.hotline.callers": None}


def test_answer_only_callbacks_equal_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    callbacks = _run("beijing_street.yaml", "manual+transfer",
                     PLAIN_HOTLINE, 10.0)

    def as_process(loop: ClosedLoop) -> None:
        LeanProcess(loop.env, loop.hotline_intake(None))

    monkeypatch.setattr(ClosedLoop, "answer_only", as_process)
    process = _run("beijing_street.yaml", "manual+transfer",
                   PLAIN_HOTLINE, 10.0)
    _assert_same(callbacks, process)
    hotline_orders = int(np.sum(process.cases["channel"] == 0))  # channel 0 is the hotline
    assert process.counts["n_contacts"] - hotline_orders > 500  # answer-only contacts ran
