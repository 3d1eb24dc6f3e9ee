"""Invariants of every finished run, as assertions that name the broken rule.

Shared by the batteries that ship with the package (:mod:`sim.workflows.checks`,
:mod:`sim.policies.checks`): each function raises ``AssertionError("[check] what is wrong")``
with the offending items or workers in the message. Trace-based checks need a model built with
``trace=True``.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model.units import Units
    from sim.model.workflow import Columns, Workflow

__all__ = [
    "assert_conservation",
    "assert_monotone_timestamps",
    "assert_no_worker_in_two_places",
    "assert_on_shift",
    "fail",
    "same_columns",
]


def fail(check: str, message: str) -> AssertionError:
    """The error a check raises: ``[check] message``."""
    return AssertionError(f"[{check}] {message}")


def assert_conservation(workflow: Workflow, columns: Columns) -> None:
    """Every item created is in the log exactly once (ids 0..n-1), done or still open."""
    ids = columns[workflow.id_column]
    n = workflow.items_created
    if len(ids) != n:
        raise fail("conservation", f"{n} items created but the log holds {len(ids)}")
    if len(np.unique(ids)) != len(ids) or (n and (ids.min() != 0 or ids.max() != n - 1)):
        raise fail("conservation", "item ids are not unique 0..n-1")
    done = columns[workflow.stage_columns[-1]]
    not_done = int(np.isnan(done).sum())
    if not_done != workflow.items_open:
        raise fail("conservation", f"{not_done} items without a {workflow.stage_columns[-1]} "
                                   f"but {workflow.items_open} open in the workflow")


def assert_monotone_timestamps(workflow: Workflow, columns: Columns, horizon_h: float) -> None:
    """Every item has an arrival; its recorded stage times never go back and never pass the
    horizon; a done item's times are in the workflow's order."""
    stages = list(workflow.stage_columns)
    t = np.column_stack([columns[s] for s in stages]) if len(columns[stages[0]]) else \
        np.empty((0, len(stages)))
    present = ~np.isnan(t)
    if not present[:, 0].all():
        raise fail("monotone_timestamps", "an item without an arrival time")
    for i, j in itertools.combinations(range(len(stages)), 2):
        both = present[:, i] & present[:, j]
        wrong = np.flatnonzero(both & (t[:, j] < t[:, i] - 1e-9))
        if wrong.size:
            ids = columns[workflow.id_column][wrong[:5]].tolist()
            raise fail("monotone_timestamps", f"{len(wrong)} items with {stages[j]} before "
                                              f"{stages[i]} (ids {ids})")
    late = present & (t > horizon_h + 1e-9)
    if late.any():
        raise fail("monotone_timestamps", f"{int(late.any(axis=1).sum())} items with a time "
                                          f"after the horizon {horizon_h} h")


def assert_no_worker_in_two_places(units: Units) -> None:
    """No worker on two items at once, and each worker's traced busy time equals ``busy_h``."""
    if units.trace is None:
        raise fail("no_worker_in_two_places", "the model was built without trace=True")
    by_worker: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for worker, _n, start, end in units.trace:
        by_worker[worker].append((start, end))
    busy = {w.id: w.busy_h for team in units.teams for w in team.workers}
    for worker, intervals in by_worker.items():
        intervals.sort()
        for (s0, e0), (s1, _e1) in itertools.pairwise(intervals):
            if s1 < e0 - 1e-9:
                raise fail("no_worker_in_two_places",
                           f"worker {worker} holds two items at once ({s0:.3f}-{e0:.3f} and "
                           f"from {s1:.3f})")
        traced = sum(e - s for s, e in intervals)
        if not math.isclose(traced, busy[worker], rel_tol=1e-9, abs_tol=1e-6):
            raise fail("no_worker_in_two_places", f"worker {worker}: traced {traced:.4f} h "
                                                  f"but busy_h {busy[worker]:.4f}")


def assert_on_shift(units: Units) -> None:
    """Every assignment starts while the worker's unit is on shift (boundaries included)."""
    if units.trace is None:
        raise fail("on_shift", "the model was built without trace=True")
    team_of = {w.id: team for team in units.teams for w in team.workers}
    for worker, _n, start, _end in units.trace:
        iv = units.worker_intervals.get(worker)
        if iv is None:
            iv = team_of[worker].intervals
        k = int(np.searchsorted(iv[:, 0], start, side="right")) - 1
        if k < 0 or start > iv[k, 1] + 1e-9:
            raise fail("on_shift", f"worker {worker} started work at t={start:.3f} h, off shift")


def same_columns(a: Columns, b: Columns) -> str | None:
    """The first column that differs between two logs (bit for bit, NaN equal), else None."""
    if a.keys() != b.keys():
        return f"columns {sorted(a.keys() ^ b.keys())}"
    for name in a:
        x, y = a[name], b[name]
        if x.dtype != y.dtype or x.shape != y.shape:
            return name
        same = (np.array_equal(x, y, equal_nan=True) if x.dtype.kind == "f"
                else np.array_equal(x, y))
        if not same:
            return name
    return None
