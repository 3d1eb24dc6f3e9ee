"""The closed loop (闭环) of one work order, as one readable SimPy process.

receive (受理: hotline intake) → register (立案) → dispatch (派遣) → handle (处置) at each tier
from the entry tier upwards until one solves it (escalating in between) → verify (核查) →
close (结案) → evaluate (评价), reopening when the citizen is not satisfied.

This is one *workflow* among possible others (a one-window approval workflow, 一网通办, would be
another generator function driven by the same :class:`sim.model.Model`). Zero-duration stages
schedule no event, so with every feature off the loop is a plain queue.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.model import Model

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


def closed_loop(model: Model, case: Case, via_dispatch: bool, intake: bool) -> Any:
    """The life of one case; ``model`` supplies the organisation, policies and random draws."""
    env = model.env
    model.open_cases[case.id] = case
    if intake:
        yield from model.hotline_intake(case)
    if model.registration is not None:
        reg_h = model.registration()
        if reg_h > 0.0:
            yield env.timeout(reg_h)
    if via_dispatch:
        yield from model.dispatch_policy.dispatch(case)
    else:
        case.t_dispatched_h = env.now  # discovered and handled by the grid itself (自行处置)

    escalation = model.escalation_policy
    work = model.case_work
    route = case.route
    last = len(route) - 1
    solved_here = case.solvable != "none"
    for step, tier in enumerate(route):
        if step > 0:
            case.escalations += 1
            yield from escalation.escalate(case, route[step - 1], tier)
        succeeds = step == last and solved_here
        duration_h = model.handling_h(case, tier)
        if not succeeds:
            duration_h *= model.attempt_fraction
        yield from work(case, tier, duration_h)
        case.tier_final = tier
    case.resolved = solved_here
    case.t_handled_h = env.now

    while True:
        if model.verification is not None:
            ver_h = model.verification()
            if ver_h > 0.0:
                yield env.timeout(ver_h)
        satisfied = model.evaluate(case, env.now)
        if satisfied or not case.resolved or not model.reopen(case):
            break
        case.reopened += 1  # not satisfied: the matter goes back to the tier that solved it
        yield from work(case, case.tier_final, model.handling_h(case, case.tier_final))
        case.t_handled_h = env.now
    case.satisfied = satisfied
    case.t_closed_h = env.now
    model.close(case)
