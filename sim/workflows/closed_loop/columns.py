"""The closed loop's columns: what the case log records of every case, and the per-case table
written as ``cases.parquet`` (names and meanings in docs/outputs.md)."""

from __future__ import annotations

#: (column, numpy dtype) recorded when a case closes, in order; names match docs/outputs.md.
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

#: case-log columns read from a differently named attribute of :class:`Case`
ATTRIBUTES = {"case_id": "id", "risk_score": "risk"}

#: columns of cases.parquet in order (docs/outputs.md): the log's and the derived ones
CASE_COLUMNS = [
    "policy", "replication", "case_id", "channel", "category", "grid", "street", "tier_final",
    "t_arrival_h", "t_dispatched_h", "t_start_h", "t_onsite_h", "t_handled_h", "t_closed_h",
    "response_h", "wait_h", "travel_h", "handle_h", "resolution_h", "escalations", "misroutes",
    "reopened", "whistled", "report_h", "report_late_h", "preempted", "high_risk", "risk_score",
    "response_due_h", "close_due_h", "on_time_response", "on_time_close",
    "resolved", "satisfied", "flared", "warmup",
]
