"""JSON Schema of scenario files (version 1) for editors and other tools.

The schema is generated from the pydantic models in :mod:`sim.scenario` and shipped as
``sim/scenario/scenario.schema.json``; regenerate it after changing a model or adding a policy::

    python -m sim.cli.schema            # rewrite sim/scenario/scenario.schema.json
    python -m sim.cli.schema --check    # exit 1 if the shipped file is stale (CI)

On top of ``Scenario.model_json_schema()`` it

* declares ``$schema`` (draft 2020-12), ``$id`` and a title;
* replaces every inline copy of the duration union by one ``$defs/Distribution`` that picks the
  member by ``dist`` (``if``/``then``, so an editor reports the errors of the chosen
  distribution only), and makes ``dist`` required in each member as the loader does;
* types ``policy.dispatch``, ``policy.escalation`` and ``policy_params``: a policy name is one of
  the built-in policies (plug-ins are not in the shipped schema) and its parameters are checked
  against that policy's ``Params`` model;
* adds what the models check in validators where JSON Schema can say it: ``HH:MM-HH:MM``
  windows, the date-time forms pydantic accepts for ``calendar.start``, exactly one of
  ``rate_per_day`` / ``rate_per_grid_per_day``, exactly one of ``grids`` / ``grid_lattice``;
* fills in defaults that pydantic leaves out (``default_factory``) and units for hover text.

The JSON Schema cannot check cross-references (a department owning an unknown category, tier
probabilities summing to 1, …): ``govsim validate`` remains the authority. The schema uses no
keyword that is new in 2019-09/2020-12, so draft-07 tools (older VS Code YAML extensions)
validate the same way.
"""

from __future__ import annotations

import argparse
import json
import sys
import typing
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pydantic_core
from pydantic import BaseModel

import sim.stochastic.distributions as distributions
from sim.policies import DISPATCH, ESCALATION
from sim.scenario import base, channels, closed_loop, organisation
from sim.scenario import scenario as scenario_file
from sim.scenario.scenario import CLOSED_LOOP_KEYS, Scenario
from sim.scenario.sections import Section, registered_sections

__all__ = ["SCHEMA_ID", "SCHEMA_PATH", "main", "render", "scenario_json_schema"]

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "scenario" / "scenario.schema.json"
SCHEMA_ID = "urn:govsim:scenario:1"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
_REF = "#/$defs/{model}"

#: ``HH:MM-HH:MM`` as :func:`sim.scenario.parse_window` reads it (24:00 may only end a window;
#: whether a window is empty is left to the loader).
_HHMM = r"(?:[01]?[0-9]|2[0-3]):[0-5][0-9]"
WINDOW_PATTERN = rf"^\s*{_HHMM}\s*-\s*(?:{_HHMM}|24:00)\s*$"
#: The ISO 8601 forms pydantic accepts for a datetime (a date alone means midnight).
DATETIME_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?)?$"
)

