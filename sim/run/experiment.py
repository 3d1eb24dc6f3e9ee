"""Experiment files (实验文件): a base scenario, policies, a grid of overrides, replications.

An experiment is YAML (see docs/experiments.md). Loading it expands the grid into
*configurations* (one resolved, validated scenario per combination of override values) and checks
every one of them, and every policy, before anything runs: one bad value gives one
``file:line: path: message`` line, the same as ``govsim validate``. Each run is then named by a
content key, the SHA-256 of the canonical JSON of what determines its result, so a sweep can be
resumed and duplicate configurations are computed once.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    field_validator,
    model_validator,
)

from sim.policies import params_problems, policy_problems, split_label, terms_problems
from sim.run.budget import WorkEstimate, estimate_work
from sim.run.runner import resolve_policy
from sim.run.targets import Constraint, parse_constraint, summary_metrics
from sim.scenario.loader import (
    PathKey,
    Problem,
    ScenarioError,
    _line_for,
    apply_overrides,
    format_path,
    parse_dotted,
    read_yaml,
    validate_data,
    validate_model,
)
from sim.scenario.scenario import Scenario
from sim.scenario.suggest import did_you_mean

__all__ = [
    "Configuration",
    "Experiment",
    "ExperimentSpec",
    "Halfwidth",
    "TargetSpec",
    "canonical_json",
    "load_experiment",
    "make_experiment",
    "parse_halfwidth",
    "run_key",
    "summary_metrics",
]

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class Halfwidth:
    """A confidence-interval half-width target: relative (``5%``) or in the metric's units."""

    value: float
    relative: bool

    def reached(self, mean: float, halfwidth: float) -> bool:
        if not math.isfinite(halfwidth):
            return False
        if self.relative:
            return math.isfinite(mean) and halfwidth <= self.value * abs(mean)
        return halfwidth <= self.value

    def __str__(self) -> str:
        return f"{self.value * 100:g}%" if self.relative else f"{self.value:g}"


def parse_halfwidth(value: str | float | int) -> Halfwidth:
    """``"5%"`` → relative 0.05; ``0.5`` or ``"0.5"`` → absolute 0.5 (metric units)."""
    text = str(value).strip()
    relative = text.endswith("%")
    try:
        number = float(text.rstrip("%").strip())
    except ValueError:
        raise ValueError(f"half-width {value!r} must be a number or a percentage like 5%") from None
    if not (math.isfinite(number) and number > 0):
        raise ValueError(f"half-width {value!r} must be positive")
    return Halfwidth(number / 100.0 if relative else number, relative)


class TargetSpec(_Strict):
    """Add replications in batches until the CI of ``metric`` is narrow enough everywhere."""

    metric: str = "p90_resolution_h"
    halfwidth: str | float = Field(description="'5%' (relative to the mean) or absolute")
    confidence: float = Field(0.95, gt=0.0, lt=1.0)
    max_replications: PositiveInt = 50
    batch: PositiveInt = 5

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, value: str) -> str:
        known = summary_metrics()
        if value not in known:
            raise ValueError(f"unknown metric {value!r}; known: {list(known)}")
        return value

    @field_validator("halfwidth")
    @classmethod
    def _parses(cls, value: str | float) -> str | float:
        parse_halfwidth(value)
        return value

    @property
    def parsed(self) -> Halfwidth:
        return parse_halfwidth(self.halfwidth)


def _checked_target(text: str) -> str:
    parse_constraint(text)
    return text


class GoalSpec(_Strict):
    """What the sweep is for (目标): the targets a setting must meet, and the lever whose
    smallest (or largest) value meeting them the report names, per policy and per setting of
    the other swept parameters."""

    meets: list[Annotated[str, AfterValidator(_checked_target)]] = Field(
        min_length=1, description="targets: 'metric >= number' or 'metric <= number' on the "
        "mean over replications")
    lever: str | None = Field(None, description="the swept path to economise on (default: "
                              "the first swept parameter)")
    prefer: Literal["smallest", "largest"] = Field(
        "smallest", description="which end of the lever is cheaper: smallest (staff) or "
        "largest (a deadline)")
    confidence: float = Field(0.95, gt=0.0, lt=1.0, description="all targets hold together "
                              "with this confidence (Bonferroni over the targets)")

    @property
    def constraints(self) -> list[Constraint]:
        return [parse_constraint(text) for text in self.meets]


