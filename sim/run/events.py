"""The event log of a run set on disk: ``events.parquet`` streamed, then OCEL 2.0 and XES.

The closed loop records its events (:mod:`sim.workflows.closed_loop.events`) and hands them
over a chunk at a time; :class:`EventLogWriter` turns each chunk into a Parquet row group of
``events.parquet`` — every policy × replication of the run set in one file, a run's rows in row
groups of their own — so memory stays flat however long the run. After the runs,
:func:`write_event_formats` reads the file back one run at a time and writes the two formats
process-mining tools read: ``events.jsonocel`` (OCEL 2.0 JSON: work orders, units and workers
as objects) and ``events.xes`` (IEEE 1849 XES: a trace per work order). Both are written here
with the standard library — no process-mining package at run time — and, like every output,
through a temporary name and an atomic rename.

Times are hours since the run's start (``t_h``) and absolute timestamps: ``calendar.start`` +
``t_h``, in the start's own UTC offset, or China Standard Time (+08:00) when the scenario gives
a start without one (a 12345 log's local time).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from xml.sax.saxutils import escape

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.run.output import atomic_write
from sim.workflows.closed_loop.events import ACTIVITIES, EventColumns, EventSink

__all__ = ["EVENT_FILES", "EventLogWriter", "event_schema", "utc_offset", "write_event_formats",
           "write_ocel", "write_xes"]

#: the files of ``--events``, in the order they are written
EVENT_FILES = ("events.parquet", "events.jsonocel", "events.xes")
#: the UTC offset of a scenario start given without one: China Standard Time (no DST)
CHINA_STANDARD_TIME = timezone(timedelta(hours=8))
#: OCEL 2.0 object types and the qualifiers of an event's relationships to them
ORDER, UNIT, WORKER = "work order", "unit", "worker"
#: an OCEL attribute that does not change over time carries the epoch as its time
_STATIC = "1970-01-01T00:00:00Z"
_TEXT = ("activity", "activity_en", "lifecycle", "resource", "unit", "tier", "result")


def utc_offset(start: datetime) -> timezone:
    """The UTC offset of the run's timestamps: the start's own, else +08:00."""
    offset = start.utcoffset()
    return CHINA_STANDARD_TIME if offset is None else timezone(offset)


def _offset_text(tz: timezone) -> str:
    """``+08:00`` for an offset (ISO 8601, as XES and Arrow want it)."""
    minutes = int(tz.utcoffset(None).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def event_schema(tz: timezone) -> pa.Schema:
    """Columns of events.parquet (docs/outputs.md), in order."""
    return pa.schema([
        ("policy", pa.string()),
        ("replication", pa.int32()),
        ("event_id", pa.int64()),
        ("case_id", pa.int64()),
        ("activity", pa.string()),
        ("activity_en", pa.string()),
        ("lifecycle", pa.string()),
        ("t_h", pa.float64()),
        ("timestamp", pa.timestamp("us", tz=_offset_text(tz))),
        ("resource", pa.string()),
        ("unit", pa.string()),
        ("tier", pa.string()),
        ("result", pa.string()),
    ])


class EventLogWriter:
    """``events.parquet`` of a run set: :meth:`sink` per run, one row group per chunk.

    ``start`` is ``calendar.start`` (the origin of ``t_h``); ``metadata`` (JSON) goes into the
    file's key-value metadata under ``govsim``, next to the start, its offset and the
    activities. Written under a temporary name, renamed on :meth:`close`; a run that fails
    leaves no file (used as a context manager).
    """

    def __init__(self, path: str | Path, start: datetime,
                 metadata: Mapping[str, Any] | None = None, compression: str = "zstd"):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        self.tz = utc_offset(start)
        aware = start if start.utcoffset() is not None else start.replace(tzinfo=self.tz)
        self._start_us = round(aware.timestamp() * 1e6)
        meta = {
            **dict(metadata or {}),
            "calendar_start": aware.isoformat(),
            "utc_offset": _offset_text(self.tz),
            "activities": [list(pair) for pair in ACTIVITIES],
        }
        self.schema = event_schema(self.tz).with_metadata(
            {b"govsim": json.dumps(meta, ensure_ascii=False).encode("utf-8")})
        self._writer: pq.ParquetWriter | None = pq.ParquetWriter(
            self._tmp, self.schema, compression=compression)
        self.rows_written = 0
        self.row_groups = 0

    def sink(self, policy: str, replication: int) -> EventSink:
        """Where the recorder of one run hands its chunks (policy and replication added)."""
        def write(columns: EventColumns) -> None:
            self.write(policy, replication, columns)

        return write

    def write(self, policy: str, replication: int, columns: EventColumns) -> None:
        """One chunk of a run's events as one row group."""
        if self._writer is None:
            raise RuntimeError(f"{self.path.name} is already closed")
        n = len(columns["event_id"])
        if n == 0:
            return
        t_h = columns["t_h"]
        stamps = self._start_us + np.rint(t_h * 3.6e9).astype(np.int64)
        arrays: dict[str, pa.Array] = {
            "policy": pa.array([policy] * n, pa.string()),
            "replication": pa.array(np.full(n, replication, dtype=np.int32)),
            "event_id": pa.array(columns["event_id"]),
            "case_id": pa.array(columns["case_id"]),
            "t_h": pa.array(t_h),
            "timestamp": pa.array(stamps, self.schema.field("timestamp").type),
        }
        for name in _TEXT:
            arrays[name] = pa.array(columns[name], pa.string())
        table = pa.Table.from_arrays([arrays[f.name] for f in self.schema], schema=self.schema)
        self._writer.write_table(table)
        self.rows_written += n
        self.row_groups += 1

    def close(self) -> Path:
        """Finish the file and move it into place."""
        if self._writer is None:
            raise RuntimeError(f"{self.path.name} is already closed")
        self._writer.close()
        self._writer = None
        with open(self._tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(self._tmp, self.path)
        return self.path

    def abort(self) -> None:
        """Drop the unfinished file."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> EventLogWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            if self._writer is not None:
                self.close()
        else:
            self.abort()


# -- reading events.parquet back, one run at a time ------------------------------------------
def _runs(path: Path) -> Iterator[tuple[str, int, dict[str, np.ndarray]]]:
    """Each run's events as numpy columns, sorted by case and then as recorded.

    A run's rows are in row groups of their own (a recorder's chunk never spans runs), so one
    run is in memory at a time.
    """
    pf = pq.ParquetFile(path)
    groups: list[tuple[tuple[str, int], list[int]]] = []
    for i in range(pf.num_row_groups):
        head = pf.read_row_group(i, columns=["policy", "replication"]).slice(0, 1).to_pylist()[0]
        key = (str(head["policy"]), int(head["replication"]))
        if groups and groups[-1][0] == key:
            groups[-1][1].append(i)
        else:
            groups.append((key, [i]))
    for (policy, replication), indices in groups:
        table = pf.read_row_groups(indices)
        cols = {name: table.column(name).to_numpy(zero_copy_only=False)
                for name in table.column_names if name != "timestamp"}
        cols["timestamp_us"] = table.column("timestamp").cast(pa.int64()).to_numpy()
        order = np.lexsort((cols["event_id"], cols["case_id"]))
        yield policy, replication, {name: values[order] for name, values in cols.items()}


def _file_offset(path: Path) -> timezone:
    """The UTC offset events.parquet's timestamps are written in."""
    tz = pq.read_schema(path).field("timestamp").type.tz
    hours, minutes = int(tz[:3]), int(tz[0] + tz[4:6])
    return timezone(timedelta(hours=hours, minutes=minutes))


