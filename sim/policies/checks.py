"""The battery every dispatch × escalation policy must pass, shipped with the package (like
scikit-learn's ``check_estimator`` / ``parametrize_with_checks``): a plug-in author who installed
govsim runs the very checks govsim runs on its own policies.

``check_policy(dispatch, escalation, factory)`` runs every check on small scenarios made by
``factory(demand)`` (default :func:`small_scenario`: a street of six grids with every kind of
unit, shifts with off-duty time, skills, joint and emergency cases, so every policy feature is
used) and raises ``AssertionError("[check] …")`` naming the rule that broke:

* ``invariants`` — conservation (every arrival closed or open, unique ids, times in workflow
  order), no worker in two places and no case with two workers of one unit at once, every
  assignment on shift;
* ``deterministic`` — the same seed gives identical cases and workloads;
* ``zero_demand`` — no arrivals: no cases, no crash, summaries defined;
* ``zero_team`` — a unit of size zero that cases need is a validation error; run anyway, its
  cases queue (stay open) and nothing else breaks;
* ``overload`` — demand far above capacity: the backlog grows, the invariants still hold;
* ``params_forbid_unknown`` — a misspelt parameter is an error, not silently ignored;
* ``zero_duration_no_event`` — with every duration zero, no step schedules a zero-delay event;
* ``common_random_numbers`` — the policy sees exactly the arrivals ``manual+transfer`` sees.

In a test module::

    from sim.policies.checks import parametrize_with_checks

    @parametrize_with_checks([("manual", "transfer"), (MyDispatch, "whistle")])
    def test_policy(check):
        check()
"""

from __future__ import annotations

import functools
import itertools
import typing
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
from pydantic import BaseModel, ValidationError

from sim.model.invariants import (
    assert_conservation,
    assert_monotone_timestamps,
    assert_no_worker_in_two_places,
    assert_on_shift,
    fail,
    same_columns,
)
from sim.model.model import Model
from sim.model.workflow import Columns, Workflow
from sim.policies.base import (
    DISPATCH,
    ESCALATION,
    DispatchPolicy,
    EscalationPolicy,
    register_dispatch,
    register_escalation,
)
from sim.scenario.checks import check_references
from sim.scenario.scenario import Scenario
from sim.stochastic import distributions

__all__ = ["CHECKS", "check_policy", "parametrize_with_checks", "small_scenario",
           "small_scenario_dict"]

#: ``factory(demand)``: a fresh small scenario, its demand multiplied by ``demand``
ScenarioFactory = Callable[[float], Scenario]
SEED = 20240601
#: columns fixed at arrival, identical under every policy on one seed
ARRIVAL_COLUMNS = ("case_id", "t_arrival_h", "channel", "category", "grid", "high_risk",
                   "close_due_h", "flare_h")


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


def small_scenario(demand: float = 1.0, **policy_params: dict[str, Any]) -> Scenario:
    """The battery's default scenario, demand × ``demand``; keyword arguments add
    ``policy_params`` entries (``small_scenario(algorithmic={"rule": "skill"})``)."""
    doc = small_scenario_dict(scale=demand)
    doc["policy_params"].update(policy_params)
    return Scenario.model_validate(doc)


# -- helpers -------------------------------------------------------------------------------
def _variant(scn: Scenario, edit: Callable[[dict[str, Any]], None]) -> Scenario:
    doc = scn.model_dump(mode="python", exclude_unset=False)
    edit(doc)
    return Scenario.model_validate(doc)


def _run(scn: Scenario, dispatch: str, escalation: str, seed: int = SEED,
         trace: bool = True) -> tuple[Model, Workflow, Columns]:
    model = Model(scn, seed=seed, policy=scn.policy_spec(dispatch, escalation), trace=trace)
    result = model.run()
    return model, model.workflow("closed_loop"), result.cases


def assert_invariants(model: Model, loop: Workflow, cases: Columns) -> None:
    """Conservation, times in order, no double assignment, every assignment on shift."""
    assert_conservation(loop, cases)
    assert_monotone_timestamps(loop, cases, model.horizon_h)
    closed = ~np.isnan(cases["t_closed_h"])
    if (cases["tier_final"][closed] == "").any():
        raise fail("conservation", "a closed case was never handled at any tier")
    if (cases["wait_h"] < -1e-9).any() or (cases["handle_h"] < -1e-9).any():
        raise fail("conservation", "negative wait or handling time")
    try:
        assert_no_worker_in_two_places(model.units)
    except AssertionError as exc:  # the policy battery's name for it
        raise fail("no_double_assignment", str(exc).split("] ", 1)[-1]) from None
    _assert_one_worker_per_unit(model)
    assert_on_shift(model.units)


