"""The optimisation report (寻优报告): the recommendation in one sentence with its intervals,
the cost–performance frontier, the binding constraint and the bottleneck unit.

Built from what ``govsim optimise`` wrote (``optimise.json``, ``candidates.parquet``), one
self-contained HTML file per language (``optimise.html``, ``optimise.zh.html``), made of
:mod:`analysis.html` like the other reports.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.charts import new_chart, saved_in_font_context
from analysis.html import Chart, escape, figure_html, html_table, png_base64, write_document
from analysis.labels import LANGS, label

__all__ = ["build_optimise_report", "optimise_report_name", "recommendation_sentence"]

_STATUS_COLOUR = {"feasible": "#1a7f37", "infeasible": "#b42318", "undecided": "#8c959f"}


def optimise_report_name(lang: str) -> str:
    """``optimise.html`` in English, ``optimise.zh.html`` in Chinese."""
    return "optimise.html" if lang == "en" else f"optimise.{lang}.html"


def _is_share(metric: str) -> bool:
    return metric.endswith(("_rate", "_share", "utilization", "_gini"))


def _value(metric: str, x: float, lang: str) -> str:
    if x is None or not math.isfinite(x):
        return "–"
    if _is_share(metric):
        return f"{x:.1%}"
    if metric.endswith("_h"):
        return f"{x:.3g} {label('unit_h', lang)}" if abs(x) < 10 else \
            f"{x:.1f} {label('unit_h', lang)}"
    return f"{x:.3g}"


def _bound(metric: str, x: float) -> str:
    return f"{x:.0%}" if _is_share(metric) and abs(x) <= 1 else f"{x:g}"


def _name(metric: str, lang: str) -> str:
    """The metric's label without its unit (the values carry it)."""
    return label(metric, lang).removesuffix(" (h)").removesuffix("（小时）")


def _constraint(c: dict[str, Any], lang: str) -> str:
    sense = "≥" if c["sense"] == ">=" else "≤"
    unit = f" {label('unit_h', lang)}" if c["metric"].endswith("_h") else ""
    return f"{_name(c['metric'], lang)} {sense} {_bound(c['metric'], c['bound'])}{unit}"


def _variable_name(var: dict[str, Any]) -> str:
    return str(var.get("label") or var["path"])


def _measured(doc: dict[str, Any], metric: str, lang: str) -> str:
    iv = doc["recommendation"]["intervals"][metric]
    return (f"{_name(metric, lang)} {_value(metric, iv['mean'], lang)} "
            f"[{_value(metric, iv['low'], lang)}, {_value(metric, iv['high'], lang)}]")


def recommendation_sentence(doc: dict[str, Any], lang: str = "en") -> str:
    """The result in one sentence: what to staff, its cost, and what is established."""
    sep = label("list_sep", lang)
    pct = f"{doc['confidence'] * 100:g} %"
    by_metric = {c["metric"]: c for c in doc["constraints"]}
    if doc["status"] == "infeasible":
        failed = sep.join(
            label("opt_best_reached", lang, target=_constraint(by_metric[m], lang),
                  best=_value(m, doc["best"].get(m, math.nan), lang))
            for m in doc["failed"])
        return label("opt_sentence_infeasible", lang, failed=failed)
    rec = doc["recommendation"]
    if rec is None:
        failed = sep.join(_constraint(by_metric[m], lang) for m in doc["failed"])
        return label("opt_sentence_none", lang, failed=failed)
    values = sep.join(f"{_variable_name(v)} = {rec['values'][v['path']]}"
                      for v in doc["variables"])
    measured = sep.join(label("opt_measured", lang, measured=_measured(doc, c["metric"], lang),
                              target=_constraint(c, lang))
                        for c in doc["constraints"])
    cost = f"{rec['cost']:g} {doc['cost_unit']}".strip()
    if doc["status"] == "established":
        return label("opt_sentence_established", lang, values=values, cost=cost, pct=pct,
                     measured=measured, n=rec["replications"])
    failed = sep.join(_constraint(by_metric[m], lang) for m in doc["failed"])
    return label("opt_sentence_not_established", lang, values=values, cost=cost,
                 failed=failed, measured=measured, n=rec["replications"])


