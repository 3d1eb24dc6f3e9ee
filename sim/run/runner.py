"""Replications and policy comparisons: run a scenario, collect tidy frames, write outputs.

Replication ``k`` uses :func:`sim.stochastic.streams.replication_seed` (root seed, k) for
*every* policy, so policies are compared on common random numbers (identical arrivals and case
attributes). Each workflow the scenario runs gives its own per-item table (the closed loop's is
``cases.parquet``) and its own summary metrics; the workload of the units is shared. With
``events`` a run set also keeps the closed loop's event log (:mod:`sim.run.events`).
"""

from __future__ import annotations

import json
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
from sim.model.model import Model, RunResult
from sim.model.workflow import Workflow, registered_workflows
from sim.policies import split_label
from sim.run.events import EventLogWriter, write_event_formats
from sim.run.output import atomic_write
from sim.scenario.closed_loop import PolicySpec
from sim.scenario.scenario import Scenario
from sim.stochastic.streams import replication_seed
from sim.workflows.closed_loop.calls import CONTACT_COLUMNS
from sim.workflows.closed_loop.events import EVENT_CHUNK_ROWS
from sim.workflows.closed_loop.workflow import ClosedLoop

#: file stem of the call centre's contact log (contacts.parquet)
CONTACTS_TABLE = "contacts"


def resolve_policy(scenario: Scenario, label: str | None) -> PolicySpec:
    """The policy for a run: the scenario's own, or ``dispatch+escalation`` by name (with
    other workflows' terms: ``one_window+parallel``, docs/policies.md).

    Parameters come from the scenario's ``policy_params`` for that policy name, overridden by
    ``policy.<axis>.params`` when the name is the scenario's own (:meth:`Scenario.policy_spec`);
    otherwise the policy's defaults apply.
    """
    if label is None:
        return scenario.policy_spec()
    dispatch, escalation, terms = split_label(label)
    return scenario.policy_spec(dispatch, escalation, terms)


@dataclass
class Replication:
    """One finished run, with frames ready to be written.

    ``tables`` holds each workflow's per-item table by file stem (``cases`` for the closed
    loop); ``cases`` is the closed loop's, or None (not kept, or no closed loop).
    """

    policy: str
    replication: int
    seed: int
    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    resources: pd.DataFrame
    backlog: pd.DataFrame

    @property
    def cases(self) -> pd.DataFrame | None:
        return self.tables.get("cases")


def run_one(scenario: Scenario, policy: PolicySpec, replication: int, root_seed: int,
            days: float | None = None, keep_cases: bool = True, trace: bool = False,
            model_hook: Callable[[Model], None] | None = None,
            event_log: EventLogWriter | None = None,
            event_chunk_rows: int = EVENT_CHUNK_ROWS) -> Replication:
    """Run replication ``replication`` of one policy; pure function of its arguments.

    ``event_log``: the closed loop's events of this run go there (no other output changes:
    recording draws nothing)."""
    seed = replication_seed(root_seed, replication)
    started = time.perf_counter()
    model = Model(scenario, seed=seed, policy=policy, days=days, trace=trace)
    label = policy.label
    recorder = None
    if event_log is not None and scenario.has_closed_loop:
        loop = model.workflow(ClosedLoop.name)
        assert isinstance(loop, ClosedLoop)
        recorder = loop.record_events(event_log.sink(label, replication), event_chunk_rows)
    if model_hook is not None:
        model_hook(model)
    result = model.run()
    if recorder is not None:
        recorder.flush()
    summary: dict[str, Any] = {
        "scenario": scenario.name,
        "policy": label,
        "replication": replication,
        "seed": seed,
    }
    for wf in model.workflows:
        columns = result.items[wf.name]
        wf.derive(columns)
        summary.update(wf.summarise(columns, result.resources, result.counts))
    summary["wall_time_s"] = time.perf_counter() - started
    resources = pd.DataFrame(result.resources)
    resources.insert(0, "replication", replication)
    resources.insert(0, "policy", label)
    resources.insert(0, "scenario", scenario.name)
    backlog_df = pd.DataFrame({"scenario": scenario.name, "policy": label,
                               "replication": replication,
                               **backlog(model.workflows, result)})
    tables = ({wf.table: item_frame(wf, result, label, replication) for wf in model.workflows}
              if keep_cases else {})
    if keep_cases and scenario.has_closed_loop:
        loop = model.workflow(ClosedLoop.name)
        assert isinstance(loop, ClosedLoop)
        if loop.calls is not None:
            tables[CONTACTS_TABLE] = contact_frame(loop, label, replication)
    if trace:
        summary["_trace"] = model.units.trace
        summary["_model"] = model
    return Replication(label, replication, seed, summary, tables, resources, backlog_df)


