"""``govsim run SCENARIO``: replications of one policy; outputs, headline and report."""

from __future__ import annotations

import argparse

from sim.cli.common import run_and_write, run_options


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run a scenario (replications of one policy)")
    run_options(p)
    p.add_argument("--policy", default=None, help="dispatch+escalation, e.g. manual+transfer")
    p.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    return run_and_write(args, [args.policy])