class OutputsSpec(_Strict):
    """What to keep besides the per-run summaries (always kept)."""

    cases: bool = Field(False, description="per-case Parquet per run (large)")


class ExperimentSpec(_Strict):
    """The experiment file as written (version 1)."""

    version: Literal[1] = 1
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_\-\u4e00-\u9fff]+$")
    description: str = ""
    scenario: str = Field(description="base scenario, relative to the experiment file")
    policies: list[str] = Field(default_factory=list, description="dispatch+escalation labels")
    grid: dict[str, list[Any]] = Field(default_factory=dict, description="dotted path → values")
    overrides: dict[str, Any] = Field(default_factory=dict, description="fixed dotted overrides")
    replications: PositiveInt = 10
    seed: NonNegativeInt = 0
    days: PositiveFloat | None = None
    outputs: OutputsSpec = Field(default_factory=OutputsSpec)
    target: TargetSpec | None = None
    goal: GoalSpec | None = None

    @model_validator(mode="after")
    def _default_lever(self) -> ExperimentSpec:
        """A goal without a lever economises on the first swept path."""
        if self.goal is not None and self.goal.lever is None and self.grid:
            self.goal.lever = next(iter(self.grid))
        return self

    @field_validator("grid")
    @classmethod
    def _non_empty(cls, value: dict[str, list[Any]]) -> dict[str, list[Any]]:
        for dotted, values in value.items():
            if not values:
                raise ValueError(f"{dotted}: give at least one value")
        return value


#: the most configurations one experiment may expand to (each is validated before anything
#: runs; a larger grid is almost always a mistake, and would take long to check)
MAX_CONFIGURATIONS = 10_000


