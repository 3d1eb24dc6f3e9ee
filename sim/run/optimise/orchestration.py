"""Running an optimisation through the sweep machinery, and writing what it found.

Every replication the search asks for is a sweep run: the same task function, the same
``runs/<key>.json`` files written by the workers, the same executors (in-process, process pool,
Dask) and progress bar. A run's key depends only on the candidate's resolved scenario, the
policy, the seed and the horizon, and the search's decisions depend only on run results, so
``--resume`` after a kill replays the search and recomputes only the runs that had not finished.

Files written (docs/optimise.md): ``optimum.yaml`` (the chosen values as overrides, only when
established), ``candidates.parquet`` (every evaluation), ``frontier.csv``, ``optimise.json``
(the result and how it was reached), ``run.json`` (provenance) and ``sweep.json`` (progress).
"""

from __future__ import annotations

import json
import math
import platform
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim import __version__
from sim.run.executors import open_executor
from sim.run.experiment import run_key, summary_metrics
from sim.run.optimise.screen import interval
from sim.run.optimise.search import Evaluation, Outcome, Request, search
from sim.run.optimise.spec import Optimisation
from sim.run.output import atomic_write
from sim.run.sweep.files import FAILED_DIR, PROVENANCE, RUNS_DIR, write_json
from sim.run.sweep.orchestration import (
    SweepAborted,
    SweepExists,
    SweepOutcome,
    TqdmProgress,
    _clean_temporaries,
    _has_runs,
    _NoProgress,
    _run_round,
    _write_manifest,
)
from sim.stochastic.streams import replication_seed

__all__ = ["CANDIDATES_FILE", "FRONTIER_FILE", "OPTIMUM_FILE", "RESULT_FILE",
           "OptimiseResult", "run_optimisation"]

OPTIMUM_FILE, CANDIDATES_FILE = "optimum.yaml", "candidates.parquet"
FRONTIER_FILE, RESULT_FILE = "frontier.csv", "optimise.json"


@dataclass
class OptimiseResult:
    """The search's outcome, the run counts, and where the files are."""

    outcome: Outcome
    runs: SweepOutcome
    out_dir: Path
    document: dict[str, Any]


def _prepare(out: Path, opt: Optimisation, resume: bool) -> None:
    if _has_runs(out) and not resume:
        raise SweepExists(f"{out} already holds runs; add --resume to continue "
                          "or choose another --out")
    for folder in (RUNS_DIR, FAILED_DIR):
        (out / folder).mkdir(parents=True, exist_ok=True)
    _clean_temporaries(out)
    for name in (OPTIMUM_FILE, CANDIDATES_FILE, FRONTIER_FILE, RESULT_FILE):
        (out / name).unlink(missing_ok=True)  # stale until this search writes them again
    write_json(out / PROVENANCE, {
        "kind": "optimise",
        "govsim_version": __version__,
        "optimisation_name": opt.name,
        "optimisation_file": opt.file,
        "optimisation": opt.spec.model_dump(mode="json"),
        "scenario_file": opt.experiment.scenario_file,
        "scenario": opt.experiment.base_scenario,
        "policy": opt.policy,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    })


