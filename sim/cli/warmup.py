"""``govsim warmup SCENARIO``: suggest the warm-up length from a pilot run (MSER-5, Welch)."""

from __future__ import annotations

import argparse

from sim.cli.common import UsageError, load_checked
from sim.run.warmup import plot_warmup, suggest_warmup


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("warmup", help="suggest the warm-up length from a pilot run (MSER-5, Welch)")
    p.add_argument("scenario", metavar="SCENARIO", help="scenario file (scenarios/*.yaml)")
    p.add_argument("--policy", default=None, help="dispatch+escalation (default: the scenario's)")
    p.add_argument("--replications", "-r", type=int, default=5, help="pilot replications")
    p.add_argument("--seed", type=int, default=0, help="root seed of the replications")
    p.add_argument("--days", type=float, default=None, help="pilot length (default: horizon)")
    p.add_argument("--series", choices=["backlog", "resolution"], default="backlog",
                   help="hourly open cases, or resolution time by arrival hour")
    p.add_argument("--method", choices=["mser5", "welch"], default="mser5",
                   help="MSER-5 (White 1997) or Welch's moving average")
    p.add_argument("--plot", default=None, help="save the plot to this PNG")
    p.add_argument("--keep-surges", action="store_true", help="keep demand surges in the pilot")
    p.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    """Print a warm-up suggestion from a pilot run, optionally save its plot."""
    if args.replications < 1:
        raise UsageError("--replications must be at least 1")
    if args.days is not None and not args.days > 0:
        raise UsageError("--days must be positive")
    scn = load_checked(args.scenario, [args.policy])  # bad input: one line, exit 2
    if not scn.has_closed_loop:
        raise UsageError(f"{args.scenario}: the pilot series are the closed loop's (open cases, "
                         "resolution times), and this scenario does not run the closed loop")
    s = suggest_warmup(scn, args.policy, args.replications, args.seed, args.days, args.series,
                       args.method, keep_surges=args.keep_surges)
    print(s)
    if args.plot:
        print(f"plot: {plot_warmup(s, args.plot, title=f'{scn.name}: warm-up')}")
    return 0
