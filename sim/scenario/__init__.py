"""Scenario files: the typed models of every section, their cross-reference checks, the loader
that reports every problem as ``file:line: path: message``, and routes up the ladder.

* :mod:`~sim.scenario.base` — strict base model, identifiers, shifts, calendar, teams, travel;
* :mod:`~sim.scenario.organisation` — streets, communities, grids, departments, hotline, desk;
* :mod:`~sim.scenario.channels` — arrival channels of work orders;
* :mod:`~sim.scenario.closed_loop` — the closed loop's part: deadlines, categories, escalation,
  stages, evaluation, flare-ups, policy choice;
* :mod:`~sim.scenario.sections` — sections that other workflows add to the file;
* :mod:`~sim.scenario.scenario` — the whole file (:class:`Scenario`);
* :mod:`~sim.scenario.checks` — cross-reference checks, one function per section;
* :mod:`~sim.scenario.routes` — the tiers a case visits;
* :mod:`~sim.scenario.loader` — YAML with line numbers, overrides by dotted path, validation.
"""

from sim.scenario.base import BUILTIN_SHIFTS, Deadline, ShiftPattern, TeamSpec, parse_window
from sim.scenario.checks import check_references
from sim.scenario.closed_loop import PolicyChoice, PolicySpec
from sim.scenario.loader import Problem, ScenarioError, load_scenario, validate_data
from sim.scenario.routes import route_for
from sim.scenario.scenario import Scenario

__all__ = [
    "BUILTIN_SHIFTS",
    "Deadline",
    "PolicyChoice",
    "PolicySpec",
    "Problem",
    "Scenario",
    "ScenarioError",
    "ShiftPattern",
    "TeamSpec",
    "check_references",
    "load_scenario",
    "parse_window",
    "route_for",
    "validate_data",
]
