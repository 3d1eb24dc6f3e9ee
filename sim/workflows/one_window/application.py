"""One service application (申请) and what it records: a plain slotted record."""

from __future__ import annotations

import math

#: ``outcome`` codes (the ``outcome`` column's labels)
OPEN, APPROVED, REJECTED, RULE_APPROVED = 0, 1, 2, 3
OUTCOMES = ["open", "approved", "rejected", "rule_approved"]
#: ``channel`` codes
HALL, ONLINE = 0, 1
CHANNELS = ["hall", "online"]


class Application:
    """An application from first submission to decision (办结).

    ``missing[m]`` is whether material ``m`` of its type is missing or wrong right now;
    ``needed[m]`` whether it must be brought at all (data sharing may fetch it instead).
    """

    __slots__ = (
        "channel",
        "dept_work_h",
        "due_h",
        "hall_wait_h",
        "id",
        "kind",
        "missing",
        "needed",
        "outcome",
        "rework",
        "t_accepted_h",
        "t_arrival_h",
        "t_done_h",
        "visits",
    )

    def __init__(self, app_id: int, kind: int, channel: int, t_arrival_h: float,
                 missing: list[bool], needed: list[bool]):
        self.id = app_id
        self.kind = kind
        self.channel = channel
        self.t_arrival_h = t_arrival_h
        self.t_accepted_h = math.nan
        self.t_done_h = math.nan
        self.due_h = math.nan
        self.missing = missing
        self.needed = needed
        self.visits = 0
        self.rework = 0
        self.hall_wait_h = 0.0
        self.dept_work_h = 0.0
        self.outcome = OPEN
