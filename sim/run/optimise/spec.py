"""Optimisation files (优化文件): decision variables with costs, constraints, a confidence.

An optimisation file (YAML, docs/optimise.md) names a base scenario and policy, the **decision
variables** (override paths as in sweeps, each an ordered list of values from the cheapest up,
with a cost), the **constraints** on summary metrics (``on_time_close_rate >= 0.90``) and the
sampling budget. Loading it checks everything before any run: the fields, the constraints'
metrics, and every value of every variable built into a scenario (the others at their lowest
and at their highest values) with its policy — one ``file:line: path: message`` per problem.
"""

from __future__ import annotations

import itertools
import math
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
    ValidationInfo,
    field_validator,
    model_validator,
)

from sim.policies import parse_label, policy_problems
from sim.run.experiment import (
    Configuration,
    Experiment,
    ExperimentSpec,
    _configuration,
    _Problems,
)
from sim.run.targets import Constraint, parse_constraint
from sim.scenario.loader import (
    PathKey,
    Problem,
    ScenarioError,
    _line_for,
    read_yaml,
    validate_model,
)
from sim.scenario.scenario import Scenario

__all__ = [
    "Constraint",
    "Optimisation",
    "OptimisationSpec",
    "Variable",
    "load_optimisation",
    "make_optimisation",
    "parse_constraint",
]

def _checked_constraint(text: str) -> str:
    parse_constraint(text)
    return text


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VariableSpec(_Strict):
    """A decision variable as written: ``min``/``max``/``step`` or ``values``, and a cost."""

    min: int | None = None
    max: int | None = None
    step: PositiveInt = 1
    values: list[Any] | None = Field(None, description="ordered from the cheapest up")
    cost: float | list[float] = Field(description="per unit of the value, or one per value")
    label: str | None = Field(None, description="a name for people (reports), e.g. 网格员/格")

    @model_validator(mode="after")
    def _shape(self) -> VariableSpec:
        ranged = self.min is not None or self.max is not None
        if ranged == (self.values is not None):
            raise ValueError("give either min and max (integers) or values (a list)")
        if ranged:
            if self.min is None or self.max is None:
                raise ValueError("give both min and max")
            if self.max < self.min:
                raise ValueError(f"max {self.max} is below min {self.min}")
        elif not self.values:
            raise ValueError("give at least one value")
        values = self.value_list()
        if isinstance(self.cost, list):
            if len(self.cost) != len(values):
                raise ValueError(f"cost has {len(self.cost)} entries for {len(values)} values")
            costs = [float(c) for c in self.cost]
        else:
            if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
                raise ValueError("a cost per unit needs numeric values; give one cost per value")
            if not (math.isfinite(self.cost) and self.cost > 0):
                raise ValueError(f"cost per unit must be positive (got {self.cost!r})")
            costs = [float(self.cost) * float(v) for v in values]
        if not all(math.isfinite(c) for c in costs):
            raise ValueError("costs must be finite numbers")
        if any(b <= a for a, b in itertools.pairwise(costs)):
            raise ValueError("values must be listed from the cheapest up (each costs more than "
                             f"the one before; costs {costs})")
        return self

    def value_list(self) -> list[Any]:
        if self.values is not None:
            return list(self.values)
        assert self.min is not None and self.max is not None
        return list(range(self.min, self.max + 1, self.step))

    def cost_list(self) -> list[float]:
        values = self.value_list()
        if isinstance(self.cost, list):
            return [float(c) for c in self.cost]
        return [float(self.cost) * float(v) for v in values]


class SamplingSpec(_Strict):
    """Sequential sampling in the search: replications per candidate."""

    initial: int = Field(5, ge=2, description="replications of a new candidate")
    batch: PositiveInt = Field(5, description="added while an interval straddles a bound")
    max: PositiveInt = Field(40, description="budget per candidate in the search")

    @model_validator(mode="after")
    def _order(self) -> SamplingSpec:
        if self.max < self.initial:
            raise ValueError(f"max {self.max} is below initial {self.initial}")
        return self