def backlog(workflows: Sequence[Workflow], result: RunResult,
            step_h: float = 1.0) -> dict[str, np.ndarray]:
    """Open items (arrived, not done) of each workflow at every ``step_h`` from 0 to the
    horizon: ``t_h`` and one column per workflow (the closed loop's ``open_cases``)."""
    t = np.arange(0.0, result.horizon_h + 1e-9, step_h)
    out: dict[str, np.ndarray] = {"t_h": t}
    for wf in workflows:
        columns = result.items[wf.name]
        arrived = np.sort(columns[wf.stage_columns[0]])
        done = columns[wf.stage_columns[-1]]
        done = np.sort(done[~np.isnan(done)])
        out[wf.backlog_column] = (np.searchsorted(arrived, t, side="right")
                                  - np.searchsorted(done, t, side="right"))
    return out


def item_frame(workflow: Workflow, result: RunResult, policy: str,
               replication: int) -> pd.DataFrame:
    """A workflow's per-item table with labels instead of codes (``policy`` and
    ``replication`` first)."""
    c = result.items[workflow.name]
    labels = result.labels[workflow.name]
    n = len(next(iter(c.values()))) if c else 0
    data: dict[str, Any] = {
        "policy": pd.Categorical([policy] * n),
        "replication": np.full(n, replication, dtype=np.int32),
    }
    names = ["policy", "replication", *workflow.table_columns]
    for name in workflow.table_columns:
        if name in labels:
            data[name] = pd.Categorical.from_codes(c[name], categories=labels[name])
        else:
            data[name] = c[name]
    return pd.DataFrame(data, columns=names)


def contact_frame(loop: ClosedLoop, policy: str, replication: int) -> pd.DataFrame:
    """The call centre's per-contact table (contacts.parquet), channels by name."""
    assert loop.calls is not None
    c = loop.calls.log.to_arrays()
    n = len(c["contact_id"])
    data: dict[str, Any] = {"policy": pd.Categorical([policy] * n),
                            "replication": np.full(n, replication, dtype=np.int32)}
    for name, _dtype in CONTACT_COLUMNS:
        data[name] = (pd.Categorical.from_codes(c[name], categories=loop.channel_ids)
                      if name == "channel" else c[name])
    return pd.DataFrame(data)


def case_frame(result: RunResult, policy: str, replication: int) -> pd.DataFrame:
    """The closed loop's per-case table (cases.parquet) with labels instead of codes."""
    return item_frame(ClosedLoop, result, policy, replication)  # type: ignore[arg-type]


@dataclass
class RunSet:
    """All replications of all policies of one ``govsim run`` / ``govsim compare``."""

    scenario: Scenario
    scenario_file: str
    policies: list[str]
    replications: int
    root_seed: int
    days: float | None
    runs: list[Replication]
    wall_time_s: float
    #: events.parquet of the run set, when it kept an event log
    events: Path | None = None

    def summary(self) -> pd.DataFrame:
        rows = [{k: v for k, v in r.summary.items() if not k.startswith("_")} for r in self.runs]
        return pd.DataFrame(rows)

    def workflows(self) -> list[type[Workflow]]:
        """The workflows this scenario runs, in registration order."""
        return [cls for cls in registered_workflows().values() if cls.active(self.scenario)]

    def table(self, workflow: type[Workflow]) -> pd.DataFrame:
        """One workflow's per-item table over every run (labels as text)."""
        frames = [r.tables[workflow.table] for r in self.runs if workflow.table in r.tables]
        if not frames:
            return pd.DataFrame(columns=["policy", "replication", *workflow.table_columns])
        out = pd.concat(frames, ignore_index=True)
        for key in out.columns:
            if key == "policy" or isinstance(out[key].dtype, pd.CategoricalDtype):
                out[key] = out[key].astype(str)
        return out

    def cases(self) -> pd.DataFrame:
        """The closed loop's case table (cases.parquet)."""
        return self.table(ClosedLoop)

    def contacts(self) -> pd.DataFrame | None:
        """The call centre's contact table (contacts.parquet), None without one."""
        frames = [r.tables[CONTACTS_TABLE] for r in self.runs if CONTACTS_TABLE in r.tables]
        if not frames:
            return None
        out = pd.concat(frames, ignore_index=True)
        for key in ("policy", "channel"):
            out[key] = out[key].astype(str)
        return out

    def resources(self) -> pd.DataFrame:
        return pd.concat([r.resources for r in self.runs], ignore_index=True)

    def backlog(self) -> pd.DataFrame:
        return pd.concat([r.backlog for r in self.runs], ignore_index=True)


