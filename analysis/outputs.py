"""Loading a `govsim run` / `govsim compare` / sweep output directory (docs/outputs.md).

Every file is optional here, so that a report can be built from whatever a run produced: a
sweep directory may hold only ``runs.parquet``; a comparison holds the six standard files.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

#: Columns of cases.parquet the charts and statistics need (a subset keeps memory low on
#: district-scale runs with millions of cases).
CASE_COLUMNS_FOR_REPORT: tuple[str, ...] = (
    "policy",
    "replication",
    "case_id",
    "grid",
    "category",
    "tier_final",
    "t_arrival_h",
    "resolution_h",
    "whistled",
    "on_time_close",
    "warmup",
)


@dataclass
class RunOutputs:
    """The tables of one output directory; a missing file is ``None`` (``run`` is ``{}``)."""

    out_dir: Path
    run: dict[str, Any] = field(default_factory=dict)
    summary: pd.DataFrame | None = None
    cases: pd.DataFrame | None = None
    resources: pd.DataFrame | None = None
    backlog: pd.DataFrame | None = None
    grids: pd.DataFrame | None = None
    runs: pd.DataFrame | None = None
    units: pd.DataFrame | None = None

    @property
    def policies(self) -> list[str]:
        """Policies in the order the run listed them (summary order first, as the baseline
        default is the first policy of summary.csv)."""
        for table in (self.summary, self.runs, self.cases, self.backlog, self.resources):
            if table is not None and "policy" in table.columns and len(table):
                return list(dict.fromkeys(table["policy"].astype(str)))
        return [str(p) for p in self.run.get("policies", [])]

    @property
    def is_sweep(self) -> bool:
        """Whether the directory holds a parameter sweep (``runs.parquet``)."""
        return self.runs is not None


def _normalise(df: pd.DataFrame) -> pd.DataFrame:
    """Give the key columns stable dtypes (policy as str, replication as int)."""
    if "policy" in df.columns:
        df["policy"] = df["policy"].astype(str)
    if "replication" in df.columns:
        df["replication"] = df["replication"].astype(int)
    return df


def _read_csv(path: Path) -> pd.DataFrame | None:
    """Read a CSV output; only empty cells and NaN are missing (a unit called "NA" is not)."""
    if not path.is_file():
        return None
    return _normalise(pd.read_csv(path, keep_default_na=False, na_values=["", "NaN", "nan"]))


def _read_parquet(path: Path, columns: Sequence[str] | None) -> pd.DataFrame | None:
    if not path.is_file():
        return None
    if columns is not None:
        import pyarrow.parquet as pq

        available = set(pq.read_schema(path).names)
        columns = [c for c in columns if c in available]
    return _normalise(pd.read_parquet(path, columns=columns))


def load_outputs(out_dir: Path | str, case_columns: Sequence[str] | None = None) -> RunOutputs:
    """Read every output file present in ``out_dir``.

    Parameters
    ----------
    out_dir
        Directory written by ``govsim run``, ``govsim compare`` or a sweep.
    case_columns
        Columns of cases.parquet to read (all when ``None``); unknown names are ignored.
    """
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise FileNotFoundError(f"output directory not found: {out_dir}")
    run_path = out_dir / "run.json"
    run = json.loads(run_path.read_text(encoding="utf-8")) if run_path.is_file() else {}
    grids = None
    if (out_dir / "grids.csv").is_file():
        # grid ids may look numeric ("001"); keep them as text so they match cases.grid
        grids = pd.read_csv(
            out_dir / "grids.csv", dtype={"grid": str, "community": str, "street": str}
        )
    resources = _read_csv(out_dir / "resources.csv")
    if resources is not None:
        for col in ("unit", "unit_kind", "worker"):
            if col in resources.columns:
                resources[col] = resources[col].astype(str)
    cases = _read_parquet(out_dir / "cases.parquet", case_columns)
    if cases is not None:
        for col in ("grid", "tier_final"):
            if col in cases.columns:
                cases[col] = cases[col].fillna("").astype(str)
    runs = _read_parquet(out_dir / "runs.parquet", None)
    if runs is not None and "status" in runs.columns:
        # a sweep records failed runs too (status "error"); only finished runs are evidence
        runs = runs[runs["status"].fillna("ok") == "ok"].reset_index(drop=True)
    return RunOutputs(
        out_dir=out_dir,
        run=run,
        summary=_read_csv(out_dir / "summary.csv"),
        cases=cases,
        resources=resources,
        backlog=_read_csv(out_dir / "backlog.csv"),
        grids=grids,
        runs=runs,
        units=_read_parquet(out_dir / "units.parquet", None),
    )
