"""The hotline as a call centre (呼叫中心): callers who wait, hang up (放弃) and call again (重拨).

Used only when the scenario's hotline has ``callers``; otherwise the hotline is the plain queue
of :meth:`~sim.workflows.closed_loop.stages.Stages.hotline_intake`, untouched. Every hotline
contact is then a :class:`Contact` walked by event callbacks (no process per call):

arrive → self service (IVR 自助语音, contacts that do not become an order, with the scenario's
share) or the operators' line → answered (talk, then the operator is free; a contact that
becomes an order starts its closed loop now, with the id of the next work order) or hung up
after the caller's patience → with the retrial probability a new contact of the same matter
after the retrial delay, else the matter is lost (an order that never was).

Each contact goes into the contact log (``contacts.parquet``, docs/outputs.md) when it is
answered, hangs up or is served by self service; contacts still waiting at the end go in at
:meth:`CallCentre.finish`. Random streams of their own (``intake/patience``, ``intake/retrial``,
``intake/retrial_delay``, ``intake/self_service``): no existing stream shifts.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol

import numpy as np
import simpy

from sim.engine import LeanProcess
from sim.model.call_queue import CallQueue
from sim.model.case_log import CaseLog
from sim.model.team import Team, Worker
from sim.scenario.organisation import Callers
from sim.stochastic.streams import Streams
from sim.workflows.closed_loop.case import Case
from sim.workflows.closed_loop.loop import LoopParts, closed_loop

__all__ = ["CONTACT_COLUMNS", "CallCentre", "Contact", "call_centre_metrics",
           "rates_by_contacts"]

#: (column, numpy dtype) of the contact log, in order (docs/outputs.md, contacts.parquet)
CONTACT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("contact_id", "int64"),
    ("matter_id", "int64"),
    ("case_id", "int64"),
    ("channel", "int32"),
    ("attempt", "int32"),
    ("t_arrival_h", "float64"),
    ("wait_h", "float64"),
    ("talk_h", "float64"),
    ("answered", "bool"),
    ("abandoned", "bool"),
    ("self_service", "bool"),
    ("order", "bool"),
    ("repeat", "bool"),
)
CONTACT_ATTRIBUTES = {"contact_id": "id", "matter_id": "matter"}


class CallCentreLoop(LoopParts, Protocol):
    """What the call centre needs of the closed loop (ClosedLoop provides it): the loop's parts
    for an answered order, the next work-order id, the count of hotline contacts."""

    n_contacts: int

    def take_id(self, case: Case) -> int: ...


class Contact:
    """One call to the hotline (来电); a retry is a new contact of the same matter."""

    __slots__ = ("abandoned", "answered", "attempt", "case", "case_id", "channel", "id",
                 "matter", "order", "repeat", "request", "self_service", "t_arrival_h",
                 "talk_h", "wait_h")

    def __init__(self, contact_id: int, matter: int, channel: int, attempt: int,
                 t_arrival_h: float, case: Case | None):
        self.id = contact_id
        self.matter = matter
        self.channel = channel
        self.attempt = attempt
        self.t_arrival_h = t_arrival_h
        self.case = case  # the work order it becomes once answered (None: answer only)
        self.order = case is not None
        self.case_id = -1
        self.wait_h = 0.0
        self.talk_h = 0.0
        self.answered = False
        self.abandoned = False
        self.self_service = False
        self.repeat = False  # a repeat call (重复来电) about an order already made
        self.request: simpy.Event | None = None


class CallCentre:
    """The hotline's callers: queue with patience, retrials, self service, the contact log."""

    def __init__(self, loop: CallCentreLoop, team: Team, callers: Callers,
                 talk: Callable[[], float] | None, streams: Streams,
                 channel_starts: list[tuple[bool, Callable[[], float] | None]]):
        self.loop = loop
        self.env: simpy.Environment = loop.env
        self.team = team
        self.callers = callers
        self._talk = talk
        p = callers.patience
        self._patience = None if p is None else p.sampler(streams.generator("intake", "patience"))
        r = callers.retrial
        self.retrial_p = 0.0 if r is None else r.p
        self._retrial_u = streams.uniform("intake", "retrial")
        self._retrial_delay = (None if r is None
                               else r.delay.sampler(streams.generator("intake", "retrial_delay")))
        self.self_service_share = callers.self_service_share
        self._self_service_u = streams.uniform("intake", "self_service")
        #: per channel: (via the dispatch desk, the channel's dispatch delay) of its orders
        self._channel_starts = channel_starts
        rc = callers.repeat
        self.repeat_rate_h = 0.0 if rc is None else rc.open_rate_per_day / 24.0
        self.repeat_unsatisfied_p = 0.0 if rc is None else rc.unsatisfied_p
        self._repeat_gap = streams.generator("intake", "repeat")
        self._repeat_u = streams.uniform("intake", "repeat_unsatisfied")
        #: the matter (first contact) of each order, for its repeat calls
        self._matter_of: dict[int, int] = {}
        self.log = CaseLog(CONTACT_COLUMNS, CONTACT_ATTRIBUTES)
        self._waiting: dict[int, Contact] = {}
        self._next_id = 0
        self.lost_orders = 0

    # -- a call ---------------------------------------------------------------------------------
    def arrive(self, channel: int, case: Case | None) -> None:
        """A citizen's first call about a matter, now (``case``: the order it becomes)."""
        contact = Contact(self._next_id, self._next_id, channel, 0, self.env.now, case)
        self._next_id += 1
        if case is None and self.self_service_share > 0.0 \
                and self._self_service_u() < self.self_service_share:
            contact.self_service = contact.answered = True  # served by the IVR, no operator
            self.log.append(contact)
            return
        self._offer(contact)

    def _offer(self, contact: Contact) -> None:
        """The contact joins the operators' line (or is answered at once)."""
        team = self.team
        operator = team.try_acquire(None)
        if operator is not None:
            self._answer(contact, operator)
            return
        request = team.request(None)
        contact.request = request
        request.callbacks.append(lambda event: self._answered(contact, event))
        self._waiting[contact.id] = contact
        if self._patience is not None:
            self.env.timeout(self._patience()).callbacks.append(
                lambda _event: self._hang_up(contact))

    def _answered(self, contact: Contact, request: simpy.Event) -> None:
        operator = request.value
        if operator is None:  # the caller hung up (CallQueue.hang_up)
            return
        del self._waiting[contact.id]
        self._answer(contact, operator)

    def _answer(self, contact: Contact, operator: Worker) -> None:
        env = self.env
        contact.wait_h = env.now - contact.t_arrival_h
        contact.answered = True
        contact.request = None
        talk_h = self._talk() if self._talk is not None else 0.0
        contact.talk_h = talk_h
        case = contact.case
        if case is not None:
            contact.case_id = self.loop.take_id(case)
            if self.repeat_rate_h > 0.0 or self.repeat_unsatisfied_p > 0.0:
                self._matter_of[case.id] = contact.matter
        self.log.append(contact)
        if talk_h > 0.0:
            env.timeout(talk_h).callbacks.append(lambda _event: self._done(operator, case))
        else:
            self._done(operator, case)

    def _done(self, operator: Worker, case: Case | None) -> None:
        """The call ends: the operator is free; an order starts its closed loop (受理 done)."""
        operator.team.release(operator)
        if case is not None:
            via_dispatch, delay = self._channel_starts[case.channel]
            rec = self.loop.events
            if rec is not None:
                rec.answered(case, operator)
            LeanProcess(self.env, closed_loop(self.loop, case, via_dispatch, False, delay,
                                              rec is not None))
            if self.repeat_rate_h > 0.0:
                self._next_repeat(case)

    def _hang_up(self, contact: Contact) -> None:
        request = contact.request
        team = self.team
        assert isinstance(team, CallQueue)  # a hotline whose callers have patience
        if request is None or not team.hang_up(request):
            return  # answered before the caller's patience ran out
        env = self.env
        del self._waiting[contact.id]
        contact.request = None
        contact.abandoned = True
        contact.wait_h = env.now - contact.t_arrival_h
        self.log.append(contact)
        if self.retrial_p > 0.0 and self._retrial_u() < self.retrial_p:
            assert self._retrial_delay is not None
            env.timeout(self._retrial_delay()).callbacks.append(
                lambda _event: self._call_again(contact))
        elif contact.case is not None:
            self.lost_orders += 1  # the caller gave up: the order never was

    def _call_again(self, previous: Contact) -> None:
        """The caller of ``previous`` calls again (重拨): a new contact of the same matter."""
        contact = Contact(self._next_id, previous.matter, previous.channel,
                          previous.attempt + 1, self.env.now, previous.case)
        contact.repeat = previous.repeat
        contact.case_id = previous.case_id if previous.repeat else -1
        self._next_id += 1
        self.loop.n_contacts += 1
        self._offer(contact)

    # -- repeat calls (重复来电) ---------------------------------------------------------------
    @property
    def repeats(self) -> bool:
        """Whether citizens call again about their orders."""
        return self.repeat_rate_h > 0.0 or self.repeat_unsatisfied_p > 0.0

    def _next_repeat(self, case: Case) -> None:
        gap_h = float(self._repeat_gap.exponential(1.0 / self.repeat_rate_h))
        self.env.timeout(gap_h).callbacks.append(lambda _event: self._repeat_open(case))

    def _repeat_open(self, case: Case) -> None:
        """The citizen calls about an order still open (a closed one calls no more)."""
        if case.t_closed_h == case.t_closed_h:  # closed: not NaN
            return
        self._repeat_call(case, self._matter_of[case.id])
        self._next_repeat(case)

    def closed(self, case: Case) -> None:
        """An order closed: unsatisfied, its citizen may call once more (orders that came by
        the hotline only)."""
        matter = self._matter_of.pop(case.id, None)
        if matter is not None and not case.satisfied and self.repeat_unsatisfied_p > 0.0 \
                and self._repeat_u() < self.repeat_unsatisfied_p:
            self._repeat_call(case, matter)

    def _repeat_call(self, case: Case, matter: int) -> None:
        contact = Contact(self._next_id, matter, case.channel, 0, self.env.now, None)
        contact.repeat = True
        contact.case_id = case.id
        self._next_id += 1
        self.loop.n_contacts += 1
        self._offer(contact)

    # -- the end of a run -----------------------------------------------------------------------
    def finish(self, horizon_h: float) -> None:
        """Callers still waiting at the end go into the log, neither answered nor gone."""
        for contact in sorted(self._waiting.values(), key=lambda c: c.id):
            contact.wait_h = horizon_h - contact.t_arrival_h
            self.log.append(contact)
        self._waiting.clear()


