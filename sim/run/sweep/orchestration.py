"""Sweeps: run an experiment's configurations × policies × replications, resumably.

Workers receive plain data and write their own files (:mod:`~sim.run.sweep.worker`), so the
parent holds only a bounded window of tasks: memory stays flat however many runs a sweep has. A
run's key is a hash of everything that determines its result, so an interrupted sweep resumes
without recomputing anything that finished, whatever executor ran it. The folder's layout is in
:mod:`~sim.run.sweep.files`; ``runs.parquet`` is collected by :mod:`~sim.run.sweep.collection`.
"""

from __future__ import annotations

import json
import math
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import BrokenExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
from sim.run.executors import open_executor, run_bounded
from sim.run.experiment import (
    Configuration,
    Experiment,
    TargetSpec,
    load_experiment,
    make_experiment,
    run_key,
)
from sim.run.output import atomic_write
from sim.run.sweep.collection import collect_runs, collect_units
from sim.run.sweep.files import (
    CASES_DIR,
    FAILED_DIR,
    MANIFEST,
    PROVENANCE,
    RUNS_DIR,
    RUNS_FILE,
    TARGET_FILE,
    write_json,
)
from sim.run.sweep.worker import execute_run
from sim.stochastic.streams import replication_seed

__all__ = [
    "SweepAborted",
    "SweepExists",
    "SweepOutcome",
    "TqdmProgress",
    "run_scenario",
    "run_sweep",
    "sweep",
]


class SweepExists(Exception):
    """The output directory already holds a sweep and ``--resume`` was not given."""


class SweepAborted(Exception):
    """The executor itself broke (a worker process died); finished runs are kept."""


# -- progress ----------------------------------------------------------------------------------

class TqdmProgress:
    """Runs done, failures and an ETA on stderr; runs found on disk do not skew the rate."""

    def __init__(self, desc: str, disable: bool = False):
        self.desc = desc
        self.disable = disable
        self.failed = 0
        self.bar: Any = None

    def plan(self, new: int) -> None:
        """``new`` more runs are planned."""
        if self.bar is None:  # created here, not before the input is known to be good
            from tqdm import tqdm

            self.bar = tqdm(total=new, unit="run", desc=self.desc, file=sys.stderr, smoothing=0,
                            disable=self.disable, dynamic_ncols=True)
            return
        self.bar.total += new
        self.bar.refresh()

    def reused(self) -> None:
        """A run found on disk: counted as done, but not in the rate (hence the ETA)."""
        if not self.disable:
            self.bar.initial += 1
            self.bar.update(1)

    def done(self, record: Mapping[str, Any]) -> None:
        if record.get("status") != "ok":
            self.failed += 1
            if not self.disable:
                self.bar.set_postfix(failed=self.failed, refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class _NoProgress:
    def plan(self, new: int) -> None: ...
    def reused(self) -> None: ...
    def done(self, record: Mapping[str, Any]) -> None: ...
    def close(self) -> None: ...


# -- the parent --------------------------------------------------------------------------------

@dataclass
class SweepOutcome:
    """What a sweep did; ``runs_file`` is None if it was interrupted."""

    out_dir: Path
    planned: int = 0
    computed: int = 0
    reused: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    replications: dict[int, int] = field(default_factory=dict)
    target: pd.DataFrame | None = None
    executor: str = ""
    wall_time_s: float = 0.0
    runs_file: Path | None = None


def _is_done(out: Path, key: str, keep_cases: bool) -> bool:
    if not (out / RUNS_DIR / f"{key}.json").exists():
        return False
    return not keep_cases or (out / CASES_DIR / f"{key}.parquet").exists()


def _clean_temporaries(out: Path) -> None:
    """Remove ``.*.tmp`` left by a writer that was killed mid-write (never a finished file)."""
    for folder in (out, out / RUNS_DIR, out / FAILED_DIR, out / CASES_DIR):
        if folder.is_dir():
            for tmp in folder.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)


def _has_runs(out: Path) -> bool:
    for folder in (RUNS_DIR, FAILED_DIR):
        path = out / folder
        if path.is_dir() and any(path.glob("*.json")):
            return True
    return (out / RUNS_FILE).exists()