class FinalSpec(_Strict):
    """The final check on fresh seeds: a fixed number of replications, a few rounds."""

    replications: int = Field(30, ge=2)
    rounds: PositiveInt = Field(2, description="check rounds (α is split over them)")


class OptimisationSpec(_Strict):
    """The optimisation file as written (version 1)."""

    version: Literal[1] = 1
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_\-\u4e00-\u9fff]+$")
    description: str = ""
    scenario: str = Field(description="base scenario, relative to the optimisation file")
    policy: str | None = Field(None, description="dispatch+escalation label; default the "
                                                 "scenario's own")
    overrides: dict[str, Any] = Field(default_factory=dict, description="fixed dotted overrides")
    variables: dict[str, VariableSpec] = Field(min_length=1)
    cost_unit: str = Field("", description="e.g. worker-years, 人年")
    constraints: list[Annotated[str, AfterValidator(_checked_constraint)]] = Field(min_length=1)
    confidence: float = Field(0.95, gt=0.5, lt=1.0)
    sampling: SamplingSpec = Field(default_factory=SamplingSpec)
    final: FinalSpec = Field(default_factory=FinalSpec)
    frontier: str | None = Field(None, description="metric of the cost–performance frontier")
    seed: NonNegativeInt = 0
    days: PositiveFloat | None = None

    @field_validator("constraints")
    @classmethod
    def _once(cls, value: list[str]) -> list[str]:
        if len({parse_constraint(t).metric for t in value}) != len(value):
            raise ValueError("a metric is constrained twice; keep the tighter bound")
        return value

    @field_validator("frontier")
    @classmethod
    def _metric(cls, value: str | None, info: ValidationInfo) -> str | None:
        constrained = [parse_constraint(t).metric for t in info.data.get("constraints", [])]
        if value is not None and value not in constrained:
            raise ValueError(f"{value!r} must be one of the constrained metrics {constrained} "
                             "(the frontier is drawn against its target)")
        return value


@dataclass(frozen=True)
class Variable:
    """A decision variable: its override path, values from the cheapest up and their costs."""

    path: str
    values: tuple[Any, ...]
    costs: tuple[float, ...]
    label: str | None = None


@dataclass
class Optimisation:
    """A validated optimisation: the variables, constraints and the experiment runs go through.

    A *candidate* is a tuple of indices, one per variable, into the variables' value lists.
    """

    spec: OptimisationSpec
    file: str
    variables: list[Variable]
    constraints: list[Constraint]
    experiment: Experiment
    _where: dict[str, PathKey] = field(repr=False)
    _index: dict[PathKey, int] = field(repr=False)
    _scn_index: dict[PathKey, int] = field(repr=False)
    _configs: dict[tuple[int, ...], Configuration] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def policy(self) -> str:
        return self.experiment.policies[0]

    @property
    def frontier_metric(self) -> str:
        return self.spec.frontier or self.constraints[0].metric

    def cost(self, candidate: tuple[int, ...]) -> float:
        return float(sum(v.costs[i] for v, i in zip(self.variables, candidate, strict=True)))

    def values(self, candidate: tuple[int, ...]) -> dict[str, Any]:
        return {v.path: v.values[i] for v, i in zip(self.variables, candidate, strict=True)}

    def lowest(self) -> tuple[int, ...]:
        return tuple(0 for _ in self.variables)

    def highest(self) -> tuple[int, ...]:
        return tuple(len(v.values) - 1 for v in self.variables)

    def configuration(self, candidate: tuple[int, ...]) -> Configuration:
        """The resolved scenario of a candidate (built once; ScenarioError if it is invalid)."""
        config = self._configs.get(candidate)
        if config is None:
            problems = _Problems()
            config = self._build(candidate, len(self._configs), problems)
            problems.raise_if_any()
            assert config is not None
            self._configs[candidate] = config
        return config

    def _build(self, candidate: tuple[int, ...], n: int,
               problems: _Problems) -> Configuration | None:
        params = self.values(candidate)
        value_at: dict[str, PathKey] = {}
        for var, i in zip(self.variables, candidate, strict=True):
            at = self._where[var.path]
            written = self.spec.variables[var.path]
            if written.values is not None:
                value_at[var.path] = (*at, "values", i)
            elif i == 0:
                value_at[var.path] = (*at, "min")
            elif i == len(var.values) - 1:
                value_at[var.path] = (*at, "max")
        overrides = {**self.spec.overrides, **params}
        exp = self.experiment
        return _configuration(n, params, overrides, exp.base_scenario, exp.scenario_file,
                              self._scn_index, self.file, self._index, self._where, value_at,
                              exp.policies if self.spec.policy else [], problems,
                              self.spec.days)


