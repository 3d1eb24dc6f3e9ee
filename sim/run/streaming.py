"""Per-case results streamed to Parquet in chunks, so memory stays flat for a city-year.

A Beijing-scale year has ~10 M work orders; holding their columns in memory until the end of the
run costs gigabytes. :class:`StreamingCaseLog` stands in for a workflow's
:class:`~sim.model.case_log.CaseLog` (``workflow.log = ...`` before ``run()``, see
:func:`stream_cases`): every ``chunk_rows`` finished items it turns the chunk into column
arrays, optionally adds the derived columns (a workflow's ``derive`` works on any subset of its
items), and writes them as one Parquet row group through :class:`ParquetCaseWriter`. Only the
public interface of ``CaseLog`` is used (``append``, ``to_arrays``, ``len``), so the streaming
log keeps working whatever ``CaseLog`` stores inside.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.model.case_log import CaseLog

if TYPE_CHECKING:
    from sim.model.model import Model

__all__ = ["ParquetCaseWriter", "StreamingCaseLog", "stream_cases", "stream_contacts"]

Columns = dict[str, np.ndarray]


class ParquetCaseWriter:
    """Append column chunks to one Parquet file, one row group per chunk.

    The schema is fixed by the first chunk; later chunks must have the same columns and dtypes.
    ``metadata`` (JSON-serialisable) is stored in the file's key-value metadata under
    ``govsim``: code → label tables for channel / category / grid / street, the seed, the
    scenario name. Write through a temporary name and rename on :meth:`close`, so a crashed run
    never leaves a truncated file that looks complete.
    """

    def __init__(self, path: str | Path, metadata: Mapping[str, Any] | None = None,
                 compression: str = "zstd"):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = self.path.with_name(self.path.name + ".part")
        self._metadata = dict(metadata or {})
        self._compression = compression
        self._writer: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None
        self.rows_written = 0
        self.chunks_written = 0

    @property
    def started(self) -> bool:
        """True once the first chunk has fixed the schema."""
        return self._schema is not None

    def write(self, columns: Mapping[str, np.ndarray]) -> None:
        """Write one chunk (column name → 1-D array, all of one length) as a row group."""
        table = pa.table({name: pa.array(values) for name, values in columns.items()})
        if self._writer is None:
            meta = {b"govsim": json.dumps(self._metadata, ensure_ascii=False).encode("utf-8")}
            self._schema = table.schema.with_metadata(meta)
            self._writer = pq.ParquetWriter(self._tmp, self._schema,
                                            compression=self._compression)
        assert self._schema is not None
        if table.num_rows == 0:
            return
        self._writer.write_table(table.cast(self._schema))
        self.rows_written += table.num_rows
        self.chunks_written += 1

    def close(self) -> Path:
        """Finish the file (an empty chunk must have been written for a zero-row file)."""
        if self._writer is None:
            raise RuntimeError("nothing was written: call write() at least once before close()")
        self._writer.close()
        self._writer = None
        self._tmp.replace(self.path)
        return self.path

    def __enter__(self) -> ParquetCaseWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._writer is not None and exc_type is None:
            self.close()
        elif self._writer is not None:
            self._writer.close()
            self._writer = None
            self._tmp.unlink(missing_ok=True)


class StreamingCaseLog(CaseLog):
    """A case log that writes every ``chunk_rows`` cases to a :class:`ParquetCaseWriter`.

    ``derive`` (optional) adds derived columns to each chunk before it is written; see
    :func:`derive_for`. ``constants`` adds columns with one value per run (``replication``).
    :meth:`to_arrays` — called by ``Model.run`` at the end — flushes what is left and returns
    the columns of **no** cases, so nothing per-case stays in memory; read the file instead.
    """

    def __init__(self, writer: ParquetCaseWriter, like: CaseLog, chunk_rows: int = 100_000,
                 derive: Callable[[Columns], None] | None = None,
                 constants: Mapping[str, Any] | None = None):
        if chunk_rows < 1:
            raise ValueError(f"chunk_rows must be >= 1, got {chunk_rows}")
        # CaseLog.__init__ is deliberately not called: the chunk below holds the rows
        self.writer = writer
        self.chunk_rows = chunk_rows
        self._derive = derive
        self._constants = dict(constants or {})
        self._like = like
        self._chunk = like.empty_like()
        self._in_chunk = 0
        self.rows = 0

    def __len__(self) -> int:
        return self.rows

    def append(self, item: Any) -> None:
        self._chunk.append(item)
        self._in_chunk += 1
        if self._in_chunk >= self.chunk_rows:
            self.flush()

    def flush(self) -> None:
        """Write the cases collected so far (if any) as one row group."""
        if self._in_chunk == 0 and self.writer.started:
            return  # an empty chunk is written only to fix the schema of an empty file
        cols = self._chunk.to_arrays()
        n = self._in_chunk
        self._chunk = self._like.empty_like()
        self._in_chunk = 0
        if self._derive is not None:
            self._derive(cols)
        for name, value in self._constants.items():
            cols[name] = np.full(n, value)
        self.writer.write(cols)
        self.rows += n

    def to_arrays(self) -> Columns:
        self.flush()
        return self._like.empty_like().to_arrays()

    def close(self) -> Path:
        """Flush and finish the file; returns its path."""
        self.flush()
        return self.writer.close()


def stream_cases(model: Model, path: str | Path, chunk_rows: int = 100_000,
                 derived: bool = True, compression: str = "zstd",
                 workflow: str = "closed_loop") -> StreamingCaseLog:
    """Install a streaming log on a workflow of ``model`` (before ``run()``); close it after.

    The file's metadata holds the label tables, so codes can be turned back into names.
    """
    wf = model.workflow(workflow)
    metadata = {
        "scenario": model.scenario.name,
        "seed": model.seed,
        "policy": model.policy.label,
        "workflow": wf.name,
        "horizon_h": model.horizon_h,
        "warmup_h": model.warmup_h,
        "labels": wf.labels(),
    }
    writer = ParquetCaseWriter(path, metadata=metadata, compression=compression)
    log = StreamingCaseLog(writer, wf.log, chunk_rows, wf.derive if derived else None)
    wf.log = log
    return log


def stream_contacts(model: Model, path: str | Path, chunk_rows: int = 100_000,
                    compression: str = "zstd") -> StreamingCaseLog:
    """Stream the call centre's contact log (contacts.parquet) of ``model`` like the cases
    (before ``run()``; close it after). The run's call-centre figures are then those of no
    contacts: compute them from the file (``call_centre_metrics``)."""
    loop = model.workflow("closed_loop")
    calls = getattr(loop, "calls", None)
    if calls is None:
        raise ValueError("the scenario's hotline has no callers: no contact log to stream")
    metadata = {
        "scenario": model.scenario.name,
        "seed": model.seed,
        "policy": model.policy.label,
        "table": "contacts",
        "horizon_h": model.horizon_h,
        "warmup_h": model.warmup_h,
        "labels": {"channel": loop.labels()["channel"]},
    }
    writer = ParquetCaseWriter(path, metadata=metadata, compression=compression)
    log = StreamingCaseLog(writer, calls.log, chunk_rows)
    calls.log = log
    return log
