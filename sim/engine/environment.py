"""An environment with a bucketed event queue (a calendar queue) and the same event order as
SimPy's; :meth:`Environment.run` inlines ``step`` and :meth:`Environment.timeout` its schedule.
"""

from __future__ import annotations

import math
from heapq import heapify, heappop, heappush
from typing import Any

import simpy
from simpy.core import BoundClass, EmptySchedule, SimTime, StopSimulation
from simpy.events import NORMAL, URGENT, Event, EventPriority, Timeout

__all__ = ["Environment"]

_new_timeout = Timeout.__new__
#: a pending event: (time, priority, insertion number, event), SimPy's order
_Entry = tuple[SimTime, EventPriority, int, Event]
#: bucket of events scheduled at infinity: a float, so it sorts after every bucket number
_NEVER = math.inf


class Environment(simpy.Environment):
    """``simpy.Environment`` with a bucketed event queue and :meth:`step` inlined in :meth:`run`.

    Semantics are SimPy 4.1's: events are processed in the same (time, priority, insertion)
    order, with the same handling of ``until``, of failed events and of a run that is resumed
    after it stopped. What differs is how the pending events are kept, and speed:

    * **Event queue** (a calendar queue): SimPy keeps every pending event in one heap. A city
      has ~35,000 pending events, most of them hours ahead (a median of ~10 h), so every pop
      walked ~16 levels of a heap far larger than the CPU caches (a fifth of a city run).
      Here only the events of the current time bucket (``bucket_h`` wide) are in a heap
      (``_queue``); later ones wait unsorted in per-bucket lists, and a bucket is heapified
      when the clock reaches it. Bucket numbers grow with time, and equal times share a
      bucket, so the order is exactly the single heap's.
    * :meth:`timeout` builds the same :class:`simpy.Timeout` with ``Timeout.__init__`` and
      :meth:`schedule` inlined (the most frequent event of a run); :meth:`run` inlines
      :meth:`step` (one Python call less per event).
    * ``now`` is a plain attribute, not SimPy's property: a case reads the clock about ten
      times per event it waits for, and a property call costs four times an attribute read.
      SimPy's own code reads and writes ``_now``, which is therefore an alias of ``now``.

    ``bucket_h`` suits a run when a bucket holds a few hundred events (see
    :meth:`set_bucket_h`); any width gives the same order, only speed depends on it.
    """

    #: the current simulation time (an instance attribute; this class value only hides the
    #: read-only property of ``simpy.Environment``)
    now: float = 0.0

    @property
    def _now(self) -> float:
        return self.now

    @_now.setter
    def _now(self, value: float) -> None:
        self.now = value

    def __init__(self, initial_time: float = 0, bucket_h: float = 1.0) -> None:
        super().__init__(initial_time)
        # SimPy binds its event factories (env.event, env.all_of …) to the instance for speed,
        # but only those in the instance's own class dict: do it for the parent's as well,
        # except where this class defines its own
        for name, attr in vars(simpy.Environment).items():
            if type(attr) is BoundClass and name not in vars(Environment):
                setattr(self, name, getattr(self, name))
        self._queue: list[_Entry] = []  # the current bucket, a heap
        # bucket number (an int, or _NEVER) → its events, and a heap of those numbers
        self._later: dict[float, list[_Entry]] = {}
        self._buckets: list[float] = []
        self._per_h = 1.0 / bucket_h
        self._bucket = self._bucket_of(self.now)  # the bucket the clock is in

    def set_bucket_h(self, bucket_h: float) -> None:
        """Change the bucket width, re-sorting the pending events (for a model that knows its
        event rate: a bucket of a few hundred events is fastest)."""
        if not (bucket_h > 0.0 and math.isfinite(bucket_h)):
            raise ValueError(f"bucket_h must be positive and finite, got {bucket_h}")
        pending = self._queue + [e for later in self._later.values() for e in later]
        self._per_h = 1.0 / bucket_h
        self._bucket = self._bucket_of(self.now)
        self._queue, self._later, self._buckets = [], {}, []
        for entry in pending:
            self._push(entry)

    def _bucket_of(self, at: float) -> float:
        try:
            return int(at * self._per_h)  # monotone in ``at``: later buckets, later times
        except OverflowError:  # at infinity
            return _NEVER

    def _push(self, entry: _Entry) -> None:
        bucket: float
        try:
            bucket = int(entry[0] * self._per_h)  # _bucket_of, inlined
        except OverflowError:
            bucket = _NEVER
        if bucket <= self._bucket:
            heappush(self._queue, entry)
            return
        later = self._later.get(bucket)
        if later is None:
            self._later[bucket] = [entry]
            heappush(self._buckets, bucket)
        else:
            later.append(entry)

    def _advance(self) -> list[_Entry]:
        """The current bucket is empty: make the next non-empty one current (its heap)."""
        if not self._buckets:
            raise EmptySchedule
        self._bucket = bucket = heappop(self._buckets)
        queue = self._later.pop(bucket)
        heapify(queue)
        self._queue = queue
        return queue

    def peek(self) -> float:
        """Time of the next scheduled event (infinity if there is none)."""
        if self._queue:
            return self._queue[0][0]
        if self._buckets:
            return min(self._later[self._buckets[0]])[0]
        return math.inf

    def schedule(self, event: Event, priority: EventPriority = NORMAL,
                 delay: SimTime = 0) -> None:
        """Schedule ``event`` with ``priority`` after ``delay`` (SimPy's signature)."""
        self._push((self.now + delay, priority, next(self._eid), event))

    def timeout(self, delay: float, value: Any = None) -> Timeout:  # type: ignore[override]
        """``simpy.Timeout(self, delay, value)``, one Python call instead of four."""
        if not delay >= 0:
            raise ValueError(f"Negative delay {delay}" if delay < 0 else "Delay is NaN")
        event = _new_timeout(Timeout)
        event.env = self
        event.callbacks = []
        event._value = value
        event._delay = delay
        event._ok = True
        # _push, inlined
        at = self.now + delay
        bucket: float
        try:
            bucket = int(at * self._per_h)
        except OverflowError:
            bucket = _NEVER
        if bucket <= self._bucket:
            heappush(self._queue, (at, NORMAL, next(self._eid), event))
        else:
            later = self._later.get(bucket)
            if later is None:
                self._later[bucket] = [(at, NORMAL, next(self._eid), event)]
                heappush(self._buckets, bucket)
            else:
                later.append((at, NORMAL, next(self._eid), event))
        return event

    def step(self) -> None:
        """Process the next event (:exc:`simpy.core.EmptySchedule` if there is none)."""
        if not self._queue:
            self._advance()
        super().step()  # pops the current bucket's heap, which is SimPy's _queue

    def run(self, until: Any = None) -> Any:
        if until is not None:
            if not isinstance(until, Event):
                at = until if isinstance(until, int) else float(until)
                if at <= self.now:
                    raise ValueError(
                        f"until ({at}) must be greater than the current simulation time"
                    )
                until = Event(self)
                until._ok = True
                until._value = None
                self.schedule(until, URGENT, at - self.now)
            elif until.callbacks is None:
                return until.value
            until.callbacks.append(StopSimulation.callback)
        queue = self._queue
        pop = heappop
        try:
            while True:
                try:
                    self.now, _, _, event = pop(queue)
                except IndexError:
                    queue = self._advance()  # EmptySchedule when nothing is left
                    continue
                # None marks the event processed, as SimPy does (its type says list)
                callbacks, event.callbacks = event.callbacks, None  # type: ignore[assignment]
                try:
                    for callback in callbacks:
                        callback(event)
                except StopSimulation:
                    event.callbacks = callbacks[callbacks.index(callback) + 1 :]
                    self.schedule(event, EventPriority(URGENT - 1))
                    raise
                if not event._ok and not hasattr(event, "_defused"):
                    exc = type(event._value)(*event._value.args)
                    exc.__cause__ = event._value
                    raise exc
        except StopSimulation as stop:
            return stop.args[0]
        except EmptySchedule:
            if until is not None:
                assert not until.triggered
                raise RuntimeError(
                    f'No scheduled events left but "until" event was not triggered: {until}'
                ) from None
        return None
