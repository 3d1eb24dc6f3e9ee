"""What each policy does: classification and worker rules, batches, pools, the whistle, risk
priority, policy parameters in scenarios, skills and tier labels."""

from __future__ import annotations

import copy
import math
import sys
from collections import deque
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from test_direction import whistle_doc

from sim.model.model import Model
from sim.policies import load_plugins
from sim.policies.checks import small_scenario, small_scenario_dict
from sim.policies.queues import RiskClassifier
from sim.scenario.checks import check_references
from sim.scenario.loader import ScenarioError
from sim.scenario.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
SEEDS = range(3)


def run(scn: Scenario, dispatch: str, escalation: str, seed: int = 1,
        trace: bool = False) -> tuple[Model, dict[str, np.ndarray]]:
    model = Model(scn, seed, scn.policy_spec(dispatch, escalation), trace=trace)
    return model, model.run().cases


def single_unit_doc(**changes: Any) -> dict[str, Any]:
    """One always-on department fed directly, nine grids 1 km apart (travel matters)."""
    doc = whistle_doc(24.0, "transfer")
    doc["organisation"]["grid_lattice"]["spacing_km"] = 1.0
    doc["categories"] = [
        {"id": "direct", "share": 1.0, "entry": "department", "tiers": {"department": 1.0},
         "handling": {"department": {"dist": "exponential", "mean_h": 2.0}}}]
    doc["arrivals"]["channels"][0]["rate_per_day"] = 30  # utilisation ≈ 0.85
    doc["organisation"]["departments"][0]["categories"] = ["direct"]
    doc.update(changes)
    return doc


# -- policy parameters in the scenario ---------------------------------------------------------
def test_policy_spec_merges_policy_params_and_own_params() -> None:
    doc = small_scenario_dict()
    doc["policy"]["dispatch"] = {"name": "manual", "params": {"misroute_p": 0.2}}
    doc["policy_params"]["manual"] = {"misroute_p": 0.1, "queue_order": "edf"}
    doc["policy_params"]["algorithmic"] = {"rule": "skill"}
    scn = Scenario.model_validate(doc)
    own = scn.policy_spec()
    assert own.dispatch.params == {"misroute_p": 0.2, "queue_order": "edf"}
    assert own.label == "manual+transfer"
    other = scn.policy_spec("algorithmic", "whistle")
    assert other.dispatch.params == {"rule": "skill"}
    assert other.escalation.params == doc["policy_params"]["whistle"]
    assert scn.policy_spec("risk_priority").dispatch.params == {}

    from sim.run.runner import resolve_policy

    assert resolve_policy(scn, "algorithmic+whistle") == other
    assert resolve_policy(scn, None) == own


def test_load_checked_reports_policy_params_problems(tmp_path: Path) -> None:
    from sim.cli.common import load_checked
    from sim.cli.main import main

    doc = yaml.safe_load((ROOT / "scenarios" / "beijing_street.yaml").read_text("utf-8"))
    doc["policy_params"]["algorithmic"]["rule"] = "telepathy"
    doc["policy_params"]["no_such_policy"] = {}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_checked(str(path), ["algorithmic+whistle"])
    text = str(info.value)
    assert "policy_params.algorithmic.rule" in text
    assert "policy_params.no_such_policy: unknown policy 'no_such_policy'" in text
    assert "--policy" not in text  # reported once, where it is in the file
    assert main(["validate", str(path)]) == 2


def test_policy_checks_against_the_scenario(tmp_path: Path) -> None:
    """A whistle naming an unknown deadline class is a validation error with its line; the
    default class 'emergency' missing from a scenario is not."""
    from sim.cli.common import load_checked

    doc = yaml.safe_load((ROOT / "scenarios" / "beijing_street.yaml").read_text("utf-8"))
    doc["policy_params"]["whistle"]["emergency_classes"] = ["emergency", "urgentish"]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_checked(str(path), ["manual+whistle"])
    (problem,) = info.value.problems
    assert problem.path == ("policy_params", "whistle", "emergency_classes")
    assert "unknown deadline class 'urgentish'" in problem.message and problem.line
    del doc["policy_params"]["whistle"]["emergency_classes"]
    doc["deadline_classes"] = {"general": doc["deadline_classes"]["general"]}
    for cat in doc["categories"]:
        cat["deadline_class"] = "general"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    scn = load_checked(str(path), ["manual+whistle"])
    Model(scn, 0, scn.policy_spec("manual", "whistle"), days=2).run()


