"""Runs in one process (a sweep worker) do not accumulate the models they leave behind."""

from __future__ import annotations

import gc
from pathlib import Path

from sim.loader import load_scenario
from sim.runner import resolve_policy, run_one
from sim.team import Team

STREET = Path(__file__).resolve().parents[1] / "scenarios" / "beijing_street.yaml"


def _teams_alive() -> int:
    return sum(isinstance(o, Team) for o in gc.get_objects())


def test_models_of_finished_runs_are_collected() -> None:
    """The cyclic collector is off during a run and what a run leaves is cyclic (workers point
    to their team), so without the end-of-run rule in ``sim.model._quiet_gc`` every finished
    model would stay in memory: 30 runs would leave 30 organisations."""
    scn = load_scenario(STREET)
    policy = resolve_policy(scn, None)
    gc.collect()
    before = _teams_alive()
    run_one(scn, policy, 0, 0, days=8)
    per_run = _teams_alive() - before  # the first run's organisation, now garbage
    assert per_run > 10
    most = 0
    for replication in range(1, 31):
        run_one(scn, policy, replication, 0, days=8)
        most = max(most, _teams_alive() - before)
    assert gc.isenabled()
    assert most <= 10 * per_run, f"{most} teams alive after 30 runs of {per_run} teams"