def _assert_one_worker_per_unit(model: Model) -> None:
    """No case holds two workers of one unit at once."""
    units = model.units
    assert units.assignments is not None
    team_of = {w.id: team for team in units.teams for w in team.workers}
    by_case_team: dict[tuple[int, str], list[tuple[float, float]]] = defaultdict(list)
    for worker, case_id, start, end in units.assignments:
        if case_id >= 0:
            by_case_team[(case_id, team_of[worker].name)].append((start, end))
    for (case_id, team), intervals in by_case_team.items():
        intervals.sort()
        for (_s0, e0), (s1, _e1) in itertools.pairwise(intervals):
            if s1 < e0 - 1e-9:
                raise fail("no_double_assignment",
                           f"case {case_id} holds two workers of {team} at once (t={s1:.3f})")


# -- the checks ----------------------------------------------------------------------------
def check_invariants(dispatch: str, escalation: str, factory: ScenarioFactory) -> None:
    model, loop, cases = _run(factory(1.0), dispatch, escalation)
    if len(cases["case_id"]) == 0:
        raise fail("conservation", "the battery scenario produced no cases")
    assert_invariants(model, loop, cases)


def check_deterministic(dispatch: str, escalation: str, factory: ScenarioFactory) -> None:
    scn = factory(1.0)
    m1, _l1, a = _run(scn, dispatch, escalation, trace=False)
    m2, _l2, b = _run(scn, dispatch, escalation, trace=False)
    differs = same_columns(a, b)
    if differs is not None:
        raise fail("deterministic", f"column {differs} differs between two runs of one seed")
    if m1.units.resource_rows() != m2.units.resource_rows():
        raise fail("deterministic", "worker workloads differ between two runs of one seed")


def check_zero_demand(dispatch: str, escalation: str, factory: ScenarioFactory) -> None:
    model, loop, cases = _run(factory(0.0), dispatch, escalation)
    if len(cases["case_id"]) != 0:
        raise fail("zero_demand", f"{len(cases['case_id'])} cases without demand")
    assert_invariants(model, loop, cases)
    loop.derive(cases)
    summary = loop.summarise(cases, model.units.resource_rows(), {"n_contacts": 0})
    if summary["n_arrived"] != 0:
        raise fail("zero_demand", "summary counts arrivals without demand")


def check_zero_team(dispatch: str, escalation: str, factory: ScenarioFactory) -> None:
    """A department that cases need has no staff: validation says so; a run queues its cases."""
    base = factory(1.0)
    owners = [d for d in base.organisation.departments if d.categories]
    if not owners:
        return
    victim = owners[0]

    def edit(doc: dict[str, Any]) -> None:
        for dept in doc["organisation"]["departments"]:
            if dept["id"] == victim.id:
                dept["team_size"] = 0
                dept["skills"] = {}

    scn = _variant(base, edit)
    problems = check_references(scn)
    if not any("team_size 0" in message for _path, message in problems):
        raise fail("zero_team", f"no validation problem for department {victim.id!r} of size 0")
    model, loop, cases = _run(scn, dispatch, escalation)
    assert_invariants(model, loop, cases)
    # a case handled at the victim's tier could only have been by the victim: none may close
    category_ids = [c.id for c in scn.categories or ()]
    owned = np.isin(cases["category"], [category_ids.index(c) for c in victim.categories])
    closed_there = owned & (cases["tier_final"] == "department") & ~np.isnan(
        cases["t_closed_h"])
    if closed_there.any():
        raise fail("zero_team", f"{int(closed_there.sum())} cases closed by a department "
                                f"without staff")


def check_overload(dispatch: str, escalation: str, factory: ScenarioFactory) -> None:
    _m0, _l0, normal = _run(factory(1.0), dispatch, escalation, trace=False)
    model, loop, cases = _run(factory(6.0), dispatch, escalation)
    assert_invariants(model, loop, cases)
    open_normal = int(np.isnan(normal["t_closed_h"]).sum())
    open_heavy = int(np.isnan(cases["t_closed_h"]).sum())
    if open_heavy <= max(3 * open_normal, 20):
        raise fail("overload", f"six times the demand leaves {open_heavy} cases open "
                               f"(normal demand: {open_normal})")
    arrival, closed = cases["t_arrival_h"], cases["t_closed_h"]
    half, end = model.horizon_h / 2.0, model.horizon_h
    backlog_half = int(((arrival <= half) & ~(closed <= half)).sum())
    backlog_end = int(((arrival <= end) & ~(closed <= end)).sum())
    if backlog_end <= backlog_half:
        raise fail("overload", f"backlog did not grow under overload ({backlog_half} at "
                               f"half-time, {backlog_end} at the end)")


def check_params_forbid_unknown(dispatch: str, escalation: str,
                                factory: ScenarioFactory) -> None:
    """A misspelt parameter (``misroute_pp``) must be an error naming it, on both axes."""
    for registry, name in ((DISPATCH, dispatch), (ESCALATION, escalation)):
        params: type[BaseModel] = registry[name].Params
        try:
            params.model_validate({"surely_not_a_parameter_of_this_policy": 1})
        except ValidationError as exc:
            if any(err["type"] == "extra_forbidden" for err in exc.errors()):
                continue
        raise fail("params_forbid_unknown", f"policy {name!r} accepts an unknown parameter: "
                                            f"its Params model needs extra='forbid'")


