"""Every human-readable string of charts and report, in English and Chinese (中文).

One dictionary keyed by a stable label key keeps the two languages side by side, so a missing
translation is caught by a test instead of showing up in front of a committee.
"""

from __future__ import annotations

LANGS: tuple[str, ...] = ("en", "zh")

LABELS: dict[str, dict[str, str]] = {
    # --- summary metrics (summary.csv columns) and derived per-run metrics -------------------
    "n_arrived": {"en": "cases arrived", "zh": "受理案件数"},
    "n_closed": {"en": "cases closed", "zh": "办结案件数"},
    "n_open_end": {"en": "cases open at end", "zh": "期末未结案件数"},
    "mean_resolution_h": {"en": "mean resolution time (h)", "zh": "平均办结时长（小时）"},
    "median_resolution_h": {"en": "p50 resolution time (h)", "zh": "办结时长中位数 p50（小时）"},
    "p90_resolution_h": {"en": "p90 resolution time (h)", "zh": "办结时长 p90（小时）"},
    "p95_resolution_h": {"en": "p95 resolution time (h)", "zh": "办结时长 p95（小时）"},
    "mean_response_h": {"en": "mean response time (h)", "zh": "平均响应时长（小时）"},
    "mean_wait_h": {"en": "mean queueing time (h)", "zh": "平均排队时长（小时）"},
    "on_time_response_rate": {"en": "on-time response rate", "zh": "按时响应率"},
    "on_time_close_rate": {"en": "on-time close rate", "zh": "按期办结率"},
    "response_rate": {"en": "response rate", "zh": "响应率"},
    "resolution_rate": {"en": "resolution rate", "zh": "解决率"},
    "satisfaction_rate": {"en": "satisfaction rate", "zh": "满意率"},
    "whistles_per_100": {"en": "whistles per 100 cases", "zh": "每百件吹哨次数"},
    "whistle_dept_hours": {"en": "department whistle hours", "zh": "部门吹哨报到工时"},
    "mean_report_h": {"en": "mean whistle report time (h)", "zh": "吹哨后部门平均报到时长（小时）"},
    "mean_report_late_h": {
        "en": "mean lateness of late reports (h)",
        "zh": "报到超时平均时长（小时）",
    },
    "report_late_share": {"en": "share of whistle reports late", "zh": "吹哨报到超时占比"},
    "preemptions_per_100": {"en": "preemptions per 100 cases", "zh": "每百件被抢占次数"},
    "misroute_rate": {"en": "returns per case (misroutes)", "zh": "退单率"},
    "reopen_rate": {"en": "reopen rate", "zh": "重办率"},
    "flareups_per_1000": {"en": "flare-ups per 1,000 cases", "zh": "每千件激化数（小事拖大）"},
    "flareups_high_risk_per_1000": {
        "en": "flare-ups per 1,000 high-risk cases",
        "zh": "每千件高风险案件激化数",
    },
    "escalation_rate": {"en": "share of cases escalated", "zh": "上报案件占比"},
    "mean_wait_low_risk_h": {
        "en": "mean queueing time, low-risk cases (h)",
        "zh": "低风险案件平均排队时长（小时）",
    },
    "mean_wait_high_risk_h": {
        "en": "mean queueing time, high-risk cases (h)",
        "zh": "高风险案件平均排队时长（小时）",
    },
    "mean_dispatch_h": {"en": "mean time to dispatch (h)", "zh": "平均派遣时长（小时）"},
    "mean_travel_h": {"en": "mean travel time (h)", "zh": "平均路途时长（小时）"},
    "mean_utilization": {"en": "mean utilisation", "zh": "平均利用率"},
    "max_unit_utilization": {"en": "highest unit utilisation", "zh": "单位最高利用率"},
    "workload_gini": {"en": "workload Gini (grid workers)", "zh": "网格员工作量基尼系数"},
    "n_contacts": {"en": "hotline contacts", "zh": "热线来电数"},
    "busy_h_per_grid_worker": {"en": "busy hours per grid worker", "zh": "网格员人均忙碌工时"},
    "cases_per_grid_worker": {"en": "cases per grid worker", "zh": "网格员人均办件数"},
    # --- units -------------------------------------------------------------------------------
    "unit_h": {"en": "h", "zh": "小时"},
    "unit_pp": {"en": "percentage points", "zh": "个百分点"},
    # --- tiers where a case was finally handled (tier_final) ----------------------------------
    "tier_grid": {"en": "grid", "zh": "网格"},
    "tier_community": {"en": "community", "zh": "社区"},
    "tier_street": {"en": "street", "zh": "街道"},
    "tier_department": {"en": "department", "zh": "职能部门"},
    "tier_joint": {"en": "joint (whistle)", "zh": "联合处置（吹哨）"},
    "tier_unhandled": {"en": "not handled", "zh": "未处置"},
    # --- chart texts -----------------------------------------------------------------------------
    "policy": {"en": "policy", "zh": "政策组合"},
    "ecdf_title": {"en": "Resolution time by policy", "zh": "各政策组合的办结时长分布"},
    "ecdf_x": {"en": "resolution time (h, log scale)", "zh": "办结时长（小时，对数坐标）"},
    "ecdf_y": {"en": "share of cases closed within t", "zh": "t 小时内办结的案件占比"},
    "deadline_24h": {"en": "24 h", "zh": "24 小时"},
    "deadline_7d": {"en": "7 days", "zh": "7 天"},
    "deadline_15d": {"en": "15 days", "zh": "15 天"},
    "headline_title": {
        "en": "Headline metrics (mean and 95 % CI across replications)",
        "zh": "主要指标（各次重复的均值及 95 % 置信区间）",
    },
    "percent_suffix": {"en": " (%)", "zh": "（%）"},
    "backlog_title": {"en": "Open cases over time", "zh": "在办案件数随时间变化"},
    "backlog_x": {"en": "time since start (days)", "zh": "自开始起的时间（天）"},
    "backlog_y": {"en": "open cases", "zh": "在办案件数"},
    "band_ci": {"en": "band: 95 % CI of the mean", "zh": "阴影：均值的 95 % 置信区间"},
    "band_minmax": {"en": "band: min–max over replications", "zh": "阴影：各次重复的最小–最大值"},
    "warmup": {"en": "warm-up", "zh": "预热期"},
    "workload_title": {"en": "Grid-worker workload", "zh": "网格员工作量"},
    "busy_h_per_worker": {"en": "busy hours per worker", "zh": "人均忙碌工时（小时）"},
    "cases_per_worker": {"en": "cases handled per worker", "zh": "人均办件数"},
    "map_title_resolution": {
        "en": "Mean resolution time by grid (h)",
        "zh": "各网格平均办结时长（小时）",
    },
    "map_title_busy": {
        "en": "Busy hours per grid worker, by grid",
        "zh": "各网格网格员人均忙碌工时（小时）",
    },
    "map_value_resolution": {"en": "mean resolution time (h)", "zh": "平均办结时长（小时）"},
    "map_value_busy": {"en": "busy hours per grid worker", "zh": "网格员人均忙碌工时（小时）"},
    "x_km": {"en": "x (km)", "zh": "x（公里）"},
    "y_km": {"en": "y (km)", "zh": "y（公里）"},
    "funnel_title": {
        "en": "Where cases were resolved, and whistles",
        "zh": "案件最终办结层级与吹哨",
    },
    "tier_share": {"en": "share of cases by final tier (%)", "zh": "各层级最终办结占比（%）"},
    "tier": {"en": "final tier", "zh": "办结层级"},
    "sweep_title": {"en": "Sensitivity to {param}", "zh": "{param} 的敏感性分析"},
    "sweep_heatmap_title": {"en": "{metric}: {policy}", "zh": "{metric}：{policy}"},
    "sweep_band": {
        "en": "band: 95 % CI across replications",
        "zh": "阴影：各次重复的 95 % 置信区间",
    },
    # --- report texts ----------------------------------------------------------------------------
    "report_title": {"en": "Simulation report", "zh": "仿真评估报告"},
    "generated": {"en": "Generated", "zh": "生成时间"},
    "section_facts": {"en": "Scenario", "zh": "情景概况"},
    "section_policies": {"en": "Policies compared", "zh": "比较的政策组合"},
    "section_verdict": {"en": "Verdict", "zh": "结论"},
    "section_charts": {"en": "Charts", "zh": "图表"},
    "section_tables": {"en": "All metrics", "zh": "全部指标"},
    "section_percentiles": {
        "en": "Resolution-time percentiles (pooled over replications)",
        "zh": "办结时长分位数（汇总各次重复）",
    },
    "section_ranking": {"en": "Ranking", "zh": "排名"},
    "section_assumptions": {"en": "Assumptions marked [est]", "zh": "标注 [est] 的假设"},
    "section_sweep": {"en": "Parameter sweep", "zh": "参数扫描"},
    "section_method": {"en": "How to read this report", "zh": "阅读说明"},
    "fact_scenario": {"en": "scenario", "zh": "情景"},
    "fact_scenario_file": {"en": "scenario file", "zh": "情景文件"},
    "fact_grids": {"en": "grids", "zh": "网格数"},
    "fact_grid_workers": {"en": "grid workers", "zh": "网格员人数"},
    "fact_streets": {"en": "streets", "zh": "街道数"},
    "fact_communities": {"en": "communities", "zh": "社区数"},
    "fact_departments": {"en": "departments", "zh": "职能部门"},
    "fact_days": {"en": "horizon (days)", "zh": "仿真时长（天）"},
    "fact_replications": {"en": "replications", "zh": "重复次数"},
    "fact_root_seed": {"en": "root seed", "zh": "根随机种子"},
    "fact_cases_per_run": {"en": "cases per run (mean)", "zh": "每次运行案件数（均值）"},
    "fact_version": {"en": "govsim version", "zh": "govsim 版本"},
    "fact_created": {"en": "simulated at (UTC)", "zh": "仿真时间（UTC）"},
    "baseline": {"en": "baseline", "zh": "基准"},
    "col_indicator": {"en": "indicator", "zh": "指标"},
    "col_baseline": {"en": "baseline mean", "zh": "基准均值"},
    "col_policy_mean": {"en": "policy mean", "zh": "方案均值"},
    "col_change": {"en": "change (95 % CI)", "zh": "变化（95 % 置信区间）"},
    "col_verdict": {"en": "verdict", "zh": "判断"},
    "col_metric": {"en": "metric", "zh": "指标"},
    "col_mean": {"en": "mean", "zh": "均值"},
    "col_ci": {"en": "95 % CI", "zh": "95 % 置信区间"},
    "col_n": {"en": "n", "zh": "n"},
    "col_percentile": {"en": "percentile", "zh": "分位数"},
    "col_rank_group": {"en": "rank group", "zh": "名次组"},
    "col_key": {"en": "key", "zh": "参数"},
    "col_value": {"en": "value", "zh": "取值"},
    "col_comment": {"en": "comment", "zh": "说明"},
    "col_line": {"en": "line", "zh": "行号"},
    "col_share_open": {"en": "still open", "zh": "未结占比"},
    "better": {"en": "better", "zh": "改善"},
    "worse": {"en": "worse", "zh": "变差"},
    "changed": {"en": "changed", "zh": "有变化"},
    "no_difference": {"en": "cannot tell apart", "zh": "无法区分"},
    "too_few": {"en": "too few replications", "zh": "重复次数过少"},
    "no_assumptions": {
        "en": "No line of the scenario file is marked [est].",
        "zh": "情景文件中没有标注 [est] 的行。",
    },
    "scenario_missing": {
        "en": "Scenario file not found: {path}. Its [est] assumptions cannot be listed.",
        "zh": "找不到情景文件：{path}，无法列出其 [est] 假设。",
    },
    "single_policy": {
        "en": "Only one policy was simulated, so there is nothing to compare it with.",
        "zh": "只仿真了一个政策组合，没有可比较的对象。",
    },
    "ranking_note": {
        "en": "Policies whose 95 % CI overlaps that of the best in their group share a rank "
        "group: the data cannot order them.",
        "zh": "置信区间与组内最优者重叠的政策组合归入同一名次组：数据无法区分其先后。",
    },
    "percentile_note": {
        "en": "Percentiles pool the cases of all replications; cases still open at the end "
        "count as taking at least their age (Kaplan–Meier), so slow open cases do not make "
        "the percentiles look better. The 95 % CI comes from {n_boot} bootstrap resamples of "
        "whole replications, because cases of one run share its surges and queues and are not "
        "independent.",
        "zh": "分位数汇总各次重复的全部案件；期末仍未办结的案件按“至少已耗时长”计入（Kaplan–Meier "
        "估计），以免未结的慢案件让分位数显得更好。95 % 置信区间来自对整次重复（而非单个案件）的 "
        "{n_boot} 次自助重抽样，因为同一次运行中的案件共享同一高峰与队列，并不独立。",
    },
    "method_note": {
        "en": "Each policy was run on the same {n} random streams (common random numbers): "
        "replication k of every policy saw the same arrivals. Differences are paired by "
        "replication and given with 95 % Student-t confidence intervals; relative changes use "
        "Fieller's interval for the ratio of means. 'Cannot tell apart' means the interval "
        "includes no change. Charts are from the simulation, not from observed data; the "
        "assumptions marked [est] at the end are estimates, not published figures.",
        "zh": "每个政策组合都在相同的 {n} 组随机数流上运行（共同随机数）：各组合第 k 次重复面对"
        "相同的案件到达。差异按重复配对，并给出 95 % Student-t 置信区间；相对变化采用 Fieller "
        "比值区间。“无法区分”表示区间包含“无变化”。图表来自仿真而非实测数据；文末标注 [est] "
        "的假设为估计值，而非公开数据。",
    },
    "caption_ecdf": {
        "en": "Share of all cases (open ones never reach 1) closed within a given time; "
        "vertical lines mark the 24-hour, 7-day and 15-day deadlines. Higher and further left "
        "is better.",
        "zh": "在给定时长内办结的案件占全部案件的比例（未结案件使曲线达不到 1）；竖线为 24 小时、"
        "7 天和 15 天时限。曲线越靠左上越好。",
    },
    "caption_headline": {
        "en": "Each dot is the mean over replications; whiskers are 95 % confidence intervals "
        "of each policy on its own. The verdict compares policies replication by replication, "
        "which is sharper than comparing these whiskers.",
        "zh": "圆点为各次重复的均值；误差线为各政策组合各自的 95 % 置信区间。结论部分按重复逐一配对"
        "比较，比直接对照这些误差线更灵敏。",
    },
    "caption_backlog": {
        "en": "Cases arrived and not yet closed, hour by hour; line is the mean over "
        "replications. The grey span is the warm-up, excluded from all metrics.",
        "zh": "每小时已受理但尚未办结的案件数；线为各次重复的均值。"
        "灰色区域为预热期，不计入任何指标。",
    },
    "caption_workload": {
        "en": "Distribution over grid workers of their busy hours and cases handled (each worker "
        "averaged over replications).",
        "zh": "网格员忙碌工时与办件数在人员间的分布（每人取各次重复的平均）。",
    },
    "caption_map": {
        "en": "Each dot is a grid at its location; colour shows the value under each policy.",
        "zh": "每个点代表一个网格的位置，颜色表示各政策组合下的数值。",
    },
    "caption_funnel": {
        "en": "Left: tier at which cases were finally handled. Right: whistles (吹哨报到) per "
        "100 cases and department hours spent answering them, with 95 % CIs.",
        "zh": "左：案件最终办结的层级。右：每百件吹哨次数及部门响应吹哨的工时，含 95 % 置信区间。",
    },
    "caption_sweep": {
        "en": "Mean over replications at each parameter value; bands are 95 % CIs.",
        "zh": "各参数取值下各次重复的均值；阴影为 95 % 置信区间。",
    },
    "caption_heatmap": {
        "en": "Mean over replications for each combination of the two swept parameters.",
        "zh": "两个扫描参数各组合下各次重复的均值。",
    },
    # --- verdict sentences ---------------------------------------------------------------------
    "verb_cuts": {"en": "cuts", "zh": "降低"},
    "verb_raises": {"en": "raises", "zh": "提高"},
    "joiner_and": {"en": " and ", "zh": "，"},
    "joiner_but": {"en": ", but ", "zh": "，但"},
    "sentence_rel": {
        "en": "{verb} {indicator} by {value} % (95 % CI {low}–{high} %)",
        "zh": "使{indicator}{verb} {value} %（95 % 置信区间 {low}–{high} %）",
    },
    "sentence_pp": {
        "en": "{verb} {indicator} by {value} percentage points (95 % CI {low}–{high})",
        "zh": "使{indicator}{verb} {value} 个百分点（95 % 置信区间 {low}–{high}）",
    },
    "sentence_abs": {
        "en": "{verb} {indicator} from {base} to {new} {unit} (95 % CI of the change {low} to "
        "{high})",
        "zh": "使{indicator}从 {base} {verb}至 {new} {unit}"
        "（变化的 95 % 置信区间 {low} 至 {high}）",
    },
    "sentence_policy": {"en": "{policy} {clauses}.", "zh": "{policy} {clauses}。"},
    "sentence_untold": {
        "en": "With {n} replications it cannot be told apart from {baseline} on {indicators}.",
        "zh": "在 {n} 次重复下，{indicators}与 {baseline} 无法区分。",
    },
    "sentence_no_change": {
        "en": "{policy} cannot be told apart from {baseline} on any indicator with {n} "
        "replications.",
        "zh": "在 {n} 次重复下，{policy} 与 {baseline} 在所有指标上均无法区分。",
    },
    "sentence_too_few": {
        "en": "{policy}: too few replications ({n}) to compare with {baseline}; run at least 3.",
        "zh": "{policy}：重复次数过少（{n} 次），无法与 {baseline} 比较；请至少运行 3 次。",
    },
    "list_sep": {"en": ", ", "zh": "、"},
    "clause_sep": {"en": ", ", "zh": "，"},
    "sentence_sep": {"en": " ", "zh": ""},
}


def label(key: str, lang: str, **fields: object) -> str:
    """The text for ``key`` in ``lang``, with ``{field}`` placeholders filled in.

    Unknown keys fall back to the key itself so that a new metric column still gets a label.
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    entry = LABELS.get(key)
    text = key if entry is None else entry[lang]
    return text.format(**fields) if fields else text


def tier_label(tier: str, lang: str) -> str:
    """Label of a ``tier_final`` value; the empty string means the case was never handled."""
    return label(f"tier_{tier}" if tier else "tier_unhandled", lang)
