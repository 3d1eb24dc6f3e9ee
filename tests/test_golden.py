"""Golden outputs: fixed-seed runs whose every output must stay bit for bit what it was.

Same-seed self-comparisons (``test_reproducibility.py``) pass even when a refactor changes the
order of events, since both runs change alike. These compare with fingerprints stored in
``tests/golden/`` (the back-test of pydesrap_mms): per column of ``cases.parquet`` a hash of its
bytes for every policy × replication, and every row of ``summary.csv`` (without
``wall_time_s``), ``resources.csv``, ``backlog.csv`` and ``grids.csv`` as written, so a
difference names the file, the row or column, and the run.

A deliberate change of behaviour regenerates them (``make golden``, i.e.
``GOVSIM_UPDATE_GOLDEN=1 pytest tests/test_golden.py``) in a commit of its own whose message
says why the numbers changed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest

from sim.run.runner import run_scenario, write_outputs
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("GOVSIM_UPDATE_GOLDEN") == "1"
#: columns that differ between identical runs (timings)
VOLATILE = {"wall_time_s"}


@dataclass(frozen=True)
class Combo:
    """One scenario × policies × seed run whose outputs are fingerprinted."""

    name: str
    scenario: str
    policies: tuple[str | None, ...] = (None,)
    replications: int = 2
    seed: int = 0
    days: float | None = None
    overrides: dict[str, Any] = field(default_factory=dict)


COMBOS = (
    Combo("street_manual_transfer", "beijing_street.yaml", ("manual+transfer",)),
    Combo("street_algorithmic_whistle", "beijing_street.yaml", ("algorithmic+whistle",)),
    Combo("street_risk_priority_transfer", "beijing_street.yaml", ("risk_priority+transfer",)),
    # the worker rules that change who is picked, with a pool radius (nearest is the default)
    Combo("street_batch_optimal_whistle", "beijing_street.yaml", ("algorithmic+whistle",),
          replications=1, seed=5, days=14,
          overrides={"policy_params.algorithmic.rule": "batch_optimal",
                     "calendar.warmup_days": 2}),
    Combo("street_least_loaded_skill", "beijing_street.yaml",
          ("algorithmic+transfer",), replications=1, seed=6, days=14,
          overrides={"policy_params.algorithmic.rule": "least_loaded",
                     "policy_params.algorithmic.coverage": 0.7,
                     "calendar.warmup_days": 2}),
    Combo("county_fengqiao", "county_fengqiao.yaml", (None, "algorithmic+whistle")),
    Combo("validation_mmc", "validation/mmc.yaml", days=40),
    Combo("validation_mg1", "validation/mg1.yaml", days=40),
    Combo("validation_tandem", "validation/tandem.yaml", days=40),
    Combo("district_short", "district.yaml", replications=1, seed=1, days=5),
)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:20]


def _column_digest(values: np.ndarray) -> str:
    """Hash of a column's exact values (floats bit for bit, strings as text)."""
    if values.dtype.kind in "OUS":
        text = "\x1f".join("\x00" if v is None else str(v) for v in values.tolist())
        return f"str:{_digest(text.encode('utf-8'))}"
    arr = np.ascontiguousarray(values)
    return f"{arr.dtype.str}:{_digest(arr.tobytes())}"


def _cases_fingerprint(path: Path) -> dict[str, Any]:
    table = pq.read_table(path)
    columns = {name: table.column(name).to_numpy(zero_copy_only=False)
               for name in table.column_names}
    policy = columns["policy"].astype(str)
    replication = columns["replication"]
    groups: dict[str, dict[str, str]] = {}
    for key in sorted({(p, int(r)) for p, r in zip(policy, replication, strict=True)}):
        mask = (policy == key[0]) & (replication == key[1])
        groups[f"{key[0]} #{key[1]}"] = {
            "rows": str(int(mask.sum())),
            **{name: _column_digest(values[mask]) for name, values in columns.items()},
        }
    return {"columns": table.column_names, "runs": groups}


