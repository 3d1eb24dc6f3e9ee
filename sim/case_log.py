"""The case log: finished cases, turned into columns once at the end, never per-case dicts.

Appending a case costs one ``list.append`` (the case object already holds every field);
:meth:`CaseLog.to_arrays` reads the columns out into numpy arrays in C at the end of a run.
"""

from __future__ import annotations

from operator import attrgetter

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
    """Finished (and, at the end, still open) cases, turned into columns once at the end.

    ``append`` keeps the case object itself (one ``list.append``: the case already holds every
    field); :meth:`to_arrays` reads each column out with ``np.fromiter`` over an
    ``attrgetter``, which runs in C. Per case this costs about half of appending 23 fields one by
    one, and the memory is about the same (the object instead of 23 list slots).
    """

    def __init__(self) -> None:
        self._cases: list[Case] = []
        self.append = self._cases.append  # type: ignore[method-assign]

    def __len__(self) -> int:
        return len(self._cases)

    def append(self, case: Case) -> None:  # replaced per instance by list.append
        self._cases.append(case)

    def to_arrays(self) -> dict[str, np.ndarray]:
        cases = self._cases
        n = len(cases)
        out: dict[str, np.ndarray] = {}
        for name, dtype in COLUMNS:
            values = map(attrgetter(_ATTR[name]), cases)
            if dtype.startswith("U"):
                out[name] = np.asarray(list(values), dtype=dtype)
            else:
                out[name] = np.fromiter(values, dtype=dtype, count=n)
        return out


_RENAMED = {"case_id": "id", "risk_score": "risk"}
_ATTR = {name: _RENAMED.get(name, name) for name, _ in COLUMNS}
