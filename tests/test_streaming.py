"""The streaming case log writes exactly what the in-memory log holds, chunk by chunk."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from sim.model.case_log import CaseLog
from sim.model.model import Model
from sim.run.streaming import ParquetCaseWriter, StreamingCaseLog, stream_cases
from sim.scenario.loader import load_scenario
from sim.workflows.closed_loop.case import Case
from sim.workflows.closed_loop.columns import ATTRIBUTES, COLUMNS

ROOT = Path(__file__).resolve().parent.parent
STREET = ROOT / "scenarios" / "beijing_street.yaml"


def _log() -> CaseLog:
    return CaseLog(COLUMNS, ATTRIBUTES)


def _case(i: int) -> Case:
    case = Case(i, 0, i % 3, i % 5, 0, "grid", ["grid"], float(i), 1e9)
    case.t_closed_h = i + 2.5
    case.tier_final = "street" if i % 2 else "grid"
    return case


def test_chunks_are_row_groups_and_rows_round_trip(tmp_path: Path) -> None:
    writer = ParquetCaseWriter(tmp_path / "cases.parquet", metadata={"seed": 3})
    log = StreamingCaseLog(writer, _log(), chunk_rows=4)
    for i in range(10):
        log.append(_case(i))
    assert writer.rows_written == 8  # two full chunks written during the "run"
    assert log.to_arrays()["case_id"].size == 0  # nothing per-case left in memory
    path = log.close()
    f = pq.ParquetFile(path)
    assert f.metadata.num_rows == 10
    assert f.metadata.num_row_groups == 3
    table = f.read()
    assert table.column("case_id").to_pylist() == list(range(10))
    assert table.column("tier_final").to_pylist()[:2] == ["grid", "street"]
    assert [name for name, _ in COLUMNS] == table.column_names
    assert json.loads(f.schema_arrow.metadata[b"govsim"])["seed"] == 3
    assert not (tmp_path / "cases.parquet.part").exists()


def test_empty_run_still_writes_a_readable_file(tmp_path: Path) -> None:
    log = StreamingCaseLog(ParquetCaseWriter(tmp_path / "empty.parquet"), _log(), chunk_rows=5)
    path = log.close()
    table = pq.read_table(path)
    assert table.num_rows == 0
    assert "t_arrival_h" in table.column_names


def test_bad_chunk_size_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="chunk_rows"):
        StreamingCaseLog(ParquetCaseWriter(tmp_path / "x.parquet"), _log(), chunk_rows=0)


def test_writer_cleans_up_after_an_error(tmp_path: Path) -> None:
    target = tmp_path / "x.parquet"
    with pytest.raises(RuntimeError), ParquetCaseWriter(target) as writer:
        writer.write(_log().to_arrays())
        raise RuntimeError("the run crashed")
    assert not target.exists()
    assert not (tmp_path / "x.parquet.part").exists()


def test_streamed_run_equals_in_memory_run(tmp_path: Path) -> None:
    """Same seed, same cases: the file holds the in-memory columns plus derived ones."""
    scn = load_scenario(STREET, {"calendar.horizon_days": 6, "calendar.warmup_days": 1,
                                 "arrivals.channels[0].surges": []})
    plain = Model(scn, seed=5)
    expected = plain.run().cases
    plain.workflow("closed_loop").derive(expected)

    model = Model(scn, seed=5)
    log = stream_cases(model, tmp_path / "run.parquet", chunk_rows=97)
    model.run()
    path = log.close()
    table = pq.read_table(path)
    assert table.num_rows == len(expected["case_id"]) > 97
    order = np.argsort(table.column("case_id").to_numpy())
    want = np.argsort(expected["case_id"])
    for name, values in expected.items():
        got = table.column(name).to_numpy(zero_copy_only=False)[order]
        ref = values[want]
        if ref.dtype.kind == "f":
            np.testing.assert_array_equal(got, ref, err_msg=name)
        else:
            assert (got == ref).all(), name
    meta = json.loads(pq.ParquetFile(path).schema_arrow.metadata[b"govsim"])
    assert meta["labels"]["category"] == [c.id for c in scn.categories or ()]