def test_reference_scenarios_validate_with_every_policy() -> None:
    from sim.cli.common import load_checked

    labels = ["manual+transfer", "manual+whistle", "algorithmic+transfer",
              "algorithmic+whistle", "risk_priority+transfer", "risk_priority+whistle"]
    for name in ("beijing_street.yaml", "county_fengqiao.yaml"):
        load_checked(str(ROOT / "scenarios" / name), labels)


# -- schema additions --------------------------------------------------------------------------
def test_skills_and_tier_labels_are_checked() -> None:
    doc = small_scenario_dict()
    doc["organisation"]["departments"][0]["skills"] = {"heavy": 5}
    doc["categories"][1]["skill"] = "juggling"
    doc["escalation"]["tier_labels"] = {"community": "village"}
    doc["escalation"]["ladder"] = ["grid", "street", "department", "joint"]
    doc["categories"][1]["tiers"] = {"grid": 0.5, "street": 0.5}
    messages = [m for _p, m in check_references(Scenario.model_validate(doc))]
    assert any("5 workers with skill 'heavy' in a team of 2" in m for m in messages)
    assert any("no team has skill 'juggling'" in m for m in messages)
    assert any("tier 'community' is not on the ladder" in m for m in messages)


def test_skills_are_dealt_in_order_and_cyclically() -> None:
    doc = small_scenario_dict()
    doc["organisation"]["departments"][0].update(team_size=3, skills={"heavy": 2, "light": 2})
    doc["categories"][0]["skill"] = "light"
    model = Model(Scenario.model_validate(doc), 0)
    heavy, light = (1 << model.units.skill_names.index(s) for s in ("heavy", "light"))
    team = model.units.department_teams[0]
    assert [w.skills for w in team.workers] == [heavy | light, heavy, light]
    assert team.skilled and not model.units.department_teams[1].skilled


def test_tier_labels() -> None:
    doc = small_scenario_dict()
    doc["escalation"]["tier_labels"] = {"community": "village", "street": "township"}
    model = Model(Scenario.model_validate(doc), 0)
    assert model.workflow("closed_loop").tier_label("community") == "village"
    assert model.workflow("closed_loop").tier_label("grid") == "grid"


def test_case_attributes_are_identical_across_policies() -> None:
    """Common random numbers: the latent risk flag and the uniforms are drawn at arrival."""
    scn = small_scenario()
    tables = [run(scn, d, e)[1] for d, e in (("manual", "transfer"),
                                             ("algorithmic", "whistle"),
                                             ("risk_priority", "transfer"))]
    for c in tables[1:]:
        for col in ("case_id", "t_arrival_h", "category", "grid", "high_risk", "flare_h"):
            a = tables[0][col][np.argsort(tables[0]["case_id"])]
            b = c[col][np.argsort(c["case_id"])]
            assert np.array_equal(a, b), col
    share = np.mean(tables[0]["high_risk"])
    assert 0.1 < share < 0.3  # high_risk_share 0.2


# -- algorithmic dispatch ----------------------------------------------------------------------
def test_accuracy_gives_geometric_returns() -> None:
    doc = single_unit_doc()
    doc["policy_params"] = {"algorithmic": {"accuracy": 0.8}}
    misroutes = []
    for seed in SEEDS:
        _m, c = run(Scenario.model_validate(doc), "algorithmic", "transfer", seed)
        misroutes.append(c["misroutes"].mean())
    assert np.mean(misroutes) == pytest.approx(0.2 / 0.8, rel=0.15)


def test_coverage_sends_the_rest_to_the_desk() -> None:
    doc = small_scenario_dict()
    doc["policy_params"]["algorithmic"] = {"coverage": 0.0, "accuracy": 1.0,
                                           "desk_misroute_p": 0.0}
    scn = Scenario.model_validate(doc)
    model, c = run(scn, "algorithmic", "transfer", trace=True)
    desk_cases = {cid for w, cid, _s, _e in model.units.assignments if w.startswith("dispatch")}
    dispatched = ~np.isnan(c["t_dispatched_h"]) & (c["channel"] != 1)  # patrol: no dispatch
    assert set(c["case_id"][dispatched].tolist()) <= desk_cases
    doc["policy_params"]["algorithmic"]["coverage"] = 1.0
    model, c = run(Scenario.model_validate(doc), "algorithmic", "transfer", trace=True)
    assert not any(w.startswith("dispatch") for w, _c, _s, _e in model.units.assignments)


