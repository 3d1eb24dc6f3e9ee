"""The event log (``--events``): consistent with cases.parquet, harmless to every other output,
and readable by a process-mining tool (pm4py, a dev dependency) as OCEL 2.0 and XES.

One module-wide run set — beijing_street over 5 days under manual+transfer and
algorithmic+whistle, so that misroutes (退单) of both dispatch policies, transfers, whistles,
reopenings and open cases at the end all occur — is checked against its own case table.
"""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from test_cli_run import call, documented_columns
from test_golden import COMBOS, GOLDEN, _cases_fingerprint, _csv_rows

from sim.run.events import EVENT_FILES, utc_offset, write_event_formats
from sim.run.runner import run_scenario, write_outputs
from sim.scenario.loader import load_scenario
from sim.workflows.closed_loop.events import ACTIVITIES, EventRecorder

ROOT = Path(__file__).resolve().parents[1]
STREET = ROOT / "scenarios" / "beijing_street.yaml"
POLICIES = ["manual+transfer", "algorithmic+whistle"]
DAYS = 5.0
KEYS = ["policy", "replication", "case_id"]


@pytest.fixture(scope="module")
def street(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """beijing_street, 5 days, two policies, every output with the event log."""
    out = tmp_path_factory.mktemp("events") / "out"
    scn = load_scenario(STREET, {"calendar.warmup_days": 1})
    runset = run_scenario(scn, POLICIES, 1, seed=3, days=DAYS, events=out / "events.parquet",
                          event_chunk_rows=5_000)
    write_outputs(runset, out)
    return out


@pytest.fixture(scope="module")
def events(street: Path) -> pd.DataFrame:
    return pd.read_parquet(street / "events.parquet")


@pytest.fixture(scope="module")
def cases(street: Path) -> pd.DataFrame:
    frame = pd.read_parquet(street / "cases.parquet")
    frame["policy"] = frame["policy"].astype(str)
    return frame


def _count(events: pd.DataFrame, cases: pd.DataFrame, activity: str,
           lifecycle: str | None = None) -> pd.Series:
    """Per case (in the order of ``cases``): how many events of ``activity`` it has."""
    mask = events["activity"] == activity
    if lifecycle is not None:
        mask &= events["lifecycle"] == lifecycle
    counts = events[mask].groupby(KEYS).size().rename("n")
    return cases[KEYS].join(counts, on=KEYS)["n"].fillna(0).astype(int)


# -- the file and its columns ------------------------------------------------------------------
def test_columns_exactly_as_documented(events: pd.DataFrame) -> None:
    assert list(events.columns) == documented_columns()["events.parquet"]
    assert set(events["policy"]) == set(POLICIES)
    assert set(events["activity"]) <= {zh for zh, _ in ACTIVITIES}
    pairs = set(zip(events["activity"], events["activity_en"], strict=True))
    assert pairs <= set(ACTIVITIES)
    assert set(events["lifecycle"]) == {"start", "complete"}
    assert set(events["result"]) == {"", "satisfied", "unsatisfied"}


def test_row_groups_are_chunks_of_one_run(street: Path) -> None:
    pf = pq.ParquetFile(street / "events.parquet")
    assert pf.metadata.num_row_groups > len(POLICIES)  # chunks of 5,000 events
    for i in range(pf.num_row_groups):
        group = pf.read_row_group(i, columns=["policy", "replication"]).to_pandas()
        assert group.drop_duplicates().shape[0] == 1, f"row group {i} spans runs"
        assert pf.metadata.row_group(i).num_rows <= 5_000
    meta = json.loads(pf.schema_arrow.metadata[b"govsim"])
    assert meta["utc_offset"] == "+08:00" and meta["policies"] == POLICIES


def test_event_ids_number_each_run(events: pd.DataFrame) -> None:
    for _run, group in events.groupby(["policy", "replication"]):
        ids = group["event_id"].to_numpy()
        assert np.array_equal(ids, np.arange(len(ids)))


def test_timestamps_are_the_calendar_start_plus_hours(events: pd.DataFrame) -> None:
    start = load_scenario(STREET).calendar.start
    origin = pd.Timestamp(start.replace(tzinfo=utc_offset(start)))
    expected = origin + pd.to_timedelta(events["t_h"] * 3600.0, unit="s")
    assert (events["timestamp"] - expected).abs().max() <= pd.Timedelta(microseconds=1)
    assert str(events["timestamp"].dt.tz) in ("UTC+08:00", "+08:00")
    assert (events["t_h"] >= 0.0).all() and (events["t_h"] < DAYS * 24.0).all()


# -- consistent with cases.parquet -------------------------------------------------------------
def test_every_case_is_received_and_every_closed_case_closed(events: pd.DataFrame,
                                                             cases: pd.DataFrame) -> None:
    assert (_count(events, cases, "受理", "complete") <= 1).all()
    received = _count(events, cases, "受理")
    assert (received >= 1).all(), "a case without 受理"
    assert set(events.groupby(KEYS).size().index) == set(map(tuple, cases[KEYS].to_numpy()))
    closed = cases["t_closed_h"].notna().to_numpy()
    closes = _count(events, cases, "结案").to_numpy()
    assert (closes[closed] == 1).all() and (closes[~closed] == 0).all()
    close_t = events[events["activity"] == "结案"].set_index(KEYS)["t_h"]
    joined = cases[closed].join(close_t.rename("t_close_event"), on=KEYS)
    assert np.array_equal(joined["t_close_event"].to_numpy(), joined["t_closed_h"].to_numpy())
    assert closed.sum() > 100 and (~closed).sum() > 10  # both kinds are tested


def test_hotline_orders_are_received_from_arrival_to_the_operator(events: pd.DataFrame,
                                                                  cases: pd.DataFrame) -> None:
    hotline = cases["channel"].astype(str) == "hotline"
    starts = _count(events, cases, "受理", "start")
    assert (starts[hotline] == 1).all() and (starts[~hotline] == 0).all()
    first = events[events["activity"] == "受理"].groupby(KEYS)["t_h"].min()
    joined = cases.join(first.rename("t_receive"), on=KEYS)
    assert np.array_equal(joined["t_receive"].to_numpy(), joined["t_arrival_h"].to_numpy())
    done = events[(events["activity"] == "受理") & (events["lifecycle"] == "complete")
                  & (events["resource"] != "")]
    assert done["resource"].str.startswith("hotline#").all()
    assert len(done) == int(hotline.sum()) - int(_open_in_intake(events, cases))


def _open_in_intake(events: pd.DataFrame, cases: pd.DataFrame) -> int:
    """Hotline cases still waiting for (or talking to) an operator at the end."""
    received = _count(events, cases, "受理", "complete")
    return int(((cases["channel"].astype(str) == "hotline") & (received == 0)).sum())


def test_first_handling_starts_at_t_start(events: pd.DataFrame, cases: pd.DataFrame) -> None:
    handle = events[(events["activity"] == "处置") & (events["lifecycle"] == "start")]
    first = handle.sort_values("event_id").groupby(KEYS).first()
    joined = cases.join(first[["t_h", "tier", "resource"]], on=KEYS)
    started = cases["t_start_h"].notna()
    assert np.array_equal(joined.loc[started, "t_h"].to_numpy(),
                          joined.loc[started, "t_start_h"].to_numpy())
    assert joined.loc[~started, "t_h"].isna().all(), "处置 of a case never started"
    route_first = joined.loc[started & (cases["escalations"] == 0), "tier"]
    tier_final = cases.loc[started & (cases["escalations"] == 0), "tier_final"].astype(str)
    assert (route_first[tier_final != ""] == tier_final[tier_final != ""]).all()
    assert (joined.loc[started, "resource"].str.contains("#")).all()


def test_returns_equal_misroutes(events: pd.DataFrame, cases: pd.DataFrame) -> None:
    returns = _count(events, cases, "退单").to_numpy()
    misroutes = cases["misroutes"].to_numpy()
    closed = cases["t_closed_h"].notna().to_numpy()
    assert np.array_equal(returns[closed], misroutes[closed])
    # an order whose wrong unit has not yet handed it back at the end: one return to come
    assert (misroutes[~closed] - returns[~closed] >= 0).all()
    assert (misroutes[~closed] - returns[~closed] <= 1).all()
    for policy in POLICIES:  # both dispatch policies record their returns
        assert returns[(cases["policy"] == policy).to_numpy()].sum() > 0, policy


def test_escalations_whistles_reopens(events: pd.DataFrame, cases: pd.DataFrame) -> None:
    closed = cases["t_closed_h"].notna()
    transfers = _count(events, cases, "转办", "complete")
    whistles = _count(events, cases, "吹哨", "complete")
    assert np.array_equal((transfers + whistles)[closed], cases.loc[closed, "escalations"])
    whistled = cases["whistled"] & closed
    assert (whistles[whistled] == 1).all() and (whistles[~cases["whistled"]] == 0).all()
    assert whistled.sum() > 0
    assert (whistles[cases["policy"] == "manual+transfer"] == 0).all()
    reopens = _count(events, cases, "重办")
    assert np.array_equal(reopens[closed], cases.loc[closed, "reopened"])
    handles = _count(events, cases, "处置", "complete")
    assert (handles[closed] == cases.loc[closed, "escalations"] + 1
            + cases.loc[closed, "reopened"]).all()


def test_evaluation_results_match_satisfied(events: pd.DataFrame, cases: pd.DataFrame) -> None:
    evaluations = events[events["activity"] == "评价"].sort_values("event_id")
    last = evaluations.groupby(KEYS)["result"].last()
    closed = cases[cases["t_closed_h"].notna()].join(last, on=KEYS)
    expected = np.where(closed["satisfied"], "satisfied", "unsatisfied")
    assert np.array_equal(closed["result"].to_numpy(), expected)
    assert (_count(events, cases, "评价")[cases["t_closed_h"].notna()]
            == cases.loc[cases["t_closed_h"].notna(), "reopened"] + 1).all()


def test_time_never_goes_back_within_a_case(events: pd.DataFrame) -> None:
    ordered = events.sort_values(["policy", "replication", "case_id", "event_id"])
    step = ordered.groupby(KEYS)["t_h"].diff().dropna()
    assert (step >= 0.0).all(), "an event earlier than the one recorded before it"
    starts = ordered[ordered["lifecycle"] == "start"]
    assert len(starts) > 0


# -- harmless to every other output ------------------------------------------------------------
@pytest.mark.parametrize("name", ["street_algorithmic_whistle", "county_fengqiao",
                                  "validation_mmc"])
def test_golden_outputs_unchanged_with_events(name: str, tmp_path: Path) -> None:
    combo = next(c for c in COMBOS if c.name == name)
    scenario_file = ROOT / "scenarios" / combo.scenario
    scn = load_scenario(scenario_file, combo.overrides or None)
    runset = run_scenario(scn, list(combo.policies), combo.replications, combo.seed, combo.days,
                          scenario_file=str(scenario_file), events=tmp_path / "events.parquet")
    assert pq.ParquetFile(tmp_path / "events.parquet").metadata.num_rows > 0
    write_outputs(dataclasses.replace(runset, events=None), tmp_path)  # no OCEL/XES: faster
    stored = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    assert _cases_fingerprint(tmp_path / "cases.parquet") == stored["cases.parquet"]
    for table in ("summary.csv", "resources.csv", "backlog.csv", "grids.csv"):
        assert _csv_rows(tmp_path / table) == stored[table], table


def test_cli_outputs_identical_with_and_without_events(tmp_path: Path) -> None:
    argv = ["run", str(STREET), "--days", "8", "-r", "2", "--seed", "4", "-q", "--no-report"]
    code, _out, err = call([*argv, "--out", str(tmp_path / "plain")])
    assert code == 0, err
    code, stdout, err = call([*argv, "--events", "--out", str(tmp_path / "events")])
    assert code == 0, err
    plain = {p.name for p in (tmp_path / "plain").iterdir()}
    with_events = {p.name for p in (tmp_path / "events").iterdir()}
    assert with_events == plain | set(EVENT_FILES)
    assert f"wrote {len(with_events)} files" in stdout
    for name in ("cases.parquet", "resources.csv", "backlog.csv", "grids.csv"):
        assert (tmp_path / "plain" / name).read_bytes() == \
            (tmp_path / "events" / name).read_bytes(), name
    drop = ["wall_time_s"]
    assert pd.read_csv(tmp_path / "plain" / "summary.csv").drop(columns=drop).equals(
        pd.read_csv(tmp_path / "events" / "summary.csv").drop(columns=drop))


def test_compare_writes_one_event_log_for_all_policies(tmp_path: Path) -> None:
    code, _out, err = call(["compare", str(STREET), "--policies", ",".join(POLICIES),
                            "--days", "8", "-q", "--no-report", "--events",
                            "--out", str(tmp_path)])
    assert code == 0, err
    events = pd.read_parquet(tmp_path / "events.parquet", columns=["policy"])
    assert set(events["policy"]) == set(POLICIES)
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_events_need_the_closed_loop(tmp_path: Path) -> None:
    import jobs_workflow  # noqa: F401  # registers the test workflow (tests/jobs_workflow.py)

    jobs = ROOT / "tests" / "data_workflow" / "mmc_jobs.yaml"  # a scenario without the loop
    with pytest.raises(ValueError, match="closed loop"):
        run_scenario(load_scenario(jobs), events=tmp_path / "events.parquet")
    code, _out, err = call(["run", str(jobs), "-q", "--no-report", "--events",
                            "--out", str(tmp_path / "out")])
    assert code == 2 and "--events" in err
    assert not (tmp_path / "out").exists() and not (tmp_path / "events.parquet").exists()


# -- the recorder ------------------------------------------------------------------------------
class _Clock:
    now = 0.0


def test_recorder_chunks_and_drops_what_the_run_did_not_reach() -> None:
    chunks: list[dict[str, Any]] = []
    clock = _Clock()
    recorder = EventRecorder(clock, chunks.append, horizon_h=10.0,  # type: ignore[arg-type]
                             unit_of=lambda case, tier: "", chunk_rows=3)
    for i in range(7):
        clock.now = float(i)
        recorder.named(i, "退单", "complete", "", "", "")
    recorder.named(7, "return", "start", "w#1", "u", "grid")
    recorder.add(8, 0, 1, 12.0)  # past the horizon (a delay recorded ahead)
    recorder.flush()
    assert [len(c["event_id"]) for c in chunks] == [3, 3, 2]
    last = chunks[-1]
    assert last["event_id"].tolist() == [6, 7]  # numbered after the drop: no gaps
    assert last["activity"].tolist() == ["退单", "退单"]
    assert last["activity_en"].tolist() == ["return", "return"]
    assert last["lifecycle"].tolist() == ["complete", "start"]
    assert last["resource"].tolist() == ["", "w#1"]
    with pytest.raises(ValueError, match="unknown activity"):
        recorder.named(9, "派单", "complete", "", "", "")


def test_no_recorder_unless_asked() -> None:
    from sim.model.model import Model

    model = Model(load_scenario(STREET), seed=1, days=1.0)
    loop = model.workflow("closed_loop")
    assert loop.events is None  # type: ignore[attr-defined]
    loop.record(object(), "退单")  # type: ignore[attr-defined]  # a no-op, not an error


# -- the other formats, read by the standard library and by pm4py ----------------------------
def test_xes_is_well_formed(street: Path, events: pd.DataFrame) -> None:
    ns = {"x": "http://www.xes-standard.org/"}
    root = ET.parse(street / "events.xes").getroot()
    traces = root.findall("x:trace", ns)
    assert len(traces) == events.groupby(KEYS).ngroups
    first = traces[0]
    name = first.find("x:string[@key='concept:name']", ns)
    assert name is not None and name.get("value", "").startswith(POLICIES[0])
    n_events = 0
    for trace in traces[:200]:
        stamps = []
        for event in trace.findall("x:event", ns):
            keys = {child.get("key"): child.get("value") for child in event}
            assert {"concept:name", "lifecycle:transition", "time:timestamp"} <= set(keys)
            stamp = datetime.fromisoformat(keys["time:timestamp"] or "")
            assert stamp.utcoffset() == timedelta(hours=8)
            stamps.append(stamp)
            n_events += 1
        assert stamps == sorted(stamps)
    assert n_events > 0


def test_ocel_is_ocel2_json(street: Path, events: pd.DataFrame) -> None:
    doc = json.loads((street / "events.jsonocel").read_text(encoding="utf-8"))
    assert list(doc) == ["objectTypes", "eventTypes", "objects", "events"]
    assert {t["name"] for t in doc["objectTypes"]} == {"work order", "unit", "worker"}
    assert {t["name"] for t in doc["eventTypes"]} == {zh for zh, _ in ACTIVITIES}
    ids = {o["id"]: o["type"] for o in doc["objects"]}
    assert len(ids) == len(doc["objects"])
    assert len(doc["events"]) == len(events)
    for event in doc["events"]:
        kinds = [ids[r["objectId"]] for r in event["relationships"]]
        assert kinds.count("work order") == 1
        datetime.fromisoformat(event["time"])
    workers = [o for o in doc["objects"] if o["type"] == "worker"]
    assert workers and all(ids[o["relationships"][0]["objectId"]] == "unit" for o in workers)


@pytest.fixture(scope="module")
def pm4py() -> Any:
    return pytest.importorskip("pm4py")  # a dev dependency: installed by '.[dev]'


@pytest.mark.filterwarnings("ignore:Install the optional requirement:UserWarning")
def test_pm4py_reads_xes_and_finds_the_loop(pm4py: Any, tmp_path: Path) -> None:
    scn = load_scenario(STREET)
    runset = run_scenario(scn, ["manual+transfer"], 1, seed=0, days=5.0,
                          events=tmp_path / "events.parquet")
    write_event_formats(runset.events or "", tmp_path)
    log = pm4py.read_xes(str(tmp_path / "events.xes"), show_progress_bar=False)
    assert len(log) == pq.ParquetFile(tmp_path / "events.parquet").metadata.num_rows
    assert {"concept:name", "lifecycle:transition", "time:timestamp", "org:resource",
            "case:concept:name"} <= set(log.columns)
    complete = log[log["lifecycle:transition"] == "complete"]
    dfg, starts, _ends = pm4py.discover_dfg(complete)
    # beijing_street registers every order (受理 → 立案 → 派遣) and verifies every handling
    for arc in [("受理", "立案"), ("立案", "派遣"), ("派遣", "处置"), ("处置", "转办"),
                ("转办", "处置"), ("处置", "核查"), ("核查", "评价"), ("评价", "结案"),
                ("立案", "退单"), ("退单", "派遣")]:
        assert dfg.get(arc, 0) > 0, f"no arc {arc[0]} → {arc[1]}"
    assert set(starts) == {"受理"}
    assert "退单" in set(complete["concept:name"])


def test_pm4py_reads_ocel(pm4py: Any, street: Path, events: pd.DataFrame) -> None:
    reader = getattr(pm4py, "read_ocel2_json", None) or pm4py.read_ocel
    ocel = reader(str(street / "events.jsonocel"))
    assert len(ocel.events) == len(events)
    assert set(ocel.objects["ocel:type"]) == {"work order", "unit", "worker"}
    assert set(ocel.events["ocel:activity"]) == set(events["activity"])
    orders = ocel.relations[ocel.relations["ocel:type"] == "work order"]
    assert orders["ocel:eid"].nunique() == len(events)
