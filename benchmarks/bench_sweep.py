"""Sweep throughput and memory: 2 workers against 1, and the parent's memory as runs grow.

The specified sweep is experiments/staffing_vs_demand.yaml: 3 × 4 configurations × 3 policies ×
10 replications of beijing_street.yaml (360 runs of four weeks). Target: ``--workers 2`` at least
1.8× as fast as ``--workers 1`` (wall time), and a parent whose peak memory does not grow with
the number of runs (results stream to disk). Each sweep runs in a fresh interpreter so that its
peak resident memory is its own.

``python benchmarks/bench_sweep.py [--quick]`` or ``python -m benchmarks --only sweep``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import ROOT, Figure

NAME = "sweep"
TITLE = "Sweep: process-pool speed-up and flat parent memory (issue 4)"
EXPERIMENT = ROOT / "experiments" / "staffing_vs_demand.yaml"
SPEEDUP_TARGET = 1.8


def experiment_data(quick: bool, replications: int | None = None,
                    days: float | None = None) -> dict[str, Any]:
    """The staffing experiment as a dict; ``quick`` shrinks it to a smoke test."""
    import yaml

    data = yaml.safe_load(EXPERIMENT.read_text(encoding="utf-8"))
    data["scenario"] = str(ROOT / "scenarios" / "beijing_street.yaml")
    if quick:
        data["grid"] = {"organisation.grid_workers_per_grid": [1, 2]}
        data["policies"] = data["policies"][:1]
        data["replications"] = 2
    if replications is not None:
        data["replications"] = replications
    if days is not None or quick:
        horizon = days if days is not None else 1.0
        data["overrides"] = {"calendar.horizon_days": horizon,
                             "calendar.warmup_days": horizon / 4,
                             "arrivals.channels[0].surges": []}
    return data


def job(spec: dict[str, Any]) -> dict[str, Any]:
    """One sweep (in this interpreter): wall time, CPU time of parent and workers, peak RSS."""
    import resource

    from benchmarks._job import peak_rss_mb
    from sim.run.experiment import make_experiment
    from sim.run.sweep import run_sweep

    exp = make_experiment(spec["experiment"], "bench", base_dir=ROOT)
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    started = time.perf_counter()
    cpu0 = time.process_time()
    outcome = run_sweep(exp, spec["out"], workers=spec["workers"])
    wall = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "runs": outcome.planned, "computed": outcome.computed, "failed": outcome.failed,
        "wall_s": wall, "parent_cpu_s": time.process_time() - cpu0,
        "workers_cpu_s": children.ru_utime + children.ru_stime,
        "parent_peak_rss_mb": peak_rss_mb(),
        "worker_peak_rss_mb": children.ru_maxrss / 1024.0,
        # other work on the machine: cores this sweep obtained, load average around it
        "cores_used": (time.process_time() - cpu0 + children.ru_utime + children.ru_stime) / wall,
        "load": [load_before, os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")],
    }


def run_job(spec: dict[str, Any], isolated: bool) -> dict[str, Any]:
    if not isolated:
        return job(spec)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    proc = subprocess.run([sys.executable, "-m", "benchmarks.bench_sweep", "--job",
                           json.dumps(spec)], capture_output=True, text=True, env=env,
                          cwd=str(ROOT), check=False, timeout=7200)
    if proc.returncode != 0:
        raise RuntimeError(f"sweep job failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(quick: bool = False) -> list[Figure]:
    isolated = not quick
    with tempfile.TemporaryDirectory(prefix="govsim-bench-sweep-") as tmp:
        base = experiment_data(quick)
        results = {}
        for workers in (1, 2):
            spec = {"experiment": base, "out": f"{tmp}/w{workers}", "workers": workers}
            results[workers] = run_job(spec, isolated)
        # memory: the same short runs, 4× as many of them; the parent must not grow
        small, large = (2, 8) if quick else (25, 100)
        memory = {}
        for reps in (small, large):
            data = experiment_data(quick, replications=reps, days=1.0)
            data["policies"] = data["policies"][:1]
            spec = {"experiment": data, "out": f"{tmp}/m{reps}", "workers": 2}
            memory[reps] = run_job(spec, isolated)
    one, two = results[1], results[2]
    for result in (*results.values(), *memory.values()):
        if result["failed"]:
            raise RuntimeError(f"{result['failed']} of {result['runs']} benchmark runs failed")
    speedup = one["wall_s"] / two["wall_s"]
    growth = memory[large]["parent_peak_rss_mb"] / memory[small]["parent_peak_rss_mb"]
    runs = one["runs"]
    return [
        Figure(NAME, f"speed-up, 2 workers vs 1 ({runs} runs)", speedup, "×",
               target=SPEEDUP_TARGET,
               ratio=f"{one['wall_s']:.1f} s / {two['wall_s']:.1f} s wall",
               note=f"CPU: 1 worker {one['parent_cpu_s']:.0f} s; 2 workers "
                    f"{two['workers_cpu_s']:.0f} s in workers + {two['parent_cpu_s']:.1f} s "
                    f"in the parent. Cores obtained {one['cores_used']:.2f} / "
                    f"{two['cores_used']:.2f}, load average {one['load'][0]:.1f}→"
                    f"{one['load'][1]:.1f} / {two['load'][0]:.1f}→{two['load'][1]:.1f}: "
                    "other work on the machine lowers the speed-up"),
        Figure(NAME, "wall time, 1 worker (in-process)", one["wall_s"], "s"),
        Figure(NAME, "wall time, 2 worker processes", two["wall_s"], "s"),
        Figure(NAME, "parent peak RSS, 2 workers", two["parent_peak_rss_mb"], "MiB",
               note=f"a worker peaks at {two['worker_peak_rss_mb']:.0f} MiB; in-process sweep "
                    f"{one['parent_peak_rss_mb']:.0f} MiB"),
        Figure(NAME, f"parent peak RSS, {memory[large]['runs']} vs {memory[small]['runs']} runs",
               growth, "×", target=1.1, higher=False,
               ratio=f"{memory[large]['parent_peak_rss_mb']:.0f} MiB / "
                     f"{memory[small]['parent_peak_rss_mb']:.0f} MiB"),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_sweep", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke-test sizes")
    parser.add_argument("--job", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.job:
        print(json.dumps(job(json.loads(args.job))))
        return 0
    started = time.perf_counter()
    print(TITLE)
    for fig in run(quick=args.quick):
        print(fig.line(), flush=True)
    print(f"  ({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
