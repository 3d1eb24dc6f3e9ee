"""Shared fixtures: repository paths and the invariant battery every run must pass.

The battery (:class:`Invariants`) is used by the reference-scenario tests
(``test_invariants.py``) and by the random-scenario property tests (``test_properties.py``), in
the spirit of scikit-learn's ``estimator_checks``: one set of checks for every model variant.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

#: Case timestamps in the order the closed loop reaches them (docs/outputs.md).
STAGES = ("t_arrival_h", "t_dispatched_h", "t_start_h", "t_onsite_h", "t_handled_h",
          "t_closed_h")


class Invariants:
    """Checks that hold for every sample path of every scenario and policy.

    Each method raises ``AssertionError`` with the offending rows or workers in the message.
    """

    @staticmethod
    def conservation(cases: pd.DataFrame, n_orders: int, n_open_model: int) -> None:
        """Every work order created is in the table exactly once, closed or still open."""
        ids = cases["case_id"].to_numpy()
        assert len(ids) == n_orders, f"{n_orders} orders created but {len(ids)} rows logged"
        assert np.array_equal(np.sort(ids), np.arange(n_orders)), "case ids lost or duplicated"
        n_open_table = int(cases["t_closed_h"].isna().sum())
        assert n_open_table == n_open_model, (
            f"{n_open_model} cases open in the model at the end, {n_open_table} in the table")

    @staticmethod
    def summary_counts(cases: pd.DataFrame, summary: dict[str, Any]) -> None:
        """``n_arrived == n_closed + n_open_end``, each counted independently from the table."""
        post = cases[~cases["warmup"].to_numpy(dtype=bool)]
        n_closed = int(post["t_closed_h"].notna().sum())
        n_open = int(post["t_closed_h"].isna().sum())
        assert summary["n_arrived"] == len(post)
        assert summary["n_closed"] == n_closed
        assert summary["n_open_end"] == n_open
        assert summary["n_arrived"] == summary["n_closed"] + summary["n_open_end"]

    @staticmethod
    def monotone_timestamps(cases: pd.DataFrame, horizon_h: float) -> None:
        """arrival ≤ dispatched ≤ start ≤ onsite ≤ handled ≤ closed ≤ horizon where present,
        exactly (no tolerance), and a stage is present only if every earlier stage is."""
        t = cases[list(STAGES)].to_numpy(dtype=float)
        present = ~np.isnan(t)
        assert present[:, 0].all(), "a case without an arrival time"
        # present stages form a prefix: no 'closed' without 'handled' and so on
        gaps = present[:, 1:] & ~present[:, :-1]
        bad = np.flatnonzero(gaps.any(axis=1))
        assert bad.size == 0, f"stage present after a missing one:\n{cases.iloc[bad[:5]]}"
        for i in range(len(STAGES)):
            for j in range(i + 1, len(STAGES)):
                both = present[:, i] & present[:, j]
                wrong = np.flatnonzero(both & (t[:, i] > t[:, j]))
                assert wrong.size == 0, (
                    f"{STAGES[i]} > {STAGES[j]} for case ids "
                    f"{cases['case_id'].to_numpy()[wrong[:5]].tolist()}: "
                    f"{t[wrong[:5]][:, [i, j]].tolist()}")
        assert np.all(t[present] >= 0.0)
        late = present & (t > horizon_h)
        rows = np.flatnonzero(late.any(axis=1))
        assert rows.size == 0, (
            f"timestamps after the horizon {horizon_h}:\n{cases.iloc[rows[:5]][list(STAGES)]}")
        for name in ("wait_h", "travel_h", "handle_h"):
            assert (cases[name].to_numpy() >= 0.0).all(), f"negative {name}"

    @staticmethod
    def trace_by_worker(trace: list[tuple[str, int, float, float]]) -> dict[str, np.ndarray]:
        by_worker: dict[str, list[tuple[float, float]]] = {}
        for worker, _n, start_h, end_h in trace:
            by_worker.setdefault(worker, []).append((start_h, end_h))
        return {w: np.array(sorted(v), dtype=float).reshape(-1, 2) for w, v in by_worker.items()}

    @classmethod
    def no_overlap(cls, trace: list[tuple[str, int, float, float]]) -> None:
        """No worker is on two cases (in two places) at once."""
        for worker, iv in cls.trace_by_worker(trace).items():
            assert np.all(iv[:, 1] >= iv[:, 0]), f"{worker}: a busy interval ends before it starts"
            clash = np.flatnonzero(iv[1:, 0] < iv[:-1, 1])
            assert clash.size == 0, (
                f"{worker} works two cases at once: {iv[clash[0]]} and {iv[clash[0] + 1]}")

    @classmethod
    def starts_on_shift(cls, trace: list[tuple[str, int, float, float]], teams: list[Any]) -> None:
        """Every piece of work starts while its worker's team is on shift (half-open [s, e))."""
        team_of = {w.id: team for team in teams for w in team.workers}
        for worker, iv in cls.trace_by_worker(trace).items():
            shifts = team_of[worker].intervals
            starts = iv[:, 0]
            k = np.searchsorted(shifts[:, 0], starts, side="right") - 1
            inside = (k >= 0) & (starts < shifts[np.maximum(k, 0), 1])
            off = np.flatnonzero(~inside)
            assert off.size == 0, (
                f"{worker} starts work off shift at t={starts[off[:5]].tolist()} "
                f"(shifts {team_of[worker].name}: {shifts[:3].tolist()} …)")

    @staticmethod
    def busy_within_horizon(resources: pd.DataFrame, horizon_h: float,
                            trace: list[tuple[str, int, float, float]] | None = None) -> None:
        """0 ≤ busy_h ≤ horizon per worker, and busy_h equals the traced busy time."""
        busy = resources.set_index("worker")["busy_h"]
        assert (busy >= 0.0).all()
        over = busy[busy > horizon_h * (1 + 1e-12)]
        assert over.empty, f"workers busy longer than the horizon: {over.head().to_dict()}"
        if trace is not None:
            traced: dict[str, float] = {}
            for worker, _n, start_h, end_h in trace:
                traced[worker] = traced.get(worker, 0.0) + (end_h - start_h)
            for worker, hours in busy.items():
                assert math.isclose(traced.get(worker, 0.0), hours, rel_tol=1e-9, abs_tol=1e-9), (
                    f"{worker}: busy_h {hours} but traced {traced.get(worker, 0.0)}")

    @classmethod
    def all(cls, rep: Any, horizon_h: float) -> None:
        """Run the whole battery on a :class:`~sim.run.runner.Replication` (``trace=True``)."""
        model = rep.summary["_model"]
        trace = rep.summary["_trace"]
        loop = model.workflow("closed_loop")
        cls.conservation(rep.cases, loop.items_created, loop.items_open)
        cls.summary_counts(rep.cases, rep.summary)
        cls.monotone_timestamps(rep.cases, horizon_h)
        cls.no_overlap(trace)
        cls.starts_on_shift(trace, model.units.teams)
        cls.busy_within_horizon(rep.resources, horizon_h, trace)


@pytest.fixture(scope="session")
def invariants() -> type[Invariants]:
    return Invariants


@pytest.fixture(scope="session")
def scenarios_dir() -> Path:
    return SCENARIOS


def frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Bit-for-bit equality of two case tables (NaN equals NaN, dtypes must match)."""
    try:
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    except AssertionError:
        return False
    return True


@pytest.fixture(scope="session")
def same_frames():
    return frames_equal
