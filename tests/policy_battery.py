"""One battery of checks for every dispatch × escalation policy (like scikit-learn's
``check_estimator``).

``check_policy(dispatch, escalation, scenario_factory)`` runs every check below on small
scenarios derived from ``scenario_factory()`` and raises ``AssertionError`` naming the check that
failed. A new policy passes the battery before it is trusted (docs/policies.md):

* ``conservation`` — every arrival is closed or still open at the end, case ids are unique;
  times of a closed case are in workflow order;
* ``no_double_assignment`` — no worker holds two cases at once, no case holds two workers of one
  unit at once, traced busy time adds up to each worker's ``busy_h``;
* ``on_shift`` — every assignment starts while the worker's unit is on shift;
* ``deterministic`` — the same seed gives identical case tables and workloads;
* ``zero_demand`` — no arrivals: no cases, no crash, summaries defined;
* ``zero_team`` — a unit of size zero that cases need is a clear validation error; run anyway,
  its cases queue (stay open) and nothing else breaks;
* ``overload`` — demand far above capacity: the backlog grows, the invariants still hold.

``small_scenario()`` is the default factory: a street of six grids with every kind of unit, shift
patterns with off-duty time, skills, joint and emergency cases, so every policy feature is used.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np

from sim.model.model import Model
from sim.scenario.checks import check_references
from sim.scenario.scenario import Scenario
from sim.workflows.closed_loop.metrics import derive, summarise

ScenarioFactory = Callable[[], Scenario]

SEED = 20240601


def small_scenario_dict(days: float = 6.0, scale: float = 1.0) -> dict[str, Any]:
    """The battery's default scenario as a plain document (edit it, then validate)."""
    return {
        "version": 1,
        "name": "battery",
        "calendar": {"start": "2025-03-06T00:00:00", "horizon_days": days, "warmup_days": 1},
        "shifts": {
            "day": {"windows": ["08:00-20:00"], "days": "all"},
            "office": {"windows": ["08:30-17:30"], "days": "weekdays"},
            "patrol": {"windows": ["07:00-21:30"], "days": "all"},
        },
        "organisation": {
            "streets": [{"id": "s1", "team": {"size": 3, "shift": "day",
                                              "skills": {"mediation": 1}},
                         "location": {"x_km": 0.5, "y_km": 0.5}}],
            "communities": [{"id": "c1", "street": "s1", "team": {"size": 1, "shift": "office"}},
                            {"id": "c2", "street": "s1", "team": {"size": 1, "shift": "office"}}],
            "grid_lattice": {"count": 6, "spacing_km": 0.5, "communities": ["c1", "c2"]},
            "grid_workers_per_grid": 1,
            "grid_worker_shift": "patrol",
            "departments": [
                {"id": "d1", "team_size": 2, "shift": "office", "base": {"x_km": 2, "y_km": 0},
                 "categories": ["dept_matter"], "skills": {"heavy": 1}},
                {"id": "d2", "team_size": 1, "shift": "day", "base": {"x_km": 0, "y_km": 2}},
                {"id": "d3", "team_size": 1, "shift": "always", "base": {"x_km": 1, "y_km": 1},
                 "categories": ["grid_matter", "emergency"]},
            ],
            "hotline": {"operators": 1, "shift": "always",
                        "talk_time": {"dist": "exponential", "mean_h": 0.04}},
            "dispatch_desk": {"dispatchers": 1, "shift": "always",
                              "triage_time": {"dist": "exponential", "mean_h": 0.05}},
        },
        "arrivals": {"scale": scale, "channels": [
            {"id": "hotline", "kind": "hotline", "rate_per_day": 50, "order_share": 0.6},
            {"id": "patrol", "kind": "patrol", "rate_per_grid_per_day": 1.0,
             "via_dispatch": False,
             "category_mix": {"grid_matter": 1.0, "dept_matter": 0.3}},
            {"id": "sensor", "kind": "sensor", "rate_per_day": 6},
        ]},
        "escalation": {"ladder": ["grid", "community", "street", "department", "joint"]},
        "categories": [
            {"id": "grid_matter", "share": 0.4,
             "tiers": {"grid": 0.5, "street": 0.2, "department": 0.3},
             "handling": {t: {"dist": "exponential", "mean_h": m} for t, m in
                          (("grid", 0.5), ("community", 0.8), ("street", 1.0),
                           ("department", 4.0))}},
            {"id": "dept_matter", "share": 0.3, "skill": "heavy",
             "tiers": {"grid": 0.2, "community": 0.2, "street": 0.2, "department": 0.35,
                       "none": 0.05},
             "handling": {t: {"dist": "lognormal", "mean_h": m, "cv": 1.0} for t, m in
                          (("grid", 0.5), ("community", 1.0), ("street", 1.0),
                           ("department", 2.0))}},
            {"id": "joint_matter", "share": 0.2, "deadline_class": "complex", "entry": "street",
             "skill": "mediation", "tiers": {"street": 0.5, "joint": 0.5},
             "handling": {"street": {"dist": "exponential", "mean_h": 1.5},
                          "joint": {"dist": "exponential", "mean_h": 2.0}},
             "joint_departments": ["d1", "d2"]},
            {"id": "emergency", "share": 0.1, "deadline_class": "emergency",
             "tiers": {"grid": 0.4, "street": 0.3, "department": 0.3},
             "handling": {t: {"dist": "exponential", "mean_h": m} for t, m in
                          (("grid", 0.3), ("community", 0.5), ("street", 0.5),
                           ("department", 1.0))}},
        ],
        "registration": {"time": {"dist": "exponential", "mean_h": 0.05}},
        "verification": {"time": {"dist": "exponential", "mean_h": 0.3}},
        "flareup": {"shape": 1.5, "scale_h": 500.0, "high_risk_share": 0.2,
                    "high_risk_multiplier": 5.0},
        "policy": {"dispatch": {"name": "manual"}, "escalation": {"name": "transfer"}},
        "policy_params": {"transfer": {"transfer_delay": {"dist": "exponential", "mean_h": 4}},
                          "whistle": {"transfer_delay": {"dist": "exponential", "mean_h": 4},
                                      "strong_concern_p": 0.5, "report_deadline_h": 1.0}},
    }