def _kind(value: Any) -> str:
    """How a swept value is written: a number, text, true/false, a list, a mapping, nothing."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "numbers"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "lists"
    if isinstance(value, dict):
        return "mappings"
    return "nothing" if value is None else type(value).__name__


def _retyped(written: Any, validated: Any) -> str | None:
    """Why a written value the schema converted silently is refused (``'0.8'`` for a number,
    ``true`` for a number), or None: a swept value must be written as its field's type, since
    it is also a column of runs.parquet."""
    if _kind(written) == "text" and _kind(validated) in ("numbers", "true/false"):
        return f"{written!r} is text; write it without quotes"
    if _kind(written) == "true/false" and _kind(validated) == "numbers":
        return f"{str(written).lower()} is not a number"
    return None


def _at(data: Any, keys: PathKey) -> Any:
    node = data
    for key in keys:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return None
    return node


@dataclass(frozen=True)
class Configuration:
    """One point of the grid: the swept values and the resolved scenario they give."""

    index: int
    params: dict[str, Any]
    scenario: dict[str, Any]
    scenario_json: str
    work: WorkEstimate | None = None  # of one run (days: the experiment's or the horizon)
    _views: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def run_json(self, policy: str) -> str:
        """The scenario as a run of ``policy`` reads it, as canonical JSON (the run's key).

        ``policy_params`` keeps only the entries of the policies the label runs: a baseline
        that never reads the whistle's parameters gets one key, and so one run, for every
        swept value of them (they cannot change its result)."""
        view = self._views.get(policy)
        if view is None:
            view = self._views[policy] = canonical_json(policy_view(self.scenario, policy))
        return view


def policy_view(scenario: dict[str, Any], policy: str) -> dict[str, Any]:
    """``scenario`` (a resolved dump) with ``policy_params`` cut to the policies ``policy``
    runs (its dispatch and escalation; the scenario's own where the label leaves them out).
    Only :meth:`Scenario.policy_spec` reads ``policy_params``, so the cut changes no result."""
    entries = scenario.get("policy_params")
    own = scenario.get("policy")
    if not entries or not isinstance(own, dict):
        return scenario
    dispatch, escalation, _terms = split_label(policy)
    names = {dispatch or own["dispatch"]["name"], escalation or own["escalation"]["name"]}
    return {**scenario, "policy_params": {k: v for k, v in entries.items() if k in names}}


@dataclass
class Experiment:
    """A validated experiment, expanded into configurations."""

    spec: ExperimentSpec
    file: str
    scenario_file: str
    policies: list[str]
    configurations: list[Configuration]
    base_scenario: dict[str, Any] = field(repr=False)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def keep_cases(self) -> bool:
        return self.spec.outputs.cases

    @property
    def params(self) -> list[str]:
        return list(self.spec.grid)

    def work(self, workers: int) -> WorkEstimate | None:
        """The work of the whole sweep: its largest run, ``workers`` of them in memory at once."""
        known = [c.work for c in self.configurations if c.work is not None]
        if not known:
            return None
        largest = max(known, key=lambda w: w.memory_bytes)
        return WorkEstimate(largest.cases_per_run, largest.workers, self.n_runs(),
                            largest.memory_bytes * min(workers, self.n_runs()))

    def n_runs(self, replications: int | None = None) -> int:
        reps = self.spec.replications if replications is None else replications
        return len(self.configurations) * len(self.policies) * reps


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8: equal content gives an equal string (and key)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def run_key(scenario_json: str, policy: str, seed: int, days: float | None) -> str:
    """SHA-256 of ``canonical_json({"days", "policy", "scenario", "seed"})``.

    Built by splicing the configuration's precomputed JSON (equal to dumping the whole dict,
    which a test checks) so that keying 100k runs costs no re-serialisation.
    """
    text = (f'{{"days":{canonical_json(days)},"policy":{canonical_json(policy)},'
            f'"scenario":{scenario_json},"seed":{int(seed)}}}')
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _set_with_parents(data: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`apply_overrides`, creating missing *mapping* parents first.

    An optional section absent from the base file (``policy_params.whistle``) can then be
    swept; a misspelt section becomes an 'unknown field' from the schema, which names it.
    """
    out = copy.deepcopy(data)
    for dotted in overrides:
        keys = parse_dotted(dotted)
        node: Any = out
        for depth, key in enumerate(keys[:-1]):
            if isinstance(node, dict):
                if node.get(key) is None and not isinstance(keys[depth + 1], int):
                    node[key] = {}
                if key not in node:
                    break  # apply_overrides reports the bad path
                node = node[key]
            elif isinstance(node, list) and isinstance(key, int) and -len(node) <= key < len(node):
                node = node[key]
            else:
                break  # apply_overrides reports the bad path
    return apply_overrides(out, dict(overrides))


def _touches(problem: PathKey, override: PathKey) -> bool:
    return problem[: len(override)] == override


class _Problems:
    """Problems of one experiment, deduplicated across configurations, in first-seen order."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, PathKey, str], Problem] = {}

    def add(self, problem: Problem) -> None:
        self.items.setdefault((problem.file, problem.path, problem.message), problem)

    def raise_if_any(self) -> None:
        if self.items:
            raise ScenarioError(list(self.items.values()))


def _check_goal(spec: ExperimentSpec, name: str, index: dict[PathKey, int],
                problems: _Problems) -> None:
    """The goal's lever is a swept path over numbers (:class:`ExperimentSpec` defaults it to the
    first swept one)."""
    goal = spec.goal
    if goal is None:
        return
    if not spec.grid:
        problems.add(Problem(name, ("goal",), "a goal needs a grid to choose a setting from",
                             _line_for(("goal",), index)))
        return
    at: PathKey = ("goal", "lever")
    if goal.lever not in spec.grid:
        hint = did_you_mean(goal.lever, list(spec.grid))
        problems.add(Problem(name, at, f"{goal.lever!r} is not swept{hint}; swept: "
                             f"{', '.join(spec.grid)}", _line_for(at, index)))
    elif any(_kind(v) != "numbers" for v in spec.grid[goal.lever]):
        problems.add(Problem(name, at, f"{goal.lever} must be swept over numbers to have a "
                             f"{goal.prefer} value", _line_for(at, index)))


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment file and everything it will run; ScenarioError if bad."""
    path = Path(path)
    data, index = read_yaml(path)
    return make_experiment(data, str(path), index, base_dir=path.parent)


