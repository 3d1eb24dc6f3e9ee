"""The closed loop as a workflow: what each arrival becomes, what the run records and reports.

At each arrival of a channel the loop draws, from per-channel streams and in a fixed order, the
case's category, grid, the tier able to solve it, its flare-up clock, whether a hotline contact
becomes an order, and for orders the latent attributes (high risk, the uniforms behind a risk
score and a "strong concern" judgement). A day of arrivals is drawn at once, each stream read in
arrival order, so every policy on the same seed sees the very same cases (common random
numbers). Each work order then walks :func:`~sim.workflows.closed_loop.loop.closed_loop`.

The loop is also what policies see (:class:`~sim.policies.context.PolicyContext`): its stages
(:class:`~sim.workflows.closed_loop.stages.Stages`), the category tables and the units.

A run may keep an event log of the loop (:meth:`ClosedLoop.record_events`, module
:mod:`~sim.workflows.closed_loop.events`); the policies add their own events (退单) through
:meth:`ClosedLoop.record`.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Generator, Iterator, Mapping
from itertools import accumulate
from typing import Any, cast

import numpy as np

from sim.engine import LeanProcess
from sim.model.context import ModelContext
from sim.model.workflow import Columns, Feed, Workflow, register_workflow
from sim.policies import DISPATCH, ESCALATION, DispatchPolicy, EscalationPolicy
from sim.policies.context import PolicyContext
from sim.scenario.base import Deadline
from sim.scenario.closed_loop import Category, DeadlineClass
from sim.scenario.routes import entry_index, route_for
from sim.workflows.closed_loop import metrics as loop_metrics
from sim.workflows.closed_loop.calls import CallCentre, call_centre_metrics, rates_by_contacts
from sim.workflows.closed_loop.case import Case
from sim.workflows.closed_loop.columns import ATTRIBUTES, CASE_COLUMNS, COLUMNS
from sim.workflows.closed_loop.events import EVENT_CHUNK_ROWS, EventRecorder, EventSink
from sim.workflows.closed_loop.loop import closed_loop
from sim.workflows.closed_loop.stages import Stages

__all__ = ["ClosedLoop"]


@register_workflow
class ClosedLoop(Stages, Workflow):
    """The complaint closed loop (闭环) of 12345 and grid work orders."""

    name = "closed_loop"
    columns = COLUMNS
    attributes = ATTRIBUTES
    table = "cases"
    table_columns = tuple(c for c in CASE_COLUMNS if c not in ("policy", "replication"))
    metrics = loop_metrics.SUMMARY_METRICS
    #: a call centre (organisation.hotline.callers), its repeat calls, departments' on-call duty
    optional_metrics = (
        "contacts_offered", "contacts_answered_share", "self_service_share", "service_level",
        "abandonment_rate", "retry_share", "mean_wait_to_answer_s", "p90_wait_to_answer_s",
        "operator_occupancy", "lost_orders", "repeat_share", "response_rate_by_calls",
        "resolution_rate_by_calls", "satisfaction_rate_by_calls", "on_call_h",
        "on_call_standby_h",
    )
    headline = loop_metrics.HEADLINE
    stage_columns = ("t_arrival_h", "t_dispatched_h", "t_start_h", "t_onsite_h", "t_handled_h",
                     "t_closed_h")
    backlog_column = "open_cases"
    id_column = "case_id"

    @classmethod
    def active(cls, scenario: Any) -> bool:
        return bool(scenario.has_closed_loop)

    def __init__(self, model: ModelContext):
        super().__init__(model)
        scn = model.scenario
        assert scn.arrivals is not None and scn.categories is not None
        self.env = model.env
        self.streams = model.streams
        self.scenario = scn
        self.units = model.units
        self.channel_ids = [ch.id for ch in scn.arrivals.channels]
        self.open_cases: dict[int, Case] = {}
        self.n_contacts = 0
        self._next_id = 0
        self.acquire = None
        self.preempt_kinds = frozenset()
        rosters = {team: duty for team, duty in zip(model.units.department_teams,
                                                    model.units.on_call_teams, strict=True)
                   if duty is not None}
        self.on_call = rosters or None
        self.events = None
        #: the call centre of a hotline whose callers hang up (None: the plain queue)
        self.calls: CallCentre | None = None
        self._build_categories(scn.categories)
        self._build_stages()
        ctx: PolicyContext = self  # what policies may use (the type checker holds us to it)
        dispatch, escalation = model.policy.dispatch, model.policy.escalation
        dispatch_cls, escalation_cls = DISPATCH[dispatch.name], ESCALATION[escalation.name]
        self.dispatch_policy: DispatchPolicy = dispatch_cls(
            ctx, dispatch_cls.Params.model_validate(dispatch.params))
        self.escalation_policy: EscalationPolicy = escalation_cls(
            ctx, escalation_cls.Params.model_validate(escalation.params))
        self.dispatch_policy.setup()
        self.escalation_policy.setup()
        hook = self.dispatch_policy.acquire
        if hook is not None and self.acquire is None:
            self.acquire = hook
        # the loop calls this for hands-on work; skipping the policy's default work(), which
        # only delegates, saves a call on every tier of every case
        # (a policy's steps are any iterable of events; the loop reads what they return, which
        # is None for a plain iterable, so typing them as a generator is safe)
        own_work = type(self.escalation_policy).work is EscalationPolicy.work
        self.case_work = cast(Callable[[Case, str, float], Generator[Any, Any, Any]],
                              self.work if own_work else self.escalation_policy.work)

    # -- construction ---------------------------------------------------------------------
    def _build_categories(self, categories: list[Category]) -> None:
        scn = self.scenario
        units = self.units
        ladder = list(scn.escalation.ladder)
        owner = {cat: d for d, dept in enumerate(scn.organisation.departments)
                 for cat in dept.categories}
        dept_index = {did: i for i, did in enumerate(units.department_ids)}
        self.category_ids = [c.id for c in categories]
        self.category_owner = [owner.get(c.id, -1) for c in categories]
        # joint departments go in one global order (lock ordering, so no two joint cases can
        # wait on each other): fewest on-shift hours first, then as listed. The lead is thus the
        # hardest department to get, and the others (wider shifts) are summoned once it is there.
        rank = {d: (team.available_h_per_worker, d)
                for d, team in enumerate(units.department_teams)}
        self.category_joint = [sorted({dept_index[d] for d in c.joint_departments},
                                      key=rank.__getitem__)
                               for c in categories]
        self.category_skill_bit = [units.skill_bit(c.skill) if c.skill else 0
                                   for c in categories]
        self.category_unskilled = [c.unskilled_factor for c in categories]
        self.category_flare_risk = [c.flare_risk for c in categories]
        self.category_deadline: list[DeadlineClass] = [scn.deadline_classes[c.deadline_class]
                                                       for c in categories]
        self.deadline_class_names = [c.deadline_class for c in categories]
        #: close deadline as a fixed number of hours after arrival (calendar units), else None
        self._close_after_h = [_calendar_hours(d.close) for d in self.category_deadline]
        self.attempt_fraction = scn.escalation.attempt_fraction
        self._tier_names: list[list[str]] = []
        self._tier_cum: list[list[float]] = []
        self._routes: list[dict[str, list[str]]] = []
        self._routes_grid: list[dict[str, list[str]]] = []
        self._handling: list[dict[str, Callable[[], float]]] = []
        self._handling_mean: list[dict[str, float]] = [
            {tier: dist.mean() for tier, dist in cat.handling.items()} for cat in categories]
        grid_start = ladder.index("grid") if "grid" in ladder else 0
        for cat in categories:
            tiers: dict[str, float] = {t: p for t, p in cat.tiers.items()}
            names = [t for t, p in tiers.items() if p > 0]
            self._tier_names.append(names)
            self._tier_cum.append(list(accumulate(tiers[t] for t in names)))
            entry = cat.entry or ladder[0]
            self._routes.append({t: route_for(ladder, entry_index(ladder, entry, t), t)
                                 for t in names})
            self._routes_grid.append({t: route_for(ladder, grid_start, t) for t in names})
            self._handling.append({
                tier: dist.sampler(self.streams.generator("handling", cat.id, tier))
                for tier, dist in cat.handling.items()
            })

    def _build_stages(self) -> None:
        scn = self.scenario
        streams = self.streams
        self.registration = (scn.registration.time.sampler(streams.generator("registration"))
                             if scn.registration is not None else None)
        self.verification = (scn.verification.time.sampler(streams.generator("verification"))
                             if scn.verification is not None else None)
        hotline = scn.organisation.hotline
        self._talk = (hotline.talk_time.sampler(streams.generator("intake", "talk"))
                      if hotline is not None and hotline.talk_time is not None else None)
        self.evaluation = scn.evaluation
        if hotline is not None and hotline.callers is not None and self.units.hotline is not None:
            starts = [(ch.via_dispatch,
                       ch.dispatch_delay.sampler(streams.generator("dispatch_delay", ch.id))
                       if ch.dispatch_delay is not None else None)
                      for ch in scn.arrivals.channels] if scn.arrivals is not None else []
            self.calls = CallCentre(self, self.units.hotline, hotline.callers, self._talk,
                                    streams, starts)
            if self.calls.repeats:  # a closed order may make its citizen call again
                self.close = self._close_and_tell_calls  # type: ignore[method-assign]
        self._satisfaction_u = streams.uniform("evaluation", "satisfaction")
        self._reopen_u = streams.uniform("evaluation", "reopen")

    @property
    def items_created(self) -> int:
        return self._next_id

    @property
    def items_open(self) -> int:
        return len(self.open_cases)

    # -- what policies and the loop read --------------------------------------------------
    def handling_h(self, case: Case, tier: str) -> float:
        """Hands-on handling hours for ``case`` at ``tier`` (per category and tier stream)."""
        return self._handling[case.category][tier]()

    def mean_handling_h(self, category: int, tier: str) -> float:
        """Mean handling hours of a category at a tier (for policies that plan ahead)."""
        return self._handling_mean[category].get(tier, 0.0)

    def tier_label(self, kind: str) -> str:
        """Display label of a tier kind (``escalation.tier_labels``, e.g. village/township)."""
        return self.scenario.escalation.tier_label(kind)

    def take_id(self, case: Case) -> int:
        """Give ``case`` the next work-order id (a call-centre order, once answered)."""
        case.id = self._next_id
        self._next_id += 1
        return case.id

    def close(self, case: Case) -> None:
        """The case is closed (结案): out of the open cases, into the case log."""
        del self.open_cases[case.id]
        self.log.append(case)

    def _close_and_tell_calls(self, case: Case) -> None:
        ClosedLoop.close(self, case)
        assert self.calls is not None
        self.calls.closed(case)

    # -- the event log --------------------------------------------------------------------------
    def record_events(self, sink: EventSink,
                      chunk_rows: int = EVENT_CHUNK_ROWS) -> EventRecorder:
        """Keep an event log of this run (before ``run()``): every ``chunk_rows`` events go to
        ``sink``; call the recorder's ``flush()`` after the run for the rest."""
        hotline = self.units.hotline
        self.events = EventRecorder(self.env, sink, self.model.horizon_h, self._unit_name,
                                    hotline.name if hotline is not None else "",
                                    self.evaluation is not None, chunk_rows)
        return self.events

    def record(self, case: Any, activity: str, lifecycle: str = "complete",
               resource: str = "", unit: str = "", tier: str = "") -> None:
        """An event of ``case`` now, for the event log (nothing when the run keeps none)."""
        events = self.events
        if events is not None:
            events.named(case.id, activity, lifecycle, resource, unit, tier)

    def _unit_name(self, case: Case, tier: str) -> str:
        """The unit ``case`` goes to at ``tier`` (the lead department of a joint case)."""
        return self.teams_for(case, tier)[0].name

    # -- arrivals -----------------------------------------------------------------------------
    def feeds(self) -> list[Feed]:
        """One feed per channel (hotline, patrol, sensor), in the order of the file."""
        scn = self.scenario
        assert scn.arrivals is not None and scn.categories is not None
        shares = {c.id: c.share for c in scn.categories}
        feeds = []
        for ci, ch in enumerate(scn.arrivals.channels):
            if ch.rate_per_day is not None:
                per_day = ch.rate_per_day
            else:
                per_day = (ch.rate_per_grid_per_day or 0.0) * len(self.units.grid_ids)
            per_day *= scn.arrivals.scale
            rate = self.model.arrival_rate(
                per_day, ch.hour_profile, ch.weekday_profile,
                [(s.start_day * 24.0, s.end_day * 24.0, s.multiplier) for s in ch.surges])
            mix = ch.category_mix or shares
            weights = [mix.get(cid, 0.0) for cid in self.category_ids]
            day = (None if ch.day_effect is None
                   else (ch.day_effect.shape, ch.day_effect.group or ch.id))
            delay = (ch.dispatch_delay.sampler(self.streams.generator("dispatch_delay", ch.id))
                     if ch.dispatch_delay is not None else None)
            arrive = self._channel(ci, ch.id, ch.kind, weights, ch.order_share, ch.via_dispatch,
                                   delay)
            feeds.append(Feed(ch.id, rate, arrive, day))
        return feeds

    def _channel(self, channel: int, channel_id: str, kind: str, category_weights: list[float],
                 order_share: float, via_dispatch: bool,
                 dispatch_delay: Callable[[], float] | None,
                 ) -> Callable[[np.ndarray], Iterator[float]]:
        """What each arrival of one channel becomes: the per-chunk steps of :class:`Feed`."""
        env = self.env
        streams = self.streams
        u_category = streams.uniform("category", channel_id)
        u_grid = streams.uniform("location", channel_id)
        u_tier = streams.uniform("tier", channel_id)
        u_flare = streams.uniform("flare", channel_id)
        u_order = streams.uniform("order", channel_id)
        u_high = streams.uniform("flare", "high_risk", channel_id)
        u_score = streams.uniform("flare", "classifier", channel_id)
        u_concern = streams.uniform("escalation", "concern", channel_id)
        cat_cum = list(accumulate(category_weights))
        cat_total = cat_cum[-1]
        grid_cum = self.units.grid_weights_cum
        grid_total = grid_cum[-1]
        n_cat = len(cat_cum) - 1
        n_grid = len(grid_cum) - 1
        hotline = kind == "hotline"
        intake = hotline and self.units.hotline is not None
        calls = self.calls if intake else None  # callers who may hang up and call again
        flare = self.scenario.flareup
        high_share = flare.high_risk_share if flare is not None else 0.0
        high_mult = flare.high_risk_multiplier if flare is not None else 1.0
        routes = self._routes if via_dispatch else self._routes_grid
        close_after_h = self._close_after_h
        grid_street = self.units.grid_street
        cat_cum_a = np.array(cat_cum)
        grid_cum_a = np.array(grid_cum)

        def arrive(chunk: np.ndarray) -> Iterator[float]:
            # a day's attribute draws at once, each stream read in arrival order: the very
            # values one draw per arrival would give (UniformBlock.take), far fewer calls
            n = len(chunk)
            categories = _pick(cat_cum_a, u_category.take(n), cat_total, n_cat)
            grids = _pick(grid_cum_a, u_grid.take(n), grid_total, n_grid)
            tier_us = u_tier.take(n).tolist()
            flare_us = u_flare.take(n).tolist()
            if hotline:
                orders = (u_order.take(n) < order_share).tolist()
                n_orders = sum(orders)
            else:
                orders = [True] * n
                n_orders = n
            # drawn for work orders only, in the order they arrive
            highs = iter((u_high.take(n_orders) < high_share).tolist())
            scores = iter(u_score.take(n_orders).tolist())
            concerns = iter(u_concern.take(n_orders).tolist())
            for t_h, category, grid, u_t, u, becomes_order in zip(
                    chunk.tolist(), categories, grids, tier_us, flare_us, orders, strict=True):
                if t_h > env.now:
                    yield t_h - env.now
                # the case arrives at the simulation clock (now + (t_h - now) may round an ulp
                # below t_h, and no stage may start before the recorded arrival)
                t_h = env.now
                if hotline:
                    self.n_contacts += 1
                if not becomes_order:
                    if calls is not None:
                        calls.arrive(channel, None)
                    elif intake:
                        self.answer_only()
                    continue
                names = self._tier_names[category]
                if len(names) == 1:
                    solvable = names[0]
                else:
                    tier_cum = self._tier_cum[category]
                    solvable = names[min(bisect_right(tier_cum, u_t * tier_cum[-1]),
                                         len(names) - 1)]
                high = next(highs)
                risk = self.category_flare_risk[category]
                if high:
                    risk *= high_mult
                if flare is None or risk <= 0.0:
                    flare_h = math.inf
                else:
                    flare_h = flare.scale_h * (-math.log1p(-u) / risk) ** (1.0 / flare.shape)
                # a call-centre order gets its id when answered (a lost call is no order)
                case = Case(-1 if calls is not None else self._next_id, channel, category, grid,
                            grid_street[grid], solvable, routes[category][solvable], t_h,
                            flare_h, high, next(scores), next(concerns))
                after_h = close_after_h[category]
                case.close_due_h = (t_h + after_h if after_h is not None
                                    else self.model.due_h(t_h,
                                                          self.category_deadline[category].close))
                if calls is not None:
                    calls.arrive(channel, case)
                    continue
                self._next_id += 1
                LeanProcess(env, closed_loop(self, case, via_dispatch, intake, dispatch_delay))

        return arrive

    # -- the end of a run -----------------------------------------------------------------------
    def finish(self, horizon_h: float) -> dict[str, float]:
        """Cases still open go into the log too, with what the run did not reach unknown."""
        for case in sorted(self.open_cases.values(), key=lambda c: c.id):
            # times recorded ahead (on site after travel) that the run did not reach are unknown
            if case.t_onsite_h > horizon_h:
                case.t_onsite_h = math.nan
            if case.whistled and not case.t_whistle_h + case.report_h <= horizon_h:
                case.report_h = math.nan  # whistled, not every team there by the end
                case.report_late_h = max(0.0, horizon_h - case.report_due_h)
            self.log.append(case)
        counts = {"n_contacts": float(self.n_contacts)}
        if self.calls is not None:
            self.calls.finish(horizon_h)
            counts["lost_orders"] = float(self.calls.lost_orders)
        return counts

    def derive(self, columns: Columns) -> None:
        loop_metrics.derive(columns, [d.response for d in self.category_deadline],
                       self.model.calendar, self.model.horizon_h, self.model.warmup_h)

    def summarise(self, columns: Columns, resources: list[dict[str, Any]],
                  counts: Mapping[str, float]) -> dict[str, Any]:
        summary = loop_metrics.summarise(columns, resources, int(counts.get("n_contacts", 0)))
        if self.calls is not None:
            hot = [r for r in resources if r["unit_kind"] == "hotline"]
            summary.update(call_centre_metrics(
                self.calls.log.to_arrays(), sum(r["busy_h"] for r in hot),
                sum(r["available_h"] for r in hot), self.calls.callers.service_level_s,
                self.model.warmup_h))
            summary["lost_orders"] = counts.get("lost_orders", 0.0)
            if self.calls.repeats:
                summary.update(rates_by_contacts(columns, self.calls.log.to_arrays(),
                                                 self.model.warmup_h))
        if self.on_call is not None:  # departments' on-call rosters (值班): their cost
            duty = [r for r in resources if r["unit_kind"] == "on_call"]
            summary["on_call_h"] = float(sum(r["busy_h"] for r in duty))
            summary["on_call_standby_h"] = float(sum(r["available_h"] for r in duty))
        return summary

    def labels(self) -> dict[str, list[str]]:
        return {
            "channel": self.channel_ids,
            "category": self.category_ids,
            "grid": self.units.grid_ids,
            "street": self.units.street_ids,
            "deadline_class": self.deadline_class_names,
        }


def _calendar_hours(deadline: Deadline) -> float | None:
    """Hours of a deadline in calendar units (``due_h`` is then ``t_h`` + this), else None."""
    if deadline.unit == "h":
        return deadline.value
    if deadline.unit == "d":
        return 24.0 * deadline.value
    return None


def _pick(cum: np.ndarray, u: np.ndarray, total: float, last: int) -> list[int]:
    """Indices drawn by inverse CDF: ``min(bisect_right(cum, u * total), last)`` per ``u``."""
    return np.minimum(np.searchsorted(cum, u * total, side="right"), last).tolist()
