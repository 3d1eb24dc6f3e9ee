"""Garbage collection around a run: no cyclic collection while it executes, and a full one
between runs only when the objects runs leave behind have grown (see :func:`quiet_gc`)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["quiet_gc"]

#: Tracked objects after the last full collection that ended a run (see :func:`quiet_gc`).
_tracked_after_collect = 0


@contextmanager
def quiet_gc() -> Iterator[None]:
    """No cyclic garbage collection while a run executes (reference counting still frees).

    A run allocates millions of short-lived objects (events, generators, cases) that all die
    by reference counting while it executes, so the cyclic collector only costs time, and much
    of it: every collection walks the objects in flight: 12-15 % of a district run at the
    default thresholds, and still about half of a city run (tens of thousands of cases queued)
    with a young threshold of 50,000.

    At the end, what the run left alive (the organisation, cases still queued) is moved to the
    oldest generation (``gc.freeze()`` + ``gc.unfreeze()``, which also resets the young count):
    otherwise the first allocation after re-enabling would walk all of it in one young
    collection (~5 % of a city run) only to find nothing to free. That graph *is* cyclic
    (workers point to their team, suspended case generators to the model), so once the caller
    drops the model it is garbage in the oldest generation, which CPython would rarely visit
    between runs: a sweep of 360 street runs in one process grew to 1.75 GiB. Hence, as
    CPython does for long-lived objects, a full collection runs when the tracked objects have
    grown by 25 % since the last one: every ~6 street runs in a sweep worker, ~85 ms each
    (~4 % of a street sweep; memory stays flat).
    """
    global _tracked_after_collect
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        tracked = gc.get_freeze_count()
        gc.unfreeze()
        if enabled:
            if not _tracked_after_collect:  # the first run in this process: nothing to free yet
                _tracked_after_collect = tracked
            elif tracked > 1.25 * _tracked_after_collect:
                gc.collect()
                gc.freeze()
                _tracked_after_collect = gc.get_freeze_count()
                gc.unfreeze()
            gc.enable()