def frontier_chart(doc: dict[str, Any], table: pd.DataFrame, lang: str) -> Any:
    """Cost against the frontier metric: every candidate the search ran (with its interval),
    the frontier, the target and the recommendation."""
    metric = doc["frontier_metric"]
    bound = next(c for c in doc["constraints"] if c["metric"] == metric)
    search = table[table["block"] == 0].sort_values("cost")
    with new_chart(lang, (9.0, 5.2), None) as (fig, lang):
        ax = fig.add_subplot()
        for status, colour in _STATUS_COLOUR.items():
            part = search[search["status"] == status]
            if part.empty:
                continue
            low = (part[metric] - part[f"{metric}__low"]).clip(lower=0)
            high = (part[f"{metric}__high"] - part[metric]).clip(lower=0)
            ax.errorbar(part["cost"], part[metric], yerr=[low.fillna(0), high.fillna(0)],
                        fmt="o", ms=5, color=colour, ecolor=colour, elinewidth=1, capsize=2,
                        alpha=0.85, label=label(f"opt_status_{status}", lang))
        front = _frontier(search, metric, bound["sense"])
        ax.plot(front["cost"], front[metric], drawstyle="steps-post", color="#1d2733", lw=1.2,
                label=label("opt_frontier", lang))
        ax.axhline(bound["bound"], color="#b42318", ls="--", lw=1,
                   label=label("opt_target_line", lang, target=_constraint(bound, lang)))
        rec = doc["recommendation"]
        if rec is not None:
            iv = rec["intervals"][metric]
            ax.errorbar([rec["cost"]], [iv["mean"]],
                        yerr=[[iv["mean"] - iv["low"]], [iv["high"] - iv["mean"]]], fmt="*",
                        ms=16, color="#0969da", ecolor="#0969da", capsize=4, zorder=5,
                        label=label("opt_recommended", lang))
        unit = f" ({doc['cost_unit']})" if doc["cost_unit"] else ""
        ax.set_xlabel(label("opt_cost", lang) + unit)
        ax.set_ylabel(label(metric, lang))
        if _is_share(metric):
            from matplotlib.ticker import PercentFormatter

            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_title(label("opt_chart_title", lang, metric=label(metric, lang)), fontsize=11)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    return fig


def _frontier(search: pd.DataFrame, metric: str, sense: str) -> pd.DataFrame:
    keep, best = [], -math.inf
    for i, row in search.sort_values(["cost"]).iterrows():
        value = row[metric] if sense == ">=" else -row[metric]
        if math.isfinite(value) and value > best:
            best = value
            keep.append(i)
    return search.loc[keep]


def _facts(doc: dict[str, Any], lang: str) -> str:
    runs = doc["runs"]
    rows = [[escape(label("opt_fact_scenario", lang)), escape(doc["scenario"])],
            [escape(label("opt_fact_policy", lang)), f"<code>{escape(doc['policy'])}</code>"]]
    rec = doc["recommendation"]
    if rec is not None:
        rows.append([escape(label("opt_fact_cost", lang)),
                     escape(f"{rec['cost']:g} {doc['cost_unit']}".strip())])
        binding = next(c for c in doc["constraints"] if c["metric"] == rec["binding"])
        rows.append([escape(label("opt_fact_binding", lang)), escape(_constraint(binding, lang))])
        neck = rec["bottleneck"]
        rows.append([escape(label("opt_fact_bottleneck", lang)),
                     escape(label("opt_bottleneck_value", lang, unit=neck["unit"],
                                  util=f"{neck['utilization']:.0%}"))])
    rows += [
        [escape(label("opt_fact_runs", lang)),
         escape(label("opt_runs_value", lang, planned=runs["planned"],
                      computed=runs["computed"], reused=runs["reused"],
                      evaluations=doc["evaluations"]))],
        [escape(label("opt_fact_wall", lang)),
         escape(f"{doc['wall_time_s']:.0f} s — {doc['executor']}")],
    ]
    return html_table(None, rows, css_class="facts")


def _values_table(doc: dict[str, Any], lang: str) -> str:
    rec = doc["recommendation"]
    rows = []
    for v in doc["variables"]:
        chosen = rec["values"][v["path"]] if rec is not None else None
        cost = v["costs"][v["values"].index(chosen)] if chosen in v["values"] else math.nan
        name = escape(v["label"]) + "<br>" if v.get("label") else ""
        rows.append([f"{name}<code>{escape(v['path'])}</code>",
                     escape(f"{v['values'][0]} … {v['values'][-1]}"),
                     f"<b>{escape(chosen)}</b>" if chosen is not None else "–",
                     escape(f"{cost:g}") if math.isfinite(cost) else "–"])
    headers = [escape(label(k, lang)) for k in
               ("opt_col_variable", "opt_col_range", "opt_col_chosen", "opt_col_cost")]
    return html_table(headers, rows, numeric=[False, True, True, True])


