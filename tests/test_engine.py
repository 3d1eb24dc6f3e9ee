"""sim.engine against SimPy itself: the same events in the same order, whatever the buckets.

govsim's Environment keeps pending events in time buckets instead of SimPy's single heap, and
inlines SimPy's step and timeout; LeanProcess and Ticker replace processes on the hot path.
None of that may change what a model observes: these tests run the same random programs on
``simpy.Environment`` and on ours and compare the traces event by event.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine import Environment, LeanProcess, Ticker

# delays with many ties (0, repeated values) and a few far ones, to cross many buckets
DELAYS = [0.0, 0.0, 0.25, 1.0, 1.0, 2.5, 7.0, 30.0, 100.0]
ACTION = st.tuples(st.sampled_from(["timeout", "wait", "fire", "urgent"]),
                   st.sampled_from(DELAYS), st.integers(0, 2))
PROGRAMS = st.lists(st.lists(ACTION, max_size=8), min_size=1, max_size=6)
STOPS = st.lists(st.sampled_from([0.1, 1.0, 1.0, 2.5, 9.0, 40.0]), max_size=3)
WIDTHS = st.sampled_from([0.01, 0.3, 1.0, 2.5, 50.0, 1e6])


def trace(env: simpy.Environment, programs: list[list[tuple[str, float, int]]],
          stops: list[float], between: Callable[[], None] = lambda: None) -> list[Any]:
    """Run ``programs`` (one process each) and log every step with the clock."""
    log: list[Any] = []
    signals = [env.event() for _ in range(3)]

    def process(i: int, actions: list[tuple[str, float, int]]) -> Iterator[simpy.Event]:
        for j, (kind, delay, k) in enumerate(actions):
            if kind == "timeout":
                yield env.timeout(delay, value=(i, j))
            elif kind == "wait":
                value = yield signals[k]
                log.append(("got", i, j, value))
            elif kind == "fire" and not signals[k].triggered:
                signals[k].succeed((i, j))
            elif kind == "urgent":  # a child process: its start is an URGENT event
                env.process(child(i, j, delay))
            log.append((env.now, i, j))

    def child(i: int, j: int, delay: float) -> Iterator[simpy.Event]:
        yield env.timeout(delay)
        log.append(("child", env.now, i, j))

    for i, actions in enumerate(programs):
        env.process(process(i, actions))
    env.timeout(math.inf)  # never fires, but is pending (peek must skip to it at the end)
    for stop in sorted(stops):
        if stop > env.now:
            env.run(until=stop)
            log.append(("stop", env.now, env.peek()))
            between()
    env.run(until=1000.0)
    log.append(("end", env.now, env.peek()))
    return log


@settings(max_examples=300, deadline=None)
@given(programs=PROGRAMS, stops=STOPS, width=WIDTHS, rewidth=WIDTHS)
def test_same_order_as_simpy(programs: list, stops: list[float], width: float,
                             rewidth: float) -> None:
    expected = trace(simpy.Environment(), programs, stops)
    ours = Environment(bucket_h=width)
    assert trace(ours, programs, stops, lambda: ours.set_bucket_h(rewidth)) == expected


@given(programs=PROGRAMS, width=WIDTHS)
def test_step_and_peek_as_simpy(programs: list, width: float) -> None:
    """Driving the environment with step() gives SimPy's times, one event at a time."""
    def drive(env: simpy.Environment) -> list[float]:
        trace(env, programs, [])  # runs to 1000; then step through what is left
        seen = []
        for _ in range(200):
            when = env.peek()
            if when == math.inf:
                break
            env.step()
            seen.append((when, env.now))
        return seen

    assert drive(Environment(bucket_h=width)) == drive(simpy.Environment())


def test_empty_schedule_and_until_errors_as_simpy() -> None:
    env = Environment(bucket_h=0.5)
    with pytest.raises(simpy.core.EmptySchedule):
        env.step()
    assert env.peek() == math.inf
    env.timeout(3.0)
    env.run()
    assert env.now == 3.0
    with pytest.raises(ValueError, match="must be greater"):
        env.run(until=2.0)
    with pytest.raises(RuntimeError, match="No scheduled events left"):
        env.run(until=env.event())
    with pytest.raises(ValueError, match="Negative delay"):
        env.timeout(-1.0)
    with pytest.raises(ValueError, match="NaN"):
        env.timeout(math.nan)
    with pytest.raises(ValueError, match="bucket_h"):
        env.set_bucket_h(0.0)


def test_huge_times_and_infinity_keep_their_order() -> None:
    def order(env: simpy.Environment) -> list[float]:
        log: list[float] = []
        for at in (math.inf, 1e300, 5.0, 1e30, 5.0):
            env.timeout(at).callbacks.append(lambda _e, at=at: log.append(at))
        for _ in range(5):
            env.step()
        return log

    assert order(Environment(bucket_h=0.5)) == order(simpy.Environment()) == [
        5.0, 5.0, 1e30, 1e300, math.inf]


def test_failed_event_crashes_the_run_as_in_simpy() -> None:
    env = Environment()

    def broken() -> Iterator[simpy.Event]:
        yield env.timeout(5.0)
        raise KeyError("boom")

    LeanProcess(env, broken())
    with pytest.raises(KeyError, match="boom"):
        env.run()
    assert env.now == 5.0


def test_lean_process_can_be_waited_for_and_interrupted() -> None:
    env = Environment()
    log: list[Any] = []

    def worker() -> Iterator[simpy.Event]:
        try:
            yield env.timeout(10.0)
            log.append(("done", env.now))
        except simpy.Interrupt as stop:
            log.append(("interrupted", env.now, stop.cause))
            yield env.timeout(1.0)
        return "result"

    def boss(target: LeanProcess) -> Iterator[simpy.Event]:
        yield env.timeout(3.0)
        target.interrupt("whistle")
        value = yield target
        log.append(("joined", env.now, value))

    target = LeanProcess(env, worker())
    assert target.is_alive
    env.process(boss(target))
    env.run()
    assert log == [("interrupted", 3.0, "whistle"), ("joined", 4.0, "result")]
    assert not target.is_alive and target.value == "result"


def test_lean_process_starts_at_once_and_ends_without_an_event() -> None:
    env = Environment()
    started = []

    def case() -> Iterator[simpy.Event]:
        started.append(env.now)
        yield env.timeout(1.0)

    LeanProcess(env, case())
    assert started == [0.0]  # before any event was processed
    env.run()
    assert env.peek() == math.inf  # nothing scheduled for its end


def test_ticker_fires_like_a_process_yielding_timeouts() -> None:
    delays = [0.5, 0.0, 2.0, 2.0, 0.25, 10.0]

    def run(with_ticker: bool) -> list[tuple[str, float]]:
        env = Environment(bucket_h=1.0)
        log: list[tuple[str, float]] = []

        def steps() -> Iterator[float]:
            for d in delays:
                log.append(("tick", env.now))
                yield d
            log.append(("tick", env.now))

        def as_process() -> Iterator[simpy.Event]:
            for d in steps():
                yield env.timeout(d)

        def other() -> Iterator[simpy.Event]:
            for d in (0.5, 2.0, 2.5):
                yield env.timeout(d)
                log.append(("other", env.now))

        env.process(other())
        if with_ticker:
            Ticker(env, steps())
        else:
            env.process(as_process())
        env.run()
        return log

    assert run(with_ticker=True) == run(with_ticker=False)
