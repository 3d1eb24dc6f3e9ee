"""Per-worker workload (工作量) from resources.csv: busy hours and cases of grid workers.

summary.csv carries utilisation and a Gini, but a planner asks "how many hours does a grid
worker spend on cases under this policy?", which needs the worker rows themselves.
"""

from __future__ import annotations

import pandas as pd

GRID_KIND = "grid"


def workload_per_run(resources: pd.DataFrame, unit_kind: str = GRID_KIND) -> pd.DataFrame:
    """Mean busy hours and cases per worker of one unit kind, one row per (policy, replication).

    Returns columns ``policy``, ``replication``, ``busy_h_per_grid_worker`` and
    ``cases_per_grid_worker`` (named for the default grid workers, 网格员, whatever the kind).
    """
    workers = resources[resources["unit_kind"] == unit_kind]
    table = (
        workers.groupby(["policy", "replication"], sort=False)
        .agg(busy_h_per_grid_worker=("busy_h", "mean"),
             cases_per_grid_worker=("cases_handled", "mean"))
        .reset_index()
    )
    return table


def with_workload(summary: pd.DataFrame, resources: pd.DataFrame | None) -> pd.DataFrame:
    """summary.csv with the per-run workload columns added (unchanged without resources)."""
    if resources is None or summary.empty:
        return summary
    extra = workload_per_run(resources)
    if extra.empty:
        return summary
    return summary.merge(extra, on=["policy", "replication"], how="left")


def workload_per_worker(resources: pd.DataFrame, unit_kind: str = GRID_KIND) -> pd.DataFrame:
    """Each worker's busy hours and cases, averaged over replications, per policy.

    Averaging over replications first makes the distribution one of workers (who carries the
    load), not of worker-runs; the organisation is the same in every replication.
    """
    workers = resources[resources["unit_kind"] == unit_kind]
    return (
        workers.groupby(["policy", "unit", "worker"], sort=False)
        .agg(busy_h=("busy_h", "mean"), cases_handled=("cases_handled", "mean"),
             x_km=("x_km", "mean"), y_km=("y_km", "mean"))
        .reset_index()
    )


def workload_per_grid(resources: pd.DataFrame, grids: pd.DataFrame | None = None
                      ) -> pd.DataFrame:
    """Mean busy hours per grid worker for each grid (``unit`` of grid workers), per policy.

    Positions come from grids.csv when the unit is a grid id there, otherwise from the mean
    position of the unit's workers, so that a map can always be drawn.
    """
    per_worker = workload_per_worker(resources)
    table = (
        per_worker.groupby(["policy", "unit"], sort=False)
        .agg(value=("busy_h", "mean"), x_km=("x_km", "mean"), y_km=("y_km", "mean"))
        .reset_index()
        .rename(columns={"unit": "grid"})
    )
    if grids is not None and not grids.empty:
        located = grids.set_index("grid")[["x_km", "y_km"]]
        # units may be named "grid:g01" for grid g01
        bare = table["grid"].str.split(":", n=1).str[-1]
        table["grid"] = table["grid"].where(table["grid"].isin(located.index), bare)
        known = table["grid"].isin(located.index)
        table.loc[known, "x_km"] = located.loc[table.loc[known, "grid"], "x_km"].to_numpy()
        table.loc[known, "y_km"] = located.loc[table.loc[known, "grid"], "y_km"].to_numpy()
    return table
