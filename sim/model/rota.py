"""A rota (排班): one team whose workers come in groups on shift patterns of their own.

A call centre staffs its line by shift — more operators at the morning peak, a few at night —
yet callers wait in one line. :func:`drive_rota` switches each group of a
:class:`~sim.model.team.Team`'s workers on and off duty by its own intervals; the team itself
is built with no shift driver of its own. The shift rule is the team's (work in hand at the end
of a shift is finished as overtime; a worker coming on duty takes the first waiting case).
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any

import numpy as np
import simpy

from sim.model.team import Team, Worker

__all__ = ["drive_rota"]


def drive_rota(env: simpy.Environment, team: Team, workers: Sequence[Worker],
               on_intervals: np.ndarray) -> Generator[simpy.Event, Any, None]:
    """Process: ``workers`` of ``team`` on duty during ``on_intervals``, off between them."""
    for start_h, end_h in on_intervals.tolist():
        if start_h > env.now:
            yield env.timeout(start_h - env.now)
        if end_h <= env.now:
            continue
        for worker in workers:
            worker.on_shift = True
            worker.shift_end_h = end_h
            if not worker.busy:
                team._hand_over(worker)
        yield env.timeout(end_h - env.now)
        free = team.free
        for worker in workers:
            worker.on_shift = False
            if not worker.busy:
                free.remove(worker)