def run_optimisation(opt: Optimisation, out_dir: str | Path, *, workers: int | None = None,
                     dask: str | None = None, resume: bool = False,
                     progress: TqdmProgress | None = None,
                     log: Callable[[str], None] = lambda s: None) -> OptimiseResult:
    """Search for the least-cost candidate meeting the constraints; write the result files."""
    out = Path(out_dir).resolve()
    started = time.perf_counter()
    _prepare(out, opt, resume)
    bar: TqdmProgress | _NoProgress = progress or _NoProgress()
    runs = SweepOutcome(out)
    exp = opt.experiment
    policy, seed, days = opt.policy, opt.spec.seed, opt.spec.days
    try:
        with open_executor(workers, dask, preload=["sim.run.sweep.worker"]) as info:
            runs.executor = info.description
            _write_manifest(out, "running", runs)

            def sample(requests: Sequence[Request]) -> list[list[Mapping[str, Any]]]:
                configs = [opt.configuration(r.candidate) for r in requests]
                first = {c.index: r.replications().start for c, r in zip(configs, requests,
                                                                          strict=True)}
                upto = {c.index: r.replications().stop for c, r in zip(configs, requests,
                                                                        strict=True)}
                _run_round(exp, out, configs, first, upto, info, None, {}, runs, bar)
                out_runs = []
                for config, request in zip(configs, requests, strict=True):
                    got = []
                    for k in request.replications():
                        key = run_key(config.run_json(policy), policy, replication_seed(seed, k),
                                      days)
                        path = out / RUNS_DIR / f"{key}.json"
                        if not path.exists():
                            raise SweepAborted(f"a run failed ({runs.errors[:1]}); its record "
                                               f"is in {FAILED_DIR}/{key}.json")
                        got.append(json.loads(path.read_text(encoding="utf-8"))["summary"])
                    out_runs.append(got)
                _write_manifest(out, "running", runs)
                return out_runs

            outcome = search(opt, sample, log)
        runs.wall_time_s = time.perf_counter() - started
        document = _write_outputs(opt, outcome, runs, out)
    except BaseException:
        _clean_temporaries(out)
        runs.wall_time_s = time.perf_counter() - started
        _write_manifest(out, "interrupted", runs)
        raise
    finally:
        bar.close()
    _write_manifest(out, "complete", runs)
    return OptimiseResult(outcome, runs, out, document)


# -- outputs -----------------------------------------------------------------------------------

def _metrics(ev: Evaluation) -> list[str]:
    names = [m for m in summary_metrics() if any(m in r for r in ev.runs)]
    return [m for m in names if all(isinstance(r.get(m), int | float | type(None))
                                    for r in ev.runs)]


def candidates_table(opt: Optimisation, outcome: Outcome) -> pd.DataFrame:
    """One row per evaluation (candidate × seed block): values, cost, status, every metric's
    mean and Bonferroni interval, each constraint's verdict."""
    from sim.run.optimise.screen import level

    n_constraints = len(opt.constraints)
    rows = []
    for ev in outcome.evaluations:
        at = level(opt.spec.confidence, n_constraints if ev.block == 0
                   else n_constraints * opt.spec.final.rounds)
        row: dict[str, Any] = {"phase": ev.phase, "block": ev.block, **opt.values(ev.candidate),
                               "cost": ev.cost, "n": ev.n, "status": ev.status,
                               "feasible": ev.status == "feasible"}
        for c in opt.constraints:
            row[f"{c.metric}__verdict"] = ev.verdicts.get(c.metric, "undecided")
        for m in _metrics(ev):
            iv = interval([float(r[m]) if r.get(m) is not None else math.nan for r in ev.runs],
                          at)
            row[m] = iv.mean
            row[f"{m}__low"] = iv.low
            row[f"{m}__high"] = iv.high
        rows.append(row)
    return pd.DataFrame(rows)


def frontier_table(opt: Optimisation, table: pd.DataFrame) -> pd.DataFrame:
    """Cost against the frontier metric over the search's evaluations: the candidates no
    cheaper candidate beats (ascending cost, strictly better each step)."""
    metric = opt.frontier_metric
    sense = next(c.sense for c in opt.constraints if c.metric == metric)
    search_rows = table[table["block"] == 0].sort_values(["cost", metric])
    keep = []
    best = -math.inf
    for i, row in search_rows.iterrows():
        value = row[metric] if sense == ">=" else -row[metric]
        if math.isfinite(value) and value > best:
            best = value
            keep.append(i)
    cols = ["cost", *[v.path for v in opt.variables], metric, f"{metric}__low",
            f"{metric}__high", "n", "status"]
    return search_rows.loc[keep, cols].reset_index(drop=True)


def _bottleneck(opt: Optimisation, candidate: tuple[int, ...]) -> dict[str, Any]:
    """The unit with the highest utilisation at the candidate (three runs in this process)."""
    from sim.run.runner import resolve_policy, run_one
    from sim.scenario.scenario import Scenario

    scn = Scenario.model_validate(opt.configuration(candidate).scenario)
    spec = resolve_policy(scn, opt.policy)
    frames = [run_one(scn, spec, k, opt.spec.seed, opt.spec.days, keep_cases=False).resources
              for k in range(3)]
    res = pd.concat(frames)
    by_unit = res.groupby(["unit", "unit_kind"], sort=True)[["busy_h", "available_h"]].sum()
    by_unit = by_unit[by_unit["available_h"] > 0]
    util = (by_unit["busy_h"] / by_unit["available_h"]).sort_values(ascending=False)
    top = util.head(5)
    return {"unit": str(top.index[0][0]), "unit_kind": str(top.index[0][1]),
            "utilization": float(top.iloc[0]),
            "top": [{"unit": str(u), "unit_kind": str(k), "utilization": float(v)}
                    for (u, k), v in top.items()]}


