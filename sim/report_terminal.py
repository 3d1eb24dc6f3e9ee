"""A short table of headline numbers on the terminal after a run."""

from __future__ import annotations

import pandas as pd

HEADLINE = [
    ("n_arrived", "cases", "{:.0f}"),
    ("median_resolution_h", "median h", "{:.1f}"),
    ("p90_resolution_h", "p90 h", "{:.1f}"),
    ("on_time_close_rate", "on time", "{:.1%}"),
    ("response_rate", "response", "{:.1%}"),
    ("resolution_rate", "resolved", "{:.1%}"),
    ("satisfaction_rate", "satisfied", "{:.1%}"),
    ("flareups_per_1000", "flare/1k", "{:.1f}"),
    ("mean_utilization", "util", "{:.0%}"),
]


def headline_table(summary: pd.DataFrame) -> str:
    """Mean over replications per policy, as fixed-width text."""
    means = summary.groupby("policy", sort=False)[[c for c, _, _ in HEADLINE]].mean()
    n = summary.groupby("policy", sort=False)["replication"].nunique()
    width = max(12, *(len(p) for p in means.index))
    header = f"{'policy':<{width}} {'reps':>4} " + " ".join(f"{t:>9}" for _, t, _ in HEADLINE)
    lines = [header, "-" * len(header)]
    for policy, row in means.iterrows():
        cells = " ".join(f"{fmt.format(row[c]):>9}" for c, _, fmt in HEADLINE)
        lines.append(f"{policy:<{width}} {n[policy]:>4} {cells}")
    return "\n".join(lines)


def print_headline(summary: pd.DataFrame) -> None:
    print(headline_table(summary))