def test_nearest_travels_less_than_fcfs() -> None:
    scn_doc = single_unit_doc()
    scn_doc["arrivals"]["channels"][0]["rate_per_day"] = 10  # often several workers free
    travel = {}
    for rule in ("nearest", "fcfs"):
        scn_doc["policy_params"] = {"algorithmic": {"rule": rule, "accuracy": 1.0}}
        scn = Scenario.model_validate(scn_doc)
        travel[rule] = np.mean([run(scn, "algorithmic", "transfer", s)[1]["travel_h"].mean()
                                for s in SEEDS])
    assert travel["nearest"] < 0.9 * travel["fcfs"], travel


def test_least_loaded_picks_the_least_busy_and_balances_hours() -> None:
    doc = single_unit_doc()
    doc["policy_params"] = {"algorithmic": {"rule": "least_loaded", "accuracy": 1.0}}
    scn = Scenario.model_validate(doc)
    model = Model(scn, 0, scn.policy_spec("algorithmic"))
    team = model.units.department_teams[0]
    for w, hours in zip(team.workers, (5.0, 1.0, 3.0), strict=True):
        w.busy_h = hours
    assert team.pick(deque(team.workers), None) is team.workers[1]


def test_skill_rule_avoids_the_unskilled_slowdown() -> None:
    doc = single_unit_doc()
    doc["organisation"]["departments"][0]["skills"] = {"special": 1}
    doc["categories"][0].update(skill="special", unskilled_factor=3.0)
    doc["arrivals"]["channels"][0]["rate_per_day"] = 6
    handle = {}
    for rule in ("skill", "fcfs"):
        doc["policy_params"] = {"algorithmic": {"rule": rule, "accuracy": 1.0}}
        scn = Scenario.model_validate(doc)
        handle[rule] = np.mean([run(scn, "algorithmic", "transfer", s)[1]["handle_h"].mean()
                                for s in SEEDS])
    # fcfs: two in three jobs go to the unskilled, 3× slower; skill: most go to the specialist
    assert handle["skill"] < 0.8 * handle["fcfs"], handle


def test_batch_optimal_assigns_at_batch_epochs() -> None:
    doc = single_unit_doc()
    doc["policy_params"] = {"algorithmic": {"rule": "batch_optimal", "batch_interval_min": 15,
                                            "accuracy": 1.0}}
    scn = Scenario.model_validate(doc)
    _model, c = run(scn, "algorithmic", "transfer")
    start = c["t_start_h"][~np.isnan(c["t_start_h"])]
    epochs = start / 0.25
    assert start.size > 100
    assert np.allclose(epochs, np.round(epochs), atol=1e-6)
    # waiting for the epoch costs about half an interval on top of fcfs
    doc["policy_params"]["algorithmic"]["rule"] = "fcfs"
    _m, c_fcfs = run(Scenario.model_validate(doc), "algorithmic", "transfer")
    assert c["wait_h"].mean() > c_fcfs["wait_h"].mean() + 0.05


def test_grid_pool_lends_neighbouring_workers() -> None:
    def cross_grid(radius: float) -> tuple[int, float]:
        scn = small_scenario(algorithmic={"rule": "nearest", "grid_pool_radius_km": radius})
        model, c = run(scn, "algorithmic", "transfer", trace=True)
        team_of = {w.id: t for t in model.units.teams for w in t.workers}
        grid_of = dict(zip(c["case_id"].tolist(), c["grid"].tolist(), strict=True))
        lent = sum(1 for w, cid, _s, _e in model.units.assignments
                   if cid >= 0 and team_of[w].site >= 0 and team_of[w].site != grid_of[cid])
        worker_travel = sum(w.travel_h for t in model.units.grid_teams for w in t.workers)
        return lent, worker_travel

    lent0, travel0 = cross_grid(0.0)
    lent, travel = cross_grid(0.6)
    assert lent0 == 0 and lent > 0
    assert travel > travel0  # walking over and back


