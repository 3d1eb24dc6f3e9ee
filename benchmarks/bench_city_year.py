"""Benchmark 3 — city-year: a generated Beijing-scale year (benchmarks.citygen: ~25 M hotline
contacts, ~10.3 M work orders, 30,000 grids) in one replication on one core, per-case results
streamed to Parquet in chunks. Targets: ≤ 10 minutes, ≤ 4 GiB peak memory.

By default (``make bench``) a slice of ``SLICE_DAYS`` days is run and the year is projected
from it (time × 365 / days; memory is flat by design, see benchmark 4). ``--full-year`` runs
the whole year; BENCHMARKS.md records such a run. The run is in a fresh interpreter so its peak
RSS is its own. The hotline's answer-only contacts are counted at intake (no operator queue).
"""

from __future__ import annotations

from benchmarks import RESULTS, Figure, machine_factor, run_isolated

NAME = "city_year"
TITLE = "3. City-year: generated Beijing-scale year, streamed to Parquet"

SLICE_DAYS = 14
TARGET_S = 600.0
TARGET_RSS_MB = 4096.0
FULL_YEAR = False  # set by ``python -m benchmarks --full-year``


def run(quick: bool = False) -> list[Figure]:
    if quick:
        days = 0.5
        city = {"contacts_per_year": 25e6 / 50, "grids": 400, "streets_x": 4, "streets_y": 3}
    else:
        days = 365.0 if FULL_YEAR else float(SLICE_DAYS)
        city = {}
    out = RESULTS / ("city_year.parquet" if not quick else "city_year_quick.parquet")
    job = run_isolated({"scenario": "city", "days": days, "city": city, "stream": str(out),
                        "chunk_rows": 200_000, "seed": 1}, isolated=not quick)
    year_factor = 365.0 / days
    projected = (job["run_s"] + job["setup_s"]) * year_factor
    full = days >= 365.0
    what = "full year" if full else f"{days:g}-day slice × {year_factor:.1f}"
    note = (f"{job['cases']:,} work orders + {job['contacts']:,} contacts in {days:g} days "
            f"({job['grids']:,} grids, {job['workers']:,} workers); run {job['run_s']:.1f} CPU s "
            f"({job['run_wall_s']:.1f} s wall), "
            f"setup {job['setup_s']:.1f} s; {job['cases'] / job['run_s']:,.0f} cases/s; "
            f"{job['rows_streamed']:,} rows streamed to {out.name} "
            f"({job['stream_bytes'] / 2**20:.0f} MiB)")
    factor = 1.0 if quick else machine_factor(quick)
    return [
        Figure(NAME, f"city-year time ({'measured' if full else 'projected'}, CPU)",
               projected, "s", target=TARGET_S, higher=False,
               normalised=projected / factor if not quick else None,
               ratio=what, note=note),
        Figure(NAME, "city-year peak RSS", job["peak_rss_mb"], "MiB", target=TARGET_RSS_MB,
               higher=False,
               note=f"before the run: {job['rss_before_run_mb']:.0f} MiB; streamed, so flat in "
                    "the horizon (benchmark 4)"),
    ]
