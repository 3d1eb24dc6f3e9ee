"""What each summary metric is: its kind (rate, hours, count) and which direction is better.

The statistics are the same for every metric, but a verdict needs to know that a lower p90
resolution time is good while a lower satisfaction rate is bad, and that rates read best as
percentage points. Metrics whose desirable level is a matter of judgement (the whistle rate
should be "neither too high nor too low") have no direction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

MetricKind = Literal["rate", "hours", "count", "ratio"]
Better = Literal["lower", "higher"] | None

#: Columns of summary.csv (and runs.parquet of a sweep) that identify a run rather than
#: measure it.
ID_COLUMNS: tuple[str, ...] = ("scenario", "policy", "replication", "seed", "config")

#: Columns of summary.csv that measure the program, not the modelled organisation.
NON_OUTCOME_COLUMNS: tuple[str, ...] = ("wall_time_s",)


@dataclass(frozen=True)
class MetricInfo:
    """Meaning of one metric: ``kind`` decides formatting, ``better`` the verdict's wording."""

    name: str
    kind: MetricKind
    better: Better


METRICS: dict[str, MetricInfo] = {
    m.name: m
    for m in (
        MetricInfo("n_arrived", "count", None),
        MetricInfo("n_closed", "count", "higher"),
        MetricInfo("n_open_end", "count", "lower"),
        MetricInfo("mean_resolution_h", "hours", "lower"),
        MetricInfo("median_resolution_h", "hours", "lower"),
        MetricInfo("p90_resolution_h", "hours", "lower"),
        MetricInfo("p95_resolution_h", "hours", "lower"),
        MetricInfo("mean_response_h", "hours", "lower"),
        MetricInfo("mean_wait_h", "hours", "lower"),
        MetricInfo("on_time_response_rate", "rate", "higher"),
        MetricInfo("on_time_close_rate", "rate", "higher"),
        MetricInfo("response_rate", "rate", "higher"),
        MetricInfo("resolution_rate", "rate", "higher"),
        MetricInfo("satisfaction_rate", "rate", "higher"),
        MetricInfo("whistles_per_100", "ratio", None),
        MetricInfo("whistle_dept_hours", "hours", "lower"),
        MetricInfo("on_call_h", "hours", "lower"),
        MetricInfo("on_call_standby_h", "hours", None),
        MetricInfo("mean_report_h", "hours", "lower"),
        MetricInfo("mean_report_late_h", "hours", "lower"),
        MetricInfo("report_late_share", "rate", "lower"),
        MetricInfo("preemptions_per_100", "ratio", None),
        MetricInfo("misroute_rate", "ratio", "lower"),
        MetricInfo("reopen_rate", "rate", "lower"),
        MetricInfo("escalation_rate", "rate", None),
        MetricInfo("flareups_per_1000", "ratio", "lower"),
        MetricInfo("flareups_high_risk_per_1000", "ratio", "lower"),
        MetricInfo("mean_wait_low_risk_h", "hours", "lower"),
        MetricInfo("mean_wait_high_risk_h", "hours", "lower"),
        MetricInfo("mean_dispatch_h", "hours", "lower"),
        MetricInfo("mean_travel_h", "hours", "lower"),
        MetricInfo("mean_utilization", "rate", None),
        MetricInfo("max_unit_utilization", "rate", None),
        MetricInfo("workload_gini", "ratio", "lower"),
        MetricInfo("n_contacts", "count", None),
        MetricInfo("contacts_offered", "count", None),
        MetricInfo("contacts_answered_share", "rate", "higher"),
        MetricInfo("self_service_share", "rate", None),
        MetricInfo("service_level", "rate", "higher"),
        MetricInfo("abandonment_rate", "rate", "lower"),
        MetricInfo("retry_share", "rate", "lower"),
        MetricInfo("mean_wait_to_answer_s", "ratio", "lower"),
        MetricInfo("p90_wait_to_answer_s", "ratio", "lower"),
        MetricInfo("operator_occupancy", "rate", None),
        MetricInfo("lost_orders", "count", "lower"),
        MetricInfo("repeat_share", "rate", "lower"),
        MetricInfo("response_rate_by_calls", "rate", "higher"),
        MetricInfo("resolution_rate_by_calls", "rate", "higher"),
        MetricInfo("satisfaction_rate_by_calls", "rate", "higher"),
        MetricInfo("busy_h_per_grid_worker", "hours", "lower"),
        MetricInfo("cases_per_grid_worker", "count", None),
        # one-window service applications (一网通办); day values read as plain numbers
        MetricInfo("svc_arrived", "count", None),
        MetricInfo("svc_decided", "count", "higher"),
        MetricInfo("svc_open_end", "count", "lower"),
        MetricInfo("svc_mean_working_days", "ratio", "lower"),
        MetricInfo("svc_median_working_days", "ratio", "lower"),
        MetricInfo("svc_p90_working_days", "ratio", "lower"),
        MetricInfo("svc_mean_days", "ratio", "lower"),
        MetricInfo("svc_median_days", "ratio", "lower"),
        MetricInfo("svc_p90_days", "ratio", "lower"),
        MetricInfo("svc_on_time_share", "rate", "higher"),
        MetricInfo("svc_visits_per_app", "ratio", "lower"),
        MetricInfo("svc_one_visit_share", "rate", "higher"),
        MetricInfo("svc_rework_per_app", "ratio", "lower"),
        MetricInfo("svc_rejection_rate", "rate", None),
        MetricInfo("svc_rule_approved_share", "rate", None),
        MetricInfo("svc_mean_hall_wait_min", "ratio", "lower"),
        MetricInfo("svc_window_utilization", "rate", None),
        MetricInfo("svc_dept_utilization", "rate", None),
        MetricInfo("svc_dept_hours", "hours", "lower"),
    )
}