def _csv_rows(path: Path) -> dict[str, Any]:
    """Header and rows of a CSV file as written (volatile columns dropped)."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    keep = [i for i, name in enumerate(header) if name not in VOLATILE]

    def line(row: list[str]) -> str:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="").writerow([row[i] for i in keep])
        return buf.getvalue()

    return {"header": line(header), "rows": [line(r) for r in body]}


def fingerprint(combo: Combo, out_dir: Path) -> dict[str, Any]:
    """Run ``combo``, write its outputs to ``out_dir`` and fingerprint the files."""
    scenario_file = ROOT / "scenarios" / combo.scenario
    scn = load_scenario(scenario_file, combo.overrides or None)
    runset = run_scenario(scn, list(combo.policies), combo.replications, combo.seed, combo.days,
                          scenario_file=str(scenario_file))
    write_outputs(runset, out_dir)
    spec = asdict(combo)
    spec["policies"] = list(combo.policies)
    return {
        "combo": spec,
        "cases.parquet": _cases_fingerprint(out_dir / "cases.parquet"),
        **{name: _csv_rows(out_dir / name)
           for name in ("summary.csv", "resources.csv", "backlog.csv", "grids.csv")},
    }


def _first_difference(stored: Any, now: Any, where: str) -> str | None:
    """Where two fingerprints first differ, in words (None when equal)."""
    if type(stored) is not type(now):
        return f"{where}: {stored!r} became {now!r}"
    if isinstance(stored, dict):
        for key in list(stored) + [k for k in now if k not in stored]:
            if key not in now or key not in stored:
                return f"{where}/{key}: only in the {'stored' if key in stored else 'new'} run"
            found = _first_difference(stored[key], now[key], f"{where}/{key}")
            if found:
                return found
        return None
    if isinstance(stored, list):
        for i, (a, b) in enumerate(zip(stored, now, strict=False)):
            found = _first_difference(a, b, f"{where}[{i}]")
            if found:
                return found
        if len(stored) != len(now):
            return f"{where}: {len(stored)} rows stored, {len(now)} now"
        return None
    return None if stored == now else f"{where}:\n  stored {stored!r}\n  now    {now!r}"


@pytest.mark.parametrize("combo", COMBOS, ids=[c.name for c in COMBOS])
def test_outputs_match_golden(combo: Combo, tmp_path: Path) -> None:
    path = GOLDEN / f"{combo.name}.json"
    now = fingerprint(combo, tmp_path)
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(json.dumps(now, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return
    assert path.exists(), f"no golden file {path.name}: run `make golden` once and commit it"
    stored = json.loads(path.read_text(encoding="utf-8"))
    difference = _first_difference(stored, now, combo.name)
    assert difference is None, (
        f"outputs differ from tests/golden/{path.name} at {difference}\n"
        "A refactor must keep them bit for bit; a deliberate change of behaviour updates them "
        "(`make golden`) in its own commit saying why.")


def test_every_golden_file_has_a_combo() -> None:
    """A stale golden file (its combination renamed or removed) is an error, not dead weight."""
    names = {c.name for c in COMBOS}
    stale = sorted(p.stem for p in GOLDEN.glob("*.json") if p.stem not in names)
    assert not stale, f"golden files without a combination in COMBOS: {stale}"


def test_difference_is_found() -> None:
    """The comparison itself finds a changed value, a missing row and a changed hash."""
    base = {"summary.csv": {"header": "a,b", "rows": ["1,2", "3,4"]},
            "cases.parquet": {"runs": {"p #0": {"t_h": "<f8:abc"}}}}
    assert _first_difference(base, json.loads(json.dumps(base)), "x") is None
    changed = json.loads(json.dumps(base))
    changed["summary.csv"]["rows"][1] = "3,5"
    assert "summary.csv/rows[1]" in (_first_difference(base, changed, "x") or "")
    shorter = json.loads(json.dumps(base))
    shorter["summary.csv"]["rows"].pop()
    assert "2 rows stored, 1 now" in (_first_difference(base, shorter, "x") or "")
    rehashed = json.loads(json.dumps(base))
    rehashed["cases.parquet"]["runs"]["p #0"]["t_h"] = "<f8:abd"
    assert "t_h" in (_first_difference(base, rehashed, "x") or "")