def small_scenario(**policy_params: dict[str, Any]) -> Scenario:
    """The battery's default scenario; keyword arguments add ``policy_params`` entries."""
    doc = small_scenario_dict()
    doc["policy_params"].update(policy_params)
    return Scenario.model_validate(doc)


# -- helpers -------------------------------------------------------------------------------
def _variant(scn: Scenario, edit: Callable[[dict[str, Any]], None]) -> Scenario:
    doc = scn.model_dump(mode="python", exclude_unset=False)
    edit(doc)
    return Scenario.model_validate(doc)


def _run(scn: Scenario, dispatch: str, escalation: str, seed: int = SEED,
         trace: bool = True) -> tuple[Model, dict[str, np.ndarray]]:
    model = Model(scn, seed=seed, policy=scn.policy_spec(dispatch, escalation), trace=trace)
    result = model.run()
    return model, result.cases


def _fail(check: str, message: str) -> AssertionError:
    return AssertionError(f"[{check}] {message}")


def _team_of(model: Model) -> dict[str, Any]:
    return {w.id: team for team in model.teams for w in team.workers}


# -- invariants of one finished run ----------------------------------------------------------
def assert_conservation(model: Model, cases: dict[str, np.ndarray]) -> None:
    """Every arrival closed or open; unique ids; closed cases' times in workflow order."""
    ids = cases["case_id"]
    n = model._next_id
    if len(ids) != n:
        raise _fail("conservation", f"{n} cases arrived but the log holds {len(ids)}")
    if len(np.unique(ids)) != len(ids) or (n and (ids.min() != 0 or ids.max() != n - 1)):
        raise _fail("conservation", "case ids are not unique 0..n-1")
    closed = ~np.isnan(cases["t_closed_h"])
    if int((~closed).sum()) != len(model.open_cases):
        raise _fail("conservation", f"{int((~closed).sum())} cases without a close time but "
                                    f"{len(model.open_cases)} open cases in the model")
    order = ("t_arrival_h", "t_dispatched_h", "t_start_h", "t_onsite_h", "t_handled_h",
             "t_closed_h")
    c = {k: cases[k][closed] for k in order}
    for a, b in itertools.pairwise(order):
        both = ~np.isnan(c[a]) & ~np.isnan(c[b])
        bad = both & (c[b] < c[a] - 1e-9)
        if bad.any():
            raise _fail("conservation", f"{int(bad.sum())} closed cases with {b} before {a}")
    if (cases["tier_final"][closed] == "").any():
        raise _fail("conservation", "a closed case was never handled at any tier")
    if (cases["wait_h"] < -1e-9).any() or (cases["handle_h"] < -1e-9).any():
        raise _fail("conservation", "negative wait or handling time")


