"""The case log: finished cases as numpy columns, filled a few thousand cases at a time.

Appending a case is one C call (an ``attrgetter`` of every column) made when the case closes,
while its fields are still in the CPU cache; every :data:`CHUNK_ROWS` rows the buffer is
transposed into numpy arrays, and :meth:`CaseLog.to_arrays` joins the chunks at the end of a
run. Never per-case dicts, and no per-case Python objects kept for the whole run.
"""

from __future__ import annotations

from operator import attrgetter

import numpy as np

from sim.workflows.closed_loop.case import Case

#: (column, numpy dtype) in output order; names match docs/outputs.md.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("case_id", "int64"),
    ("channel", "int32"),
    ("category", "int32"),
    ("grid", "int32"),
    ("street", "int32"),
    ("tier_final", "U10"),
    ("t_arrival_h", "float64"),
    ("t_dispatched_h", "float64"),
    ("t_start_h", "float64"),
    ("t_onsite_h", "float64"),
    ("t_handled_h", "float64"),
    ("t_closed_h", "float64"),
    ("wait_h", "float64"),
    ("travel_h", "float64"),
    ("handle_h", "float64"),
    ("escalations", "int32"),
    ("misroutes", "int32"),
    ("reopened", "int32"),
    ("whistled", "bool"),
    ("report_h", "float64"),
    ("report_late_h", "float64"),
    ("preempted", "int32"),
    ("high_risk", "bool"),
    ("risk_score", "float64"),
    ("resolved", "bool"),
    ("satisfied", "bool"),
    ("close_due_h", "float64"),
    ("flare_h", "float64"),
)


#: rows buffered before they become numpy arrays (small enough for the CPU cache)
CHUNK_ROWS = 4096


class CaseLog:
    """Finished (and, at the end, still open) cases, as columns.

    Why a small row buffer: reading columns out of case objects kept to the end (one pass over
    all cases per column) cost ~10 % of a district run, because by then the objects are
    scattered in memory; a row tuple per case kept to the end is cheap to make, but every
    young garbage collection then walks its 28 fields (~5 % of a run). Rows that become numpy
    arrays within a few thousand cases are converted while still cached and are freed before
    the collector sees most of them. The snapshot also fixes each case's values at close time.
    """

    def __init__(self) -> None:
        self._rows: list[tuple] = []
        self._row = attrgetter(*(_ATTR[name] for name, _ in COLUMNS))
        self._chunks: list[dict[str, np.ndarray]] = []
        self._done = 0  # rows already in _chunks

    def __len__(self) -> int:
        return self._done + len(self._rows)

    def append(self, case: Case) -> None:
        rows = self._rows
        rows.append(self._row(case))
        if len(rows) >= CHUNK_ROWS:
            self._flush()

    def _flush(self) -> None:
        rows = self._rows
        if not rows and self._chunks:
            return
        n = len(rows)
        columns = zip(*rows, strict=True) if rows else ((),) * len(COLUMNS)
        self._chunks.append({
            # fromiter converts in one pass (np.array first scans the values for their shape)
            name: np.array(values, dtype=dtype) if dtype[0] == "U"
            else np.fromiter(values, dtype=dtype, count=n)
            for (name, dtype), values in zip(COLUMNS, columns, strict=True)})
        self._done += len(rows)
        self._rows = []

    def to_arrays(self) -> dict[str, np.ndarray]:
        self._flush()
        chunks = self._chunks
        if len(chunks) > 1:
            chunks[:] = [{name: np.concatenate([c[name] for c in chunks]) for name, _ in COLUMNS}]
        return dict(chunks[0])


_RENAMED = {"case_id": "id", "risk_score": "risk"}
_ATTR = {name: _RENAMED.get(name, name) for name, _ in COLUMNS}
