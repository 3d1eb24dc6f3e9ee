"""The workflow interface, and the registry of workflows by name.

A workflow is one kind of work flowing through the organisation: the complaint closed loop,
one-window service applications, a textbook queue in a test. :class:`~sim.model.model.Model`
builds what all of them share — the engine, the calendar, the random streams, the units
(teams, shifts, locations) — and asks each workflow whose section the scenario gives

* which arrival streams it has (:meth:`Workflow.feeds`): a rate, and what each arrival becomes
  (a work item, and the SimPy process it walks);
* at the end, its log of items as columns (:meth:`Workflow.finish`), the columns derived from
  them (:meth:`Workflow.derive`) and its summary metrics (:meth:`Workflow.summarise`).

It declares what it records (:attr:`Workflow.columns`), the output table it writes, and its
metrics. A new workflow is a new folder under ``sim/workflows/`` (or a plug-in package): a
subclass registered with :func:`register_workflow` and, if it reads a section of its own, that
section (:mod:`sim.scenario.sections`). The checks every workflow must pass are in
:mod:`sim.workflows.checks`; docs/workflows.md is the guide.

The interface lives here, with the model that hosts it; the workflows themselves live a layer
above (:mod:`sim.workflows`), so the built-in ones are imported by name, like plug-ins.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import numpy as np

from sim.model.case_log import CaseLog
from sim.plugins import load_plugins

if TYPE_CHECKING:
    from sim.model.context import ModelContext
    from sim.scenario.scenario import Scenario
    from sim.scenario.sections import Section
    from sim.stochastic.arrivals import PiecewiseRate

__all__ = ["Feed", "Workflow", "register_workflow", "registered_workflows"]

Columns = dict[str, np.ndarray]


@dataclass(frozen=True)
class Feed:
    """One arrival stream of a workflow: a non-homogeneous Poisson rate and its arrivals.

    ``arrive(times_h)`` gets a chunk of arrival times (ascending, from the stream
    ``("arrivals", stream)``) and yields the delay from now to each in turn, creating that
    arrival's work item once the clock is there (``env.now``: the clock, not the chunk's float,
    is the arrival time). The model drives it with a :class:`~sim.engine.Ticker`.

    ``day_effect`` — ``(shape, group)``: each day's rate × G ~ Gamma(shape, 1/shape), one G per
    day for all feeds of ``group`` (negative binomial days); None: a plain Poisson process.
    """

    stream: str
    rate: PiecewiseRate
    arrive: Callable[[np.ndarray], Iterator[float]]
    day_effect: tuple[float, str] | None = None


class Workflow:
    """Base of every workflow: what it reads, records and reports.

    A subclass sets the class attributes below and implements :meth:`feeds` and
    :meth:`summarise`; :meth:`finish` and :meth:`derive` have defaults.
    """

    #: registry name (``closed_loop``)
    name: ClassVar[str] = ""
    #: the scenario section it reads; None for the closed loop (the file's top level)
    section: ClassVar[Section | None] = None
    #: case-log columns (name, numpy dtype) in order, and attributes named otherwise
    columns: ClassVar[Sequence[tuple[str, str]]] = ()
    attributes: ClassVar[Mapping[str, str]] = {}
    #: output file stem (``cases`` → cases.parquet) and its columns in order (log + derived;
    #: the runner puts ``policy`` and ``replication`` first)
    table: ClassVar[str] = ""
    table_columns: ClassVar[Sequence[str]] = ()
    #: summary metrics it defines, in summary.csv order
    metrics: ClassVar[Sequence[str]] = ()
    #: summary metrics it reports only when the scenario asks for them (after ``metrics``);
    #: targets and constraints may name them
    optional_metrics: ClassVar[Sequence[str]] = ()
    #: headline on the terminal after a run: (metric, column title, format)
    headline: ClassVar[Sequence[tuple[str, str, str]]] = ()
    #: timestamps of an item in the order the workflow reaches them (first: arrival, last: done)
    stage_columns: ClassVar[Sequence[str]] = ("t_arrival_h",)
    #: the column of open items over time in backlog.csv
    backlog_column: ClassVar[str] = ""
    #: the column numbering items 0, 1, … in order of arrival
    id_column: ClassVar[str] = "id"

    def __init__(self, model: ModelContext):
        self.model = model
        self.log = CaseLog(self.columns, self.attributes)

    @classmethod
    def active(cls, scenario: Scenario) -> bool:
        """Whether ``scenario`` runs this workflow (by default: it gives the section)."""
        return cls.section is not None and scenario.section(cls.section.key) is not None

    @property
    def items_created(self) -> int:
        """Work items created so far (the ids ``0 … items_created - 1`` are taken)."""
        raise NotImplementedError

    @property
    def items_open(self) -> int:
        """Items created and not yet done."""
        raise NotImplementedError

    def feeds(self) -> list[Feed]:
        """The arrival streams, in a fixed order (their tickers start in this order)."""
        raise NotImplementedError

    def finish(self, horizon_h: float) -> dict[str, float]:
        """After the run: put items still open into the log; run-level counts to keep."""
        return {}

    def derive(self, columns: Columns) -> None:
        """Add derived columns in place (also called per chunk by streamed logs)."""

    def summarise(self, columns: Columns, resources: list[dict[str, Any]],
                  counts: Mapping[str, float]) -> dict[str, Any]:
        """Summary metrics of one run, keys in :attr:`metrics` order."""
        raise NotImplementedError

    def labels(self) -> dict[str, list[str]]:
        """Names of coded columns (``{"category": ["noise", …]}``): categorical in the table."""
        return {}


#: modules of the built-in workflows, imported when the registry is first read
BUILTIN_WORKFLOWS = ("sim.workflows.closed_loop.workflow", "sim.workflows.one_window.workflow")

_WORKFLOWS: dict[str, type[Workflow]] = {}
W = TypeVar("W", bound=type[Workflow])


def register_workflow(cls: W) -> W:
    """Class decorator: make a workflow run wherever a scenario is :meth:`~Workflow.active`."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} needs a non-empty 'name'")
    if not cls.table or not cls.columns:
        raise ValueError(f"workflow {cls.name!r} must declare its table and columns")
    known = _WORKFLOWS.get(cls.name)
    if known is not None and known is not cls and known.__qualname__ != cls.__qualname__:
        raise ValueError(f"workflow name {cls.name!r} is taken by {known.__qualname__}")
    tables = {w.table: n for n, w in _WORKFLOWS.items() if n != cls.name}
    if cls.table in tables:
        raise ValueError(f"workflow {cls.name!r}: table {cls.table!r} is written by "
                         f"workflow {tables[cls.table]!r}")
    _WORKFLOWS[cls.name] = cls
    return cls


def registered_workflows() -> dict[str, type[Workflow]]:
    """Every workflow by name: the built-in ones first, then plug-ins in registration order
    (the order in which a run builds them, starts their arrivals and writes their metrics)."""
    for module in BUILTIN_WORKFLOWS:
        importlib.import_module(module)
    load_plugins()
    builtin = sorted((cls for cls in _WORKFLOWS.values() if cls.__module__ in BUILTIN_WORKFLOWS),
                     key=lambda cls: BUILTIN_WORKFLOWS.index(cls.__module__))
    rest = [cls for cls in _WORKFLOWS.values() if cls.__module__ not in BUILTIN_WORKFLOWS]
    return {cls.name: cls for cls in (*builtin, *rest)}
