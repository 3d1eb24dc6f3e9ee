"""The sweep worker: one run from plain data, its files written by itself (any executor)."""

from __future__ import annotations

import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np

from sim.run.output import atomic_write
from sim.run.sweep.files import CASES_DIR, FAILED_DIR, RUNS_DIR, write_json
from sim.stochastic.streams import replication_seed

__all__ = ["GRIDS_UNIT", "execute_run", "unit_utilization"]

_SCENARIOS: dict[str, Any] = {}  # per worker process: a few validated scenarios by digest


def _scenario(data: dict[str, Any], digest: str) -> Any:
    from sim.scenario.scenario import Scenario

    scn = _SCENARIOS.get(digest)
    if scn is None:
        if len(_SCENARIOS) >= 8:
            _SCENARIOS.clear()
        scn = _SCENARIOS[digest] = Scenario.model_validate(data)
    return scn


def _plain(value: Any) -> Any:
    """Numpy scalars → Python; anything else as it is."""
    return value.item() if isinstance(value, np.generic) else value


#: Key under which a run's grids count as one unit: a street's 30 (or a district's 2,000) grids
#: are one tier of the organisation when a planner asks where the bottleneck is.
GRIDS_UNIT = "grid:*"


def unit_utilization(resources: Any) -> dict[str, float]:
    """Busy over available hours per unit (a team, a desk), all grids together as
    :data:`GRIDS_UNIT`: the figures that say which unit a swept lever cannot get past."""
    busy: dict[str, float] = {}
    available: dict[str, float] = {}
    if len(resources) == 0:
        return {}
    units = resources["unit"].tolist()
    kinds = resources["unit_kind"].tolist()
    for unit, kind, b, a in zip(units, kinds, resources["busy_h"].tolist(),
                                resources["available_h"].tolist(), strict=True):
        name = GRIDS_UNIT if kind == "grid" else unit
        busy[name] = busy.get(name, 0.0) + float(b)
        available[name] = available.get(name, 0.0) + float(a)
    return {u: busy[u] / a for u, a in available.items() if a > 0}


def execute_run(task: dict[str, Any]) -> dict[str, Any]:
    """Run one (configuration, policy, replication) and write its files; return its record.

    Top-level and fed plain data only, so any executor can ship it. A run that raises is
    recorded in ``failed/`` with its error; only the executor's own failures reach the parent.
    """
    from sim.run.runner import resolve_policy, run_one

    started = time.perf_counter()
    out = Path(task["out_dir"])
    key = task["key"]
    record: dict[str, Any] = {
        "key": key, "policy": task["policy"], "replication": task["replication"],
        "seed": replication_seed(task["root_seed"], task["replication"]),
        "status": "ok", "error": None, "cases_file": None,
    }
    try:
        scn = _scenario(task["scenario"], task["digest"])
        rep = run_one(scn, resolve_policy(scn, task["policy"]), task["replication"],
                      task["root_seed"], task["days"], keep_cases=task["keep_cases"])
        summary = {k: _plain(v) for k, v in rep.summary.items() if not k.startswith("_")}
        if rep.cases is not None:
            cases = rep.cases
            name = f"{CASES_DIR}/{key}.parquet"
            atomic_write(out / name, lambda p: cases.to_parquet(p, index=False))
            record["cases_file"] = name
        record["summary"] = summary
        record["units"] = unit_utilization(rep.resources)
    except Exception as exc:
        record.update(status="error", error=f"{type(exc).__name__}: {exc}",
                      traceback=traceback.format_exc(), summary={})
    record["wall_time_s"] = time.perf_counter() - started
    if record["status"] == "ok":
        write_json(out / RUNS_DIR / f"{key}.json", record)
        (out / FAILED_DIR / f"{key}.json").unlink(missing_ok=True)
    else:
        write_json(out / FAILED_DIR / f"{key}.json", record)
    return record
