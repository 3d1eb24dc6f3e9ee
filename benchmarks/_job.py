"""One measured model run, meant for a fresh interpreter: ``python -m benchmarks._job '<json>'``.

Prints one JSON line: cases, contacts, setup and run seconds, resident memory before the run and
at its peak, rows streamed. The spec says which scenario (``district`` scaled by ``scale``, or
the generated ``city``), the horizon, the policy and whether per-case output streams to Parquet.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import SCENARIOS


def current_rss_mb() -> float:
    """Resident memory now (MiB), from /proc (no psutil needed)."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        import resource

        return pages * resource.getpagesize() / 2**20
    except OSError:  # not Linux
        return float("nan")


def peak_rss_mb() -> float:
    """High-water mark of this process's resident memory (MiB), from /proc (VmHWM).

    Not ``getrusage(...).ru_maxrss``: on Linux that also counts the parent's memory at the
    fork that started this interpreter, so every job would report at least the parent's size.
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    from benchmarks import peak_rss_mb as ru_maxrss_mb

    return ru_maxrss_mb()


def district_data(scale: float = 1.0) -> dict[str, Any]:
    """district.yaml with demand, grids and every team multiplied by ``scale``.

    Load per worker stays the same, so the work per case does too: what grows is only the size.
    """
    from sim.scenario.loader import read_yaml

    data, _ = read_yaml(SCENARIOS / "district.yaml")
    if scale == 1.0:
        return data
    org = data["organisation"]
    org["grid_lattice"]["count"] = round(org["grid_lattice"]["count"] * scale)
    for street in org["streets"]:
        street["team"]["size"] = round(street["team"]["size"] * scale)
    for dept in org["departments"]:
        dept["team_size"] = round(dept["team_size"] * scale)
    org["hotline"]["operators"] = round(org["hotline"]["operators"] * scale)
    org["dispatch_desk"]["dispatchers"] = round(org["dispatch_desk"]["dispatchers"] * scale)
    for ch in data["arrivals"]["channels"]:
        if ch.get("rate_per_day") is not None:
            ch["rate_per_day"] *= scale  # per-grid rates grow with the grids already
    return data


def build_scenario(spec: dict[str, Any]) -> Any:
    from sim.scenario.loader import validate_data

    kind = spec.get("scenario", "district")
    if kind == "district":
        data = district_data(float(spec.get("scale", 1.0)))
        if "days" in spec:
            data["calendar"]["horizon_days"] = spec["days"]
            data["calendar"]["warmup_days"] = min(data["calendar"]["warmup_days"],
                                                  spec["days"] / 2)
        return validate_data(data, "district.yaml")
    if kind == "city":
        from benchmarks.citygen import city_scenario

        kwargs = dict(spec.get("city", {}))
        kwargs.setdefault("days", spec.get("days", 365.0))
        return validate_data(city_scenario(**kwargs), "benchmarks.citygen")
    raise ValueError(f"unknown scenario kind {kind!r}")


def whistle_policy(scenario: Any) -> tuple[Any, str]:
    """``manual+whistle`` when the whistle escalation exists, else the scenario's own policy."""
    from sim.policies import ESCALATION
    from sim.run.runner import resolve_policy

    if "whistle" in ESCALATION:
        policy = resolve_policy(scenario, f"{scenario.policy.dispatch.name}+whistle")
        return policy, policy.label
    return scenario.policy, scenario.policy.label + " (whistle not registered yet)"


def run_job(spec: dict[str, Any]) -> dict[str, Any]:
    """Build, run and measure one replication as ``spec`` says."""
    if spec.get("scenario") == "bare_queues":  # the growth benchmark's plain SimPy reference
        from benchmarks.bench_growth import bare_queues

        return bare_queues(float(spec.get("scale", 1.0)), float(spec["hours"]))
    from sim.model.model import Model

    t0 = time.perf_counter()
    scn = build_scenario(spec)
    if spec.get("whistle", False):
        policy, label = whistle_policy(scn)
    else:
        policy, label = scn.policy, scn.policy.label
    t1 = time.perf_counter()
    model = Model(scn, seed=int(spec.get("seed", 1)), policy=policy)
    log = None
    if spec.get("stream"):
        from sim.run.streaming import stream_cases

        log = stream_cases(model, spec["stream"], chunk_rows=int(spec.get("chunk_rows", 100_000)))
    events = None
    if spec.get("count_events"):
        events = _count_events(model)
    rss_before = current_rss_mb()
    t2 = time.perf_counter()
    c2 = time.process_time()
    result = model.run()
    t3 = time.perf_counter()
    run_cpu_s = time.process_time() - c2
    derive_s = 0.0
    if log is None:
        model.workflow("closed_loop").derive(result.cases)
        derive_s = time.perf_counter() - t3
        n_cases = len(result.cases["case_id"])
        rows = 0
    else:
        path = log.close()
        n_cases = rows = log.rows
        spec["stream_bytes"] = Path(path).stat().st_size
    out = {
        "policy": label,
        "cases": n_cases,
        "contacts": int(result.counts.get("n_contacts", 0)),
        "build_s": t1 - t0,
        "setup_s": t2 - t1,
        "run_wall_s": t3 - t2,
        "run_s": run_cpu_s,
        "derive_s": derive_s,
        "rss_before_run_mb": rss_before,
        "peak_rss_mb": peak_rss_mb(),
        "rows_streamed": rows,
        "stream_bytes": spec.get("stream_bytes", 0),
        "grids": len(model.units.grid_ids),
        "workers": sum(len(t.workers) for t in model.units.teams),
    }
    if events is not None:
        out["events"] = events[0]
    return out


def _count_events(model: Any) -> list[int]:
    """Count every event the environment schedules (slows the run).

    Wraps ``env.schedule`` and ``env.timeout``: govsim's environment
    (sim/engine/environment.py) pushes timeouts on the heap itself, not through ``schedule``.
    """
    counter = [0]
    env = model.env
    schedule = env.schedule
    timeout = env.timeout

    def counted(event: Any, priority: Any = 1, delay: float = 0) -> None:
        counter[0] += 1
        schedule(event, priority, delay)

    def counted_timeout(delay: float, value: Any = None) -> Any:
        counter[0] += 1
        return timeout(delay, value)

    env.schedule = counted
    env.timeout = counted_timeout
    return counter


if __name__ == "__main__":
    print(json.dumps(run_job(json.loads(sys.argv[1]))))
