"""Least-cost staffing and policy under targets (``govsim optimise``): the file format
(:mod:`.spec`), the feasibility screen (:mod:`.screen`), the search (:mod:`.search`) and running
it through the sweep machinery with its output files (:mod:`.orchestration`)."""

from sim.run.optimise.orchestration import (
    CANDIDATES_FILE,
    FRONTIER_FILE,
    OPTIMUM_FILE,
    RESULT_FILE,
    OptimiseResult,
    run_optimisation,
)
from sim.run.optimise.search import Evaluation, Outcome, Request, search
from sim.run.optimise.spec import (
    Constraint,
    Optimisation,
    load_optimisation,
    make_optimisation,
    parse_constraint,
)

__all__ = [
    "CANDIDATES_FILE",
    "FRONTIER_FILE",
    "OPTIMUM_FILE",
    "RESULT_FILE",
    "Constraint",
    "Evaluation",
    "Optimisation",
    "OptimiseResult",
    "Outcome",
    "Request",
    "load_optimisation",
    "make_optimisation",
    "parse_constraint",
    "run_optimisation",
    "search",
]