def make_experiment(data: Any, name: str = "<experiment>",
                    index: dict[PathKey, int] | None = None,
                    base_dir: str | Path = ".") -> Experiment:
    """Validate an experiment document (a parsed YAML mapping) and expand its grid."""
    index = index or {}
    if not isinstance(data, dict):
        raise ScenarioError([Problem(name, (), "an experiment must be a YAML mapping", 1)])
    spec = validate_model(ExperimentSpec, data, name, index)
    scenario_path = Path(spec.scenario)
    if not scenario_path.is_absolute():
        scenario_path = Path(base_dir) / scenario_path
    scn_name = str(scenario_path)
    try:
        base, scn_index = read_yaml(scenario_path)
    except ScenarioError as exc:
        line = _line_for(("scenario",), index)
        raise ScenarioError([Problem(name, ("scenario",), str(p.message), line)
                             for p in exc.problems]) from None
    if not isinstance(base, dict):
        raise ScenarioError([Problem(scn_name, (), "a scenario must be a YAML mapping", 1)])

    problems = _Problems()
    labels: list[str] = []
    known: list[str] = []  # labels whose names exist: their parameters are checked per config
    for i, label in enumerate(spec.policies):
        at = ("policies", i)
        labels.append(label)
        try:
            dispatch, escalation, terms = split_label(label)
        except ValueError as exc:
            problems.add(Problem(name, at, str(exc), _line_for(at, index)))
            continue
        unknown = terms_problems(terms)
        if dispatch is not None and escalation is not None:
            unknown += [m for p, m in policy_problems(dispatch, {}, escalation, {})
                        if p[-1] == "name"]
        for message in unknown:
            problems.add(Problem(name, at, f"{label}: {message}", _line_for(at, index)))
        if not unknown:
            known.append(label)
    if len(set(labels)) != len(labels):
        problems.add(Problem(name, ("policies",), "a policy is listed twice",
                             _line_for(("policies",), index)))

    keys = list(spec.grid)
    n_grid = math.prod(len(values) for values in spec.grid.values())
    if n_grid > MAX_CONFIGURATIONS:
        sizes = " × ".join(str(len(v)) for v in spec.grid.values())
        problems.add(Problem(name, ("grid",), f"{n_grid:,} configurations ({sizes}); an "
                             f"experiment may have at most {MAX_CONFIGURATIONS:,}: sweep fewer "
                             "values or split it", _line_for(("grid",), index)))
        problems.raise_if_any()
    for key, values in spec.grid.items():
        kinds = {_kind(v) for v in values}
        if len(kinds) > 1:
            grid_at: PathKey = ("grid", key)
            mix = " and ".join(sorted(kinds))
            problems.add(Problem(name, grid_at, f"the values mix {mix}; give values of one kind",
                                 _line_for(grid_at, index)))
    _check_goal(spec, name, index, problems)
    where: dict[str, PathKey] = {k: ("grid", k) for k in keys}
    where.update({k: ("overrides", k) for k in spec.overrides if k not in where})
    configurations: list[Configuration] = []
    positions = itertools.product(*(range(len(spec.grid[k])) for k in keys))
    for n, position in enumerate(positions):
        params = {k: spec.grid[k][i] for k, i in zip(keys, position, strict=True)}
        value_at = {k: (*where[k], i) for k, i in zip(keys, position, strict=True)}
        overrides = {**spec.overrides, **params}
        config = _configuration(n, params, overrides, base, scn_name, scn_index, name, index,
                                where, value_at, known if spec.policies else [], problems,
                                spec.days)
        if config is not None:
            configurations.append(config)
    if spec.days is not None:
        for config in configurations:
            warmup = config.scenario["calendar"]["warmup_days"]
            if spec.days <= warmup:
                problems.add(Problem(name, ("days",), f"{spec.days:g} days is not longer than "
                                     f"the warm-up (calendar.warmup_days = {warmup:g}): every "
                                     "case would be excluded from the statistics",
                                     _line_for(("days",), index)))
                break
    problems.raise_if_any()
    if not labels:
        labels = [Scenario.model_validate(configurations[0].scenario).policy.label]
    return Experiment(spec, name, scn_name, labels, configurations, base)