def call_centre_metrics(contacts: dict[str, np.ndarray], operator_busy_h: float,
                        operator_available_h: float, service_level_s: float,
                        warmup_h: float) -> dict[str, float]:
    """The call-centre figures of one run (contacts arriving after the warm-up).

    Offered: contacts put to the operators (not served by self service). Service level: share
    of the offered answered within ``service_level_s`` (abandoned calls count as not answered
    in time, the usual definition). Waits to answer: of the contacts answered by an operator.
    Occupancy: the operators' busy hours over their on-shift hours.
    """
    keep = contacts["t_arrival_h"] >= warmup_h
    self_service = contacts["self_service"][keep]
    answered = contacts["answered"][keep]
    abandoned = contacts["abandoned"][keep]
    wait_s = contacts["wait_h"][keep] * 3600.0
    offered = ~self_service
    n_offered = int(offered.sum())
    by_operator = answered & offered
    waits = wait_s[by_operator]
    nan = math.nan
    return {
        "contacts_offered": float(n_offered),
        "contacts_answered_share": float(answered.mean()) if answered.size else nan,
        "self_service_share": float(self_service.mean()) if self_service.size else nan,
        "service_level": (float((by_operator & (wait_s <= service_level_s)).sum() / n_offered)
                          if n_offered else nan),
        "abandonment_rate": float(abandoned.sum() / n_offered) if n_offered else nan,
        "retry_share": (float((contacts["attempt"][keep] > 0).mean()) if answered.size
                        else nan),
        "mean_wait_to_answer_s": float(waits.mean()) if waits.size else nan,
        "p90_wait_to_answer_s": float(np.quantile(waits, 0.9)) if waits.size else nan,
        "operator_occupancy": (operator_busy_h / operator_available_h
                               if operator_available_h > 0.0 else nan),
    }


