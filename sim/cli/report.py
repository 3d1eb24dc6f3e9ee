"""``govsim report DIR``: build report.html (and report.zh.html) from an output directory."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli.common import UsageError, build_reports, check_baseline, lang_list, langs


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="build report.html from an output directory")
    p.add_argument("dir", metavar="DIR",
                   help="output directory of run, compare, sweep or optimise")
    p.add_argument("--lang", default="en", type=lang_list,
                   help="en, zh or en,zh: report.html (en), report.zh.html (zh)")
    p.add_argument("--baseline", default=None, help="policy to compare against (default first)")
    p.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    out_dir = Path(args.dir)
    if (out_dir / "optimise.json").exists():  # a govsim optimise folder: its own report
        from analysis.optimise_report import build_optimise_report

        for lang in langs(args):
            print(f"report: {build_optimise_report(out_dir, lang).resolve()}")
        return 0
    if not (out_dir / "summary.csv").exists() and not (out_dir / "runs.parquet").exists():
        raise UsageError(f"{out_dir}: no summary.csv or runs.parquet here (run govsim first)")
    if args.baseline is not None:
        check_baseline(args, _policies(out_dir))
    build_reports(out_dir, args)
    return 0


def _policies(out_dir: Path) -> list[str]:
    """The policies of an output folder (summary.csv of a run, runs.parquet of a sweep)."""
    import pandas as pd

    if (out_dir / "summary.csv").exists():
        column = pd.read_csv(out_dir / "summary.csv", usecols=["policy"])["policy"]
    else:
        column = pd.read_parquet(out_dir / "runs.parquet", columns=["policy"])["policy"]
    return [str(p) for p in column.unique()]