def load_optimisation(path: str | Path) -> Optimisation:
    """Read and validate an optimisation file and every value it may run; ScenarioError if bad."""
    path = Path(path)
    data, index = read_yaml(path)
    return make_optimisation(data, str(path), index, base_dir=path.parent)


def make_optimisation(data: Any, name: str = "<optimisation>",
                      index: dict[PathKey, int] | None = None,
                      base_dir: str | Path = ".") -> Optimisation:
    """Validate an optimisation document (a parsed YAML mapping)."""
    index = index or {}
    if not isinstance(data, dict):
        raise ScenarioError([Problem(name, (), "an optimisation must be a YAML mapping", 1)])
    spec = validate_model(OptimisationSpec, data, name, index)
    clash = sorted(set(spec.variables) & set(spec.overrides))
    if clash:
        at = ("overrides", clash[0])
        raise ScenarioError([Problem(name, at, f"{clash[0]} is also a decision variable",
                                     _line_for(at, index))])
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
    if spec.policy is not None:
        _check_label(spec.policy, name, index)

    variables = [Variable(path, tuple(v.value_list()), tuple(v.cost_list()), v.label)
                 for path, v in spec.variables.items()]
    where: dict[str, PathKey] = {p: ("variables", p) for p in spec.variables}
    where.update({p: ("overrides", p) for p in spec.overrides})
    exp_spec = ExperimentSpec(name=spec.name, scenario=spec.scenario,
                              policies=[spec.policy] if spec.policy else [],
                              replications=spec.sampling.initial, seed=spec.seed, days=spec.days)
    exp = Experiment(exp_spec, name, scn_name, [spec.policy] if spec.policy else [], [], base)
    opt = Optimisation(spec, name, variables, [parse_constraint(t) for t in spec.constraints],
                       exp, where, index, scn_index)
    problems = _Problems()
    low, high = opt.lowest(), opt.highest()
    checks: list[tuple[int, ...]] = [low, high]
    for d, var in enumerate(variables):
        for i in range(len(var.values)):
            checks += [(*low[:d], i, *low[d + 1:]), (*high[:d], i, *high[d + 1:])]
    first: Configuration | None = None
    for candidate in dict.fromkeys(checks):
        config = opt._build(candidate, 0, problems)
        first = first or config
    problems.raise_if_any()
    assert first is not None
    if not spec.policy:
        exp.policies = [Scenario.model_validate(first.scenario).policy.label]
    return opt


def _check_label(label: str, name: str, index: dict[PathKey, int]) -> None:
    at = ("policy",)
    try:
        dispatch, escalation = parse_label(label)
    except ValueError as exc:
        raise ScenarioError([Problem(name, at, str(exc), _line_for(at, index))]) from None
    unknown = [m for p, m in policy_problems(dispatch, {}, escalation, {}) if p[-1] == "name"]
    if unknown:
        raise ScenarioError([Problem(name, at, f"{label}: {m}", _line_for(at, index))
                             for m in unknown])