def _binding(opt: Optimisation, final: Evaluation) -> str:
    """The constraint with the least relative slack at the chosen candidate."""
    def slack(metric: str) -> float:
        c = next(c for c in opt.constraints if c.metric == metric)
        return c.slack(final.mean(metric)) / max(abs(c.bound), 1e-9)
    return min((c.metric for c in opt.constraints), key=slack)


def _write_outputs(opt: Optimisation, outcome: Outcome, runs: SweepOutcome,
                   out: Path) -> dict[str, Any]:
    table = candidates_table(opt, outcome)
    atomic_write(out / CANDIDATES_FILE, lambda p: table.to_parquet(p, index=False))
    frontier = frontier_table(opt, table)
    atomic_write(out / FRONTIER_FILE, lambda p: frontier.to_csv(p, index=False))
    doc: dict[str, Any] = {
        "name": opt.name,
        "description": opt.spec.description,
        "scenario": opt.experiment.base_scenario.get("name", ""),
        "policy": opt.policy,
        "status": outcome.status,
        "confidence": opt.spec.confidence,
        "cost_unit": opt.spec.cost_unit,
        "variables": [{"path": v.path, "label": v.label, "values": list(v.values),
                       "costs": list(v.costs)}
                      for v in opt.variables],
        "constraints": [{"metric": c.metric, "sense": c.sense, "bound": c.bound}
                        for c in opt.constraints],
        "frontier_metric": opt.frontier_metric,
        "failed": outcome.failed,
        "best": outcome.best,
        "rounds": outcome.rounds,
        "final_replications": opt.spec.final.replications,
        "final_rounds": opt.spec.final.rounds,
        "sampling": opt.spec.sampling.model_dump(),
        "evaluations": len(outcome.evaluations),
        "runs": {"planned": runs.planned, "computed": runs.computed, "reused": runs.reused,
                 "failed": runs.failed},
        "executor": runs.executor,
        "wall_time_s": runs.wall_time_s,
        "recommendation": None,
    }
    if outcome.candidate is not None and outcome.final is not None:
        final = outcome.final
        doc["recommendation"] = {
            "values": opt.values(outcome.candidate),
            "cost": final.cost,
            "replications": final.n,
            "intervals": {m: {"mean": iv.mean, "low": iv.low, "high": iv.high}
                          for m, iv in final.intervals.items()},
            "verdicts": dict(final.verdicts),
            "binding": _binding(opt, final),
            "bottleneck": _bottleneck(opt, outcome.candidate),
        }
    if outcome.status == "established" and outcome.candidate is not None:
        _write_optimum(out / OPTIMUM_FILE, opt, outcome, doc)
    write_json(out / RESULT_FILE, doc)
    return doc


def _write_optimum(path: Path, opt: Optimisation, outcome: Outcome, doc: dict[str, Any]) -> None:
    rec = doc["recommendation"]
    pct = f"{opt.spec.confidence:.0%}"
    lines = [f"# govsim optimise {opt.name}: meets every target with {pct} confidence",
             f"# (final check: {rec['replications']} replications on seeds the search never "
             f"used; policy {opt.policy})",
             f"# cost {rec['cost']:g} {opt.spec.cost_unit}".rstrip()]
    for c in opt.constraints:
        iv = rec["intervals"][c.metric]
        lines.append(f"#   {c.metric} {iv['mean']:.4g} [{iv['low']:.4g}, {iv['high']:.4g}] "
                     f"(target {c.sense} {c.bound:g})")
    lines.append("# use as overrides (an experiment's overrides:, or merge into the scenario)")
    values = {**opt.spec.overrides, **rec["values"]}
    text = "\n".join(lines) + "\n" + yaml.safe_dump(values, allow_unicode=True, sort_keys=False)
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))