def assert_no_double_assignment(model: Model) -> None:
    """No worker on two cases at once; no case with two workers of one unit at once."""
    assert model.trace is not None and model.assignments is not None
    by_worker: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for worker, _n, start, end in model.trace:
        by_worker[worker].append((start, end))
    busy = {w.id: w.busy_h for team in model.teams for w in team.workers}
    for worker, intervals in by_worker.items():
        intervals.sort()
        for (s0, e0), (s1, _e1) in itertools.pairwise(intervals):
            if s1 < e0 - 1e-9:
                raise _fail("no_double_assignment",
                            f"worker {worker} holds two cases at once ({s0:.3f}-{e0:.3f} and "
                            f"from {s1:.3f})")
        traced = sum(e - s for s, e in intervals)
        if not math.isclose(traced, busy[worker], rel_tol=1e-9, abs_tol=1e-6):
            raise _fail("no_double_assignment", f"worker {worker}: traced {traced:.4f} h "
                                                f"but busy_h {busy[worker]:.4f}")
    team_of = _team_of(model)
    by_case_team: dict[tuple[int, str], list[tuple[float, float]]] = defaultdict(list)
    for worker, case_id, start, end in model.assignments:
        if case_id >= 0:
            by_case_team[(case_id, team_of[worker].name)].append((start, end))
    for (case_id, team), intervals in by_case_team.items():
        intervals.sort()
        for (_s0, e0), (s1, _e1) in itertools.pairwise(intervals):
            if s1 < e0 - 1e-9:
                raise _fail("no_double_assignment",
                            f"case {case_id} holds two workers of {team} at once (t={s1:.3f})")


def assert_on_shift(model: Model) -> None:
    """Every assignment starts while the worker's unit is on shift (boundaries included)."""
    assert model.trace is not None
    team_of = _team_of(model)
    for worker, _n, start, _end in model.trace:
        iv = team_of[worker].intervals
        k = int(np.searchsorted(iv[:, 0], start, side="right")) - 1
        if k < 0 or start > iv[k, 1] + 1e-9:
            raise _fail("on_shift", f"worker {worker} started a case at t={start:.3f} h, "
                                    f"off shift")


def assert_invariants(model: Model, cases: dict[str, np.ndarray]) -> None:
    assert_conservation(model, cases)
    assert_no_double_assignment(model)
    assert_on_shift(model)


# -- the checks ----------------------------------------------------------------------------
def check_invariants(dispatch: str, escalation: str, factory: ScenarioFactory) -> None:
    model, cases = _run(factory(), dispatch, escalation)
    if len(cases["case_id"]) == 0:
        raise _fail("conservation", "the battery scenario produced no cases")
    assert_invariants(model, cases)


def check_deterministic(dispatch: str, escalation: str, factory: ScenarioFactory) -> None:
    scn = factory()
    m1, a = _run(scn, dispatch, escalation, trace=False)
    m2, b = _run(scn, dispatch, escalation, trace=False)
    for name in a:
        x, y = a[name], b[name]
        same = (np.array_equal(x, y, equal_nan=True) if x.dtype.kind == "f"
                else np.array_equal(x, y))
        if not same:
            raise _fail("deterministic", f"column {name} differs between two runs of one seed")
    if m1.resource_rows() != m2.resource_rows():
        raise _fail("deterministic", "worker workloads differ between two runs of one seed")


