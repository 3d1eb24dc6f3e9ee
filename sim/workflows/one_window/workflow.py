"""The one-window service-application workflow (一网通办 / 一窗受理 / 最多跑一次).

An application arrives (at the hall or online), its materials are checked at a window, missing
ones send the applicant home and back (补正), and once the file is complete (受理) it passes the
approval steps of its service type at the departments. Policies (docs/policies.md, "One-window
services"), written as terms of the policy label:

* ``department_windows`` — the applicant takes the file to each department's own window in
  turn; each window checks that department's materials, then the department approves before the
  applicant goes on to the next (a new trip);
* ``one_window`` — one comprehensive window checks every material once and the back office
  routes the file through the departments in sequence, with no further trips;
* options: ``parallel`` (the steps of a stage at the same time; the file waits for the last),
  ``notify_once`` (一次告知: every missing material in one notice, else one at a time),
  ``prevalidation`` (智能预审 before the first submission), ``data_sharing`` (电子证照: a share
  of shareable materials is fetched, not brought), ``auto_approval`` (秒批: a rule decides the
  type's ``rule_share`` at once after acceptance).

With every option off, no materials and instantaneous window checks, the approval steps are a
Jackson tandem of the departments; with ``parallel`` a stage of two steps is a fork–join queue;
a window with materials missing at each submission is a queue with Bernoulli feedback through
an infinite-server delay (the applicant's return). tests/test_theory.py proves each.

Random numbers (common across policies): per arrival, from ``("services", "arrival")``, the
type, the channel, the rule draw and, per material, whether it is missing, whether data sharing
would fetch it and whether a pre-check would catch it — drawn whether or not the policy uses
them; every later draw (check and handling times, resubmissions, rejections, return delays)
from a stream of its own.
"""

from __future__ import annotations

import math
from collections.abc import Generator, Iterator, Mapping
from typing import Any, ClassVar

import numpy as np
import simpy

from sim.engine import LeanProcess
from sim.model.context import ModelContext
from sim.model.team import Team
from sim.model.workflow import Columns, Feed, Workflow, register_workflow
from sim.stochastic.distributions import Sampler
from sim.stochastic.estimators import km_quantiles
from sim.workflows.one_window.application import (
    APPROVED,
    CHANNELS,
    HALL,
    ONLINE,
    OUTCOMES,
    REJECTED,
    RULE_APPROVED,
    Application,
)
from sim.workflows.one_window.section import MODES, SECTION, ServicesSection

__all__ = ["OneWindow"]

#: a process step driven with ``yield from``: SimPy events in, a result out
Steps = Generator[simpy.Event, Any, None]

#: summary metrics in summary.csv order (docs/outputs.md, "Service applications")
METRICS = (
    "svc_arrived", "svc_decided", "svc_open_end", "svc_mean_working_days",
    "svc_median_working_days", "svc_p90_working_days", "svc_mean_days", "svc_median_days",
    "svc_p90_days", "svc_on_time_share", "svc_visits_per_app", "svc_one_visit_share",
    "svc_rework_per_app", "svc_rejection_rate", "svc_rule_approved_share",
    "svc_mean_hall_wait_min", "svc_window_utilization", "svc_dept_utilization",
    "svc_dept_hours",
)


class _Stage:
    """A stage of a service type at run time: its steps' teams, samplers and rejection odds."""

    __slots__ = ("reject_p", "reviews", "samplers", "teams")

    def __init__(self, teams: list[Team], samplers: list[Sampler], reject_p: list[float],
                 reviews: list[Sampler | None]):
        self.teams = teams
        self.samplers = samplers
        self.reject_p = reject_p
        self.reviews = reviews


def _share_with_closed_loop(team: Team, edf: bool) -> None:
    """Make a department the closed loop's policies have hooked serve applications too.

    The ordering rule when both workflows run (docs/workflows.md): one queue per department;
    the closed loop's worker-choice rules (nearest, skill …) concern where a complaint is and
    what it needs, so an application takes the longest-idle free worker; in a queue the closed
    loop orders by a key, an application's key is its promised deadline under ``edf`` (earliest
    deadline first across both workflows) and ahead of every complaint under other orders
    (first come first served among applications), so that statutory approvals never starve.
    Done once per team (the closed loop is built first and has installed its hooks).
    """
    pick, key = team.pick, team.queue_key
    if pick is not None and not getattr(pick, "one_window", False):
        def pick_for(free: Any, item: Any, pick: Any = pick) -> Any:
            return free[0] if isinstance(item, Application) else pick(free, item)

        pick_for.one_window = True  # type: ignore[attr-defined]
        team.pick = pick_for
    if key is not None and not getattr(key, "one_window", False):
        def key_for(item: Any, key: Any = key) -> Any:
            if isinstance(item, Application):
                return item.due_h if edf else -math.inf
            return key(item)

        key_for.one_window = True  # type: ignore[attr-defined]
        team.queue_key = key_for


