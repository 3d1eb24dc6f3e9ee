"""``govsim backtest SCENARIO LOG``: the scenario run over the log's period, every figure of the
log against the band of the replications, with a verdict each (docs/calibration.md).

Exit code 0 when the back-test ran (whatever its verdicts; ``--strict``: 1 if a figure is
outside its band), 2 for bad input.
"""

from __future__ import annotations

import argparse
import math
import unicodedata
from collections.abc import Sequence
from datetime import datetime

from sim.calibration.backtest import backtest, figures_frame
from sim.calibration.columns import DEFAULT_MAP, load_column_map
from sim.calibration.figures import Figure
from sim.calibration.logs import read_log
from sim.cli.common import UsageError, folder, lang_list, langs, load_checked, positive_int
from sim.run.output import atomic_write


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backtest", help="run a scenario over a log's period and compare")
    p.add_argument("scenario", metavar="SCENARIO",
                   help="the scenario to check (e.g. written by calibrate)")
    p.add_argument("log", metavar="LOG", help="the log: .csv, .parquet or .xlsx")
    p.add_argument("--columns", default=None, metavar="MAP.yaml",
                   help=f"column map (default: {DEFAULT_MAP.name})")
    p.add_argument("--replications", "-r", type=positive_int, default=10,
                   help="replications behind the simulated bands")
    p.add_argument("--seed", type=int, default=0, help="root seed of the replications")
    p.add_argument("--end", default=None, metavar="DATETIME",
                   help="when the log was exported (default: midnight after its last time)")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="write backtest.csv and the report (backtest.html) here")
    p.add_argument("--lang", default="en", type=lang_list,
                   help="report language(s): en, zh or en,zh")
    p.add_argument("--strict", action="store_true",
                   help="exit 1 when any figure is outside the simulated band")
    p.set_defaults(func=command)


def _number(x: float, unit: str) -> str:
    if not math.isfinite(x):
        return "—"
    if unit == "h":
        return f"{x:.1f} h"
    return f"{x:.3g}" if abs(x) >= 1 else f"{x:.3f}"


def _columns(text: str) -> int:
    """Terminal columns of ``text``: a Han character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    """``text`` left-aligned in ``width`` terminal columns."""
    return text + " " * max(0, width - _columns(text))


def _print(figures: Sequence[Figure], replications: int) -> None:
    width = max(_columns(f.name) for f in figures)
    band_head = f"simulated (95 % of {replications})"
    print(f"{_pad('figure', width)}  {'log':>10}  {band_head:>26}  verdict")
    group = None
    for f in figures:
        if f.group != group:
            group = f.group
            print(f"[{group}]")
        band = f"{_number(f.low, f.unit)} – {_number(f.high, f.unit)}"
        print(f"{_pad(f.name, width)}  {_number(f.observed, f.unit):>10}  {band:>26}  "
              f"{f.verdict()}")
    inside = sum(f.inside for f in figures)
    print(f"{inside} of {len(figures)} figures inside the simulated band")


def command(args: argparse.Namespace) -> int:
    end = None
    if args.end:
        try:
            end = datetime.fromisoformat(args.end)
        except ValueError:
            raise UsageError(f"--end: {args.end!r} is not a date-time (YYYY-MM-DD HH:MM)") \
                from None
    out = folder(args.out, "--out") if args.out else None
    scenario = load_checked(args.scenario)
    log = read_log(args.log, load_column_map(args.columns), end=end)
    print(log.summary().splitlines()[0])
    result = backtest(scenario, log, args.replications, args.seed)
    _print(result.figures, result.replications)
    if out is not None:
        from analysis.backtest_report import build_backtest_report

        out.mkdir(parents=True, exist_ok=True)
        table = figures_frame(result.figures)
        path = atomic_write(out / "backtest.csv", lambda p: table.to_csv(p, index=False))
        print(f"wrote {path}")
        for lang in langs(args):
            report = build_backtest_report(result, out, lang, scenario_file=args.scenario,
                                           log_file=args.log)
            print(f"report: {report.resolve()}")
    return 1 if args.strict and result.inside < len(result.figures) else 0
