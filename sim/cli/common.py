"""What the commands share: bad input as one line per problem (exit 2), checked loading of a
scenario with the policies it will run, option types, running and writing a run set, reports.

Bad input (a scenario, an option) gives one line per problem naming the file, the path inside
it and what is wrong, exit code 2, and no traceback. Nothing is written before the input is
known to be good.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from sim.policies import choice_problems, params_problems, split_label, terms_problems
from sim.run.budget import WorkEstimate, estimate_work, too_large
from sim.run.output import OutputFolderError, discard_output, publish_output, stage_output
from sim.scenario.loader import Problem, ScenarioError, read_yaml, validate_data
from sim.scenario.scenario import Scenario

if TYPE_CHECKING:
    import pandas as pd

EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """A bad option value; reported as one line, exit 2."""


def fail(lines: Sequence[str]) -> int:
    """Print each line on stderr; the exit code of bad input."""
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
    data, lines = read_yaml(Path(path))
    scn = validate_data(data, path, lines)
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

    runs: list[tuple[str | None, str | None, str | None]] = [(None, scn.policy.dispatch.name,
                                                              scn.policy.escalation.name)]
    for label in policies:
        if label is None:
            continue
        try:
            dispatch, escalation, terms = split_label(label)
        except ValueError as exc:
            raise UsageError(f"--policy: {exc}") from None
        for message in terms_problems(terms) + _terms_not_run(scn, terms):
            add(f"--policy {label}", ("policy",), message)
        if dispatch is not None and not scn.has_closed_loop:
            add(f"--policy {label}", ("policy",),
                f"names the closed loop's {dispatch}+{escalation}, which this scenario does not "
                "run (it has no arrivals and categories)")
        runs.append((label, dispatch, escalation))
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


def _terms_not_run(scn: Scenario, terms: tuple[str, ...]) -> list[str]:
    """Terms of a workflow whose section the scenario does not give."""
    from sim.scenario.sections import registered_terms

    owners = registered_terms()
    missing = sorted({owners[t].key for t in terms} - set(scn.section_keys))
    return [f"names policies of the {key!r} section, which this scenario does not give"
            for key in missing]


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def positive_float(text: str) -> float:
    """argparse type: a positive number."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be positive")
    return value


def run_options(p: argparse.ArgumentParser) -> None:
    """Options of the commands that run a scenario (run, compare)."""
    p.add_argument("scenario", metavar="SCENARIO", help="scenario file (scenarios/*.yaml)")
    p.add_argument("--replications", "-r", type=positive_int, default=1,
                   help="replications per policy, on common random numbers")
    p.add_argument("--seed", type=int, default=0, help="root seed of the replications")
    p.add_argument("--days", type=positive_float, default=None,
                   help="override the scenario's horizon in days")
    p.add_argument("--out", default=None, help="output directory (default results/NAME)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.add_argument("--no-report", dest="report", action="store_false",
                   help="skip the HTML report")
    p.add_argument("--lang", default="en", type=lang_list,
                   help="report language(s): en, zh or en,zh")
    p.add_argument("--baseline", default=None,
                   help="policy to compare against (default: the first policy)")
    p.add_argument("--allow-large", action="store_true",
                   help="run even when the work estimate says it will not fit in memory or "
                        "time (see docs/outputs.md)")
    p.add_argument("--events", action="store_true",
                   help="also write the event log of every run: events.parquet, "
                        "events.jsonocel (OCEL 2.0), events.xes (docs/outputs.md)")


def run_and_write(args: argparse.Namespace, policies: list[str | None]) -> int:
    """Run ``policies`` on the scenario of ``args``, write the outputs, print the headline and
    build the report (``govsim run`` and ``govsim compare``)."""
    scn = load_checked(args.scenario, policies)
    if args.days is not None and args.days <= scn.calendar.warmup_days:
        raise UsageError(
            f"--days {args.days:g} is not longer than the scenario's warm-up "
            f"(calendar.warmup_days = {scn.calendar.warmup_days:g}): every case would be "
            f"excluded from the statistics; give more days"
        )
    events = getattr(args, "events", False)
    if events and not scn.has_closed_loop:
        raise UsageError("--events records the closed loop, which this scenario does not run")
    check_baseline(args, [_label(scn, p) for p in policies])
    check_work(estimate_work(scn, len(policies) * args.replications, args.days), args)
    out_dir = Path(args.out) if args.out else Path("results") / scn.name
    try:
        stage = stage_output(out_dir)
    except OutputFolderError as exc:
        raise UsageError(str(exc)) from None
    try:
        written, reports = _run_into(args, scn, policies, stage)
    except BaseException:
        discard_output(stage)
        raise
    publish_output(stage, out_dir)
    for path in reports:
        print(f"report: {(out_dir / path.name).resolve()}")
    charts = ""
    if reports:
        dirs = [f"{charts_dir(out_dir, lang).name}/" for lang in langs(args)]
        charts = f" (and every chart as PNG and SVG in {', '.join(dirs)})"
    print(f"wrote {len(written)} files to {out_dir}/{charts}")
    return 0


