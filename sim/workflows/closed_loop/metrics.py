"""Per-case derived columns and per-run summary metrics (numpy only, after the run).

Definitions follow docs/sources.md ("接诉即办", the three rates 三率) and docs/outputs.md.
Cases arriving during the warm-up are excluded from every summary metric but kept in the case
table (``warmup`` = True) and the backlog curve.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sim.calendar import WorkingCalendar
from sim.scenario.closed_loop import Deadline
from sim.stochastic.estimators import gini, km_quantiles

FIELD_KINDS = ("grid", "community", "street", "department")

#: the metrics :func:`summarise` defines, in summary.csv order (docs/outputs.md)
SUMMARY_METRICS: tuple[str, ...] = (
    "n_arrived", "n_closed", "n_open_end", "mean_resolution_h", "median_resolution_h",
    "p90_resolution_h", "p95_resolution_h", "mean_response_h", "mean_wait_h",
    "on_time_response_rate", "on_time_close_rate", "response_rate", "resolution_rate",
    "satisfaction_rate", "whistles_per_100", "whistle_dept_hours", "mean_report_h",
    "mean_report_late_h", "report_late_share", "preemptions_per_100", "misroute_rate",
    "reopen_rate", "escalation_rate", "flareups_per_1000", "flareups_high_risk_per_1000",
    "mean_wait_low_risk_h", "mean_wait_high_risk_h", "mean_dispatch_h", "mean_travel_h",
    "mean_utilization", "max_unit_utilization", "workload_gini", "n_contacts",
)

#: the headline table after a run: (summary metric, column title, format)
HEADLINE: tuple[tuple[str, str, str], ...] = (
    ("n_arrived", "cases", "{:.0f}"),
    ("median_resolution_h", "median h", "{:.1f}"),
    ("p90_resolution_h", "p90 h", "{:.1f}"),
    ("on_time_close_rate", "on time", "{:.1%}"),
    ("response_rate", "response", "{:.1%}"),
    ("resolution_rate", "resolved", "{:.1%}"),
    ("satisfaction_rate", "satisfied", "{:.1%}"),
    ("flareups_per_1000", "flare/1k", "{:.1f}"),
    ("mean_utilization", "util", "{:.0%}"),
)


def due_times(t_h: np.ndarray, deadline: Deadline, calendar: WorkingCalendar) -> np.ndarray:
    """Vectorised deadline times (calendar or working time)."""
    if deadline.unit == "h":
        return t_h + deadline.value
    if deadline.unit == "d":
        return t_h + 24.0 * deadline.value
    if deadline.unit == "working_h":
        return np.asarray(calendar.add_working_h(t_h, deadline.value), dtype=float)
    return np.asarray(calendar.add_working_days(t_h, deadline.value), dtype=float)


def derive(cases: dict[str, np.ndarray], response_deadlines: list[Deadline],
           calendar: WorkingCalendar, horizon_h: float, warmup_h: float) -> None:
    """Add ``response_h, resolution_h, response_due_h, on_time_*, flared, warmup`` in place,
    and ``observed_h``: the resolution time, or for a case open at the horizon its age there
    (right-censored; what :func:`km_quantiles` needs)."""
    arrival = cases["t_arrival_h"]
    onsite = cases["t_onsite_h"]
    closed = cases["t_closed_h"]
    cases["response_h"] = onsite - arrival
    cases["resolution_h"] = closed - arrival
    response_due = np.full(arrival.shape, np.nan)
    category = cases["category"]
    for ci, deadline in enumerate(response_deadlines):
        mask = category == ci
        if mask.any():
            response_due[mask] = due_times(arrival[mask], deadline, calendar)
    cases["response_due_h"] = response_due
    with np.errstate(invalid="ignore"):
        cases["on_time_response"] = onsite <= response_due
        cases["on_time_close"] = closed <= cases["close_due_h"]
        end = np.where(np.isnan(closed), horizon_h, closed)
        cases["flared"] = cases["flare_h"] < end - arrival
    # resolution time if closed, else the age at the horizon (right-censored): for percentiles
    cases["observed_h"] = end - arrival
    cases["warmup"] = arrival < warmup_h


def _mean(x: np.ndarray) -> float:
    return float(np.mean(x)) if x.size else math.nan


def _finite(x: np.ndarray) -> np.ndarray:
    return x[~np.isnan(x)]


def summarise(cases: dict[str, np.ndarray], resources: list[dict[str, Any]],
              n_contacts: int) -> dict[str, float]:
    """Headline metrics of one run (post-warm-up cases only)."""
    keep = ~cases["warmup"]
    n = int(keep.sum())
    closed_mask = keep & ~np.isnan(cases["t_closed_h"])
    n_closed = int(closed_mask.sum())
    res = cases["resolution_h"][closed_mask]
    response = cases["response_h"][keep]
    response = response[~np.isnan(response)]
    field = [r for r in resources if r["unit_kind"] in FIELD_KINDS]
    busy = np.array([r["busy_h"] for r in field])
    avail = np.array([r["available_h"] for r in field])
    grid_busy = np.array([r["busy_h"] for r in resources if r["unit_kind"] == "grid"])
    whistle_h = sum(r["whistle_h"] for r in resources if r["unit_kind"] == "department")
    unit_busy: dict[str, float] = {}
    unit_avail: dict[str, float] = {}
    for r in field:
        unit_busy[r["unit"]] = unit_busy.get(r["unit"], 0.0) + r["busy_h"]
        unit_avail[r["unit"]] = unit_avail.get(r["unit"], 0.0) + r["available_h"]
    unit_util = [unit_busy[u] / a for u, a in unit_avail.items() if a > 0]
    whistled = keep & cases["whistled"]
    report_late = cases["report_late_h"][whistled]
    report_late = report_late[~np.isnan(report_late)]
    high = cases["high_risk"]
    wait = cases["wait_h"]

    def rate(mask: np.ndarray, over: int) -> float:
        return float(mask.sum()) / over if over else math.nan

    median_h, p90_h, p95_h = km_quantiles(cases["observed_h"][keep], closed_mask[keep],
                                          (0.5, 0.9, 0.95))
    return {
        "n_arrived": n,
        "n_closed": n_closed,
        "n_open_end": n - n_closed,
        "mean_resolution_h": _mean(res),
        "median_resolution_h": median_h,
        "p90_resolution_h": p90_h,
        "p95_resolution_h": p95_h,
        "mean_response_h": _mean(response),
        "mean_wait_h": _mean(cases["wait_h"][closed_mask]),
        "on_time_response_rate": rate(cases["on_time_response"] & keep, n),
        "on_time_close_rate": rate(cases["on_time_close"] & keep, n),
        "response_rate": rate(cases["on_time_response"] & keep, n),
        "resolution_rate": rate(cases["resolved"] & closed_mask, n_closed),
        "satisfaction_rate": rate(cases["satisfied"] & closed_mask, n_closed),
        "whistles_per_100": 100.0 * rate(whistled, n),
        "whistle_dept_hours": float(whistle_h),
        "mean_report_h": _mean(_finite(cases["report_h"][whistled])),
        "mean_report_late_h": _mean(report_late),
        "report_late_share": float(np.mean(report_late > 0.0)) if report_late.size else math.nan,
        "preemptions_per_100": 100.0 * float(cases["preempted"][keep].sum()) / n if n else math.nan,
        "misroute_rate": float(cases["misroutes"][keep].sum()) / n if n else math.nan,
        "reopen_rate": rate((cases["reopened"] > 0) & closed_mask, n_closed),
        "escalation_rate": rate((cases["escalations"] > 0) & keep, n),
        "flareups_per_1000": 1000.0 * rate(cases["flared"] & keep, n),
        "flareups_high_risk_per_1000": 1000.0 * rate(cases["flared"] & keep & high,
                                                     int((keep & high).sum())),
        "mean_wait_low_risk_h": _mean(wait[closed_mask & ~high]),
        "mean_wait_high_risk_h": _mean(wait[closed_mask & high]),
        "mean_dispatch_h": _mean(_finite(cases["t_dispatched_h"][keep]
                                         - cases["t_arrival_h"][keep])),
        "mean_travel_h": _mean(cases["travel_h"][closed_mask]),
        "mean_utilization": float(busy.sum() / avail.sum()) if avail.sum() > 0 else math.nan,
        "max_unit_utilization": max(unit_util) if unit_util else math.nan,
        "workload_gini": gini(grid_busy),
        "n_contacts": n_contacts,
    }


def backlog(cases: dict[str, np.ndarray], horizon_h: float, step_h: float = 1.0) -> tuple[
        np.ndarray, np.ndarray]:
    """Open cases (arrived, not closed) at every ``step_h`` from 0 to the horizon."""
    t = np.arange(0.0, horizon_h + 1e-9, step_h)
    arrivals = np.sort(cases["t_arrival_h"])
    closes = np.sort(cases["t_closed_h"][~np.isnan(cases["t_closed_h"])])
    open_now = np.searchsorted(arrivals, t, side="right") - np.searchsorted(closes, t, side="right")
    return t, open_now
