"""Fabricated output directories that follow docs/outputs.md, with known policy effects.

They let the statistics, charts and report be tested (and demonstrated) without running the
simulator: every column of the contract is present, the summary is computed from the cases, and
the policies differ by known factors on common random numbers (replication k of every policy
sees the same arrivals, as ``govsim compare`` guarantees). Resolution times are not a model of
anything; only their structure is realistic (right-skewed, tier-dependent, surges per run).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.stats import gini

TIERS: tuple[str, ...] = ("grid", "community", "street", "department", "joint")
DEPARTMENTS: tuple[str, ...] = ("urban_management", "environment", "housing")


@dataclass(frozen=True)
class SyntheticPolicy:
    """Known effect of one fabricated policy.

    ``time_factor`` multiplies every resolution time (0.7 cuts the p90 by 30 %);
    ``tier_shares`` are the shares of grid, community, street, department and joint handling;
    ``satisfaction`` is the same for every policy by default so that its differences are noise.
    """

    name: str
    time_factor: float
    tier_shares: tuple[float, float, float, float, float]
    misroute_p: float = 0.02
    dispatch_h: float = 0.1
    satisfaction: float = 0.9


DEFAULT_POLICIES: tuple[SyntheticPolicy, ...] = (
    SyntheticPolicy("manual+transfer", 1.0, (0.50, 0.15, 0.15, 0.20, 0.0), 0.06, 0.1),
    SyntheticPolicy("algorithmic+transfer", 0.8, (0.50, 0.15, 0.15, 0.20, 0.0), 0.01, 0.01),
    SyntheticPolicy("algorithmic+whistle", 0.65, (0.50, 0.15, 0.15, 0.08, 0.12), 0.01, 0.01),
)

#: Hours from arrival to close per tier, relative to the grid (higher tiers take longer).
_TIER_TIME = np.array([0.5, 1.0, 1.6, 3.0, 1.4])
_DEADLINES_H = np.array([24.0, 168.0, 360.0])
_WHISTLE_DEPT_H = 3.0
#: Hours a worker is on duty per day (patrols run 07:00–21:30 in Hangzhou).
_SHIFT_H = 14.5

SCENARIO_YAML = """\
# Synthetic street used by the analysis tests (not a real place).
name: synthetic-street
calendar:
  start: "2024-03-04T00:00"
  days: {days}
  warmup_days: 1          # first day excluded from summaries
arrivals:
  hotline_per_day: 40     # Beijing 12345 scaled to one street [secondary source]
  patrol_per_grid_day: 0.4  # Zhejiang grids, 0.4 items/grid/day
  surge_factor: 1.0       # [est] no storm or epidemic surge in the base case
organisation:
  grid_workers_per_grid: 1.5   # [est] average of 1-3 workers per grid
  departments: [urban_management, environment, housing]
mediation:
  # [est] no published split by tier; we assume 70 / 22 / 8 %
  tier_shares: [0.70, 0.22, 0.08]
categories:
  - id: market
    handle_h_median: 2.0  # [est] median hands-on time, no published figure
  - id: housing
    handle_h_median: 4.0
whistle:
  arrive_within_h: 0.5    # Pinggu: departments report within 30 minutes
