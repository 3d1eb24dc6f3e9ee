"""``govsim calibrate LOG --out SCENARIO.yaml``: a scenario fitted from a work-order log.

Reads the log through a column map (default: the shipped map of a 12345 export with Chinese
headers), reports the rows it could not use, fits what a log can tell (docs/calibration.md) and
writes a scenario that validates, every fitted value commented with its sample size and 95 %
interval; ``--report DIR`` adds the calibration report (observed against fitted, in en/zh).
Bad input — a log, a map, a base scenario, an option — is one line per problem and exit code 2;
nothing is written then.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime, timedelta
from pathlib import Path

from sim.calibration.calibrate import Calibration, calibrate
from sim.calibration.columns import DEFAULT_MAP, load_column_map
from sim.calibration.logs import read_log
from sim.calibration.writer import write_scenario
from sim.cli.common import UsageError, folder, lang_list, langs, load_checked


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("calibrate", help="fit a scenario from a work-order log (CSV, Parquet, "
                                         "Excel)")
    p.add_argument("log", metavar="LOG", help="the log: .csv, .parquet or .xlsx")
    p.add_argument("--columns", default=None, metavar="MAP.yaml",
                   help=f"column map (default: {DEFAULT_MAP.name}, a 12345 export with Chinese "
                        "headers)")
    p.add_argument("--out", required=True, metavar="SCENARIO.yaml", help="the scenario to write")
    p.add_argument("--base", default=None, metavar="SCENARIO",
                   help="take organisation, shifts, travel and flare-ups from this scenario")
    p.add_argument("--holidays", default="", metavar="DATES",
                   help="public holidays in the log's period: 2025-04-04,2025-05-01:2025-05-05")
    p.add_argument("--end", default=None, metavar="DATETIME",
                   help="when the log was exported (default: midnight after its last time)")
    p.add_argument("--report", default=None, metavar="DIR",
                   help="write the calibration report here (calibration.html, "
                        "calibration.zh.html)")
    p.add_argument("--lang", default="en", type=lang_list,
                   help="report language(s): en, zh or en,zh")
    p.set_defaults(func=command)


def parse_holidays(text: str) -> list[date]:
    """``2025-04-04,2025-05-01:2025-05-05`` → the dates (a range includes both ends)."""
    days: list[date] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        first, _, last = part.partition(":")
        try:
            a = date.fromisoformat(first)
            b = date.fromisoformat(last) if last else a
        except ValueError:
            raise UsageError(f"--holidays: {part!r} is not a date (YYYY-MM-DD) or a range "
                             "(YYYY-MM-DD:YYYY-MM-DD)") from None
        if b < a:
            raise UsageError(f"--holidays: the range {part!r} ends before it starts")
        days.extend(a + timedelta(days=k) for k in range((b - a).days + 1))
    return days


def _out(path: str) -> Path:
    out = Path(path)
    if out.suffix.lower() not in (".yaml", ".yml"):
        raise UsageError(f"--out {path}: a scenario file ends in .yaml")
    if out.is_dir():
        raise UsageError(f"--out {path} is a folder: give the scenario file's name")
    parent = out.parent if str(out.parent) else Path(".")
    if parent.exists() and not parent.is_dir():
        raise UsageError(f"--out {path}: {parent} is a file, not a folder")
    return out


def _print_fits(cal: Calibration) -> None:
    print("channels (orders/day, weekly mean; negative binomial k):")
    for ch in cal.channels:
        k = cal.groups[ch.group][1] if ch.group else ch.counts.shape
        group = f" (group {ch.group})" if ch.group else ""
        print(f"  {ch.id:<12} {ch.counts.rate.value:8.1f}  ({ch.counts.rate.low:.1f}–"
              f"{ch.counts.rate.high:.1f})   k {k.value:.3g}{group}")
    print("categories (share; mean 派单 → 办结 hours by tier):")
    for c in cal.categories:
        times = "  ".join(f"{t} {fit.mean.value:.3g}" for t, fit in c.handling.items())
        print(f"  {c.id:<12} {c.share.value:6.1%}  {times}")
    extra = []
    if cal.reopen_p is not None:
        extra.append(f"reopen {cal.reopen_p.value:.1%}")
    if cal.satisfaction is not None:
        extra.append(f"satisfied on time {cal.satisfaction.on_time.value:.1%}")
    print(f"returns {cal.returns_per_order.value:.3f}/order (misroute p "
          f"{cal.misroute_p.value:.3f}); " + "; ".join(extra))


def command(args: argparse.Namespace) -> int:
    out = _out(args.out)
    holidays = parse_holidays(args.holidays)
    end = None
    if args.end:
        try:
            end = datetime.fromisoformat(args.end)
        except ValueError:
            raise UsageError(f"--end: {args.end!r} is not a date-time (YYYY-MM-DD HH:MM)") \
                from None
    report_dir = folder(args.report, "--report") if args.report else None
    base = load_checked(args.base) if args.base else None  # bad base: one line each, exit 2
    columns = load_column_map(args.columns)
    log = read_log(args.log, columns, end=end)
    print(log.summary())
    cal = calibrate(log, holidays)
    _print_fits(cal)
    path, _scenario, assumed = write_scenario(cal, out, base, args.base or "")
    for note in assumed:
        print(f"assumed: {note}")
    print(f"wrote {path} (validated); check it against the log: govsim backtest {path} "
          f"{args.log}")
    if report_dir is not None:
        from analysis.calibration_report import build_calibration_report

        for lang in langs(args):
            report = build_calibration_report(cal, assumed, report_dir, lang,
                                              scenario_file=str(path), log_arg=args.log)
            print(f"report: {report.resolve()}")
    return 0