@pytest.mark.parametrize("metric", ["euclid", "manhattan"])
def test_grid_pools_are_every_grid_within_the_radius_nearest_first(metric: str) -> None:
    """The k-d tree finds exactly the pools of the definition (compared pair by pair)."""
    doc = small_scenario_dict()
    doc.setdefault("travel", {})["metric"] = metric
    doc["organisation"]["grid_lattice"] = {"count": 60, "spacing_km": 0.25,
                                          "communities": ["c1", "c2"]}
    scn = Scenario.model_validate(doc)
    radius = 0.5  # exactly two lattice steps: grids on the boundary must be in the pool
    model = Model(scn, 1, scn.policy_spec("algorithmic", "transfer"))
    model.units.grid_teams[7].workers.clear()  # a grid without workers is nobody's pool member
    pools = model.workflow("closed_loop").dispatch_policy._grid_pools(radius)
    for g in range(len(model.units.grid_ids)):
        near = sorted(
            (t.site != g, model.units.distance_km(*t.home, g), t.site)
            for t in model.units.grid_teams
            if t.workers and (t.site == g or model.units.distance_km(*t.home, g) <= radius))
        assert [t.site for t in pools[g]] == [site for _, _, site in near]
        assert (g == 7) or pools[g][0].site == g
    # inside the lattice: the grid, 4 at one step, 4 diagonal, 4 at two steps (on the boundary)
    assert max(len(p) for p in pools) == 13


# -- whistle -----------------------------------------------------------------------------------
def test_whistles_are_counted_and_cost_department_hours() -> None:
    scn = small_scenario()
    model_t, ct = run(scn, "manual", "transfer")
    model_w, cw = run(scn, "manual", "whistle")
    assert not ct["whistled"].any()
    assert all(w.whistle_h == 0 for t in model_t.units.teams for w in t.workers)
    w = cw["whistled"]
    assert w.sum() > 10
    handled = ~np.isnan(cw["t_handled_h"])
    assert set(cw["tier_final"][w & handled]) <= {"department", "joint"}
    assert (cw["escalations"][w] >= 1).all()
    reported = w & ~np.isnan(cw["report_h"])
    assert (cw["report_h"][reported] >= 0).all() and (cw["report_late_h"][reported] >= 0).all()
    dept_whistle = sum(x.whistle_h for t in model_w.units.department_teams for x in t.workers)
    assert dept_whistle > 0
    assert all(x.whistle_h == 0 for t in model_w.units.teams if t.kind != "department"
               for x in t.workers)
    for t in model_w.units.department_teams:
        for x in t.workers:
            assert x.whistle_h <= x.busy_h + 1e-9
    # every joint case is whistled (joint_enforcement) and emergencies are urgent
    joint = (cw["tier_final"] == "joint") & ~np.isnan(cw["t_closed_h"])
    assert w[joint].all()


def test_joint_teams_stay_until_done() -> None:
    """事不完人不撤: the departments of a joint case leave together, when it is done."""
    scn = small_scenario()
    model, c = run(scn, "manual", "whistle", trace=True)
    team_of = {w.id: t for t in model.units.teams for w in t.workers}
    joint_ids = set(c["case_id"][(c["tier_final"] == "joint") & ~np.isnan(c["t_handled_h"])]
                    .tolist())
    ends: dict[int, set[float]] = {}
    for w, cid, _s, end in model.units.assignments:
        if cid in joint_ids and team_of[w].kind == "department":
            ends.setdefault(cid, set()).add(round(end, 9))
    assert joint_ids and all(len(e) == 1 for e in ends.values())


def test_emergency_whistles_use_the_urgent_deadline() -> None:
    doc = small_scenario_dict()
    doc["categories"][3].update(share=0.5, tiers={"street": 0.2, "department": 0.8})
    doc["policy_params"]["whistle"].update(report_deadline_urgent_h=0.5, report_deadline_h=30.0,
                                           strong_concern_p=1.0)
    _m, c = run(Scenario.model_validate(doc), "manual", "whistle")
    emergency = c["category"] == 3
    w = c["whistled"] & ~np.isnan(c["report_h"])
    due_emergency = c["report_h"][w & emergency] - c["report_late_h"][w & emergency]
    late_emergency = c["report_late_h"][w & emergency] > 0
    assert (w & emergency).any()
    # report_h − late = time allowed when late: exactly the deadline
    assert np.allclose(due_emergency[late_emergency], 0.5)
    other_late = c["report_late_h"][w & ~emergency] > 0
    assert np.allclose((c["report_h"] - c["report_late_h"])[w & ~emergency][other_late], 30.0)


def test_preempted_jobs_resume_and_finish() -> None:
    scn = Scenario.model_validate(whistle_doc(0.25))
    model = Model(scn, 2, trace=True)
    c = model.run().cases
    pre = c["preempted"] > 0
    assert pre.sum() > 5
    assert (~np.isnan(c["t_closed_h"][pre])).mean() > 0.9
    assert sum(t.preemptions for t in model.units.teams) == int(c["preempted"].sum())
    # the job resumed has its remaining handling: hands-on time is not lost or doubled
    assert np.all(c["handle_h"][pre] > 0)


