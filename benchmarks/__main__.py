"""Run the benchmarks: ``python -m benchmarks [--quick] [--only NAME[,NAME]] [--full-year]``.

Prints, per benchmark, each figure with its target and PASS / MISS (``PASS*``: met only once
normalised to the reference machine's speed), then a summary. Exit status 0 unless a benchmark
crashed: a missed target is a finding, not an error.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import platform
import sys
import time
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from types import ModuleType

from benchmarks import Figure

#: Benchmark modules in order; bench_sweep is written by the experiments work and may be absent.
MODULES = ("bench_engine", "bench_district", "bench_city_year", "bench_growth", "bench_sweep",
           "bench_events")


def load(name: str) -> ModuleType | None:
    if importlib.util.find_spec(f"benchmarks.{name}") is None:
        return None
    return importlib.import_module(f"benchmarks.{name}")


def bench_name(module: ModuleType, fallback: str) -> str:
    return getattr(module, "NAME", fallback.removeprefix("bench_"))


def run_module(module: ModuleType, quick: bool) -> list[Figure]:
    """Call ``run(quick)``; a module with only ``main(argv)`` is run and its output shown."""
    if hasattr(module, "run"):
        figures = [f for f in module.run(quick=quick) if isinstance(f, Figure)]
        for fig in figures:
            fig.quick = quick
        return figures
    if hasattr(module, "main"):
        module.main(["--quick"] if quick else [])
        return []
    raise AttributeError(f"{module.__name__} has neither run(quick) nor main(argv)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument("--only", action="append", default=[],
                        help="run only these benchmarks (engine, district, city_year, growth, "
                             "sweep, events); repeat or comma-separate")
    parser.add_argument("--full-year", action="store_true",
                        help="city_year: run the whole year instead of a slice + projection")
    args = parser.parse_args(argv)
    only = {n.strip() for item in args.only for n in item.split(",") if n.strip()}

    print(f"govsim benchmarks — {datetime.now(UTC).isoformat(timespec='seconds')} — "
          f"Python {platform.python_version()} on {platform.machine()}"
          f"{' — quick' if args.quick else ''}")
    summary: list[Figure] = []
    crashed = []
    for mod_name in MODULES:
        short = mod_name.removeprefix("bench_")
        if only and short not in only:
            continue
        module = load(mod_name)
        if module is None:
            print(f"\n[{short}] skipped: benchmarks/{mod_name}.py does not exist")
            continue
        if mod_name == "bench_city_year" and args.full_year:
            module.FULL_YEAR = True
        print(f"\n{getattr(module, 'TITLE', short)}", flush=True)
        started = time.perf_counter()
        try:
            figures = run_module(module, args.quick)
        except Exception:
            traceback.print_exc()
            crashed.append(short)
            continue
        for fig in figures:
            print(fig.line(), flush=True)
        print(f"  ({time.perf_counter() - started:.1f} s)")
        summary.extend(figures)

    targeted = [f for f in summary if f.target is not None]
    if targeted:
        print("\nSummary")
        for fig in targeted:
            print(f"  {fig.status():<5} {fig.benchmark:<10} {fig.name}")
    if crashed:
        print(f"\ncrashed: {', '.join(crashed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
