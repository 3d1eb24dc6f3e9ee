"""``govsim compare SCENARIO --policies A,B``: several policies on common random numbers."""

from __future__ import annotations

import argparse

from sim.cli.common import UsageError, run_and_write, run_options


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare", help="run several policies on common random numbers")
    run_options(p)
    p.add_argument("--policies", required=True, help="comma-separated dispatch+escalation")
    p.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    labels = [p.strip() for p in args.policies.split(",") if p.strip()]
    if len(labels) < 2:
        raise UsageError("--policies needs at least two policies separated by commas")
    if len(set(labels)) != len(labels):
        raise UsageError("--policies names a policy twice")
    return run_and_write(args, list(labels))