#: Hover text (with units) for fields whose model gives none: ``"Model.field": text``.
FIELD_NOTES: dict[str, str] = {
    "Scenario.version": "format version; must be 1",
    "Scenario.name": "identifier of the scenario (letters, digits, _ - and CJK characters)",
    "Scenario.description": "free text shown in reports",
    "Scenario.shifts": "named shift patterns; 'always' (24/7) and 'office' (08:30-17:30 "
    "weekdays) exist unless redefined here",
    "Scenario.deadline_classes": "named deadline classes; replaces the built-in four "
    "(emergency, utilities, general, complex) when given",
    "Scenario.categories": "kinds of matter (at least one)",
    "Scenario.registration": "registration (立案) delay after intake; null or absent: none",
    "Scenario.verification": "verification (核查) delay after handling; null or absent: none",
    "Scenario.evaluation": "citizen evaluation; null: every resolved case counts as satisfied",
    "Scenario.flareup": "flare-up hazard; null: no case flares up",
    "CalendarSpec.working_hours": "daily working windows 'HH:MM-HH:MM' (not overnight) for "
    "deadlines in working_h / working_d",
    "CalendarSpec.working_days": "weekdays with working hours",
    "CalendarSpec.holidays": "dates (YYYY-MM-DD) without working time; also days off for every "
    "shift pattern",
    "ShiftPattern.days": "weekdays a window starts on: a list, 'all' or 'weekdays'",
    "Point.x_km": "east coordinate, km",
    "Point.y_km": "north coordinate, km",
    "TeamSpec.size": "number of workers",
    "TeamSpec.shift": "shift name (see 'shifts')",
    "Street.id": "street identifier",
    "Street.name": "display name (the English report; a name in Chinese counts as name_zh)",
    "Street.name_zh": "Chinese name, used by the Chinese report (e.g. 示范街道)",
    "Street.team": "comprehensive team (综合执法队) of the street tier",
    "Street.location": "where the street team starts, km",
    "Street.speed_kmh": "travel speed of the street team, km/h",
    "Community.id": "community identifier",
    "Community.street": "id of the street the community belongs to",
    "Community.team": "community workers of the community tier; absent: no community tier",
    "Community.location": "where the community team sits; absent: mean of its grids",
    "Grid.id": "grid identifier",
    "Grid.community": "id of the community the grid belongs to",
    "Grid.x_km": "east coordinate of the grid centre, km",
    "Grid.y_km": "north coordinate of the grid centre, km",
    "GridLattice.count": "number of grids generated (ids g1, g2 … zero-padded)",
    "GridLattice.spacing_km": "distance between neighbouring grid centres, km",
    "GridLattice.communities": "community ids the grids are dealt to, round-robin",
    "GridLattice.origin": "centre of the first grid, km",
    "Organisation.streets": "streets / townships (街道/乡镇), at least one",
    "Organisation.communities": "communities / villages (社区/村), at least one",
    "Organisation.grids": "grids listed one by one (give this or grid_lattice)",
    "Organisation.grid_lattice": "grids generated on a square lattice (give this or grids)",
    "Organisation.grid_workers_per_grid": "grid workers (网格员) in each grid unless the grid "
    "says otherwise",
    "Organisation.grid_worker_shift": "shift name of the grid workers",
    "Organisation.grid_worker_speed_kmh": "travel speed of grid and community workers, km/h",
    "Organisation.departments": "functional departments (职能部门)",
    "Organisation.hotline": "the 12345 hotline centre; required by a hotline channel",
    "Organisation.dispatch_desk": "dispatch desk used by manual dispatch; absent: dispatch "
    "takes no time",
    "Department.id": "department identifier",
    "Department.name": "display name (the English report; a name in Chinese counts as "
    "name_zh)",
    "Department.name_zh": "Chinese name, used by the Chinese report (e.g. 市场监管)",
    "Department.team_size": "number of department workers",
    "Department.shift": "shift name",
    "Department.base": "where department workers start, km",
    "Department.speed_kmh": "travel speed, km/h",
    "Department.categories": "category ids this department owns in the dispatch catalogue",
    "Hotline.operators": "operators answering contacts (or give a rota)",
    "Hotline.shift": "shift name of the operators (with operators)",
    "RotaShift.shift": "shift name of this group of operators",
    "RotaShift.operators": "operators on this shift",
    "DispatchDesk.dispatchers": "human dispatchers at the desk",
    "DispatchDesk.shift": "shift name of the dispatchers",
    "DispatchDesk.triage_time": "hours to read, classify and send one order; absent: none",
    "Surge.start_day": "start, days since calendar.start",
    "Surge.end_day": "end (exclusive), days since calendar.start",
    "Surge.multiplier": "rate multiplier inside the window; overlapping surges multiply",
    "Channel.id": "channel identifier",
    "Channel.kind": "hotline (12345, via operators), patrol (grid-worker discovery) or sensor",
    "Channel.rate_per_grid_per_day": "mean arrivals per grid per day over a week (times the "
    "number of grids)",
    "Channel.hour_profile": "24 relative weights for the clock hours 0-23, normalised to mean 1",
    "Channel.weekday_profile": "7 relative weights mon..sun, normalised to mean 1",
    "Channel.surges": "windows of raised demand",
    "Arrivals.scale": "multiplies every channel's rate (what-if sweeps)",
    "Arrivals.channels": "arrival channels (at least one)",
    "Deadline.value": "amount of time in 'unit'",
    "Deadline.unit": "h (clock hours), d (calendar days), working_h (working hours), "
    "working_d (working days of the calendar's working-hours length)",
    "DeadlineClass.response": "limit for the first worker on site, from arrival",
    "DeadlineClass.close": "limit for closing the case, from arrival",
    "Category.id": "category identifier (used by departments, category_mix)",
    "Category.name": "display name for the English report",
    "Category.name_zh": "Chinese name, used by the Chinese report (e.g. 违法建设)",
    "Category.share": "relative weight in the default category mix",
    "Category.deadline_class": "name of a deadline class",
    "Category.tiers": "probability that the lowest tier able to solve a case is this one "
    "('none': nobody can); must sum to 1",
    "Category.handling": "hands-on handling time per tier, hours",
    "Category.joint_departments": "departments summoned together for the joint tier (first: "
    "lead); at least 2",
    "Escalation.ladder": "tiers a case climbs, lowest first (subsequence of grid, community, "
    "street, department, joint)",
    "Travel.enabled": "false: no travel time at all",
    "Travel.metric": "distance between points: manhattan (L1) or euclid (L2)",
    "Stage.time": "duration of the stage, hours",
    "Evaluation.satisfied_p_on_time": "probability of a satisfied citizen when closed on time",
    "Evaluation.satisfied_p_floor": "satisfaction probability approached when very late",
    "Evaluation.lateness_scale_h": "hours of lateness over which satisfaction decays by 1/e",
    "Evaluation.max_reopens": "reopens allowed per case",
    "PolicySpec.dispatch": "dispatch policy (派单): name and params",
    "PolicySpec.escalation": "escalation policy (升级): name and params",
}