@register_workflow
class OneWindow(Workflow):
    """Service applications through the hall or online, and the departments' approvals."""

    name = "one_window"
    section = SECTION
    columns = (
        ("app_id", "int64"), ("service_type", "int16"), ("channel", "int8"),
        ("t_arrival_h", "float64"), ("t_accepted_h", "float64"), ("t_done_h", "float64"),
        ("due_h", "float64"), ("outcome", "int8"), ("visits", "int32"),
        ("rework_rounds", "int32"), ("hall_wait_h", "float64"), ("dept_work_h", "float64"),
    )
    attributes: ClassVar[dict[str, str]] = {"app_id": "id", "service_type": "kind",
                                            "rework_rounds": "rework"}
    table = "applications"
    table_columns = (
        "app_id", "service_type", "channel", "t_arrival_h", "t_accepted_h", "t_done_h", "due_h",
        "outcome", "visits", "rework_rounds", "hall_wait_h", "dept_work_h",
        "processing_working_days", "processing_days", "on_time", "warmup",
    )
    metrics = METRICS
    headline = (("svc_arrived", "apps", "{:.0f}"),
                ("svc_mean_working_days", "mean wd", "{:.2f}"),
                ("svc_p90_working_days", "p90 wd", "{:.2f}"),
                ("svc_visits_per_app", "visits", "{:.2f}"),
                ("svc_on_time_share", "on time", "{:.1%}"))
    stage_columns = ("t_arrival_h", "t_accepted_h", "t_done_h")
    backlog_column = "open_applications"
    id_column = "app_id"

    def __init__(self, model: ModelContext):
        super().__init__(model)
        spec: ServicesSection = model.scenario.section(SECTION.key)
        self.spec = spec
        terms = set(model.policy.workflow) & set(SECTION.terms) or set(spec.terms())
        self.one_window = "one_window" in terms or not (terms & set(MODES))
        self.parallel = "parallel" in terms
        self.notify_once = "notify_once" in terms
        self.prevalidation = "prevalidation" in terms
        self.data_sharing = "data_sharing" in terms
        self.auto_approval = "auto_approval" in terms
        units, streams = model.units, model.streams
        self._draw = streams.uniform("services", "arrival")
        self._resubmit = streams.uniform("services", "resubmit")
        self._reject = streams.uniform("services", "reject")
        self._return = spec.return_delay_working_h.sampler(
            streams.generator("services", "return"))
        shares = np.array([t.share for t in spec.types], dtype=float)
        self._type_cum = (np.cumsum(shares) / shares.sum()).tolist()
        departments = {d: units.department_teams[i] for i, d in enumerate(units.department_ids)}
        edf = model.policy.dispatch.params.get("queue_order") == "edf"
        for kind in spec.types:
            for stage in kind.stages:
                for step in stage.steps:
                    _share_with_closed_loop(departments[step.department], edf)
        hall = spec.hall
        #: the hall windows that receive files: one comprehensive team, or one per department
        self.windows: dict[str, Team] = {}
        if self.one_window:
            self.windows[""] = units.add_team("window:comprehensive", "window", hall.windows,
                                              hall.shift)
        else:
            for kind in spec.types:
                for stage in kind.stages:
                    for step in stage.steps:
                        if step.department not in self.windows:
                            self.windows[step.department] = units.add_team(
                                f"window:{step.department}", "window",
                                hall.department_windows.get(step.department, 1), hall.shift)
        self._hall_check = hall.check_time.sampler(streams.generator("services", "check", "hall"))
        self.online: Team | None = None
        self._online_check: Sampler | None = None
        if spec.online is not None:
            self.online = units.add_team("online", "online", spec.online.staff, spec.online.shift)
            self._online_check = spec.online.check_time.sampler(
                streams.generator("services", "check", "online"))
        self._stages: list[list[_Stage]] = [
            [_Stage([departments[st.department] for st in stage.steps],
                    [st.time.sampler(streams.generator("services", "step", kind.id, s, k))
                     for k, st in enumerate(stage.steps)],
                    [st.reject_p for st in stage.steps],
                    [None if st.review_working_h is None else st.review_working_h.sampler(
                        streams.generator("services", "review", kind.id, s, k))
                     for k, st in enumerate(stage.steps)])
             for s, stage in enumerate(kind.stages)]
            for kind in spec.types]
        #: per type: the department whose window checks each material (department_windows)
        self._material_dept = [
            [m.department or kind.stages[0].steps[0].department for m in kind.materials]
            for kind in spec.types]
        self._dept_teams = sorted({t.name for stages in self._stages for st in stages
                                   for t in st.teams})
        self._open: dict[int, Application] = {}
        self._next_id = 0
        #: cumulative open hours at each opening of a hall team (see _open_h)
        self._open_cum: dict[str, np.ndarray] = {}

    @property
    def items_created(self) -> int:
        return self._next_id

    @property
    def items_open(self) -> int:
        return len(self._open)

    def feeds(self) -> list[Feed]:
        spec = self.spec
        rate = self.model.arrival_rate(spec.rate_per_day * spec.scale, spec.hour_profile,
                                       spec.weekday_profile, [])
        return [Feed("services", rate, self._arrive)]

    # -- arrivals -------------------------------------------------------------------------
    def _arrive(self, times_h: np.ndarray) -> Iterator[float]:
        env = self.model.env
        spec = self.spec
        draw = self._draw
        online_share = spec.online.share if spec.online is not None else 0.0
        for t_h in times_h.tolist():
            if t_h > env.now:
                yield t_h - env.now
            u_type = draw()
            kind = next(i for i, c in enumerate(self._type_cum) if u_type < c or
                        i == len(self._type_cum) - 1)
            channel = ONLINE if draw() < online_share else HALL
            u_rule = draw()
            missing: list[bool] = []
            needed: list[bool] = []
            caught: list[bool] = []
            share = spec.data_sharing.share
            accuracy = spec.prevalidation.accuracy
            for material in spec.types[kind].materials:
                missing.append(draw() < material.missing_p)
                fetched = draw() < share
                needed.append(not (self.data_sharing and material.shareable and fetched))
                caught.append(draw() < accuracy)
            app = Application(self._next_id, kind, channel, env.now, missing, needed)
            self._next_id += 1
            self._open[app.id] = app
            LeanProcess(env, self._apply(app, u_rule, caught))

    # -- an application's way ---------------------------------------------------------------
    def _apply(self, app: Application, u_rule: float,
               caught: list[bool]) -> Steps:
        env = self.model.env
        kind = self.spec.types[app.kind]
        if self.prevalidation:
            fixed = [m for m, miss in enumerate(app.missing)
                     if miss and app.needed[m] and caught[m]]
            if fixed:  # the pre-check told the applicant before any trip: fix, then submit
                for m in fixed:
                    app.missing[m] = False
                yield from self._wait_return()
        stages = self._stages[app.kind]
        rule = self.auto_approval and u_rule < kind.rule_share
        if self.one_window:
            yield from self._receive(app, range(len(app.missing)), self.windows[""])
            self._accept(app)
            if rule:
                self._decide(app, RULE_APPROVED)
                return
            for stage in stages:
                if self.parallel and len(stage.teams) > 1:
                    branches = [env.process(self._step(app, stage, k))
                                for k in range(len(stage.teams))]
                    yield env.all_of(branches)
                    rejected = any(b.value for b in branches)
                else:
                    rejected = False
                    for k in range(len(stage.teams)):
                        rejected = yield from self._step(app, stage, k)
                        if rejected:
                            break
                if rejected:
                    self._decide(app, REJECTED)
                    return
            self._decide(app, APPROVED)
            return
        depts = self._material_dept[app.kind]
        first = True
        for s, stage in enumerate(stages):
            for k, step in enumerate(kind.stages[s].steps):
                if not first:
                    yield from self._wait_return()  # the trip to the next department's window
                dept = step.department
                mine = [m for m, d in enumerate(depts) if d == dept]
                yield from self._receive(app, mine, self.windows[dept])
                if first:
                    self._accept(app)
                    first = False
                    if rule:
                        self._decide(app, RULE_APPROVED)
                        return
                if (yield from self._step(app, stage, k)):
                    self._decide(app, REJECTED)
                    return
        self._decide(app, APPROVED)

    def _accept(self, app: Application) -> None:
        """The file is complete (受理): the promised time starts."""
        now = self.model.env.now
        app.t_accepted_h = now
        app.due_h = float(self.model.calendar.add_working_days(
            now, self.spec.types[app.kind].promised_working_days))

    def _decide(self, app: Application, outcome: int) -> None:
        app.outcome = outcome
        app.t_done_h = self.model.env.now
        del self._open[app.id]
        self.log.append(app)

    def _wait_return(self) -> Steps:
        """The applicant's delay until the next trip or resubmission, in working hours."""
        env = self.model.env
        back_h = float(self.model.calendar.add_working_h(env.now, self._return()))
        if back_h > env.now:
            yield env.timeout(back_h - env.now)

    def _receive(self, app: Application, materials: Any, window: Team) -> Steps:
        """Submissions until the materials in ``materials`` are complete: each a hall visit
        (or an online submission), a check, and for missing ones a notice and a return."""
        env = self.model.env
        online = app.channel == ONLINE and self.online is not None
        team = self.online if online else window
        assert team is not None
        check = self._online_check if online else self._hall_check
        assert check is not None
        kind = self.spec.types[app.kind]
        while True:
            if not online:
                yield from self._until_open(team)
                app.visits += 1
            arrived_h = env.now
            got = team.try_acquire(app)
            worker = got if got is not None else (yield team.request(app))
            if not online:  # not served by closing time: home, and back at the next opening
                app.hall_wait_h += self._open_h(team, arrived_h, env.now)
            check_h = check()
            if check_h > 0.0:
                yield env.timeout(check_h)
            team.release(worker)
            missing = [m for m in materials if app.missing[m] and app.needed[m]]
            if not missing:
                return
            app.rework += 1
            told = missing if self.notify_once else missing[:1]
            yield from self._wait_return()
            for m in told:  # brought again: wrong again with the material's probability
                app.missing[m] = self._resubmit() < kind.materials[m].missing_p

    def _open_h(self, team: Team, t0_h: float, t1_h: float) -> float:
        """Hours the hall was open in ``[t0_h, t1_h]`` (a wait across closing time counts the
        open hours only: the applicant keeps the ticket and comes back in the morning)."""
        cum = self._open_cum.get(team.name)
        iv = team.intervals
        if cum is None:
            cum = self._open_cum[team.name] = np.concatenate(
                ([0.0], np.cumsum(iv[:, 1] - iv[:, 0])))

        def opened(t_h: float) -> float:
            k = int(np.searchsorted(iv[:, 0], t_h, side="right")) - 1
            if k < 0:
                return 0.0
            return float(cum[k]) + min(t_h, float(iv[k, 1])) - float(iv[k, 0])

        return opened(t1_h) - opened(t0_h)

    def _until_open(self, team: Team) -> Steps:
        """An applicant comes to the hall when it is open (the next opening if it is not)."""
        env = self.model.env
        iv = team.intervals
        now = env.now
        k = int(np.searchsorted(iv[:, 0], now, side="right")) - 1
        if k >= 0 and now < iv[k, 1]:
            return
        # the next opening; if the hall does not open again in this run, past its horizon
        opens_h = float(iv[k + 1, 0]) if k + 1 < len(iv) else self.model.horizon_h + 1.0
        yield env.timeout(opens_h - now)

    def _step(self, app: Application, stage: _Stage, k: int) -> Generator[simpy.Event, Any, bool]:
        """One department's approval step; True if it rejects."""
        env = self.model.env
        team = stage.teams[k]
        got = team.try_acquire(app)
        worker = got if got is not None else (yield team.request(app))
        work_h = stage.samplers[k]()
        if work_h > 0.0:
            yield env.timeout(work_h)
        team.release(worker)
        app.dept_work_h += work_h
        review = stage.reviews[k]
        if review is not None:  # sign-off (签批): waiting, not staff time
            until_h = float(self.model.calendar.add_working_h(env.now, review()))
            if until_h > env.now:
                yield env.timeout(until_h - env.now)
        p = stage.reject_p[k]
        return p > 0.0 and self._reject() < p

    # -- after the run --------------------------------------------------------------------
    def finish(self, horizon_h: float) -> dict[str, float]:
        for app in sorted(self._open.values(), key=lambda a: a.id):
            self.log.append(app)
        return {}

    def derive(self, columns: Columns) -> None:
        cal = self.model.calendar
        arrival = columns["t_arrival_h"]
        done = columns["t_done_h"]
        decided = ~np.isnan(done)
        working = np.full(arrival.shape, np.nan)
        if decided.any():
            working[decided] = (cal.working_h_between(arrival[decided], done[decided])
                                / cal.hours_per_working_day)
        columns["processing_working_days"] = working
        columns["processing_days"] = (done - arrival) / 24.0
        columns["on_time"] = decided & (done <= columns["due_h"] + 1e-9)
        columns["warmup"] = arrival < self.model.warmup_h

    def summarise(self, columns: Columns, resources: list[dict[str, Any]],
                  counts: Mapping[str, float]) -> dict[str, Any]:
        keep = ~columns["warmup"]
        decided = keep & ~np.isnan(columns["t_done_h"])
        # accepted files whose fate against the promised time is known by the horizon
        judged = keep & ~np.isnan(columns["t_accepted_h"]) & (
            ~np.isnan(columns["t_done_h"]) | (columns["due_h"] <= self.model.horizon_h))
        n, n_decided = int(keep.sum()), int(decided.sum())
        horizon = self.model.horizon_h
        cal = self.model.calendar
        arrival = columns["t_arrival_h"][keep]
        done = columns["t_done_h"][keep]
        closed = ~np.isnan(done)
        # open applications are right-censored at the horizon (Kaplan–Meier quantiles)
        end = np.where(closed, done, horizon)
        calendar_d = (end - arrival) / 24.0
        working_d = np.asarray(cal.working_h_between(arrival, end) if arrival.size else arrival,
                               dtype=float) / cal.hours_per_working_day
        med_wd, p90_wd = km_quantiles(working_d, closed, (0.5, 0.9)) if n else (math.nan,) * 2
        med_d, p90_d = km_quantiles(calendar_d, closed, (0.5, 0.9)) if n else (math.nan,) * 2
        hall = keep & (columns["channel"] == HALL)
        visits = columns["visits"]
        hall_visits = int(visits[hall].sum())
        outcome = columns["outcome"]

        def mean(values: np.ndarray) -> float:
            return float(values.mean()) if values.size else math.nan

        def utilisation(rows: list[dict[str, Any]]) -> float:
            available = sum(r["available_h"] for r in rows)
            return sum(r["busy_h"] for r in rows) / available if available > 0 else math.nan

        return {
            "svc_arrived": n,
            "svc_decided": n_decided,
            "svc_open_end": n - n_decided,
            "svc_mean_working_days": mean(working_d[closed]),
            "svc_median_working_days": med_wd,
            "svc_p90_working_days": p90_wd,
            "svc_mean_days": mean(calendar_d[closed]),
            "svc_median_days": med_d,
            "svc_p90_days": p90_d,
            "svc_on_time_share": (float(columns["on_time"][judged].mean())
                                  if judged.any() else math.nan),
            "svc_visits_per_app": mean(visits[decided].astype(float)),
            "svc_one_visit_share": mean((visits[decided] <= 1).astype(float)),
            "svc_rework_per_app": mean(columns["rework_rounds"][decided].astype(float)),
            "svc_rejection_rate": mean((outcome[decided] == REJECTED).astype(float)),
            "svc_rule_approved_share": mean((outcome[decided] == RULE_APPROVED).astype(float)),
            "svc_mean_hall_wait_min": (60.0 * float(columns["hall_wait_h"][hall].sum())
                                       / hall_visits if hall_visits else math.nan),
            "svc_window_utilization": utilisation(
                [r for r in resources if r["unit_kind"] == "window"]),
            "svc_dept_utilization": utilisation(
                [r for r in resources if r["unit"] in self._dept_teams]),
            "svc_dept_hours": float(columns["dept_work_h"][keep].sum()),
        }

    def labels(self) -> dict[str, list[str]]:
        return {"service_type": [t.id for t in self.spec.types], "channel": list(CHANNELS),
                "outcome": list(OUTCOMES)}