def rates_by_contacts(cases: dict[str, np.ndarray], contacts: dict[str, np.ndarray],
                      warmup_h: float) -> dict[str, float]:
    """The share of repeat calls (contacts after the warm-up) and the three rates (三率)
    weighting each order by its calls (1 + its repeat calls), as a ranking that counts every
    call does: an order its citizen called about three times counts three times (post-warm-up
    orders; repeats of any time)."""
    repeat_ids = contacts["case_id"][contacts["repeat"] & (contacts["attempt"] == 0)]
    ids = cases["case_id"]
    size = int(ids.max()) + 1 if ids.size else 0
    weight = 1.0 + np.bincount(repeat_ids, minlength=size)[ids] if ids.size else np.zeros(0)
    keep = ~cases["warmup"]
    closed = keep & ~np.isnan(cases["t_closed_h"])

    def rate(hit: np.ndarray, among: np.ndarray) -> float:
        total = float(weight[among].sum())
        return float(weight[hit & among].sum()) / total if total > 0 else math.nan

    in_run = contacts["t_arrival_h"] >= warmup_h
    return {
        "repeat_share": (float(contacts["repeat"][in_run].mean()) if in_run.any()
                         else math.nan),
        "response_rate_by_calls": rate(cases["on_time_response"], keep),
        "resolution_rate_by_calls": rate(cases["resolved"], closed),
        "satisfaction_rate_by_calls": rate(cases["satisfied"], closed),
    }
