"""Benchmark 4 — growth: 1×, 2×, 4× the demand *and* the grids (and staff, so load per worker is
constant) of district.yaml. Time must grow linearly: the slope of a log-log fit of run time on
size is reported (target ≤ 1.1). Memory must not grow with the horizon when per-case output
streams to disk: peak RSS at 1×, 2×, 4× the horizon with the streaming case log (target: the 4×
peak within 10 % of the 1× peak); the in-memory log is shown next to it for contrast.
"""

from __future__ import annotations

from benchmarks import RESULTS, Figure, fit_exponent, median, run_isolated

NAME = "growth"
TITLE = "4. Growth: time vs size (log-log slope), memory vs horizon (streamed)"

SIZES = (1, 2, 4)


def run(quick: bool = False) -> list[Figure]:
    isolated = not quick
    days = 0.2 if quick else 10
    rounds = 1 if quick else 2
    times: dict[int, list[float]] = {k: [] for k in SIZES}
    cases: dict[int, int] = {}
    for _ in range(rounds):  # interleaved: 1 2 4 1 2 4
        for k in SIZES:
            job = run_isolated({"scenario": "district", "scale": k, "days": days, "seed": 1},
                               isolated=isolated)
            times[k].append(job["run_s"])
            cases[k] = job["cases"]
    med = [median(times[k]) for k in SIZES]
    slope = fit_exponent(SIZES, med)

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
               note=f"{days} days each, demand + grids + staff scaled, median of {rounds}"),
        Figure(NAME, "peak RSS 4× horizon / 1× (streamed)", growth, "×", target=1.1,
               higher=False,
               ratio=" / ".join(f"{base_days * h:g} d: {r:.0f} MiB"
                                for h, r in zip(SIZES, rss, strict=True)) + contrast,
               note="streamed with chunk_rows = 20,000"
                    + (" (quick: in-process, not meaningful)" if quick else "")),
    ]
