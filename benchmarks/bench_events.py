"""Benchmark 6 — the event log's cost: the same runs with ``--events`` off and on, side by side.

Off must cost nothing (the closed loop pays one ``None`` test per stage); on, the price of
recording every activity, with and without writing events.parquet. Variants are interleaved
round by round (off, on, on + Parquet, off, …) on the same seed, and the median of the
round-by-round ratios is reported, for the M/M/c queue of benchmark 1 (c = 20, ρ = 0.9: the
loop with every feature off, the least work per case, where a per-stage cost shows most) and
for scenarios/district.yaml (every stage, every channel).

The figure for "off against the code without the event log" cannot be measured inside one
tree; it is measured against a worktree of the previous commit (see the report of the change).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import SCENARIOS, Figure, interleave, median, paired_ratios

NAME = "events"
TITLE = "6. Event log: runs with --events off vs on (M/M/c c=20 ρ=0.9, district.yaml)"


def timed_run(scenario: Any, seed: int, events: str, folder: Path) -> tuple[int, int, float]:
    """(cases, events, CPU s) of one run: ``events`` is ``off``, ``on`` (recorded, then
    dropped) or ``parquet`` (recorded and written to events.parquet, file closed)."""
    from sim.model.model import Model
    from sim.run.events import EventLogWriter
    from sim.workflows.closed_loop.events import EventColumns

    model = Model(scenario, seed=seed)
    recorder = writer = None
    counted = [0]
    if events != "off":
        loop: Any = model.workflow("closed_loop")
        if events == "parquet":
            writer = EventLogWriter(folder / f"events_{seed}.parquet", scenario.calendar.start)
            recorder = loop.record_events(writer.sink("bench", 0))
        else:
            def drop(columns: EventColumns) -> None:
                counted[0] += len(columns["event_id"])

            recorder = loop.record_events(drop)
    t0 = time.process_time()
    result = model.run()
    if recorder is not None:
        recorder.flush()
    if writer is not None:
        writer.close()
        counted[0] = writer.rows_written
    elapsed = time.process_time() - t0
    return len(result.cases["case_id"]), counted[0], elapsed


def compare(scenario: Any, rounds: int, folder: Path) -> dict[str, Any]:
    """Interleaved rounds of the three variants; rates (cases/s) and events per case."""
    per_case: list[float] = []

    def variant(events: str) -> Any:
        def go() -> float:
            n, n_events, cpu_s = timed_run(scenario, 1, events, folder)
            if events != "off":
                per_case.append(n_events / max(1, n))
            return n / cpu_s
        return go

    variants = {"off": variant("off"), "on": variant("on"), "parquet": variant("parquet")}
    interleave(variants, 1)  # untimed warm-up: the first run of a process pays for its caches
    per_case.clear()
    rates = interleave(variants, rounds)
    return {"rates": rates, "events_per_case": median(per_case),
            "on": paired_ratios(rates["on"], rates["off"]),
            "parquet": paired_ratios(rates["parquet"], rates["off"])}


def run(quick: bool = False) -> list[Figure]:
    from benchmarks.bench_engine import mmc_scenario
    from sim.scenario.loader import load_scenario

    customers = 3_000 if quick else 100_000
    rounds = 1 if quick else 5
    district_days = 0.1 if quick else 1.0
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="govsim_bench_events_") as tmp:
        folder = Path(tmp)
        cases = [
            ("M/M/c", mmc_scenario(customers), f"{customers:,} customers"),
            ("district", load_scenario(SCENARIOS / "district.yaml",
                                       {"calendar.horizon_days": district_days,
                                        "calendar.warmup_days": 0}),
             f"{district_days:g} day(s)"),
        ]
        for label, scenario, size in cases:
            found = compare(scenario, rounds, folder)
            off = median(found["rates"]["off"])
            figures += [
                Figure(NAME, f"{label} cases/s, events off", off, "cases/s",
                       note=f"{size}, {rounds} interleaved rounds; "
                            f"{found['events_per_case']:.1f} events per case when on"),
                Figure(NAME, f"{label} events on / off", median(found["on"]), "×",
                       ratio=" ".join(f"{r:.3f}" for r in found["on"]) + " per round "
                             "(recorded, not written)"),
                Figure(NAME, f"{label} events on + Parquet / off", median(found["parquet"]),
                       "×", ratio=" ".join(f"{r:.3f}" for r in found["parquet"])
                       + " per round (events.parquet written)"),
            ]
    return figures