"""


@dataclass
class _Organisation:
    grids: pd.DataFrame
    workers: pd.DataFrame = field(default_factory=pd.DataFrame)


def _organisation(n_grids: int, workers_per_grid: Sequence[int] | None = None) -> _Organisation:
    """Grids on a lattice 0.6 km apart, four grids a community, two communities a street."""
    ids = [f"G{i + 1:02d}" for i in range(n_grids)]
    cols = int(np.ceil(np.sqrt(n_grids)))
    workers = list(workers_per_grid) if workers_per_grid is not None else [
        1 + (i % 3 == 0) for i in range(n_grids)]
    grids = pd.DataFrame({
        "grid": ids,
        "community": [f"C{i // 4 + 1}" for i in range(n_grids)],
        "street": [f"S{i // 8 + 1}" for i in range(n_grids)],
        "x_km": [0.6 * (i % cols) for i in range(n_grids)],
        "y_km": [0.6 * (i // cols) for i in range(n_grids)],
        "workers": workers,
    })
    rows = []
    for g in grids.itertuples():
        for w in range(int(g.workers)):
            rows.append(("grid", g.grid, f"{g.grid}-w{w + 1}", g.x_km, g.y_km))
    centre = (float(grids["x_km"].mean()), float(grids["y_km"].mean()))
    for w in range(4):
        rows.append(("street", "S1-team", f"S1-team-w{w + 1}", *centre))
    for d in DEPARTMENTS:
        for w in range(2):
            rows.append(("department", d, f"{d}-w{w + 1}", *centre))
    for w in range(3):
        rows.append(("hotline", "hotline-12345", f"hotline-w{w + 1}", *centre))
    for w in range(2):
        rows.append(("dispatch", "dispatch-desk", f"dispatch-w{w + 1}", *centre))
    return _Organisation(grids, pd.DataFrame(
        rows, columns=["unit_kind", "unit", "worker", "x_km", "y_km"]))


def _arrivals(rng: np.random.Generator, org: _Organisation, days: int, per_day: float,
              arrival_scale: float) -> pd.DataFrame:
    """Arrivals and per-case latent draws of one replication, shared by every policy."""
    surge = float(rng.uniform(0.8, 1.3))
    n = int(rng.poisson(per_day * days * arrival_scale * surge))
    grid_idx = rng.integers(0, len(org.grids), n)
    return pd.DataFrame({
        "case_id": np.arange(n),
        "t_arrival_h": np.sort(rng.uniform(0, days * 24, n)),
        "channel": rng.choice(["hotline", "patrol", "sensor"], n, p=[0.5, 0.4, 0.1]),
        "category": rng.choice(["market", "housing", "urban", "environment"], n),
        "deadline_idx": rng.choice(3, n, p=[0.2, 0.6, 0.2]),
        "grid": org.grids["grid"].to_numpy()[grid_idx],
        "street": org.grids["street"].to_numpy()[grid_idx],
        "u_tier": rng.uniform(size=n),
        "latent_h": rng.lognormal(np.log(14.0), 1.0, n) * surge * arrival_scale,
        "u_misroute": rng.uniform(size=n),
        "u_reopen": rng.uniform(size=n),
        "u_flare": rng.uniform(size=n),
        "u_resolved": rng.uniform(size=n),
    })


def _cases(base: pd.DataFrame, policy: SyntheticPolicy, rng: np.random.Generator, days: int,
           warmup_h: float, staff_factor: float) -> pd.DataFrame:
    """One run's cases.parquet rows for one policy, from the shared arrivals."""
    n = len(base)
    horizon_h = days * 24.0
    tier_idx = np.searchsorted(np.cumsum(policy.tier_shares), base["u_tier"].to_numpy(),
                               side="right").clip(0, 4)
    noise = rng.lognormal(0.0, 0.15, n)
    res = (base["latent_h"].to_numpy() * _TIER_TIME[tier_idx] * policy.time_factor * noise
           / staff_factor)
    a = base["t_arrival_h"].to_numpy()
    misroutes = (base["u_misroute"].to_numpy() < policy.misroute_p).astype(int)
    res = res + misroutes * 6.0 + policy.dispatch_h

    def stage(fraction: float) -> np.ndarray:
        t = a + fraction * res
        return np.where(t <= horizon_h, t, np.nan)

    t_closed = stage(1.0)
    closed = ~np.isnan(t_closed)
    t_onsite = stage(0.2)
    tier = np.array(TIERS, dtype=object)[tier_idx]
    tier = np.where(np.isnan(t_onsite), "", tier)
    response_due = a + np.where(base["deadline_idx"].to_numpy() == 0, 2.0, 24.0)
    close_due = a + _DEADLINES_H[base["deadline_idx"].to_numpy()]
    resolution = np.where(closed, res, np.nan)
    flared = base["u_flare"].to_numpy() < 1 - np.exp(-res / 2000.0)
    satisfied = closed & (rng.uniform(size=n) < policy.satisfaction)
    return pd.DataFrame({
        "policy": policy.name,
        "case_id": base["case_id"].to_numpy(),
        "channel": base["channel"].to_numpy(),
        "category": base["category"].to_numpy(),
        "grid": base["grid"].to_numpy(),
        "street": base["street"].to_numpy(),
        "tier_final": tier.astype(str),
        "t_arrival_h": a,
        "t_dispatched_h": stage(0.05),
        "t_start_h": stage(0.15),
        "t_onsite_h": t_onsite,
        "t_handled_h": stage(0.8),
        "t_closed_h": t_closed,
        "response_h": t_onsite - a,
        "wait_h": np.where(closed, 0.1 * res, np.nan),
        "travel_h": np.where(closed, np.minimum(0.05 * res, 1.0), np.nan),
        "handle_h": np.where(closed, np.minimum(0.3 * res, 8.0), np.nan),
        "resolution_h": resolution,
        "escalations": np.minimum(tier_idx, 3),
        "misroutes": misroutes,
        "reopened": (closed & (base["u_reopen"].to_numpy() < 0.03)).astype(int),
        "whistled": tier_idx == 4,
        "response_due_h": response_due,
        "close_due_h": close_due,
        "on_time_response": np.nan_to_num(t_onsite, nan=np.inf) <= response_due,
        "on_time_close": np.nan_to_num(t_closed, nan=np.inf) <= close_due,
        "resolved": closed & (base["u_resolved"].to_numpy() < 0.97),
        "satisfied": satisfied,
        "flared": flared & ~np.isnan(a),
        "warmup": a < warmup_h,
    })


