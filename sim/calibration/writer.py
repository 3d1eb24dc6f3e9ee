"""Writing a calibrated scenario: every fitted value with its sample size and interval in a
comment (``# fitted: n=12,408, 95 % CI 0.61–0.64``), every assumption marked ``[est]``.

What a log cannot tell comes from ``base`` (a scenario file: its organisation — staffing,
shifts, locations — travel, flare-ups and policies' other parameters), or is estimated here and
marked ``[est]``: units sized so that the log's elapsed times are carried without queueing
(Erlang C, P(wait) ≤ 1 %), always on duty, travel off. The text is validated as a scenario
before it is written (atomically): a calibration never writes a file govsim would refuse.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sim import __version__
from sim.calibration.calibrate import Calibration, CategoryFit
from sim.calibration.fitting import DurationFit, Estimate
from sim.run.output import atomic_write
from sim.scenario.loader import Problem, ScenarioError, read_yaml, validate_data
from sim.scenario.scenario import Scenario

__all__ = ["Assumption", "render_scenario", "scenario_document", "write_scenario"]

PathKey = tuple[str | int, ...]
Notes = dict[PathKey, str]
#: the largest P(wait) of an estimated team (Erlang C)
P_WAIT = 0.01
_PLAIN = re.compile(r"^[A-Za-z_\u4e00-\u9fff][A-Za-z0-9_\-\u4e00-\u9fff]*$")
_RESERVED = {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"}


@dataclass(frozen=True)
class Assumption:
    """One thing the written scenario takes without the log telling it: a stable ``key`` (the
    report words it in either language from ``fields``) and the English ``text`` of the
    scenario's header."""

    key: str
    text: str
    fields: dict[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.text


def _identifier(name: str) -> str:
    """A scenario id for a name from the log (spaces, brackets … become ``_``)."""
    cleaned = re.sub(r"[^A-Za-z0-9_\-\u4e00-\u9fff]+", "_", name).strip("_")
    return cleaned or "unnamed"


def _erlang_c(c: int, a: float) -> float:
    """P(wait) of an M/M/c queue with offered load ``a`` (1 if unstable)."""
    if a <= 0:
        return 0.0
    if a >= c:
        return 1.0
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    rho = a / c
    return b / (1.0 - rho * (1.0 - b))


def _servers(load: float) -> int:
    """The fewest workers that carry ``load`` (erlangs) with P(wait) ≤ :data:`P_WAIT`."""
    c = max(1, math.ceil(load))
    while _erlang_c(c, load) > P_WAIT:
        c += 1
    return c


def _r(x: float, digits: int = 4) -> float:
    return float(f"{x:.{digits}g}")


def _ci(e: Estimate, unit: str = "", digits: int = 3) -> str:
    return e.note(digits) + (f" {unit}" if unit and "no interval" not in e.note() else "")


def _duration_note(fit: DurationFit, what: str) -> str:
    return (f"fitted {what}: {fit.family} by censored ML (AIC), n={fit.n:,} "
            f"({fit.n_censored:,} still open), mean {fit.mean.value:.3g} h "
            f"(95 % CI {fit.mean.low:.3g}–{fit.mean.high:.3g}), cv {fit.cv.value:.2g}, "
            f"KS {fit.ks:.3f}")


def _shares(weights: dict[str, float]) -> dict[str, float]:
    """Shares rounded to 6 decimals that sum to 1 exactly (the largest takes the rest)."""
    total = sum(weights.values())
    out = {k: round(v / total, 6) for k, v in weights.items()}
    top = max(out, key=out.__getitem__)
    out[top] = round(1.0 - sum(v for k, v in out.items() if k != top), 6)
    return out


def _deadline(hours: float) -> dict[str, Any]:
    if hours % 24 == 0:
        return {"value": _r(hours / 24.0), "unit": "d"}
    return {"value": _r(hours), "unit": "h"}


def _class_name(hours: float) -> str:
    return f"limit_{int(hours // 24)}d" if hours % 24 == 0 else f"limit_{_r(hours):g}h"


def scenario_document(cal: Calibration, name: str, base: Scenario | None = None
                      ) -> tuple[dict[str, Any], Notes, list[Assumption]]:
    """The scenario as a document, its comments by path, and the assumptions made."""
    log = cal.log
    notes: Notes = {}
    assumed: list[Assumption] = []
    doc: dict[str, Any] = {"version": 1, "name": name,
                           "description": f"calibrated from {Path(log.source).name} "
                                          f"({len(log.orders):,} orders, {log.days} days)"}
    working = ({"working_hours": base.calendar.working_hours,
                "working_days": list(base.calendar.working_days)} if base is not None else {})
    doc["calendar"] = {"start": log.start.isoformat(timespec="seconds"),
                       "horizon_days": log.days, "warmup_days": 0, **working}
    if base is not None and base.calendar.holidays:
        doc["calendar"]["holidays"] = [d.isoformat() for d in base.calendar.holidays]
    notes[("calendar", "warmup_days")] = ("the log starts empty as a run does: 0 so that "
                                          "`govsim backtest` compares like with like")
    if cal.holidays:
        notes[("calendar", "horizon_days")] = (
            f"{len(cal.holidays)} holidays are surges of the arrival rates below: as "
            "calendar.holidays they would also stop every shift, and the log shows work on them")
        assumed.append(Assumption("holidays_as_surges", f"{len(cal.holidays)} holidays as "
                                  "surges of the arrival rates; work goes on on them",
                                  {"n": len(cal.holidays)}))
    if base is not None and base.shifts:
        doc["shifts"] = {k: v.model_dump(mode="json") for k, v in base.shifts.items()}
    departments = {d: _identifier(d) for d in cal.departments}
    doc["organisation"] = (_base_organisation(cal, base, departments, notes) if base is not None
                           else _estimated_organisation(cal, departments, notes, assumed))
    doc["arrivals"] = _arrivals(cal, notes)
    classes = sorted({c.deadline_h for c in cal.categories if c.deadline_h is not None})
    doc["deadline_classes"] = {
        _class_name(h): {"response": _deadline(h), "close": _deadline(h)} for h in classes}
    for h in classes:
        notes[("deadline_classes", _class_name(h), "response")] = (
            "[est] a log has no on-site time: the response limit is set to the closure limit")
        notes[("deadline_classes", _class_name(h), "close")] = "from 要求办结时间 − 受理时间"
    if classes:
        assumed.append(Assumption("response_deadline", "response deadlines [est]: a log has "
                                  "no on-site time, so each equals its closure deadline"))
    else:
        doc["deadline_classes"] = {"general": {"response": {"value": 24, "unit": "h"},
                                               "close": {"value": 7, "unit": "d"}}}
        assumed.append(Assumption("no_deadlines", "no deadlines in the log: the general class "
                                  "(24 h / 7 d) [est]"))
    doc["categories"] = [_category(c, i, notes) for i, c in enumerate(cal.categories)]
    doc["escalation"] = {"ladder": list(cal.tiers)}
    if base is not None and base.escalation.tier_labels:
        doc["escalation"]["tier_labels"] = dict(base.escalation.tier_labels)
    notes[("escalation", "ladder")] = "the tiers the log's orders were handled at"
    doc["travel"] = (base.travel.model_dump(mode="json") if base is not None
                     else {"enabled": False})
    if base is None:
        notes[("travel", "enabled")] = ("[est] off: the log's times already include the way "
                                        "there, and it has no locations")
    doc["registration"] = None
    doc["verification"] = None
    doc["evaluation"] = _evaluation(cal, notes)
    doc["flareup"] = (base.flareup.model_dump(mode="json")
                      if base is not None and base.flareup is not None else None)
    if doc["flareup"] is None:
        notes[("flareup",)] = "not in a work-order log: copy a flareup section to study them"
        assumed.append(Assumption("no_flareups", "no flare-ups (a log does not record them)"))
    misroute = cal.misroute_p
    manual: dict[str, Any] = {"misroute_p": _r(misroute.value)}
    notes[("policy", "dispatch", "params", "misroute_p")] = (
        f"{_ci(misroute)} (from {cal.returns_per_order.value:.3g} returns per order, 退单; "
        "one rate for every channel)")
    if cal.return_delay_h is not None and cal.return_delay_h.value > 0:
        manual["return_delay"] = {"dist": "lognormal", "mean_h": _r(cal.return_delay_h.value),
                                  "cv": 0.8}
        notes[("policy", "dispatch", "params", "return_delay")] = (
            f"mean {_ci(cal.return_delay_h)} h (the time a return adds); cv 0.8 [est]")
        assumed.append(Assumption("return_delay_cv", "the time a return adds: fitted mean, "
                                  "lognormal with cv 0.8 [est]"))
    assumed.append(Assumption("one_misroute_rate", "one return (退单) rate for every channel "
                              "and category"))
    doc["policy"] = {"dispatch": {"name": "manual", "params": manual},
                     "escalation": {"name": "transfer"}}
    if base is not None and base.policy_params:
        doc["policy_params"] = {k: v for k, v in base.policy_params.items() if k != "manual"}
    for c in cal.categories:
        if c.department_units > 1:
            assumed.append(Assumption(
                "department_units", f"category {c.id}: department orders went to "
                f"{c.department_units} units; the catalogue sends all to the most frequent, "
                f"{c.department}", {"category": c.id, "units": c.department_units,
                                    "department": c.department}))
    return doc, notes, assumed


def _arrivals(cal: Calibration, notes: Notes) -> dict[str, Any]:
    channels = []
    for i, ch in enumerate(cal.channels):
        path: PathKey = ("arrivals", "channels", i)
        entry: dict[str, Any] = {"id": _identifier(ch.id), "kind": ch.kind,
                                 "rate_per_day": _r(ch.counts.rate.value)}
        notes[(*path, "rate_per_day")] = (f"{_ci(ch.counts.rate)} orders/day "
                                          f"(weekly mean; {ch.orders:,} orders)")
        entry["hour_profile"] = [round(s * 24, 3) for s in ch.hour_share]
        notes[(*path, "hour_profile")] = f"fitted: share of {ch.orders:,} orders by clock hour × 24"
        entry["weekday_profile"] = [_r(e.value, 3) for e in ch.weekday_factor]
        notes[(*path, "weekday_profile")] = (
            "fitted: mean orders by weekday (mon … sun) over ordinary days ÷ their mean; "
            "95 % CIs " + " ".join(f"{e.low:.2f}–{e.high:.2f}" for e in ch.weekday_factor))
        if ch.holiday_factor is not None and cal.holidays:
            entry["surges"] = [{"start_day": a, "end_day": b,
                                "multiplier": _r(ch.holiday_factor.value, 3)}
                               for a, b in _runs(cal)]
            notes[(*path, "surges")] = (f"holidays: rate × {_ci(ch.holiday_factor)} "
                                        f"({ch.holiday_factor.n} days)")
        if ch.category_mix is not None:
            entry["category_mix"] = {c: _r(e.value) for c, e in ch.category_mix.items()}
            notes[(*path, "category_mix")] = "fitted: this channel's own mix (χ² p < 0.001)"
        if ch.group is not None:
            _members, shape = cal.groups[ch.group]
            entry["day_effect"] = {"shape": _r(shape.value, 3), "group": _identifier(ch.group)}
            notes[(*path, "day_effect")] = (f"negative binomial days, k {_ci(shape)}; the "
                                            f"channels of {ch.group} move together")
        elif math.isfinite(ch.counts.shape.value):
            entry["day_effect"] = {"shape": _r(ch.counts.shape.value, 3)}
            notes[(*path, "day_effect")] = f"negative binomial days, k {_ci(ch.counts.shape)}"
        else:
            notes[(*path, "rate_per_day")] += "; days no more variable than Poisson"
        if ch.dispatch_delay is not None:
            entry["dispatch_delay"] = ch.dispatch_delay.scenario()
            notes[(*path, "dispatch_delay")] = _duration_note(ch.dispatch_delay,
                                                               "受理 → 派单")
        else:
            notes[(*path, "kind")] = "dispatched as received (no 受理 → 派单 time in the log)"
        channels.append(entry)
    return {"channels": channels}


def _runs(cal: Calibration) -> list[tuple[int, int]]:
    """Holidays as runs of consecutive days ``[start_day, end_day)`` inside the log."""
    days = sorted({(h - cal.log.start.date()).days for h in cal.holidays}
                  & set(range(cal.log.days)))
    runs: list[tuple[int, int]] = []
    for d in days:
        if runs and runs[-1][1] == d:
            runs[-1] = (runs[-1][0], d + 1)
        else:
            runs.append((d, d + 1))
    return runs


def _category(c: CategoryFit, i: int, notes: Notes) -> dict[str, Any]:
    path: PathKey = ("categories", i)
    entry: dict[str, Any] = {"id": _identifier(c.id), "share": _r(c.share.value)}
    notes[(*path, "share")] = _ci(c.share)
    if c.deadline_h is not None:
        entry["deadline_class"] = _class_name(c.deadline_h)
    entry["entry"] = "solvable"
    notes[(*path, "entry")] = "a log shows where an order was handled, not a route: straight there"
    entry["tiers"] = _shares({t: e.value for t, e in c.tiers.items()})
    n_known = next(iter(c.tiers.values())).n
    notes[(*path, "tiers")] = "fitted: " + "; ".join(
        f"{t} {e.low:.2f}–{e.high:.2f}" for t, e in c.tiers.items()) + f" (n={n_known:,})"
    entry["handling"] = {t: fit.scenario() for t, fit in c.handling.items()}
    for t, fit in c.handling.items():
        pooled = " (too few here: the tier over all categories)" if t in c.pooled else ""
        notes[(*path, "handling", t)] = _duration_note(fit, "派单 → 办结") + pooled
    return entry


def _evaluation(cal: Calibration, notes: Notes) -> dict[str, Any] | None:
    s = cal.satisfaction
    if s is None:
        notes[("evaluation",)] = "no evaluations in the log"
        return None
    reopen = cal.reopen_p
    entry = {"satisfied_p_on_time": _r(s.on_time.value),
             "satisfied_p_floor": _r(min(s.floor.value, s.on_time.value)),
             "lateness_scale_h": _r(s.scale_h.value),
             "reopen_p": _r(reopen.value) if reopen is not None else 0.0,
             "max_reopens": 1}
    notes[("evaluation", "satisfied_p_on_time")] = _ci(s.on_time)
    notes[("evaluation", "satisfied_p_floor")] = _ci(s.floor) + " (with lateness_scale_h)"
    notes[("evaluation", "lateness_scale_h")] = _ci(s.scale_h) + " h"
    if reopen is not None:
        notes[("evaluation", "reopen_p")] = _ci(reopen) + " (reopened among the unsatisfied)"
    notes[("evaluation", "max_reopens")] = "[est] a log shows whether, not how often"
    return entry


def _week_profile(cal: Calibration) -> np.ndarray:
    """Arrivals per hour of a week (mon 00–01 … sun 23–24) relative to their mean."""
    week = np.zeros(168)
    for ch in cal.channels:
        hours = np.asarray(ch.hour_share) * 24.0
        days = np.array([e.value for e in ch.weekday_factor])
        week += ch.counts.rate.value * np.outer(days, hours).ravel()
    return week / week.mean() if week.mean() > 0 else np.ones(168)


def _peak(week: np.ndarray, mean_h: float, day_k: float) -> float:
    """Peak ÷ mean of the number of orders in service at a unit with mean time ``mean_h`` (an
    infinite-server convolution of the weekly profile with an exponential holding time), times
    a 99 % allowance for busy days (the day effect, averaged over the days an order lasts)."""
    lags = np.arange(168 * 6)
    survival = np.exp(-lags / max(mean_h, 1e-6))
    reps = np.tile(week, 7)
    in_service = np.convolve(reps, survival)[168 * 6: 168 * 7] / survival.sum()
    ratio = float(in_service.max())
    days = max(1.0, mean_h / 24.0)
    busy_day = 1.0 + 2.33 / math.sqrt(day_k * days) if math.isfinite(day_k) else 1.0
    return ratio * busy_day


def _loads(cal: Calibration) -> dict[tuple[str, str], float]:
    """Peak offered load (erlangs) per unit, (tier, unit name): arrivals/h × mean time, at the
    busiest hour of the week and a busy day (:func:`_peak`), so that a team sized for it carries
    the log's times without the queueing that a mean load would hide."""
    per_h = sum(ch.counts.rate.value for ch in cal.channels) / 24.0
    week = _week_profile(cal)
    shapes = [cal.groups[ch.group][1].value if ch.group else ch.counts.shape.value
              for ch in cal.channels]
    day_k = min(shapes) if shapes else math.inf
    loads: dict[tuple[str, str], float] = {}
    geo = cal.geography
    for c in cal.categories:
        rate = per_h * c.share.value
        total = sum(e.value for e in c.tiers.values())
        for tier, e in c.tiers.items():
            fit = c.handling.get(tier)
            if fit is None:
                continue
            load = rate * e.value / total * fit.mean.value * _peak(week, fit.mean.value, day_k)
            if tier == "department":
                key = ("department", c.department or "")
                loads[key] = loads.get(key, 0.0) + load
                continue
            for street, communities in geo.items():
                for community, grids in communities.items():
                    for grid, share in grids.items():
                        unit = {"grid": grid, "community": community, "street": street}[tier]
                        loads[(tier, unit)] = loads.get((tier, unit), 0.0) + load * share
    return loads


def _estimated_organisation(cal: Calibration, departments: dict[str, str], notes: Notes,
                            assumed: list[Assumption]) -> dict[str, Any]:
    loads = _loads(cal)
    tiers = set(cal.tiers)
    streets: list[dict[str, Any]] = []
    communities: list[dict[str, Any]] = []
    grids: list[dict[str, Any]] = []
    for si, (street, comms) in enumerate(cal.geography.items()):
        size = _servers(loads.get(("street", street), 0.0)) if "street" in tiers else 0
        streets.append({"id": _identifier(street), "team": {"size": size, "shift": "always"}})
        notes[("organisation", "streets", si, "team")] = _staff_note(loads.get(("street",
                                                                                street), 0.0))
        for community, members in comms.items():
            ci = len(communities)
            com: dict[str, Any] = {"id": _identifier(community), "street": _identifier(street)}
            if "community" in tiers:
                load = loads.get(("community", community), 0.0)
                com["team"] = {"size": _servers(load), "shift": "always"}
                notes[("organisation", "communities", ci, "team")] = _staff_note(load)
            communities.append(com)
            for grid, share in members.items():
                gi = len(grids)
                load = loads.get(("grid", grid), 0.0)
                grids.append({"id": _identifier(grid), "community": _identifier(community),
                              "x_km": 0.0, "y_km": 0.0, "weight": _r(share * 100),
                              "workers": _servers(load) if "grid" in tiers else 0})
                notes[("organisation", "grids", gi, "weight")] = (
                    f"fitted: {share:.2%} of orders; x/y [est] (travel off)")
    depts = []
    for di, (name, ident) in enumerate(departments.items()):
        load = loads.get(("department", name), 0.0)
        owned = [_identifier(c.id) for c in cal.categories if c.department == name]
        depts.append({"id": ident, "team_size": _servers(load), "shift": "always",
                      "categories": owned})
        notes[("organisation", "departments", di, "team_size")] = _staff_note(load)
    assumed.append(Assumption(
        "staffing", "staffing, shifts and locations [est]: teams sized so that the log's "
        f"elapsed times are carried without queueing (Erlang C, P(wait) ≤ {P_WAIT}), always on "
        "duty, travel off; give --base for your organisation", {"p_wait": P_WAIT}))
    org: dict[str, Any] = {"streets": streets, "communities": communities, "grids": grids,
                           "grid_worker_shift": "always", "departments": depts}
    if any(ch.kind == "hotline" for ch in cal.channels):
        org["hotline"] = {"operators": 1, "shift": "always"}
        notes[("organisation", "hotline")] = ("[est] orders only: a work-order log has no "
                                              "calls, so intake takes no time")
        assumed.append(Assumption("hotline_intake", "hotline intake takes no time [est]: a "
                                  "work-order log has no calls"))
    return org


def _staff_note(load: float) -> str:
    return (f"[est] peak offered load {load:.3g} erlangs: the fewest workers with P(wait) ≤ "
            f"{P_WAIT:g} (a log has elapsed times, not staff)")


def _base_organisation(cal: Calibration, base: Scenario, departments: dict[str, str],
                       notes: Notes) -> dict[str, Any]:
    org = base.organisation.model_dump(mode="json")
    known = {d["id"] for d in org["departments"]}
    missing = [ident for ident in departments.values() if ident not in known]
    grids = {g.id for g in base.organisation.all_grids()}
    unknown_grids = sorted({_identifier(g) for comms in cal.geography.values()
                            for members in comms.values() for g in members} - grids)
    problems = []
    if missing:
        problems.append(f"departments of the log not in the base scenario: {missing} (give them "
                        f"these ids in its organisation.departments)")
    if unknown_grids:
        problems.append(f"grids of the log not in the base scenario: {unknown_grids[:8]}"
                        + (" …" if len(unknown_grids) > 8 else ""))
    if problems:
        raise ScenarioError([Problem("--base", (), p) for p in problems])
    for i, dept in enumerate(org["departments"]):
        dept["categories"] = [_identifier(c.id) for c in cal.categories
                              if c.department is not None
                              and departments[c.department] == dept["id"]]
        notes[("organisation", "departments", i, "categories")] = (
            "the log's catalogue: categories whose department orders went here")
    share = {_identifier(g): s for comms in cal.geography.values() for members in comms.values()
             for g, s in members.items()}
    if org.get("grids"):
        for i, grid in enumerate(org["grids"]):
            grid["weight"] = _r(max(share.get(grid["id"], 0.0), 1e-6) * 100)
            notes[("organisation", "grids", i, "weight")] = "fitted: share of orders × 100"
    return org


# -- YAML with comments ----------------------------------------------------------------------
def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED:
        return text
    return json.dumps(text, ensure_ascii=False)


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return _scalar(value)


WIDTH = 98


def _scalars(value: Any) -> bool:
    """A list or mapping of scalars only (written in flow style)."""
    inner = value.values() if isinstance(value, dict) else value
    return isinstance(value, dict | list) and all(not isinstance(v, dict | list) for v in inner)


def _wrapped(value: list[Any] | dict[str, Any], indent: int) -> list[str]:
    """A flow collection over several lines of at most :data:`WIDTH` characters."""
    items = ([_flow(v) for v in value] if isinstance(value, list)
             else [f"{_scalar(k)}: {_flow(v)}" for k, v in value.items()])
    opener, closer = ("[", "]") if isinstance(value, list) else ("{", "}")
    lines, line = [], " " * indent + opener
    for i, item in enumerate(items):
        piece = item + (", " if i < len(items) - 1 else closer)
        if len(line) + len(piece.rstrip()) > WIDTH and line.strip() != opener:
            lines.append(line.rstrip())
            line = " " * (indent + 1)
        line += piece
    lines.append(line)
    return lines


def _lines(node: Any, path: PathKey, indent: int, notes: Notes) -> Iterator[str]:
    pad = " " * indent
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _entry(f"{pad}{_scalar(key)}:", value, (*path, key), indent, notes)
    else:
        for i, item in enumerate(node):
            if isinstance(item, dict) and item and not (_scalars(item) and len(
                    f"{pad}- {_flow(item)}") <= WIDTH):
                body = list(_lines(item, (*path, i), indent + 2, notes))
                yield f"{pad}- {body[0].lstrip()}"
                yield from body[1:]
            else:
                yield from _entry(f"{pad}-", item, (*path, i), indent, notes)


def _entry(head: str, value: Any, path: PathKey, indent: int, notes: Notes) -> Iterator[str]:
    note = notes.get(path)
    comment = f"  # {note}" if note else ""
    if not isinstance(value, dict | list) or not value:
        yield f"{head} {_flow(value)}{comment}"
    elif _scalars(value):
        one = f"{head} {_flow(value)}"
        if len(one) <= WIDTH:
            yield one + comment
        else:  # the flow collection on its own lines, the comment before it
            yield head + comment
            yield from _wrapped(value, indent + 2)
    else:
        yield f"{head}{comment}"
        yield from _lines(value, path, indent + 2, notes)


def render_scenario(doc: dict[str, Any], notes: Notes, header: list[str]) -> str:
    """The scenario as YAML text, comments after the values they explain."""
    out = [f"# {line}" if line else "#" for line in header]
    for key, value in doc.items():
        block = list(_entry(f"{_scalar(key)}:", value, (key,), 0, notes))
        if len(block) > 1 and out and out[-1] != "":
            out.append("")  # a blank line around every block section
        out.extend(block)
        if len(block) > 1:
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def write_scenario(cal: Calibration, out: str | Path, base: Scenario | None = None,
                   base_file: str = "") -> tuple[Path, Scenario, list[Assumption]]:
    """Write the calibrated scenario to ``out``; it is validated first. Returns the path, the
    validated scenario and the assumptions made."""
    out = Path(out)
    name = _identifier(out.stem)
    doc, notes, assumed = scenario_document(cal, name, base)
    log = cal.log
    header = [
        f"Calibrated by govsim {__version__} `govsim calibrate` on "
        f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z} from {log.source}:",
        f"{log.rows:,} rows, {len(log.orders):,} orders used, {len(log.bad):,} rows not used "
        f"({log.start:%Y-%m-%d} to {log.end:%Y-%m-%d}).",
        "Every fitted value carries its sample size and 95 % interval; [est] marks what a log "
        "cannot tell.",
        *([f"Base scenario: {base_file} (organisation, shifts, travel, flare-ups)."]
          if base is not None else []),
        "Assumed:",
        *[f"  - {a.text}" for a in assumed],
        "Check it against the log: govsim backtest THIS_FILE LOG (docs/calibration.md).",
        "",
    ]
    text = render_scenario(doc, notes, header)
    data = yaml.safe_load(text)
    validate_data(data, str(out))  # a calibration never writes a file govsim would refuse
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, lambda p: p.write_text(text, encoding="utf-8"))
    data, _index = read_yaml(out)
    return out, validate_data(data, str(out)), assumed
