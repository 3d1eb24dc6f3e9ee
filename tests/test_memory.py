"""Runs in one process (a sweep worker) do not accumulate the models they leave behind."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: 30 runs in a fresh interpreter, as in a sweep worker; prints the teams alive after each run
_WORKER = """
import gc
from sim.scenario.loader import load_scenario
from sim.run.runner import resolve_policy, run_one
from sim.model.team import Team

scn = load_scenario("scenarios/beijing_street.yaml")
policy = resolve_policy(scn, None)
for replication in range(30):
    run_one(scn, policy, replication, 0, days=8)
    print(sum(isinstance(o, Team) for o in gc.get_objects()), gc.isenabled())
"""


def test_models_of_finished_runs_are_collected() -> None:
    """The cyclic collector is off during a run and what a run leaves is cyclic (workers point
    to their team), so without the end-of-run rule in ``sim.engine.gc.quiet_gc`` every finished
    model would stay in memory: 30 runs would leave 30 organisations. The rule is relative to
    the process's heap, so it is checked in a fresh interpreter, like a sweep worker."""
    out = subprocess.run([sys.executable, "-c", _WORKER], cwd=ROOT, capture_output=True,
                         text=True, timeout=300, check=True).stdout.split("\n")
    rows = [line.split() for line in out if line]
    alive = [int(n) for n, _ in rows]
    assert all(enabled == "True" for _, enabled in rows)
    per_run = alive[0]  # the first organisation, still referenced while the run ends
    assert per_run > 10
    assert max(alive) <= 10 * per_run, f"teams alive after each run: {alive}"