def _resources(cases: pd.DataFrame, org: _Organisation, days: int) -> pd.DataFrame:
    """Worker rows: field hours follow the cases each unit handled."""
    res = org.workers.copy()
    res["available_h"] = days * _SHIFT_H
    hours = (cases["travel_h"].fillna(0) + cases["handle_h"].fillna(0)).to_numpy()
    tiers = cases["tier_final"].to_numpy()
    case_ids = cases["case_id"].to_numpy()
    dept = np.array(DEPARTMENTS, dtype=object)[case_ids % len(DEPARTMENTS)]
    unit = np.select(
        [np.isin(tiers, ["grid", "community"]), tiers == "street",
         np.isin(tiers, ["department", "joint"])],
        [cases["grid"].to_numpy(dtype=object), "S1-team", dept], default="")
    handled_mask = unit != ""
    sizes = res.groupby("unit")["worker"].size()
    n_workers = sizes.reindex(unit[handled_mask]).to_numpy()
    workers = [f"{u}-w{k + 1}" for u, k in
               zip(unit[handled_mask], case_ids[handled_mask] % n_workers, strict=True)]
    row = pd.Series(np.arange(len(res)), index=res["worker"]).reindex(workers).to_numpy()
    busy = np.bincount(row, weights=hours[handled_mask], minlength=len(res))
    handled = np.bincount(row, minlength=len(res))
    joint = tiers[handled_mask] == "joint"
    # a whistle summons both workers of the department (事不完，人不撤)
    whistle_units = pd.Series(unit[handled_mask][joint]).value_counts()
    whistle = (res["unit"].map(whistle_units).fillna(0).to_numpy()
               * _WHISTLE_DEPT_H / res["unit"].map(sizes).to_numpy())
    busy += whistle
    desk = (res["unit_kind"].isin(["hotline", "dispatch"])).to_numpy()
    busy[desk] = 0.1 * len(cases) / desk.sum()
    handled[desk] = len(cases) // desk.sum()
    res["busy_h"] = busy
    res["travel_h"] = busy * 0.1
    res["overtime_h"] = np.maximum(busy - res["available_h"], 0.0)
    res["whistle_h"] = whistle
    res["utilization"] = busy / res["available_h"]
    res["cases_handled"] = handled
    return res


