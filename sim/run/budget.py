"""The work a run will ask for, estimated before it starts (工作量预估), and the limit it must fit.

A scenario can be valid and still impossible to run: a demand scale of 10⁶, a team of 10⁸
workers, a year of a city at second resolution. The estimate reads the validated scenario only
(expected contacts from the arrival rates, surges and horizon; workers from the teams), so it
costs nothing next to a run, and a run that cannot fit is refused with the estimate in the
message instead of exhausting memory or running for days.

The constants are deliberately generous upper bounds measured on the shipped scenarios (a
closed-loop case is ~20 simulation events and well under 2 KB while it lives and in the
finished tables); the estimate is about orders of magnitude, not bytes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sim.scenario.scenario import Scenario

__all__ = ["MAX_EVENTS_PER_RUN", "WorkEstimate", "available_memory_bytes", "estimate_work",
           "too_large"]

#: simulation events per contact (arrival, intake, dispatch, travel, handling, checks …)
EVENTS_PER_CASE = 20
#: bytes per case: its live objects while open and its rows in the case tables afterwards
BYTES_PER_CASE = 2_000
#: bytes per worker (a resource, its shift process and its statistics)
BYTES_PER_WORKER = 4_000
#: beyond this many events one run takes hours (the engine does ~10⁵–10⁶ events a second)
MAX_EVENTS_PER_RUN = 2_000_000_000
#: a run may plan to use at most this share of the memory available when it starts
MEMORY_SHARE = 0.8


@dataclass(frozen=True)
class WorkEstimate:
    """Expected work of ``runs`` runs of one scenario (cases and events per run, memory held)."""

    cases_per_run: float
    workers: int
    runs: int
    memory_bytes: float

    @property
    def events_per_run(self) -> float:
        return self.cases_per_run * EVENTS_PER_CASE

    def __str__(self) -> str:
        return (f"~{_count(self.cases_per_run)} cases and ~{_count(self.events_per_run)} events "
                f"per run, {self.workers:,} workers, {self.runs:,} run{'s' * (self.runs != 1)}, "
                f"~{_bytes(self.memory_bytes)} of memory")


def _count(n: float) -> str:
    for size, unit in ((1e12, " trillion"), (1e9, " billion"), (1e6, " million")):
        if n >= size:
            return f"{n / size:.3g}{unit}"
    return f"{n:,.0f}"


def _bytes(n: float) -> str:
    for size, unit in ((2**50, "PB"), (2**40, "TB"), (2**30, "GB"), (2**20, "MB")):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n / 2**10:.3g} KB"


def expected_contacts(scenario: Scenario, days: float) -> float:
    """Expected contacts of the closed loop in ``days``: each channel's mean daily rate (per grid
    when so given) × scale, with every surge's extra demand inside the horizon."""
    arrivals = scenario.arrivals
    if arrivals is None:
        return 0.0
    n_grids = _grid_count(scenario)
    total = 0.0
    for channel in arrivals.channels:
        rate = (channel.rate_per_day if channel.rate_per_day is not None
                else (channel.rate_per_grid_per_day or 0.0) * n_grids)
        extra = sum(max(0.0, min(s.end_day, days) - min(s.start_day, days)) * (s.multiplier - 1)
                    for s in channel.surges)
        total += rate * max(0.0, days + extra)
    return total * arrivals.scale


def _grid_count(scenario: Scenario) -> int:
    org = scenario.organisation
    return len(org.grids) if org.grids else (org.grid_lattice.count if org.grid_lattice else 0)


def worker_count(scenario: Scenario) -> int:
    """Every worker the run creates: grid workers, community, street and department teams,
    hotline operators and dispatchers."""
    org = scenario.organisation
    per_grid = org.grid_workers_per_grid
    grids = sum(per_grid if g.workers is None else g.workers for g in org.grids) if org.grids \
        else per_grid * _grid_count(scenario)
    teams = sum(s.team.size for s in org.streets)
    teams += sum(c.team.size for c in org.communities if c.team is not None)
    teams += sum(d.team_size for d in org.departments)
    desks = (org.hotline.total_operators if org.hotline else 0) + (
        org.dispatch_desk.dispatchers if org.dispatch_desk else 0)
    return grids + teams + desks


def estimate_work(scenario: Scenario, runs: int, days: float | None = None,
                  runs_in_memory: int | None = None) -> WorkEstimate:
    """The estimate for ``runs`` runs of ``days`` (default: the scenario's horizon), of which
    ``runs_in_memory`` (default all: ``govsim run`` keeps every run's tables) are held at once."""
    horizon = scenario.calendar.horizon_days if days is None else days
    cases = expected_contacts(scenario, horizon)
    workers = worker_count(scenario)
    held = runs if runs_in_memory is None else runs_in_memory
    memory = held * (cases * BYTES_PER_CASE + workers * BYTES_PER_WORKER)
    return WorkEstimate(cases, workers, runs, memory)


def available_memory_bytes() -> float:
    """Memory the system can give now (MemAvailable on Linux; physical memory elsewhere)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 8.0 * 2**30


def too_large(estimate: WorkEstimate, memory_bytes: float | None = None) -> str | None:
    """Why the estimated work cannot be done here, or None when it fits."""
    memory = available_memory_bytes() if memory_bytes is None else memory_bytes
    if estimate.memory_bytes > MEMORY_SHARE * memory:
        return (f"the run would need {estimate} but {_bytes(memory)} is available")
    if estimate.events_per_run > MAX_EVENTS_PER_RUN:
        return (f"the run would take {estimate}: more than {_count(MAX_EVENTS_PER_RUN)} events "
                "per run, many hours of computing")
    return None
