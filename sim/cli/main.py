"""The ``govsim`` command: its parser and the entry point; each command is a module of its own.

``main`` turns bad input into one line per problem and exit code 2, and an interrupt into exit
code 130 (finished files are kept).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sim import __version__
from sim.cli import backtest, calibrate, compare, optimise, report, run, sweep, validate, warmup
from sim.cli.common import UsageError, fail
from sim.scenario.loader import ScenarioError

#: the commands in the order ``govsim --help`` lists them
COMMANDS = (validate, run, compare, report, warmup, sweep, optimise, calibrate, backtest)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="govsim",
        description="Discrete-event simulation of grassroots governance workflows.",
    )
    parser.add_argument("--version", action="version", version=f"govsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ScenarioError as exc:
        return fail([str(p) for p in exc.problems])
    except UsageError as exc:
        return fail([f"govsim {args.command}: {exc}"])
    except KeyboardInterrupt:
        print("interrupted; finished files are kept", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
