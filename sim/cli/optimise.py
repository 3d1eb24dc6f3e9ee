"""``govsim optimise FILE --out DIR``: the least-cost staffing (and policy values) that meets
the targets with a stated confidence — the command-line face of :mod:`sim.run.optimise`.

Exit codes: 0 a recommendation established, or an honest "infeasible" / "not established"
result (both written to optimise.json and the report); 1 a run raised, the executor broke or
the report failed; 2 bad input (nothing is run); 130 interrupted (``--resume`` continues).
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import Any

from sim.cli.common import (
    UsageError,
    executor_text,
    interrupt_on_sigterm,
    lang_list,
    langs,
    positive_int,
)
from sim.run.executors import DaskUnavailable
from sim.run.optimise import OptimiseResult, load_optimisation, run_optimisation
from sim.run.sweep import SweepAborted, SweepExists, TqdmProgress


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("optimise", aliases=["optimize"],
                       help="least-cost staffing that meets targets with a stated confidence")
    p.add_argument("file", metavar="FILE", help="optimisation file (experiments/optimise_*.yaml)")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--workers", type=positive_int, default=None,
                   help="local worker processes (default: number of cores)")
    p.add_argument("--dask", default=None, metavar="ADDRESS|local",
                   help="run on a dask.distributed scheduler, or 'local' for a LocalCluster")
    p.add_argument("--resume", action="store_true",
                   help="reuse the runs already finished in --out")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar or search log")
    p.add_argument("--no-report", dest="report", action="store_false",
                   help="skip the HTML report")
    p.add_argument("--lang", default="en", type=lang_list,
                   help="report language(s): en, zh or en,zh")
    p.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    opt = load_optimisation(args.file)  # ScenarioError → one line per problem, exit 2
    if args.dask:
        try:
            import dask.distributed  # noqa: F401
        except ImportError:
            raise UsageError("--dask needs dask.distributed: "
                             "pip install 'dask[distributed]'") from None
    out = Path(args.out)

    def say(line: str) -> None:
        if not args.quiet:
            from tqdm import tqdm

            tqdm.write(line, file=sys.stderr)  # above the progress bar, not through it

    say(f"{opt.name}: {len(opt.variables)} variables, {len(opt.constraints)} constraints "
        f"at {opt.spec.confidence:.0%} confidence, policy {opt.policy}, on {executor_text(args)} "
        f"→ {out}/")
    previous = signal.signal(signal.SIGTERM, interrupt_on_sigterm)
    try:
        result = run_optimisation(opt, out, workers=args.workers, dask=args.dask,
                                  resume=args.resume,
                                  progress=TqdmProgress(opt.name, disable=args.quiet), log=say)
    except (SweepExists, DaskUnavailable) as exc:
        raise UsageError(str(exc)) from None
    except SweepAborted as exc:
        print(f"govsim optimise: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"govsim optimise: interrupted; finished runs are kept in {out}/; "
              "run again with --resume", file=sys.stderr)
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)
    print(sentence(result.document))
    runs = result.runs
    n_eval = result.document["evaluations"]
    print(f"{runs.planned} runs ({runs.computed} computed, {runs.reused} reused) in "
          f"{runs.wall_time_s:.1f}s on {runs.executor}; {n_eval} "
          f"evaluation{'' if n_eval == 1 else 's'} → {result.out_dir}/")
    if getattr(args, "report", True):
        try:
            for path in _reports(result, args):
                print(f"report: {path.resolve()}")
        except Exception as exc:  # the result files are on disk; say so and fail loudly
            print(f"govsim optimise: report failed ({type(exc).__name__}: {exc}); "
                  "optimise.json is complete", file=sys.stderr)
            return 1
    return 0


def sentence(doc: dict[str, Any]) -> str:
    """The result in one line of plain text (the report has it in en/zh)."""
    from analysis.optimise_report import recommendation_sentence

    return recommendation_sentence(doc, "en")


def _reports(result: OptimiseResult, args: argparse.Namespace) -> list[Path]:
    from analysis.optimise_report import build_optimise_report

    return [build_optimise_report(result.out_dir, lang) for lang in langs(args)]