@contextmanager
def _every_duration_zero() -> Iterator[None]:
    """Every distribution of the run (handling, talk, triage, delays …) draws zero."""
    classes = _distribution_classes()
    saved = {cls: cls.sampler for cls in classes}

    def zero_sampler(self: Any, rng: Any = None, block: int = 1024) -> Callable[[], float]:
        return lambda: 0.0

    try:
        for cls in classes:
            cls.sampler = zero_sampler
        yield
    finally:
        for cls, sampler in saved.items():
            cls.sampler = sampler


def _distribution_classes() -> list[type[Any]]:
    """The distribution classes a scenario field may hold."""
    union = typing.get_args(distributions.Distribution)[0]
    return list(typing.get_args(union))


def check_zero_duration_no_event(dispatch: str, escalation: str,
                                 factory: ScenarioFactory) -> None:
    """With every duration zero and travel off, no case process schedules a zero-delay event
    (a zero-duration stage must not cost an event: the textbook reductions rely on it)."""
    scn = _variant(factory(1.0), lambda d: d["travel"].__setitem__("enabled", False))
    with _every_duration_zero():
        model = Model(scn, seed=SEED, policy=scn.policy_spec(dispatch, escalation))
    env = model.env
    made = env.timeout
    zero_in_a_case: list[float] = []

    def timeout(delay: float, value: Any = None) -> Any:
        if delay == 0 and env.active_process is not None:
            zero_in_a_case.append(env.now)
        return made(delay, value)

    env.timeout = timeout  # type: ignore[assignment]  # counting wrapper, same signature
    model.run()
    if zero_in_a_case:
        raise fail("zero_duration_no_event",
                   f"{len(zero_in_a_case)} zero-delay timeouts scheduled by case processes "
                   f"(first at t={zero_in_a_case[0]:.3f} h): skip a step that takes no time")


def check_common_random_numbers(dispatch: str, escalation: str,
                                factory: ScenarioFactory) -> None:
    """On one seed the policy sees the arrivals ``manual+transfer`` sees: same cases, same
    times, same latent attributes (the policy draws only from streams of its own)."""
    scn = factory(1.0)
    _m, _l, base = _run(scn, "manual", "transfer", trace=False)
    _m, _l, mine = _run(scn, dispatch, escalation, trace=False)
    a, b = np.argsort(base["case_id"]), np.argsort(mine["case_id"])
    for name in ARRIVAL_COLUMNS:
        x, y = base[name][a], mine[name][b]
        if x.shape != y.shape or not np.array_equal(x, y, equal_nan=x.dtype.kind == "f"):
            raise fail("common_random_numbers", f"{name} of the arriving cases differs from "
                                                f"manual+transfer on the same seed")


CHECKS: tuple[Callable[[str, str, ScenarioFactory], None], ...] = (
    check_params_forbid_unknown,
    check_invariants,
    check_deterministic,
    check_zero_demand,
    check_zero_team,
    check_overload,
    check_zero_duration_no_event,
    check_common_random_numbers,
)


def check_policy(dispatch: str, escalation: str,
                 factory: ScenarioFactory = small_scenario) -> None:
    """Run the whole battery on one dispatch × escalation pair; raises on the first failure.

    ``factory(demand)`` returns a fresh, small :class:`Scenario` (demand × ``demand``);
    parameters for the policies go in its ``policy_params``.
    """
    for check in CHECKS:
        check(dispatch, escalation, factory)


PolicyRef = str | type[DispatchPolicy] | type[EscalationPolicy]


def _registered(policy: PolicyRef, registry: dict[str, Any],
                register: Callable[[Any], Any]) -> str:
    """The registry name of a policy given by name or class (a class is registered)."""
    if isinstance(policy, str):
        return policy
    if registry.get(policy.name) is not policy:
        register(policy)
    return policy.name


def parametrize_with_checks(pairs: Sequence[tuple[PolicyRef, PolicyRef]],
                            factory: ScenarioFactory = small_scenario) -> Any:
    """A ``pytest.mark.parametrize`` of one test per (policy pair, check), with ids like
    ``manual+transfer-check_invariants``; the test calls ``check()``. Policies are given by
    registry name or by class (an unregistered class is registered)."""
    import pytest

    cases = []
    for dispatch, escalation in pairs:
        d = _registered(dispatch, DISPATCH, register_dispatch)
        e = _registered(escalation, ESCALATION, register_escalation)
        for check in CHECKS:
            cases.append((functools.partial(check, d, e, factory), f"{d}+{e}-{check.__name__}"))
    return pytest.mark.parametrize("check", [c for c, _ in cases], ids=[i for _, i in cases])
