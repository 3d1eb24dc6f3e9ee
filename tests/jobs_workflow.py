"""A second workflow, written as a plug-in would be: every item is one job at one team.

It shows that a workflow is a new module touching neither the engine nor the closed loop: a
scenario section (``jobs:``), a Workflow subclass registered by name, its columns, table and
metrics. With exponential interarrival and service times it is an M/M/c queue
(tests/test_workflow_plugin.py checks it against Erlang C through ``govsim run``).

Load it like any plug-in: ``GOVSIM_PLUGINS=jobs_workflow PYTHONPATH=tests govsim run …``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import numpy as np
import simpy
from pydantic import BaseModel, ConfigDict, Field, NonNegativeFloat

from sim.engine import LeanProcess
from sim.model.context import ModelContext
from sim.model.team import Team
from sim.model.workflow import Columns, Feed, Workflow, register_workflow
from sim.scenario.scenario import Scenario
from sim.scenario.sections import Section, register_section
from sim.stochastic.distributions import Distribution


class JobsSection(BaseModel):
    """``jobs:`` — Poisson arrivals of jobs, each served once by a worker of one department."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    team: str = Field(description="the department whose workers serve the jobs")
    rate_per_day: NonNegativeFloat = Field(description="mean arrivals per day (flat)")
    service: Distribution = Field(description="service time of a job, hours")
    scale: NonNegativeFloat = Field(1.0, description="demand multiplier (sweeps, battery)")


def _check(scenario: Scenario, section: JobsSection) -> list[tuple[tuple[str | int, ...], str]]:
    known = [d.id for d in scenario.organisation.departments]
    if section.team not in known:
        return [(("jobs", "team"), f"unknown department {section.team!r}; known: {known}")]
    return []


SECTION = register_section(Section("jobs", JobsSection, workflow="jobs", check=_check))


class Job:
    """One job: a record of its times."""

    __slots__ = ("id", "t_arrival_h", "t_done_h", "t_start_h")

    def __init__(self, job_id: int, t_arrival_h: float):
        self.id = job_id
        self.t_arrival_h = t_arrival_h
        self.t_start_h = math.nan
        self.t_done_h = math.nan


@register_workflow
class JobsWorkflow(Workflow):
    """Every job queues for the team, is served once, and is done."""

    name = "jobs"
    section = SECTION
    columns = (("job_id", "int64"), ("t_arrival_h", "float64"), ("t_start_h", "float64"),
               ("t_done_h", "float64"))
    attributes: ClassVar[dict[str, str]] = {"job_id": "id"}
    table = "jobs"
    table_columns = ("job_id", "t_arrival_h", "t_start_h", "t_done_h", "wait_h", "sojourn_h",
                     "warmup")
    metrics = ("jobs_arrived", "jobs_done", "jobs_mean_wait_h", "jobs_p_wait",
               "jobs_mean_sojourn_h", "jobs_utilization")
    headline = (("jobs_arrived", "jobs", "{:.0f}"), ("jobs_mean_wait_h", "wait h", "{:.3f}"),
                ("jobs_p_wait", "P(wait)", "{:.1%}"), ("jobs_utilization", "util", "{:.0%}"))
    stage_columns = ("t_arrival_h", "t_start_h", "t_done_h")
    backlog_column = "open_jobs"
    id_column = "job_id"

    def __init__(self, model: ModelContext):
        super().__init__(model)
        self.spec: JobsSection = model.scenario.section("jobs")
        index = model.units.department_ids.index(self.spec.team)
        self.team: Team = model.units.department_teams[index]
        self._service = self.spec.service.sampler(model.streams.generator("jobs", "service"))
        self._open: dict[int, Job] = {}
        self._next_id = 0

    @property
    def items_created(self) -> int:
        return self._next_id

    @property
    def items_open(self) -> int:
        return len(self._open)

    def feeds(self) -> list[Feed]:
        rate = self.model.arrival_rate(self.spec.rate_per_day * self.spec.scale, None, None, [])
        return [Feed("jobs", rate, self._arrive)]

    def _arrive(self, times_h: np.ndarray) -> Iterator[float]:
        env = self.model.env
        for t_h in times_h.tolist():
            if t_h > env.now:
                yield t_h - env.now
            job = Job(self._next_id, env.now)
            self._next_id += 1
            self._open[job.id] = job
            LeanProcess(env, self._serve(job))

    def _serve(self, job: Job) -> Iterator[simpy.Event]:
        env = self.model.env
        worker = self.team.try_acquire(job)
        if worker is None:
            worker = yield self.team.request(job)
        job.t_start_h = env.now
        service_h = self._service()
        if service_h > 0.0:
            yield env.timeout(service_h)
        self.team.release(worker)
        job.t_done_h = env.now
        del self._open[job.id]
        self.log.append(job)

    def finish(self, horizon_h: float) -> dict[str, float]:
        for job in sorted(self._open.values(), key=lambda j: j.id):
            self.log.append(job)
        return {}

    def derive(self, columns: Columns) -> None:
        columns["wait_h"] = columns["t_start_h"] - columns["t_arrival_h"]
        columns["sojourn_h"] = columns["t_done_h"] - columns["t_arrival_h"]
        columns["warmup"] = columns["t_arrival_h"] < self.model.warmup_h

    def summarise(self, columns: Columns, resources: list[dict[str, Any]],
                  counts: Mapping[str, float]) -> dict[str, Any]:
        keep = ~columns["warmup"]
        started = keep & ~np.isnan(columns["t_start_h"])
        done = keep & ~np.isnan(columns["t_done_h"])
        wait = columns["wait_h"][started]
        mine = [r for r in resources if r["unit"] == self.team.name]
        available = sum(r["available_h"] for r in mine)
        return {
            "jobs_arrived": int(keep.sum()),
            "jobs_done": int(done.sum()),
            "jobs_mean_wait_h": float(wait.mean()) if wait.size else math.nan,
            "jobs_p_wait": float((wait > 0.0).mean()) if wait.size else math.nan,
            "jobs_mean_sojourn_h": (float(columns["sojourn_h"][done].mean()) if done.any()
                                    else math.nan),
            "jobs_utilization": (sum(r["busy_h"] for r in mine) / available if available
                                 else math.nan),
        }


def jobs_scenario(demand: float = 1.0, servers: int = 3, rate_per_h: float = 3.5,
                  service_h: float = 0.6, days: float = 30.0) -> Scenario:
    """A scenario running only this workflow (an M/M/c queue), for tests and the battery."""
    return Scenario.model_validate({
        "version": 1,
        "name": "jobs",
        "calendar": {"start": "2025-01-06T00:00:00", "horizon_days": days, "warmup_days": 2},
        "organisation": {
            "streets": [{"id": "s", "team": {"size": 0}}],
            "communities": [{"id": "c", "street": "s"}],
            "grids": [{"id": "g", "community": "c", "x_km": 0, "y_km": 0}],
            "grid_workers_per_grid": 0,
            "departments": [{"id": "desk", "team_size": servers, "shift": "always"}],
        },
        "jobs": {"team": "desk", "rate_per_day": rate_per_h * 24.0, "scale": demand,
                 "service": {"dist": "exponential", "mean_h": service_h}},
    })
