"""``govsim sweep EXPERIMENT --out DIR``: the command-line face of :mod:`sim.run.sweep`.

Exit codes: 0 every run finished; 1 some run raised (it is recorded in runs.parquet with its
error, and the others ran) or the executor broke; 2 bad input (nothing is run); 130 interrupted
(finished runs are kept: run again with ``--resume``).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path

from pydantic import ValidationError

from sim.cli.common import (
    UsageError,
    build_reports,
    check_baseline,
    check_work,
    executor_text,
    interrupt_on_sigterm,
    lang_list,
    positive_int,
)
from sim.run.executors import DaskUnavailable, default_workers
from sim.run.experiment import Experiment, TargetSpec, load_experiment, parse_halfwidth
from sim.run.sweep import (
    MANIFEST,
    SweepAborted,
    SweepExists,
    SweepOutcome,
    TqdmProgress,
    run_sweep,
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sweep", help="run an experiment file (grid × policies × replications)")
    p.add_argument("experiment", metavar="EXPERIMENT", help="experiment file (experiments/*.yaml)")
    p.add_argument("--out", default=None,
                   help="output directory: runs/, runs.parquet, report (default results/NAME)")
    p.add_argument("--workers", type=positive_int, default=None,
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
    p.add_argument("--lang", default="en", type=lang_list,
                   help="report language(s): en, zh or en,zh")
    p.add_argument("--baseline", default=None,
                   help="policy to compare against (default: the first policy)")
    p.add_argument("--allow-large", action="store_true",
                   help="run even when the work estimate says a run will not fit")
    p.set_defaults(func=command)


def _target(exp: Experiment, text: str | None) -> TargetSpec | None:
    if text is None:
        return exp.spec.target
    try:
        parse_halfwidth(text)
        base = exp.spec.target.model_dump() if exp.spec.target is not None else {}
        return TargetSpec.model_validate({**base, "halfwidth": text})
    except (ValueError, ValidationError) as exc:
        raise UsageError(f"--target-halfwidth: {exc}") from None


def _bar_name(exp: Experiment, target: TargetSpec | None) -> str:
    """The progress bar's label: with a precision target its total grows round by round, so
    the label says so and gives the most it can reach."""
    if target is None:
        return exp.name
    cap = exp.n_runs(max(target.max_replications, exp.spec.replications))
    return f"{exp.name} (total grows with the precision target, at most {cap:,} runs)"


def _count(n: int, word: str) -> str:
    plural = word[:-1] + "ies" if word.endswith("y") else word + "s"
    return f"{n} {word if n == 1 else plural}"


def command(args: argparse.Namespace) -> int:
    """Validate the experiment, run it, print what happened, build the report if asked."""
    exp = load_experiment(args.experiment)  # ScenarioError → one line per problem, exit 2
    target = _target(exp, args.target_halfwidth)
    if args.dask:
        try:
            import dask.distributed  # noqa: F401
        except ImportError:
            message = "--dask needs dask.distributed: pip install 'dask[distributed]'"
            raise UsageError(message) from None
    check_baseline(args, exp.policies)
    work = exp.work(1 if args.dask else (args.workers or default_workers()))
    if work is not None:
        check_work(work, args)
    out = Path(args.out) if args.out else Path("results") / exp.name
    n_conf, n_pol = len(exp.configurations), len(exp.policies)
    reps = (f"{exp.spec.replications}+ replications (target ±{target.halfwidth} on "
            f"{target.metric}, cap {target.max_replications})" if target is not None
            else f"{exp.spec.replications} replications")
    if not args.quiet:
        print(f"{exp.name}: {_count(n_conf, 'configuration')} × {_count(n_pol, 'policy')} × {reps} "
              f"on {executor_text(args)} → {out}/", file=sys.stderr)
    previous = signal.signal(signal.SIGTERM, interrupt_on_sigterm)
    try:
        outcome = run_sweep(exp, out, workers=args.workers, dask=args.dask, resume=args.resume,
                            target=target, progress=TqdmProgress(_bar_name(exp, target),
                                                                 disable=args.quiet),
                            log=lambda line: print(line, file=sys.stderr))
    except SweepExists as exc:
        raise UsageError(str(exc)) from None
    except DaskUnavailable as exc:
        raise UsageError(str(exc)) from None
    except SweepAborted as exc:
        print(f"govsim sweep: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        _print_interrupted(out)
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)
    _print_outcome(outcome, exp, quiet=args.quiet)
    status = 1 if outcome.failed else 0
    if getattr(args, "report", True):
        try:
            build_reports(outcome.out_dir, args)
        except Exception as exc:  # the runs are safe on disk; say so and fail loudly
            print(f"govsim sweep: report failed ({type(exc).__name__}: {exc}); "
                  f"runs.parquet is complete", file=sys.stderr)
            status = 1
    return status


def _print_interrupted(out: Path) -> None:
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        done = manifest.get("computed", 0) + manifest.get("reused", 0)
        kept = f"{done} finished runs are kept in {out}/"
    except (OSError, ValueError):
        kept = f"finished runs are kept in {out}/"
    print(f"govsim sweep: interrupted; {kept}; run again with --resume", file=sys.stderr)


def _print_outcome(outcome: SweepOutcome, exp: Experiment, quiet: bool) -> None:
    minutes, seconds = divmod(outcome.wall_time_s, 60)
    print(f"{outcome.planned} runs: {outcome.computed} computed, {outcome.reused} reused, "
          f"{outcome.failed} failed in {int(minutes)}m{seconds:04.1f}s on {outcome.executor}")
    if outcome.target is not None and not outcome.target.empty:
        t = outcome.target
        by_config = t.groupby("config")["reached"].all()
        worst = t.sort_values("relative_halfwidth", ascending=False).iloc[0]
        reps = sorted(set(outcome.replications.values()))
        span = f"{reps[0]}" if len(reps) == 1 else f"{reps[0]}–{reps[-1]}"
        print(f"target ±{worst['target']} on {worst['metric']}: reached for "
              f"{int(by_config.sum())}/{len(by_config)} configurations with "
              f"{span} replications; widest ±{worst['relative_halfwidth']:.1%} "
              f"of the mean (config {worst['config']}, {worst['policy']}) → target.csv")
    for line in outcome.errors:
        print(f"failed: {line}", file=sys.stderr)
    if outcome.failed > len(outcome.errors):
        print(f"… and {outcome.failed - len(outcome.errors)} more (status/error columns of "
              "runs.parquet)", file=sys.stderr)
    if outcome.runs_file is not None:
        print(f"wrote {outcome.runs_file}")
