"""Statistics, charts and the HTML report for govsim outputs (docs/outputs.md).

Typical use::

    from analysis import build_report
    build_report(Path("results/demo"), lang="zh")

or, from a shell, ``python -m analysis results/demo --lang zh``.
"""

from analysis.assumptions import Assumption, read_assumptions
from analysis.charts import (
    backlog_over_time,
    escalation_funnel,
    grid_map,
    headline_metrics,
    resolution_ecdf,
    save_figure,
    sweep_heatmap,
    sweep_lines,
    workload_distribution,
)
from analysis.compare import write_comparison
from analysis.labels import label
from analysis.outputs import RunOutputs, load_outputs
from analysis.palette import policy_colors
from analysis.report import build_report, report_name
from analysis.stats import (
    compare_paired,
    fieller_interval,
    gini,
    pooled_percentiles,
    rank_policies,
    summarise,
    t_interval,
)
from analysis.verdict import verdict_sentences, verdict_table
from analysis.workload import with_workload, workload_per_run

__all__ = [
    "Assumption",
    "RunOutputs",
    "backlog_over_time",
    "build_report",
    "compare_paired",
    "escalation_funnel",
    "fieller_interval",
    "gini",
    "grid_map",
    "headline_metrics",
    "label",
    "load_outputs",
    "policy_colors",
    "pooled_percentiles",
    "rank_policies",
    "read_assumptions",
    "report_name",
    "resolution_ecdf",
    "save_figure",
    "summarise",
    "sweep_heatmap",
    "sweep_lines",
    "t_interval",
    "verdict_sentences",
    "verdict_table",
    "with_workload",
    "workload_distribution",
    "workload_per_run",
    "write_comparison",
]
