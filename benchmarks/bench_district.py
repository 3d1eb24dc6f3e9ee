"""Benchmark 2 — full model throughput: scenarios/district.yaml (2,000 grids, all channels,
whistle on when registered), a month, one core. Target ≥ 25,000 cases/s; peak memory reported.

Each repetition runs in a fresh interpreter (its peak RSS is that run's); the bare SimPy
calibration of this machine is measured in between, so the ratio cases/s ÷ bare-SimPy
customers/s is side by side (reference: 25,000 / 107,000 = 0.234).
"""

from __future__ import annotations

from benchmarks import (
    REF_BARE_SIMPY,
    Figure,
    calibrate,
    median,
    run_isolated,
)

NAME = "district"
TITLE = "2. Full model throughput: district.yaml (2,000 grids, all channels, whistle)"

TARGET_CASES_PER_S = 25_000.0


def run(quick: bool = False) -> list[Figure]:
    days = 0.5 if quick else 30
    rounds = 1 if quick else 3
    jobs = []
    bare = []
    for _ in range(rounds):
        jobs.append(run_isolated({"scenario": "district", "days": days, "whistle": True,
                                  "seed": 1}, isolated=not quick))
        bare.append(calibrate(quick) if quick else _bare_now())
    rates = [j["cases"] / j["run_s"] for j in jobs]
    ratio = [r / b for r, b in zip(rates, bare, strict=True)]
    counted = run_isolated({"scenario": "district", "days": 0.25 if quick else 7, "whistle": True,
                            "count_events": True, "seed": 2}, isolated=False)
    events_per_case = counted["events"] / max(1, counted["cases"])
    j = jobs[0]
    cps = median(rates)
    factor = REF_BARE_SIMPY / median(bare)
    return [
        Figure(NAME, "district cases/s (Model.run)", cps, "cases/s", target=TARGET_CASES_PER_S,
               normalised=cps * factor,
               ratio=f"cases/s ÷ bare SimPy cust/s = {median(ratio):.3f} (target equivalent "
                     f"{TARGET_CASES_PER_S / REF_BARE_SIMPY:.3f}); per round "
                     + " ".join(f"{r:,.0f}" for r in rates),
               note=f"{j['cases']:,} work orders + {j['contacts']:,} hotline contacts in "
                    f"{days} days, policy {j['policy']}; {events_per_case:.2f} events/case; "
                    f"setup {j['setup_s']:.2f} s, derive {j['derive_s']:.2f} s; CPU s (wall "
                    f"{j['run_wall_s']:.1f} s for {j['run_s']:.1f} CPU s)"),
        Figure(NAME, "district peak RSS", max(x["peak_rss_mb"] for x in jobs), "MiB",
               note=f"before the run (imports + model built): {j['rss_before_run_mb']:.0f} MiB"
                    + ("" if not quick else " (quick: measured in-process, not isolated)")),
    ]


def _bare_now() -> float:
    """A fresh bare SimPy measurement next to each district run (the machine drifts)."""
    import time

    from benchmarks.bench_engine import bare_simpy

    t0 = time.process_time()
    n = bare_simpy(50_000, seed=13)
    return n / (time.process_time() - t0)
