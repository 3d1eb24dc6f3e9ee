"""``govsim validate FILE…``: check scenario, experiment and optimisation files without running
them (exit 2 on problems). An experiment or optimisation file is told by its ``scenario:`` key
(a scenario has none) and checked as ``sweep`` / ``optimise`` would, every configuration built."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.common import EXIT_BAD_INPUT, load_checked
from sim.scenario.loader import ScenarioError, read_yaml


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check scenario, experiment and optimisation files "
                       "without running them")
    p.add_argument("files", nargs="+", metavar="FILE", help="files to check")
    p.set_defaults(func=command)


def _check(path: str) -> None:
    """Validate ``path`` as the kind of file it is; ScenarioError if bad."""
    data, _ = read_yaml(Path(path))
    if isinstance(data, dict) and "scenario" in data and "organisation" not in data:
        if "variables" in data:
            from sim.run.optimise import load_optimisation
            load_optimisation(path)
        else:
            from sim.run.experiment import load_experiment
            load_experiment(path)
        return
    load_checked(path)


def command(args: argparse.Namespace) -> int:
    failed = False
    for path in args.files:
        try:
            _check(path)
        except ScenarioError as exc:
            failed = True
            for problem in exc.problems:
                print(problem, file=sys.stderr)
        else:
            print(f"{path}: ok")
    return EXIT_BAD_INPUT if failed else 0
