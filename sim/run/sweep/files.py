"""The layout of a sweep's output folder, and writing its JSON records atomically.

* ``runs/<key>.json`` — one finished run (its summary), written atomically by the worker;
* ``failed/<key>.json`` — a run that raised, with its error (retried by ``--resume``);
* ``cases/<key>.parquet`` — its per-case table, if the experiment keeps them;
* ``runs.parquet`` — the tidy table collected from those files: one row per run;
* ``units.parquet`` — utilisation of every unit in every run (all grids as one unit);
* ``run.json`` (provenance), ``sweep.json`` (progress and counts), ``target.csv`` (precision).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np

from sim.run.output import atomic_write

RUNS_DIR, FAILED_DIR, CASES_DIR = "runs", "failed", "cases"
RUNS_FILE, MANIFEST, PROVENANCE = "runs.parquet", "sweep.json", "run.json"
TARGET_FILE, UNITS_FILE = "target.csv", "units.parquet"
#: Columns that vary between executors and machines, not with the model (excluded from
#: determinism checks).
TIMING_COLUMNS = ("wall_time_s",)


def json_default(value: Any) -> Any:
    """JSON fallback: numpy scalars → Python, dates (from raw YAML) → ISO text."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def write_json(target: Path, record: dict[str, Any]) -> None:
    text = json.dumps(record, ensure_ascii=False, default=json_default)
    atomic_write(target, lambda p: p.write_text(text, encoding="utf-8"))


def record_path(out: Path, key: str) -> Path | None:
    for folder in (RUNS_DIR, FAILED_DIR):
        path = out / folder / f"{key}.json"
        if path.exists():
            return path
    return None
