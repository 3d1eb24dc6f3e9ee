"""Every human-readable string of charts and report, in English and Chinese (中文).

One dictionary keyed by a stable label key keeps the two languages side by side, so a missing
translation is caught by a test instead of showing up in front of a committee.
"""

from __future__ import annotations

from analysis.names import UnitNames

LANGS: tuple[str, ...] = ("en", "zh")

LABELS: dict[str, dict[str, str]] = {
    # --- summary metrics (summary.csv columns) and derived per-run metrics -------------------
    # one-window service applications (一网通办, sim/workflows/one_window)
    "svc_arrived": {"en": "applications", "zh": "申请件数"},
    "svc_decided": {"en": "applications decided", "zh": "办结件数"},
    "svc_open_end": {"en": "applications open at end", "zh": "期末在办件数"},
    "svc_mean_working_days": {"en": "mean processing time (working days)",
                              "zh": "平均办理时长（工作日）"},
    "svc_median_working_days": {"en": "p50 processing time (working days)",
                                "zh": "办理时长中位数 p50（工作日）"},
    "svc_p90_working_days": {"en": "p90 processing time (working days)",
                             "zh": "办理时长 p90（工作日）"},
    "svc_mean_days": {"en": "mean processing time (calendar days)",
                      "zh": "平均办理时长（自然日）"},
    "svc_median_days": {"en": "p50 processing time (calendar days)",
                        "zh": "办理时长中位数 p50（自然日）"},
    "svc_p90_days": {"en": "p90 processing time (calendar days)", "zh": "办理时长 p90（自然日）"},
    "svc_on_time_share": {"en": "share decided within the promised time",
                          "zh": "承诺时限内办结率"},
    "svc_visits_per_app": {"en": "hall visits per application", "zh": "每件跑动次数"},
    "svc_one_visit_share": {"en": "share done in at most one visit",
                            "zh": "最多跑一次占比"},
    "svc_rework_per_app": {"en": "rework rounds per application", "zh": "每件补正次数"},
    "svc_rejection_rate": {"en": "rejection rate", "zh": "不予许可率"},
    "svc_rule_approved_share": {"en": "share approved by rule at once", "zh": "秒批占比"},
    "svc_mean_hall_wait_min": {"en": "mean hall wait (min)", "zh": "大厅平均等候（分钟）"},
    "svc_window_utilization": {"en": "window utilisation", "zh": "窗口利用率"},
    "svc_dept_utilization": {"en": "approving departments' utilisation",
                             "zh": "审批部门利用率"},
    "svc_dept_hours": {"en": "department approval hours", "zh": "部门审批工时"},
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
    "on_call_h": {"en": "on-call hours answering whistles", "zh": "值班人员响应吹哨工时"},
    "on_call_standby_h": {"en": "on-call hours rostered", "zh": "值班排班工时"},
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
    # --- the hotline as a call centre (organisation.hotline.callers) ---------------------------
    "contacts_offered": {"en": "calls offered to operators", "zh": "转人工来电数"},
    "contacts_answered_share": {"en": "contacts answered", "zh": "来电接听率"},
    "self_service_share": {"en": "answered by self service (IVR)", "zh": "自助语音办结占比"},
    "service_level": {"en": "service level (share answered in time)",
                      "zh": "服务水平（及时接听占比）"},
    "abandonment_rate": {"en": "abandoned calls", "zh": "放弃率"},
    "retry_share": {"en": "calls that are retries", "zh": "重拨来电占比"},
    "mean_wait_to_answer_s": {"en": "mean wait to answer (s)", "zh": "平均应答等待（秒）"},
    "p90_wait_to_answer_s": {"en": "p90 wait to answer (s)", "zh": "应答等待 p90（秒）"},
    "operator_occupancy": {"en": "operator occupancy", "zh": "话务员占用率"},
    "lost_orders": {"en": "orders lost to hang-ups", "zh": "因挂断流失的工单"},
    "repeat_share": {"en": "repeat calls (share of calls)", "zh": "重复来电占比"},
    "response_rate_by_calls": {"en": "response rate (by calls)", "zh": "响应率（按来电计）"},
    "resolution_rate_by_calls": {"en": "resolution rate (by calls)", "zh": "解决率（按来电计）"},
    "satisfaction_rate_by_calls": {"en": "satisfaction rate (by calls)",
                                   "zh": "满意率（按来电计）"},
    "section_hotline": {"en": "The hotline as a call centre", "zh": "热线话务（呼叫中心）"},
    "hotline_note": {
        "en": "Over the calls after the warm-up. Offered: calls put to an operator (not self "
              "service). Service level: share of the offered calls answered within "
              "callers.service_level_s (default 15 s); a call that hung up counts as not "
              "answered in time. 1 − abandoned is the connection rate (接通率; Beijing's "
              "draft standard asks for calls answered within 15 s and ≥ 95 %).",
        "zh": "统计预热期之后的来电。转人工：未被自助语音办结、交由话务员的来电。"
              "服务水平：转人工来电中在 callers.service_level_s（默认 15 秒）内接听的占比，"
              "挂断的来电计为未及时接听。1 − 放弃率即接通率（北京服务标准征求意见稿要求"
              " 15 秒内接听、接通率不低于 95%）。",
    },
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
    "section_categories": {"en": "By category of matter", "zh": "按事项类别"},
    "col_case_share": {"en": "share of cases", "zh": "案件占比"},
    "categories_note": {
        "en": "Each category's share of all cases and, under each policy's name, the share of "
        "its cases closed on time (on-time close rate), pooled over the replications (warm-up "
        "excluded; open cases count as not on time). Names are the scenario's (name / "
        "name_zh), else its ids.",
        "zh": "各类别占全部案件的比例，以及各策略名下该类别的按期办结率，合并全部重复计算"
        "（不含预热期；未办结案件计为未按时）。名称取自情景文件（name / name_zh），否则为其标识。",
    },
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
    "identical": {"en": "identical", "zh": "完全相同"},
    "identical_text": {"en": "0 in every replication", "zh": "每次重复均为 0"},
    "too_few_events": {"en": "too few events", "zh": "事件过少"},
    "too_few_events_text": {"en": "too few events for a ratio", "zh": "事件过少，不计算比值"},
    "no_difference": {"en": "cannot tell apart", "zh": "无法区分"},
    "none_either": {"en": "none under either", "zh": "两者均无"},
    "none_either_text": {"en": "0 under both policies in every replication",
                         "zh": "两种策略在每次重复中均为 0"},
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
        "is better. Each policy has its own dash pattern, so curves that coincide stay visible.",
        "zh": "在给定时长内办结的案件占全部案件的比例（未结案件使曲线达不到 1）；竖线为 24 小时、"
        "7 天和 15 天时限。曲线越靠左上越好。各政策组合线型不同，重合的曲线仍可分辨。",
    },
    "caption_headline": {
        "en": "Each dot is the mean over replications; whiskers are 95 % confidence intervals "
        "of each policy on its own; the shaded band is the baseline's interval. Rate axes span "
        "at least 5 percentage points and time axes at least 20 % of the level, so a small gap "
        "does not fill a panel. The verdict compares policies replication by replication, "
        "which is sharper than comparing these whiskers.",
        "zh": "圆点为各次重复的均值；误差线为各政策组合各自的 95 % 置信区间；"
        "阴影带为基准策略的区间。比率坐标轴至少跨 5 个百分点、时长坐标轴至少跨均值的 20 %，"
        "以免小差距占满整幅。结论部分按重复逐一配对比较，比直接对照这些误差线更灵敏。",
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
    "caption_sweep_pooled": {
        "en": "Mean over replications at each parameter value, pooled over {pooled}; bands "
        "are 95 % CIs.",
        "zh": "各参数取值下各次重复的均值，已合并 {pooled} 的各取值；阴影为 95 % 置信区间。",
    },
    "caption_sweep_facets": {
        "en": "Mean over replications at each parameter value, one column per value of "
        "{facet}; bands are 95 % CIs.",
        "zh": "各参数取值下各次重复的均值，每列对应 {facet} 的一个取值；阴影为 95 % 置信区间。",
    },
    "utilization_title": {"en": "Utilisation by unit and setting",
                          "zh": "各单位在各参数组合下的利用率"},
    "utilization_axis": {"en": "utilisation (busy / available hours)",
                         "zh": "利用率（忙碌工时 / 可用工时）"},
    "caption_utilization": {
        "en": "Busy hours over available hours of the busiest units in each setting (mean "
        "over replications), one panel per policy; all grids count as one unit. Above 100 % "
        "a unit works overtime and its queue grows: a lever elsewhere cannot help.",
        "zh": "各参数组合下最繁忙单位的忙碌工时与可用工时之比（各次重复的均值），每个策略一幅；"
        "所有网格合计为一个单位。超过 100 % 即加班且队列增长，别处的调整无济于事。",
    },
    "section_findings": {"en": "What the sweep found", "zh": "扫描结论"},
    "section_config_verdicts": {"en": "Each setting against the baseline",
                                "zh": "各参数组合下与基准策略的比较"},
    "section_levers": {"en": "What each lever does", "zh": "各项调整的效果"},
    "section_goal_smallest": {"en": "The smallest {lever} that meets the targets",
                              "zh": "满足目标的最小{lever}"},
    "section_goal_largest": {"en": "The largest {lever} that meets the targets",
                             "zh": "满足目标的最大{lever}"},
    "goal_intro": {
        "en": "Targets of the experiment: {targets}, all together with {confidence} % "
        "confidence (each setting on its own replications; Student-t intervals, Bonferroni "
        "over the targets). For each policy and setting of the other swept parameters, the "
        "table gives the {end} {lever} that meets every target, and each target's mean and "
        "interval there.",
        "zh": "实验目标：{targets}，以 {confidence} % 的置信度同时满足（各设置仅用其自身的重复；"
        "Student-t 区间，对各目标作 Bonferroni 校正）。下表对每个策略及其他扫描参数的每个组合，"
        "给出满足全部目标的{end}{lever}，以及该处各目标的均值与区间。",
    },
    "goal_end_smallest": {"en": "smallest", "zh": "最小"},
    "goal_end_largest": {"en": "largest", "zh": "最大"},
    "goal_met": {"en": "meets every target", "zh": "满足全部目标"},
    "goal_undecided": {"en": "not established", "zh": "尚未确定"},
    "goal_missed": {"en": "none meets", "zh": "均不满足"},
    "goal_side_met": {"en": "met", "zh": "满足"},
    "goal_side_missed": {"en": "missed", "zh": "未满足"},
    "goal_side_undecided": {"en": "cannot tell", "zh": "无法判断"},
    "goal_cheaper_undecided": {"en": " ({value} may also meet them: run more replications)",
                               "zh": "（{value} 也可能满足：请增加重复次数）"},
    "goal_undecided_value": {"en": "none shown; {value} is not ruled out (run more "
                             "replications)",
                             "zh": "尚无证实；{value} 未被排除（请增加重复次数）"},
    "goal_missed_smallest": {"en": "none up to {value}", "zh": "直至 {value} 均不满足"},
    "goal_missed_largest": {"en": "none down to {value}", "zh": "低至 {value} 均不满足"},
    "goal_policy_met": {
        "en": "{policy}: every target is met in {n_met} of {n} settings, with {lever} "
        "{values}.",
        "zh": "{policy}：{n} 个组合中有 {n_met} 个可满足全部目标，{lever}为 {values}。",
    },
    "goal_policy_none": {
        "en": "{policy}: no {lever} tried is shown to meet every target in any of the {n} "
        "settings.",
        "zh": "{policy}：在全部 {n} 个组合中，所试的{lever}均未被证明满足全部目标。",
    },
    "goal_missed_because": {
        "en": " In {n} of them even the most generous value misses: {reasons}.",
        "zh": "其中 {n} 个组合即使取最宽松的值也未满足：{reasons}。",
    },
    "goal_reached": {"en": "{metric} reaches only {mean}", "zh": "{metric}仅达 {mean}"},
    "lever_flat": {
        "en": "Raising {param} from {low} to {high} barely moves the {metric} in {n_flat} of "
        "{n} settings (changes {range}).",
        "zh": "将{param}从 {low} 提高到 {high}，在 {n} 个组合中有 {n_flat} 个{metric}几乎不变"
        "（变化 {range}）。",
    },
    "lever_moves": {
        "en": "Raising {param} from {low} to {high} changes the {metric} by {range} across "
        "{n} settings.",
        "zh": "将{param}从 {low} 提高到 {high}，{n} 个组合中{metric}变化 {range}。",
    },
    "lever_report_flat": {
        "en": "The {param} does not change how soon departments report: their mean report "
        "time is {at_low} at {low} and {at_high} at {high}. A whistle blown "
        "while a department is off duty waits for its next shift whatever the deadline, so "
        "the deadline only changes "
        "what counts as late; an on-call roster (organisation.departments[].on_call, 值班) "
        "makes it bind, at a cost in on-call hours.",
        "zh": "{param}并不改变部门报到的快慢：平均报到时长在 {low} 时为 {at_low}，在 {high} 时为 "
        "{at_high}。"
        "部门下班时吹哨，无论时限多短都要等到下一班次，时限只改变“超时”的判定；"
        "为部门设置值班（organisation.departments[].on_call）才能使时限生效，代价是值班工时。",
    },
    "lever_report_moves": {
        "en": "The {param} moves how soon departments report: their mean report time is "
        "{at_low} at {low} and {at_high} at {high}.",
        "zh": "{param}改变部门报到的快慢：平均报到时长在 {low} 时为 {at_low}，在 {high} 时为 "
        "{at_high}。",
    },
    "lever_bottleneck": {
        "en": " Where it barely moves, the busiest units are {units}: the queue is there.",
        "zh": "几乎不变的组合中，最繁忙的单位是{units}：瓶颈在那里。",
    },
    "col_setting": {"en": "setting", "zh": "参数组合"},
    "col_busiest": {"en": "busiest units", "zh": "最繁忙单位"},
    "assumption_swept": {"en": "{values}, swept", "zh": "{values}（扫描）"},
    "assumption_block": {"en": "(the block below)", "zh": "（下方整段）"},
    "busiest_of": {"en": "Busiest units ({policy}): ", "zh": "最繁忙单位（{policy}）："},
    "col_held": {"en": "other settings", "zh": "其他参数"},
    "col_effect": {"en": "effect", "zh": "效果"},
    "lever_flat_badge": {"en": "barely moves", "zh": "几乎不变"},
    "unit_grids": {"en": "grids (all)", "zh": "网格（合计）"},
    "unit_hotline": {"en": "12345 hotline", "zh": "12345 热线"},
    "unit_dispatch": {"en": "dispatch desk", "zh": "派单席"},
    "unit_kind_department": {"en": "department", "zh": "部门"},
    "unit_kind_street": {"en": "street", "zh": "街道"},
    "unit_kind_community": {"en": "community", "zh": "社区"},
    "unit_kind_grid": {"en": "grid", "zh": "网格"},
    "unit_kind_on_call": {"en": "on-call duty", "zh": "值班"},
    # --- readable names of swept override paths -----------------------------------------------
    "param_arrivals.scale": {"en": "demand (× today's)", "zh": "需求量（现状的倍数）"},
    "param_organisation.grid_workers_per_grid": {"en": "grid workers per grid",
                                                 "zh": "每网格网格员数"},
    "param_policy_params.whistle.report_deadline_h": {"en": "report deadline (h)",
                                                      "zh": "报到时限（小时）"},
    "param_policy_params.whistle.report_deadline_urgent_h": {
        "en": "urgent report deadline (h)", "zh": "紧急报到时限（小时）"},
    "param_policy_params.manual.misroute_p": {"en": "misroute probability (manual)",
                                              "zh": "人工派单错派概率"},
    "param_policy_params.algorithmic.accuracy": {"en": "classification accuracy",
                                                 "zh": "智能派单分类准确率"},
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
    "section_recommendation": {"en": "Recommendation", "zh": "建议"},
    "rec_lead": {
        "en": "Against {baseline}, {policy} is the strongest candidate: it {gains}.",
        "zh": "与 {baseline} 相比，{policy} 是最有力的候选：{gains}。",
    },
    "rec_costs": {"en": "Weigh that against what it costs: it {costs}.",
                  "zh": "需与其代价权衡：{costs}。"},
    "rec_no_cost": {"en": "No cost shows on the indicators below in {n} replications.",
                    "zh": "在 {n} 次重复中，下列指标未显示代价。"},
    "rec_also": {"en": "Also better on the lead outcomes: {policies} (see below).",
                 "zh": "在主要结果上同样更好的还有：{policies}（见下文）。"},
    "rec_flat": {"en": "No gain over {baseline} that the replications can show: {policies}.",
                 "zh": "{policies} 相对 {baseline} 没有可被重复实验证实的改善。"},
    "rec_none": {
        "en": "No policy beats {baseline} on {outcomes} with {n} replications: keep "
        "{baseline}, or run more replications before a pilot.",
        "zh": "在 {n} 次重复下，没有策略在{outcomes}上优于 {baseline}："
        "维持 {baseline}，或在试点前增加重复次数。",
    },
    "rec_too_few": {
        "en": "Too few replications ({n}) to recommend anything against {baseline}; run at "
        "least 3.",
        "zh": "重复次数过少（{n} 次），无法相对 {baseline} 给出建议；请至少运行 3 次。",
    },
    "sentence_none_either": {
        "en": "Neither it nor {baseline} has any {indicators} in this scenario.",
        "zh": "在本情景中，该策略与 {baseline} 均无{indicators}。",
    },
    "idle_whistle": {
        "en": "Its whistle (吹哨报到) was never blown in this scenario: no case needed a "
        "department to report on site, so that part of the policy had nothing to act on.",
        "zh": "在本情景中该策略从未吹哨：没有案件需要部门到场报到，吹哨报到部分无事可做。",
    },
    "idle_risk_priority": {
        "en": "No case was high-risk in this scenario (flareup.high_risk_share is 0), so its "
        "risk priority had nothing to act on.",
        "zh": "本情景中没有高风险案件（flareup.high_risk_share 为 0），风险优先部分无事可做。",
    },
    "sentence_same": {
        "en": "In every replication it gives the same {indicators} as {baseline}.",
        "zh": "其{indicators}在每次重复中都与 {baseline} 相同。",
    },
    "sentence_identical": {
        "en": "{policy} gives exactly the same results as {baseline} on every indicator in all "
        "{n} replications: in this scenario it has nothing to act on.",
        "zh": "在全部 {n} 次重复中，{policy} 与 {baseline} 的各项指标完全相同：在本情景中该策略"
        "无事可做。",
    },
    "sentence_too_few": {
        "en": "{policy}: too few replications ({n}) to compare with {baseline}; run at least 3.",
        "zh": "{policy}：重复次数过少（{n} 次），无法与 {baseline} 比较；请至少运行 3 次。",
    },
    # --- calibration report (govsim calibrate --report) ---------------------------------------
    "cal_report_title": {"en": "Calibration report", "zh": "校准报告"},
    "cal_intro": {
        "en": "What govsim fitted from a work-order log to write the scenario, each value with "
        "its 95 % interval, and how well each fit matches the log. Check the charts before "
        "trusting the scenario; then back-test it.",
        "zh": "govsim 由工单日志拟合出的情景参数（均附 95 % 置信区间），"
        "以及各拟合与日志的吻合程度。"
        "请先查看图表再使用该情景，然后进行回测。",
    },
    "cal_section_log": {"en": "The log", "zh": "日志概况"},
    "cal_fact_log": {"en": "log file", "zh": "日志文件"},
    "cal_fact_rows": {"en": "rows read", "zh": "读取行数"},
    "cal_fact_used": {"en": "orders used", "zh": "采用工单数"},
    "cal_fact_bad": {"en": "rows not used", "zh": "未采用行数"},
    "cal_fact_period": {"en": "period", "zh": "时段"},
    "cal_fact_period_value": {"en": "{start} to {end} ({days} days)",
                              "zh": "{start} 至 {end}（{days} 天）"},
    "cal_fact_open": {"en": "orders open at the end (right-censored)",
                      "zh": "期末未办结工单（右删失）"},
    "cal_fact_holidays": {"en": "holidays given", "zh": "指定节假日"},
    "cal_fact_scenario": {"en": "scenario written", "zh": "生成的情景文件"},
    "cal_none": {"en": "none", "zh": "无"},
    "cal_section_bad": {"en": "Rows not used", "zh": "未采用的行"},
    "cal_bad_none": {"en": "Every row could be used.", "zh": "所有行均可采用。"},
    "col_column": {"en": "column", "zh": "列"},
    "bad_not_a_time": {"en": "not a time", "zh": "不是时间"},
    "bad_unknown_value": {"en": "unknown value", "zh": "未知取值"},
    "bad_empty": {"en": "empty", "zh": "为空"},
    "bad_repeated": {"en": "repeated", "zh": "重复"},
    "bad_no_tier": {"en": "no tier", "zh": "无法判断层级"},
    "bad_not_a_count": {"en": "not a count", "zh": "不是计数"},
    "bad_before": {"en": "before {column}", "zh": "早于{column}"},
    "col_problem": {"en": "problem", "zh": "问题"},
    "col_rows": {"en": "rows", "zh": "行数"},
    "col_first_rows": {"en": "first rows", "zh": "前几行行号"},
    "col_example": {"en": "example", "zh": "示例"},
    "cal_section_arrivals": {"en": "Arrivals", "zh": "来件"},
    "cal_arrivals_note": {
        "en": "Rate: orders on a day of weight 1 (the weekly mean). k: the negative binomial "
        "shape of the daily counts, Var = m + m²/k (∞: no more variable than Poisson); channels "
        "in one group share their day effect. About 5 % of days should fall outside a right "
        "95 % band.",
        "zh": "日均：权重为 1 的一天的工单数（周均值）。k：日工单数的负二项形状参数，方差 = m + "
        "m²/k"
        "（∞ 表示波动不超过泊松）；同一联动组的渠道共享日效应。拟合正确时，约 5 % 的天数落在 95 % "
        "区间之外。",
    },
    "col_channel": {"en": "channel", "zh": "渠道"},
    "col_channel_kind": {"en": "kind", "zh": "类型"},
    "col_orders": {"en": "orders", "zh": "工单数"},
    "col_rate_day": {"en": "orders/day (95 % CI)", "zh": "日均工单（95 % 置信区间）"},
    "col_day_k": {"en": "day effect k (95 % CI)", "zh": "日效应 k（95 % 置信区间）"},
    "col_group": {"en": "group", "zh": "联动组"},
    "col_holiday_factor": {"en": "holiday factor", "zh": "节假日系数"},
    "col_days_outside": {"en": "days outside the 95 % band", "zh": "落在 95 % 区间外的天数"},
    "col_days_outside_poisson": {"en": "… if Poisson", "zh": "……若按泊松"},
    "cal_section_profiles": {"en": "Hour and weekday profiles", "zh": "钟点与星期分布"},
    "cal_section_daily": {"en": "Daily counts", "zh": "逐日工单数"},
    "cal_section_categories": {"en": "Categories and where they were handled",
                               "zh": "类别与办结层级"},
    "col_category": {"en": "category", "zh": "类别"},
    "col_share_ci": {"en": "share (95 % CI)", "zh": "占比（95 % 置信区间）"},
    "col_close_deadline": {"en": "closure deadline", "zh": "办结时限"},
    "col_department": {"en": "department", "zh": "承办部门"},
    "cal_section_times": {"en": "Fitted times", "zh": "拟合时长"},
    "cal_times_note": {
        "en": "Maximum likelihood with the orders still open at the end right-censored (and a "
        "reopened order's first handling known only to end before its close); the family "
        "(lognormal, gamma, Weibull) with the lowest AIC is kept. 'Closed only' is the naive "
        "mean of the closed orders, biased short. KS: the largest gap between the fitted "
        "distribution and the Kaplan–Meier curve of the data.",
        "zh": "最大似然拟合，期末未结工单按右删失处理（重办工单的首次处置仅知早于最终办结）；"
        "在对数正态、"
        "伽马、韦布尔分布中取 AIC 最小者。“仅已结”为只用已结工单的朴素均值，会偏短。KS："
        "拟合分布与数据的 "
        "Kaplan–Meier 曲线之间的最大差距。",
    },
    "col_what": {"en": "time", "zh": "时长"},
    "col_tier": {"en": "tier", "zh": "层级"},
    "col_censored": {"en": "open", "zh": "未结"},
    "col_family": {"en": "family", "zh": "分布"},
    "col_mean_h_ci": {"en": "mean h (95 % CI)", "zh": "均值·小时（95 % 置信区间）"},
    "col_cv_ci": {"en": "cv (95 % CI)", "zh": "变异系数（95 % 置信区间）"},
    "col_closed_only": {"en": "closed only", "zh": "仅已结"},
    "col_ks": {"en": "KS", "zh": "KS"},
    "col_daic": {"en": "ΔAIC to next", "zh": "与次优 ΔAIC"},
    "cal_time_handling": {"en": "{category} 派单 → 办结", "zh": "{category} 派单 → 办结"},
    "cal_time_delay": {"en": "{channel} 受理 → 派单", "zh": "{channel} 受理 → 派单"},
    "cal_time_resolution": {"en": "{category} 受理 → 办结 (not written)",
                            "zh": "{category} 受理 → 办结（未写入情景）"},
    "cal_pooled": {"en": "pooled over categories", "zh": "跨类别合并"},
    "fam_lognormal": {"en": "lognormal", "zh": "对数正态"},
    "fam_gamma": {"en": "gamma", "zh": "伽马"},
    "fam_weibull": {"en": "Weibull", "zh": "韦布尔"},
    "cal_section_rates": {"en": "Returns, reopens and satisfaction", "zh": "退单、重办与满意度"},
    "cal_returns": {"en": "returns (退单) per dispatched order", "zh": "每件派单的退单次数"},
    "cal_misroute": {"en": "misroute probability per dispatch", "zh": "每次派单的派错概率"},
    "cal_return_delay": {"en": "hours a return adds", "zh": "每次退单增加的小时数"},
    "cal_reopen": {"en": "reopened, of the unsatisfied", "zh": "不满意工单中的重办占比"},
    "cal_sat_on_time": {"en": "satisfied when closed on time", "zh": "按期办结的满意率"},
    "cal_sat_floor": {"en": "satisfied when very late", "zh": "严重超期的满意率"},
    "cal_sat_scale": {"en": "decay of satisfaction with lateness (h)",
                      "zh": "满意率随超期衰减的尺度（小时）"},
    "cal_section_assumed": {"en": "What the log cannot tell: assumed",
                            "zh": "日志无法提供的内容：假设"},
    "cal_assumed_staffing": {
        "en": "Staffing, shifts and locations are estimates [est]: every team is the fewest "
        "workers that carry the log's elapsed times at the busiest hour of a busy day with "
        "P(wait) ≤ {p_wait} (Erlang C), always on duty, travel off. Give --base with your own "
        "organisation.",
        "zh": "人员、班次与位置均为估计值 [est]：各队伍取能在繁忙日最忙时段承接日志中处置时长、且 "
        "P(等待) ≤ {p_wait}（Erlang C）的最少人数，全天在岗，不计路程。请用 --base "
        "提供本地组织结构。",
    },
    "cal_assumed_no_deadlines": {
        "en": "The log has no deadlines: the general class (24 h response, 7 days closure) [est].",
        "zh": "日志中没有办理时限：采用一般类（24 小时响应、7 天办结）[est]。",
    },
    "cal_assumed_response_deadline": {
        "en": "Response deadlines [est]: a log has no on-site time, so each equals its closure "
        "deadline.",
        "zh": "响应时限 [est]：日志没有到场时间，故取与办结时限相同。",
    },
    "cal_assumed_no_flareups": {"en": "No flare-ups: a log does not record them.",
                                "zh": "不含小事拖大（激化）：日志不记录此类事件。"},
    "cal_assumed_return_delay_cv": {
        "en": "The time a return adds: its fitted mean, lognormal with cv 0.8 [est].",
        "zh": "每次退单增加的时间：取拟合均值，按变异系数 0.8 的对数正态分布 [est]。",
    },
    "cal_assumed_one_misroute_rate": {
        "en": "One return (退单) rate for every channel and category.",
        "zh": "所有渠道与类别使用同一退单率。",
    },
    "cal_assumed_department_units": {
        "en": "Category {category}: its department orders went to {units} units; the scenario "
        "sends all to the most frequent, {department}.",
        "zh": "类别 {category}：其部门工单分派给了 {units} 个单位；情景中全部交由最常见的 "
        "{department}。",
    },
    "cal_assumed_hotline_intake": {
        "en": "Hotline intake takes no time [est]: a work-order log has no calls.",
        "zh": "热线受理不耗时 [est]：工单日志中没有通话记录。",
    },
    "cal_assumed_holidays_as_surges": {
        "en": "The {n} holidays are surges of the arrival rates; work goes on on them, as the "
        "log shows.",
        "zh": "{n} 个节假日按来件量激增处理；日志显示节假日照常办理。",
    },
    "cal_section_next": {"en": "Next: back-test the scenario", "zh": "下一步：回测情景"},
    "cal_next_note": {
        "en": "Run the scenario over the log's period and set every figure of the log against "
        "the band of the simulated runs:",
        "zh": "在日志时段内运行该情景，并将日志的每项指标与模拟运行的区间逐一比较：",
    },
    # calibration charts
    "cal_hour_title": {"en": "Orders by clock hour: log (points) and fitted (lines)",
                       "zh": "按钟点的工单数：日志（点）与拟合（线）"},
    "cal_hour_x": {"en": "hour of day", "zh": "钟点"},
    "cal_hour_y": {"en": "orders per hour", "zh": "每小时工单数"},
    "cal_hour_caption": {
        "en": "The fitted rate is the product rate × weekday factor × hour share: where the "
        "points of working days and weekends leave their lines, the hour profile differs by "
        "day and one profile per channel is too coarse.",
        "zh": "拟合来件率 = 日均 × 星期系数 × 钟点占比：若工作日与周末的点偏离各自的曲线，"
        "说明钟点分布随日而变，"
        "每渠道一条钟点曲线过于粗略。",
    },
    "cal_workdays": {"en": "Mon–Fri", "zh": "周一至周五"},
    "cal_weekend": {"en": "Sat–Sun", "zh": "周六、周日"},
    "cal_weekday_title": {"en": "Weekday factor: each day (dots) and fitted with 95 % CI",
                          "zh": "星期系数：逐日（点）与拟合值及 95 % 置信区间"},
    "cal_weekday_y": {"en": "orders ÷ mean day", "zh": "当日工单数 ÷ 日均"},
    "cal_weekday_caption": {
        "en": "Holidays are left out (they are surges of their own).",
        "zh": "不含节假日（节假日单独按激增处理）。",
    },
    "wd_0": {"en": "Mon", "zh": "周一"},
    "wd_1": {"en": "Tue", "zh": "周二"},
    "wd_2": {"en": "Wed", "zh": "周三"},
    "wd_3": {"en": "Thu", "zh": "周四"},
    "wd_4": {"en": "Fri", "zh": "周五"},
    "wd_5": {"en": "Sat", "zh": "周六"},
    "wd_6": {"en": "Sun", "zh": "周日"},
    "cal_daily_title": {"en": "Orders per day against the fitted distribution",
                        "zh": "逐日工单数与拟合分布"},
    "cal_daily_x": {"en": "day of the log", "zh": "日志第几天"},
    "cal_daily_y": {"en": "orders per day", "zh": "每日工单数"},
    "cal_daily_caption": {
        "en": "The shaded band holds 95 % of days under the fitted negative binomial; the dashed "
        "lines are the band Poisson days would have, too narrow when days vary.",
        "zh": "阴影为拟合负二项分布下 95 % 天数所在区间；虚线为泊松分布的区间，"
        "日间波动较大时过窄。",
    },
    "cal_log": {"en": "log", "zh": "日志"},
    "cal_fitted_mean": {"en": "fitted mean", "zh": "拟合均值"},
    "cal_band_nb": {"en": "95 % band (negative binomial)", "zh": "95 % 区间（负二项）"},
    "cal_band_poisson": {"en": "95 % band if Poisson", "zh": "95 % 区间（若为泊松）"},
    "cal_holiday": {"en": "holiday", "zh": "节假日"},
    "cal_ecdf_title": {"en": "{what}: Kaplan–Meier of the log (steps) and the fit (line)",
                       "zh": "{what}：日志的 Kaplan–Meier 曲线（阶梯）与拟合（曲线）"},
    "cal_qq_title": {"en": "{what}: Q–Q, fitted against observed quantiles",
                     "zh": "{what}：Q–Q 图，拟合分位数对实际分位数"},
    "cal_handling": {"en": "Handling times 派单 → 办结", "zh": "处置时长（派单 → 办结）"},
    "cal_delays": {"en": "Receipt → dispatch 受理 → 派单", "zh": "受理 → 派单时长"},
    "cal_hours": {"en": "hours", "zh": "小时"},
    "cal_share_closed": {"en": "share done", "zh": "已完成占比"},
    "cal_observed_h": {"en": "log quantile (h)", "zh": "日志分位数（小时）"},
    "cal_fitted_h": {"en": "fitted quantile (h)", "zh": "拟合分位数（小时）"},
    "cal_panel": {"en": "{family}, n={n}, KS {ks}", "zh": "{family}，n={n}，KS {ks}"},
    "cal_ecdf_caption": {
        "en": "Each panel: the Kaplan–Meier estimate of the share done (open orders censored) "
        "and the fitted distribution, on a log scale; KS is their largest gap.",
        "zh": "每个子图：已完成占比的 Kaplan–Meier 估计（未结工单按删失处理）与拟合分布，"
        "对数横轴；KS 为两者的最大差距。",
    },
    "cal_qq_caption": {
        "en": "Points on the diagonal: the fitted quantiles match the log's; bending away at the "
        "right means the fit's tail is too light (below) or too heavy (above).",
        "zh": "点落在对角线上表示拟合分位数与日志一致；右端向下弯曲表示拟合尾部过轻，"
        "向上弯曲表示过重。",
    },
    "cal_sat_title": {"en": "Satisfaction against lateness at close",
                      "zh": "满意率与办结超时"},
    "cal_sat_x": {"en": "hours past the deadline at close (negative: early)",
                  "zh": "办结时超过时限的小时数（负数为提前）"},
    "cal_sat_y": {"en": "satisfied", "zh": "满意占比"},
    "cal_sat_fit": {"en": "fitted", "zh": "拟合"},
    "cal_sat_bins": {"en": "log, binned (95 % CI)", "zh": "日志分组（95 % 置信区间）"},
    "cal_sat_caption": {
        "en": "Evaluated orders that were not reopened: an unsatisfied order may be reopened "
        "and leave this sample, which the fit allows for.",
        "zh": "已评价且未重办的工单：不满意的工单可能被重办而离开该样本，拟合已考虑这一点。",
    },
    # --- optimisation report (govsim optimise) ------------------------------------------------
    "opt_report_title": {"en": "Least-cost staffing", "zh": "最低成本配置寻优"},
    "opt_section_result": {"en": "Recommendation", "zh": "建议"},
    "opt_section_targets": {"en": "Targets at the recommendation", "zh": "建议方案的目标达成"},
    "opt_section_values": {"en": "Decision variables", "zh": "决策变量"},
    "opt_section_frontier": {"en": "Cost against performance", "zh": "成本与绩效"},
    "opt_section_method": {"en": "How it was found", "zh": "寻优方法"},
    "opt_section_candidates": {"en": "Every candidate run", "zh": "全部候选方案"},
    "opt_sentence_established": {
        "en": "Recommended: {values}, at a cost of {cost}. It meets every target with {pct} "
        "confidence (final check on {n} replications with fresh seeds): {measured}.",
        "zh": "建议：{values}，成本 {cost}。该方案以 {pct} 置信度满足全部目标（在 {n} 次使用"
        "新随机种子的复核运行中）：{measured}。",
    },
    "opt_sentence_not_established": {
        "en": "Best found: {values}, at a cost of {cost}; the final check ({n} replications "
        "with fresh seeds) could not establish {failed}: {measured}. Not a recommendation: "
        "widen the bounds or raise final.replications.",
        "zh": "找到的最优候选：{values}，成本 {cost}；复核（{n} 次新种子运行）未能确认 {failed}："
        "{measured}。这不是建议方案：请放宽取值范围或增加 final.replications。",
    },
    "opt_sentence_infeasible": {
        "en": "Infeasible within the bounds: {failed}. No staffing within the bounds meets it.",
        "zh": "在给定范围内不可行：{failed}。范围内任何配置都无法满足该目标。",
    },
    "opt_sentence_none": {
        "en": "No candidate was established to meet {failed} within the sampling budget; "
        "no recommendation.",
        "zh": "在抽样预算内，没有候选方案被确认满足 {failed}；不给出建议。",
    },
    "opt_best_reached": {"en": "{target} (best value reached {best})",
                         "zh": "{target}（最好达到 {best}）"},
    "opt_best_only": {"en": "best reached {best}", "zh": "最好达到 {best}"},
    "opt_measured": {"en": "{measured} (target: {target})", "zh": "{measured}（目标：{target}）"},
    "opt_met": {"en": "met", "zh": "达成"},
    "opt_violated": {"en": "not met", "zh": "未达成"},
    "opt_undecided": {"en": "not established", "zh": "未能确认"},
    "opt_status_feasible": {"en": "meets every target", "zh": "满足全部目标"},
    "opt_status_infeasible": {"en": "misses a target", "zh": "未满足目标"},
    "opt_status_undecided": {"en": "undecided", "zh": "未定"},
    "opt_frontier": {"en": "frontier (best value at each cost)", "zh": "前沿（各成本下的最好值）"},
    "opt_target_line": {"en": "target: {target}", "zh": "目标：{target}"},
    "opt_recommended": {"en": "recommended (final check)", "zh": "建议方案（复核）"},
    "opt_cost": {"en": "cost", "zh": "成本"},
    "opt_chart_title": {"en": "Cost against {metric}", "zh": "成本与{metric}"},
    "opt_frontier_caption": {
        "en": "Each point is a candidate the search ran (mean and simultaneous interval over its "
        "replications); the line is the best value reached at each cost; the star is the "
        "recommendation as measured in the final check.",
        "zh": "每个点是一个候选方案（各次运行的均值与联合置信区间）；折线为各成本下达到的最好值；"
        "星号为建议方案在复核中的结果。",
    },
    "opt_fact_scenario": {"en": "scenario", "zh": "情景"},
    "opt_fact_policy": {"en": "policy", "zh": "策略"},
    "opt_fact_cost": {"en": "cost", "zh": "成本"},
    "opt_fact_binding": {"en": "binding constraint", "zh": "起约束作用的目标"},
    "opt_fact_bottleneck": {"en": "bottleneck unit", "zh": "瓶颈单位"},
    "opt_bottleneck_value": {"en": "{unit} (utilisation {util})", "zh": "{unit}（利用率 {util}）"},
    "opt_fact_runs": {"en": "runs", "zh": "运行次数"},
    "opt_runs_value": {
        "en": "{planned} ({computed} computed, {reused} reused) over {evaluations} evaluations",
        "zh": "{planned} 次（新算 {computed}，复用 {reused}），共 {evaluations} 次评估",
    },
    "opt_fact_wall": {"en": "wall time", "zh": "耗时"},
    "opt_col_variable": {"en": "variable", "zh": "变量"},
    "opt_col_range": {"en": "range", "zh": "取值范围"},
    "opt_col_chosen": {"en": "chosen", "zh": "选定值"},
    "opt_col_cost": {"en": "cost", "zh": "成本"},
    "opt_col_target": {"en": "target", "zh": "目标"},
    "opt_col_measured": {"en": "measured (simultaneous interval)", "zh": "实测（联合置信区间）"},
    "opt_col_verdict": {"en": "verdict", "zh": "结论"},
    "opt_col_phase": {"en": "phase", "zh": "阶段"},
    "opt_col_values": {"en": "values (in the order of the decision variables)",
                       "zh": "取值（按决策变量顺序）"},
    "opt_col_status": {"en": "status", "zh": "状态"},
    "opt_phase_bounds": {"en": "highest values", "zh": "最高取值"},
    "opt_phase_climb": {"en": "climb", "zh": "递增"},
    "opt_phase_descend": {"en": "descend", "zh": "递减"},
    "opt_phase_final": {"en": "final check", "zh": "复核"},
    "opt_method": {
        "en": "Greedy marginal allocation over the decision variables (Fox 1966): from the "
        "cheapest values, step up the variable that removes the most shortfall per unit of cost "
        "until the targets are met, then try every cheaper neighbour. Every candidate runs on the "
        "same seeds (common random numbers). A candidate starts with {n0} replications and gets "
        "{batch} more while an interval straddles its target, up to {cap}; these intervals are "
        "Student-t at level 1 − {alpha}/{m} (Bonferroni over the {m} targets). The chosen "
        "staffing and its one-step-cheaper neighbours are then run again on {final} replications "
        "with seeds the search never used, at level 1 − {alpha}/{mr} (over the targets and the "
        "{rounds} check rounds); the claim of {pct} confidence rests on that check alone.",
        "zh": "对决策变量做贪心边际分配（Fox 1966）：从最低取值开始，"
        "每次增加单位成本消除缺口最多的变量，直到满足目标，再逐一尝试更便宜的相邻方案。所有候选方案使用相同的随机种子（公共随机数）。"
        "每个候选先运行 {n0} 次；若置信区间跨越目标线，每次追加 {batch} 次，最多 {cap} 次；"
        "这些区间为 Student-t 区间，水平 1 − {alpha}/{m}（对 {m} 个目标做 Bonferroni 校正）。"
        "选定方案及其降一档的相邻方案再用搜索从未用过的种子运行 {final} 次，"
        "区间水平 1 − {alpha}/{mr}（对各目标与 {rounds} 轮复核校正）；"
        "{pct} 置信度的结论只依据这次复核。",
    },
    # --- back-test report (govsim backtest --out) ----------------------------------------------
    "bt_report_title": {"en": "Back-test", "zh": "回测报告"},
    "bt_verdict": {
        "en": "{inside} of {n} figures of the log fall inside the band of {r} simulated runs.",
        "zh": "日志的 {n} 项指标中，有 {inside} 项落在 {r} 次模拟运行的区间内。",
    },
    "bt_outside": {"en": "Outside: {names}.", "zh": "区间外：{names}。"},
    "bt_all_inside": {
        "en": "The scenario reproduces this log: a policy comparison on it speaks of this "
        "district.",
        "zh": "该情景能重现此日志：基于它的方案比较可代表本辖区。",
    },
    "bt_method": {
        "en": "Each band is where one more simulated run would fall with 95 % probability: mean "
        "± t·s·√(1 + 1/R) over R runs. A figure outside its band says the scenario does not "
        "reproduce that part of the log. Resolution times count open orders as censored, in the "
        "log and in the runs alike.",
        "zh": "每个区间是再做一次模拟运行时其结果以 95 % 概率落入的范围：R 次运行的均值 ± t·s·√(1 "
        "+ 1/R)。"
        "指标落在区间外，说明情景未能重现日志的这一部分。办结时长在日志与模拟中均将未结工单按删失处理。",
    },
    "bt_section_verdict": {"en": "Verdict", "zh": "结论"},
    "bt_section_charts": {"en": "Log against the runs", "zh": "日志与模拟对照"},
    "bt_section_figures": {"en": "Every figure", "zh": "各项指标"},
    "col_figure": {"en": "figure", "zh": "指标"},
    "col_figure_group": {"en": "group", "zh": "分组"},
    "col_log": {"en": "log", "zh": "日志"},
    "col_band": {"en": "simulated 95 % band", "zh": "模拟 95 % 区间"},
    "bt_inside": {"en": "inside", "zh": "区间内"},
    "bt_outside_by": {"en": "outside by {pct}", "zh": "超出 {pct}"},
    "bt_outside_plain": {"en": "outside", "zh": "区间外"},
    "bt_not_simulated": {"en": "not in the runs", "zh": "模拟中无此项"},
    "bt_group_resolution": {"en": "resolution time", "zh": "办结时长"},
    "bt_group_arrivals": {"en": "arrivals", "zh": "来件"},
    "bt_group_rates": {"en": "rates", "zh": "比率"},
    "bt_group_backlog": {"en": "backlog", "zh": "积压"},
    "bt_group_category": {"en": "by category", "zh": "按类别"},
    "bt_group_street": {"en": "by street", "zh": "按街道"},
    "bt_p50_resolution": {"en": "median resolution time", "zh": "办结时长中位数"},
    "bt_p90_resolution": {"en": "p90 resolution time", "zh": "办结时长 p90"},
    "bt_p95_resolution": {"en": "p95 resolution time", "zh": "办结时长 p95"},
    "bt_ks_resolution": {"en": "KS distance to the simulated curve",
                         "zh": "与模拟曲线的 KS 距离"},
    "bt_orders_per_day": {"en": "orders per day", "zh": "日均工单数"},
    "bt_on_time": {"en": "closed on time (share of orders)", "zh": "按期办结率（占工单）"},
    "bt_closed_by_end": {"en": "closed by the end (share of orders)", "zh": "期末已办结占比"},
    "bt_satisfied_first": {"en": "satisfied at the first evaluation", "zh": "首次评价满意率"},
    "bt_reopened": {"en": "reopened (share of closed)", "zh": "重办率（占已结）"},
    "bt_backlog_inside": {"en": "hours with the log's open orders inside the band",
                          "zh": "日志在办工单数落在区间内的小时占比"},
    "bt_median_by_category": {"en": "median resolution, {subject}",
                              "zh": "办结时长中位数：{subject}"},
    "bt_median_by_street": {"en": "median resolution, {subject}",
                            "zh": "办结时长中位数：{subject}"},
    "bt_resolution_title": {"en": "Resolution time: the log against the simulated band",
                            "zh": "办结时长：日志与模拟区间"},
    "bt_resolution_x": {"en": "hours since receipt", "zh": "受理后小时数"},
    "bt_resolution_y": {"en": "share resolved (Kaplan–Meier)", "zh": "已办结占比（Kaplan–Meier）"},
    "bt_backlog_title": {"en": "Open orders over time", "zh": "在办工单数随时间变化"},
    "bt_backlog_x": {"en": "day of the log", "zh": "日志第几天"},
    "bt_backlog_y": {"en": "open orders", "zh": "在办工单数"},
    "bt_arrivals_title": {"en": "Orders per day", "zh": "每日工单数"},
    "bt_arrivals_y": {"en": "orders", "zh": "工单数"},
    "bt_band": {"en": "simulated 95 % band ({r} runs)", "zh": "模拟 95 % 区间（{r} 次运行）"},
    "bt_sim_mean": {"en": "simulated mean", "zh": "模拟均值"},
    "bt_charts_caption": {
        "en": "The log (dark line) against the band where one more simulated run would fall.",
        "zh": "日志（深色线）与再做一次模拟运行时结果所在的区间。",
    },
    "list_sep": {"en": ", ", "zh": "、"},
    "or_sep": {"en": " or ", "zh": "或"},
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


#: Unit suffixes of scenario field names, shown after a readable name.
_UNIT_SUFFIXES: dict[str, dict[str, str]] = {
    "_h": {"en": "h", "zh": "小时"}, "_min": {"en": "min", "zh": "分钟"},
    "_km": {"en": "km", "zh": "公里"}, "_s": {"en": "s", "zh": "秒"},
    "_days": {"en": "days", "zh": "天"}, "_p": {"en": "probability", "zh": "概率"},
}


def param_label(path: str, lang: str) -> str:
    """A swept override path as an axis title: ``report deadline (h)``, not
    ``policy_params.whistle.report_deadline_h``. Paths without a label of their own are
    spelled out from their last parts, with the unit their name carries."""
    if f"param_{path}" in LABELS:
        return label(f"param_{path}", lang)
    parts = [p for p in path.split(".") if p][-2:]
    last = parts[-1]
    unit = ""
    for suffix, names in _UNIT_SUFFIXES.items():
        if last.endswith(suffix) and len(last) > len(suffix):
            last, unit = last[: -len(suffix)], names[lang]
            break
    words = " · ".join([*parts[:-1], last]).replace("_", " ")
    if not unit:
        return words
    return f"{words}（{unit}）" if lang == "zh" else f"{words} ({unit})"


def param_name(path: str, lang: str) -> str:
    """:func:`param_label` without its unit, for a sentence (``report deadline``)."""
    text = param_label(path, lang)
    for opener in (" (", "（"):
        if text.endswith(")" if opener == " (" else "）") and opener in text:
            return text[: text.rindex(opener)]
    return text


def unit_label(unit: str, lang: str, names: UnitNames | None = None) -> str:
    """A unit id of resources.csv / units.parquet for a sentence: ``department market``
    (部门 市场监管 with the scenario's ``name_zh``), ``grids (all)`` for the grids counted
    together."""
    if unit == "grid:*":
        return label("unit_grids", lang)
    if unit in ("hotline", "dispatch"):
        return label(f"unit_{unit}", lang)
    kind, _, name = unit.partition(":")
    if name and names is not None:
        name = names.name(kind, name, lang)
    if name and f"unit_kind_{kind}" in LABELS:
        return f"{label(f'unit_kind_{kind}', lang)} {name}"
    return unit


#: The parts of a policy label in Chinese (manual+transfer → 人工派单+转办); a label with a
#: part that has none (a plug-in's) is shown as written.
POLICY_PARTS_ZH: dict[str, str] = {
    "manual": "人工派单", "algorithmic": "智能派单", "risk_priority": "风险优先派单",
    "transfer": "转办", "whistle": "吹哨报到",
    # the one-window workflow's modes and options (一网通办)
    "department_windows": "分部门窗口", "one_window": "一窗受理", "parallel": "并联审批",
    "notify_once": "一次告知", "prevalidation": "智能预审", "data_sharing": "电子证照共享",
    "auto_approval": "秒批",
}


def policy_name(policy: str, lang: str) -> str:
    """A policy label as a reader of ``lang`` sees it: as typed in English, by its Chinese
    names in Chinese (``人工派单+转办``)."""
    parts = [part.strip() for part in policy.split("+")]
    if lang != "zh" or not all(part in POLICY_PARTS_ZH for part in parts):
        return policy  # a plug-in's name is shown as written, not half translated
    return "+".join(POLICY_PARTS_ZH[part] for part in parts)


def tier_label(tier: str, lang: str) -> str:
    """Label of a ``tier_final`` value; the empty string means the case was never handled."""
    return label(f"tier_{tier}" if tier else "tier_unhandled", lang)
