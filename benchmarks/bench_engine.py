"""Benchmark 1 — engine overhead: M/M/c (c = 20, ρ = 0.9, 200,000 customers) through govsim
against a bare SimPy model of the same queue (and Ciw, if installed), in one process.

The bare model is what a modeller would write: a ``simpy.Resource``, a source process and
exponential draws with one numpy call per draw ("naive"); a second variant draws in blocks, to
be fair to SimPy. Repetitions are interleaved (govsim, naive, blocked, Ciw, govsim, …) and the
median of the round-by-round ratios is reported. Targets: govsim ≥ 0.8× bare naive (stretch
≥ 1.0×), ≥ 2× Ciw.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import simpy

from benchmarks import (
    REF_BARE_SIMPY,
    SCENARIOS,
    Figure,
    interleave,
    median,
    paired_ratios,
    set_calibration,
)

NAME = "engine"
TITLE = "1. Engine overhead: M/M/c c=20 ρ=0.9 through govsim vs bare SimPy (vs Ciw)"

SERVERS = 20
LAMBDA_PER_H = 18.0  # ρ = λ / (c μ) = 18 / 20 = 0.9 with mean service 1 h
MEAN_SERVICE_H = 1.0


def mmc_scenario(customers: int) -> Any:
    """scenarios/validation/mmc.yaml at c = 20, ρ = 0.9, with a horizon for ~``customers``."""
    from sim.scenario.loader import load_scenario

    return load_scenario(SCENARIOS / "validation" / "mmc.yaml", {
        "organisation.departments[0].team_size": SERVERS,
        "arrivals.channels[0].rate_per_day": LAMBDA_PER_H * 24.0,
        "calendar.horizon_days": customers / LAMBDA_PER_H / 24.0,
        "calendar.warmup_days": 0,
    })


def govsim_run(scenario: Any, seed: int, with_derive: bool = False) -> tuple[int, float, float]:
    """(cases, CPU s in ``Model.run``, CPU s in run + derive); setup is not timed."""
    from sim.model.model import Model

    model = Model(scenario, seed=seed)
    t0 = time.process_time()
    result = model.run()
    t1 = time.process_time()
    if with_derive:
        model.workflow("closed_loop").derive(result.cases)
    t2 = time.process_time()
    return len(result.cases["case_id"]), t1 - t0, t2 - t0


def bare_simpy(customers: int, seed: int = 1, block: bool = False,
               count_events: bool = False) -> int:
    """The same queue in plain SimPy; returns the customers served (or events, if counting).

    Waits are recorded in a list so the model does the minimum a study would need.
    """
    env = simpy.Environment()
    events = [0]
    if count_events:
        schedule = env.schedule

        def counted(event: Any, priority: Any = 1, delay: float = 0) -> None:
            events[0] += 1
            schedule(event, priority, delay)

        env.schedule = counted  # type: ignore[method-assign]
    servers = simpy.Resource(env, capacity=SERVERS)
    rng = np.random.default_rng(seed)
    waits: list[float] = []
    if block:
        def blocked(scale: float) -> Any:
            while True:
                yield from rng.exponential(scale, 4096).tolist()

        inter = blocked(1.0 / LAMBDA_PER_H).__next__
        service = blocked(MEAN_SERVICE_H).__next__
    else:
        def inter() -> float:
            return rng.exponential(1.0 / LAMBDA_PER_H)

        def service() -> float:
            return rng.exponential(MEAN_SERVICE_H)

    def customer() -> Any:
        arrived = env.now
        with servers.request() as req:
            yield req
            waits.append(env.now - arrived)
            yield env.timeout(service())

    def source() -> Any:
        while True:
            yield env.timeout(inter())
            env.process(customer())

    env.process(source())
    env.run(until=customers / LAMBDA_PER_H)
    return events[0] if count_events else len(waits)


def ciw_run(customers: int, seed: int = 1) -> int | None:
    """The same queue in Ciw (None if Ciw is not installed)."""
    try:
        import ciw
    except ImportError:
        return None
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=LAMBDA_PER_H)],
        service_distributions=[ciw.dists.Exponential(rate=1.0 / MEAN_SERVICE_H)],
        number_of_servers=[SERVERS],
    )
    ciw.seed(seed)
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(customers / LAMBDA_PER_H)
    return len(sim.get_all_records())


def govsim_events_per_case(customers: int) -> float:
    from benchmarks._job import _count_events
    from sim.model.model import Model

    model = Model(mmc_scenario(customers), seed=3)
    counter = _count_events(model)
    result = model.run()
    return counter[0] / max(1, len(result.cases["case_id"]))


def run(quick: bool = False) -> list[Figure]:
    customers = 3_000 if quick else 200_000
    rounds = 1 if quick else 3
    scenario = mmc_scenario(customers)
    has_ciw = ciw_run(10) is not None
    run_only: list[float] = []
    with_derive: list[float] = []

    def govsim() -> float:
        n, t_run, t_all = govsim_run(scenario, seed=len(run_only) + 1, with_derive=True)
        run_only.append(n / t_run)
        with_derive.append(n / t_all)
        return n / t_run

    def timed(fn: Any, *args: Any, **kw: Any) -> Any:
        def go() -> float:
            t0 = time.process_time()
            n = fn(*args, **kw)
            return n / (time.process_time() - t0)
        return go

    variants = {
        "govsim": govsim,
        "bare_naive": timed(bare_simpy, customers, 1, False),
        "bare_block": timed(bare_simpy, customers, 1, True),
    }
    if has_ciw:
        variants["ciw"] = timed(ciw_run, customers // (2 if not quick else 1), 1)
    rates = interleave(variants, rounds)
    set_calibration(quick, median(rates["bare_naive"]))

    vs_naive = paired_ratios(rates["govsim"], rates["bare_naive"])
    vs_block = paired_ratios(rates["govsim"], rates["bare_block"])
    ev_customers = 1_000 if quick else 20_000
    ev_govsim = govsim_events_per_case(ev_customers)
    ev_bare = bare_simpy(ev_customers, 5, True, count_events=True) / ev_customers
    figures = [
        Figure(NAME, "govsim customers/s (Model.run)", median(run_only), "cust/s",
               note=f"{customers:,} customers, {rounds} interleaved rounds; with derive(): "
                    f"{median(with_derive):,.0f}/s; events/customer: govsim {ev_govsim:.2f}, "
                    f"bare SimPy {ev_bare:.2f}"),
        Figure(NAME, "bare SimPy customers/s (naive draws)", median(rates["bare_naive"]),
               "cust/s", ratio=f"reference machine {REF_BARE_SIMPY:,.0f}/s → this machine is "
               f"{REF_BARE_SIMPY / median(rates['bare_naive']):.2f}× slower"),
        Figure(NAME, "bare SimPy customers/s (block draws)", median(rates["bare_block"]),
               "cust/s"),
        Figure(NAME, "govsim / bare SimPy (naive)", median(vs_naive), "×", target=0.8,
               ratio=" ".join(f"{r:.2f}" for r in vs_naive) + " per round; stretch ≥ 1.0: "
               + ("met" if median(vs_naive) >= 1.0 else "not met")),
        Figure(NAME, "govsim / bare SimPy (block draws)", median(vs_block), "×",
               ratio=" ".join(f"{r:.2f}" for r in vs_block) + " per round"),
    ]
    if has_ciw:
        vs_ciw = paired_ratios(rates["govsim"], rates["ciw"])
        figures.insert(3, Figure(NAME, "Ciw customers/s", median(rates["ciw"]), "cust/s"))
        figures.append(Figure(NAME, "govsim / Ciw", median(vs_ciw), "×", target=2.0,
                              ratio=" ".join(f"{r:.2f}" for r in vs_ciw) + " per round"))
    else:
        figures.append(Figure(NAME, "govsim / Ciw", float("nan"), "×",
                              note="Ciw not installed (pip install ciw): skipped"))
    return figures
