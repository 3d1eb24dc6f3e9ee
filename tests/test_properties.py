"""Property tests: random small scenarios must pass the invariant battery and be deterministic.

Hypothesis builds scenario documents the way a user would write them (1–3 streets and
communities, a lattice of 1–9 grids, 0–3 departments, shifts including overnight ones, every
distribution kind, hotline / patrol / sensor channels, patrol handled by the grid itself) and
validates them through :func:`sim.scenario.loader.validate_data`, so only valid scenarios are run.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sim.run.runner import resolve_policy, run_one
from sim.scenario.loader import validate_data
from sim.scenario.scenario import Scenario

# profile weights: subnormal floats are left out here (see test_subnormal_profile_runs)
WEIGHTS = st.floats(0.0, 3.0, allow_subnormal=False)
TIER_ORDER = ("grid", "community", "street", "department", "joint")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def hhmm(quarter_hours: int) -> str:
    return f"{quarter_hours // 4:02d}:{15 * (quarter_hours % 4):02d}"


@st.composite
def windows(draw) -> str:
    """A daily window on the quarter hour; end before start is an overnight shift."""
    start = draw(st.integers(0, 95))
    end = draw(st.integers(1, 96).filter(lambda e: e != start))
    return f"{hhmm(start)}-{hhmm(end)}"


@st.composite
def shift_patterns(draw) -> dict[str, Any]:
    days = draw(st.one_of(
        st.sampled_from(["all", "weekdays"]),
        st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7, unique=True),
    ))
    return {"windows": draw(st.lists(windows(), min_size=1, max_size=3)), "days": days}


@st.composite
def distributions(draw, max_mean_h: float = 2.0) -> dict[str, Any]:
    """Every distribution kind, with means up to ``max_mean_h`` hours."""
    mean = draw(st.floats(0.05, max_mean_h))
    cv = draw(st.floats(0.2, 2.0))
    kind = draw(st.sampled_from(["exponential", "lognormal", "gamma", "weibull", "triangular",
                                 "uniform", "deterministic", "empirical"]))
    if kind == "exponential":
        return {"dist": kind, "mean_h": mean}
    if kind in ("lognormal", "gamma"):
        return {"dist": kind, "mean_h": mean, "cv": cv}
    if kind == "weibull":
        return {"dist": kind, "shape": draw(st.floats(0.5, 3.0)), "scale_h": mean}
    if kind == "triangular":
        return {"dist": kind, "low_h": 0.0, "mode_h": mean, "high_h": 2.0 * mean + 0.1}
    if kind == "uniform":
        return {"dist": kind, "low_h": mean / 2, "high_h": 1.5 * mean}
    if kind == "deterministic":
        # whole quarter hours: durations that line up with shift boundaries exactly
        return {"dist": kind, "value_h": draw(st.integers(0, 8)) / 4.0}
    return {"dist": kind,
            "samples_h": draw(st.lists(st.floats(0.0, 2 * max_mean_h), min_size=1, max_size=5))}


def probabilities(draw, names: list[str]) -> dict[str, float]:
    """Random probabilities over ``names`` summing to 1 (integer weights, normalised)."""
    weights = draw(st.lists(st.integers(0, 10), min_size=len(names), max_size=len(names)))
    if sum(weights) == 0:
        weights[draw(st.integers(0, len(names) - 1))] = 1
    total = sum(weights)
    return {n: w / total for n, w in zip(names, weights, strict=True)}


@st.composite
def scenarios(draw) -> dict[str, Any]:
    shift_names = [f"s{i}" for i in range(draw(st.integers(0, 3)))]
    shifts = {name: draw(shift_patterns()) for name in shift_names}
    any_shift = st.sampled_from([*shift_names, "always", "office"])
    horizon = draw(st.floats(0.5, 5.0))
    start = datetime(2025, 3, 3) + timedelta(hours=draw(st.integers(0, 7 * 24 - 1)))

    n_streets = draw(st.integers(1, 3))
    n_communities = draw(st.integers(1, 3))
    n_departments = draw(st.integers(0, 3))
    grid_workers = draw(st.integers(0, 2))
    street_team = draw(st.booleans())
    community_team = draw(st.booleans())

    available = []
    if grid_workers > 0:
        available.append("grid")
    if community_team:
        available.append("community")
    if street_team:
        available.append("street")
    if n_departments >= 1:
        available.append("department")
    if n_departments >= 2:
        available.append("joint")
    if not available:  # nobody to handle anything: give the streets a team
        street_team = True
        available.append("street")
    ladder = [t for t in TIER_ORDER
              if t in available and draw(st.booleans())] or [draw(st.sampled_from(available))]

    n_categories = draw(st.integers(1, 3))
    categories = []
    for i in range(n_categories):
        cat: dict[str, Any] = {
            "id": f"cat{i}",
            "share": draw(st.floats(0.1, 1.0)),
            "deadline_class": draw(st.sampled_from(["emergency", "utilities", "general",
                                                    "complex"])),
            "tiers": probabilities(draw, [*ladder, "none"]),
            "handling": {t: draw(distributions()) for t in ladder},
            "flare_risk": draw(st.floats(0.0, 3.0)),
        }
        if draw(st.booleans()):
            cat["entry"] = draw(st.sampled_from(ladder))
        if "joint" in ladder:
            cat["joint_departments"] = draw(st.lists(
                st.sampled_from([f"d{j}" for j in range(n_departments)]),
                min_size=2, max_size=n_departments, unique=True))
        categories.append(cat)

    departments = []
    owner = [draw(st.integers(0, n_departments - 1)) if n_departments else -1
             for _ in range(n_categories)]
    for j in range(n_departments):
        departments.append({
            "id": f"d{j}", "team_size": draw(st.integers(1, 3)), "shift": draw(any_shift),
            "base": {"x_km": draw(st.floats(0, 3)), "y_km": draw(st.floats(0, 3))},
            "categories": [f"cat{i}" for i in range(n_categories) if owner[i] == j],
        })

    org: dict[str, Any] = {
        "streets": [{"id": f"st{k}",
                     "team": {"size": draw(st.integers(1, 3)) if street_team else 0,
                              "shift": draw(any_shift)},
                     "location": {"x_km": draw(st.floats(0, 2)), "y_km": draw(st.floats(0, 2))}}
                    for k in range(n_streets)],
        "communities": [{"id": f"c{k}", "street": f"st{k % n_streets}",
                         **({"team": {"size": draw(st.integers(1, 2)), "shift": draw(any_shift)}}
                            if community_team else {})}
                        for k in range(n_communities)],
        "grid_lattice": {"count": draw(st.integers(1, 9)), "spacing_km": draw(st.floats(0.1, 1)),
                         "communities": [f"c{k}" for k in range(n_communities)]},
        "grid_workers_per_grid": grid_workers,
        "grid_worker_shift": draw(any_shift),
        "departments": departments,
    }
    has_hotline = draw(st.booleans())
    if has_hotline:
        org["hotline"] = {"operators": draw(st.integers(1, 2)), "shift": draw(any_shift),
                          "talk_time": draw(st.one_of(st.none(), distributions(0.2)))}
    if draw(st.booleans()):
        org["dispatch_desk"] = {"dispatchers": draw(st.integers(1, 2)), "shift": draw(any_shift),
                                "triage_time": draw(st.one_of(st.none(), distributions(0.3)))}

    kinds = ["sensor", "patrol"] + (["hotline"] if has_hotline else [])
    channels = []
    for k in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(kinds))
        ch: dict[str, Any] = {"id": f"ch{k}", "kind": kind}
        if draw(st.booleans()):
            ch["rate_per_day"] = draw(st.floats(0.0, 60.0))
        else:
            ch["rate_per_grid_per_day"] = draw(st.floats(0.0, 8.0))
        if kind == "hotline":
            ch["order_share"] = draw(st.floats(0.0, 1.0))
        if kind == "patrol" and grid_workers > 0:
            ch["via_dispatch"] = draw(st.booleans())
        if draw(st.booleans()):
            ch["hour_profile"] = draw(st.lists(WEIGHTS, min_size=24, max_size=24)
                                      .filter(lambda p: sum(p) > 0))
        if draw(st.booleans()):
            ch["weekday_profile"] = draw(st.lists(WEIGHTS, min_size=7, max_size=7)
                                         .filter(lambda p: sum(p) > 0))
        if draw(st.booleans()):
            s0 = draw(st.floats(0.0, horizon * 0.9))
            ch["surges"] = [{"start_day": s0, "end_day": s0 + draw(st.floats(0.1, 2.0)),
                             "multiplier": draw(st.floats(0.0, 4.0))}]
        if draw(st.booleans()):
            ch["category_mix"] = probabilities(draw, [c["id"] for c in categories])
        channels.append(ch)

    def stage() -> dict[str, Any] | None:
        return draw(st.one_of(st.none(), distributions(0.5).map(lambda d: {"time": d})))

    return {
        "version": 1,
        "name": "property",
        "calendar": {"start": start.isoformat(), "horizon_days": horizon,
                     "warmup_days": draw(st.floats(0.0, 0.5)) * horizon},
        "shifts": shifts,
        "organisation": org,
        "arrivals": {"scale": draw(st.floats(0.25, 2.0)), "channels": channels},
        "categories": categories,
        "escalation": {"ladder": ladder, "attempt_fraction": draw(st.floats(0.1, 1.0))},
        "travel": {"enabled": draw(st.booleans()),
                   "metric": draw(st.sampled_from(["manhattan", "euclid"]))},
        "registration": stage(),
        "verification": stage(),
        "evaluation": draw(st.one_of(st.none(), st.builds(
            lambda p, f, r, m: {"satisfied_p_on_time": p, "satisfied_p_floor": f * p,
                                "reopen_p": r, "max_reopens": m},
            st.floats(0, 1), st.floats(0, 1), st.floats(0, 1), st.integers(0, 2)))),
        "flareup": draw(st.one_of(st.none(), st.just({"shape": 1.5, "scale_h": 100.0}))),
        "policy": {
            "dispatch": {"name": "manual",
                         "params": {"misroute_p": draw(st.sampled_from([0.0, 0.1, 0.5])),
                                    "return_delay": draw(distributions(3.0))}},
            "escalation": {"name": "transfer",
                           "params": {"transfer_delay": draw(distributions(6.0))}},
        },
    }


SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _run(scn: Scenario, seed: int = 0):
    return run_one(scn, resolve_policy(scn, None), 0, seed, trace=True)


@SETTINGS
@given(doc=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_random_scenarios_keep_the_invariants(doc: dict[str, Any], seed: int, invariants) -> None:
    scn = validate_data(doc, "<hypothesis>")
    rep = _run(scn, seed)
    invariants.all(rep, scn.calendar.horizon_days * 24.0)
    n = len(rep.cases)
    event("cases: " + ("0" if n == 0 else "1-49" if n < 50 else "50+"))
    event("some cases open at the end" if rep.cases["t_closed_h"].isna().any() else "all closed")


@settings(SETTINGS, max_examples=30)
@given(doc=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_random_scenarios_are_deterministic(doc: dict[str, Any], seed: int, same_frames) -> None:
    scn = validate_data(doc, "<hypothesis>")
    a, b = _run(scn, seed), _run(scn, seed)
    assert same_frames(a.cases, b.cases)
    assert same_frames(a.resources, b.resources)
    assert a.summary["_trace"] == b.summary["_trace"]
    assert np.array_equal(a.backlog["open_cases"], b.backlog["open_cases"])


def test_the_generator_reaches_every_feature() -> None:
    """Guard against a generator that only ever produces trivial scenarios."""
    seen: set[str] = set()

    @settings(max_examples=150, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(doc=scenarios())
    def collect(doc: dict[str, Any]) -> None:
        validate_data(doc, "<hypothesis>")
        org = doc["organisation"]
        seen.update(doc["escalation"]["ladder"])
        seen.add(f"dept{len(org['departments'])}")
        seen.update(ch["kind"] for ch in doc["arrivals"]["channels"])
        if any(not ch.get("via_dispatch", True) for ch in doc["arrivals"]["channels"]):
            seen.add("self-handled patrol")
        for shift in doc["shifts"].values():
            for w in shift["windows"]:
                a, b = w.split("-")
                if b <= a:
                    seen.add("overnight")
        for cat in doc["categories"]:
            seen.update(d["dist"] for d in cat["handling"].values())

    collect()
    expected = {"grid", "community", "street", "department", "joint", "dept0", "dept3",
                "hotline", "patrol", "sensor", "self-handled patrol", "overnight",
                "exponential", "lognormal", "gamma", "weibull", "triangular", "uniform",
                "deterministic", "empirical"}
    assert expected <= seen, f"never generated: {sorted(expected - seen)}"


def test_subnormal_profile_runs(scenarios_dir) -> None:
    from sim.scenario.loader import load_scenario

    scn = load_scenario(scenarios_dir / "validation" / "mmc.yaml",
                        {"arrivals.channels[0].weekday_profile": [5e-324, 0, 0, 0, 0, 0, 0]})
    run_one(scn, resolve_policy(scn, None), 0, 0, days=8)