def _summary_row(cases: pd.DataFrame, resources: pd.DataFrame) -> dict[str, float]:
    """summary.csv metrics of one run, by the definitions of docs/outputs.md."""
    c = cases[~cases["warmup"]]
    closed = c[c["t_closed_h"].notna()]
    n = len(c)
    n_closed = len(closed)
    res = closed["resolution_h"]
    field_rows = resources[~resources["unit_kind"].isin(["hotline", "dispatch"])]
    grid_rows = resources[resources["unit_kind"] == "grid"]
    return {
        "n_arrived": n,
        "n_closed": n_closed,
        "n_open_end": n - n_closed,
        "mean_resolution_h": float(res.mean()),
        "median_resolution_h": float(res.median()),
        "p90_resolution_h": float(res.quantile(0.9)),
        "p95_resolution_h": float(res.quantile(0.95)),
        "mean_response_h": float(c["response_h"].mean()),
        "mean_wait_h": float(closed["wait_h"].mean()),
        "on_time_response_rate": float(c["on_time_response"].mean()),
        "on_time_close_rate": float(c["on_time_close"].mean()),
        "response_rate": float(c["on_time_response"].mean()),
        "resolution_rate": float(closed["resolved"].mean()),
        "satisfaction_rate": float(closed["satisfied"].mean()),
        "whistles_per_100": 100.0 * float(c["whistled"].mean()),
        "whistle_dept_hours": float(resources["whistle_h"].sum()),
        "misroute_rate": float(c["misroutes"].mean()),
        "reopen_rate": float(closed["reopened"].mean()),
        "flareups_per_1000": 1000.0 * float(c["flared"].mean()),
        "escalation_rate": float(c["escalations"].mean()),
        "mean_utilization": float(field_rows["busy_h"].sum() / field_rows["available_h"].sum()),
        "workload_gini": gini(grid_rows["busy_h"].to_numpy()),
        "n_contacts": int(n * 1.6),
        "wall_time_s": 0.01,
    }


def _backlog(cases: pd.DataFrame, days: int) -> pd.DataFrame:
    t = np.arange(0, days * 24 + 1, dtype=float)
    arrived = np.searchsorted(np.sort(cases["t_arrival_h"].to_numpy()), t, side="right")
    closed_t = np.sort(cases["t_closed_h"].dropna().to_numpy())
    closed = np.searchsorted(closed_t, t, side="right")
    return pd.DataFrame({"t_h": t, "open_cases": arrived - closed})


def _simulate(policies: Sequence[SyntheticPolicy], replications: int, days: int,
              cases_per_day: float, seed: int, org: _Organisation, arrival_scale: float = 1.0,
              staff_factor: float = 1.0, scenario: str = "synthetic-street"
              ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, list[int]]:
    seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(replications)]
    cases_all, summary, resources_all, backlog_all = [], [], [], []
    for rep, rep_seed in enumerate(seeds):
        base = _arrivals(np.random.default_rng(rep_seed), org, days, cases_per_day, arrival_scale)
        for k, policy in enumerate(policies):
            rng = np.random.default_rng([rep_seed, k])
            cases = _cases(base, policy, rng, days, 24.0, staff_factor)
            cases.insert(1, "replication", rep)
            resources = _resources(cases, org, days)
            resources.insert(0, "replication", rep)
            resources.insert(0, "policy", policy.name)
            resources.insert(0, "scenario", scenario)
            backlog = _backlog(cases, days)
            backlog.insert(0, "replication", rep)
            backlog.insert(0, "policy", policy.name)
            backlog.insert(0, "scenario", scenario)
            summary.append({"scenario": scenario, "policy": policy.name, "replication": rep,
                            "seed": rep_seed, **_summary_row(cases, resources)})
            cases_all.append(cases)
            resources_all.append(resources)
            backlog_all.append(backlog)
    # policy-major order, as a comparison writes them
    order = {p.name: i for i, p in enumerate(policies)}
    summary_df = pd.DataFrame(summary).sort_values(
        ["policy", "replication"], key=lambda s: s.map(order) if s.name == "policy" else s)
    return (pd.concat(cases_all, ignore_index=True), summary_df.reset_index(drop=True),
            pd.concat(resources_all, ignore_index=True), pd.concat(backlog_all,
                                                                   ignore_index=True), seeds)


