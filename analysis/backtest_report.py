"""The back-test report (回测报告): every figure of a work-order log against the band of the
simulated runs, with a plain verdict each, and the curves behind them.

One self-contained HTML file per language (``backtest.html``, ``backtest.zh.html``), made of
:mod:`analysis.html`: the verdict first (how many figures fall inside, which do not), the
method in one paragraph, the resolution-time, daily-orders and backlog curves against their
bands, and the table of every figure.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import TYPE_CHECKING

from analysis import calibration_charts as cc
from analysis.charts import saved_in_font_context
from analysis.html import Chart, escape, figure_html, html_table, png_base64, write_document
from analysis.labels import LANGS, label

if TYPE_CHECKING:
    from sim.calibration.figures import Backtest, Figure

__all__ = ["backtest_report_name", "build_backtest_report", "figure_label", "verdict_label"]


def backtest_report_name(lang: str) -> str:
    """``backtest.html`` in English, ``backtest.zh.html`` in Chinese."""
    return "backtest.html" if lang == "en" else f"backtest.{lang}.html"


def figure_label(f: Figure, lang: str) -> str:
    """The figure's name in ``lang`` (its English name when it has no stable key)."""
    return label(f"bt_{f.key}", lang, subject=f.subject) if f.key else f.name


def verdict_label(f: Figure, lang: str) -> str:
    """Inside, outside by how much, or not simulated, in ``lang``."""
    if not f.simulated:
        return label("bt_not_simulated", lang)
    if f.inside:
        return label("bt_inside", lang)
    if f.need is not None:
        return label("bt_outside_plain", lang)
    return label("bt_outside_by", lang, pct=f"{f.off_by:+.0%}")


def _number(x: float, unit: str, lang: str) -> str:
    if not math.isfinite(x):
        return "–"
    if unit == "h":
        return f"{x:.1f} {label('unit_h', lang)}"
    return f"{x:.3g}" if abs(x) >= 1 else f"{x:.3f}"


def _group_label(group: str, lang: str) -> str:
    return label(f"bt_group_{group.removeprefix('by ')}", lang)


def _figures_table(result: Backtest, lang: str) -> str:
    rows = []
    for f in result.figures:
        badge = "better" if f.inside else ("no_difference" if not f.simulated else "worse")
        rows.append([escape(_group_label(f.group, lang)), escape(figure_label(f, lang)),
                     escape(_number(f.observed, f.unit, lang)),
                     escape(f"{_number(f.low, f.unit, lang)} – {_number(f.high, f.unit, lang)}"),
                     f"<span class='badge {badge}'>{escape(verdict_label(f, lang))}</span>"])
    headers = [escape(label(k, lang)) for k in
               ("col_figure_group", "col_figure", "col_log", "col_band", "col_verdict")]
    return html_table(headers, rows, numeric=[False, False, True, True, False])


def _verdict(result: Backtest, lang: str) -> str:
    n = len(result.figures)
    lines = [label("bt_verdict", lang, inside=result.inside, n=n, r=result.replications)]
    outside = [f for f in result.figures if not f.inside]
    if outside:
        names = label("list_sep", lang).join(
            f"{figure_label(f, lang)} ({verdict_label(f, lang)})" for f in outside)
        lines.append(label("bt_outside", lang, names=names))
    else:
        lines.append(label("bt_all_inside", lang))
    return "<div class='verdict'>" + "".join(f"<p>{escape(x)}</p>" for x in lines) + "</div>"


def build_backtest_report(result: Backtest, out_dir: Path | str, lang: str = "en", *,
                          scenario_file: str = "", log_file: str = "") -> Path:
    """Write the back-test report of ``result`` into ``out_dir`` (created if missing)."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with saved_in_font_context():
        fig = cc.backtest_curves(result, lang=lang)
        chart = Chart("backtest", label("bt_section_charts", lang),
                      label("bt_charts_caption", lang), png_base64(fig, lang))
    subject = " — ".join(Path(p).name for p in (scenario_file, log_file) if p)
    title = label("bt_report_title", lang) + (f" — {subject}" if subject else "")
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = "\n".join([
        f"<header><h1>{escape(title)}</h1><div class='sub'>{escape(label('generated', lang))}: "
        f"{escape(generated)}</div></header>",
        f"<h2>{escape(label('bt_section_verdict', lang))}</h2>{_verdict(result, lang)}",
        f"<p class='note'>{escape(label('bt_method', lang))}</p>",
        f"<h2>{escape(label('bt_section_charts', lang))}</h2>{figure_html(chart)}",
        f"<h2>{escape(label('bt_section_figures', lang))}</h2>{_figures_table(result, lang)}",
    ])
    return write_document(out / backtest_report_name(lang), title, body, lang)
