"""Algorithmic dispatch (智能派单): automatic classification, then a rule picks the worker.

Classification takes ``classify_time`` (default: none) and is right with probability
``accuracy``; a misclassified order goes to a wrong unit, which returns it (退单) after
``return_delay``, and it is classified again. ``coverage`` < 1 sends the remaining share of orders
to the manual desk (Liuzhou's system handled 48.6 % of volume).

The worker is chosen by ``rule``:

* ``nearest`` — the free worker with the shortest travel time from where they are now;
* ``least_loaded`` — the free worker with the fewest busy hours (or cases) so far;
* ``skill`` — a free worker with the category's skill (nearest of them), else the nearest;
* ``batch_optimal`` — orders wait for the next batch epoch (every ``batch_interval_min``); then
  waiting orders are matched to free workers with :func:`scipy.optimize.linear_sum_assignment`,
  minimising travel hours plus the expected extra handling of a worker without the needed skill,
  minus ``wait_weight`` × hours already waited (older orders go first when workers are short);
* ``fcfs`` — whoever is free (as in manual dispatch), to isolate the effect of classification.

``grid_pool_radius_km`` > 0 lets a grid-tier order go to a free worker of another grid whose centre
is within the radius (the worker walks over and back). With no one free the order queues at its
own grid (``least_loaded``: at the pool grid with the shortest queue per worker).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import simpy
from pydantic import Field, NonNegativeFloat, PositiveFloat, model_validator
from scipy.optimize import linear_sum_assignment
from scipy.spatial import cKDTree

from sim.model.team import Team, Worker
from sim.policies.base import DispatchPolicy, register_dispatch
from sim.policies.context import CaseView, Steps
from sim.policies.manual import ManualDispatch, ManualParams
from sim.policies.queues import QueueOrderParams, install_queue_order
from sim.stochastic.distributions import Deterministic, Distribution

Rule = Literal["nearest", "least_loaded", "skill", "batch_optimal", "fcfs"]
_INFEASIBLE = 1e9


class AlgorithmicParams(QueueOrderParams):
    accuracy: float = Field(
        0.95, ge=0.0, le=1.0,
        description="[est] share classified right first time (Liuzhou 99.6 %, another 89.6 %)",
    )
    coverage: float = Field(1.0, ge=0.0, le=1.0,
                            description="share of orders the algorithm handles; rest: the desk")
    desk_misroute_p: float = Field(0.05, ge=0.0, lt=1.0,
                                   description="[est] misroutes of orders left to the desk")
    classify_time: Distribution | None = Field(None, description="None: instantaneous")
    return_delay: Distribution = Field(
        default_factory=lambda: Deterministic(value_h=4.0),
        description="[est] hours until the wrong unit returns the order (退单)",
    )
    rule: Rule = "nearest"
    load_measure: Literal["hours", "cases"] = Field(
        "hours", description="least_loaded: busy hours or cases so far")
    batch_interval_min: PositiveFloat = Field(5.0, description="batch_optimal: minutes per epoch")
    wait_weight: NonNegativeFloat = Field(
        1.0, description="batch_optimal: cost of an hour already waited, in travel hours")
    grid_pool_radius_km: NonNegativeFloat = Field(
        0.0, description="grid tier: free workers of grids within this distance may be sent")

    @model_validator(mode="after")
    def _batch_fifo(self) -> AlgorithmicParams:
        if self.rule == "batch_optimal" and self.queue_order != "fifo":
            raise ValueError("rule batch_optimal sets its own order: queue_order must be fifo")
        return self


@register_dispatch
class AlgorithmicDispatch(DispatchPolicy):
    """Algorithmic dispatch (智能派单): instant classification with an accuracy, then a worker
    chosen by a rule (nearest, least loaded, skill, batch-optimal matching)."""

    name = "algorithmic"
    Params = AlgorithmicParams
    params: AlgorithmicParams

    def setup(self) -> None:
        ctx = self.ctx
        p = self.params
        streams = ctx.streams
        self._right = streams.uniform("dispatch", "classify")
        self._cover = streams.uniform("dispatch", "coverage")
        self._classify = (p.classify_time.sampler(streams.generator("dispatch", "classify_time"))
                          if p.classify_time is not None else None)
        self._return_delay = p.return_delay.sampler(streams.generator("dispatch", "return_delay"))
        self._desk: ManualDispatch | None = None
        if p.coverage < 1.0:
            self._desk = ManualDispatch(ctx, ManualParams(misroute_p=p.desk_misroute_p,
                                                         return_delay=p.return_delay))
            self._desk.setup()
        install_queue_order(ctx, p.queue_order, p.classifier)
        ctx.units.set_worker_pick(self._pick_rule())
        self._pool: list[list[Team]] | None = None
        if p.grid_pool_radius_km > 0.0:
            self._pool = self._grid_pools(p.grid_pool_radius_km)
        self._waiting: dict[Any, list[tuple[simpy.Event, CaseView, Team, float]]] = {}
        self._tick_due = False
        if p.rule == "batch_optimal":
            self.acquire = self._acquire_batch
        elif self._pool is not None:
            self.acquire = self._acquire_pool

    # -- classification ---------------------------------------------------------------------
    def dispatch(self, case: CaseView) -> Steps:
        p = self.params
        if self._desk is not None and self._cover() >= p.coverage:
            yield from self._desk.dispatch(case)
            return
        env = self.ctx.env
        while True:
            if self._classify is not None:
                t_h = self._classify()
                if t_h > 0.0:
                    yield env.timeout(t_h)
            case.mark_dispatched(env.now)
            if p.accuracy < 1.0 and self._right() >= p.accuracy:
                case.misroutes += 1
                delay_h = self._return_delay()
                if delay_h > 0.0:
                    yield env.timeout(delay_h)
                self.ctx.record(case, "退单")  # the wrong unit hands it back (event log only)
                continue
            return

    # -- worker rules -----------------------------------------------------------------------
    def _pick_rule(self) -> Callable[[deque[Worker], CaseView], Worker] | None:
        ctx = self.ctx
        rule = self.params.rule
        gx, gy = ctx.units.grid_x, ctx.units.grid_y
        manhattan = ctx.units.manhattan

        def nearest(free: deque[Worker] | list[Worker], case: CaseView) -> Worker:
            if len(free) == 1:
                return free[0]
            x, y = gx[case.grid], gy[case.grid]
            best, best_d = free[0], math.inf
            for w in free:
                dx, dy = x - w.x_km, y - w.y_km
                d = abs(dx) + abs(dy) if manhattan else math.hypot(dx, dy)
                if d < best_d:
                    best, best_d = w, d
            return best

        if rule in ("nearest", "batch_optimal"):  # batch: summonses still take the nearest
            return nearest
        if rule == "least_loaded":
            by_hours = self.params.load_measure == "hours"

            def least_loaded(free: deque[Worker] | list[Worker], case: CaseView) -> Worker:
                if by_hours:
                    return min(free, key=_busy_h)
                return min(free, key=_cases)

            return least_loaded
        if rule == "skill":
            bits = ctx.category_skill_bit

            def skill(free: deque[Worker] | list[Worker], case: CaseView) -> Worker:
                bit = bits[case.category]
                if bit:
                    skilled = [w for w in free if w.skills & bit]
                    if skilled:
                        return nearest(skilled, case)
                return nearest(free, case)

            return skill
        return None  # fcfs: the longest idle

    def _grid_pools(self, radius_km: float) -> list[list[Team]]:
        """Per grid: the grid teams within the radius with workers, nearest first (own first).

        Candidates come from a k-d tree (a city has tens of thousands of grids: comparing every
        pair would take minutes); each is then checked with the model's own distance, so the
        pools are exactly those of the definition.
        """
        ctx = self.ctx
        units = ctx.units
        staffed = [team for team in units.grid_teams if team.workers]
        pools: list[list[Team]] = [[] for _ in units.grid_ids]
        if not staffed:
            return pools
        tree = cKDTree(np.array([team.home for team in staffed]))
        centres = np.column_stack([units.grid_x, units.grid_y])
        slack_km = radius_km * (1.0 + 1e-9) + 1e-12  # the tree's rounding must not drop anyone
        norm = 1.0 if units.manhattan else 2.0
        candidates = tree.query_ball_point(centres, slack_km, p=norm)
        for g, found in enumerate(candidates):
            near = []
            for i in found:
                team = staffed[i]
                d = units.distance_km(team.home[0], team.home[1], g)
                if team.site == g or d <= radius_km:
                    near.append((team.site != g, d, team.site, team))
            own = units.grid_teams[g]
            if own.workers and all(item[3] is not own for item in near):
                near.append((False, units.distance_km(own.home[0], own.home[1], g), g, own))
            near.sort(key=lambda item: item[:3])
            pools[g] = [item[3] for item in near]
        return pools

    # -- acquisition hooks --------------------------------------------------------------------
    def _acquire_pool(self, case: CaseView, tier: str, team: Team) -> Worker | simpy.Event:
        """Grid tier with a pool radius: a free worker of the nearby grids, else queue."""
        if tier != "grid" or self._pool is None:
            return team.try_acquire(case) or team.request(case)
        pool = self._pool[case.grid]
        open_teams = [t for t in pool if t.free and not t.queue_length]
        if open_teams:
            if self.params.rule == "least_loaded":
                free = [w for t in open_teams for w in t.free]
                pick = open_teams[0].pick
                worker = pick(free, case) if pick is not None else free[0]
                worker.team.take(worker, case)
                return worker
            nearest = open_teams[0].try_acquire(case)  # nearest grid with someone free
            assert nearest is not None
            return nearest
        if not pool:
            return team.request(case)
        if self.params.rule == "least_loaded":
            target = min(pool, key=_backlog_per_worker)
            return target.request(case)
        return pool[0].request(case)

    def _acquire_batch(self, case: CaseView, tier: str, team: Team) -> simpy.Event:
        """Wait for the next batch epoch."""
        env = self.ctx.env
        event = env.event()
        key: Any = "grid" if (tier == "grid" and self._pool is not None) else team
        self._waiting.setdefault(key, []).append((event, case, team, env.now))
        if not self._tick_due:
            self._tick_due = True
            step_h = self.params.batch_interval_min / 60.0
            next_h = (math.floor(env.now / step_h + 1e-9) + 1) * step_h
            env.timeout(next_h - env.now).callbacks.append(self._tick)
        return event

    def _tick(self, _event: simpy.Event) -> None:
        self._tick_due = False
        ctx = self.ctx
        now = ctx.env.now
        pending = False
        for key, waiting in self._waiting.items():
            if not waiting:
                continue
            if key == "grid":
                teams = [t for t in ctx.units.grid_teams if t.free]
            else:
                teams = [key] if key.free else []
            free = [w for t in teams for w in t.free]
            if free:
                waiting[:] = self._match(waiting, free, now)
            pending = pending or bool(waiting)
        if pending:
            self._tick_due = True
            step_h = self.params.batch_interval_min / 60.0
            ctx.env.timeout(step_h).callbacks.append(self._tick)

    def _match(self, waiting: list[tuple[simpy.Event, CaseView, Team, float]], free: list[Worker],
               now: float) -> list[tuple[simpy.Event, CaseView, Team, float]]:
        """Solve one assignment problem; returns the orders left waiting."""
        ctx = self.ctx
        radius = self.params.grid_pool_radius_km
        weight = self.params.wait_weight
        speed_on = ctx.units.travel_on
        cost = np.empty((len(waiting), len(free)))
        for i, (_event, case, team, t_enq) in enumerate(waiting):
            bit = ctx.category_skill_bit[case.category]
            extra_h = 0.0
            if bit:
                tier = team.kind
                extra_h = (ctx.category_unskilled[case.category] - 1.0) * \
                    ctx.mean_handling_h(case.category, tier)
            age_term = weight * (now - t_enq)
            for j, w in enumerate(free):
                wt = w.team
                d = ctx.units.distance_km(w.x_km, w.y_km, case.grid)
                if wt.site >= 0 and wt.site != case.grid and (wt is not team) and d > radius:
                    cost[i, j] = _INFEASIBLE
                    continue
                c = d / wt.speed_kmh if speed_on else 0.0
                if bit and wt.skilled and not w.skills & bit:
                    c += extra_h
                cost[i, j] = c - age_term
        rows, cols = linear_sum_assignment(cost)
        done = set()
        for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
            if cost[i, j] >= _INFEASIBLE / 2:
                continue
            event, case, _team, _t = waiting[i]
            worker = free[j]
            worker.team.take(worker, case)
            event.succeed(worker)
            done.add(i)
        return [item for i, item in enumerate(waiting) if i not in done]


def _busy_h(worker: Worker) -> float:
    return worker.busy_h


def _cases(worker: Worker) -> int:
    return worker.cases


def _backlog_per_worker(team: Team) -> float:
    busy = sum(1 for w in team.workers if w.busy)
    return (team.queue_length + busy) / len(team.workers)