def run_scenario(scenario: Scenario, policies: Sequence[str | None] = (None,),
                 replications: int = 1, seed: int = 0, days: float | None = None,
                 scenario_file: str = "", progress: bool = False,
                 keep_cases: bool = True, events: str | Path | None = None,
                 event_chunk_rows: int = EVENT_CHUNK_ROWS) -> RunSet:
    """Run every policy × replication on common random numbers (sequentially).

    ``events``: write the closed loop's event log of every run to this Parquet file (a row
    group every ``event_chunk_rows`` events; :meth:`write_outputs` adds OCEL 2.0 and XES)."""
    specs = [resolve_policy(scenario, p) for p in policies]
    if events is not None and not scenario.has_closed_loop:
        raise ValueError("an event log records the closed loop, which this scenario does not run")
    started = time.perf_counter()
    jobs = [(spec, k) for spec in specs for k in range(replications)]
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), unit="run", desc=scenario.name, file=sys.stderr)
    runs = []
    event_log = None
    if events is not None:
        event_log = EventLogWriter(events, scenario.calendar.start, {
            "scenario": scenario.name, "policies": [s.label for s in specs],
            "replications": replications, "root_seed": seed, "days": days})
    try:
        for spec, k in jobs:
            runs.append(run_one(scenario, spec, k, seed, days, keep_cases=keep_cases,
                                event_log=event_log, event_chunk_rows=event_chunk_rows))
            if bar is not None:
                bar.update(1)
    except BaseException:
        if event_log is not None:
            event_log.abort()
        raise
    finally:
        if bar is not None:
            bar.close()
    events_file = event_log.close() if event_log is not None else None
    return RunSet(scenario, scenario_file, [s.label for s in specs], replications, seed, days,
                  runs, time.perf_counter() - started, events_file)


def grids_frame(scenario: Scenario) -> pd.DataFrame:
    org = scenario.organisation
    street_of = {c.id: c.street for c in org.communities}
    rows = [
        {"grid": g.id, "community": g.community, "street": street_of.get(g.community, ""),
         "x_km": g.x_km, "y_km": g.y_km,
         "workers": org.grid_workers_per_grid if g.workers is None else g.workers}
        for g in org.all_grids()
    ]
    return pd.DataFrame(rows)


def write_outputs(runset: RunSet, out_dir: Path) -> list[Path]:
    """Write each workflow's table (cases.parquet …), summary.csv, resources.csv, backlog.csv,
    grids.csv and run.json; with an event log, events.jsonocel and events.xes next to
    events.parquet (which the runs wrote)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []

    def put(name: str, writer: Callable[[Path], object]) -> None:
        target = out_dir / name
        atomic_write(target, writer)
        written.append(target)

    for workflow in runset.workflows():
        frame = runset.table(workflow)
        put(f"{workflow.table}.parquet",
            lambda p, frame=frame: frame.to_parquet(p, index=False))  # type: ignore[misc]
    contacts = runset.contacts()
    if contacts is not None:
        put(f"{CONTACTS_TABLE}.parquet", lambda p: contacts.to_parquet(p, index=False))
    put("summary.csv", lambda p: runset.summary().to_csv(p, index=False))
    put("resources.csv", lambda p: runset.resources().to_csv(p, index=False))
    put("backlog.csv", lambda p: runset.backlog().to_csv(p, index=False))
    put("grids.csv", lambda p: grids_frame(runset.scenario).to_csv(p, index=False))
    provenance = {
        "govsim_version": __version__,
        "scenario_name": runset.scenario.name,
        "scenario_file": runset.scenario_file,
        "scenario": runset.scenario.model_dump(mode="json"),
        "policies": runset.policies,
        "replications": runset.replications,
        "root_seed": runset.root_seed,
        "seeds": sorted({r.replication: r.seed for r in runset.runs}.items()),
        "days": runset.days,
        "wall_time_s": runset.wall_time_s,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }
    put("run.json", lambda p: p.write_text(json.dumps(provenance, indent=2, ensure_ascii=False),
                                           encoding="utf-8"))
    if runset.events is not None:
        written.append(runset.events)
        written.extend(write_event_formats(runset.events, out_dir))
    return written
