"""One replication of a scenario under one policy combination.

:class:`Model` builds what every workflow shares — the engine, the working calendar, the random
streams, the units (teams, shifts, locations) — then one object per workflow the scenario runs
(:mod:`sim.model.workflow`), and drives each of their arrival streams with a
:class:`~sim.engine.Ticker`. It runs to the horizon and hands back every workflow's log of items
as columns, and every worker's workload (:class:`RunResult`).

Randomness: every draw comes from a named stream of :class:`~sim.stochastic.streams.Streams`;
arrival times of a feed from ``("arrivals", feed)``, everything else from streams the workflows
and policies name. The shift rule, the joint rule and the order of same-instant events are
written down in docs/model.md.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import numpy as np
import simpy

from sim.calendar import DailyWindow, WorkingCalendar
from sim.engine import Environment, Ticker, bucket_h_for, progress_watchdog, quiet_gc
from sim.model.units import Units
from sim.model.workflow import Feed, Workflow, registered_workflows
from sim.scenario.base import Deadline, parse_window
from sim.scenario.closed_loop import PolicySpec
from sim.scenario.scenario import Scenario
from sim.stochastic.arrivals import PiecewiseRate, build_rate, iter_arrival_chunks
from sim.stochastic.streams import Streams

#: what makes a run loop without simulated time moving (the watchdog's hint)
ZERO_TIME_CAUSE = ("work that takes no time and repeats, e.g. reopening (evaluation.reopen_p, "
                   "max_reopens) while handling, travel and verification all take zero hours; "
                   "give the repeated stages a positive duration")

__all__ = ["Model", "RunResult"]

Columns = dict[str, np.ndarray]


@dataclass
class RunResult:
    """What one replication produced (column arrays, not objects).

    ``items`` and ``labels`` are per workflow name; ``counts`` are run-level counts the
    workflows report (the closed loop's ``n_contacts``).
    """

    items: dict[str, Columns]
    resources: list[dict[str, Any]]
    labels: dict[str, dict[str, list[str]]]
    horizon_h: float
    warmup_h: float
    wall_time_s: float
    counts: dict[str, float] = field(default_factory=dict)

    @property
    def cases(self) -> Columns:
        """The closed loop's case log (the workflow most callers want)."""
        return self.items["closed_loop"]


class Model:
    """Build and run one replication (a :class:`~sim.model.context.ModelContext`)."""

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
        days_off, make_up = cal.public_days(self.horizon_h)
        self.calendar = WorkingCalendar(
            cal.start,
            self.horizon_h,
            [DailyWindow(*parse_window(w)) for w in cal.working_hours],
            cal.working_days,
            [*cal.holidays, *days_off],
            extra_workdays=make_up,
        )
        self.units = Units(self.env, scenario, self.horizon_h, trace)
        self._day_effects: dict[str, list[float]] = {}
        self.workflows: list[Workflow] = [
            cls(self) for cls in registered_workflows().values() if cls.active(scenario)
        ]
        self._start_feeds([feed for wf in self.workflows for feed in wf.feeds()])

    def workflow(self, name: str) -> Workflow:
        """The running workflow ``name`` (KeyError if the scenario does not run it)."""
        for wf in self.workflows:
            if wf.name == name:
                return wf
        raise KeyError(f"this scenario does not run workflow {name!r}; it runs "
                       f"{[wf.name for wf in self.workflows]}")

    # -- what workflows use ---------------------------------------------------------------
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

    def arrival_rate(self, per_day: float, hour_profile: Sequence[float] | None,
                     weekday_profile: Sequence[float] | None,
                     surges: Sequence[tuple[float, float, float]]) -> PiecewiseRate:
        """An arrival rate over the run: ``per_day`` × profiles × surges (start_h, end_h, ×)."""
        return build_rate(self.scenario.calendar.start, self.horizon_h, per_day,
                          hour_profile, weekday_profile, list(surges))

    # -- arrivals ---------------------------------------------------------------------------
    def _start_feeds(self, feeds: list[Feed]) -> None:
        arrivals_per_h = 0.0
        for feed in feeds:
            Ticker(self.env, self._drive(feed))
            arrivals_per_h += feed.rate.expected_count() / self.horizon_h
        # event-queue buckets of a few hundred events (sim.engine.buckets)
        if isinstance(self.env, Environment):
            self.env.set_bucket_h(bucket_h_for(arrivals_per_h))

    def _drive(self, feed: Feed) -> Iterator[float]:
        """A feed's arrivals, a day's chunk at a time: the delay to each next one.

        Chained in C (``itertools.chain``), not with ``yield from`` in a generator of our own:
        that would resume one more Python frame at every arrival."""
        rng = self.streams.generator("arrivals", feed.stream)
        days = None if feed.day_effect is None else self._day_multipliers(*feed.day_effect)
        return chain.from_iterable(map(feed.arrive,
                                       iter_arrival_chunks(feed.rate, rng, multipliers=days)))

    def _day_multipliers(self, shape: float, group: str) -> list[float]:
        """One Gamma(shape, 1/shape) multiplier per day of the run for ``group`` (mean 1), from
        the stream ``("arrivals", "day_effect", group)``: the same list for every feed of it."""
        cached = self._day_effects.get(group)
        if cached is None:
            rng = self.streams.generator("arrivals", "day_effect", group)
            n_days = max(1, math.ceil(self.horizon_h / 24.0 - 1e-12))
            cached = self._day_effects[group] = rng.gamma(shape, 1.0 / shape, n_days).tolist()
        return cached

    # -- running ------------------------------------------------------------------------------
    def run(self) -> RunResult:
        """Run to the horizon and collect the results."""
        started = time.perf_counter()
        with quiet_gc():
            return self._run(started)

    def _run(self, started: float) -> RunResult:
        """:meth:`run` inside the garbage-collection guard."""
        with progress_watchdog(self.env, ZERO_TIME_CAUSE):
            self.env.run(until=self.horizon_h)
        self.units.finish(self.horizon_h)
        items: dict[str, Columns] = {}
        counts: dict[str, float] = {}
        for wf in self.workflows:
            counts.update(wf.finish(self.horizon_h))
            items[wf.name] = wf.log.to_arrays()
        return RunResult(
            items=items,
            resources=self.units.resource_rows(),
            labels={wf.name: wf.labels() for wf in self.workflows},
            horizon_h=self.horizon_h,
            warmup_h=self.warmup_h,
            wall_time_s=time.perf_counter() - started,
            counts=counts,
        )
