"""One replication of a scenario under one policy combination.

:class:`Model` turns a validated :class:`~sim.scenario.Scenario` into SimPy processes: one
arrival stream per channel (a :class:`~sim.engine.Ticker`), one
:func:`~sim.closed_loop.closed_loop` process per case, one shift process per shift pattern.
It owns the organisation (teams of workers), the random streams and the case log; policies
and the workflow call its small methods (``work``, ``handling_h``, ``evaluate`` …).

Randomness: every draw comes from a named stream of :class:`~sim.streams.Streams`. Case
attributes (channel, category, grid, the tier able to solve it, time to flare-up, whether a call
becomes an order, the latent high-risk flag, the uniforms behind a risk classifier's score and a
"strong concern" judgement) are drawn at arrival from per-channel streams, so every policy run on
the same seed sees the very same cases (common random numbers).

The workflow, the shift rule, the joint rule and the order of same-instant events are written
down in docs/model.md.
"""

from __future__ import annotations

import math
import time
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

import numpy as np
import simpy

from sim.calendar import DailyWindow, WorkingCalendar, on_intervals
from sim.engine import Environment, LeanProcess, Ticker, bucket_h_for, quiet_gc
from sim.model.case_log import CaseLog
from sim.model.team import Team, Worker
from sim.policies import DISPATCH, ESCALATION, EscalationPolicy
from sim.scenario.base import ShiftPattern, TeamSpec, parse_window
from sim.scenario.closed_loop import Deadline, PolicySpec
from sim.scenario.routes import route_for
from sim.scenario.scenario import Scenario
from sim.stochastic.arrivals import build_rate, iter_arrival_chunks
from sim.stochastic.streams import Streams
from sim.workflows.closed_loop.case import Case
from sim.workflows.closed_loop.loop import closed_loop


@dataclass
class RunResult:
    """What one replication produced (column arrays, not objects)."""

    cases: dict[str, np.ndarray]
    resources: list[dict[str, Any]]
    labels: dict[str, list[str]]
    horizon_h: float
    warmup_h: float
    n_contacts: int
    wall_time_s: float
    extra: dict[str, float] = field(default_factory=dict)


