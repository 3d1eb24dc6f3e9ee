"""The operators of a call centre (话务员), whose waiting callers may hang up (放弃).

A :class:`~sim.model.team.Team` whose ordinary queue a request can leave before it is served:
:meth:`CallQueue.hang_up` succeeds the caller's request with ``None`` (so whoever waits on it
learns there is no operator) and leaves the entry in the line; entries already decided are
dropped when they reach the front, before a worker is handed over or a new call is tried
(lazy deletion: hanging up is O(1), serving stays FIFO among callers still waiting). Only a
hotline with callers who hang up is built of this class, so no other team pays for the check.
Callers queue in the ordinary FIFO lane only (no queue key, no urgent lane).
"""

from __future__ import annotations

from typing import Any

import simpy

from sim.model.team import Team, Worker

__all__ = ["CallQueue"]


class CallQueue(Team):
    """Operators and a line of callers, from which a caller can hang up."""

    __slots__ = ("_gone",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._gone = 0  # callers who hung up and are still in the line
        super().__init__(*args, **kwargs)

    @property
    def queue_length(self) -> int:
        return super().queue_length - self._gone

    def hang_up(self, request: simpy.Event) -> bool:
        """The caller of ``request`` hangs up if still waiting; True if they did."""
        if request.triggered:
            return False
        request.succeed(None)
        self._gone += 1
        return True

    def _drop_gone(self) -> None:
        fifo = self._fifo
        while fifo and fifo[0][0].triggered:
            fifo.popleft()
            self._gone -= 1

    def try_acquire(self, case: Any, urgent: bool = False) -> Worker | None:
        if self._gone:
            self._drop_gone()
        return super().try_acquire(case, urgent)

    def _hand_over(self, worker: Worker) -> None:
        if self._gone:
            self._drop_gone()
        super()._hand_over(worker)
