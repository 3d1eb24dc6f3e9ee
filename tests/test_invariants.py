"""Sample-path invariants of the reference scenario (beijing_street.yaml, 10 days).

These hold for every run, whatever the seed: Little's law as an exact identity, conservation of
cases, ordered timestamps, workers in one place at a time, work started only on shift.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.run.runner import Replication, resolve_policy, run_one
from sim.scenario.loader import load_scenario

DAYS = 10.0
HORIZON_H = DAYS * 24.0
ROOT_SEED = 7


@pytest.fixture(scope="module", params=[0, 1], ids=["rep0", "rep1"])
def rep(request, scenarios_dir) -> Replication:
    scn = load_scenario(scenarios_dir / "beijing_street.yaml", {"calendar.warmup_days": 3})
    return run_one(scn, resolve_policy(scn, None), request.param, ROOT_SEED, days=DAYS, trace=True)


def _occupancy_integral(arrival: np.ndarray, closed: np.ndarray, t0: float, t1: float) -> float:
    """∫_{t0}^{t1} N(t) dt for the step function N(t) = #{i: arrival_i ≤ t < closed_i},
    integrated event by event (independently of the per-case sum it is compared with)."""
    end = np.where(np.isnan(closed), np.inf, closed)
    times = np.concatenate([arrival, end[np.isfinite(end)], [t0, t1]])
    steps = np.concatenate([np.ones(arrival.size), -np.ones(int(np.isfinite(end).sum())),
                            [0.0, 0.0]])
    order = np.argsort(times, kind="stable")
    times, steps = times[order], steps[order]
    level = np.cumsum(steps)  # N just after each event time
    lo, hi = np.clip(times[:-1], t0, t1), np.clip(times[1:], t0, t1)
    return float(np.sum(level[:-1] * (hi - lo)))


def test_the_run_is_not_trivial(rep: Replication) -> None:
    c = rep.cases
    assert len(c) > 1000
    assert c["t_closed_h"].isna().sum() > 10  # some cases are still open at the horizon
    assert (c["escalations"] > 0).any() and (c["misroutes"] > 0).any()
    assert (c["tier_final"] == "joint").any()
    assert set(c["channel"]) == {"hotline", "patrol", "sensor"}


# -- Little's law ------------------------------------------------------------------------------
def test_littles_law_exact_over_the_horizon(rep: Replication) -> None:
    """L = λW exactly on [0, T] with censoring: W counts min(t_closed, T) − t_arrival."""
    c = rep.cases
    arrival = c["t_arrival_h"].to_numpy()
    closed = c["t_closed_h"].to_numpy()
    T = HORIZON_H
    L = _occupancy_integral(arrival, closed, 0.0, T) / T
    lam = arrival.size / T
    W = float(np.mean(np.fmin(closed, T) - arrival))  # fmin: NaN (open) → T
    assert pytest.approx(lam * W, rel=1e-9) == L
    assert L > 10.0  # a loaded system, not 0 = 0


def test_littles_law_exact_on_the_post_warmup_window(rep: Replication) -> None:
    """H = λG on [w, T]: time-average occupancy = (cases present in the window / length) ×
    mean time each spends inside the window."""
    c = rep.cases
    arrival = c["t_arrival_h"].to_numpy()
    closed = c["t_closed_h"].to_numpy()
    t0, t1 = float(rep.summary["_model"].warmup_h), HORIZON_H
    assert t0 == 72.0
    inside = np.clip(np.fmin(closed, t1), t0, t1) - np.clip(arrival, t0, t1)
    present = inside > 0.0
    L = _occupancy_integral(arrival, closed, t0, t1) / (t1 - t0)
    lam = present.sum() / (t1 - t0)
    G = float(inside[present].mean())
    assert pytest.approx(lam * G, rel=1e-9) == L


def test_backlog_curve_counts_open_cases_exactly(rep: Replication) -> None:
    """backlog.csv at each hour = cases arrived by then and not yet closed."""
    c = rep.cases
    arrival = c["t_arrival_h"].to_numpy()
    closed = np.nan_to_num(c["t_closed_h"].to_numpy(), nan=np.inf)
    b = rep.backlog
    assert b["t_h"].iloc[0] == 0.0 and b["t_h"].iloc[-1] == pytest.approx(HORIZON_H)
    expected = [int(np.sum((arrival <= t) & (closed > t))) for t in b["t_h"]]
    assert b["open_cases"].tolist() == expected


def test_littles_law_from_the_hourly_backlog(rep: Replication) -> None:
    """Statistical version: L from the hourly backlog curve (trapezoid rule) against λW.

    Sampling at whole hours misplaces each arrival and closure by less than an hour; with a
    random phase the trapezoid error of one case is unbiased with variance at most 1/6 h², so
    the total error is within 5 sqrt(n/6) case-hours (5 sigma).
    """
    c = rep.cases
    arrival = c["t_arrival_h"].to_numpy()
    closed = c["t_closed_h"].to_numpy()
    T = HORIZON_H
    b = rep.backlog
    area = float(np.trapezoid(b["open_cases"].to_numpy(), b["t_h"].to_numpy()))
    exact = float(np.sum(np.fmin(closed, T) - arrival))
    tolerance = 5.0 * math.sqrt(arrival.size / 6.0)
    assert abs(area - exact) < tolerance, (area, exact, tolerance)
    assert tolerance < 0.02 * exact  # the check is not vacuous: under 2 % of the area
    L = area / T
    lam, W = arrival.size / T, exact / arrival.size
    assert pytest.approx(lam * W, rel=0.02) == L


# -- conservation and timestamps -------------------------------------------------------------
def test_every_case_is_closed_or_open_once(rep: Replication, invariants) -> None:
    model = rep.summary["_model"]
    loop = model.workflow("closed_loop")
    invariants.conservation(rep.cases, loop.items_created, loop.items_open)
    invariants.summary_counts(rep.cases, rep.summary)


def test_open_cases_have_no_closure_fields(rep: Replication) -> None:
    c = rep.cases
    open_ = c[c["t_closed_h"].isna()]
    assert open_["resolution_h"].isna().all()
    assert not open_["satisfied"].any() and not open_["on_time_close"].any()


def test_timestamps_are_ordered(rep: Replication, invariants) -> None:
    invariants.monotone_timestamps(rep.cases, HORIZON_H)
    c = rep.cases
    done = c["t_closed_h"].notna()
    assert np.allclose(c.loc[done, "resolution_h"], c.loc[done, "t_closed_h"]
                       - c.loc[done, "t_arrival_h"])
    # a case's total queueing cannot exceed the time it has spent in the system
    spent = np.fmin(c["t_closed_h"].to_numpy(), HORIZON_H) - c["t_arrival_h"].to_numpy()
    assert np.all(c["wait_h"].to_numpy() <= spent + 1e-9)


# -- workers -------------------------------------------------------------------------------
def test_no_worker_is_in_two_places_at_once(rep: Replication, invariants) -> None:
    invariants.no_overlap(rep.summary["_trace"])


def test_work_starts_only_on_shift(rep: Replication, invariants) -> None:
    model = rep.summary["_model"]
    invariants.starts_on_shift(rep.summary["_trace"], model.units.teams)
    # the check has teeth: departments on office hours exist and did work
    office = [t for t in model.units.teams if t.kind == "department" and len(t.intervals) < DAYS]
    assert office and any(w.cases > 0 for t in office for w in t.workers)


def test_busy_time_within_horizon_and_equal_to_trace(rep: Replication, invariants) -> None:
    invariants.busy_within_horizon(rep.resources, HORIZON_H, rep.summary["_trace"])


def test_case_count_matches_trace(rep: Replication) -> None:
    """Each traced busy period of a field worker is one case taken (``cases_handled``)."""
    res: pd.DataFrame = rep.resources
    trace = rep.summary["_trace"]
    field = set(res.loc[res["unit_kind"].isin(["grid", "street", "department"]), "worker"])
    traced = sum(1 for worker, *_ in trace if worker in field)
    assert traced == int(res.loc[res["worker"].isin(field), "cases_handled"].sum())


# -- edge cases on constructed arrivals ----------------------------------------------------------
def _fixed_arrivals(times_h: list[float]):
    """A stand-in for the NHPP generator that delivers the given arrival times, once."""
    def iter_arrival_chunks(rate, rng, multipliers=None):
        yield np.array(times_h, dtype=float)

    return iter_arrival_chunks


def test_arrival_time_is_the_simulation_clock(monkeypatch, scenarios_dir) -> None:
    """now + (t − now) can round one ulp below t (0.2 + (0.9 − 0.2) < 0.9): the case must be
    stamped with the simulation clock, or it is dispatched before it arrived."""
    import sim.model.model

    monkeypatch.setattr(sim.model.model, "iter_arrival_chunks", _fixed_arrivals([0.2, 0.9]))
    scn = load_scenario(scenarios_dir / "validation" / "mmc.yaml")
    c = run_one(scn, resolve_policy(scn, None), 0, 0, days=1).cases
    assert c["t_arrival_h"].to_numpy() == pytest.approx([0.2, 0.9], abs=1e-12)
    stages = ["t_arrival_h", "t_dispatched_h", "t_start_h"]
    assert (c["t_dispatched_h"] >= c["t_arrival_h"]).all(), c[stages].to_numpy().tolist()


def test_open_case_is_not_on_site_after_the_horizon(monkeypatch, scenarios_dir) -> None:
    """A worker still on the road at the horizon has not arrived: no on-site time (and no
    response counted) for an event after the end of the run."""
    import sim.model.model

    monkeypatch.setattr(sim.model.model, "iter_arrival_chunks", _fixed_arrivals([0.5]))
    # one department 100 km away at 25 km/h: 4 h on the road, the run lasts 2 h
    scn = load_scenario(scenarios_dir / "validation" / "mmc.yaml",
                        {"travel.enabled": True,
                         "organisation.departments[0].base": {"x_km": 100.0, "y_km": 0.0}})
    c = run_one(scn, resolve_policy(scn, None), 0, 0, days=2 / 24).cases
    assert len(c) == 1 and np.isnan(c["t_closed_h"].iloc[0])
    assert c["t_start_h"].iloc[0] == 0.5
    onsite = c["t_onsite_h"].iloc[0]
    assert np.isnan(onsite) or onsite <= 2.0, f"on site at {onsite} h, after the 2 h horizon"


def test_joint_summons_go_ahead_of_the_ordinary_queue(monkeypatch, scenarios_dir) -> None:
    """联合处置: a department summoned to a joint case serves it before ordinary cases that were
    queueing first (docs/model.md). Department b is busy with one ordinary case and has two more
    waiting when a joint case takes department a (the lead) at t=0.4 and summons b."""
    import sim.model.model

    times = iter([[0.1, 0.2, 0.3], [0.4]])  # channel "ordinary", then channel "joint"
    monkeypatch.setattr(sim.model.model, "iter_arrival_chunks",
                        lambda rate, rng, multipliers=None: iter([np.array(next(times),
                                                                            dtype=float)]))
    one_hour = {"dist": "deterministic", "value_h": 1.0}
    scn = load_scenario(scenarios_dir / "validation" / "mmc.yaml", {
        "organisation.departments": [
            {"id": "a", "team_size": 1, "shift": "always", "categories": []},
            {"id": "b", "team_size": 1, "shift": "always", "categories": ["ordinary"]}],
        "categories": [
            {"id": "ordinary", "share": 1.0, "tiers": {"department": 1.0},
             "handling": {"department": one_hour}},
            {"id": "jt", "share": 0.0, "tiers": {"joint": 1.0}, "handling": {"joint": one_hour},
             "joint_departments": ["a", "b"]}],
        "escalation": {"ladder": ["department", "joint"]},
        "arrivals.channels": [
            {"id": "ordinary", "kind": "sensor", "rate_per_day": 1.0,
             "category_mix": {"ordinary": 1.0}},
            {"id": "joint", "kind": "sensor", "rate_per_day": 1.0, "category_mix": {"jt": 1.0}}],
    })
    c = run_one(scn, resolve_policy(scn, None), 0, 0, days=1).cases.set_index("t_arrival_h")
    start = c["t_start_h"]
    assert list(c.sort_index()["category"]) == ["ordinary", "ordinary", "ordinary", "jt"]
    assert start[0.4] == pytest.approx(1.1), "the summons waited behind ordinary cases"
    assert start[0.2] == pytest.approx(2.1) and start[0.3] == pytest.approx(3.1)
