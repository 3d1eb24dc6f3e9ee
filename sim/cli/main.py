"""The ``govsim`` command: its parser and the entry point; each command is a module of its own.

``main`` is the one error path of the command line. What reaches it is either

* bad input (a file, an option): one line per problem, exit code 2;
* the environment refusing (a disk full, a folder that cannot be written, memory): one line
  naming what failed, exit code 1;
* a run stopped by the watchdog (no progress in simulated time): one line, exit code 2;
* an interrupt: exit code 130 (finished files are kept);
* anything else, a bug in govsim: one line saying so and where the traceback was written
  (a log file in the temporary folder), exit code 1 — never a raw traceback on the terminal.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from sim import __version__
from sim.cli import (
    backtest,
    calibrate,
    compare,
    optimise,
    policies,
    report,
    run,
    sweep,
    validate,
    warmup,
)
from sim.cli.common import UsageError, fail
from sim.engine import SimulationStalled
from sim.scenario.loader import ScenarioError

#: the commands in the order ``govsim --help`` lists them
COMMANDS = (validate, run, compare, report, warmup, sweep, optimise, calibrate, backtest,
            policies)


class _HelpFormatter(argparse.HelpFormatter):
    """Every option's help ends with its default, unless it has none worth saying (unset, a
    flag) or the text already gives it."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (action.option_strings and "default" not in text and default is not None
                and default is not argparse.SUPPRESS and not isinstance(default, bool)):
            shown = ",".join(default) if isinstance(default, list | tuple) else default
            text += f" (default: {shown})"
        return text
EXIT_FAILED = 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="govsim",
        description="Discrete-event simulation of grassroots governance workflows.",
    )
    parser.add_argument("--version", action="version", version=f"govsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_parser(sub)
    for command_parser in sub.choices.values():
        command_parser.formatter_class = _HelpFormatter
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    name = f"govsim {args.command}"
    try:
        return int(args.func(args) or 0)
    except ScenarioError as exc:
        return fail([str(p) for p in exc.problems])
    except UsageError as exc:
        return fail([f"{name}: {exc}"])
    except SimulationStalled as exc:
        return fail([f"{name}: {exc}"])
    except KeyboardInterrupt:
        print("interrupted; finished files are kept", file=sys.stderr)
        return 130
    except MemoryError:
        print(f"{name}: out of memory; run fewer replications, fewer days or a smaller "
              "scenario", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"{name}: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # a bug: say so in one line, keep the traceback in a file
        log = bug_report(exc, sys.argv if argv is None else ["govsim", *argv])
        print(f"{name}: internal error ({type(exc).__name__}: {exc}); this is a bug in govsim, "
              f"please report it with {log}", file=sys.stderr)
        return EXIT_FAILED


def bug_report(exc: BaseException, argv: Sequence[str]) -> Path:
    """Write the traceback of ``exc`` with the command line and versions to a log file in the
    temporary folder; its path."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = Path(tempfile.gettempdir()) / f"govsim-bug-{stamp}-{os.getpid()}.log"
    text = (f"govsim {__version__}, Python {sys.version.split()[0]}\n"
            f"command: {' '.join(argv)}\n\n"
            + "".join(traceback.format_exception(exc)))
    path.write_text(text, encoding="utf-8")
    return path


if __name__ == "__main__":
    sys.exit(main())
