"""The case log: finished work items as numpy columns, filled a few thousand items at a time.

A workflow declares its columns (name, numpy dtype) and the attribute of its record each is read
from. Appending an item is one C call (an ``attrgetter`` of every column) made when the item is
done, while its fields are still in the CPU cache; every :data:`CHUNK_ROWS` rows the buffer is
transposed into numpy arrays, and :meth:`CaseLog.to_arrays` joins the chunks at the end of a
run. Never per-item dicts, and no per-item Python objects kept for the whole run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from operator import attrgetter
from typing import Any

import numpy as np

#: (column, numpy dtype) in output order
Columns = Sequence[tuple[str, str]]

#: rows buffered before they become numpy arrays (small enough for the CPU cache)
CHUNK_ROWS = 4096


class CaseLog:
    """Finished (and, at the end, still open) work items, as columns.

    ``columns`` are (name, numpy dtype) pairs in output order; ``attributes`` maps a column to
    the record's attribute when the names differ (``case_id`` ← ``id``).

    Why a small row buffer: reading columns out of case objects kept to the end (one pass over
    all cases per column) cost ~10 % of a district run, because by then the objects are
    scattered in memory; a row tuple per case kept to the end is cheap to make, but every
    young garbage collection then walks its 28 fields (~5 % of a run). Rows that become numpy
    arrays within a few thousand cases are converted while still cached and are freed before
    the collector sees most of them. The snapshot also fixes each case's values at close time.
    """

    def __init__(self, columns: Columns, attributes: Mapping[str, str] | None = None) -> None:
        self.columns = tuple(columns)
        self.attributes = dict(attributes or {})
        self._rows: list[tuple] = []
        getter = attrgetter(*(self.attributes.get(name, name) for name, _ in self.columns))
        # attrgetter of one name returns the value itself, not a 1-tuple
        self._row = getter if len(self.columns) > 1 else (lambda item: (getter(item),))
        self._chunks: list[dict[str, np.ndarray]] = []
        self._done = 0  # rows already in _chunks

    def __len__(self) -> int:
        return self._done + len(self._rows)

    def empty_like(self) -> CaseLog:
        """A new empty log with the same columns."""
        return CaseLog(self.columns, self.attributes)

    def append(self, item: Any) -> None:
        rows = self._rows
        rows.append(self._row(item))
        if len(rows) >= CHUNK_ROWS:
            self._flush()

    def _flush(self) -> None:
        rows = self._rows
        if not rows and self._chunks:
            return
        n = len(rows)
        columns = zip(*rows, strict=True) if rows else ((),) * len(self.columns)
        self._chunks.append({
            # fromiter converts in one pass (np.array first scans the values for their shape)
            name: np.array(values, dtype=dtype) if dtype[0] == "U"
            else np.fromiter(values, dtype=dtype, count=n)
            for (name, dtype), values in zip(self.columns, columns, strict=True)})
        self._done += len(rows)
        self._rows = []

    def to_arrays(self) -> dict[str, np.ndarray]:
        self._flush()
        chunks = self._chunks
        if len(chunks) > 1:
            chunks[:] = [{name: np.concatenate([c[name] for c in chunks])
                          for name, _ in self.columns}]
        return dict(chunks[0])