def _targets_table(doc: dict[str, Any], lang: str) -> str:
    rec = doc["recommendation"]
    rows = []
    for c in doc["constraints"]:
        m = c["metric"]
        if rec is not None:
            iv = rec["intervals"][m]
            verdict = rec["verdicts"][m]
            measured = (f"{_value(m, iv['mean'], lang)} <span class='ci'>"
                        f"[{_value(m, iv['low'], lang)}, {_value(m, iv['high'], lang)}]</span>")
        else:
            verdict = "violated" if m in doc["failed"] else "undecided"
            measured = escape(label("opt_best_only", lang,
                                    best=_value(m, doc["best"].get(m, math.nan), lang)))
        badge = {"met": "better", "violated": "worse"}.get(verdict, "no_difference")
        rows.append([escape(_constraint(c, lang)), measured,
                     f"<span class='badge {badge}'>{escape(label(f'opt_{verdict}', lang))}"
                     "</span>"])
    headers = [escape(label(k, lang)) for k in ("opt_col_target", "opt_col_measured",
                                                 "opt_col_verdict")]
    return html_table(headers, rows, numeric=[False, True, False])


def _candidates_table(doc: dict[str, Any], table: pd.DataFrame, lang: str) -> str:
    metrics = [c["metric"] for c in doc["constraints"]]
    paths = [v["path"] for v in doc["variables"]]
    rows = []
    for _, row in table.sort_values(["block", "cost"]).iterrows():
        cells = [escape(label(f"opt_phase_{row['phase']}", lang)),
                 escape(", ".join(f"{row[p]}" for p in paths)), escape(f"{row['cost']:g}"),
                 escape(int(row["n"]))]
        for m in metrics:
            low, high = _value(m, row[f"{m}__low"], lang), _value(m, row[f"{m}__high"], lang)
            cells.append(f"{_value(m, row[m], lang)} <span class='ci'>[{low}, {high}]</span>")
        badge = {"feasible": "better", "infeasible": "worse"}.get(row["status"], "no_difference")
        cells.append(f"<span class='badge {badge}'>"
                     f"{escape(label('opt_status_' + row['status'], lang))}</span>")
        rows.append(cells)
    headers = ([escape(label("opt_col_phase", lang)), escape(label("opt_col_values", lang)),
                escape(label("opt_col_cost", lang)), "n"]
               + [escape(label(m, lang)) for m in metrics]
               + [escape(label("opt_col_status", lang))])
    return html_table(headers, rows, numeric=[False, True, True, True, *[True] * len(metrics),
                                              False])


def build_optimise_report(out_dir: Path | str, lang: str = "en") -> Path:
    """Write the optimisation report of ``out_dir`` (optimise.json, candidates.parquet)."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    out = Path(out_dir)
    doc = json.loads((out / "optimise.json").read_text(encoding="utf-8"))
    table = pd.read_parquet(out / "candidates.parquet")
    with saved_in_font_context():
        fig = frontier_chart(doc, table, lang)
        chart = Chart("frontier", label("opt_section_frontier", lang),
                      label("opt_frontier_caption", lang), png_base64(fig, lang))
    title = f"{label('opt_report_title', lang)} — {doc['name']}"
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    m = len(doc["constraints"])
    method = label("opt_method", lang, pct=f"{doc['confidence'] * 100:g} %",
                   alpha=f"{(1 - doc['confidence']) * 100:.3g} %", m=m,
                   mr=m * doc["final_rounds"], rounds=doc["final_rounds"],
                   n0=doc["sampling"]["initial"],
                   batch=doc["sampling"]["batch"], cap=doc["sampling"]["max"],
                   final=doc["final_replications"])
    body = "\n".join([
        f"<header><h1>{escape(title)}</h1><div class='sub'>{escape(doc['description'])}"
        f"{' — ' if doc['description'] else ''}{escape(label('generated', lang))}: "
        f"{escape(generated)}</div></header>",
        f"<h2>{escape(label('opt_section_result', lang))}</h2>",
        f"<div class='verdict'><p>{escape(recommendation_sentence(doc, lang))}</p></div>",
        _facts(doc, lang),
        f"<h2>{escape(label('opt_section_targets', lang))}</h2>{_targets_table(doc, lang)}",
        f"<h2>{escape(label('opt_section_values', lang))}</h2>{_values_table(doc, lang)}",
        f"<h2>{escape(label('opt_section_frontier', lang))}</h2>{figure_html(chart)}",
        f"<h2>{escape(label('opt_section_method', lang))}</h2><p class='note'>{escape(method)}</p>",
        f"<h2>{escape(label('opt_section_candidates', lang))}</h2>"
        f"{_candidates_table(doc, table, lang)}",
    ])
    return write_document(out / optimise_report_name(lang), title, body, lang)
