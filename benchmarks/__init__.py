"""Performance benchmarks of govsim (``make bench`` = ``python -m benchmarks``; not part of tests).

Each benchmark is one module with ``NAME``, ``TITLE`` and ``run(quick: bool) -> list[Figure]``.
Machines here are noisy and differ in speed, so every benchmark measures side by side in one
run (interleaved repetitions, medians) and prints ratios; absolute figures are for context.
To compare an absolute target set on the reference machine (bare SimPy M/M/c ≈ 107,000
customers/s there) this machine's speed is calibrated with the same bare SimPy model
(:func:`calibrate`) and the figure is also shown *normalised*: measured × 107,000 / bare here.

Times are **CPU seconds of the measuring process** (``time.process_time``), not wall time:
other work on a shared 2-core machine then slows a run far less than it slows the clock (wall
times are kept in the notes). "One core" in the targets is exactly this.

Heavy runs go to a fresh interpreter (:func:`run_isolated`, module :mod:`benchmarks._job`) so
that the peak resident memory of one run is not mixed up with another's.
"""

from __future__ import annotations

import gc
import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Bare SimPy M/M/c (c = 20, ρ = 0.9) customers per second on the reference machine (issue 6).
REF_BARE_SIMPY = 107_000.0
#: Ciw on the same queue on the reference machine (issue 6).
REF_CIW = 50_000.0

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
RESULTS = ROOT / "results" / "bench"


@dataclass
class Figure:
    """One measured figure against its target (``higher`` says which way is better)."""

    benchmark: str
    name: str
    value: float
    unit: str
    target: float | None = None
    higher: bool = True
    ratio: str = ""
    note: str = ""
    normalised: float | None = None  # the value scaled to the reference machine, if relevant
    extra: dict[str, Any] = field(default_factory=dict)
    quick: bool = False  # measured at smoke-test sizes: not judged against the target

    def status(self) -> str:
        """PASS / MISS against the target (``PASS*``: only the machine-normalised value meets
        it); ``info`` without a target; ``quick`` at smoke-test sizes."""
        if self.target is None or math.isnan(self.value):
            return "info"
        if self.quick:
            return "quick"
        if self._meets(self.value):
            return "PASS"
        if self.normalised is not None and self._meets(self.normalised):
            return "PASS*"
        return "MISS"

    def _meets(self, value: float) -> bool:
        return value >= self.target if self.higher else value <= self.target  # type: ignore[operator]

    def line(self) -> str:
        target = "" if self.target is None else f"{'≥' if self.higher else '≤'} {_fmt(self.target)}"
        norm = "" if self.normalised is None else f" (ref-machine ≈ {_fmt(self.normalised)})"
        text = f"  {self.name:<38} {_fmt(self.value):>12} {self.unit:<10}{norm}"
        text += f"  target {target:<12} {self.status()}" if target else "  " + self.status()
        if self.ratio:
            text += f"\n      ratio: {self.ratio}"
        if self.note:
            text += f"\n      note: {self.note}"
        return text


def _fmt(x: float) -> str:
    if isinstance(x, int) or (abs(x) >= 100 and float(x).is_integer()):
        return f"{int(x):,}"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}"


def median(xs: Sequence[float]) -> float:
    return float(statistics.median(xs)) if xs else math.nan


def interleave(variants: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Run every variant once per round, in turn (A B C A B C …), collecting what each returns.

    Interleaving spreads slow phases of a noisy machine over all variants instead of one. The
    garbage of the previous variant is collected first: left lying (SimPy environments and Ciw
    simulations are reference cycles) it would slow the next variant's garbage collections.
    """
    out: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, fn in variants.items():
            gc.collect()
            out[name].append(fn())
    return out


def paired_ratios(a: list[float], b: list[float]) -> list[float]:
    """Round-by-round ratios a[i] / b[i] (the median of these is less noisy than a ratio of
    medians, because neighbours in time share the machine's state)."""
    return [x / y for x, y in zip(a, b, strict=True) if y > 0]


def fit_exponent(sizes: Sequence[float], times: Sequence[float]) -> float:
    """Slope of log(time) on log(size): 1.0 is linear growth."""
    lx = [math.log(s) for s in sizes]
    ly = [math.log(t) for t in times]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    sxx = sum((x - mx) ** 2 for x in lx)
    return sum((x - mx) * (y - my) for x, y in zip(lx, ly, strict=True)) / sxx


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (MiB; Linux reports KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_isolated(spec: dict[str, Any], isolated: bool = True, timeout_s: float = 7200) -> dict:
    """Run :func:`benchmarks._job.run_job` in a fresh interpreter (or here if not ``isolated``).

    A fresh interpreter is what makes its peak RSS the peak of that one run.
    """
    if not isolated:
        from benchmarks._job import run_job

        return run_job(spec)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks._job", json.dumps(spec)],
        capture_output=True, text=True, timeout=timeout_s, env=env, cwd=str(ROOT), check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark job {spec} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


_CALIBRATION: dict[bool, float] = {}


def calibrate(quick: bool) -> float:
    """Bare SimPy M/M/c customers/s on this machine now (cached per session; median of 3)."""
    if quick not in _CALIBRATION:
        from benchmarks.bench_engine import bare_simpy

        n = 10_000 if quick else 100_000
        rates = []
        for _ in range(1 if quick else 3):
            t0 = time.process_time()
            done = bare_simpy(n, seed=11, block=False)
            rates.append(done / (time.process_time() - t0))
        _CALIBRATION[quick] = median(rates)
    return _CALIBRATION[quick]


def set_calibration(quick: bool, bare_per_s: float) -> None:
    """Let benchmark 1, which measures bare SimPy anyway, provide the calibration."""
    _CALIBRATION[quick] = bare_per_s


def machine_factor(quick: bool) -> float:
    """Reference-machine speed / this machine's speed (> 1: this machine is slower)."""
    return REF_BARE_SIMPY / calibrate(quick)