def write_synthetic_outputs(out_dir: Path | str,
                            policies: Sequence[SyntheticPolicy] = DEFAULT_POLICIES,
                            replications: int = 5, days: int = 14, cases_per_day: float = 60.0,
                            n_grids: int = 12, seed: int = 20240304,
                            write_scenario: bool = True) -> Path:
    """Write cases.parquet, summary.csv, resources.csv, backlog.csv, grids.csv and run.json.

    Parameters
    ----------
    write_scenario
        Also write ``scenario.yaml`` (with ``[est]`` comments) and point run.json at it.

    Returns
    -------
    The output directory.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    org = _organisation(n_grids)
    cases, summary, resources, backlog, seeds = _simulate(
        policies, replications, days, cases_per_day, seed, org)
    cases.to_parquet(out / "cases.parquet", index=False)
    summary.to_csv(out / "summary.csv", index=False)
    resources.to_csv(out / "resources.csv", index=False)
    backlog.to_csv(out / "backlog.csv", index=False)
    org.grids.to_csv(out / "grids.csv", index=False)
    scenario_file = out / "scenario.yaml"
    if write_scenario:
        scenario_file.write_text(SCENARIO_YAML.format(days=days), encoding="utf-8")
    run = {
        "govsim_version": "synthetic",
        "scenario_name": "synthetic-street",
        "scenario_file": str(scenario_file),
        "scenario": {"name": "synthetic-street", "calendar": {"days": days, "warmup_days": 1}},
        "policies": [p.name for p in policies],
        "replications": replications,
        "root_seed": seed,
        "seeds": seeds,
        "days": days,
        "wall_time_s": 0.5,
        "created_utc": "2024-03-04T00:00:00Z",
        "python": "3.11",
        "platform": "synthetic",
    }
    (out / "run.json").write_text(json.dumps(run, indent=2), encoding="utf-8")
    return out


def write_synthetic_sweep(out_dir: Path | str,
                          policies: Sequence[SyntheticPolicy] = DEFAULT_POLICIES[::2],
                          arrival_scales: Sequence[float] = (0.8, 1.0, 1.2, 1.5),
                          workers_per_grid: Sequence[int] = (1, 2, 3),
                          replications: int = 3, days: int = 7, cases_per_day: float = 25.0,
                          seed: int = 7) -> Path:
    """Write a sweep's ``runs.parquet``: ``arrivals.scale`` × ``organisation.grid_workers``.

    More arrivals lengthen resolution times; more grid workers shorten them (by the square
    root of the staffing), so the charts have known shapes. Like ``govsim sweep``, the table
    has ``config``, ``status`` and ``error`` columns, and one failed run.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows: list[pd.DataFrame] = []
    for scale in arrival_scales:
        for workers in workers_per_grid:
            org = _organisation(8, [workers] * 8)
            _, summary, _, _, _ = _simulate(policies, replications, days, cases_per_day, seed,
                                            org, arrival_scale=scale,
                                            staff_factor=float(np.sqrt(workers)))
            summary.insert(0, "organisation.grid_workers", workers)
            summary.insert(0, "arrivals.scale", scale)
            summary.insert(0, "config", len(rows))
            summary["status"] = "ok"
            summary["error"] = None
            rows.append(summary)
    # a sweep also records runs that raised: no metrics, status "error"
    failed = rows[0].iloc[[0]].copy()
    metrics = [c for c in failed.columns if c not in (
        "config", "arrivals.scale", "organisation.grid_workers", "scenario", "policy",
        "replication", "seed", "status", "error")]
    failed[metrics] = np.nan
    failed["status"], failed["error"] = "error", "RuntimeError: synthetic failure"
    runs = pd.concat([*rows, failed], ignore_index=True)
    runs.to_parquet(out / "runs.parquet", index=False)
    run = {"govsim_version": "synthetic", "scenario_name": "synthetic-street",
           "scenario_file": str(out / "missing-scenario.yaml"),
           "policies": [p.name for p in policies], "replications": replications,
           "root_seed": seed, "days": days}
    (out / "run.json").write_text(json.dumps(run, indent=2), encoding="utf-8")
    return out
