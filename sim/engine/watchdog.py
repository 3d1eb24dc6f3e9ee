"""A watchdog for runs that make no progress in simulated time (a zero-time loop).

A model can loop forever without the clock moving: work that takes no time and repeats
(reopening with zero handling, travel and verification times, say). The event loop cannot tell
such a loop from a busy instant, and checking it there would slow every event. Instead a CPU
timer (``SIGPROF``) looks at the simulation clock every ``check_s`` seconds of computing; if it
has not moved for ``stall_s`` seconds the run is stopped with :class:`SimulationStalled`. The
hot loop pays nothing. Only the main thread of a process can receive the signal; elsewhere (a
Dask thread) and where ``setitimer`` does not exist the watchdog is off.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Protocol

__all__ = ["STALL_S", "SimulationStalled", "progress_watchdog"]

#: seconds of computing without simulated time moving before a run is declared stuck
STALL_S = 30.0
CHECK_S = 2.0


class SimulationStalled(RuntimeError):
    """Simulated time stopped advancing: the model is looping in zero time."""


class _Clock(Protocol):
    @property
    def now(self) -> float: ...


@contextmanager
def progress_watchdog(env: _Clock, cause: str = "", stall_s: float = STALL_S,
                      check_s: float = CHECK_S) -> Iterator[None]:
    """Raise :class:`SimulationStalled` inside the block when ``env.now`` stays put for
    ``stall_s`` seconds of CPU time; ``cause`` names what typically does that in this model."""
    usable = (hasattr(signal, "setitimer") and hasattr(signal, "SIGPROF")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return
    last = [env.now, 0.0]  # the clock at the last check, and how long it has stood there

    def check(signum: int, frame: FrameType | None) -> None:
        now = env.now
        if now != last[0]:
            last[0], last[1] = now, 0.0
            return
        last[1] += check_s
        if last[1] >= stall_s:
            signal.setitimer(signal.ITIMER_PROF, 0)
            hint = f"; likely cause: {cause}" if cause else ""
            raise SimulationStalled(
                f"simulated time has not moved past {now:.6g} h (day {now / 24:.4g}) in "
                f"{last[1]:.0f} s of computing: the model is looping in zero time{hint}")

    previous = signal.signal(signal.SIGPROF, check)
    old_timer = signal.setitimer(signal.ITIMER_PROF, check_s, check_s)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, *old_timer)
        signal.signal(signal.SIGPROF, signal.SIG_DFL if previous is None else previous)
