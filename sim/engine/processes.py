"""Leaner SimPy processes for the hot path: a process without start and end events, a ticker.

``env.process(gen)`` schedules an ``Initialize`` event to start the generator and, when the
generator returns, schedules the process itself as an event: two heap operations and two trips
through ``Environment.step`` per case that change nothing a case can observe (a case process is
never waited on). :class:`LeanProcess` runs the generator to its first ``yield`` at once and, on
return, marks itself processed without scheduling anything unless someone waits for it. Failures
still go through the environment, so an exception in a case crashes the run as before.

Timing: a lean process starts *now*, before any other event at the current instant; a process
started with ``env.process`` would start after the URGENT events already queued at this
instant (other starts), so only the order among same-instant starts can differ.

:class:`Ticker` drives a generator that yields *delays* (floats) with one timeout per step and
a plain callback: for a source such as an arrival stream, which nothing waits for nor
interrupts, the ``Process`` machinery around every step is pure overhead.

Both work on plain ``simpy.Environment`` as well as on :class:`sim.engine.Environment`.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

import simpy
from simpy.events import URGENT, Event, Process

__all__ = ["LeanProcess", "Ticker"]


class _Started:
    """Stands in for the Initialize event: already succeeded, value None."""

    __slots__ = ()
    _ok = True
    _value = None


_STARTED = _Started()

class LeanProcess(Process):
    """A :class:`simpy.Process` that starts synchronously and ends without an event.

    Interrupts, ``yield process`` from another process and failures behave as with
    ``simpy.Process``; ``is_alive``, ``value`` and ``target`` too.
    """

    def __init__(self, env: simpy.Environment, generator: Generator[Event, Any, Any]):
        # Event.__init__ and Process.__init__ are inlined without scheduling Initialize
        self.env = env
        self.callbacks: list[Any] = []
        self._generator = generator
        self._target: Any = None
        self._resume(_STARTED)  # type: ignore[arg-type]

    def _resume(self, event: Event) -> None:
        # Process._resume of SimPy 4.1, except where the generator returns (see the module doc)
        env = self.env
        previous = env._active_proc
        env._active_proc = self
        generator = self._generator
        while True:
            try:
                if event._ok:
                    event = generator.send(event._value)
                else:
                    event._defused = True
                    exc = type(event._value)(*event._value.args)
                    exc.__cause__ = event._value
                    event = generator.throw(exc)
            except StopIteration as stop:
                event = None  # type: ignore[assignment]
                self._ok = True
                self._value = stop.args[0] if stop.args else None
                if self.callbacks:
                    env.schedule(self)
                else:
                    self.callbacks = None  # type: ignore[assignment]  # processed
                break
            except BaseException as exc:  # handed to the environment, as SimPy does
                event = None  # type: ignore[assignment]
                self._ok = False
                exc.__traceback__ = exc.__traceback__.tb_next  # type: ignore[union-attr]
                self._value = exc
                env.schedule(self)
                break
            try:
                if event.callbacks is not None:
                    event.callbacks.append(self._resume)
                    break
            except AttributeError:
                if hasattr(event, "callbacks"):
                    raise
                raise RuntimeError(f'Invalid yield value "{event}"') from None
        self._target = event
        env._active_proc = previous


class Ticker:
    """Runs ``steps`` (a generator yielding delays in hours) as a chain of timeout callbacks.

    It starts like ``env.process`` would (an URGENT event at the current instant) and then
    schedules exactly the timeouts the generator would have yielded, at the same moments, so
    the event order is the same as with a process yielding ``env.timeout(delay)``. It cannot
    be waited for or interrupted; an exception in ``steps`` propagates out of ``env.run``.
    """

    __slots__ = ("_env", "_next")

    def __init__(self, env: simpy.Environment, steps: Iterator[float]):
        self._env = env
        self._next = steps.__next__
        start = Event(env)
        start._ok = True
        start._value = None
        start.callbacks.append(self)
        env.schedule(start, URGENT)

    def __call__(self, _event: Event) -> None:
        try:
            delay = self._next()
        except StopIteration:
            return
        self._env.timeout(delay).callbacks.append(self)