def check_zero_demand(dispatch: str, escalation: str, factory: ScenarioFactory) -> None:
    scn = _variant(factory(), lambda d: d["arrivals"].__setitem__("scale", 0.0))
    model, cases = _run(scn, dispatch, escalation)
    if len(cases["case_id"]) != 0:
        raise _fail("zero_demand", f"{len(cases['case_id'])} cases without demand")
    assert_invariants(model, cases)
    derive(cases, [d.response for d in model.category_deadline], model.calendar,
           model.horizon_h, model.warmup_h)
    summary = summarise(cases, model.resource_rows(), model.n_contacts)
    if summary["n_arrived"] != 0:
        raise _fail("zero_demand", "summary counts arrivals without demand")


def check_zero_team(dispatch: str, escalation: str, factory: ScenarioFactory) -> None:
    """A department that cases need has no staff: validation says so; a run queues its cases."""
    base = factory()
    owners = [d for d in base.organisation.departments if d.categories]
    if not owners:
        return
    victim = owners[0].id

    def edit(doc: dict[str, Any]) -> None:
        for dept in doc["organisation"]["departments"]:
            if dept["id"] == victim:
                dept["team_size"] = 0
                dept["skills"] = {}

    scn = _variant(base, edit)
    problems = check_references(scn)
    if not any("team_size 0" in message for _path, message in problems):
        raise _fail("zero_team", f"no validation problem for department {victim!r} of size 0")
    model, cases = _run(scn, dispatch, escalation)
    assert_invariants(model, cases)
    # a case handled at the victim's tier could only have been by the victim: none may close
    dept_index = model.department_ids.index(victim)
    owned = np.array([model.category_owner[c] == dept_index for c in cases["category"]],
                     dtype=bool)
    closed_there = owned & (cases["tier_final"] == "department") & ~np.isnan(
        cases["t_closed_h"])
    if closed_there.any():
        raise _fail("zero_team", f"{int(closed_there.sum())} cases closed by a department "
                                 f"without staff")


def check_overload(dispatch: str, escalation: str, factory: ScenarioFactory) -> None:
    base = factory()
    _m0, normal = _run(base, dispatch, escalation, trace=False)
    heavy = _variant(base, lambda d: d["arrivals"].__setitem__(
        "scale", d["arrivals"]["scale"] * 6.0))
    model, cases = _run(heavy, dispatch, escalation)
    assert_invariants(model, cases)
    open_normal = int(np.isnan(normal["t_closed_h"]).sum())
    open_heavy = int(np.isnan(cases["t_closed_h"]).sum())
    if open_heavy <= max(3 * open_normal, 20):
        raise _fail("overload", f"six times the demand leaves {open_heavy} cases open "
                                f"(normal demand: {open_normal})")
    arrival, closed = cases["t_arrival_h"], cases["t_closed_h"]
    half, end = model.horizon_h / 2.0, model.horizon_h
    backlog_half = int(((arrival <= half) & ~(closed <= half)).sum())
    backlog_end = int(((arrival <= end) & ~(closed <= end)).sum())
    if backlog_end <= backlog_half:
        raise _fail("overload", f"backlog did not grow under overload ({backlog_half} at "
                                f"half-time, {backlog_end} at the end)")


CHECKS: tuple[Callable[[str, str, ScenarioFactory], None], ...] = (
    check_invariants,
    check_deterministic,
    check_zero_demand,
    check_zero_team,
    check_overload,
)


def check_policy(dispatch_name: str, escalation_name: str,
                 scenario_factory: ScenarioFactory = small_scenario) -> None:
    """Run the whole battery on one dispatch × escalation pair; raises on the first failure.

    ``scenario_factory()`` returns a fresh, small :class:`Scenario`; parameters for the policies
    go in its ``policy_params``.
    """
    for check in CHECKS:
        check(dispatch_name, escalation_name, scenario_factory)
