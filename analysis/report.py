"""The HTML report: one self-contained file a planner can e-mail, open offline and print.

Verdict, scenario facts, charts, tables and assumptions of one comparison or sweep, built from
its output directory; the page itself is made of :mod:`analysis.html`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypedDict

import pandas as pd
from matplotlib.figure import Figure

from analysis import charts
from analysis.assumptions import Assumption, find_scenario_file, read_assumptions
from analysis.html import Chart, escape, figure_html, html_table, png_base64, write_document
from analysis.labels import LANGS, label, param_label, param_name, policy_name
from analysis.metrics import (
    HEADLINE_METRICS,
    HOTLINE_METRICS,
    SERVICE_HEADLINE_METRICS,
    metric_columns,
)
from analysis.names import UnitNames
from analysis.outputs import CASE_COLUMNS_FOR_REPORT, RunOutputs, load_outputs
from analysis.palette import policy_colors
from analysis.stats import pooled_percentiles, rank_policies, summarise
from analysis.sweep import Goal, swept_params
from analysis.sweep_report import config_verdicts_section, goal_section, levers_section
from analysis.verdict import (
    badge_key,
    format_range,
    format_value,
    recommendation,
    verdict_sentences,
    verdict_table,
)
from analysis.workload import with_workload

REPORT_NAME = "report.html"


def report_name(lang: str) -> str:
    """Default file name: ``report.html`` in English, ``report.zh.html`` in Chinese, so that
    ``govsim report DIR --lang en,zh`` keeps both."""
    return REPORT_NAME if lang == "en" else f"report.{lang}.html"

#: Metrics ranked in the report (lower p90 and higher on-time closure are better).
RANKED_METRICS: tuple[str, ...] = ("p90_resolution_h", "on_time_close_rate",
                                   "svc_p90_working_days", "svc_on_time_share")

#: Swept parameters drawn as line charts (more would make the report a catalogue).
MAX_SWEEP_PARAMS = 3

def _warmup_h(run: Mapping[str, Any], cases: pd.DataFrame | None) -> float | None:
    """Warm-up length: from the resolved scenario if it states one, else from the latest
    arrival flagged as warm-up (close enough for shading a chart)."""
    scenario = run.get("scenario") or {}
    for section in (scenario, scenario.get("calendar") or {}, scenario.get("run") or {}):
        if not isinstance(section, Mapping):
            continue
        for key, factor in (("warmup_h", 1.0), ("warmup_hours", 1.0), ("warmup_days", 24.0)):
            value = section.get(key)
            if isinstance(value, int | float) and value > 0:
                return float(value) * factor
    if cases is not None and "warmup" in cases.columns and cases["warmup"].any():
        return float(math.ceil(cases.loc[cases["warmup"].astype(bool), "t_arrival_h"].max()))
    return None


def _tier_names(run: Mapping[str, Any]) -> dict[str, str]:
    """Display names of tiers from the scenario (``escalation.tier_labels``), e.g. village /
    township / county for 枫桥-style mediation."""
    escalation = (run.get("scenario") or {}).get("escalation") or {}
    names = escalation.get("tier_labels") if isinstance(escalation, Mapping) else None
    return {str(k): str(v) for k, v in names.items()} if isinstance(names, Mapping) else {}


class _ChartArgs(TypedDict):
    """Keyword arguments every chart of the report takes."""

    policies: Sequence[str]
    colors: Mapping[str, str]
    lang: str


def _sweep_caption(param: str, facet: str | None, params: Sequence[str], lang: str) -> str:
    """Say what a one-way sweep chart shows of the other swept parameters: a column each, or
    pooled over them."""
    others = [p for p in params if p != param]
    if facet is not None:
        return label("caption_sweep_facets", lang, facet=param_label(facet, lang))
    if others:
        sep = "、" if lang == "zh" else ", "
        return label("caption_sweep_pooled", lang,
                     pooled=sep.join(param_label(p, lang) for p in others))
    return label("caption_sweep", lang)


def _render_charts(outputs: RunOutputs, policies: Sequence[str], colors: Mapping[str, str],
                   lang: str, confidence: float, charts_dir: Path | None,
                   names: UnitNames) -> list[Chart]:
    """Draw every chart the available files allow."""
    specs: list[tuple[str, str, str, Callable[[], Figure]]] = []
    o = outputs
    common: _ChartArgs = {"policies": policies, "colors": colors, "lang": lang}
    if o.cases is not None:
        specs.append(("ecdf", "ecdf_title", label("caption_ecdf", lang),
                      lambda: charts.resolution_ecdf(o.cases, **common)))
    if o.summary is not None:
        headline = [m for m in (*HEADLINE_METRICS, *SERVICE_HEADLINE_METRICS)
                    if m in o.summary.columns]
        specs.append(("headline", "headline_title", label("caption_headline", lang),
                      lambda: charts.headline_metrics(o.summary, metrics=headline,
                                                      confidence=confidence, **common)))
    if o.backlog is not None and "open_cases" in o.backlog.columns:
        warmup = _warmup_h(o.run, o.cases)
        specs.append(("backlog", "backlog_title", label("caption_backlog", lang),
                      lambda: charts.backlog_over_time(o.backlog, warmup_h=warmup,
                                                       confidence=confidence, **common)))
    # the workload charts are of grid workers: a services-only file has none
    grid_workers = o.resources is not None and bool((o.resources["unit_kind"] == "grid").any())
    if o.resources is not None and grid_workers:
        specs.append(("workload", "workload_title", label("caption_workload", lang),
                      lambda: charts.workload_distribution(o.resources, **common)))
    if o.grids is not None and o.cases is not None:
        specs.append(("map_resolution", "map_title_resolution", label("caption_map", lang),
                      lambda: charts.grid_map(o.grids, cases=o.cases, **common)))
    if o.grids is not None and o.resources is not None and grid_workers:
        specs.append(("map_workload", "map_title_busy", label("caption_map", lang),
                      lambda: charts.grid_map(o.grids, resources=o.resources, metric="busy",
                                              **common)))
    if o.cases is not None and o.summary is not None:
        tier_names = _tier_names(o.run)
        specs.append(("funnel", "funnel_title", label("caption_funnel", lang),
                      lambda: charts.escalation_funnel(o.cases, o.summary,
                                                       confidence=confidence,
                                                       tier_names=tier_names, **common)))
    if o.runs is not None:
        params = swept_params(o.runs)
        swept = [m for m in RANKED_METRICS if m in o.runs.columns][:2]
        for param in params[:MAX_SWEEP_PARAMS]:
            facet = charts.sweep_facet(o.runs, param, params)

            def draw_sweep(p: str = param, f: str | None = facet) -> Figure:
                return charts.sweep_lines(o.runs, p, metrics=swept, facet=f,
                                          confidence=confidence, **common)

            specs.append((f"sweep_{param}", "", _sweep_caption(param, facet, params, lang),
                          draw_sweep))
        if len(params) >= 2:
            specs.append(("sweep_heatmap", "", label("caption_heatmap", lang),
                          lambda: charts.sweep_heatmap(o.runs, params[0], params[1],
                                                       metric=swept[0], **common)))
        if o.units is not None and not o.units.empty and params:
            units = o.units
            specs.append(("sweep_utilization", "", label("caption_utilization", lang),
                          lambda: charts.sweep_utilization(units, o.runs, params, names=names,
                                                           **common)))
    rendered = []
    for name, title_key, caption, draw in specs:
        with charts.saved_in_font_context():
            fig = draw()
        if charts_dir is not None:
            charts.save_figure(fig, charts_dir / name)
        title = label(title_key, lang) if title_key else ""
        rendered.append(Chart(name, title, caption, png_base64(fig, lang)))
    return rendered


def _swatch(color: str) -> str:
    return f'<span class="sw" style="background:{escape(color)}"></span>'


def _facts(outputs: RunOutputs, lang: str, names: UnitNames) -> str:
    run = outputs.run
    facts: list[tuple[str, str]] = []
    name = run.get("scenario_name") or (outputs.summary["scenario"].iat[0]
                                        if outputs.summary is not None
                                        and "scenario" in outputs.summary.columns else "")
    if name:
        facts.append(("fact_scenario", str(name)))
    if run.get("scenario_file"):
        facts.append(("fact_scenario_file", str(run["scenario_file"])))
    if outputs.grids is not None:
        g = outputs.grids
        facts.append(("fact_grids", f"{len(g):,}"))
        if "workers" in g.columns:
            facts.append(("fact_grid_workers", f"{int(g['workers'].sum()):,}"))
        if "community" in g.columns:
            facts.append(("fact_communities", f"{g['community'].nunique():,}"))
        if "street" in g.columns:
            facts.append(("fact_streets", f"{g['street'].nunique():,}"))
    if outputs.resources is not None:
        units = outputs.resources.loc[outputs.resources["unit_kind"] == "department", "unit"]
        depts = sorted({u.removeprefix("department:") for u in units})
        if depts:
            shown = [names.name("department", d, lang) for d in depts]
            facts.append(("fact_departments", f"{len(depts)}: "
                          + ("、" if lang == "zh" else ", ").join(shown)))
    if run.get("days") is not None:
        facts.append(("fact_days", f"{run['days']:g}" if isinstance(run["days"], int | float)
                      else str(run["days"])))
    replications = _replications(outputs)
    if replications is not None:
        facts.append(("fact_replications", replications))
    if outputs.summary is not None and "n_arrived" in outputs.summary.columns:
        facts.append(("fact_cases_per_run", f"{outputs.summary['n_arrived'].mean():,.0f}"))
    if run.get("root_seed") is not None:
        facts.append(("fact_root_seed", str(run["root_seed"])))
    if run.get("govsim_version"):
        facts.append(("fact_version", str(run["govsim_version"])))
    if run.get("created_utc"):
        facts.append(("fact_created", str(run["created_utc"])))
    rows = [(escape(label(k, lang)), escape(v)) for k, v in facts]
    return html_table(None, rows, css_class="facts")


def _policies_section(policies: Sequence[str], colors: Mapping[str, str], baseline: str | None,
                      lang: str) -> str:
    items = "".join(
        f"<li>{_swatch(colors[p])}"
        + (f"{escape(policy_name(p, lang))} " if policy_name(p, lang) != p else "")
        + f"<code>{escape(p)}</code>"
        + (f" — {escape(label('baseline', lang))}" if p == baseline else "") + "</li>"
        for p in policies)
    return f"<ul>{items}</ul>"


def _verdict_section(summary: pd.DataFrame, baseline: str, policies: Sequence[str],
                     colors: Mapping[str, str], lang: str, confidence: float) -> str:
    if len(policies) < 2:
        return f"<p>{escape(label('single_policy', lang))}</p>"
    table = verdict_table(summary, baseline=baseline, confidence=confidence, lang=lang)
    sentences = verdict_sentences(table, lang)
    parts = [f"<h3>{escape(label('section_recommendation', lang))}</h3>",
             f'<div class="verdict"><p class="sentence">'
             f"{escape(recommendation(table, lang))}</p></div>"]
    for policy in policies:
        if policy == baseline or policy not in sentences:
            continue
        rows = table[table["policy"] == policy]
        parts.append(f"<h3>{_swatch(colors[policy])}{escape(policy_name(policy, lang))} vs "
                     f"{escape(policy_name(baseline, lang))}</h3>")
        parts.append(f'<div class="verdict" style="border-left-color:{escape(colors[policy])}">'
                     f'<p class="sentence">{escape(sentences[policy])}</p></div>')
        body = [(
            escape(r.indicator),
            escape(format_value(r.metric, r.baseline_mean, lang)),
            escape(format_value(r.metric, r.policy_mean, lang)),
            escape(r.change_text),
            f'<span class="badge {escape(r.assessment)}">'
            f"{escape(label(badge_key(r.assessment), lang))}</span>",
        ) for r in rows.itertuples()]
        headers = [label(k, lang) for k in ("col_indicator", "col_baseline", "col_policy_mean",
                                            "col_change", "col_verdict")]
        parts.append(html_table([escape(h) for h in headers], body,
                            numeric=[False, True, True, True, False]))
    return "\n".join(parts)


def _metrics_table(summary: pd.DataFrame, policies: Sequence[str], lang: str,
                   confidence: float, by: Sequence[str] = ("policy",)) -> str:
    table = summarise(summary, by=list(by), confidence=confidence)
    headers = [escape(label("col_metric", lang))] + [escape(policy_name(p, lang))
                                                      for p in policies]
    rows = []
    for metric in metric_columns(summary):
        part = table[table["metric"] == metric].set_index("policy")
        cells = [escape(label(metric, lang))]
        for p in policies:
            if p not in part.index:
                cells.append("–")
                continue
            r = part.loc[p]
            ci = ""
            if math.isfinite(r["ci_low"]):
                ci = (f'<br><span class="ci">'
                      f'{escape(format_range(metric, r["ci_low"], r["ci_high"], lang))}</span>')
            cells.append(escape(format_value(metric, r["mean"], lang)) + ci)
        rows.append(cells)
    return html_table(headers, rows, numeric=[False] + [True] * len(policies))


def _hotline_section(summary: pd.DataFrame, policies: Sequence[str], lang: str,
                     confidence: float) -> str:
    """The call-centre figures per policy (a hotline with callers who hang up)."""
    shown = [m for m in HOTLINE_METRICS if m in summary.columns]
    keep = [c for c in summary.columns if c not in metric_columns(summary)] + shown
    table = _metrics_table(summary[keep], policies, lang, confidence)
    return table + f'<p class="note">{escape(label("hotline_note", lang))}</p>'


def _percentiles_section(cases: pd.DataFrame, policies: Sequence[str], lang: str,
                         n_boot: int, confidence: float, seed: int,
                         horizon_h: float | None) -> str:
    table = pooled_percentiles(cases, n_boot=n_boot, confidence=confidence, rng=seed,
                               horizon_h=horizon_h)
    percentiles = list(dict.fromkeys(table["percentile"]))
    headers = [escape(label("policy", lang))] + [f"p{p:g}" for p in percentiles] + [
        escape(label("col_share_open", lang))]
    rows = []
    for p in policies:
        part = table[table["policy"] == p].set_index("percentile")
        if part.empty:
            continue
        cells = [escape(policy_name(p, lang))]
        for q in percentiles:
            r = part.loc[q]
            value = escape(format_value("p90_resolution_h", r["resolution_h"], lang))
            ci = escape(format_range("p90_resolution_h", r["ci_low_h"], r["ci_high_h"], lang))
            cells.append(f'{value}<br><span class="ci">{ci}</span>')
        cells.append(escape(format_value("on_time_close_rate", part["share_open"].iat[0], lang)))
        rows.append(cells)
    note = f'<p class="note">{escape(label("percentile_note", lang, n_boot=n_boot))}</p>'
    return html_table(headers, rows, numeric=[False] + [True] * (len(percentiles) + 1)) + note


def _categories_section(cases: pd.DataFrame, policies: Sequence[str], lang: str,
                        names: UnitNames) -> str:
    """Per category of matter (事项类别): its share of cases and each policy's on-time close
    share, pooled over replications (warm-up excluded): where a policy gains or loses."""
    if not {"category", "on_time_close"} <= set(cases.columns):
        return ""
    kept = cases[~cases["warmup"]] if "warmup" in cases.columns else cases
    if kept.empty:
        return ""
    counts = kept["category"].value_counts()
    on_time = kept.groupby(["category", "policy"], observed=True)["on_time_close"].mean()
    share = counts / counts.sum()
    headers = [escape(label("col_category", lang)), escape(label("col_case_share", lang))] + [
        escape(policy_name(p, lang)) for p in policies]
    rows = []
    for category in counts.index:
        cells = [escape(names.name("category", str(category), lang)),
                 escape(format_value("on_time_close_rate", float(share[category]), lang))]
        for p in policies:
            value = on_time.get((category, p), math.nan)
            cells.append(escape(format_value("on_time_close_rate", float(value), lang)))
        rows.append(cells)
    note = f'<p class="note">{escape(label("categories_note", lang))}</p>'
    return html_table(headers, rows, numeric=[False] + [True] * (len(policies) + 1)) + note


def _ranking_section(summary: pd.DataFrame, colors: Mapping[str, str], lang: str,
                     confidence: float) -> str:
    parts = []
    for metric in RANKED_METRICS:
        if metric not in summary.columns:
            continue
        ranking = rank_policies(summary, metric, confidence=confidence)
        rows = [(
            str(int(r.rank_group)),
            f"{_swatch(colors.get(r.policy, '#999'))}{escape(policy_name(r.policy, lang))}",
            escape(format_value(metric, r.mean, lang)),
            f'<span class="ci">{escape(format_range(metric, r.ci_low, r.ci_high, lang))}</span>',
        ) for r in ranking.itertuples()]
        parts.append(f"<h3>{escape(label(metric, lang))}</h3>")
        parts.append(html_table([escape(label(k, lang)) for k in ("col_rank_group", "policy",
                                                          "col_mean", "col_ci")],
                            rows, numeric=[True, False, True, True]))
    parts.append(f'<p class="note">{escape(label("ranking_note", lang))}</p>')
    return "\n".join(parts)


def _assumptions_section(outputs: RunOutputs, lang: str) -> str:
    scenario_file = find_scenario_file(outputs.run, outputs.out_dir)
    if scenario_file is None:
        shown = outputs.run.get("scenario_file") or "?"
        return f"<p>{escape(label('scenario_missing', lang, path=shown))}</p>"
    try:
        found = read_assumptions(scenario_file)
    except (OSError, UnicodeDecodeError):
        return f"<p>{escape(label('scenario_missing', lang, path=scenario_file))}</p>"
    if not found:
        return f"<p>{escape(label('no_assumptions', lang))}</p>"
    swept = _swept_values(outputs.runs)
    rows = []
    for a in _merged(found):
        if a.key in swept:
            value = label("assumption_swept", lang, values=swept[a.key])
        else:
            value = a.value or label("assumption_block", lang)
        rows.append((str(a.line), f"<code>{escape(a.key)}</code>", escape(value),
                     escape(a.comment)))
    headers = [escape(label(k, lang))
               for k in ("col_line", "col_key", "col_value", "col_comment")]
    return f'<p class="note">{escape(scenario_file)}</p>' + html_table(
        headers, rows, numeric=[True, False, False, False])


def _merged(found: Sequence[Assumption]) -> list[Assumption]:
    """One row per key: a comment above a line and the line's own ``[est]`` are one
    assumption; a bare ``[est]`` adds nothing to a comment that says more."""
    rows: dict[str, Assumption] = {}
    for a in found:
        seen = rows.get(a.key)
        if seen is None or seen.value != a.value:
            rows[a.key if seen is None else f"{a.key}@{a.line}"] = a
            continue
        comments = [c for c in (seen.comment, a.comment) if c and c.strip() != "[est]"]
        merged = "; ".join(dict.fromkeys(comments)) or seen.comment
        rows[a.key] = Assumption(seen.line, seen.key, merged, seen.value)
    return list(rows.values())


def _swept_values(runs: pd.DataFrame | None) -> dict[str, str]:
    """Swept override paths and their values as text (``0.5 / 2 / 24``)."""
    if runs is None:
        return {}
    return {p: " / ".join(f"{v:g}" for v in sorted(runs[p].unique()))
            for p in swept_params(runs)}


def _horizon_h(run: Mapping[str, Any]) -> float | None:
    """Simulated hours of the runs (``--days`` or the scenario's horizon), if run.json says."""
    days = run.get("days")
    if days is None:
        days = ((run.get("scenario") or {}).get("calendar") or {}).get("horizon_days")
    return float(days) * 24.0 if isinstance(days, int | float) else None


def _replications(outputs: RunOutputs) -> str | None:
    """Replications per configuration and policy: a sweep with a precision target adds them
    per configuration, so give the range it reached rather than the starting number."""
    runs = outputs.runs
    if runs is not None and len(runs) and {"config", "policy"} <= set(runs.columns):
        per_cell = runs.groupby(["config", "policy"]).size()
        low, high = int(per_cell.min()), int(per_cell.max())
        return str(low) if low == high else f"{low}–{high}"
    reps = outputs.run.get("replications")
    return None if reps is None else str(reps)


def build_report(out_dir: Path | str, lang: str = "en", baseline: str | None = None, *,
                 confidence: float = 0.95, n_boot: int = 2000, seed: int = 0,
                 charts_dir: Path | str | None = None, filename: str | None = None) -> Path:
    """Write ``out_dir/report.html`` (``report.zh.html`` in Chinese): verdict, scenario facts,
    charts, tables, assumptions.

    Parameters
    ----------
    out_dir
        Output of ``govsim run`` / ``govsim compare`` (summary.csv and friends) or of a sweep
        (runs.parquet); sections whose files are missing are left out.
    lang
        ``"en"`` or ``"zh"``: the language of the whole report, one file per call.
    baseline
        Policy the others are compared with; default the first policy of summary.csv.
    n_boot, seed
        Bootstrap resamples for the pooled percentiles and their seed (reproducible report).
    charts_dir
        Also save every chart there as PNG and SVG (for papers and slides).
    filename
        Name of the HTML file in ``out_dir``; default from :func:`report_name`.

    Returns
    -------
    Path of the written HTML file.
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    outputs = load_outputs(out_dir, case_columns=CASE_COLUMNS_FOR_REPORT)
    policies = outputs.policies
    if baseline is not None and baseline not in policies:
        raise ValueError(f"baseline {baseline!r} not among policies {policies}")
    baseline = baseline or (policies[0] if policies else None)
    colors = policy_colors(policies)
    names = UnitNames.from_scenario(outputs.run.get("scenario"))
    summary = (with_workload(outputs.summary, outputs.resources)
               if outputs.summary is not None else None)
    rendered = _render_charts(outputs, policies, colors, lang, confidence,
                              Path(charts_dir) if charts_dir is not None else None, names)

    name = outputs.run.get("scenario_name") or ""
    title = label("report_title", lang) + (f" — {name}" if name else "")
    n_reps = _replications(outputs) or (
        int(summary["replication"].nunique()) if summary is not None else "?")
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    sections = [
        f"<header><h1>{escape(title)}</h1><div class='sub'>{escape(label('generated', lang))}: "
        f"{escape(generated)}</div></header>",
    ]
    if summary is not None and baseline is not None:
        sections.append(f"<h2>{escape(label('section_verdict', lang))}</h2>")
        sections.append(_verdict_section(summary, baseline, policies, colors, lang, confidence))
    sections.append(f"<h2>{escape(label('section_method', lang))}</h2>"
                    f"<p class='note'>{escape(label('method_note', lang, n=n_reps))}</p>")
    sections.append(f"<h2>{escape(label('section_facts', lang))}</h2>"
                    f"{_facts(outputs, lang, names)}")
    sections.append(f"<h2>{escape(label('section_policies', lang))}</h2>"
                    + _policies_section(policies, colors, baseline, lang))
    compare_charts = [c for c in rendered if not c.name.startswith("sweep")]
    sweep_charts = [c for c in rendered if c.name.startswith("sweep")]
    if compare_charts:
        sections.append(f"<h2>{escape(label('section_charts', lang))}</h2>")
        sections.extend(figure_html(c) for c in compare_charts)
    if outputs.runs is not None and swept_params(outputs.runs):
        params = swept_params(outputs.runs)
        sections.append(f"<h2>{escape(label('section_findings', lang))}</h2>")
        sections.append(f"<h3>{escape(label('section_levers', lang))}</h3>")
        sections.append(levers_section(outputs.runs, outputs.units, params, lang, confidence,
                                       names))
        goal = Goal.from_record(outputs.run.get("goal"))
        if goal is not None:
            table = goal_section(outputs.runs, goal, lang)
            if table:
                title = label(f"section_goal_{goal.prefer}", lang,
                              lever=param_name(goal.lever, lang))
                sections.append(f"<h3>{escape(title)}</h3>{table}")
        if baseline is not None:
            verdicts = config_verdicts_section(outputs.runs, outputs.units, params, baseline,
                                               colors, lang, confidence, names)
            if verdicts:
                sections.append(f"<h3>{escape(label('section_config_verdicts', lang))}</h3>")
                sections.append(verdicts)
    if sweep_charts:
        sections.append(f"<h2>{escape(label('section_sweep', lang))}</h2>")
        sections.extend(figure_html(c) for c in sweep_charts)
    if summary is not None:
        sections.append(f"<h2>{escape(label('section_tables', lang))}</h2>")
        sections.append(_metrics_table(summary, policies, lang, confidence))
        sections.append(f"<h2>{escape(label('section_ranking', lang))}</h2>")
        sections.append(_ranking_section(summary, colors, lang, confidence))
    if summary is not None and "service_level" in summary.columns:
        sections.append(f"<h2>{escape(label('section_hotline', lang))}</h2>")
        sections.append(_hotline_section(summary, policies, lang, confidence))
    if outputs.cases is not None:
        sections.append(f"<h2>{escape(label('section_percentiles', lang))}</h2>")
        sections.append(_percentiles_section(outputs.cases, policies, lang, n_boot,
                                             confidence, seed, _horizon_h(outputs.run)))
    if outputs.cases is not None:
        by_category = _categories_section(outputs.cases, policies, lang, names)
        if by_category:
            sections.append(f"<h2>{escape(label('section_categories', lang))}</h2>{by_category}")
    sections.append(f"<h2>{escape(label('section_assumptions', lang))}</h2>")
    sections.append(_assumptions_section(outputs, lang))

    path = Path(out_dir) / (filename or report_name(lang))
    return write_document(path, title, "\n".join(sections), lang)