#: The call-centre figures (summary.csv with organisation.hotline.callers), the report's
#: hotline panel in this order.
HOTLINE_METRICS: tuple[str, ...] = (
    "service_level",
    "abandonment_rate",
    "contacts_answered_share",
    "mean_wait_to_answer_s",
    "p90_wait_to_answer_s",
    "operator_occupancy",
    "self_service_share",
    "retry_share",
    "repeat_share",
    "response_rate_by_calls",
    "resolution_rate_by_calls",
    "satisfaction_rate_by_calls",
    "lost_orders",
    "contacts_offered",
)

#: The metrics a planner reads first (chart 2 and the verdict), in display order.
HEADLINE_METRICS: tuple[str, ...] = (
    "median_resolution_h",
    "p90_resolution_h",
    "on_time_close_rate",
    "response_rate",
    "resolution_rate",
    "satisfaction_rate",
    "flareups_per_1000",
)

#: The same for one-window service applications (一网通办), when a scenario runs them.
SERVICE_HEADLINE_METRICS: tuple[str, ...] = (
    "svc_median_working_days",
    "svc_p90_working_days",
    "svc_on_time_share",
    "svc_visits_per_app",
    "svc_one_visit_share",
)

#: The indicators of the verdict table, in display order.
VERDICT_METRICS: tuple[str, ...] = (
    "p90_resolution_h",
    "on_time_close_rate",
    "response_rate",
    "resolution_rate",
    "satisfaction_rate",
    "flareups_per_1000",
    "busy_h_per_grid_worker",
    "whistle_dept_hours",
    "on_call_h",  # departments' on-call duty (值班): only when a scenario keeps a roster
    # one-window service applications: present only when a scenario runs them
    "svc_p90_working_days",
    "svc_mean_working_days",
    "svc_on_time_share",
    "svc_visits_per_app",
    "svc_one_visit_share",
    "svc_rework_per_app",
    "svc_mean_hall_wait_min",
    "svc_dept_hours",
)


def metric_info(name: str) -> MetricInfo:
    """Info for a metric; unknown columns are treated as directionless ratios."""
    return METRICS.get(name, MetricInfo(name, "ratio", None))


def metric_columns(df: pd.DataFrame) -> list[str]:
    """Numeric outcome columns of a summary-like table, in their original order (identifiers,
    timings and swept parameters left out)."""
    skip = set(ID_COLUMNS) | set(NON_OUTCOME_COLUMNS)
    return [
        c
        for c in df.columns
        if c not in skip and "." not in c  # dotted names are swept parameters
        and pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
    ]
