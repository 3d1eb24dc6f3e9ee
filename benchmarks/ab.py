"""Two revisions side by side: ``python -m benchmarks.ab REV_A REV_B [--rounds N] [--quick]``.

A refactor must not slow the model down, and this machine is too noisy for figures taken at
different times. This checks both revisions out (``git worktree``, in a temporary folder), then
runs each measurement for A and B alternately, every one in a fresh interpreter with that
revision first on ``sys.path`` (the same virtual environment, so the same libraries):

* **engine** — M/M/c customers per CPU-second (benchmark 1's queue, c=20, ρ=0.9), divided by
  bare SimPy customers per CPU-second measured in the same interpreter right after;
* **district** — district.yaml cases per CPU-second of ``Model.run`` (benchmark 2's job: 30
  days, whistle on), divided by bare SimPy likewise.

It prints each round and the median of the round-by-round ratios B / A (1.00: the same speed).
Both revisions' ``benchmarks/`` must have ``bench_engine.govsim_run`` and ``_job.run_job``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: measured in the child: (cases per CPU-s of the model, bare SimPy customers per CPU-s)
_ENGINE = """
import json, time
from benchmarks.bench_engine import bare_simpy, govsim_run, mmc_scenario
scenario = mmc_scenario({customers})
cases, run_s, _ = govsim_run(scenario, seed=1)
t0 = time.process_time(); n = bare_simpy(50_000, seed=13); bare_s = time.process_time() - t0
print(json.dumps([cases / run_s, n / bare_s]))
"""
_DISTRICT = """
import json, time
from benchmarks._job import run_job
from benchmarks.bench_engine import bare_simpy
job = run_job({{"scenario": "district", "days": {days}, "whistle": True, "seed": 1}})
t0 = time.process_time(); n = bare_simpy(50_000, seed=13); bare_s = time.process_time() - t0
print(json.dumps([job["cases"] / job["run_s"], n / bare_s]))
"""


def _worktree(rev: str, into: Path) -> Path:
    path = into / rev.replace("/", "_")
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--force",
                    str(path), rev], check=True, capture_output=True)
    return path


def _measure(tree: Path, code: str) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"}
    proc = subprocess.run([sys.executable, "-c", code], cwd=tree, env=env, check=True,
                          capture_output=True, text=True)
    rate, bare = json.loads(proc.stdout.strip().splitlines()[-1])
    return float(rate), float(bare)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ab", description=__doc__)
    parser.add_argument("a", metavar="REV_A", help="the reference revision (e.g. main~5)")
    parser.add_argument("b", metavar="REV_B", help="the revision to compare (e.g. HEAD)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke test)")
    parser.add_argument("--only", choices=["engine", "district"], default=None,
                        help="one measurement only")
    args = parser.parse_args(argv)
    customers, days = (5_000, 1) if args.quick else (200_000, 30)
    work = Path(tempfile.mkdtemp(prefix="govsim-ab-"))
    trees = {}
    try:
        for label, rev in (("A", args.a), ("B", args.b)):
            trees[label] = _worktree(rev, work)
        for name, code in (("engine", _ENGINE.format(customers=customers)),
                           ("district", _DISTRICT.format(days=days))):
            if args.only not in (None, name):
                continue
            ratios = []
            for k in range(args.rounds):
                got = {}
                order = ("A", "B") if k % 2 == 0 else ("B", "A")  # alternate who goes first
                for label in order:
                    got[label] = _measure(trees[label], code)
                (ra, ba), (rb, bb) = got["A"], got["B"]
                ratio = (rb / bb) / (ra / ba)
                ratios.append(ratio)
                print(f"{name} round {k + 1}: A {ra:,.0f}/s (÷ bare {ra / ba:.3f})  "
                      f"B {rb:,.0f}/s (÷ bare {rb / bb:.3f})  B/A {ratio:.3f}", flush=True)
            print(f"{name}: median B/A of bare-normalised rates = {statistics.median(ratios):.3f}"
                  f" over {args.rounds} rounds ({' '.join(f'{r:.3f}' for r in ratios)})")
    finally:
        for tree in trees.values():
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                           capture_output=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
