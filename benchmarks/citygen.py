"""A generated Beijing-scale city (市) for benchmark 3: ~25 M hotline contacts a year.

Writing 30,000 grids into YAML by hand is no one's job, so the city is built in Python as a plain
scenario document and checked by :func:`sim.scenario.loader.validate_data` like any file. Figures
follow docs/sources.md (section in brackets); [est] marks assumptions. Teams are sized from the
expected workload (:func:`expected_hours_per_day`) so that each kind of unit runs at
``utilisation`` on average: a benchmark of an overloaded city would measure queues growing
without bound, not the engine.

What is simplified, and why:

* The hotline centre is a counter, not a queue (``hotline_team=False``): intake takes no time,
  and the ~15 M contacts a year that do not become orders are **counted at intake**
  (``n_contacts``). ``hotline_team=True`` puts the operators and their talk time in.
* A category has one owning department in the schema, so departments are city-wide teams with a
  base at the centre; their workers move on from the last case's grid.
* Streets tile the city as compact blocks (grids are listed, not a lattice, because a lattice
  deals grids round-robin and would scatter every street over the whole city).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from sim.scenario.loader import validate_data
from sim.scenario.routes import route_for
from sim.scenario.scenario import Scenario

__all__ = ["CATEGORIES", "city_scenario", "expected_hours_per_day", "load_city"]

#: Hotline hour-of-day weights: office hours, evening noise bump [Channels].
HOUR_PROFILE = [0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0, 1.8,
                1.4, 1.8, 1.9, 1.8, 1.6, 1.2, 1.0, 1.0, 1.1, 1.2, 1.0, 0.6]
#: Weekdays carry ~3× a weekend day [Channels] (here 2.4×).
WEEKDAY_PROFILE = [1.2, 1.2, 1.2, 1.2, 1.2, 0.5, 0.5]

LADDER = ["grid", "street", "department", "joint"]
ATTEMPT_FRACTION = 0.5  # a tier that fails spends half a handling time first [est]


def _ln(mean_h: float, cv: float = 1.0) -> dict[str, Any]:
    return {"dist": "lognormal", "mean_h": mean_h, "cv": cv}


#: Categories as in scenarios/district.yaml: shares after Beijing 12345 2020, tier splits after
#: Quanzhou 2022 [Where cases come from; Dispatch policies], handling times [est].
CATEGORIES: list[dict[str, Any]] = [
    {"id": "street_order", "share": 0.20, "deadline_class": "general", "owner": "chengguan",
     "tiers": {"grid": 0.70, "street": 0.22, "department": 0.06, "none": 0.02},
     "handling": {"grid": _ln(0.8), "street": _ln(2.0), "department": _ln(3.0)},
     "flare_risk": 0.5},
    {"id": "public_facilities", "share": 0.10, "deadline_class": "utilities",
     "owner": "public_facilities",
     "tiers": {"grid": 0.50, "street": 0.20, "department": 0.28, "none": 0.02},
     "handling": {"grid": _ln(0.5, 0.8), "street": _ln(1.5), "department": _ln(2.5)},
     "flare_risk": 0.5},
    {"id": "noise_pollution", "share": 0.08, "deadline_class": "general", "owner": "environment",
     "tiers": {"grid": 0.35, "street": 0.30, "department": 0.25, "joint": 0.07, "none": 0.03},
     "handling": {"grid": _ln(0.8), "street": _ln(2.0), "department": _ln(3.0, 1.2),
                  "joint": _ln(2.5)},
     "joint_departments": ["environment", "chengguan"], "flare_risk": 2.0},
    {"id": "property_housing", "share": 0.14, "deadline_class": "general", "owner": "housing",
     "tiers": {"grid": 0.30, "street": 0.35, "department": 0.25, "joint": 0.05, "none": 0.05},
     "handling": {"grid": _ln(1.0), "street": _ln(2.5), "department": _ln(3.0, 1.2),
                  "joint": _ln(3.0)},
     "joint_departments": ["housing", "chengguan"], "flare_risk": 1.5},
    {"id": "market_regulation", "share": 0.12, "deadline_class": "general", "owner": "market",
     "tiers": {"grid": 0.20, "street": 0.25, "department": 0.50, "none": 0.05},
     "handling": {"grid": _ln(0.8), "street": _ln(2.0), "department": _ln(3.0)},
     "flare_risk": 1.0},
    {"id": "utilities", "share": 0.09, "deadline_class": "utilities", "owner": "water",
     "tiers": {"grid": 0.25, "street": 0.15, "department": 0.58, "none": 0.02},
     "handling": {"grid": _ln(0.5), "street": _ln(1.5), "department": _ln(2.5)},
     "flare_risk": 1.0},
    {"id": "traffic_parking", "share": 0.07, "deadline_class": "general", "owner": "transport",
     "tiers": {"grid": 0.50, "street": 0.25, "department": 0.22, "none": 0.03},
     "handling": {"grid": _ln(0.5), "street": _ln(1.5), "department": _ln(2.5)},
     "flare_risk": 0.5},
    {"id": "illegal_construction", "share": 0.04, "deadline_class": "complex",
     "owner": "chengguan",
     "tiers": {"grid": 0.10, "street": 0.40, "department": 0.25, "joint": 0.20, "none": 0.05},
     "handling": {"grid": _ln(1.0), "street": _ln(4.0), "department": _ln(4.0),
                  "joint": _ln(4.0)},
     "joint_departments": ["chengguan", "housing"], "flare_risk": 2.0},
    {"id": "public_health", "share": 0.06, "deadline_class": "general", "owner": "health",
     "tiers": {"grid": 0.30, "street": 0.30, "department": 0.35, "none": 0.05},
     "handling": {"grid": _ln(0.8), "street": _ln(2.0), "department": _ln(3.0)},
     "flare_risk": 1.0},
    {"id": "social_order", "share": 0.07, "deadline_class": "general", "owner": "police",
     "tiers": {"grid": 0.40, "street": 0.30, "department": 0.20, "joint": 0.05, "none": 0.05},
     "handling": {"grid": _ln(0.8), "street": _ln(2.0), "department": _ln(2.5),
                  "joint": _ln(3.0)},
     "joint_departments": ["police", "chengguan"], "flare_risk": 1.5},
    {"id": "emergency", "share": 0.03, "deadline_class": "emergency",
     "owner": "public_facilities",
     "tiers": {"grid": 0.40, "street": 0.30, "department": 0.30},
     "handling": {"grid": _ln(0.5, 0.8), "street": _ln(1.0, 0.8), "department": _ln(2.0, 0.8)},
     "flare_risk": 3.0},
]

#: Department id → (name, shift); sizes come from the workload.
DEPARTMENTS: dict[str, tuple[str, str]] = {
    "chengguan": ("城管", "long_duty"),
    "environment": ("生态环境", "duty"),
    "housing": ("住建", "office"),
    "market": ("市场监管", "office"),
    "water": ("水务", "duty"),
    "transport": ("交通", "duty"),
    "public_facilities": ("市政市容", "long_duty"),
    "health": ("卫健", "office"),
    "police": ("公安", "long_duty"),
}

SHIFTS: dict[str, dict[str, Any]] = {
    "patrol": {"windows": ["07:00-21:30"], "days": "all"},      # Hangzhou collectors [Channels]
    "street_day": {"windows": ["08:00-20:00"], "days": "all"},  # [est]
    "office": {"windows": ["08:30-17:30"], "days": "weekdays"},  # [est]
    "duty": {"windows": ["08:30-17:30"], "days": "all"},        # [est]
    "long_duty": {"windows": ["07:00-22:00"], "days": "all"},   # [est]
}
#: Mean on-shift hours per calendar day of each shift.
SHIFT_H_PER_DAY = {"patrol": 14.5, "street_day": 12.0, "office": 9.0 * 5 / 7, "duty": 9.0,
                   "long_duty": 15.0, "always": 24.0}

STREET_SPEED_KMH = 15.0  # e-bike / car in town traffic [est]
DEPT_SPEED_KMH = 25.0  # [est]
GRID_SPEED_KMH = 4.5  # on foot [est]
WITHIN_GRID_KM = 0.1  # [est] walk inside a 0.15 km grid


def expected_hours_per_day(orders_per_day: float, street_side_km: float,
                           city_side_km: float) -> dict[str, float]:
    """Expected busy hours per day by unit: ``grid``, ``street``, and each department id.

    Walks every category's routes (:func:`sim.scenario.route_for`) with their probabilities:
    a failing tier costs ``ATTEMPT_FRACTION`` of its mean handling time, the solving tier the
    whole of it; travel is the mean Manhattan distance between random points of the unit's area
    (2/3 of the side) at the unit's speed. Reopened cases (a few per cent) are left out.
    """
    hours: dict[str, float] = {"grid": 0.0, "street": 0.0}
    hours.update({d: 0.0 for d in DEPARTMENTS})
    travel = {"grid": WITHIN_GRID_KM / GRID_SPEED_KMH,
              "street": (2.0 / 3.0) * street_side_km / STREET_SPEED_KMH,
              "department": (2.0 / 3.0) * city_side_km / DEPT_SPEED_KMH}
    travel["joint"] = travel["department"]
    for cat in CATEGORIES:
        rate = orders_per_day * cat["share"]
        for solvable, p in cat["tiers"].items():
            route = route_for(LADDER, 0, solvable)
            for k, tier in enumerate(route):
                solves = k == len(route) - 1 and solvable != "none"
                h = cat["handling"][tier]["mean_h"] * (1.0 if solves else ATTEMPT_FRACTION)
                h += travel[tier]
                units = {"grid": ["grid"], "street": ["street"], "department": [cat["owner"]],
                         "joint": cat.get("joint_departments", [])}[tier]
                for unit in units:
                    hours[unit] += rate * p * h
    return hours


def city_scenario(
    contacts_per_year: float = 25e6,
    order_share: float = 0.41,
    grids: int = 30_000,
    streets_x: int = 19,
    streets_y: int = 18,
    communities_per_street: int = 4,
    spacing_km: float = 0.15,
    days: float = 365.0,
    warmup_days: float = 7.0,
    start: str = "2025-01-06T00:00:00",
    utilisation: float = 0.7,
    hotline_team: bool = False,
    dispatch_desk: bool = True,
    demand_scale: float = 1.0,
) -> dict[str, Any]:
    """The city as a scenario document (a dict as YAML would give it).

    Defaults: ~25 M hotline contacts a year, 41 % of which (~10.3 M) become work orders
    [Channels; Reference scale]; 30,000 grids (Beijing's 16 districts at ~1,900 each
    [Reference scale: district 1,500–2,500]) in 19 × 18 = 342 streets (~340 streets and
    townships [Channels]). ``demand_scale`` multiplies the demand *and* the staff, keeping the
    load per worker (the growth benchmark scales the grids separately).
    """
    if grids < streets_x * streets_y:
        raise ValueError("need at least one grid per street")
    orders_per_day = contacts_per_year / 365.0 * order_share * demand_scale
    side = math.ceil(math.sqrt(grids))
    city_side_km = side * spacing_km
    street_side_km = city_side_km / max(streets_x, streets_y)
    n_streets = streets_x * streets_y

    streets = []
    for s in range(n_streets):
        sx, sy = s % streets_x, s // streets_x
        streets.append({
            "id": f"s{s:03d}",
            "location": {"x_km": round((sx + 0.5) * city_side_km / streets_x, 3),
                         "y_km": round((sy + 0.5) * city_side_km / streets_y, 3)},
            "speed_kmh": STREET_SPEED_KMH,
        })
    communities = [{"id": f"s{s:03d}c{k}", "street": f"s{s:03d}"}
                   for s in range(n_streets) for k in range(communities_per_street)]
    grid_rows = []
    half = max(1, communities_per_street // 2)
    for i in range(grids):
        col, row = i % side, i // side
        s = (row * streets_y // side) * streets_x + (col * streets_x // side)
        # communities: sub-blocks of the street block (left/right × top/bottom …)
        local_x = (col * streets_x * half // side) % half
        local_y = (row * streets_y * 2 // side) % 2
        k = min(communities_per_street - 1, local_y * half + local_x)
        grid_rows.append({"id": f"g{i:05d}", "community": f"s{s:03d}c{k}",
                          "x_km": round(col * spacing_km, 3), "y_km": round(row * spacing_km, 3)})

    hours = expected_hours_per_day(orders_per_day, street_side_km, city_side_km)

    def staff(h_per_day: float, shift: str, peak: float = 1.0) -> int:
        return max(1, math.ceil(h_per_day * peak / (SHIFT_H_PER_DAY[shift] * utilisation)))

    street_size = staff(hours["street"] / n_streets, "street_day")
    for st in streets:
        st["team"] = {"size": street_size, "shift": "street_day"}
    centre = {"x_km": round(city_side_km / 2, 3), "y_km": round(city_side_km / 2, 3)}
    departments = [
        {"id": d, "name": name, "team_size": staff(hours[d], shift), "shift": shift,
         "base": centre, "speed_kmh": DEPT_SPEED_KMH,
         "categories": [c["id"] for c in CATEGORIES if c["owner"] == d]}
        for d, (name, shift) in DEPARTMENTS.items()
    ]
    organisation: dict[str, Any] = {
        "streets": streets,
        "communities": communities,
        "grids": grid_rows,
        "grid_workers_per_grid": 1,  # one per grid [est; Reference scale ~1 per grid]
        "grid_worker_shift": "patrol",
        "grid_worker_speed_kmh": GRID_SPEED_KMH,
        "departments": departments,
    }
    contacts_per_day = contacts_per_year / 365.0 * demand_scale
    if hotline_team:
        # 150 s a contact [Channels], office-hour peaks at 2× the mean
        organisation["hotline"] = {
            "operators": staff(contacts_per_day * 0.0417, "always", peak=2.0),
            "shift": "always",
            "talk_time": _ln(0.0417, 0.6),
        }
    else:
        # intake takes no time: contacts are counted, operators are not modelled
        organisation["hotline"] = {"operators": 1, "shift": "always", "talk_time": None}
    if dispatch_desk:
        # ~6 min per order at the desk (Beijing) [Dispatch policies], +6 % returns, 2× peaks
        organisation["dispatch_desk"] = {
            "dispatchers": staff(orders_per_day * 1.06 * 0.1, "always", peak=2.0),
            "shift": "always",
            "triage_time": _ln(0.1, 0.5),
        }
    categories = [{k: v for k, v in c.items() if k != "owner"} for c in CATEGORIES]
    return {
        "version": 1,
        "name": "beijing_city_year",
        "description": "Generated Beijing-scale city (benchmarks.citygen): 12345 hotline orders, "
                       f"{grids} grids, {n_streets} streets, {len(departments)} departments.",
        "calendar": {"start": datetime.fromisoformat(start), "horizon_days": days,
                     "warmup_days": min(warmup_days, days / 2)},
        "shifts": SHIFTS,
        "organisation": organisation,
        "arrivals": {"scale": 1.0, "channels": [{
            "id": "hotline", "kind": "hotline",
            "rate_per_day": contacts_per_day,
            "order_share": order_share,
            "hour_profile": HOUR_PROFILE,
            "weekday_profile": WEEKDAY_PROFILE,
        }]},
        "deadline_classes": {  # Beijing 12345 feedback limits [The closed loop]
            "emergency": {"response": {"value": 0.5, "unit": "h"},
                          "close": {"value": 2, "unit": "h"}},
            "utilities": {"response": {"value": 2, "unit": "h"},
                          "close": {"value": 24, "unit": "h"}},
            "general": {"response": {"value": 24, "unit": "h"},
                        "close": {"value": 7, "unit": "d"}},
            "complex": {"response": {"value": 2, "unit": "working_d"},
                        "close": {"value": 15, "unit": "working_d"}},
        },
        "escalation": {"ladder": LADDER, "attempt_fraction": ATTEMPT_FRACTION},
        "categories": categories,
        "travel": {"enabled": True, "metric": "manhattan", "within_grid_km": WITHIN_GRID_KM},
        "registration": {"time": _ln(0.05, 0.5)},   # ≤10 / ≤30 min [The closed loop]
        "verification": {"time": _ln(0.5, 0.8)},    # ≤1 h in town [The closed loop]
        "evaluation": {"satisfied_p_on_time": 0.97, "satisfied_p_floor": 0.40,
                       "lateness_scale_h": 72, "reopen_p": 0.30, "max_reopens": 1},
        "flareup": {"shape": 1.5, "scale_h": 2500},
        "policy": {
            "dispatch": {"name": "manual", "params": {
                "misroute_p": 0.06, "return_delay": _ln(6.0, 0.8)}},
            "escalation": {"name": "transfer", "params": {
                "transfer_delay": _ln(24.0, 0.8)}},
        },
    }


def load_city(**kwargs: Any) -> Scenario:
    """:func:`city_scenario` validated into a :class:`~sim.scenario.Scenario`."""
    return validate_data(city_scenario(**kwargs), "benchmarks.citygen")