def _distribution_classes() -> list[type[BaseModel]]:
    union = typing.get_args(distributions.Distribution)[0]
    return list(typing.get_args(union))


def _models() -> dict[str, type[BaseModel]]:
    """Every pydantic model that can appear in the schema, by class name."""
    found: dict[str, type[BaseModel]] = {}
    modules = [base, organisation, channels, closed_loop, scenario_file, distributions,
               *(sys.modules[s.model.__module__] for s in _builtin_sections().values())]
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseModel):
                found.setdefault(value.__name__, value)
    for registry in (DISPATCH, ESCALATION):
        for cls in _builtin(registry).values():
            found.setdefault(cls.Params.__name__, cls.Params)
    return found


def _builtin(registry: dict[str, Any]) -> dict[str, Any]:
    """Policies registered by govsim itself (not by tests or plugins), sorted by name."""
    return {
        name: cls
        for name, cls in sorted(registry.items())
        if cls.__module__.startswith("sim.policies.")
    }


def _walk(node: Any) -> Iterable[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _is_distribution_union(node: dict[str, Any]) -> bool:
    disc = node.get("discriminator")
    return isinstance(disc, dict) and disc.get("propertyName") == "dist" and "oneOf" in node


def _use_distribution_ref(root: dict[str, Any]) -> None:
    for node in _walk(root):
        if _is_distribution_union(node):
            del node["discriminator"], node["oneOf"]
            node["$ref"] = _REF.format(model="Distribution")


def _distribution_schema(defs: dict[str, Any]) -> dict[str, Any]:
    tags: list[str] = []
    branches = []
    for cls in _distribution_classes():
        tag = cls.model_fields["dist"].default
        tags.append(tag)
        member = defs[cls.__name__]
        member["required"] = ["dist", *[r for r in member.get("required", []) if r != "dist"]]
        branches.append({
            "if": {"properties": {"dist": {"const": tag}}, "required": ["dist"]},
            "then": {"$ref": _REF.format(model=cls.__name__)},
        })
    return {
        "title": "Distribution",
        "description": "A duration in hours, chosen by 'dist': " + ", ".join(
            f"{tag} ({_params(defs[cls.__name__])})"
            for tag, cls in zip(tags, _distribution_classes(), strict=True)
        ),
        "type": "object",
        "required": ["dist"],
        "properties": {"dist": {"description": "distribution name", "enum": tags}},
        "allOf": branches,
    }


def _params(member: dict[str, Any]) -> str:
    return ", ".join(k for k in member.get("properties", {}) if k != "dist")


def _merge_defs(defs: dict[str, Any], extra: dict[str, Any]) -> None:
    for name, value in extra.items():
        if name in defs and defs[name] != value:
            raise ValueError(f"two different schemas are both named {name!r}")
        defs[name] = value


def _policy_axis(defs: dict[str, Any], axis: str, registry: dict[str, Any]) -> dict[str, Any]:
    policies = _builtin(registry)
    branches = []
    for name, cls in policies.items():
        params = cls.Params.model_json_schema(ref_template=_REF)
        _merge_defs(defs, params.pop("$defs", {}))
        params_name = cls.Params.__name__
        _merge_defs(defs, {params_name: params})
        branches.append({
            "if": {"properties": {"name": {"const": name}}, "required": ["name"]},
            "then": {"properties": {"params": {"$ref": _REF.format(model=params_name)}}},
        })
    return {
        "title": f"{axis.capitalize()}Policy",
        "description": f"A {axis} policy by name with its parameters (checked by the policy).",
        "type": "object",
        "additionalProperties": False,
        "required": ["name"],
        "properties": {
            "name": {"description": f"registered {axis} policy", "enum": list(policies)},
            "params": {
                "description": "parameters of the named policy; absent: its defaults",
                "type": "object",
            },
        },
        "allOf": branches,
    }


def _add_policies(defs: dict[str, Any]) -> None:
    spec = defs["PolicySpec"]["properties"]
    for axis, registry in (("dispatch", DISPATCH), ("escalation", ESCALATION)):
        name = f"{axis.capitalize()}Policy"
        defs[name] = _policy_axis(defs, axis, registry)
        spec[axis] = {**spec[axis], "$ref": _REF.format(model=name)}
    defs.pop("PolicyChoice", None)
    by_name = defs["Scenario"]["properties"].get("policy_params")
    if by_name is not None:  # parameters per policy name, for either axis
        by_name.pop("additionalProperties", None)
        by_name["properties"] = {
            name: {"$ref": _REF.format(model=cls.Params.__name__)}
            for registry in (DISPATCH, ESCALATION)
            for name, cls in _builtin(registry).items()
        }
        by_name["additionalProperties"] = False


def _add_checks(defs: dict[str, Any]) -> None:
    """What validators check, where JSON Schema can say it too."""
    window = {"type": "string", "pattern": WINDOW_PATTERN}
    defs["ShiftPattern"]["properties"]["windows"]["items"] = dict(window)
    defs["CalendarSpec"]["properties"]["working_hours"]["items"] = dict(window)
    start = defs["CalendarSpec"]["properties"]["start"]
    start.pop("format", None)  # 'date-time' demands a UTC offset, a scenario need not give one
    start["pattern"] = DATETIME_PATTERN
    start["description"] = (
        "start, ISO 8601 'YYYY-MM-DDTHH:MM[:SS]' (a date alone is midnight); the weekday "
        "matters for profiles and shifts"
    )
    defs["Channel"]["oneOf"] = [
        {"required": [key], "properties": {key: {"type": "number"}}}
        for key in ("rate_per_day", "rate_per_grid_per_day")
    ]
    defs["Organisation"]["oneOf"] = [
        {"required": ["grids"], "properties": {"grids": {"minItems": 1}}},
        {"required": ["grid_lattice"], "properties": {"grid_lattice": {"type": "object"}}},
    ]


def _closed_loop_not_null(scenario: dict[str, Any]) -> None:
    """``arrivals`` and ``categories`` are null only in a file that runs another workflow;
    the shipped schema knows the closed loop alone, where both are required as they are."""
    props = scenario["properties"]
    for key in CLOSED_LOOP_KEYS:
        members = props[key].pop("anyOf")
        props[key].update(next(m for m in members if m.get("type") != "null"))


def _builtin_sections() -> dict[str, Section]:
    """Sections of govsim's own workflows (not of tests or plug-ins), by key."""
    return {key: section for key, section in sorted(registered_sections().items())
            if section.model.__module__.startswith("sim.workflows.")}


def _add_builtin_sections(scenario: dict[str, Any], defs: dict[str, Any]) -> None:
    """The built-in workflows' sections (``services``) as top-level properties; a file that
    gives one needs no ``arrivals`` and ``categories``."""
    sections = _builtin_sections()
    if not sections:
        return
    for key, section in sections.items():
        sub = section.model.model_json_schema(ref_template=_REF)
        defs.update(sub.pop("$defs", {}))
        name = section.model.__name__
        defs[name] = sub
        scenario["properties"][key] = {"$ref": _REF.format(model=name)}
    scenario["required"] = [k for k in scenario["required"] if k not in CLOSED_LOOP_KEYS]
    scenario["anyOf"] = [{"required": list(CLOSED_LOOP_KEYS)},
                         *({"required": [key]} for key in sections)]


def _add_defaults_and_notes(defs: dict[str, Any]) -> None:
    models = _models()
    for name, definition in defs.items():
        cls = models.get(name)
        if cls is None or definition.get("title") != name:
            continue
        props = definition.get("properties", {})
        for field_name, field in cls.model_fields.items():
            prop = props.get(field_name)
            if prop is None or "default" in prop or field.default_factory is None:
                continue
            value = field.get_default(call_default_factory=True)
            prop["default"] = pydantic_core.to_jsonable_python(value)
    for key, note in FIELD_NOTES.items():
        model, _, field_name = key.partition(".")
        prop = defs[model]["properties"][field_name]  # KeyError: a stale note
        prop.setdefault("description", note)


def _reachable(root: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """The definitions referenced from ``root`` (directly or through other definitions)."""
    prefix = _REF.format(model="")
    seen: set[str] = set()
    todo = [root]
    while todo:
        for node in _walk(todo.pop()):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(prefix):
                name = ref[len(prefix):]
                if name not in seen:
                    seen.add(name)
                    todo.append(defs[name])
    return {name: defs[name] for name in sorted(seen)}


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file, as a dict."""
    body = Scenario.model_json_schema(ref_template=_REF)
    defs: dict[str, Any] = body.pop("$defs")
    defs["Scenario"] = body  # so that defaults and notes of top-level fields are added too
    _closed_loop_not_null(body)
    _add_builtin_sections(body, defs)
    _add_policies(defs)
    _use_distribution_ref(defs)
    defs["Distribution"] = _distribution_schema(defs)
    _add_checks(defs)
    _add_defaults_and_notes(defs)
    del defs["Scenario"]
    body.pop("title", None)
    body.pop("description", None)
    schema: dict[str, Any] = {
        "$schema": DRAFT,
        "$id": SCHEMA_ID,
        "title": "govsim scenario file (version 1)",
        "description": (
            "A govsim scenario: calendar, shifts, organisation, arrivals, deadlines, categories, "
            "escalation, stages and policy. Generated from the models in sim/scenario/ by "
            "'python -m sim.cli.schema'; see docs/scenario-format.md. 'govsim validate' also "
            "checks cross-references this schema cannot express."
        ),
        **body,
    }
    schema["$defs"] = _reachable(schema, defs)
    return schema


def render() -> str:
    """The schema as the text of ``sim/scenario/scenario.schema.json``."""
    return json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sim.cli.schema",
        description="Write the JSON Schema of scenario files (sim/scenario/scenario.schema.json).",
    )
    parser.add_argument("--output", "-o", type=Path, default=SCHEMA_PATH,
                        help="where to write (default sim/scenario/scenario.schema.json)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the file differs from the generated one")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        try:
            current = args.output.read_text(encoding="utf-8")
        except OSError as exc:
            print(f"{args.output}: cannot read: {exc.strerror}", file=sys.stderr)
            return 1
        if current != text:
            print(f"{args.output}: stale; regenerate with 'python -m sim.cli.schema'",
                  file=sys.stderr)
            return 1
        print(f"{args.output}: up to date")
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
