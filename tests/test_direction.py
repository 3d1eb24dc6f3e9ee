"""Direction-of-effect tests: averaged over a few seeds (common random numbers), with margins
well inside the measured effects but able to fail if the mechanism breaks.

Time in system is measured as the mean over post-warm-up cases of (close time, or the horizon
for cases still open) − arrival: unlike the mean over closed cases only, it cannot improve by
leaving the slowest cases open.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from sim.model.model import Model
from sim.policies.checks import small_scenario_dict
from sim.scenario.scenario import Scenario

SEEDS = range(3)


def _doc() -> dict[str, Any]:
    doc = small_scenario_dict(days=10)
    doc["organisation"]["departments"][0]["team_size"] = 3  # stable at normal demand
    return doc


def _run(doc: dict[str, Any], dispatch: str, escalation: str, seed: int) -> tuple[Model, dict]:
    scn = Scenario.model_validate(doc)
    model = Model(scn, seed, scn.policy_spec(dispatch, escalation))
    return model, model.run().cases


def _time_in_system(doc: dict[str, Any], dispatch: str, escalation: str) -> float:
    values = []
    for seed in SEEDS:
        model, c = _run(doc, dispatch, escalation, seed)
        keep = c["t_arrival_h"] >= model.warmup_h
        end = np.where(np.isnan(c["t_closed_h"]), model.horizon_h, c["t_closed_h"])
        values.append(float(np.mean((end - c["t_arrival_h"])[keep])))
    return float(np.mean(values))


@pytest.mark.parametrize(("dispatch", "escalation"),
                         [("manual", "transfer"), ("algorithmic", "whistle")])
def test_more_workers_do_not_raise_resolution_time(dispatch: str, escalation: str) -> None:
    base = _doc()
    more = _doc()
    org = more["organisation"]
    org["grid_workers_per_grid"] = 2
    org["streets"][0]["team"]["size"] += 1
    for com in org["communities"]:
        com["team"]["size"] += 1
    for dept in org["departments"]:
        dept["team_size"] += 1
    t_base = _time_in_system(base, dispatch, escalation)
    t_more = _time_in_system(more, dispatch, escalation)
    assert t_more < 0.9 * t_base, (t_base, t_more)  # measured: about −40 %


def test_higher_misroute_rate_does_not_lower_resolution_time() -> None:
    low, high = _doc(), _doc()
    low["policy_params"]["manual"] = {"misroute_p": 0.0}
    high["policy_params"]["manual"] = {"misroute_p": 0.3}
    t_low = _time_in_system(low, "manual", "transfer")
    t_high = _time_in_system(high, "manual", "transfer")
    assert t_high > 1.02 * t_low, (t_low, t_high)  # measured: about +6 %


def test_lower_classification_accuracy_does_not_lower_resolution_time() -> None:
    good, poor = _doc(), _doc()
    good["policy_params"]["algorithmic"] = {"accuracy": 1.0}
    poor["policy_params"]["algorithmic"] = {"accuracy": 0.7}
    t_good = _time_in_system(good, "algorithmic", "transfer")
    t_poor = _time_in_system(poor, "algorithmic", "transfer")
    assert t_poor > 1.02 * t_good, (t_good, t_poor)


def whistle_doc(report_deadline_h: float, escalation: str = "whistle") -> dict[str, Any]:
    """One always-on department with ordinary work (orders sent to it directly) and whistles
    from the street (every case the street passes up is whistled)."""
    params: dict[str, Any] = {"transfer_delay": {"dist": "deterministic", "value_h": 0.0}}
    if escalation == "whistle":
        params.update(strong_concern_p=1.0, report_deadline_h=report_deadline_h,
                      report_deadline_urgent_h=report_deadline_h)
    return {
        "version": 1, "name": "whistle_direction",
        "calendar": {"start": "2025-03-03T00:00:00", "horizon_days": 30, "warmup_days": 2},
        "organisation": {
            "streets": [{"id": "s", "team": {"size": 4, "shift": "always"}}],
            "communities": [{"id": "c", "street": "s"}],
            "grid_lattice": {"count": 9, "spacing_km": 0.5, "communities": ["c"]},
            "grid_workers_per_grid": 0,
            "departments": [{"id": "d", "team_size": 3, "shift": "always", "speed_kmh": 20,
                             "base": {"x_km": 0.5, "y_km": 0.5},
                             "categories": ["direct", "escalated"]}],
        },
        "arrivals": {"channels": [{"id": "sensor", "kind": "sensor", "rate_per_day": 24}]},
        "escalation": {"ladder": ["street", "department"]},
        "categories": [
            {"id": "direct", "share": 0.6, "entry": "department", "tiers": {"department": 1.0},
             "handling": {"department": {"dist": "exponential", "mean_h": 2.0}}},
            {"id": "escalated", "share": 0.4, "tiers": {"street": 0.3, "department": 0.7},
             "handling": {"street": {"dist": "exponential", "mean_h": 0.5},
                          "department": {"dist": "exponential", "mean_h": 2.0}}},
        ],
        "registration": None, "verification": None, "evaluation": None, "flareup": None,
        "policy": {"dispatch": {"name": "manual", "params": {"misroute_p": 0.0}},
                   "escalation": {"name": escalation, "params": params}},
    }


def _whistle_outcomes(report_deadline_h: float) -> tuple[float, float, int]:
    """(mean report hours of whistles, mean wait of ordinary department orders, pre-emptions)."""
    scn = Scenario.model_validate(whistle_doc(report_deadline_h))
    report, wait, preempted = [], [], 0
    for seed in SEEDS:
        model = Model(scn, seed)
        c = model.run().cases
        keep = c["t_arrival_h"] >= model.warmup_h
        whistled = keep & c["whistled"]
        report.append(float(np.nanmean(c["report_h"][whistled])))
        ordinary = keep & (c["category"] == 0) & ~np.isnan(c["t_closed_h"])
        wait.append(float(c["wait_h"][ordinary].mean()))
        preempted += int(c["preempted"][keep].sum())
    return float(np.mean(report)), float(np.mean(wait)), preempted


def test_shorter_report_deadline_faster_whistle_response_longer_ordinary_waits() -> None:
    report_short, wait_short, preempted_short = _whistle_outcomes(0.25)
    report_long, wait_long, preempted_long = _whistle_outcomes(48.0)
    assert preempted_short > 0 and preempted_long == 0
    # measured: report 0.12 h vs 0.29 h; ordinary waits 0.61 h vs 0.51 h
    assert report_short < 0.8 * report_long, (report_short, report_long)
    assert wait_short > 1.05 * wait_long, (wait_short, wait_long)


def test_whistle_beats_transfer_for_escalated_cases() -> None:
    """Without the transfer delay and queue, whistled cases reach the department sooner."""
    def escalated_wait(escalation: str) -> float:
        doc = whistle_doc(24.0, escalation)
        doc["policy"]["escalation"]["params"]["transfer_delay"] = {
            "dist": "deterministic", "value_h": 2.0}
        scn = Scenario.model_validate(doc)
        values = []
        for seed in SEEDS:
            model = Model(scn, seed)
            c = model.run().cases
            keep = (c["t_arrival_h"] >= model.warmup_h) & (c["tier_final"] == "department") \
                & (c["category"] == 1) & ~np.isnan(c["t_closed_h"])
            values.append(float(np.mean(c["t_closed_h"][keep] - c["t_arrival_h"][keep])))
        return float(np.mean(values))

    assert escalated_wait("whistle") < escalated_wait("transfer") - 1.5
