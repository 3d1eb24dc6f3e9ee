"""The work order (工单) as a record: every field the case log keeps, and nothing that acts."""

from __future__ import annotations

import math

NAN = math.nan


class Case:
    """A work order (工单) in flight. Fields go into the case log when it closes."""

    __slots__ = (
        "category",
        "channel",
        "close_due_h",
        "concern_u",
        "escalations",
        "flare_h",
        "grid",
        "handle_h",
        "high_risk",
        "id",
        "misroutes",
        "preempted",
        "reopened",
        "report_due_h",
        "report_h",
        "report_late_h",
        "resolved",
        "risk",
        "risk_u",
        "route",
        "satisfied",
        "solvable",
        "street",
        "t_arrival_h",
        "t_closed_h",
        "t_dispatched_h",
        "t_handled_h",
        "t_onsite_h",
        "t_start_h",
        "t_whistle_h",
        "tier_final",
        "travel_h",
        "wait_h",
        "whistled",
    )

    def __init__(self, case_id: int, channel: int, category: int, grid: int, street: int,
                 solvable: str, route: list[str], t_arrival_h: float, flare_h: float,
                 high_risk: bool = False, risk_u: float = 0.5, concern_u: float = 1.0):
        self.id = case_id
        self.channel = channel
        self.category = category
        self.grid = grid
        self.street = street
        self.solvable = solvable
        self.route = route
        self.t_arrival_h = t_arrival_h
        self.flare_h = flare_h
        # latent attributes drawn at arrival (identical under every policy): the true high-risk
        # flag, the uniform behind a risk classifier's score, the uniform behind "strong concern"
        self.high_risk = high_risk
        self.risk_u = risk_u
        self.concern_u = concern_u
        self.risk = NAN  # predicted risk score, when a risk-aware policy computed one
        self.close_due_h = math.inf
        self.t_dispatched_h = NAN
        self.t_start_h = NAN
        self.t_onsite_h = NAN
        self.t_handled_h = NAN
        self.t_closed_h = NAN
        self.wait_h = 0.0
        self.travel_h = 0.0
        self.handle_h = 0.0
        self.escalations = 0
        self.misroutes = 0
        self.reopened = 0
        self.whistled = False
        self.t_whistle_h = NAN
        self.report_due_h = NAN
        self.report_h = NAN  # whistle → every summoned department on site
        self.report_late_h = NAN
        self.preempted = 0  # times its worker was pulled away by a whistle
        self.tier_final = ""
        self.resolved = False
        self.satisfied = False

    def mark_dispatched(self, now_h: float) -> None:
        """Record the first dispatch decision (a redispatch after a misroute keeps it)."""
        if self.t_dispatched_h != self.t_dispatched_h:  # NaN: no decision yet
            self.t_dispatched_h = now_h
