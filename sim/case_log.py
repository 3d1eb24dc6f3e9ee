"""The case log: finished cases as columns (per-column lists), never per-case dicts.

Appending a case costs one ``list.append`` per field; :meth:`CaseLog.to_arrays` turns the lists
into numpy arrays once at the end of a run.
"""

from __future__ import annotations

import numpy as np

from sim.closed_loop import Case

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


class CaseLog:
    """Columns of finished (and, at the end, still open) cases."""

    def __init__(self) -> None:
        self._cols: dict[str, list] = {name: [] for name, _ in COLUMNS}
        self._appenders = [(self._cols[name].append, _ATTR[name]) for name, _ in COLUMNS]

    def __len__(self) -> int:
        return len(self._cols["case_id"])

    def append(self, case: Case) -> None:
        for add, attr in self._appenders:
            add(getattr(case, attr))

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {name: np.asarray(self._cols[name], dtype=dtype) for name, dtype in COLUMNS}


_RENAMED = {"case_id": "id", "risk_score": "risk"}
_ATTR = {name: _RENAMED.get(name, name) for name, _ in COLUMNS}