# -- risk priority -----------------------------------------------------------------------------
def test_classifier_rates_and_auc() -> None:
    rng = np.random.default_rng(0)
    n = 200_000
    high = rng.random(n) < 0.1
    u = rng.random(n)

    class C:
        __slots__ = ("high_risk", "risk", "risk_u")

    def scores(classifier: RiskClassifier) -> np.ndarray:
        score = classifier.scorer(0.1)
        case = C()
        out = np.empty(n)
        for i in range(n):
            case.high_risk, case.risk_u = bool(high[i]), float(u[i])
            out[i] = score(case)
        return out

    flags = scores(RiskClassifier(tpr=0.7, fpr=0.05))
    assert flags[high].mean() == pytest.approx(0.7, abs=0.01)
    assert flags[~high].mean() == pytest.approx(0.05, abs=0.005)
    cont = scores(RiskClassifier(auc=0.8, ordering="score"))
    pos, neg = cont[high], rng.choice(cont[~high], 20_000)
    auc = (pos[:, None] > neg[None, :5000]).mean()
    assert auc == pytest.approx(0.8, abs=0.01)
    flag_auc = scores(RiskClassifier(auc=0.8))
    assert flag_auc.mean() == pytest.approx(0.1, abs=0.005)  # flags the true share by default
    tpr, fpr = RiskClassifier(auc=0.8).rates(0.1)
    assert flag_auc[high].mean() == pytest.approx(tpr, abs=0.01)
    assert flag_auc[~high].mean() == pytest.approx(fpr, abs=0.005)
    with pytest.raises(ValueError, match="both tpr and fpr"):
        RiskClassifier(tpr=0.5)
    with pytest.raises(ValueError, match="either auc or tpr/fpr"):
        RiskClassifier(auc=0.7, tpr=0.5, fpr=0.1)


def test_risk_priority_serves_high_risk_first() -> None:
    doc = single_unit_doc()
    doc["flareup"] = {"shape": 1.5, "scale_h": 300.0, "high_risk_share": 0.2,
                      "high_risk_multiplier": 5.0}
    doc["policy_params"] = {"risk_priority": {"misroute_p": 0.0, "classifier": {"auc": 0.9}}}
    scn = Scenario.model_validate(doc)
    waits: dict[str, list[tuple[float, float]]] = {"manual": [], "risk_priority": []}
    for dispatch in waits:
        for seed in SEEDS:
            _m, c = run(scn, dispatch, "transfer", seed)
            done = ~np.isnan(c["t_closed_h"])
            waits[dispatch].append((c["wait_h"][done & c["high_risk"]].mean(),
                                    c["wait_h"][done & ~c["high_risk"]].mean()))
    fifo_high, fifo_low = np.mean(waits["manual"], axis=0)
    risk_high, risk_low = np.mean(waits["risk_priority"], axis=0)
    assert risk_high < 0.7 * fifo_high, (fifo_high, risk_high)
    assert risk_low > fifo_low, (fifo_low, risk_low)


def test_edf_orders_by_closure_deadline() -> None:
    scn = small_scenario(algorithmic={"queue_order": "edf"})
    model = Model(scn, 0, scn.policy_spec("algorithmic"))
    key = model.units.street_teams[0].queue_key
    assert key is not None

    class C:
        close_due_h = 5.0

    assert key(C()) == 5.0


# -- plug-ins ----------------------------------------------------------------------------------
def test_plugins_load_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT / "docs" / "examples"))
    monkeypatch.setenv("GOVSIM_POLICY_MODULES", "random_dispatch")
    saved = copy.copy(sys.modules)
    try:
        assert "random_dispatch" in load_plugins()
        from sim.policies import DISPATCH

        assert "random_worker" in DISPATCH
    finally:
        for name in set(sys.modules) - set(saved):
            if name == "random_dispatch":
                del sys.modules[name]


def test_reference_scenario_runs_every_policy_quickly() -> None:
    from sim.scenario.loader import load_scenario

    scn = load_scenario(ROOT / "scenarios" / "beijing_street.yaml")
    for dispatch, escalation in (("algorithmic", "whistle"), ("risk_priority", "transfer")):
        model = Model(scn, 3, scn.policy_spec(dispatch, escalation), days=9)
        result = model.run()
        assert len(result.cases["case_id"]) > 500
        assert math.isfinite(result.cases["t_closed_h"][0])
