"""Benchmark 4 — growth: 1×, 2×, 4× the demand *and* the grids (and staff, so load per worker is
constant) of district.yaml. Time must grow linearly: the slope of a log-log fit of run time on
size is reported (target ≤ 1.1). Memory must not grow with the horizon when per-case output
streams to disk: peak RSS at 1×, 2×, 4× the horizon with the streaming case log (target: the 4×
peak within 10 % of the 1× peak); the in-memory log is shown next to it for contrast.

Reference measured side by side: the same slope for a bare SimPy model of 2,000·k independent
M/M/1 queues (a ``Resource`` each, ρ = 0.5), i.e. what "linear" costs a SimPy model of that
many units and cases in flight on this machine (a larger event heap and working set make each
event dearer even when the model has no super-linear step).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import simpy

from benchmarks import RESULTS, Figure, fit_exponent, median, run_isolated

NAME = "growth"
TITLE = "4. Growth: time vs size (log-log slope), memory vs horizon (streamed)"

SIZES = (1, 2, 4)
#: bare SimPy reference: queues per unit of size, arrivals per queue per hour, mean service h
BARE_QUEUES, BARE_RATE_PER_H, BARE_SERVICE_H = 2000, 0.5, 1.0


def bare_queues(scale: float, hours: float, seed: int = 1) -> dict[str, Any]:
    """``BARE_QUEUES``·scale independent M/M/1 queues in plain SimPy; CPU s of ``env.run``.

    Arrivals pick a queue uniformly; draws are made up front so the loop is SimPy's alone.
    """
    n_queues = round(BARE_QUEUES * scale)
    env = simpy.Environment()
    rng = np.random.default_rng(seed)
    servers = [simpy.Resource(env, capacity=1) for _ in range(n_queues)]
    rate = BARE_RATE_PER_H * n_queues
    n = int(rate * hours * 1.2) + 100
    gaps = iter(rng.exponential(1.0 / rate, n).tolist())
    where = iter(rng.integers(0, n_queues, n).tolist())
    service = iter(rng.exponential(BARE_SERVICE_H, n).tolist())
    served = [0]

    def customer(server: simpy.Resource) -> Any:
        with server.request() as req:
            yield req
            yield env.timeout(next(service))
            served[0] += 1

    def source() -> Any:
        while True:
            yield env.timeout(next(gaps))
            env.process(customer(servers[next(where)]))

    env.process(source())
    t0 = time.process_time()
    env.run(until=hours)
    return {"cases": served[0], "run_s": time.process_time() - t0}


def run(quick: bool = False) -> list[Figure]:
    isolated = not quick
    days = 0.2 if quick else 10
    rounds = 1 if quick else 3
    times: dict[int, list[float]] = {k: [] for k in SIZES}
    bare: dict[int, list[float]] = {k: [] for k in SIZES}
    cases: dict[int, int] = {}
    for _ in range(rounds):  # interleaved: 1 2 4 1 2 4 …, govsim then bare SimPy at each size
        for k in SIZES:
            job = run_isolated({"scenario": "district", "scale": k, "days": days, "seed": 1},
                               isolated=isolated)
            times[k].append(job["run_s"])
            cases[k] = job["cases"]
            ref = run_isolated({"scenario": "bare_queues", "scale": k,
                                "hours": 2.0 if quick else 60.0}, isolated=isolated)
            bare[k].append(ref["run_s"])
    med = [median(times[k]) for k in SIZES]
    slope = fit_exponent(SIZES, med)
    bare_med = [median(bare[k]) for k in SIZES]
    bare_slope = fit_exponent(SIZES, bare_med)

    base_days = 0.1 if quick else 7
    streamed: dict[int, dict] = {}
    in_memory: dict[int, dict] = {}
    for h in SIZES:
        streamed[h] = run_isolated({
            "scenario": "district", "days": base_days * h, "seed": 1, "chunk_rows": 20_000,
            "stream": str(RESULTS / f"growth_horizon_{h}x.parquet")}, isolated=isolated)
        if not quick:
            in_memory[h] = run_isolated({"scenario": "district", "days": base_days * h,
                                         "seed": 1}, isolated=True)
    rss = [streamed[h]["peak_rss_mb"] for h in SIZES]
    growth = rss[-1] / rss[0]
    contrast = ""
    if in_memory:
        contrast = "; in-memory log: " + " / ".join(
            f"{in_memory[h]['peak_rss_mb']:.0f}" for h in SIZES) + " MiB"
    return [
        Figure(NAME, "time exponent (log-log, 1×/2×/4× size)", slope, "", target=1.1,
               higher=False,
               ratio=" / ".join(f"{k}×: {t:.2f} s ({cases[k]:,} cases)"
                                for k, t in zip(SIZES, med, strict=True)),
               note=f"{days} days each, demand + grids + staff scaled, median of {rounds} "
                    "interleaved rounds (CPU s of Model.run)"),
        Figure(NAME, "bare SimPy exponent, same sizes", bare_slope, "",
               ratio=" / ".join(f"{BARE_QUEUES * k:,} queues: {t:.2f} s"
                                for k, t in zip(SIZES, bare_med, strict=True)),
               note="reference measured in the same rounds: independent M/M/1 queues (ρ 0.5); "
                    f"govsim − bare SimPy = {slope - bare_slope:+.2f}"),
        Figure(NAME, "peak RSS 4× horizon / 1× (streamed)", growth, "×", target=1.1,
               higher=False,
               ratio=" / ".join(f"{base_days * h:g} d: {r:.0f} MiB"
                                for h, r in zip(SIZES, rss, strict=True)) + contrast,
               note="streamed with chunk_rows = 20,000"
                    + (" (quick: in-process, not meaningful)" if quick else "")),
    ]
