"""One replication of a scenario under one policy combination.

:class:`Model` turns a validated :class:`~sim.scenario.Scenario` into SimPy processes: one
arrival process per channel, one :func:`~sim.closed_loop.closed_loop` process per case, shift
processes for teams. It owns the organisation (teams of workers), the random streams and the case
log; policies and the workflow call its small methods (``work``, ``handling_h``, ``evaluate`` …).

Randomness: every draw comes from a named stream of :class:`~sim.streams.Streams`. Case
attributes (channel, category, grid, the tier able to solve it, time to flare-up, whether a call
becomes an order) are drawn at arrival from per-channel streams, so every policy run on the same
seed sees the very same cases (common random numbers).
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

from sim.arrivals import build_rate, iter_arrival_chunks
from sim.calendar import DailyWindow, WorkingCalendar, on_intervals
from sim.case_log import CaseLog
from sim.closed_loop import Case, closed_loop
from sim.policies import DISPATCH, ESCALATION
from sim.scenario import Deadline, PolicySpec, Scenario, ShiftPattern, parse_window, route_for
from sim.streams import Streams
from sim.team import Team, Worker


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
    ):
        self.scenario = scenario
        self.policy = policy or scenario.policy
        self.seed = seed
        self.env = simpy.Environment()
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
                    self.trace)
        self.teams.append(team)
        return team

    def _build_organisation(self) -> None:
        org = self.scenario.organisation
        self._shift_cache: dict[str, np.ndarray] = {}
        self.teams: list[Team] = []
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
        self.community_teams: list[Team | None] = []
        for ci, com in enumerate(org.communities):
            if com.team is None:
                self.community_teams.append(None)
                continue
            if com.location is not None:
                x, y = com.location.x_km, com.location.y_km
            else:
                members = [g for g, c in enumerate(self.grid_community) if c == ci] or [0]
                x = sum(self.grid_x[g] for g in members) / len(members)
                y = sum(self.grid_y[g] for g in members) / len(members)
            self.community_teams.append(
                self._team(f"community:{com.id}", "community", com.team.size, com.team.shift,
                           x, y, org.grid_worker_speed_kmh)
            )
        self.street_teams = [
            self._team(f"street:{s.id}", "street", s.team.size, s.team.shift, s.location.x_km,
                       s.location.y_km, s.speed_kmh)
            for s in org.streets
        ]
        self.department_ids = [d.id for d in org.departments]
        self.department_teams = [
            self._team(f"department:{d.id}", "department", d.team_size, d.shift, d.base.x_km,
                       d.base.y_km, d.speed_kmh)
            for d in org.departments
        ]
        self.hotline: Team | None = None
        if org.hotline is not None:
            self.hotline = self._team("hotline", "hotline", org.hotline.operators,
                                      org.hotline.shift, 0.0, 0.0, 1.0)
        self.dispatch_desk: Team | None = None
        if org.dispatch_desk is not None:
            self.dispatch_desk = self._team("dispatch", "dispatch", org.dispatch_desk.dispatchers,
                                            org.dispatch_desk.shift, 0.0, 0.0, 1.0)

    def _build_categories(self) -> None:
        scn = self.scenario
        ladder = list(scn.escalation.ladder)
        owner = {cat: d for d, dept in enumerate(scn.organisation.departments)
                 for cat in dept.categories}
        dept_index = {did: i for i, did in enumerate(self.department_ids)}
        self.category_ids = [c.id for c in scn.categories]
        self.category_owner = [owner.get(c.id, -1) for c in scn.categories]
        self.category_joint = [[dept_index[d] for d in c.joint_departments]
                               for c in scn.categories]
        self.category_flare_risk = [c.flare_risk for c in scn.categories]
        self.category_deadline = [scn.deadline_classes[c.deadline_class]
                                  for c in scn.categories]
        self.deadline_class_names = [c.deadline_class for c in scn.categories]
        self.attempt_fraction = scn.escalation.attempt_fraction
        self._tier_names: list[list[str]] = []
        self._tier_cum: list[list[float]] = []
        self._routes: list[dict[str, list[str]]] = []
        self._routes_grid: list[dict[str, list[str]]] = []
        self._handling: list[dict[str, Callable[[], float]]] = []
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
            self.env.process(self._arrivals(ci, ch.id, ch.kind, rate, weights, ch.order_share,
                                            ch.via_dispatch))

    def _arrivals(self, channel: int, channel_id: str, kind: str, rate: Any,
                  category_weights: list[float], order_share: float,
                  via_dispatch: bool) -> Iterator[simpy.Event]:
        env = self.env
        streams = self.streams
        rng = streams.generator("arrivals", channel_id)
        u_category = streams.uniform("category", channel_id)
        u_grid = streams.uniform("location", channel_id)
        u_tier = streams.uniform("tier", channel_id)
        u_flare = streams.uniform("flare", channel_id)
        u_order = streams.uniform("order", channel_id)
        cat_cum = list(accumulate(category_weights))
        cat_total = cat_cum[-1]
        grid_cum = self.grid_weights_cum
        grid_total = grid_cum[-1]
        n_cat = len(cat_cum) - 1
        n_grid = len(grid_cum) - 1
        hotline = kind == "hotline"
        intake = hotline and self.hotline is not None
        flare = self.scenario.flareup
        routes = self._routes if via_dispatch else self._routes_grid
        for chunk in iter_arrival_chunks(rate, rng):
            for t_h in chunk.tolist():
                if t_h > env.now:
                    yield env.timeout(t_h - env.now)
                # draws in a fixed order per arrival: identical across policies
                category = min(bisect_right(cat_cum, u_category() * cat_total), n_cat)
                grid = min(bisect_right(grid_cum, u_grid() * grid_total), n_grid)
                names = self._tier_names[category]
                tier_cum = self._tier_cum[category]
                solvable = names[min(bisect_right(tier_cum, u_tier() * tier_cum[-1]),
                                     len(names) - 1)]
                u = u_flare()
                becomes_order = (not hotline) or u_order() < order_share
                if hotline:
                    self.n_contacts += 1
                if not becomes_order:
                    if intake:
                        env.process(self._answer_only())
                    continue
                risk = self.category_flare_risk[category]
                if flare is None or risk <= 0.0:
                    flare_h = math.inf
                else:
                    flare_h = flare.scale_h * (-math.log1p(-u) / risk) ** (1.0 / flare.shape)
                case = Case(self._next_id, channel, category, grid, self.grid_street[grid],
                            solvable, routes[category][solvable], t_h, flare_h)
                self._next_id += 1
                case.close_due_h = self.due_h(t_h, self.category_deadline[category].close)
                env.process(closed_loop(self, case, via_dispatch, intake))

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

    def _answer_only(self) -> Iterator[simpy.Event]:
        """A contact answered at the desk that does not become a work order."""
        yield from self.hotline_intake(None)

    def handling_h(self, case: Case, tier: str) -> float:
        """Hands-on handling hours for ``case`` at ``tier`` (per category and tier stream)."""
        return self._handling[case.category][tier]()

    def teams_for(self, case: Case, tier: str) -> list[Team]:
        """The unit(s) that handle ``case`` at ``tier`` under the dispatch catalogue."""
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

    def travel_h(self, worker: Worker, case: Case) -> float:
        """Travel time of ``worker`` to the case's grid; the worker is then at the grid."""
        if not self.travel.enabled:
            return 0.0
        team = worker.team
        if team.kind == "grid":
            return self._within_grid_km / team.speed_kmh
        gx = self.grid_x[case.grid]
        gy = self.grid_y[case.grid]
        dx = gx - worker.x_km
        dy = gy - worker.y_km
        dist = abs(dx) + abs(dy) if self._manhattan else math.hypot(dx, dy)
        worker.x_km = gx
        worker.y_km = gy
        return dist / team.speed_kmh

    def work(self, case: Case, tier: str, duration_h: float,
             priority: bool = False) -> Iterator[simpy.Event]:
        """Queue for the unit(s) at ``tier``, travel, handle for ``duration_h``, release.

        Joint cases (several departments, 联合处置): the lead department (the first listed) takes
        the case from its ordinary queue; the others are then summoned ahead of their own
        queues. Summons go in a fixed order, so no two cases can wait on each other (lock
        ordering: no deadlock). The case starts when the last one is on site, and all stay
        until it is done (事不完人不撤). ``priority`` summons even the lead ahead of its queue.
        """
        env = self.env
        teams = self.teams_for(case, tier)
        t0 = env.now
        workers: list[Worker] = []
        for i, team in enumerate(teams):
            urgent = priority or i > 0
            worker = team.try_acquire(case, urgent)
            if worker is None:
                worker = yield team.request(case, urgent)
            workers.append(worker)
        now = env.now
        case.wait_h += now - t0
        if case.t_start_h != case.t_start_h:
            case.t_start_h = now
        travel_h = 0.0
        for worker in workers:
            leg_h = self.travel_h(worker, case)
            worker.travel_h += leg_h
            travel_h = max(travel_h, leg_h)
        case.travel_h += travel_h
        if case.t_onsite_h != case.t_onsite_h:
            case.t_onsite_h = now + travel_h
        case.handle_h += duration_h
        total_h = travel_h + duration_h
        if total_h > 0.0:
            yield env.timeout(total_h)
        for worker in workers:
            worker.team.release(worker)

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
        self.env.run(until=self.horizon_h)
        for team in self.teams:
            team.finish(self.horizon_h)
        for case in sorted(self.open_cases.values(), key=lambda c: c.id):
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


def _home(team: Team) -> tuple[float, float]:
    return team.home
