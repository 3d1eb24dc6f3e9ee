"""On-call duty (值班): a department's roster answers whistle summonses its team cannot answer
in time, so the whistle's report deadline becomes a lever, with its cost in on-call hours."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import yaml

from sim.run.runner import run_scenario
from sim.scenario import load_scenario
from sim.scenario.loader import ScenarioError

ROOT = Path(__file__).resolve().parents[1]
STREET = ROOT / "scenarios" / "beijing_street.yaml"
DEPARTMENTS = len(yaml.safe_load(STREET.read_text(encoding="utf-8"))["organisation"]
                  ["departments"])


@cache
def _summary(deadline_h: float, on_call: bool) -> dict[str, float]:
    overrides: dict[str, object] = {"policy_params.whistle.report_deadline_h": deadline_h,
                                    "calendar.horizon_days": 21}
    if on_call:
        for i in range(DEPARTMENTS):
            overrides[f"organisation.departments[{i}].on_call"] = {"staff": 2}
    scn = load_scenario(STREET, overrides=overrides)
    runs = run_scenario(scn, policies=["manual+whistle"], replications=3, seed=1)
    summary = runs.summary()
    return {c: float(summary[c].mean()) for c in summary.columns
            if c in ("mean_report_h", "on_call_h", "on_call_standby_h", "report_late_share")}


def test_without_on_call_the_deadline_only_changes_what_counts_as_late() -> None:
    tight, loose = _summary(0.5, False), _summary(24.0, False)
    assert "on_call_h" not in tight  # no roster: no columns, outputs as before
    # departments off duty answer at their next shift whatever the deadline
    assert abs(tight["mean_report_h"] - loose["mean_report_h"]) < 0.25 * loose["mean_report_h"]
    assert tight["report_late_share"] > loose["report_late_share"] + 0.1


def test_with_on_call_a_tighter_deadline_means_faster_reports_and_more_duty_hours() -> None:
    tight, loose = _summary(0.5, True), _summary(24.0, True)
    assert tight["mean_report_h"] < 0.5 * loose["mean_report_h"]
    assert tight["on_call_h"] > 1.2 * loose["on_call_h"] > 0
    # the roster covers every hour (shift 'always'): 2 staff × 21 days × 24 h per department
    assert tight["on_call_standby_h"] == pytest.approx(DEPARTMENTS * 2 * 21 * 24)
    assert tight["mean_report_h"] < _summary(0.5, False)["mean_report_h"]


def test_the_roster_shift_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(STREET, overrides={"organisation.departments[0].on_call":
                                         {"staff": 1, "shift": "nights"}})
    (problem,) = info.value.problems
    assert problem.path == ("organisation", "departments", 0, "on_call", "shift")
    assert "unknown shift 'nights'" in problem.message


def test_optional_metrics_are_the_ones_runs_report() -> None:
    """Targets and constraints may name a metric a run reports only on demand (call centre,
    repeat calls, on-call duty); the list must be exactly what such runs add."""
    from sim.workflows.closed_loop.workflow import ClosedLoop

    overrides: dict[str, object] = {"calendar.horizon_days": 9,
                                    "arrivals.channels[0].surges": [],
                                    "organisation.departments[0].on_call": {"staff": 1},
                                    "organisation.hotline.callers.repeat":
                                        {"open_rate_per_day": 0.1, "unsatisfied_p": 0.2}}
    scn = load_scenario(STREET, overrides=overrides)
    summary = run_scenario(scn, policies=["manual+whistle"], replications=1, seed=2).summary()
    extra = [c for c in summary.columns if c not in ClosedLoop.metrics
             and c not in ("scenario", "policy", "replication", "seed", "wall_time_s")]
    assert sorted(extra) == sorted(ClosedLoop.optional_metrics)