def _check_folder(out: Path, exp: Experiment) -> None:
    """A sweep goes to a new folder, or to one holding a sweep of the same experiment: never
    into the outputs of a run, of a compare or of another experiment (they would be merged)."""
    if out.exists() and not out.is_dir():
        raise SweepExists(f"--out {out} is a file, not a folder")
    try:
        old = json.loads((out / PROVENANCE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if not isinstance(old, dict):
        return
    if old.get("kind") != "sweep":
        raise SweepExists(f"{out} holds the outputs of a govsim run or compare, not a sweep; "
                          "choose another --out")
    name = old.get("experiment_name")
    if name != exp.name:
        raise SweepExists(f"{out} holds a sweep of experiment {name!r} "
                          f"({old.get('experiment_file', '?')}), not of {exp.name!r} "
                          f"({exp.file}); choose another --out")


def _prepare(out: Path, exp: Experiment, resume: bool, log: Callable[[str], None]) -> None:
    _check_folder(out, exp)
    if _has_runs(out) and not resume:
        raise SweepExists(f"{out} already holds a sweep; add --resume to continue it "
                          "or choose another --out")
    for folder in (RUNS_DIR, FAILED_DIR) + ((CASES_DIR,) if exp.keep_cases else ()):
        (out / folder).mkdir(parents=True, exist_ok=True)
    _clean_temporaries(out)
    manifest = out / MANIFEST
    if resume and manifest.exists():
        try:
            old = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = {}
        if old.get("govsim_version") not in (None, __version__):
            log(f"warning: resuming runs made by govsim {old['govsim_version']} with "
                f"{__version__}; finished runs are reused as they are")
    (out / RUNS_FILE).unlink(missing_ok=True)  # stale until collected again
    provenance = {
        "kind": "sweep",
        "govsim_version": __version__,
        "experiment_name": exp.name,
        "experiment_file": exp.file,
        "experiment": exp.spec.model_dump(mode="json"),
        "scenario_name": exp.configurations[0].scenario.get("name", ""),
        "scenario_file": exp.scenario_file,
        "scenario": exp.base_scenario,
        "policies": exp.policies,
        "params": exp.params,
        "configurations": [{"config": c.index, **c.params} for c in exp.configurations],
        "replications": exp.spec.replications,
        "root_seed": exp.spec.seed,
        "days": exp.spec.days,
        "goal": _goal_record(exp),
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }
    write_json(out / PROVENANCE, provenance)


def _goal_record(exp: Experiment) -> dict[str, Any] | None:
    """The experiment's goal as the report reads it (targets parsed: analysis does not parse
    experiment files)."""
    goal = exp.spec.goal
    if goal is None:
        return None
    return {"meets": [{"metric": c.metric, "sense": c.sense, "bound": c.bound}
                      for c in goal.constraints],
            "lever": goal.lever, "prefer": goal.prefer, "confidence": goal.confidence}


def _write_manifest(out: Path, status: str, outcome: SweepOutcome) -> None:
    write_json(out / MANIFEST, {
        "status": status,
        "govsim_version": __version__,
        "executor": outcome.executor,
        "planned": outcome.planned,
        "computed": outcome.computed,
        "reused": outcome.reused,
        "failed": outcome.failed,
        "errors": outcome.errors,
        "replications": {str(k): v for k, v in outcome.replications.items()},
        "wall_time_s": outcome.wall_time_s,
        "updated_utc": datetime.now(UTC).isoformat(timespec="seconds"),
    })


@dataclass(frozen=True)
class _Tag:
    config: int
    policy: str
    replication: int


def _with_target(exp: Experiment, target: TargetSpec | str | float | None) -> TargetSpec | None:
    """The experiment's target, with ``--target-halfwidth`` replacing its half-width."""
    if target is None:
        return exp.spec.target
    if isinstance(target, TargetSpec):
        return target
    base = exp.spec.target
    data = base.model_dump() if base is not None else {}
    return TargetSpec.model_validate({**data, "halfwidth": target})


def run_sweep(exp: Experiment, out_dir: str | Path, *, workers: int | None = None,
              dask: str | None = None, resume: bool = False,
              target: TargetSpec | str | float | None = None,
              progress: TqdmProgress | None = None,
              log: Callable[[str], None] = lambda s: None) -> SweepOutcome:
    """Run every configuration × policy × replication and collect ``runs.parquet``.

    With a target, replications are added in batches to each configuration whose CI of the
    target metric (for any policy) is still wider than the target, up to its cap.
    """
    out = Path(out_dir).resolve()
    started = time.perf_counter()
    spec = _with_target(exp, target)
    _prepare(out, exp, resume, log)
    bar: TqdmProgress | _NoProgress = progress or _NoProgress()
    outcome = SweepOutcome(out)
    first = exp.spec.replications
    if spec is not None:
        first = min(max(first, 2), spec.max_replications)
    reps = {c.index: 0 for c in exp.configurations}
    upto = {c.index: first for c in exp.configurations}
    values: dict[tuple[int, str], dict[int, float]] = {}
    try:
        with open_executor(workers, dask, preload=["sim.run.sweep.worker"]) as info:
            outcome.executor = info.description
            _write_manifest(out, "running", outcome)
            active = list(exp.configurations)
            while active:
                _run_round(exp, out, active, reps, upto, info, spec, values, outcome, bar)
                for config in active:
                    reps[config.index] = upto[config.index]
                if spec is None:
                    break
                table = _precision(exp, spec, values, reps)
                active = [c for c in exp.configurations
                          if not table[table["config"] == c.index]["reached"].all()
                          and reps[c.index] < spec.max_replications]
                for config in active:
                    upto[config.index] = min(reps[config.index] + spec.batch,
                                             spec.max_replications)
        outcome.replications = dict(reps)
        if spec is not None:
            outcome.target = _precision(exp, spec, values, reps)
            target_table = outcome.target
            atomic_write(out / TARGET_FILE, lambda p: target_table.to_csv(p, index=False))
        outcome.runs_file = collect_runs(out, exp, reps)
        collect_units(out, exp, reps)
    except BaseException:
        # the pool is stopped by now: a worker ended mid-write left only a temporary file
        _clean_temporaries(out)
        outcome.replications = dict(reps)
        outcome.wall_time_s = time.perf_counter() - started
        _write_manifest(out, "interrupted", outcome)
        raise
    finally:
        bar.close()
    outcome.wall_time_s = time.perf_counter() - started
    _write_manifest(out, "complete" if outcome.failed == 0 else "complete_with_failures", outcome)
    return outcome


def _run_round(exp: Experiment, out: Path, active: Sequence[Configuration],
               reps: dict[int, int], upto: dict[int, int], info: Any, spec: TargetSpec | None,
               values: dict[tuple[int, str], dict[int, float]], outcome: SweepOutcome,
               progress: Any) -> None:
    """Run replications ``reps[c]..upto[c]-1`` of the active configurations."""
    keep = exp.keep_cases
    days = exp.spec.days
    seed = exp.spec.seed

    def items() -> Iterator[tuple[Configuration, str, int, str]]:
        for config in active:
            for policy in exp.policies:
                for k in range(reps[config.index], upto[config.index]):
                    key = run_key(config.run_json(policy), policy, replication_seed(seed, k), days)
                    yield config, policy, k, key

    planned = sum(1 for _ in items())
    outcome.planned += planned
    progress.plan(planned)
    inflight: dict[str, list[_Tag]] = {}

    def take(tag: _Tag, record: Mapping[str, Any]) -> None:
        if spec is not None and record.get("status") == "ok":
            summary = record.get("summary", {})
            if spec.metric not in summary:
                raise SweepAborted(f"target metric {spec.metric!r} is not in the run summaries "
                                   f"(they have: {sorted(summary)})")
            value = summary[spec.metric]
            values.setdefault((tag.config, tag.policy), {})[tag.replication] = (
                float(value) if value is not None else math.nan)

    def tasks() -> Iterator[tuple[str, dict[str, Any]]]:
        digests: dict[int, str] = {}
        for config, policy, k, key in items():
            tag = _Tag(config.index, policy, k)
            if key in inflight:  # a duplicate configuration: computed once
                inflight[key].append(tag)
                continue
            if _is_done(out, key, keep):
                outcome.reused += 1
                progress.reused()
                if spec is not None:
                    take(tag, json.loads((out / RUNS_DIR / f"{key}.json").read_text("utf-8")))
                continue
            inflight[key] = [tag]
            digest = digests.setdefault(config.index, run_key(config.scenario_json, "", 0, None))
            yield key, {
                "key": key, "scenario": config.scenario, "digest": digest, "policy": policy,
                "replication": k, "root_seed": seed, "days": days, "keep_cases": keep,
                "out_dir": str(out),
            }

    for key, future in run_bounded(info.executor, execute_run, tasks(), 2 * info.slots):
        tags = inflight.pop(key)
        exc = future.exception()
        if exc is not None:
            if isinstance(exc, BrokenExecutor):
                raise SweepAborted(
                    f"a worker process died ({type(exc).__name__}: {exc}); finished runs are "
                    "kept: run again with --resume (fewer --workers if memory ran out)"
                ) from exc
            record = {"key": key, "policy": tags[0].policy, "replication": tags[0].replication,
                      "status": "error", "error": f"executor: {type(exc).__name__}: {exc}",
                      "summary": {}, "cases_file": None}
            write_json(out / FAILED_DIR / f"{key}.json", record)
        else:
            record = future.result()
        if record["status"] == "ok":
            outcome.computed += 1
        else:
            outcome.failed += 1
            if len(outcome.errors) < 5:
                outcome.errors.append(f"{key[:12]} ({tags[0].policy}, rep {tags[0].replication}):"
                                      f" {record['error']}")
        for tag in tags:
            take(tag, record)
        progress.done(record)
        for _ in tags[1:]:
            outcome.reused += 1
            progress.reused()


def _precision(exp: Experiment, spec: TargetSpec,
               values: dict[tuple[int, str], dict[int, float]],
               reps: dict[int, int]) -> pd.DataFrame:
    """Mean and CI half-width of the target metric per configuration × policy."""
    from scipy import stats

    goal = spec.parsed
    rows = []
    for config in exp.configurations:
        for policy in exp.policies:
            got = values.get((config.index, policy), {})
            # sorted by replication: the same sums in the same order on any executor
            x = np.array([got[k] for k in sorted(got)], dtype=float)
            x = x[np.isfinite(x)]
            n = int(x.size)
            mean = float(x.mean()) if n else math.nan
            if n >= 2:
                sd = float(x.std(ddof=1))
                half = float(stats.t.ppf(0.5 + spec.confidence / 2.0, n - 1)) * sd / math.sqrt(n)
            else:
                half = math.nan
            rows.append({
                "config": config.index, **config.params, "policy": policy,
                "metric": spec.metric, "replications": reps[config.index], "n": n,
                "mean": mean, "halfwidth": half,
                "relative_halfwidth": half / abs(mean) if mean else math.nan,
                "target": str(goal), "reached": goal.reached(mean, half),
            })
    return pd.DataFrame(rows)


# -- the Python API ----------------------------------------------------------------------------

def _as_experiment(experiment: str | Path | Experiment | Mapping[str, Any]) -> Experiment:
    if isinstance(experiment, Experiment):
        return experiment
    if isinstance(experiment, Mapping):
        return make_experiment(dict(experiment), "<experiment>", base_dir=Path.cwd())
    return load_experiment(experiment)


def sweep(experiment: str | Path | Experiment | Mapping[str, Any],
          out: str | Path | None = None, *, workers: int | None = None,
          dask: str | None = None, resume: bool = False,
          target_halfwidth: str | float | None = None, progress: bool = False) -> pd.DataFrame:
    """Run an experiment (file, dict or :class:`Experiment`) and return runs.parquet as a frame.

    ``out=None`` writes to a fresh temporary directory (``df.attrs["out_dir"]``): results always
    stream to disk, so a notebook holds only the tidy table.
    """
    exp = _as_experiment(experiment)
    out_dir = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix="govsim-sweep-"))
    bar = TqdmProgress(exp.name, disable=not progress)
    outcome = run_sweep(exp, out_dir, workers=workers, dask=dask, resume=resume,
                        target=target_halfwidth, progress=bar)
    assert outcome.runs_file is not None
    df = pd.read_parquet(outcome.runs_file)
    df.attrs["out_dir"] = str(outcome.out_dir)
    if outcome.target is not None:
        df.attrs["target"] = outcome.target
    return df


def run_scenario(scenario: Any, policies: Iterable[str | None] = (None,), replications: int = 1,
                 seed: int = 0, days: float | None = None,
                 overrides: Mapping[str, Any] | None = None,
                 keep_cases: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Notebook helper: ``(cases, summary)`` frames of a scenario file or object.

    Runs in this process on common random numbers, like ``govsim compare``.
    """
    from sim.run.runner import run_scenario as run_set
    from sim.scenario.loader import load_scenario

    if isinstance(scenario, str | Path):
        scenario = load_scenario(scenario, dict(overrides) if overrides else None)
    elif overrides:
        raise ValueError("overrides need a scenario file path (they apply before validation)")
    runs = run_set(scenario, list(policies), replications, seed, days, keep_cases=keep_cases)
    return runs.cases(), runs.summary()

