"""The stages of the closed loop that take time or draw: hotline intake (受理), work at a tier
(处置: queue, travel, handle — with joint summonses, whistles and their pre-emption), the
citizen's evaluation (评价) and reopening.

:class:`Stages` holds them for :class:`~sim.workflows.closed_loop.workflow.ClosedLoop`, which
builds the state they read (declared below). Policies reach :meth:`Stages.work` through
:class:`~sim.policies.context.PolicyContext`. Written for the hot loop: plain attributes,
``x != x`` as the NaN test of a time not yet recorded, no generator for a step that takes no
time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import Any, cast

import numpy as np
import simpy

from sim.model.team import Team, Worker
from sim.model.units import Units
from sim.scenario.closed_loop import Evaluation
from sim.stochastic.streams import UniformBlock
from sim.workflows.closed_loop.case import Case
from sim.workflows.closed_loop.events import EventRecorder

__all__ = ["Stages"]

#: a stage the loop drives with ``yield from``: it yields events and receives their values
#: (the worker a request hands over), and may return one
Process = Generator[simpy.Event, Any, Any]


class Stages:
    """Intake, work, evaluation and reopening of cases (state set by the workflow)."""

    env: simpy.Environment
    units: Units
    #: per category (index): the department that owns it, joint departments in summons order,
    #: the skill bit it needs and the handling multiplier without it
    category_owner: list[int]
    category_joint: list[list[int]]
    category_skill_bit: list[int]
    category_unskilled: list[float]
    #: a dispatch policy's own choice of the lead worker (None: the unit's queue)
    acquire: Callable[..., Any] | None
    #: kinds of units whose ordinary single-worker jobs a whistle may pre-empt
    preempt_kinds: frozenset[str]
    #: department team → its on-call roster (值班); None: no department keeps one
    on_call: dict[Team, Team] | None
    _talk: Callable[[], float] | None
    evaluation: Evaluation | None
    _satisfaction_u: UniformBlock
    _reopen_u: UniformBlock
    #: the event log's recorder (None: the run keeps no event log)
    events: EventRecorder | None

    # -- receive (受理) -------------------------------------------------------------------------
    def hotline_intake(self, case: Case | None) -> Process:
        """An operator answers the call (受理): queue, talk time, release; returns the operator
        (for the event log)."""
        team = self.units.hotline
        assert team is not None
        operator = team.try_acquire(case)
        if operator is None:
            operator = yield team.request(case)
        if self._talk is not None:
            talk_h = self._talk()
            if talk_h > 0.0:
                yield self.env.timeout(talk_h)
        team.release(operator)
        return operator

    def answer_only(self) -> None:
        """A contact answered at the desk that does not become a work order.

        The steps of :meth:`hotline_intake` as event callbacks, not a process: such contacts
        outnumber the orders (1.24 per order in district.yaml) and nothing waits for them, so
        a generator and a process each would be pure overhead. Same draws, same events, same
        order of events as the process (tests/test_engine_equivalence.py).
        """
        team = self.units.hotline
        assert team is not None
        operator = team.try_acquire(None)
        if operator is None:
            team.request(None).callbacks.append(self._answer_with)
        else:
            self._talk_then_release(operator)

    def _answer_with(self, request: simpy.Event) -> None:
        self._talk_then_release(cast(Worker, request.value))

    def _talk_then_release(self, operator: Worker) -> None:
        if self._talk is not None:
            talk_h = self._talk()
            if talk_h > 0.0:
                self.env.timeout(talk_h).callbacks.append(_Release(operator))
                return
        operator.team.release(operator)

    # -- handle (处置) --------------------------------------------------------------------------
    def teams_for(self, case: Case, tier: str) -> list[Team]:
        """The unit(s) that handle ``case`` at ``tier`` under the dispatch catalogue.

        For ``joint`` the departments come in the global summons order (fewest on-shift hours
        first, then as listed in ``organisation.departments``); the first is the lead.
        """
        units = self.units
        if tier == "grid":
            return [units.grid_teams[case.grid]]
        if tier == "street":
            return [units.street_teams[case.street]]
        if tier == "community":
            team = units.community_teams[units.grid_community[case.grid]]
            assert team is not None
            return [team]
        if tier == "department":
            return [units.department_teams[self.category_owner[case.category]]]
        return [units.department_teams[d] for d in self.category_joint[case.category]]

    def work(self, case: Case, tier: str, duration_h: float, priority: bool = False,
             report_due_h: float | None = None) -> Process:
        """Queue for the unit(s) at ``tier``, travel, handle for ``duration_h``, release.

        The lead unit (the only one, or the first joint department) is taken through the dispatch
        policy's ``acquire`` hook when it has one (algorithmic worker choice), else from the
        unit's ordinary queue. Joint cases (联合处置): the other departments are then summoned
        ahead of their own queues, in one global department order (no deadlock); the case
        starts when the last one is on site and all stay until it is done (事不完人不撤).
        ``priority`` summons even the lead ahead of its queue (a whistle, 吹哨). With
        ``report_due_h`` (a whistle's report deadline) the lateness of the last team on site is
        recorded, a summons still waiting when the deadline nears pre-empts an ordinary job of
        the department (when the escalation policy enables it), and the hours are counted as
        whistle hours of the department workers. Returns the lead worker who finished (for the
        event log: another one than started if a whistle pre-empted the job).
        """
        env = self.env
        units = self.units
        teams = self.teams_for(case, tier)
        t0 = env.now
        acquire = self.acquire
        rec = self.events
        workers: list[Worker] = []
        for team in teams:
            if priority or workers:
                if report_due_h is not None and self.on_call is not None:
                    team = self._duty_team(team, case, report_due_h)
                worker = team.try_acquire(case, True)
                if worker is None:
                    request = team.request(case, True)
                    if report_due_h is not None and self.preempt_kinds:
                        self._enforce_report(team, request, case, report_due_h)
                    worker = yield request
            elif acquire is None:
                worker = team.try_acquire(case)
                if worker is None:
                    worker = yield team.request(case)
            else:
                got = acquire(case, tier, team)
                worker = got if got.__class__ is Worker else (yield got)
            workers.append(worker)
        now = env.now
        case.wait_h += now - t0
        if case.t_start_h != case.t_start_h:
            case.t_start_h = now
        if rec is not None:
            rec.handling(case, tier, workers[0])
        travel_h = 0.0
        if units.travel_on:
            for worker in workers:
                leg_h = units.travel_h(worker, case.grid)
                worker.travel_h += leg_h
                if leg_h > travel_h:
                    travel_h = leg_h
            case.travel_h += travel_h
        onsite_h = now + travel_h
        if case.t_onsite_h != case.t_onsite_h:
            case.t_onsite_h = onsite_h
        if report_due_h is not None:
            case.report_h = onsite_h - case.t_whistle_h
            case.report_late_h = max(0.0, onsite_h - report_due_h)
        skill = self.category_skill_bit[case.category]
        if skill:
            duration_h *= self._skill_factor(workers, skill, case.category)
        case.handle_h += duration_h
        total_h = travel_h + duration_h
        if total_h > 0.0:
            if (len(workers) == 1 and not priority
                    and workers[0].team.kind in self.preempt_kinds):
                workers[0] = yield from self._preemptible(workers[0], case, total_h)
            else:
                yield env.timeout(total_h)
        for worker in workers:
            if report_due_h is not None:
                worker.whistle_h += env.now - worker.busy_since
            back_h = units.return_h(worker, case.grid) if worker.team.site >= 0 else 0.0
            if back_h > 0.0:
                worker.travel_h += back_h
                # the case goes on; the worker is busy until back in their own grid
                env.timeout(back_h).callbacks.append(_Release(worker))
            else:
                worker.team.release(worker)
        return workers[0]

    def _duty_team(self, team: Team, case: Case, due_h: float) -> Team:
        """Who answers a whistle's summons: the department's own team while anyone of it is on
        duty (a late summons pre-empts one of their jobs) or when its next shift still gets
        it on site by the report deadline; otherwise its on-call roster, if on duty now."""
        duty = self.on_call.get(team) if self.on_call is not None else None
        if duty is None or any(w.on_shift for w in team.workers):
            return team
        now = self.env.now
        starts = team.intervals[:, 0] if len(team.intervals) else np.empty(0)
        i = int(np.searchsorted(starts, now))
        next_on_h = float(starts[i]) if i < len(starts) else math.inf  # never on duty again
        units = self.units
        x_km, y_km = team.home
        lead_h = (units.distance_km(x_km, y_km, case.grid) / team.speed_kmh
                  if units.travel_on else 0.0)
        if next_on_h + lead_h <= due_h or not any(w.on_shift for w in duty.workers):
            return team
        return duty

    def _skill_factor(self, workers: list[Worker], skill: int, category: int) -> float:
        """Handling multiplier: a unit that declares skills sent nobody with the one needed."""
        skilled_unit = False
        for worker in workers:
            if worker.skills & skill:
                return 1.0
            skilled_unit = skilled_unit or worker.team.skilled
        return self.category_unskilled[category] if skilled_unit else 1.0

    def _preemptible(self, worker: Worker, case: Case,
                     block_h: float) -> Generator[simpy.Event, Any, Worker]:
        """Travel + handling that a whistle may interrupt (pre-empt-resume).

        When the worker is pulled away the remaining time is kept; the case queues in the
        unit's resume lane (after summonses, before the ordinary queue), and whoever takes it
        up travels to the site again and finishes the remaining work. Returns the worker who
        finished.
        """
        env = self.env
        process = env.active_process
        end_h = env.now + block_h
        while True:
            worker.holder = process
            try:
                yield env.timeout(end_h - env.now)
            except simpy.Interrupt:
                remaining_h = end_h - env.now
                if remaining_h <= 1e-9:  # pulled away at the very end: the job is done
                    return worker
                case.preempted += 1
                team = worker.team
                request = team.request_resume(case)  # queue first, then hand the worker over
                team.release(worker)
                t1 = env.now
                worker = yield request
                case.wait_h += env.now - t1
                leg_h = self.units.travel_h(worker, case.grid)
                worker.travel_h += leg_h
                case.travel_h += leg_h
                end_h = env.now + leg_h + remaining_h
                continue
            worker.holder = None
            return worker

    def _enforce_report(self, team: Team, request: simpy.Event, case: Case,
                        due_h: float) -> None:
        """If the summons still waits when the team must leave to be on time, pre-empt a job."""
        env = self.env
        units = self.units
        x_km, y_km = team.home
        lead_h = units.distance_km(x_km, y_km, case.grid) / team.speed_kmh \
            if units.travel_on else 0.0
        fire_h = max(env.now, due_h - lead_h)

        def enforce(_event: simpy.Event) -> None:
            if not request.triggered:
                team.preempt()

        env.timeout(fire_h - env.now).callbacks.append(enforce)

    def enable_preemption(self, kinds: Any) -> None:
        """Let a whistle pre-empt ordinary single-worker jobs of units of these kinds."""
        self.preempt_kinds = frozenset(kinds)

    # -- evaluate (评价) ------------------------------------------------------------------------
    def evaluate(self, case: Case, now_h: float) -> bool:
        """The citizen's evaluation: satisfied with a probability falling with lateness."""
        if not case.resolved:
            return False
        ev = self.evaluation
        if ev is None:
            return True
        late_h = now_h - case.close_due_h
        if late_h <= 0.0:
            p = ev.satisfied_p_on_time
        else:
            p = ev.satisfied_p_floor + (ev.satisfied_p_on_time - ev.satisfied_p_floor) * math.exp(
                -late_h / ev.lateness_scale_h
            )
        return self._satisfaction_u() < p

    def reopen(self, case: Case) -> bool:
        """Whether an unsatisfied case is reopened (capped by ``max_reopens``)."""
        ev = self.evaluation
        if ev is None or case.reopened >= ev.max_reopens:
            return False
        return self._reopen_u() < ev.reopen_p


class _Release:
    """Event callback that releases a worker (a grid worker back in their own grid)."""

    __slots__ = ("worker",)

    def __init__(self, worker: Worker):
        self.worker = worker

    def __call__(self, _event: simpy.Event) -> None:
        self.worker.team.release(self.worker)
