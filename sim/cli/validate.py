"""``govsim validate FILE…``: check scenario files without running them (exit 2 on problems)."""

from __future__ import annotations

import argparse
import sys

from sim.cli.common import EXIT_BAD_INPUT, load_checked
from sim.scenario.loader import ScenarioError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check scenario files without running them")
    p.add_argument("files", nargs="+", metavar="FILE", help="scenario files to check")
    p.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    failed = False
    for path in args.files:
        try:
            load_checked(path)
        except ScenarioError as exc:
            failed = True
            for problem in exc.problems:
                print(problem, file=sys.stderr)
        else:
            print(f"{path}: ok")
    return EXIT_BAD_INPUT if failed else 0