class Model:
    """Build and run one replication."""

    def __init__(
        self,
        scenario: Scenario,
        seed: int,
        policy: PolicySpec | None = None,
        days: float | None = None,
        trace: bool = False,
        engine: Callable[[], simpy.Environment] = Environment,
    ):
        self.scenario = scenario
        self.policy = policy or scenario.policy_spec()
        self.seed = seed
        # ``engine`` is for the tests that compare a run on plain ``simpy.Environment`` with
        # the lean one (tests/test_engine_equivalence.py), not a user option
        self.env = engine()
        self.streams = Streams(seed)
        cal = scenario.calendar
        self.horizon_h = float(days if days is not None else cal.horizon_days) * 24.0
        self.warmup_h = min(cal.warmup_days * 24.0, self.horizon_h)
        self.calendar = WorkingCalendar(
            cal.start,
            self.horizon_h,
            [DailyWindow(*parse_window(w)) for w in cal.working_hours],
            cal.working_days,
            cal.holidays,
        )
        self.trace: list[tuple[str, int, float, float]] | None = [] if trace else None
        #: (worker id, case id, start_h, end_h) per assignment when tracing (policy battery)
        self.assignments: list[tuple[str, int, float, float]] | None = [] if trace else None
        #: set by a dispatch policy that chooses workers itself: ``acquire(case, tier, team)``
        #: returns a worker now or an event that succeeds with one (see DispatchPolicy)
        self.acquire: Callable[..., Any] | None = None
        #: unit kinds whose ordinary single-worker jobs a whistle may pre-empt (whistle policy)
        self.preempt_kinds: frozenset[str] = frozenset()
        self.open_cases: dict[int, Case] = {}
        self.n_contacts = 0
        self._next_id = 0
        self._build_organisation()
        self._build_categories()
        self._build_stages()
        self.log = CaseLog()
        self.dispatch_policy = self._make_policy(DISPATCH, self.policy.dispatch)
        self.escalation_policy = self._make_policy(ESCALATION, self.policy.escalation)
        self.dispatch_policy.setup()
        self.escalation_policy.setup()
        hook = getattr(self.dispatch_policy, "acquire", None)
        if hook is not None and self.acquire is None:
            self.acquire = hook
        # the workflow calls this for hands-on work; skipping the policy's default work(), which
        # only delegates, saves a generator frame on every resume of every case
        self.case_work = (self.work if type(self.escalation_policy).work is EscalationPolicy.work
                          else self.escalation_policy.work)
        self._start_arrivals()

    # -- construction ---------------------------------------------------------------------
    def _intervals(self, shift_name: str) -> np.ndarray:
        cached = self._shift_cache.get(shift_name)
        if cached is None:
            pattern: ShiftPattern = self.scenario.shift(shift_name)
            cached = on_intervals(
                self.scenario.calendar.start,
                self.horizon_h,
                [DailyWindow(*w) for w in pattern.parsed_windows()],
                pattern.weekday_names(),
                self.scenario.calendar.holidays,
            )
            self._shift_cache[shift_name] = cached
        return cached

    def _team(self, name: str, kind: str, size: int, shift: str, x_km: float, y_km: float,
              speed_kmh: float) -> Team:
        team = Team(self.env, name, kind, size, self._intervals(shift), x_km, y_km, speed_kmh,
                    self.trace, drive_shifts=False)
        team.assignments = self.assignments
        self.teams.append(team)
        self._shift_groups.setdefault(shift, []).append(team)
        return team

    def _start_shift_drivers(self) -> None:
        # one process per shift pattern, not one per team: 30,000 grid teams on one pattern
        # would otherwise keep 30,000 timeouts in the event heap
        # (the teams' own intervals: a team merges touching intervals into one shift)
        for teams in self._shift_groups.values():
            intervals = teams[0].intervals
            if Team.needs_shift_driver(intervals):
                self.env.process(Team.drive_shifts(self.env, teams, intervals))

    def _give_skills(self, team: Team, skills: dict[str, int]) -> None:
        """Deal skills to workers in order, cyclically: {a: 2, b: 3} → a: #1-2, b: #3-5."""
        if not skills or not team.workers:
            return
        team.skilled = True
        n = len(team.workers)
        k = 0
        for skill, count in skills.items():
            bit = self._skill_bit(skill)
            for _ in range(count):
                team.workers[k % n].skills |= bit
                k += 1

    def _skill_bit(self, skill: str) -> int:
        if skill not in self.skill_names:
            self.skill_names.append(skill)
        return 1 << self.skill_names.index(skill)

    def _build_organisation(self) -> None:
        org = self.scenario.organisation
        self._shift_cache: dict[str, np.ndarray] = {}
        self._shift_groups: dict[str, list[Team]] = {}
        self.teams: list[Team] = []
        self.skill_names: list[str] = []
        self.street_ids = [s.id for s in org.streets]
        street_index = {sid: i for i, sid in enumerate(self.street_ids)}
        self.community_ids = [c.id for c in org.communities]
        community_street = [street_index[c.street] for c in org.communities]
        grids = org.all_grids()
        self.grid_ids = [g.id for g in grids]
        community_index = {cid: i for i, cid in enumerate(self.community_ids)}
        self.grid_community = [community_index[g.community] for g in grids]
        self.grid_street = [community_street[c] for c in self.grid_community]
        self.grid_x = [g.x_km for g in grids]
        self.grid_y = [g.y_km for g in grids]
        self.grid_weights_cum = list(accumulate(g.weight for g in grids))
        self.grid_workers = [
            org.grid_workers_per_grid if g.workers is None else g.workers for g in grids
        ]
        self.grid_teams = [
            self._team(f"grid:{g.id}", "grid", n, org.grid_worker_shift, g.x_km, g.y_km,
                       org.grid_worker_speed_kmh)
            for g, n in zip(grids, self.grid_workers, strict=True)
        ]
        for gi, team in enumerate(self.grid_teams):
            team.site = gi
        self.community_teams: list[Team | None] = []
        community_grids: list[list[int]] = [[] for _ in org.communities]
        for g, c in enumerate(self.grid_community):
            community_grids[c].append(g)
        for ci, com in enumerate(org.communities):
            if com.team is None:
                self.community_teams.append(None)
                continue
            if com.location is not None:
                x, y = com.location.x_km, com.location.y_km
            else:
                members = community_grids[ci] or [0]
                x = sum(self.grid_x[g] for g in members) / len(members)
                y = sum(self.grid_y[g] for g in members) / len(members)
            team = self._team(f"community:{com.id}", "community", com.team.size,
                              com.team.shift, x, y, org.grid_worker_speed_kmh)
            self._give_skills(team, com.team.skills)
            self.community_teams.append(team)
        self.street_teams = []
        for s in org.streets:
            spec: TeamSpec = s.team
            team = self._team(f"street:{s.id}", "street", spec.size, spec.shift,
                              s.location.x_km, s.location.y_km, s.speed_kmh)
            self._give_skills(team, spec.skills)
            self.street_teams.append(team)
        self.department_ids = [d.id for d in org.departments]
        self.department_teams = []
        for d in org.departments:
            team = self._team(f"department:{d.id}", "department", d.team_size, d.shift,
                              d.base.x_km, d.base.y_km, d.speed_kmh)
            self._give_skills(team, d.skills)
            self.department_teams.append(team)
        #: the units that handle cases (not the hotline or the dispatch desk)
        self.field_teams: list[Team] = [
            *self.grid_teams,
            *(t for t in self.community_teams if t is not None),
            *self.street_teams,
            *self.department_teams,
        ]
        self.hotline: Team | None = None
        if org.hotline is not None:
            self.hotline = self._team("hotline", "hotline", org.hotline.operators,
                                      org.hotline.shift, 0.0, 0.0, 1.0)
        self.dispatch_desk: Team | None = None
        if org.dispatch_desk is not None:
            self.dispatch_desk = self._team("dispatch", "dispatch", org.dispatch_desk.dispatchers,
                                            org.dispatch_desk.shift, 0.0, 0.0, 1.0)
        self._start_shift_drivers()

    def _build_categories(self) -> None:
        scn = self.scenario
        ladder = list(scn.escalation.ladder)
        owner = {cat: d for d, dept in enumerate(scn.organisation.departments)
                 for cat in dept.categories}
        dept_index = {did: i for i, did in enumerate(self.department_ids)}
        self.category_ids = [c.id for c in scn.categories]
        self.category_owner = [owner.get(c.id, -1) for c in scn.categories]
        # joint departments go in one global order (lock ordering, so no two joint cases can
        # wait on each other): fewest on-shift hours first, then as listed. The lead is thus the
        # hardest department to get, and the others (wider shifts) are summoned once it is there.
        rank = {d: (team.available_h_per_worker, d)
                for d, team in enumerate(self.department_teams)}
        self.category_joint = [sorted({dept_index[d] for d in c.joint_departments},
                                      key=rank.__getitem__)
                               for c in scn.categories]
        self.category_skill_bit = [self._skill_bit(c.skill) if c.skill else 0
                                   for c in scn.categories]
        self.category_unskilled = [c.unskilled_factor for c in scn.categories]
        self.category_flare_risk = [c.flare_risk for c in scn.categories]
        self.category_deadline = [scn.deadline_classes[c.deadline_class]
                                  for c in scn.categories]
        self.deadline_class_names = [c.deadline_class for c in scn.categories]
        #: close deadline as a fixed number of hours after arrival (calendar units), else None
        self._close_after_h = [_calendar_hours(d.close) for d in self.category_deadline]
        self.attempt_fraction = scn.escalation.attempt_fraction
        self._tier_names: list[list[str]] = []
        self._tier_cum: list[list[float]] = []
        self._routes: list[dict[str, list[str]]] = []
        self._routes_grid: list[dict[str, list[str]]] = []
        self._handling: list[dict[str, Callable[[], float]]] = []
        self._handling_mean = [{tier: dist.mean() for tier, dist in cat.handling.items()}
                               for cat in scn.categories]
        grid_start = ladder.index("grid") if "grid" in ladder else 0
        for ci, cat in enumerate(scn.categories):
            names = [t for t, p in cat.tiers.items() if p > 0]
            self._tier_names.append(names)
            self._tier_cum.append(list(accumulate(cat.tiers[t] for t in names)))
            start = ladder.index(cat.entry or ladder[0])
            self._routes.append({t: route_for(ladder, start, t) for t in names})
            self._routes_grid.append({t: route_for(ladder, grid_start, t) for t in names})
            self._handling.append({
                tier: dist.sampler(self.streams.generator("handling", cat.id, tier))
                for tier, dist in cat.handling.items()
            })
            del ci

    def _build_stages(self) -> None:
        scn = self.scenario
        streams = self.streams
        self.registration = (scn.registration.time.sampler(streams.generator("registration"))
                             if scn.registration is not None else None)
        self.verification = (scn.verification.time.sampler(streams.generator("verification"))
                             if scn.verification is not None else None)
        hotline = scn.organisation.hotline
        self._talk = (hotline.talk_time.sampler(streams.generator("intake", "talk"))
                      if hotline is not None and hotline.talk_time is not None else None)
        self.evaluation = scn.evaluation
        self._satisfaction_u = streams.uniform("evaluation", "satisfaction")
        self._reopen_u = streams.uniform("evaluation", "reopen")
        self.travel = scn.travel
        self._within_grid_km = scn.travel.within_grid_km
        self._manhattan = scn.travel.metric == "manhattan"

    def _make_policy(self, registry: dict[str, Any], choice: Any) -> Any:
        cls = registry[choice.name]
        return cls(self, cls.Params.model_validate(choice.params))

    # -- arrivals ---------------------------------------------------------------------------
    def _start_arrivals(self) -> None:
        scn = self.scenario
        self.channel_ids = [ch.id for ch in scn.arrivals.channels]
        shares = {c.id: c.share for c in scn.categories}
        arrivals_per_h = 0.0
        for ci, ch in enumerate(scn.arrivals.channels):
            if ch.rate_per_day is not None:
                per_day = ch.rate_per_day
            else:
                per_day = (ch.rate_per_grid_per_day or 0.0) * len(self.grid_ids)
            per_day *= scn.arrivals.scale
            rate = build_rate(
                scn.calendar.start,
                self.horizon_h,
                per_day,
                ch.hour_profile,
                ch.weekday_profile,
                [(s.start_day * 24.0, s.end_day * 24.0, s.multiplier) for s in ch.surges],
            )
            mix = ch.category_mix or shares
            weights = [mix.get(cid, 0.0) for cid in self.category_ids]
            Ticker(self.env, self._arrivals(ci, ch.id, ch.kind, rate, weights, ch.order_share,
                                            ch.via_dispatch))
            arrivals_per_h += rate.expected_count() / self.horizon_h
        # event-queue buckets of ~BUCKET_EVENTS events (sim.engine.Environment)
        if isinstance(self.env, Environment):
            self.env.set_bucket_h(bucket_h_for(arrivals_per_h))

    def _arrivals(self, channel: int, channel_id: str, kind: str, rate: Any,
                  category_weights: list[float], order_share: float,
                  via_dispatch: bool) -> Iterator[float]:
        """One channel's arrivals; yields the delay to the next one (driven by a Ticker)."""
        env = self.env
        streams = self.streams
        rng = streams.generator("arrivals", channel_id)
        u_category = streams.uniform("category", channel_id)
        u_grid = streams.uniform("location", channel_id)
        u_tier = streams.uniform("tier", channel_id)
        u_flare = streams.uniform("flare", channel_id)
        u_order = streams.uniform("order", channel_id)
        u_high = streams.uniform("flare", "high_risk", channel_id)
        u_score = streams.uniform("flare", "classifier", channel_id)
        u_concern = streams.uniform("escalation", "concern", channel_id)
        cat_cum = list(accumulate(category_weights))
        cat_total = cat_cum[-1]
        grid_cum = self.grid_weights_cum
        grid_total = grid_cum[-1]
        n_cat = len(cat_cum) - 1
        n_grid = len(grid_cum) - 1
        hotline = kind == "hotline"
        intake = hotline and self.hotline is not None
        flare = self.scenario.flareup
        high_share = flare.high_risk_share if flare is not None else 0.0
        high_mult = flare.high_risk_multiplier if flare is not None else 1.0
        routes = self._routes if via_dispatch else self._routes_grid
        close_after_h = self._close_after_h
        cat_cum_a = np.array(cat_cum)
        grid_cum_a = np.array(grid_cum)
        for chunk in iter_arrival_chunks(rate, rng):
            # a day's attribute draws at once, each stream read in arrival order: the very
            # values one draw per arrival would give (UniformBlock.take), far fewer calls
            n = len(chunk)
            categories = _pick(cat_cum_a, u_category.take(n), cat_total, n_cat)
            grids = _pick(grid_cum_a, u_grid.take(n), grid_total, n_grid)
            tier_us = u_tier.take(n).tolist()
            flare_us = u_flare.take(n).tolist()
            if hotline:
                orders = (u_order.take(n) < order_share).tolist()
                n_orders = sum(orders)
            else:
                orders = [True] * n
                n_orders = n
            # drawn for work orders only, in the order they arrive
            highs = iter((u_high.take(n_orders) < high_share).tolist())
            scores = iter(u_score.take(n_orders).tolist())
            concerns = iter(u_concern.take(n_orders).tolist())
            for t_h, category, grid, u_t, u, becomes_order in zip(
                    chunk.tolist(), categories, grids, tier_us, flare_us, orders, strict=True):
                if t_h > env.now:
                    yield t_h - env.now
                # the case arrives at the simulation clock (now + (t_h - now) may round an ulp
                # below t_h, and no stage may start before the recorded arrival)
                t_h = env.now
                if hotline:
                    self.n_contacts += 1
                if not becomes_order:
                    if intake:
                        self._answer_only()
                    continue
                names = self._tier_names[category]
                if len(names) == 1:
                    solvable = names[0]
                else:
                    tier_cum = self._tier_cum[category]
                    solvable = names[min(bisect_right(tier_cum, u_t * tier_cum[-1]),
                                         len(names) - 1)]
                high = next(highs)
                risk = self.category_flare_risk[category]
                if high:
                    risk *= high_mult
                if flare is None or risk <= 0.0:
                    flare_h = math.inf
                else:
                    flare_h = flare.scale_h * (-math.log1p(-u) / risk) ** (1.0 / flare.shape)
                case = Case(self._next_id, channel, category, grid, self.grid_street[grid],
                            solvable, routes[category][solvable], t_h, flare_h, high,
                            next(scores), next(concerns))
                self._next_id += 1
                after_h = close_after_h[category]
                case.close_due_h = (t_h + after_h if after_h is not None
                                    else self.due_h(t_h, self.category_deadline[category].close))
                LeanProcess(env, closed_loop(self, case, via_dispatch, intake))

    # -- stages the workflow calls --------------------------------------------------------
    def due_h(self, t_h: float, deadline: Deadline) -> float:
        """Deadline time for an event at ``t_h`` (calendar or working time, 工作日)."""
        unit = deadline.unit
        if unit == "h":
            return t_h + deadline.value
        if unit == "d":
            return t_h + 24.0 * deadline.value
        if unit == "working_h":
            return float(self.calendar.add_working_h(t_h, deadline.value))
        return float(self.calendar.add_working_days(t_h, deadline.value))

    def hotline_intake(self, case: Case | None) -> Iterator[simpy.Event]:
        """An operator answers the call (受理): queue, talk time, release."""
        team = self.hotline
        assert team is not None
        operator = team.try_acquire(case)
        if operator is None:
            operator = yield team.request(case)
        if self._talk is not None:
            talk_h = self._talk()
            if talk_h > 0.0:
                yield self.env.timeout(talk_h)
        team.release(operator)

    def _answer_only(self) -> None:
        """A contact answered at the desk that does not become a work order.

        The steps of :meth:`hotline_intake` as event callbacks, not a process: such contacts
        outnumber the orders (1.24 per order in district.yaml) and nothing waits for them, so
        a generator and a process each would be pure overhead. Same draws, same events, same
        order of events as the process.
        """
        team = self.hotline
        assert team is not None
        operator = team.try_acquire(None)
        if operator is None:
            team.request(None).callbacks.append(self._answer_with)
        else:
            self._talk_then_release(operator)

    def _answer_with(self, request: simpy.Event) -> None:
        self._talk_then_release(request.value)

    def _talk_then_release(self, operator: Worker) -> None:
        if self._talk is not None:
            talk_h = self._talk()
            if talk_h > 0.0:
                self.env.timeout(talk_h).callbacks.append(_Release(operator))
                return
        operator.team.release(operator)

    def handling_h(self, case: Case, tier: str) -> float:
        """Hands-on handling hours for ``case`` at ``tier`` (per category and tier stream)."""
        return self._handling[case.category][tier]()

    def mean_handling_h(self, category: int, tier: str) -> float:
        """Mean handling hours of a category at a tier (for policies that plan ahead)."""
        return self._handling_mean[category].get(tier, 0.0)

    def tier_label(self, kind: str) -> str:
        """Display label of a tier kind (``escalation.tier_labels``, e.g. village/township)."""
        return self.scenario.escalation.tier_label(kind)

    def teams_for(self, case: Case, tier: str) -> list[Team]:
        """The unit(s) that handle ``case`` at ``tier`` under the dispatch catalogue.

        For ``joint`` the departments come in the global summons order (fewest on-shift hours
        first, then as listed in ``organisation.departments``); the first is the lead.
        """
        if tier == "grid":
            return [self.grid_teams[case.grid]]
        if tier == "street":
            return [self.street_teams[case.street]]
        if tier == "community":
            team = self.community_teams[self.grid_community[case.grid]]
            assert team is not None
            return [team]
        if tier == "department":
            return [self.department_teams[self.category_owner[case.category]]]
        return [self.department_teams[d] for d in self.category_joint[case.category]]

    def distance_km(self, x_km: float, y_km: float, grid: int) -> float:
        """Distance from a point to the centre of ``grid`` (the scenario's travel metric)."""
        dx = self.grid_x[grid] - x_km
        dy = self.grid_y[grid] - y_km
        return abs(dx) + abs(dy) if self._manhattan else math.hypot(dx, dy)

    def travel_h(self, worker: Worker, case: Case) -> float:
        """Travel time of ``worker`` to the case's grid; the worker is then at the grid.

        Grid workers stay based in their own grid: inside it they walk ``within_grid_km``; a
        neighbouring grid's worker (algorithmic dispatch with a pool radius) walks over first and
        back afterwards (:meth:`return_h`).
        """
        if not self.travel.enabled:
            return 0.0
        team = worker.team
        if team.kind == "grid":
            site = team.site
            if site == case.grid or site < 0:
                return self._within_grid_km / team.speed_kmh
            return (self.distance_km(worker.x_km, worker.y_km, case.grid)
                    + self._within_grid_km) / team.speed_kmh
        gx = self.grid_x[case.grid]
        gy = self.grid_y[case.grid]
        dx = gx - worker.x_km
        dy = gy - worker.y_km
        dist = abs(dx) + abs(dy) if self._manhattan else math.hypot(dx, dy)
        worker.x_km = gx
        worker.y_km = gy
        return dist / team.speed_kmh

    def return_h(self, worker: Worker, case: Case) -> float:
        """Walk back of a grid worker lent to another grid (0 for everyone else)."""
        team = worker.team
        if team.site < 0 or team.site == case.grid or not self.travel.enabled:
            return 0.0
        return self.distance_km(worker.x_km, worker.y_km, case.grid) / team.speed_kmh

    def work(self, case: Case, tier: str, duration_h: float, priority: bool = False,
             report_due_h: float | None = None) -> Iterator[simpy.Event]:
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
        whistle hours of the department workers.
        """
        env = self.env
        teams = self.teams_for(case, tier)
        t0 = env.now
        acquire = self.acquire
        workers: list[Worker] = []
        for team in teams:
            if priority or workers:
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
        travel_h = 0.0
        if self.travel.enabled:
            for worker in workers:
                leg_h = self.travel_h(worker, case)
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
            back_h = self.return_h(worker, case) if worker.team.site >= 0 else 0.0
            if back_h > 0.0:
                worker.travel_h += back_h
                # the case goes on; the worker is busy until back in their own grid
                env.timeout(back_h).callbacks.append(_Release(worker))
            else:
                worker.team.release(worker)

    def _skill_factor(self, workers: list[Worker], skill: int, category: int) -> float:
        """Handling multiplier: a unit that declares skills sent nobody with the one needed."""
        skilled_unit = False
        for worker in workers:
            if worker.skills & skill:
                return 1.0
            skilled_unit = skilled_unit or worker.team.skilled
        return self.category_unskilled[category] if skilled_unit else 1.0

    def _preemptible(self, worker: Worker, case: Case, block_h: float) -> Iterator[Any]:
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
                leg_h = self.travel_h(worker, case)
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
        x_km, y_km = team.home
        lead_h = self.distance_km(x_km, y_km, case.grid) / team.speed_kmh \
            if self.travel.enabled else 0.0
        fire_h = max(env.now, due_h - lead_h)

        def enforce(_event: simpy.Event) -> None:
            if not request.triggered:
                team.preempt()

        env.timeout(fire_h - env.now).callbacks.append(enforce)

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

    def close(self, case: Case) -> None:
        del self.open_cases[case.id]
        self.log.append(case)

    # -- running ------------------------------------------------------------------------------
    def run(self) -> RunResult:
        """Run to the horizon and collect the results."""
        started = time.perf_counter()
        with quiet_gc():
            return self._run(started)

    def _run(self, started: float) -> RunResult:
        """:meth:`run` inside the garbage-collection guard."""
        self.env.run(until=self.horizon_h)
        for team in self.teams:
            team.finish(self.horizon_h)
        horizon_h = self.horizon_h
        for case in sorted(self.open_cases.values(), key=lambda c: c.id):
            # times recorded ahead (on site after travel) that the run did not reach are unknown
            if case.t_onsite_h > horizon_h:
                case.t_onsite_h = math.nan
            if case.whistled and not case.t_whistle_h + case.report_h <= horizon_h:
                case.report_h = math.nan  # whistled, not every team there by the end
                case.report_late_h = max(0.0, horizon_h - case.report_due_h)
            self.log.append(case)
        cases = self.log.to_arrays()
        wall = time.perf_counter() - started
        return RunResult(
            cases=cases,
            resources=self.resource_rows(),
            labels={
                "channel": self.channel_ids,
                "category": self.category_ids,
                "grid": self.grid_ids,
                "street": self.street_ids,
                "deadline_class": self.deadline_class_names,
            },
            horizon_h=self.horizon_h,
            warmup_h=self.warmup_h,
            n_contacts=self.n_contacts,
            wall_time_s=wall,
        )

    def resource_rows(self) -> list[dict[str, Any]]:
        rows = []
        for team in self.teams:
            available = team.available_h_per_worker
            for w in team.workers:
                rows.append({
                    "unit": team.name,
                    "unit_kind": team.kind,
                    "worker": w.id,
                    "x_km": w.x_km if team.kind == "grid" else _home(team)[0],
                    "y_km": w.y_km if team.kind == "grid" else _home(team)[1],
                    "available_h": available,
                    "busy_h": w.busy_h,
                    "travel_h": w.travel_h,
                    "overtime_h": w.overtime_h,
                    "whistle_h": w.whistle_h,
                    "utilization": w.busy_h / available if available > 0 else math.nan,
                    "cases_handled": w.cases,
                })
        return rows


def _calendar_hours(deadline: Deadline) -> float | None:
    """Hours of a deadline in calendar units (``due_h`` is then ``t_h`` + this), else None."""
    if deadline.unit == "h":
        return deadline.value
    if deadline.unit == "d":
        return 24.0 * deadline.value
    return None


def _pick(cum: np.ndarray, u: np.ndarray, total: float, last: int) -> list[int]:
    """Indices drawn by inverse CDF: ``min(bisect_right(cum, u * total), last)`` per ``u``."""
    return np.minimum(np.searchsorted(cum, u * total, side="right"), last).tolist()


def _home(team: Team) -> tuple[float, float]:
    return team.home


class _Release:
    """Event callback that releases a worker (a grid worker back in their own grid)."""

    __slots__ = ("worker",)

    def __init__(self, worker: Worker):
        self.worker = worker

    def __call__(self, _event: simpy.Event) -> None:
        self.worker.team.release(self.worker)