def _run_into(args: argparse.Namespace, scn: Scenario, policies: list[str | None],
              out_dir: Path) -> tuple[list[Path], list[Path]]:
    """Run and write every output and report into ``out_dir``; (files written, reports)."""
    from sim.run.runner import run_scenario, write_outputs

    events = getattr(args, "events", False)
    runset = run_scenario(scn, policies, args.replications, args.seed, args.days,
                          scenario_file=args.scenario, progress=not args.quiet,
                          events=out_dir / "events.parquet" if events else None)
    written = write_outputs(runset, out_dir)
    summary = runset.summary()
    if len(runset.policies) > 1:
        from analysis.compare import write_comparison

        written.append(write_comparison(summary, out_dir))
    for workflow in runset.workflows():
        if workflow.headline:
            print(headline_table(summary, workflow.headline))
    reports: list[Path] = []
    if getattr(args, "report", True) and not _reported(runset.scenario):
        print("no report: the report covers the built-in workflows (the closed loop, service "
              "applications), which this scenario does not run")
    elif getattr(args, "report", True):
        reports = build_reports(out_dir, args, announce=False)
        written.extend(reports)
    return written, reports


def _label(scn: Scenario, label: str | None) -> str:
    """The label a run of ``label`` carries in the outputs (the scenario's own for None)."""
    if label is None:
        return scn.policy_spec().label
    return scn.policy_spec(*split_label(label)).label


def check_baseline(args: argparse.Namespace, labels: Sequence[str]) -> None:
    """``--baseline`` must name a policy that runs (checked before any simulation)."""
    baseline = getattr(args, "baseline", None)
    if baseline is not None and baseline not in labels:
        raise UsageError(f"--baseline {baseline!r} is not one of the policies run: "
                         f"{', '.join(labels)}")


def check_work(estimate: WorkEstimate, args: argparse.Namespace) -> None:
    """Refuse work that cannot fit (memory, hours of events) unless ``--allow-large``."""
    reason = too_large(estimate)
    if reason is not None and not getattr(args, "allow_large", False):
        raise UsageError(f"{reason}; reduce the demand, teams, days or replications, or add "
                         "--allow-large to run it anyway")


def _reported(scn: Scenario) -> bool:
    """Whether the HTML report covers a workflow of ``scn`` (the closed loop or a built-in
    workflow's section such as ``services``)."""
    from sim.scenario.sections import BUILTIN_SECTIONS, registered_sections

    builtin = {key for key, section in registered_sections().items()
               if section.model.__module__.rsplit(".", 1)[0] + ".section" in BUILTIN_SECTIONS
               or section.model.__module__ in BUILTIN_SECTIONS}
    return scn.has_closed_loop or bool(builtin & set(scn.section_keys))


def folder(path: str, option: str) -> Path:
    """An output folder given to ``option``: it may not exist yet, but may not be a file."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{option} {path} is a file, not a folder")
    return out


#: the languages of every report (analysis.labels.LANGS; kept here for a bare run)
REPORT_LANGS = ("en", "zh")


def lang_list(text: str) -> str:
    """``--lang``'s type: ``en``, ``zh`` or ``en,zh``; anything else is a usage error before
    any work starts."""
    parts = [part.strip() for part in text.split(",") if part.strip()]
    wrong = [p for p in parts if p not in REPORT_LANGS]
    if wrong or not parts:
        raise argparse.ArgumentTypeError(
            f"{text!r}: the report languages are {', '.join(REPORT_LANGS)} (e.g. en,zh)")
    return ",".join(parts)


def langs(args: argparse.Namespace) -> list[str]:
    """The report languages of ``--lang`` (``en,zh`` → ``["en", "zh"]``)."""
    return args.lang.split(",")


def charts_dir(out_dir: Path, lang: str) -> Path:
    """Where the charts of a report in ``lang`` go (``charts/``, ``charts_zh/`` …)."""
    return out_dir / ("charts" if lang == "en" else f"charts_{lang}")


def build_reports(out_dir: Path, args: argparse.Namespace, announce: bool = True) -> list[Path]:
    """The HTML report of ``out_dir`` in every language of ``--lang``; their paths."""
    try:
        from analysis.report import build_report
    except ImportError:  # the analysis package is optional for a bare run
        return []
    paths = []
    for lang in langs(args):
        paths.append(build_report(out_dir, lang=lang, baseline=args.baseline,
                                  charts_dir=charts_dir(out_dir, lang)))
    if announce:
        for path in paths:
            print(f"report: {path.resolve()}")
    return paths


def headline_table(summary: pd.DataFrame, headline: Sequence[tuple[str, str, str]]) -> str:
    """Mean over replications per policy of the ``headline`` metrics, as fixed-width text."""
    columns = [c for c, _, _ in headline]
    means = summary.groupby("policy", sort=False)[columns].mean()
    n = summary.groupby("policy", sort=False)["replication"].nunique()
    width = max(12, *(len(p) for p in means.index))
    header = f"{'policy':<{width}} {'reps':>4} " + " ".join(f"{t:>9}" for _, t, _ in headline)
    lines = [header, "-" * len(header)]
    for policy, row in means.iterrows():
        cells = " ".join(f"{fmt.format(row[c]):>9}" for c, _, fmt in headline)
        lines.append(f"{policy:<{width}} {n[policy]:>4} {cells}")
    return "\n".join(lines)


def executor_text(args: argparse.Namespace) -> str:
    """Where ``--workers`` / ``--dask`` send the runs, for the first line a command prints."""
    from sim.run.executors import default_workers

    if args.dask == "local":
        return f"a Dask LocalCluster of {args.workers or default_workers()} workers"
    if args.dask:
        return f"the Dask cluster at {args.dask}"
    n = args.workers or default_workers()
    return "1 worker (in-process)" if n == 1 else f"{n} worker processes"


def interrupt_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """A SIGTERM handler: ``kill PID`` stops a sweep or an optimisation as cleanly as Ctrl-C
    (finished runs kept, the manifest says interrupted)."""
    raise KeyboardInterrupt
