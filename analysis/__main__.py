"""``python -m analysis OUT_DIR``: build the HTML report of an output directory."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis.labels import LANGS
from analysis.report import build_report


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, write the report and print its path."""
    parser = argparse.ArgumentParser(
        prog="python -m analysis",
        description="Write OUT_DIR/report.html (report.zh.html in Chinese) from govsim "
        "run/compare/sweep outputs.")
    parser.add_argument("out_dir", type=Path, help="output directory of govsim")
    parser.add_argument("--lang", choices=LANGS, default="en", help="report language")
    parser.add_argument("--baseline", help="policy to compare against (default: first)")
    parser.add_argument("--charts-dir", type=Path,
                        help="also save every chart there as PNG and SVG")
    parser.add_argument("--filename", default=None,
                        help="name of the HTML file (default report.html, report.zh.html)")
    parser.add_argument("--n-boot", type=int, default=2000,
                        help="bootstrap resamples for pooled percentiles")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    args = parser.parse_args(argv)
    try:
        path = build_report(args.out_dir, lang=args.lang, baseline=args.baseline,
                            n_boot=args.n_boot, seed=args.seed, charts_dir=args.charts_dir,
                            filename=args.filename)
    except (FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
