"""Teams of workers who respect shifts (班次): grid workers, street teams, departments, operators.

A team is a pool of :class:`Worker` objects with one waiting line. It is lighter than
``simpy.Resource`` on purpose: taking a free worker schedules no event at all
(:meth:`Team.try_acquire`), and only a case that must wait gets an event (:meth:`Team.request`).

Shift rule (written down in docs/model.md): a worker takes new work only while on shift; work in
hand at the end of a shift is finished (the time past the shift end is *overtime*), then the
worker goes off duty. Cases waiting when a shift ends stay queued until the next shift starts.

Order of same-instant events: a worker released at time t is handed to the next waiting case
before any case arriving at t is considered (releases before seizes, as in simmer).

Waiting lines, served in this order: *urgent* (summons to a joint case, a whistle 吹哨报到, first
come first served), *resume* (a job pre-empted by a whistle, taken up again), then the *ordinary*
queue (FIFO, or by ``queue_key`` when a policy sets one).
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Sequence
from itertools import count
from typing import Any

import numpy as np
import simpy

from sim.calendar import merge_intervals


class Worker:
    """One person (or crew) who can be in one place on one case at a time."""

    __slots__ = (
        "busy",
        "busy_h",
        "busy_since",
        "case",
        "cases",
        "holder",
        "id",
        "index",
        "on_shift",
        "overtime_h",
        "shift_end_h",
        "skills",
        "team",
        "travel_h",
        "whistle_h",
        "x_km",
        "y_km",
    )

    def __init__(self, worker_id: str, team: Team, index: int, x_km: float, y_km: float):
        self.id = worker_id
        self.team = team
        self.index = index
        self.x_km = x_km
        self.y_km = y_km
        self.on_shift = False
        self.busy = False
        self.busy_since = 0.0
        self.busy_h = 0.0
        self.travel_h = 0.0
        self.overtime_h = 0.0
        self.whistle_h = 0.0
        self.cases = 0
        self.shift_end_h = float("inf")
        self.skills = 0  # bit mask of skills (bit k: the model's k-th skill)
        self.case: Any = None  # the case in hand
        self.holder: Any = None  # process of a pre-emptible job in hand (whistle policy)


#: Stands in for a waiting lane nobody has queued in yet: empty, falsy, ``len`` 0 (see Team).
_NO_LANE: tuple[()] = ()


class Team:
    """Workers of one unit (a grid, a street team, a department …) and their queue.

    ``pick(free, case)`` chooses among the free workers for a case (default: the longest idle)
    and returns one of them without removing it; ``queue_key``, when set, turns the ordinary FIFO
    queue into a priority queue (lowest key first, FIFO among equals).

    Slotted, and each waiting lane is created when someone first queues in it: a district has
    thousands of grid teams that never see a summons or a pre-empted job, and a case touches a
    random one of them, so the smaller a team the more of them stay in the CPU caches (four
    empty deques were 3 KiB per team; run time grew faster than the district's size).
    """

    __slots__ = (
        "_fifo",
        "_heap",
        "_resume",
        "_tiebreak",
        "_urgent",
        "assignments",
        "available_h_per_worker",
        "env",
        "free",
        "home",
        "intervals",
        "kind",
        "name",
        "pick",
        "preemptions",
        "queue_key",
        "site",
        "skilled",
        "speed_kmh",
        "trace",
        "workers",
    )

    def __init__(
        self,
        env: simpy.Environment,
        name: str,
        kind: str,
        size: int,
        on_intervals: np.ndarray,
        x_km: float = 0.0,
        y_km: float = 0.0,
        speed_kmh: float = 5.0,
        trace: list[tuple[str, int, float, float]] | None = None,
        drive_shifts: bool = True,
    ):
        self.env = env
        self.name = name
        self.kind = kind
        self.speed_kmh = speed_kmh
        self.home = (x_km, y_km)
        self.workers = [Worker(f"{name}#{i + 1}", self, i, x_km, y_km) for i in range(size)]
        self.free: deque[Worker] = deque()
        # waiting lanes (created on first use; _NO_LANE until then)
        self._urgent: deque[tuple[simpy.Event, Any]] | tuple[()] = _NO_LANE
        self._resume: deque[tuple[simpy.Event, Any]] | tuple[()] = _NO_LANE
        self._fifo: deque[tuple[simpy.Event, Any]] | tuple[()] = _NO_LANE
        self._heap: list[tuple[Any, int, simpy.Event, Any]] | tuple[()] = _NO_LANE
        self._tiebreak: count[int] | None = None
        self.queue_key: Callable[[Any], Any] | None = None
        self.pick: Callable[[Sequence[Worker], Any], Worker] | None = None
        if len(on_intervals) > 1:  # touching intervals are one shift (no off-and-on at the seam)
            on_intervals = merge_intervals(on_intervals[:, 0], on_intervals[:, 1])
        self.intervals = on_intervals
        self.available_h_per_worker = float(np.sum(on_intervals[:, 1] - on_intervals[:, 0]))
        self.trace = trace
        #: (worker id, case id or -1, start_h, end_h) per assignment when tracing (battery checks)
        self.assignments: list[tuple[str, int, float, float]] | None = None
        self.skilled = False  # True when the team declares skills (handling depends on them)
        self.site = -1  # grid index of a grid team
        self.preemptions = 0
        if len(on_intervals) and on_intervals[0, 0] <= 0.0:
            self._go_on_shift(float(on_intervals[0, 1]))
        # one process walks the shift boundaries (none needed for a single always-on interval);
        # with drive_shifts=False the owner runs one drive_shifts() for many teams instead
        if drive_shifts and self.needs_shift_driver(on_intervals):
            env.process(self.drive_shifts(env, [self], on_intervals))

    # -- shifts ---------------------------------------------------------------------------
    @staticmethod
    def needs_shift_driver(on_intervals: np.ndarray) -> bool:
        """False when the team is on duty from 0 for ever (nothing to switch)."""
        return bool(len(on_intervals)) and (len(on_intervals) > 1 or on_intervals[0, 0] > 0.0
                                            or on_intervals[0, 1] < float("inf"))

    @staticmethod
    def drive_shifts(env: simpy.Environment, teams: list[Team], on_intervals: np.ndarray):
        """Process switching every team in ``teams`` (one shift pattern) on and off duty."""
        for start_h, end_h in on_intervals.tolist():
            if start_h > env.now:
                yield env.timeout(start_h - env.now)
                for team in teams:
                    team._go_on_shift(end_h)
            if end_h > env.now:
                yield env.timeout(end_h - env.now)
                for team in teams:
                    team._go_off_shift()

    def _go_on_shift(self, end_h: float) -> None:
        for worker in self.workers:
            worker.on_shift = True
            worker.shift_end_h = end_h
            if not worker.busy:
                self._hand_over(worker)

    def _go_off_shift(self) -> None:
        for worker in self.workers:
            worker.on_shift = False
        self.free.clear()

    # -- taking and giving back workers -----------------------------------------------------
    @property
    def queue_length(self) -> int:
        return len(self._urgent) + len(self._resume) + len(self._fifo) + len(self._heap)

    def try_acquire(self, case: Any, urgent: bool = False) -> Worker | None:
        """A free on-shift worker for ``case`` right now, or None (no event is scheduled)."""
        free = self.free
        # (queue_length inlined as truth tests: this runs for nearly every case at every tier)
        if not free or self._urgent or (not urgent and (self._resume or self._fifo or self._heap)):
            return None
        if self.pick is None:
            worker = free.popleft()
        else:
            worker = self.pick(free, case)
            free.remove(worker)
        self._start(worker, case)
        return worker

    def take(self, worker: Worker, case: Any) -> None:
        """Assign the free ``worker`` to ``case`` (a policy that chose the worker itself)."""
        self.free.remove(worker)
        self._start(worker, case)

    def request(self, case: Any, urgent: bool = False) -> simpy.Event:
        """An event that succeeds with a worker when one is handed to ``case``.

        ``urgent`` requests (a summons to a joint case, a whistle 吹哨) are served before the
        ordinary queue, first come first served among themselves.
        """
        event = self.env.event()
        if urgent:
            if self._urgent is _NO_LANE:
                self._urgent = deque()
            self._urgent.append((event, case))  # type: ignore[union-attr]
        elif self.queue_key is None:
            if self._fifo is _NO_LANE:
                self._fifo = deque()
            self._fifo.append((event, case))  # type: ignore[union-attr]
        else:
            tiebreak = self._tiebreak
            if tiebreak is None:  # the first to queue by key: the lane and its tie-breaker
                self._heap = []
                tiebreak = self._tiebreak = count()
            heapq.heappush(self._heap,  # type: ignore[arg-type]
                           (self.queue_key(case), next(tiebreak), event, case))
        if self.free:
            self._hand_over(self.free.popleft())
        return event

    def request_resume(self, case: Any) -> simpy.Event:
        """Request for a pre-empted job: served after urgent requests, before the ordinary queue."""
        event = self.env.event()
        if self._resume is _NO_LANE:
            self._resume = deque()
        self._resume.append((event, case))  # type: ignore[union-attr]
        if self.free:
            self._hand_over(self.free.popleft())
        return event

    def preempt(self) -> bool:
        """Pull a worker off a pre-emptible job (the most recently started) for an urgent request.

        The job's process gets a :class:`simpy.Interrupt`; it re-queues in the resume lane and
        releases the worker, who goes to the first urgent request. False if no job can be
        pre-empted (nobody on shift is on a pre-emptible job).
        """
        best = None
        for worker in self.workers:
            if worker.holder is not None and worker.on_shift and (
                    best is None or worker.busy_since > best.busy_since):
                best = worker
        if best is None:
            return False
        process = best.holder
        best.holder = None
        process.interrupt("whistle")
        self.preemptions += 1
        return True

    def release(self, worker: Worker) -> None:
        """The worker finished with a case: account the time and hand them to the next case."""
        now = self.env.now
        worker.busy = False
        worker.busy_h += now - worker.busy_since
        if self.trace is not None:
            self.trace.append((worker.id, worker.cases, worker.busy_since, now))
        if self.assignments is not None:
            case = worker.case
            self.assignments.append((worker.id, -1 if case is None else case.id,
                                     worker.busy_since, now))
        worker.case = None
        if worker.on_shift:
            self._hand_over(worker)
        elif now > worker.shift_end_h:
            worker.overtime_h += now - max(worker.shift_end_h, worker.busy_since)

    def _hand_over(self, worker: Worker) -> None:
        if self._urgent:
            event, case = self._urgent.popleft()
        elif self._resume:
            event, case = self._resume.popleft()
        elif self._fifo:
            event, case = self._fifo.popleft()
        elif self._heap:
            _, _, event, case = heapq.heappop(self._heap)
        else:
            self.free.append(worker)
            return
        if self.pick is not None and self.free:
            # let the policy choose among every free worker, not only the one just released
            self.free.append(worker)
            worker = self.pick(self.free, case)
            self.free.remove(worker)
        self._start(worker, case)
        event.succeed(worker)

    def _start(self, worker: Worker, case: Any) -> None:
        worker.busy = True
        worker.busy_since = self.env.now
        worker.cases += 1
        worker.case = case

    def finish(self, horizon_h: float) -> None:
        """Close the books at the end of the run: count time of work still in hand."""
        for worker in self.workers:
            if worker.busy:
                worker.busy_h += horizon_h - worker.busy_since
                if self.trace is not None:
                    self.trace.append((worker.id, worker.cases, worker.busy_since, horizon_h))
                if self.assignments is not None:
                    case = worker.case
                    self.assignments.append((worker.id, -1 if case is None else case.id,
                                             worker.busy_since, horizon_h))
                worker.busy_since = horizon_h
