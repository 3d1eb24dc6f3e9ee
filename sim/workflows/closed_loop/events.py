"""The event log of the closed loop (事件日志): one row per activity instance of a work order.

Process-mining tools read a real 12345 log as events — 受理, 派遣, 处置 … with a time, a
lifecycle (start / complete), the worker and the unit — so a simulated run recorded the same
way can go through the same tools (docs/outputs.md: events.parquet, OCEL 2.0, XES).

Recording is off unless a run asks for it (``ClosedLoop.record_events``): the loop then holds
an :class:`EventRecorder`, and its hot path pays one ``None`` test per stage when it does not.
The recorder only collects rows and hands them, a chunk at a time, to a *sink* of the layer
that writes files (:mod:`sim.run.events`), so memory stays flat and the workflow layer knows
nothing of file formats. Nothing here draws a random number: recording never changes a run.

Where an activity's end is fixed when it starts (the pure delays of 立案 and 核查), both events
are recorded at its start; events past the horizon are dropped when a chunk is handed over, so
the log never shows what the run did not reach.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import simpy

    from sim.model.team import Worker
    from sim.workflows.closed_loop.case import Case

__all__ = [
    "ACTIVITIES",
    "ACTIVITY_CODES",
    "COMPLETE",
    "EVENT_CHUNK_ROWS",
    "LIFECYCLES",
    "RESULTS",
    "START",
    "EventColumns",
    "EventRecorder",
    "EventSink",
]

#: the activities of a 12345 work order, in the vocabulary of a real log: (Chinese, English)
ACTIVITIES: tuple[tuple[str, str], ...] = (
    ("受理", "receive"),
    ("立案", "register"),
    ("派遣", "dispatch"),
    ("退单", "return"),
    ("处置", "handle"),
    ("转办", "transfer"),
    ("吹哨", "whistle"),
    ("核查", "verify"),
    ("评价", "evaluate"),
    ("重办", "reopen"),
    ("结案", "close"),
)
RECEIVE, REGISTER, DISPATCH, RETURN, HANDLE, TRANSFER, WHISTLE, VERIFY, EVALUATE, REOPEN, \
    CLOSE = range(len(ACTIVITIES))
#: activity code by either of its names (for the policies' hook, which names activities)
ACTIVITY_CODES: dict[str, int] = {name: code for code, names in enumerate(ACTIVITIES)
                                  for name in names}

LIFECYCLES = ("start", "complete")
START, COMPLETE = 0, 1
LIFECYCLE_CODES = {name: code for code, name in enumerate(LIFECYCLES)}

#: the evaluation's outcome (评价 events only)
RESULTS = ("", "satisfied", "unsatisfied")
NO_RESULT, SATISFIED, UNSATISFIED = 0, 1, 2

#: events collected before a chunk is handed to the sink (one Parquet row group)
EVENT_CHUNK_ROWS = 65_536

#: one chunk of events as columns: ``event_id``, ``case_id``, ``t_h`` (numbers) and
#: ``activity``, ``activity_en``, ``lifecycle``, ``resource``, ``unit``, ``tier``, ``result``
#: (object arrays of text)
EventColumns = dict[str, np.ndarray]
EventSink = Callable[[EventColumns], None]

_ZH = np.array([zh for zh, _ in ACTIVITIES], dtype=object)
_EN = np.array([en for _, en in ACTIVITIES], dtype=object)
_LIFECYCLE = np.array(LIFECYCLES, dtype=object)
_RESULT = np.array(RESULTS, dtype=object)


def _columns(rows: list[tuple[Any, ...]]) -> EventColumns:
    n = len(rows)
    cols = list(zip(*rows, strict=True)) if rows else [()] * 8
    case_id, activity, lifecycle, t_h, resource, unit, tier, result = cols
    act = np.fromiter(activity, dtype=np.int8, count=n)
    return {
        "case_id": np.fromiter(case_id, dtype=np.int64, count=n),
        "activity": _ZH[act],
        "activity_en": _EN[act],
        "lifecycle": _LIFECYCLE[np.fromiter(lifecycle, dtype=np.int8, count=n)],
        "t_h": np.fromiter(t_h, dtype=np.float64, count=n),
        "resource": np.array(resource, dtype=object),
        "unit": np.array(unit, dtype=object),
        "tier": np.array(tier, dtype=object),
        "result": _RESULT[np.fromiter(result, dtype=np.int8, count=n)],
    }


class EventRecorder:
    """Collects the events of one run and hands them to ``sink`` every ``chunk_rows`` events.

    ``unit_of(case, tier)`` names the unit a case goes to at a tier (the lead unit of a joint
    case); ``hotline`` is the hotline's unit name; ``evaluates`` says whether the scenario has
    an evaluation stage (评价 is recorded only then). Event ids number the events of the run in
    the order they were recorded, which within a case is the order of time.
    """

    __slots__ = ("_chunk_rows", "_env", "_first_id", "_horizon_h", "_rows", "_sink",
                 "evaluates", "hotline", "unit_of")

    def __init__(self, env: simpy.Environment, sink: EventSink, horizon_h: float,
                 unit_of: Callable[[Case, str], str], hotline: str = "",
                 evaluates: bool = True, chunk_rows: int = EVENT_CHUNK_ROWS):
        if chunk_rows < 1:
            raise ValueError(f"chunk_rows must be >= 1, got {chunk_rows}")
        self._env = env
        self._sink = sink
        self._horizon_h = horizon_h
        self._chunk_rows = chunk_rows
        self._rows: list[tuple[Any, ...]] = []
        self._first_id = 0
        self.unit_of = unit_of
        self.hotline = hotline
        self.evaluates = evaluates

    def add(self, case_id: int, activity: int, lifecycle: int, t_h: float, resource: str = "",
            unit: str = "", tier: str = "", result: int = NO_RESULT) -> None:
        """Record one event (codes of :data:`ACTIVITIES`, :data:`LIFECYCLES`, :data:`RESULTS`)."""
        rows = self._rows
        rows.append((case_id, activity, lifecycle, t_h, resource, unit, tier, result))
        if len(rows) >= self._chunk_rows:
            self.flush()

    def flush(self) -> None:
        """Hand the events collected so far to the sink (those past the horizon dropped)."""
        rows = self._rows
        if not rows:
            return
        self._rows = []
        cols = _columns(rows)
        keep = cols["t_h"] < self._horizon_h
        if not keep.all():
            cols = {name: values[keep] for name, values in cols.items()}
        n = len(cols["t_h"])
        cols["event_id"] = np.arange(self._first_id, self._first_id + n, dtype=np.int64)
        self._first_id += n
        self._sink(cols)

    # -- what the loop records ------------------------------------------------------------------
    def delay(self, case: Case, activity: int, duration_h: float) -> None:
        """A pure delay starting now (立案, 核查): its start and its complete at once."""
        now = self._env.now
        self.add(case.id, activity, START, now)
        self.add(case.id, activity, COMPLETE, now + duration_h)

    def intake(self, case: Case, steps: Generator[simpy.Event, Any, Any]
               ) -> Generator[simpy.Event, Any, Any]:
        """受理 of a hotline call around the intake's steps: from arrival to the operator done."""
        self.add(case.id, RECEIVE, START, case.t_arrival_h, "", self.hotline)
        operator: Worker | None = yield from steps
        self.add(case.id, RECEIVE, COMPLETE, self._env.now,
                 "" if operator is None else operator.id, self.hotline)
        return operator

    def answered(self, case: Case, operator: Worker) -> None:
        """受理 of a call-centre order, when its call ends: from the matter's first call (any
        hang-ups and retries in between) to the operator done."""
        self.add(case.id, RECEIVE, START, case.t_arrival_h, "", self.hotline)
        self.add(case.id, RECEIVE, COMPLETE, self._env.now, operator.id, self.hotline)

    def received(self, case: Case) -> None:
        """受理 of an order found on patrol or by a sensor: one event, at arrival."""
        self.add(case.id, RECEIVE, COMPLETE, self._env.now)

    def dispatch(self, case: Case, steps: Iterable[simpy.Event]
                 ) -> Generator[simpy.Event, Any, None]:
        """派遣 around the dispatch policy's steps (its 退单 are recorded by the policy)."""
        tier = case.route[0]
        self.add(case.id, DISPATCH, START, self._env.now, "", "", tier)
        yield from steps
        self.add(case.id, DISPATCH, COMPLETE, self._env.now, "", self.unit_of(case, tier), tier)

    def escalation(self, case: Case, to_tier: str, steps: Iterable[simpy.Event]
                   ) -> Generator[simpy.Event, Any, None]:
        """转办, or 吹哨 when the case is whistled at this escalation, around the policy's steps.

        The policy decides before its first step (a whistle sets ``case.whistled``), so the
        steps are driven here one by one: the start event then names the right activity.
        """
        env = self._env
        was_whistled = case.whistled
        t0_h = env.now
        unit = self.unit_of(case, to_tier)
        it = iter(steps)
        send = getattr(it, "send", None)  # a generator (a tuple of no steps has no send)
        event: simpy.Event | None = next(it, None)
        activity = WHISTLE if case.whistled and not was_whistled else TRANSFER
        self.add(case.id, activity, START, t0_h, "", unit, to_tier)
        while event is not None:
            try:
                value = yield event
            except Exception as exc:  # an interrupt goes on to the steps, as with yield from
                throw = getattr(it, "throw", None)
                if throw is None:
                    raise
                try:
                    event = throw(exc)
                except StopIteration:
                    event = None
                continue
            try:
                event = send(value) if send is not None else next(it)
            except StopIteration:
                event = None
        self.add(case.id, activity, COMPLETE, env.now, "", unit, to_tier)

    def handling(self, case: Case, tier: str, worker: Worker) -> None:
        """处置 starts: the lead worker is there (recorded by the stage that acquired them)."""
        self.add(case.id, HANDLE, START, self._env.now, worker.id, worker.team.name, tier)

    def handled(self, case: Case, tier: str, worker: Worker | None) -> None:
        """处置 complete, with the worker who finished (another one if a whistle pre-empted)."""
        if worker is None:  # an escalation policy's own work that returns no worker
            self.add(case.id, HANDLE, COMPLETE, self._env.now, "", "", tier)
        else:
            self.add(case.id, HANDLE, COMPLETE, self._env.now, worker.id, worker.team.name,
                     tier)

    def evaluated(self, case: Case, satisfied: bool) -> None:
        """评价 (when the scenario evaluates), with its result."""
        if self.evaluates:
            self.add(case.id, EVALUATE, COMPLETE, self._env.now, "", "", "",
                     SATISFIED if satisfied else UNSATISFIED)

    def reopened(self, case: Case) -> None:
        """重办: the unsatisfied citizen's order goes back to the tier that solved it."""
        self.add(case.id, REOPEN, COMPLETE, self._env.now, "", "", case.tier_final)

    def closed(self, case: Case) -> None:
        """结案."""
        self.add(case.id, CLOSE, COMPLETE, self._env.now, "", "", case.tier_final)

    # -- what policies record (PolicyContext.record) ------------------------------------------
    def named(self, case_id: int, activity: str, lifecycle: str, resource: str, unit: str,
              tier: str) -> None:
        """An event named in words (``"退单"`` or ``"return"``, ``"complete"``), at now."""
        try:
            code = ACTIVITY_CODES[activity]
            phase = LIFECYCLE_CODES[lifecycle]
        except KeyError as exc:
            raise ValueError(f"unknown activity or lifecycle {exc.args[0]!r}; activities: "
                             f"{[zh for zh, _ in ACTIVITIES]}, lifecycles: "
                             f"{list(LIFECYCLES)}") from None
        self.add(case_id, code, phase, self._env.now, resource, unit, tier)
