"""Collecting a sweep: ``runs.parquet`` and ``units.parquet`` streamed from the per-run
records, and the per-case tables of the runs read back with their swept parameters."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.run.experiment import Configuration, Experiment, run_key
from sim.run.output import atomic_write
from sim.run.sweep.files import RUNS_FILE, UNITS_FILE, record_path
from sim.stochastic.streams import replication_seed

__all__ = ["collect_runs", "collect_units", "read_cases"]

#: Summary keys that are columns of their own in runs.parquet (not repeated as metrics).
_ID_KEYS = ("policy", "replication", "seed")


def _row(config: Configuration, record: Mapping[str, Any], tag_policy: str,
         tag_replication: int) -> dict[str, Any]:
    summary = record.get("summary") or {}
    row: dict[str, Any] = {"config": config.index, **config.params, "policy": tag_policy,
                           "replication": tag_replication, "seed": record.get("seed"),
                           "status": record.get("status"), "error": record.get("error")}
    for name, value in summary.items():
        if name not in _ID_KEYS:
            row[name] = value
    row["key"] = record.get("key")
    row["cases_file"] = record.get("cases_file")
    return row


def _iter_records(out: Path, exp: Experiment, reps: Mapping[int, int]) -> Iterator[
        tuple[Configuration, str, int, dict[str, Any]]]:
    """Every finished (or failed) run's record in plan order, with its place in the plan."""
    days, seed = exp.spec.days, exp.spec.seed
    for config in exp.configurations:
        for policy in exp.policies:
            for k in range(reps.get(config.index, exp.spec.replications)):
                key = run_key(config.run_json(policy), policy, replication_seed(seed, k), days)
                path = record_path(out, key)
                if path is None:
                    continue
                yield config, policy, k, json.loads(path.read_text(encoding="utf-8"))


def _iter_rows(out: Path, exp: Experiment, reps: Mapping[int, int]) -> Iterator[dict[str, Any]]:
    for config, policy, k, record in _iter_records(out, exp, reps):
        yield _row(config, record, policy, k)


#: Columns whose type does not depend on the values found (an all-null column stays typed).
_FIXED_TYPES: dict[str, pa.DataType] = {
    "config": pa.int64(), "policy": pa.string(), "replication": pa.int64(),
    "seed": pa.uint64(),  # replication seeds use all 64 bits
    "status": pa.string(), "error": pa.string(), "scenario": pa.string(), "key": pa.string(),
    "cases_file": pa.string(),
}


def _arrow_type(kinds: set[str], name: str) -> pa.DataType:
    if name in _FIXED_TYPES:
        return _FIXED_TYPES[name]
    if kinds & {"str", "other"}:
        return pa.string()
    if "float" in kinds or ("bool" in kinds and "int" in kinds):
        return pa.float64()
    if "int" in kinds:
        return pa.int64()
    if "bool" in kinds:
        return pa.bool_()
    return pa.float64()  # only nulls (every run failed)


def _kind(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    return "str" if isinstance(value, str) else "other"


def collect_runs(out_dir: str | Path, exp: Experiment, reps: Mapping[int, int] | None = None,
                 chunk: int = 2000) -> Path:
    """Write ``runs.parquet`` from the per-run files, in plan order, streaming in row groups.

    Two passes over the small JSON records (types first, then rows) keep memory at one chunk.
    Parameter values that are not scalars (lists, mappings), or that share a column with text,
    are stored as JSON text.
    """
    out = Path(out_dir)
    reps = reps or {c.index: exp.spec.replications for c in exp.configurations}
    kinds: dict[str, set[str]] = {}
    for row in _iter_rows(out, exp, reps):
        for name, value in row.items():
            entry = kinds.setdefault(name, set())
            kind = _kind(value)
            if kind is not None:
                entry.add(kind)
    if not kinds:  # nothing finished yet: an empty table with the identifying columns
        kinds = {name: set() for name in
                 ["config", *exp.params, "policy", "replication", "seed", "status", "error"]}
    schema = pa.schema([(name, _arrow_type(k, name)) for name, k in kinds.items()])
    # a text column holds every non-null value as text (a number beside text would not fit)
    as_text = {name for name, k in kinds.items()
               if pa.types.is_string(schema.field(name).type) and k - {"str"}}

    def convert(row: dict[str, Any]) -> dict[str, Any]:
        for name in as_text:
            value = row.get(name)
            if value is not None and not isinstance(value, str):
                row[name] = json.dumps(value, ensure_ascii=False, sort_keys=True,
                                       default=str)
        return row

    def write(path: Path) -> None:
        with pq.ParquetWriter(path, schema) as writer:
            batch: list[dict[str, Any]] = []
            for row in _iter_rows(out, exp, reps):
                batch.append(convert(row))
                if len(batch) >= chunk:
                    writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                    batch = []
            if batch or not kinds:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))

    return atomic_write(out / RUNS_FILE, write)


def collect_units(out_dir: str | Path, exp: Experiment,
                  reps: Mapping[int, int] | None = None) -> Path:
    """Write ``units.parquet``: one row per run and unit (config, policy, replication, unit,
    utilization), all grids of a run as one unit. Records written before units were recorded
    contribute no rows."""
    out = Path(out_dir)
    reps = reps or {c.index: exp.spec.replications for c in exp.configurations}
    columns: dict[str, list[Any]] = {"config": [], "policy": [], "replication": [], "unit": [],
                                     "utilization": []}
    for config, policy, k, record in _iter_records(out, exp, reps):
        for unit, value in (record.get("units") or {}).items():
            columns["config"].append(config.index)
            columns["policy"].append(policy)
            columns["replication"].append(k)
            columns["unit"].append(unit)
            columns["utilization"].append(float(value))
    schema = pa.schema([("config", pa.int64()), ("policy", pa.string()),
                        ("replication", pa.int64()), ("unit", pa.string()),
                        ("utilization", pa.float64())])
    table = pa.table(columns, schema=schema)
    return atomic_write(out / UNITS_FILE, lambda p: pq.write_table(table, p))


def read_cases(out_dir: str | Path, columns: Sequence[str] | None = None,
               **where: Any) -> pd.DataFrame:
    """Per-case tables of a sweep kept with ``outputs: {cases: true}``, with the swept
    parameters joined; ``where`` filters runs by column value (``policy="manual+transfer"``)."""
    out = Path(out_dir)
    runs = pd.read_parquet(out / RUNS_FILE)
    runs = runs[runs["status"] == "ok"]
    for name, value in where.items():
        runs = runs[runs[name] == value]
    params = [c for c in runs.columns if "." in c]
    frames = []
    for _, run in runs.iterrows():
        if run.get("cases_file") is None or pd.isna(run.get("cases_file")):
            continue
        cases = pd.read_parquet(out / run["cases_file"], columns=columns)
        for name in reversed(["config", *params, "policy", "replication"]):
            if name not in cases.columns:
                cases.insert(0, name, run[name])
        frames.append(cases)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
