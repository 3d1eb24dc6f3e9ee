"""The hotline as a call centre (organisation.hotline.callers): retrials, lost orders, self
service, the contact log and its figures. The queueing theory (Erlang A) is in test_theory.py."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.model.invariants import assert_conservation, assert_monotone_timestamps
from sim.model.model import Model
from sim.run.runner import Replication, resolve_policy, run_one
from sim.scenario.loader import load_scenario
from sim.workflows.closed_loop.workflow import ClosedLoop

STREET = Path(__file__).resolve().parents[1] / "scenarios" / "beijing_street.yaml"
# the street's rota (1 night, 3 day, 2 late operators), 200 contacts a day of ~150 s, and
# callers who hang up after 36 s on average: hang-ups at every peak
IMPATIENT = {"patience": {"dist": "exponential", "mean_h": 0.01}}


def street(callers: dict[str, Any], days: float = 28.0, **more: Any):
    return load_scenario(STREET, {"organisation.hotline.callers": callers,
                                  "calendar.horizon_days": days, "calendar.warmup_days": 0,
                                  **more})


def run(callers: dict[str, Any], seed: int = 0, **more: Any) -> Replication:
    scn = street(callers, **more)
    return run_one(scn, resolve_policy(scn, None), 0, seed)


def test_retries_are_new_contacts_of_the_same_matter() -> None:
    rep = run({**IMPATIENT, "retrial": {"p": 1.0, "delay": {"dist": "exponential",
                                                             "mean_h": 0.1}}})
    c = rep.tables["contacts"]
    assert c["abandoned"].sum() > 100, "the test needs callers who hang up"
    for _matter, calls in c.sort_values("contact_id").groupby("matter_id"):
        attempts = calls["attempt"].to_numpy()
        assert attempts.tolist() == list(range(len(calls)))
        # every call but the last hung up; the last was answered, hung up (retry pending at
        # the end) or still waits
        assert calls["abandoned"].to_numpy()[:-1].all()
        assert (calls["t_arrival_h"].diff().dropna() > 0).all()
        assert calls["order"].nunique() == 1
    # with p = 1 no order is lost; an answered order contact names its case
    assert rep.summary["lost_orders"] == 0
    cases = rep.cases
    cases = cases[cases["channel"] == "hotline"]
    answered_orders = c[c["answered"] & c["order"]]
    assert sorted(answered_orders["case_id"]) == sorted(cases["case_id"])
    assert (answered_orders.groupby("matter_id").size() == 1).all()
    # the case's arrival is the first call of its matter
    first = c.groupby("matter_id")["t_arrival_h"].min()
    by_case = answered_orders.set_index("case_id")["matter_id"]
    arrival = cases.set_index("case_id")["t_arrival_h"]
    assert np.allclose(arrival.loc[by_case.index], first.loc[by_case.to_numpy()])
    assert rep.summary["retry_share"] > 0.0
    assert rep.summary["n_contacts"] == len(c)


def test_without_retrial_an_abandoned_order_is_lost() -> None:
    rep = run(IMPATIENT)
    c = rep.tables["contacts"]
    lost = int((c["abandoned"] & c["order"]).sum())
    assert lost > 20
    assert rep.summary["lost_orders"] == lost
    cases = rep.cases
    assert (cases["channel"] == "hotline").sum() == int((c["answered"] & c["order"]).sum())
    assert (c["attempt"] == 0).all()


def test_retrial_probability_is_the_share_of_hang_ups_called_again() -> None:
    p = 0.4
    rep = run({**IMPATIENT, "retrial": {"p": p, "delay": {"dist": "exponential",
                                                           "mean_h": 0.05}}}, days=28)
    c = rep.tables["contacts"]
    hung_up = c[c["abandoned"] & (c["t_arrival_h"] < 27 * 24)]
    called_again = c["matter_id"].to_numpy()[c["attempt"].to_numpy() > 0]
    # a hang-up is followed by a retry when its matter has a contact with the next attempt
    following = set(zip(c["matter_id"], c["attempt"], strict=True))
    share = np.mean([(m, a + 1) in following
                     for m, a in zip(hung_up["matter_id"], hung_up["attempt"], strict=True)])
    n = len(hung_up)
    assert called_again.size > 0 and n > 300
    assert abs(share - p) < 4.0 * math.sqrt(p * (1 - p) / n)


def test_self_service_answers_the_set_share_of_queries_only() -> None:
    share = 0.3
    rep = run({"self_service_share": share})
    c = rep.tables["contacts"]
    queries = c[~c["order"]]
    n = len(queries)
    assert abs(queries["self_service"].mean() - share) < 4.0 * math.sqrt(share * (1 - share) / n)
    assert not c.loc[c["order"], "self_service"].any()
    served = c[c["self_service"]]
    assert (served["wait_h"] == 0).all() and (served["talk_h"] == 0).all()
    assert served["answered"].all()
    # nobody hangs up without patience
    assert not c["abandoned"].any() and rep.summary["abandonment_rate"] == 0.0


def test_call_centre_figures_from_the_contact_log() -> None:
    rep = run({**IMPATIENT, "service_level_s": 20})
    c = rep.tables["contacts"]
    s = rep.summary
    offered = c[~c["self_service"]]
    by_op = offered[offered["answered"]]
    assert s["contacts_offered"] == len(offered)
    assert s["abandonment_rate"] == pytest.approx(offered["abandoned"].mean())
    assert s["service_level"] == pytest.approx(
        (by_op["wait_h"] * 3600 <= 20).sum() / len(offered))
    assert s["mean_wait_to_answer_s"] == pytest.approx(by_op["wait_h"].mean() * 3600)
    assert s["p90_wait_to_answer_s"] == pytest.approx(np.quantile(by_op["wait_h"] * 3600, 0.9))
    hot = rep.resources[rep.resources["unit_kind"] == "hotline"]
    assert s["operator_occupancy"] == pytest.approx(hot["busy_h"].sum() / hot["available_h"].sum())
    # the figures rise and fall the right way with staffing
    more = run({**IMPATIENT, "service_level_s": 20},
               **{"organisation.hotline.rota[1].operators": 5,
                  "organisation.hotline.rota[2].operators": 4})
    assert more.summary["abandonment_rate"] < s["abandonment_rate"]
    assert more.summary["service_level"] > s["service_level"]
    assert more.summary["operator_occupancy"] < s["operator_occupancy"]


def test_invariants_hold_with_callers() -> None:
    scn = street({**IMPATIENT, "retrial": {"p": 0.5, "delay": {"dist": "exponential",
                                                                "mean_h": 0.1}},
                  "self_service_share": 0.2})
    model = Model(scn, seed=3, trace=True)
    result = model.run()
    loop = model.workflow(ClosedLoop.name)
    assert_conservation(loop, result.items[ClosedLoop.name])
    assert_monotone_timestamps(loop, result.items[ClosedLoop.name], model.horizon_h)
    assert loop.units.hotline is not None and loop.units.hotline.queue_length >= 0


def test_same_seed_same_contacts() -> None:
    callers = {**IMPATIENT, "retrial": {"p": 0.5, "delay": {"dist": "exponential",
                                                             "mean_h": 0.1}}}
    a, b = run(callers, seed=4), run(callers, seed=4)
    pd.testing.assert_frame_equal(a.tables["contacts"], b.tables["contacts"])
    pd.testing.assert_frame_equal(a.cases, b.cases)


def test_streamed_contacts_are_the_kept_ones(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from sim.run.streaming import stream_contacts

    callers = {**IMPATIENT, "retrial": {"p": 0.5, "delay": {"dist": "exponential",
                                                             "mean_h": 0.1}}}
    scn = street(callers)
    kept = Model(scn, seed=5)
    kept.run()
    expected = kept.workflow(ClosedLoop.name).calls.log.to_arrays()  # type: ignore[attr-defined]
    streamed = Model(scn, seed=5)
    log = stream_contacts(streamed, tmp_path / "contacts.parquet", chunk_rows=301)
    streamed.run()
    path = log.close()
    table = pq.read_table(path)
    assert table.num_rows == len(expected["contact_id"]) > 301
    assert pq.ParquetFile(path).num_row_groups > 1
    for name, values in expected.items():
        assert np.array_equal(table.column(name).to_numpy(), values), name


CENTRE = Path(__file__).resolve().parents[1] / "scenarios" / "hotline_centre.yaml"


def test_a_rota_puts_each_group_on_duty_by_its_own_shift() -> None:
    from sim.model.invariants import assert_no_worker_in_two_places, assert_on_shift

    scn = load_scenario(CENTRE, {"arrivals.scale": 0.1, "calendar.horizon_days": 2,
                                 "calendar.warmup_days": 0})
    model = Model(scn, seed=1, trace=True)
    result = model.run()
    assert_on_shift(model.units)  # each operator against the intervals of their own group
    assert_no_worker_in_two_places(model.units)
    rows = pd.DataFrame(result.resources)
    hot = rows[rows["unit_kind"] == "hotline"]
    groups = [(g.shift, g.operators) for g in scn.organisation.hotline.rota]
    assert len(hot) == sum(n for _, n in groups)
    # two days of an eight-hour shift; the night group starts at 23:00 (1 h + 8 h + 7 h)
    assert hot["available_h"].tolist() == [16.0] * sum(n for _, n in groups)
    # who answered when: an operator's calls all start on their group's shift
    starts = pd.DataFrame(model.units.trace, columns=["worker", "n", "start", "end"])
    starts = starts[starts["worker"].str.startswith("hotline")]
    index = starts["worker"].str.split("#").str[1].astype(int) - 1
    night = starts[index < groups[0][1]]
    hour = night["start"] % 24.0
    assert ((hour >= 23.0) | (hour <= 7.0 + 1e-9)).all() and len(night) > 0
    # a rota and one shift are exclusive
    with pytest.raises(Exception, match="exactly one of 'operators'"):
        load_scenario(CENTRE, {"organisation.hotline.operators": 10})


PATIENT = {"patience": {"dist": "exponential", "mean_h": 0.025}}


def _order_starts(c: pd.DataFrame) -> pd.Series:
    """When each hotline order started its closed loop: its answered call ended."""
    orders = c[c["answered"] & c["order"]]
    return (orders["t_arrival_h"] + orders["wait_h"] + orders["talk_h"]).set_axis(
        orders["case_id"].to_numpy())


def test_repeat_calls_come_while_an_order_is_open_at_the_set_rate() -> None:
    rate_per_day = 0.8
    rep = run({**PATIENT, "repeat": {"open_rate_per_day": rate_per_day}})
    c, cases = rep.tables["contacts"], rep.cases.set_index("case_id")
    repeats = c[c["repeat"] & (c["attempt"] == 0)]
    assert len(repeats) > 300
    start = _order_starts(c)
    end = cases["t_closed_h"].fillna(28 * 24.0)
    t = repeats["t_arrival_h"].to_numpy()
    ids = repeats["case_id"].to_numpy()
    assert (t > start.loc[ids].to_numpy()).all() and (t < end.loc[ids].to_numpy()).all()
    # a Poisson count: rate × the orders' open hours
    expected = rate_per_day / 24.0 * float((end.loc[start.index] - start).sum())
    assert abs(len(repeats) - expected) < 4.0 * math.sqrt(expected)
    # a repeat joins its order's matter
    matter = c[c["answered"] & c["order"]].set_index("case_id")["matter_id"]
    assert (repeats["matter_id"].to_numpy() == matter.loc[ids].to_numpy()).all()
    assert rep.summary["repeat_share"] == pytest.approx(c["repeat"].mean())


def test_an_unsatisfied_order_calls_again_with_the_set_probability() -> None:
    p = 0.6
    rep = run({**PATIENT, "repeat": {"open_rate_per_day": 0.0, "unsatisfied_p": p}},
              **{"evaluation.satisfied_p_on_time": 0.5})
    c, cases = rep.tables["contacts"], rep.cases
    hotline = cases[(cases["channel"] == "hotline") & cases["t_closed_h"].notna()]
    unsatisfied = hotline[~hotline["satisfied"]]
    n = len(unsatisfied)
    repeats = c[c["repeat"] & (c["attempt"] == 0)]
    assert set(repeats["case_id"]) <= set(unsatisfied["case_id"])
    at_close = unsatisfied.set_index("case_id")["t_closed_h"].loc[repeats["case_id"]]
    assert np.array_equal(repeats["t_arrival_h"].to_numpy(), at_close.to_numpy())
    assert n > 300 and abs(len(repeats) / n - p) < 4.0 * math.sqrt(p * (1 - p) / n)


def test_the_three_rates_by_calls_weight_orders_by_their_repeats() -> None:
    rep = run({**PATIENT, "repeat": {"open_rate_per_day": 0.8, "unsatisfied_p": 0.5}})
    c, cases = rep.tables["contacts"], rep.cases
    n_repeats = c[c["repeat"] & (c["attempt"] == 0)].groupby("case_id").size()
    w = 1.0 + n_repeats.reindex(cases["case_id"]).fillna(0.0).to_numpy()
    keep = ~cases["warmup"].to_numpy()
    closed = keep & cases["t_closed_h"].notna().to_numpy()
    s = rep.summary
    for name, hit, among in (("response", "on_time_response", keep),
                             ("resolution", "resolved", closed),
                             ("satisfaction", "satisfied", closed)):
        expected = (w * cases[hit].to_numpy() * among).sum() / (w * among).sum()
        assert s[f"{name}_rate_by_calls"] == pytest.approx(expected)
    # orders called about again are the slow ones: counting calls lowers the rates
    assert s["response_rate_by_calls"] < s["response_rate"]