def _configuration(n: int, params: dict[str, Any], overrides: dict[str, Any],
                   base: dict[str, Any], scn_name: str, scn_index: dict[PathKey, int],
                   name: str, index: dict[PathKey, int], where: dict[str, PathKey],
                   value_at: dict[str, PathKey], policies: list[str],
                   problems: _Problems, days: float | None) -> Configuration | None:
    """Resolve and check one configuration; record its problems (mapped to the experiment
    file when an override caused them) and return None if there were any."""
    paths = {k: parse_dotted(k) for k in overrides}

    def blame(path: PathKey, message: str) -> None:
        for dotted, keys in paths.items():
            created = keys[:len(path)] == path and _at(base, path) is None  # a parent it made
            if _touches(path, keys) or created:
                at = value_at.get(dotted, where[dotted])
                text = message if path == keys else f"{format_path(path)}: {message}"
                if dotted in value_at and "(got " not in text:
                    text += f" (value {overrides[dotted]!r})"
                problems.add(Problem(name, at, text, _line_for(at, index)))
                return
        desc = ", ".join(f"{k}={v!r}" for k, v in params.items())
        suffix = f" (in configuration {desc})" if desc else ""
        problems.add(Problem(scn_name, path, message + suffix, _line_for(path, scn_index)))

    try:
        data = _set_with_parents(base, overrides)
    except KeyError as exc:
        message = str(exc.args[0])
        for dotted in overrides:
            if repr(dotted) in message:
                at = where[dotted]
                problems.add(Problem(name, at, message, _line_for(at, index)))
                break
        else:
            problems.add(Problem(name, (), message))
        return None
    try:
        scn = validate_data(data, scn_name, scn_index)
    except ScenarioError as exc:
        for p in exc.problems:
            blame(p.path, p.message)
        return None
    # as govsim validate: every policy_params entry once, then each policy as it will run
    bad_entries: set[str] = set()
    for entry, entry_params in scn.policy_params.items():
        for path, message in params_problems(entry, entry_params):
            bad_entries.add(entry)
            blame(("policy_params", entry, *path), message)
    ok = not bad_entries
    labels: list[str | None] = list(policies) or [None]
    for label in labels:
        spec = resolve_policy(scn, label)
        if label is not None and not scn.has_closed_loop and split_label(label)[0] is not None:
            ok = False
            blame(("policy",), f"{label}: names the closed loop's {spec.dispatch.name}+"
                               f"{spec.escalation.name}, which this scenario does not run")
            continue
        if {spec.dispatch.name, spec.escalation.name} & bad_entries:
            continue
        for path, message in policy_problems(spec.dispatch.name, spec.dispatch.params,
                                             spec.escalation.name, spec.escalation.params):
            ok = False
            blame(path, message if label is None else f"{message} (policy {label})")
    if not ok:
        return None
    dump = scn.model_dump(mode="json")
    for dotted, keys in paths.items():
        retyped = _retyped(overrides[dotted], _at(dump, keys))
        if retyped is not None:
            at = value_at.get(dotted, where[dotted])
            problems.add(Problem(name, at, retyped, _line_for(at, index)))
            ok = False
    if not ok:
        return None
    return Configuration(n, params, dump, canonical_json(dump), estimate_work(scn, 1, days))

