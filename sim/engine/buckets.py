"""The width of the event queue's time buckets for a run (speed only: any width gives the same
order of events, see :class:`sim.engine.Environment`)."""

from __future__ import annotations

__all__ = ["bucket_h_for"]

#: events in a bucket of the event queue that run fastest (fewer: more buckets to turn over;
#: more: a deeper heap), and the events an arrival brings on average (district.yaml: 3.8)
BUCKET_EVENTS = 256
EVENTS_PER_ARRIVAL = 4.0
#: the widest bucket (a day): a run with hardly any arrivals still turns buckets over daily
MAX_BUCKET_H = 24.0


def bucket_h_for(arrivals_per_h: float) -> float:
    """Bucket width holding ~:data:`BUCKET_EVENTS` events at ``arrivals_per_h`` arrivals."""
    if arrivals_per_h > 0.0:
        return min(MAX_BUCKET_H, BUCKET_EVENTS / (EVENTS_PER_ARRIVAL * arrivals_per_h))
    return MAX_BUCKET_H
