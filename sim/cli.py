"""The ``govsim`` command: validate, run, compare, sweep, report, warmup.

Bad input (a scenario, an option) gives one line per problem naming the file, the path inside
it and what is wrong, exit code 2, and no traceback. Nothing is written before the input is
known to be good.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from sim import __version__
from sim.loader import Problem, ScenarioError, load_scenario
from sim.policies import choice_problems, params_problems, parse_label
from sim.scenario import Scenario

EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """A bad option value; reported as one line, exit 2."""


def _fail(lines: Sequence[str]) -> int:
    for line in lines:
        print(line, file=sys.stderr)
    return EXIT_BAD_INPUT


def load_checked(path: str, policies: Sequence[str | None] = (None,)) -> Scenario:
    """Load a scenario and check the policies it will run with (its own and any named).

    Parameters are checked as a run resolves them (``policy_params[name]`` updated by the
    scenario's own ``policy.<axis>.params``) and against the scenario (e.g. deadline classes a
    whistle names). Each problem is reported once, where its cause is: in the file with its line
    (``policy.*`` or ``policy_params.*``), or on the ``--policy`` option for a policy the file
    does not mention. Every ``policy_params`` entry is checked, used or not.
    """
    from sim.loader import read_yaml

    scn = load_scenario(path)
    _data, lines = read_yaml(Path(path))
    problems: list[Problem] = []

    def add(where: str, keys: tuple[str | int, ...], message: str) -> None:
        line = None
        if where == path:
            for cut in range(len(keys), 0, -1):
                line = lines.get(tuple(keys[:cut]))
                if line is not None:
                    break
        problem = Problem(where, keys, message, line)
        if problem not in problems:
            problems.append(problem)

    bad_entries: set[str] = set()
    for name, params in scn.policy_params.items():
        for p, m in params_problems(name, params):
            add(path, ("policy_params", name, *p), m)
            bad_entries.add(name)

    runs: list[tuple[str | None, str, str]] = [(None, scn.policy.dispatch.name,
                                                scn.policy.escalation.name)]
    for label in policies:
        if label is None:
            continue
        try:
            runs.append((label, *parse_label(label)))
        except ValueError as exc:
            raise UsageError(f"--policy: {exc}") from None
    checked: set[tuple[str, str]] = set()
    for label, dispatch, escalation in runs:
        spec = scn.policy_spec(dispatch, escalation)
        for axis, choice in (("dispatch", spec.dispatch), ("escalation", spec.escalation)):
            own = getattr(scn.policy, axis)
            if (axis, choice.name) in checked or choice.name in bad_entries:
                continue
            checked.add((axis, choice.name))
            entry = scn.policy_params.get(choice.name, {})
            for loc, message in choice_problems(axis, choice.name, choice.params, scn):
                key = loc[1] if len(loc) > 1 else None
                if choice.name == own.name and (key is None or key in own.params
                                                or key not in entry):
                    add(path, ("policy", axis, *loc), message)
                elif key is not None and key in entry:
                    add(path, ("policy_params", choice.name, *loc[1:]), message)
                else:
                    add(f"--policy {label}", ("policy", axis, *loc), message)
    if problems:
        raise ScenarioError(problems)
    return scn


def cmd_validate(args: argparse.Namespace) -> int:
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


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be positive")
    return value


def _run_and_write(args: argparse.Namespace, policies: list[str | None]) -> int:
    from sim.report_terminal import print_headline
    from sim.runner import run_scenario, write_outputs

    scn = load_checked(args.scenario, policies)
    if args.days is not None and args.days <= scn.calendar.warmup_days:
        raise UsageError(
            f"--days {args.days:g} is not longer than the scenario's warm-up "
            f"(calendar.warmup_days = {scn.calendar.warmup_days:g}): every case would be "
            f"excluded from the statistics; give more days"
        )
    out_dir = Path(args.out) if args.out else Path("results") / scn.name
    runset = run_scenario(scn, policies, args.replications, args.seed, args.days,
                          scenario_file=args.scenario, progress=not args.quiet)
    written = write_outputs(runset, out_dir)
    summary = runset.summary()
    if len(runset.policies) > 1:
        from analysis.compare import write_comparison

        written.append(write_comparison(summary, out_dir))
    print_headline(summary)
    charts = ""
    if getattr(args, "report", True):
        reports = _report(out_dir, args)
        written.extend(reports)
        if reports:
            dirs = [f"{_charts_dir(out_dir, lang).name}/" for lang in _langs(args)]
            charts = f" (and every chart as PNG and SVG in {', '.join(dirs)})"
    print(f"wrote {len(written)} files to {out_dir}/{charts}")
    return 0


def _langs(args: argparse.Namespace) -> list[str]:
    return [part.strip() for part in args.lang.split(",") if part.strip()]


def _charts_dir(out_dir: Path, lang: str) -> Path:
    return out_dir / ("charts" if lang == "en" else f"charts_{lang}")


def _report(out_dir: Path, args: argparse.Namespace) -> list[Path]:
    try:
        from analysis.report import build_report
    except ImportError:  # the analysis package is optional for a bare run
        return []
    paths = []
    for lang in _langs(args):
        paths.append(build_report(out_dir, lang=lang, baseline=args.baseline,
                                  charts_dir=_charts_dir(out_dir, lang)))
    for path in paths:
        print(f"report: {path.resolve()}")
    return paths


def cmd_run(args: argparse.Namespace) -> int:
    return _run_and_write(args, [args.policy])


def cmd_compare(args: argparse.Namespace) -> int:
    labels = [p.strip() for p in args.policies.split(",") if p.strip()]
    if len(labels) < 2:
        raise UsageError("--policies needs at least two policies separated by commas")
    if len(set(labels)) != len(labels):
        raise UsageError("--policies names a policy twice")
    return _run_and_write(args, list(labels))


def cmd_report(args: argparse.Namespace) -> int:
    out_dir = Path(args.dir)
    if not (out_dir / "summary.csv").exists() and not (out_dir / "runs.parquet").exists():
        raise UsageError(f"{out_dir}: no summary.csv or runs.parquet here (run govsim first)")
    _report(out_dir, args)
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from sim.sweep_cli import sweep_command

    return sweep_command(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="govsim",
        description="Discrete-event simulation of grassroots governance workflows.",
    )
    parser.add_argument("--version", action="version", version=f"govsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check scenario files without running them")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=cmd_validate)

    def run_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("scenario", metavar="SCENARIO")
        p.add_argument("--replications", "-r", type=_positive_int, default=1)
        p.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
        p.add_argument("--days", type=_positive_float, default=None,
                       help="override the scenario's horizon in days")
        p.add_argument("--out", default=None, help="output directory (default results/NAME)")
        p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
        p.add_argument("--no-report", dest="report", action="store_false",
                       help="skip the HTML report")
        p.add_argument("--lang", default="en", help="report language(s): en, zh or en,zh")
        p.add_argument("--baseline", default=None, help="policy to compare against")

    p = sub.add_parser("run", help="run a scenario (replications of one policy)")
    run_options(p)
    p.add_argument("--policy", default=None, help="dispatch+escalation, e.g. manual+transfer")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("compare", help="run several policies on common random numbers")
    run_options(p)
    p.add_argument("--policies", required=True, help="comma-separated dispatch+escalation")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("report", help="build report.html from an output directory")
    p.add_argument("dir", metavar="DIR", help="output directory of run, compare or sweep")
    p.add_argument("--lang", default="en",
                   help="en, zh or en,zh: report.html (en), report.zh.html (zh)")
    p.add_argument("--baseline", default=None, help="policy to compare against (default first)")
    p.set_defaults(func=cmd_report)

    from sim import warmup

    p = sub.add_parser("warmup", help="suggest the warm-up length from a pilot run (MSER-5, Welch)")
    warmup.add_arguments(p)
    p.set_defaults(func=warmup.command)

    p = sub.add_parser("sweep", help="run an experiment file (grid × policies × replications)")
    p.add_argument("experiment", metavar="EXPERIMENT", help="experiment file (experiments/*.yaml)")
    p.add_argument("--out", required=True, help="output directory (runs/, runs.parquet, report)")
    p.add_argument("--workers", type=_positive_int, default=None,
                   help="local worker processes (default: number of cores)")
    p.add_argument("--dask", default=None, metavar="ADDRESS|local",
                   help="run on a dask.distributed scheduler, or 'local' for a LocalCluster")
    p.add_argument("--resume", action="store_true",
                   help="keep runs already finished in --out and compute only the rest")
    p.add_argument("--target-halfwidth", default=None, metavar="H",
                   help="add replications until the 95%% CI half-width is within H "
                        "(e.g. 5%% relative, or 0.5 absolute) for every configuration")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.add_argument("--no-report", dest="report", action="store_false",
                   help="skip the HTML report")
    p.add_argument("--lang", default="en", help="report language(s): en, zh or en,zh")
    p.add_argument("--baseline", default=None, help="policy to compare against")
    p.set_defaults(func=cmd_sweep)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ScenarioError as exc:
        return _fail([str(p) for p in exc.problems])
    except UsageError as exc:
        return _fail([f"govsim {args.command}: {exc}"])
    except KeyboardInterrupt:
        print("interrupted; finished files are kept", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
