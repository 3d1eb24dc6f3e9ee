"""Sweeps of an experiment: workers (:mod:`.worker`), the parent that plans, resumes and adds
replications (:mod:`.orchestration`), and collecting the runs (:mod:`.collection`); the
folder's layout is :mod:`.files`."""

from sim.run.sweep.collection import collect_runs, collect_units, read_cases
from sim.run.sweep.files import (
    CASES_DIR,
    FAILED_DIR,
    MANIFEST,
    PROVENANCE,
    RUNS_DIR,
    RUNS_FILE,
    TARGET_FILE,
    TIMING_COLUMNS,
    UNITS_FILE,
)
from sim.run.sweep.orchestration import (
    SweepAborted,
    SweepExists,
    SweepOutcome,
    TqdmProgress,
    run_scenario,
    run_sweep,
    sweep,
)
from sim.run.sweep.worker import execute_run

__all__ = [
    "CASES_DIR",
    "FAILED_DIR",
    "MANIFEST",
    "PROVENANCE",
    "RUNS_DIR",
    "RUNS_FILE",
    "TARGET_FILE",
    "TIMING_COLUMNS",
    "UNITS_FILE",
    "SweepAborted",
    "SweepExists",
    "SweepOutcome",
    "TqdmProgress",
    "collect_runs",
    "collect_units",
    "execute_run",
    "read_cases",
    "run_scenario",
    "run_sweep",
    "sweep",
]
