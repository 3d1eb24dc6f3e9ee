"""comparison.csv: every policy against the baseline on every summary metric, paired by
replication — the table behind the report's verdict, for spreadsheets and papers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.atomic import atomic_write
from analysis.stats import compare_paired

COMPARISON_NAME = "comparison.csv"


def write_comparison(summary: pd.DataFrame, out_dir: Path | str, baseline: str | None = None,
                     confidence: float = 0.95) -> Path:
    """Write ``out_dir/comparison.csv`` from a summary table and return its path.

    One row per (policy, metric) with the columns of :func:`analysis.stats.compare_paired`:
    paired difference and Fieller ratio with their CIs, ``distinguishable`` and ``too_few``.
    The baseline defaults to the first policy of the summary. Written to a temporary name and
    moved into place, like every other output file.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table = compare_paired(summary, baseline=baseline, confidence=confidence)
    path = out / COMPARISON_NAME
    return atomic_write(path, lambda p: table.to_csv(p, index=False))