def _iso(timestamp_us: np.ndarray, tz: timezone) -> list[str]:
    """ISO 8601 local times with offset, to the millisecond (rounded down: order kept)."""
    shift_us = int(tz.utcoffset(None).total_seconds() * 1e6)
    local = ((timestamp_us + shift_us) // 1000).astype("datetime64[ms]")
    suffix = _offset_text(tz)
    return [text + suffix for text in np.datetime_as_string(local, unit="ms").tolist()]


def _trace_id(policy: str, replication: int, case_id: int) -> str:
    """The id of a work order over the run set (XES trace, OCEL object)."""
    return f"{policy}/r{replication}/case{case_id}"


def write_event_formats(parquet: str | Path, out_dir: str | Path | None = None) -> list[Path]:
    """events.jsonocel and events.xes next to events.parquet (or in ``out_dir``)."""
    parquet = Path(parquet)
    folder = Path(out_dir) if out_dir is not None else parquet.parent
    return [write_ocel(parquet, folder / "events.jsonocel"),
            write_xes(parquet, folder / "events.xes")]


# -- XES ------------------------------------------------------------------------------------
_QUOTE = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
_XES_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">
  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
  <extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
  <extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
  <extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
  <global scope="trace">
    <string key="concept:name" value="__INVALID__"/>
  </global>
  <global scope="event">
    <string key="concept:name" value="__INVALID__"/>
    <string key="lifecycle:transition" value="complete"/>
    <date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/>
  </global>
  <classifier name="Activity" keys="concept:name"/>
  <classifier name="Activity and lifecycle" keys="concept:name lifecycle:transition"/>
  <string key="concept:name" value="govsim event log"/>
"""


def _q(text: str) -> str:
    return escape(text, _QUOTE)


def write_xes(parquet: str | Path, target: str | Path) -> Path:
    """events.xes: a trace per work order (policy, replication, case id), its events in order
    of time with ``concept:name``, ``lifecycle:transition``, ``time:timestamp``,
    ``org:resource`` (the worker) and ``org:group`` (the unit). Streamed, one run at a time."""
    parquet = Path(parquet)
    tz = _file_offset(parquet)

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8", newline="\n") as out:
            out.write(_XES_HEAD)
            for policy, replication, cols in _runs(parquet):
                _xes_run(out, policy, replication, cols, tz)
            out.write("</log>\n")

    return atomic_write(Path(target), write)


def _xes_run(out: IO[str], policy: str, replication: int, cols: dict[str, np.ndarray],
             tz: timezone) -> None:
    times = _iso(cols["timestamp_us"], tz)
    case_ids = cols["case_id"].tolist()
    rows = zip(case_ids, cols["activity"].tolist(), cols["activity_en"].tolist(),
               cols["lifecycle"].tolist(), times, cols["resource"].tolist(),
               cols["unit"].tolist(), cols["tier"].tolist(), cols["result"].tolist(),
               cols["t_h"].tolist(), strict=True)
    p, r = _q(policy), replication
    current = None
    lines: list[str] = []
    for case_id, act, act_en, phase, when, resource, unit, tier, result, t_h in rows:
        if case_id != current:
            if current is not None:
                lines.append("  </trace>\n")
            current = case_id
            lines.append(
                f'  <trace>\n    <string key="concept:name" '
                f'value="{_q(_trace_id(policy, r, case_id))}"/>\n'
                f'    <string key="policy" value="{p}"/>\n'
                f'    <int key="replication" value="{r}"/>\n'
                f'    <int key="case_id" value="{case_id}"/>\n')
        lines.append(
            f'    <event>\n      <string key="concept:name" value="{act}"/>\n'
            f'      <string key="activity_en" value="{act_en}"/>\n'
            f'      <string key="lifecycle:transition" value="{phase}"/>\n'
            f'      <date key="time:timestamp" value="{when}"/>\n'
            f'      <float key="t_h" value="{t_h!r}"/>\n')
        if resource:
            lines.append(f'      <string key="org:resource" value="{_q(resource)}"/>\n')
        if unit:
            lines.append(f'      <string key="org:group" value="{_q(unit)}"/>\n')
        if tier:
            lines.append(f'      <string key="tier" value="{_q(tier)}"/>\n')
        if result:
            lines.append(f'      <string key="result" value="{result}"/>\n')
        lines.append("    </event>\n")
        if len(lines) > 4096:
            out.write("".join(lines))
            lines.clear()
    if current is not None:
        lines.append("  </trace>\n")
    out.write("".join(lines))


# -- OCEL 2.0 -------------------------------------------------------------------------------
def _ocel_types() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """objectTypes and eventTypes with their attributes (OCEL 2.0 JSON)."""
    object_types: list[dict[str, Any]] = [
        {"name": ORDER, "attributes": [{"name": "policy", "type": "string"},
                                       {"name": "replication", "type": "integer"},
                                       {"name": "case_id", "type": "integer"}]},
        {"name": UNIT, "attributes": [{"name": "kind", "type": "string"}]},
        {"name": WORKER, "attributes": []},
    ]
    attributes: list[dict[str, str]] = [{"name": "lifecycle", "type": "string"},
                  {"name": "activity_en", "type": "string"},
                  {"name": "tier", "type": "string"},
                  {"name": "result", "type": "string"},
                  {"name": "policy", "type": "string"},
                  {"name": "replication", "type": "integer"},
                  {"name": "t_h", "type": "float"}]
    event_types = [{"name": zh, "attributes": attributes} for zh, _ in ACTIVITIES]
    return object_types, event_types


def write_ocel(parquet: str | Path, target: str | Path) -> Path:
    """events.jsonocel (OCEL 2.0 JSON): work orders, units and workers as objects (a worker
    related to the unit it belongs to); each event related to its order (qualifier ``order``)
    and, where it has them, its unit (``unit``) and worker (``worker``).

    Units and workers are the organisation's, the same objects in every run; work orders are
    one per case and run. Written in two passes over the file (objects, then events), one
    run in memory at a time."""
    parquet = Path(parquet)
    tz = _file_offset(parquet)
    object_types, event_types = _ocel_types()

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8", newline="\n") as out:
            out.write('{\n"objectTypes": ' + json.dumps(object_types, ensure_ascii=False))
            out.write(',\n"eventTypes": ' + json.dumps(event_types, ensure_ascii=False))
            out.write(',\n"objects": [')
            _ocel_objects(out, parquet)
            out.write('\n],\n"events": [')
            _ocel_events(out, parquet, tz)
            out.write("\n]\n}\n")

    return atomic_write(Path(target), write)


def _dump(item: dict[str, Any]) -> str:
    return json.dumps(item, ensure_ascii=False, separators=(",", ":"))


def _ocel_objects(out: IO[str], parquet: Path) -> None:
    """Write every object (the items of the ``objects`` list)."""
    units: dict[str, None] = {}
    workers: dict[str, str] = {}
    first = True
    for policy, replication, cols in _runs(parquet):
        for case_id in np.unique(cols["case_id"]).tolist():
            out.write(("\n" if first else ",\n") + _dump({
                "id": _trace_id(policy, replication, case_id), "type": ORDER,
                "attributes": [{"name": "policy", "time": _STATIC, "value": policy},
                               {"name": "replication", "time": _STATIC, "value": replication},
                               {"name": "case_id", "time": _STATIC, "value": case_id}]}))
            first = False
        for unit, resource in zip(cols["unit"].tolist(), cols["resource"].tolist(),
                                  strict=True):
            if unit:
                units.setdefault(unit)
                if resource:
                    workers.setdefault(resource, unit)
    for unit in units:
        kind = unit.split(":", 1)[0]
        out.write(("\n" if first else ",\n") + _dump({
            "id": unit, "type": UNIT,
            "attributes": [{"name": "kind", "time": _STATIC, "value": kind}]}))
        first = False
    for worker, unit in workers.items():
        out.write(("\n" if first else ",\n") + _dump({
            "id": worker, "type": WORKER, "attributes": [],
            "relationships": [{"objectId": unit, "qualifier": "member of"}]}))
        first = False


def _ocel_events(out: IO[str], parquet: Path, tz: timezone) -> None:
    """Write every event (the items of the ``events`` list), run after run."""
    first = True
    for policy, replication, cols in _runs(parquet):
        times = _iso(cols["timestamp_us"], tz)
        rows = zip(cols["event_id"].tolist(), cols["case_id"].tolist(),
                   cols["activity"].tolist(), cols["activity_en"].tolist(),
                   cols["lifecycle"].tolist(), times, cols["resource"].tolist(),
                   cols["unit"].tolist(), cols["tier"].tolist(), cols["result"].tolist(),
                   cols["t_h"].tolist(), strict=True)
        run = f"{policy}/r{replication}"
        chunk: list[str] = []
        for (event_id, case_id, act, act_en, phase, when, resource, unit, tier, result,
             t_h) in rows:
            relationships = [{"objectId": _trace_id(policy, replication, case_id),
                              "qualifier": "order"}]
            if unit:
                relationships.append({"objectId": unit, "qualifier": "unit"})
            if resource:
                relationships.append({"objectId": resource, "qualifier": "worker"})
            attributes = [{"name": "lifecycle", "value": phase},
                          {"name": "activity_en", "value": act_en},
                          {"name": "policy", "value": policy},
                          {"name": "replication", "value": replication},
                          {"name": "t_h", "value": t_h}]
            if tier:
                attributes.append({"name": "tier", "value": tier})
            if result:
                attributes.append({"name": "result", "value": result})
            chunk.append(_dump({"id": f"{run}/e{event_id}", "type": act, "time": when,
                                "attributes": attributes, "relationships": relationships}))
            if len(chunk) >= 4096:
                out.write(("\n" if first else ",\n") + ",\n".join(chunk))
                first = False
                chunk.clear()
        if chunk:
            out.write(("\n" if first else ",\n") + ",\n".join(chunk))
            first = False
