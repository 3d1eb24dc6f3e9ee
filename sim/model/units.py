"""The organisation at run time (组织): every unit's team of workers, their shifts and where they
are — grids and their workers, communities, streets, departments, the hotline, the dispatch desk.

Built once per replication from the scenario's ``organisation``; every workflow and policy
reads the same units (a department's staff serve whatever work reaches them). Geography is
kept as plain lists indexed by grid number, since the hot loop reads it per case.
"""

from __future__ import annotations

import math
from datetime import date
from itertools import accumulate
from typing import Any

import numpy as np
import simpy

from sim.calendar import DailyWindow, merge_intervals, on_intervals
from sim.model.call_queue import CallQueue
from sim.model.rota import drive_rota
from sim.model.team import Team, Worker
from sim.scenario.base import ShiftPattern
from sim.scenario.scenario import Scenario

__all__ = ["Units"]

#: (worker id, case id or -1, start_h, end_h) of one assignment, when tracing
Assignment = tuple[str, int, float, float]


class Units:
    """Teams of the organisation, in a fixed order, and the geography of its grids.

    ``teams`` lists every team in the order resources.csv reports them: grids, communities,
    streets, departments, the hotline, the dispatch desk. ``field_teams`` are those that handle
    cases (all but the hotline and the desk).
    """

    def __init__(self, env: simpy.Environment, scenario: Scenario, horizon_h: float,
                 trace: bool = False):
        self.env = env
        self.scenario = scenario
        self.horizon_h = horizon_h
        #: (worker id, cases so far, start_h, end_h) per busy spell when tracing
        self.trace: list[tuple[str, int, float, float]] | None = [] if trace else None
        #: one row per assignment when tracing (the policy battery checks them)
        self.assignments: list[Assignment] | None = [] if trace else None
        self.teams: list[Team] = []
        #: skill names in the order their bits were given (bit k: ``skill_names[k]``)
        self.skill_names: list[str] = []
        self._shift_cache: dict[str, np.ndarray] = {}
        self._shift_groups: dict[str, list[Team]] = {}
        travel = scenario.travel
        self.travel_on = travel.enabled
        #: the travel metric is Manhattan (else Euclidean); read by rules that inline distances
        self.manhattan = travel.metric == "manhattan"
        self.within_grid_km = travel.within_grid_km
        self._build(scenario)
        self._start_shift_drivers()

    # -- construction -----------------------------------------------------------------------
    def _build(self, scenario: Scenario) -> None:
        org = scenario.organisation
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
        #: cumulative demand weights of the grids (where a case arises)
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
        self.street_teams: list[Team] = []
        for s in org.streets:
            spec = s.team
            team = self._team(f"street:{s.id}", "street", spec.size, spec.shift,
                              s.location.x_km, s.location.y_km, s.speed_kmh)
            self._give_skills(team, spec.skills)
            self.street_teams.append(team)
        self.department_ids = [d.id for d in org.departments]
        self.department_teams: list[Team] = []
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
        #: on-duty intervals of workers whose shift is not their team's (a rota's groups)
        self.worker_intervals: dict[str, np.ndarray] = {}
        if org.hotline is not None:
            # callers who may hang up wait in a line they can leave (a CallQueue)
            patient = org.hotline.callers is None or org.hotline.callers.patience is None
            cls = Team if patient else CallQueue
            if org.hotline.rota is None:
                self.hotline = self._team("hotline", "hotline", org.hotline.size,
                                          org.hotline.groups()[0][0], 0.0, 0.0, 1.0, cls)
            else:
                self.hotline = self._rota_team("hotline", "hotline", org.hotline.groups(), cls)
        self.dispatch_desk: Team | None = None
        if org.dispatch_desk is not None:
            self.dispatch_desk = self._team("dispatch", "dispatch", org.dispatch_desk.dispatchers,
                                            org.dispatch_desk.shift, 0.0, 0.0, 1.0)
        #: each department's on-call roster (值班), by department index; None: it keeps none.
        #: Built last, so resources.csv lists the other units in the same order with or without
        self.on_call_teams: list[Team | None] = [
            None if d.on_call is None else self._team(
                f"on_call:{d.id}", "on_call", d.on_call.staff, d.on_call.shift, d.base.x_km,
                d.base.y_km, d.speed_kmh)
            for d in org.departments]

    def intervals(self, shift_name: str) -> np.ndarray:
        """On-duty intervals ``[start_h, end_h)`` of a shift pattern over the run (cached)."""
        cached = self._shift_cache.get(shift_name)
        if cached is None:
            scenario = self.scenario
            pattern: ShiftPattern = scenario.shift(shift_name)
            cal = scenario.calendar
            holidays: list[date] = list(cal.holidays)
            make_up: list[date] = []
            if pattern.follows_calendar:  # off on public holidays, on duty on 调休 days
                days_off, make_up = cal.public_days(self.horizon_h)
                holidays.extend(days_off)
            cached = on_intervals(
                cal.start,
                self.horizon_h,
                [DailyWindow(*w) for w in pattern.parsed_windows()],
                pattern.weekday_names(),
                holidays,
                extra_workdays=make_up,
            )
            self._shift_cache[shift_name] = cached
        return cached

    def _team(self, name: str, kind: str, size: int, shift: str, x_km: float, y_km: float,
              speed_kmh: float, cls: type[Team] = Team) -> Team:
        team = cls(self.env, name, kind, size, self.intervals(shift), x_km, y_km, speed_kmh,
                    self.trace, drive_shifts=False)
        team.assignments = self.assignments
        self.teams.append(team)
        self._shift_groups.setdefault(shift, []).append(team)
        return team

    def add_team(self, name: str, kind: str, size: int, shift: str) -> Team:
        """A team a workflow brings (the service hall's windows 窗口): on its shift, traced,
        and reported in resources.csv after the organisation's units."""
        team = Team(self.env, name, kind, size, self.intervals(shift), trace=self.trace)
        team.assignments = self.assignments
        self.teams.append(team)
        return team

    def _rota_team(self, name: str, kind: str, groups: list[tuple[str, int]],
                   cls: type[Team]) -> Team:
        """One team (one waiting line) of workers in groups on shifts of their own."""
        union = np.concatenate([self.intervals(shift) for shift, _ in groups])
        union = merge_intervals(union[:, 0], union[:, 1]) if len(union) else union
        team = cls(self.env, name, kind, sum(n for _, n in groups), union, 0.0, 0.0, 1.0,
                   self.trace, drive_shifts=False)
        team.assignments = self.assignments
        team._go_off_shift()  # the groups come on duty by their own shifts
        first = 0
        for shift, n in groups:
            workers = team.workers[first:first + n]
            first += n
            intervals = self.intervals(shift)
            for worker in workers:
                self.worker_intervals[worker.id] = intervals
            self.env.process(drive_rota(self.env, team, workers, intervals))
        self.teams.append(team)
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
            bit = self.skill_bit(skill)
            for _ in range(count):
                team.workers[k % n].skills |= bit
                k += 1

    def skill_bit(self, skill: str) -> int:
        """The bit of ``skill`` in workers' skill masks (a new skill gets the next bit)."""
        if skill not in self.skill_names:
            self.skill_names.append(skill)
        return 1 << self.skill_names.index(skill)

    # -- geography ----------------------------------------------------------------------------
    def distance_km(self, x_km: float, y_km: float, grid: int) -> float:
        """Distance from a point to the centre of ``grid`` (the scenario's travel metric)."""
        dx = self.grid_x[grid] - x_km
        dy = self.grid_y[grid] - y_km
        return abs(dx) + abs(dy) if self.manhattan else math.hypot(dx, dy)

    def travel_h(self, worker: Worker, grid: int) -> float:
        """Travel time of ``worker`` to ``grid``; the worker is then at the grid.

        Grid workers stay based in their own grid: inside it they walk ``within_grid_km``; a
        neighbouring grid's worker (algorithmic dispatch with a pool radius) walks over first and
        back afterwards (:meth:`return_h`).
        """
        if not self.travel_on:
            return 0.0
        team = worker.team
        if team.kind == "grid":
            site = team.site
            if site == grid or site < 0:
                return self.within_grid_km / team.speed_kmh
            return (self.distance_km(worker.x_km, worker.y_km, grid)
                    + self.within_grid_km) / team.speed_kmh
        gx = self.grid_x[grid]
        gy = self.grid_y[grid]
        dx = gx - worker.x_km
        dy = gy - worker.y_km
        dist = abs(dx) + abs(dy) if self.manhattan else math.hypot(dx, dy)
        worker.x_km = gx
        worker.y_km = gy
        return dist / team.speed_kmh

    def return_h(self, worker: Worker, grid: int) -> float:
        """Walk back of a grid worker lent to another grid (0 for everyone else)."""
        team = worker.team
        if team.site < 0 or team.site == grid or not self.travel_on:
            return 0.0
        return self.distance_km(worker.x_km, worker.y_km, grid) / team.speed_kmh

    # -- declared hooks for policies ----------------------------------------------------------
    def set_worker_pick(self, pick: Any) -> None:
        """Let ``pick(free, case)`` choose among free workers of every field unit."""
        for team in self.field_teams:
            team.pick = pick

    def set_queue_order(self, key: Any) -> None:
        """Serve every field unit's ordinary queue by ``key(case)`` (lowest first, FIFO ties)."""
        for team in self.field_teams:
            team.queue_key = key

    # -- the end of a run ---------------------------------------------------------------------
    def finish(self, horizon_h: float) -> None:
        """Close every team's books at the horizon (work still in hand counts as busy)."""
        for team in self.teams:
            team.finish(horizon_h)

    def resource_rows(self) -> list[dict[str, Any]]:
        """One row per worker: availability, busy, travel, overtime and whistle hours."""
        rows = []
        for team in self.teams:
            home_x, home_y = team.home
            for w in team.workers:
                own = self.worker_intervals.get(w.id)
                available = (team.available_h_per_worker if own is None
                             else float(np.sum(own[:, 1] - own[:, 0])))
                rows.append({
                    "unit": team.name,
                    "unit_kind": team.kind,
                    "worker": w.id,
                    "x_km": w.x_km if team.kind == "grid" else home_x,
                    "y_km": w.y_km if team.kind == "grid" else home_y,
                    "available_h": available,
                    "busy_h": w.busy_h,
                    "travel_h": w.travel_h,
                    "overtime_h": w.overtime_h,
                    "whistle_h": w.whistle_h,
                    "utilization": w.busy_h / available if available > 0 else math.nan,
                    "cases_handled": w.cases,
                })
        return rows
