"""Replications and policy comparisons: run a scenario, collect tidy frames, write outputs.

Replication ``k`` uses :func:`sim.streams.replication_seed` (root seed, k) for *every* policy, so
policies are compared on common random numbers (identical arrivals and case attributes).
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
from sim.policies import parse_label
from sim.run.output import atomic_write
from sim.scenario.closed_loop import PolicySpec
from sim.scenario.scenario import Scenario
from sim.stochastic.streams import replication_seed
from sim.workflows.closed_loop.metrics import backlog, derive, summarise

#: Columns of cases.parquet in order (docs/outputs.md).
CASE_COLUMNS = [
    "policy", "replication", "case_id", "channel", "category", "grid", "street", "tier_final",
    "t_arrival_h", "t_dispatched_h", "t_start_h", "t_onsite_h", "t_handled_h", "t_closed_h",
    "response_h", "wait_h", "travel_h", "handle_h", "resolution_h", "escalations", "misroutes",
    "reopened", "whistled", "report_h", "report_late_h", "preempted", "high_risk", "risk_score",
    "response_due_h", "close_due_h", "on_time_response", "on_time_close",
    "resolved", "satisfied", "flared", "warmup",
]


def resolve_policy(scenario: Scenario, label: str | None) -> PolicySpec:
    """The policy for a run: the scenario's own, or ``dispatch+escalation`` by name.

    Parameters come from the scenario's ``policy_params`` for that policy name, overridden by
    ``policy.<axis>.params`` when the name is the scenario's own (:meth:`Scenario.policy_spec`);
    otherwise the policy's defaults apply.
    """
    if label is None:
        return scenario.policy_spec()
    dispatch, escalation = parse_label(label)
    return scenario.policy_spec(dispatch, escalation)


@dataclass
class Replication:
    """One finished run, with frames ready to be written."""

    policy: str
    replication: int
    seed: int
    summary: dict[str, Any]
    cases: pd.DataFrame | None
    resources: pd.DataFrame
    backlog: pd.DataFrame


def run_one(scenario: Scenario, policy: PolicySpec, replication: int, root_seed: int,
            days: float | None = None, keep_cases: bool = True, trace: bool = False,
            model_hook: Callable[[Model], None] | None = None) -> Replication:
    """Run replication ``replication`` of one policy; pure function of its arguments."""
    seed = replication_seed(root_seed, replication)
    started = time.perf_counter()
    model = Model(scenario, seed=seed, policy=policy, days=days, trace=trace)
    if model_hook is not None:
        model_hook(model)
    result = model.run()
    derive(result.cases, [d.response for d in model.category_deadline], model.calendar,
           result.horizon_h, result.warmup_h)
    label = policy.label
    summary: dict[str, Any] = {
        "scenario": scenario.name,
        "policy": label,
        "replication": replication,
        "seed": seed,
        **summarise(result.cases, result.resources, result.n_contacts),
        "wall_time_s": time.perf_counter() - started,
    }
    resources = pd.DataFrame(result.resources)
    resources.insert(0, "replication", replication)
    resources.insert(0, "policy", label)
    resources.insert(0, "scenario", scenario.name)
    t, open_now = backlog(result.cases, result.horizon_h)
    backlog_df = pd.DataFrame({"scenario": scenario.name, "policy": label,
                               "replication": replication, "t_h": t, "open_cases": open_now})
    cases = case_frame(result, label, replication) if keep_cases else None
    if trace:
        summary["_trace"] = model.trace
        summary["_model"] = model
    return Replication(label, replication, seed, summary, cases, resources, backlog_df)


def case_frame(result: RunResult, policy: str, replication: int) -> pd.DataFrame:
    """The per-case table with labels instead of codes."""
    c = result.cases
    n = len(c["case_id"])
    data: dict[str, Any] = {
        "policy": pd.Categorical([policy] * n),
        "replication": np.full(n, replication, dtype=np.int32),
    }
    for key in ("channel", "category", "grid", "street"):
        data[key] = pd.Categorical.from_codes(c[key], categories=result.labels[key])
    for name in CASE_COLUMNS:
        if name not in data:
            data[name] = c[name]
    return pd.DataFrame(data, columns=CASE_COLUMNS)


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

    def summary(self) -> pd.DataFrame:
        rows = [{k: v for k, v in r.summary.items() if not k.startswith("_")} for r in self.runs]
        return pd.DataFrame(rows)

    def cases(self) -> pd.DataFrame:
        frames = [r.cases for r in self.runs if r.cases is not None]
        out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=CASE_COLUMNS)
        for key in ("policy", "channel", "category", "grid", "street"):
            out[key] = out[key].astype(str)
        return out

    def resources(self) -> pd.DataFrame:
        return pd.concat([r.resources for r in self.runs], ignore_index=True)

    def backlog(self) -> pd.DataFrame:
        return pd.concat([r.backlog for r in self.runs], ignore_index=True)


def run_scenario(scenario: Scenario, policies: Sequence[str | None] = (None,),
                 replications: int = 1, seed: int = 0, days: float | None = None,
                 scenario_file: str = "", progress: bool = False,
                 keep_cases: bool = True) -> RunSet:
    """Run every policy × replication on common random numbers (sequentially)."""
    specs = [resolve_policy(scenario, p) for p in policies]
    started = time.perf_counter()
    jobs = [(spec, k) for spec in specs for k in range(replications)]
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), unit="run", desc=scenario.name, file=sys.stderr)
    runs = []
    for spec, k in jobs:
        runs.append(run_one(scenario, spec, k, seed, days, keep_cases=keep_cases))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return RunSet(scenario, scenario_file, [s.label for s in specs], replications, seed, days,
                  runs, time.perf_counter() - started)


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
    """Write cases.parquet, summary.csv, resources.csv, backlog.csv, grids.csv, run.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []

    def put(name: str, writer: Callable[[Path], None]) -> None:
        target = out_dir / name
        atomic_write(target, writer)
        written.append(target)

    put("cases.parquet", lambda p: runset.cases().to_parquet(p, index=False))
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
    return written
