"""The calibration report (校准报告): what ``govsim calibrate`` fitted from a work-order log,
with its uncertainty, how well each fit matches the log, and what it had to assume.

One self-contained HTML file per language (``calibration.html``, ``calibration.zh.html``),
made of :mod:`analysis.html` like the run report: the log and the rows it could not use,
arrivals (rates, day effect, hour and weekday profiles observed against fitted, daily counts in
the fitted band), categories and tiers, every fitted time (table, Kaplan–Meier against the fit,
Q–Q, KS), returns, reopens and satisfaction, the assumptions, and the back-test to run next.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from matplotlib.figure import Figure

from analysis import calibration_charts as cc
from analysis.charts import saved_in_font_context
from analysis.html import Chart, escape, figure_html, html_table, png_base64, write_document
from analysis.labels import LABELS, LANGS, label, tier_label
from sim.calibration.calibrate import satisfaction_sample

if TYPE_CHECKING:
    from sim.calibration.calibrate import Calibration
    from sim.calibration.fitting import DurationFit, Estimate

__all__ = ["Assumed", "build_calibration_report", "calibration_report_name"]


class Assumed(Protocol):
    """What the report needs of an assumption (sim.calibration.writer.Assumption): a key the
    labels word in each language, and the fields those words name."""

    @property
    def key(self) -> str: ...

    @property
    def fields(self) -> dict[str, object]: ...


def calibration_report_name(lang: str) -> str:
    """``calibration.html`` in English, ``calibration.zh.html`` in Chinese."""
    return "calibration.html" if lang == "en" else f"calibration.{lang}.html"


def _g(x: float, digits: int = 3) -> str:
    if math.isinf(x):
        return "∞"
    if not math.isfinite(x):
        return "–"
    return f"{x:,.0f}" if abs(x) >= 10 ** digits else f"{x:.{digits}g}"


def _ci(e: Estimate | None, digits: int = 3, percent: bool = False) -> str:
    """``value <span class=ci>(low–high)</span>``, as escaped HTML."""
    if e is None:
        return "–"
    def number(x: float) -> str:
        return f"{100.0 * x:.1f}" if percent and math.isfinite(x) else _g(x, digits)

    value = escape(number(e.value) + (" %" if percent else ""))
    if not (math.isfinite(e.low) and math.isfinite(e.high)):
        return value
    return (f"{value} <span class='ci'>({escape(number(e.low))}–"
            f"{escape(number(e.high))})</span>")


def _facts(cal: Calibration, scenario_file: str, lang: str) -> str:
    log = cal.log
    open_end = int(log.orders["closed_h"].isna().sum())
    rows = [
        ("cal_fact_log", log.source),
        ("cal_fact_rows", f"{log.rows:,}"),
        ("cal_fact_used", f"{len(log.orders):,}"),
        ("cal_fact_bad", f"{len(log.bad):,}"),
        ("cal_fact_period", label("cal_fact_period_value", lang, start=f"{log.start:%Y-%m-%d}",
                                  end=f"{log.end:%Y-%m-%d %H:%M}", days=log.days)),
        ("cal_fact_open", f"{open_end:,}"),
        ("cal_fact_holidays", ", ".join(d.isoformat() for d in cal.holidays)
         or label("cal_none", lang)),
        ("cal_fact_scenario", scenario_file),
    ]
    return html_table(None, [[escape(label(k, lang)), escape(v)] for k, v in rows],
                      css_class="facts")


def _problem(kind: str, lang: str) -> str:
    """A bad row's kind of fault (sim.calibration.logs) in ``lang``."""
    if kind.startswith("before "):
        return label("bad_before", lang, column=kind.removeprefix("before "))
    key = "bad_" + kind.replace(" ", "_")
    return label(key, lang) if key in LABELS else kind


def _bad_rows(cal: Calibration, lang: str) -> str:
    if not cal.log.bad:
        return f"<p class='note'>{escape(label('cal_bad_none', lang))}</p>"
    groups: dict[tuple[str, str], list] = {}
    for bad in cal.log.bad:
        groups.setdefault((bad.column, bad.kind), []).append(bad)
    rows = []
    for (column, kind), items in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        first = ", ".join(str(b.row) for b in items[:5]) + (" …" if len(items) > 5 else "")
        rows.append([escape(column), escape(_problem(kind, lang)), escape(f"{len(items):,}"),
                     escape(first), escape(items[0].reason)])
    headers = [escape(label(k, lang)) for k in
               ("col_column", "col_problem", "col_rows", "col_first_rows", "col_example")]
    return html_table(headers, rows, numeric=[False, False, True, False, False])


def _arrivals_table(cal: Calibration, lang: str) -> str:
    rows = []
    for ch in cal.channels:
        k_est = cal.groups[ch.group][1] if ch.group else ch.counts.shape
        k = cc.day_shape(cal, ch)
        rows.append([
            escape(ch.id), escape(ch.kind), escape(f"{ch.orders:,}"),
            _ci(ch.counts.rate), _ci(k_est), escape(ch.group or "–"),
            _ci(ch.holiday_factor), escape(f"{cc.days_outside(ch, k):.0%}"),
            escape(f"{cc.days_outside(ch, math.inf):.0%}"),
        ])
    headers = [escape(label(k, lang)) for k in (
        "col_channel", "col_channel_kind", "col_orders", "col_rate_day", "col_day_k",
        "col_group", "col_holiday_factor", "col_days_outside", "col_days_outside_poisson")]
    return (html_table(headers, rows, numeric=[False, False, True, True, True, False, True, True,
                                               True])
            + f"<p class='note'>{escape(label('cal_arrivals_note', lang))}</p>")


def _categories_table(cal: Calibration, lang: str) -> str:
    rows = []
    for c in cal.categories:
        deadline = "–" if c.deadline_h is None else f"{c.deadline_h:g} {label('unit_h', lang)}"
        rows.append([escape(c.id), _ci(c.share, percent=True),
                     *[_ci(c.tiers.get(t), percent=True) if t in c.tiers else "–"
                       for t in cal.tiers],
                     escape(deadline), escape(c.department or "–")])
    headers = [escape(label("col_category", lang)), escape(label("col_share_ci", lang)),
               *[escape(tier_label(t, lang)) for t in cal.tiers],
               escape(label("col_close_deadline", lang)), escape(label("col_department", lang))]
    return html_table(headers, rows, numeric=[False, True, *[True] * len(cal.tiers), True,
                                              False])


def _time_row(what: str, tier: str, fit: DurationFit, lang: str) -> list[str]:
    aic = sorted(fit.aic.values())
    delta = aic[1] - aic[0] if len(aic) > 1 else math.nan
    return [escape(what), escape(tier), escape(f"{fit.n:,}"), escape(f"{fit.n_censored:,}"),
            escape(label(f"fam_{fit.family}", lang)), _ci(fit.mean), _ci(fit.cv),
            escape(_g(fit.naive_mean_h)), escape(f"{fit.ks:.3f}"), escape(_g(delta, 3))]


def _times_table(cal: Calibration, lang: str) -> str:
    rows = []
    for ch in cal.channels:
        if ch.dispatch_delay is not None:
            rows.append(_time_row(label("cal_time_delay", lang, channel=ch.id), "",
                                  ch.dispatch_delay, lang))
    for c in cal.categories:
        for tier, fit in c.handling.items():
            name = tier_label(tier, lang) + (f" ({label('cal_pooled', lang)})"
                                             if tier in c.pooled else "")
            rows.append(_time_row(label("cal_time_handling", lang, category=c.id), name, fit,
                                  lang))
        if c.resolution is not None:
            rows.append(_time_row(label("cal_time_resolution", lang, category=c.id), "",
                                  c.resolution, lang))
    headers = [escape(label(k, lang)) for k in (
        "col_what", "col_tier", "col_n", "col_censored", "col_family", "col_mean_h_ci",
        "col_cv_ci", "col_closed_only", "col_ks", "col_daic")]
    return (f"<p class='note'>{escape(label('cal_times_note', lang))}</p>"
            + html_table(headers, rows, numeric=[False, False, True, True, False, True, True,
                                                 True, True, True], css_class="nowrap"))


def _rates_table(cal: Calibration, lang: str) -> str:
    rows: list[tuple[str, str]] = [
        ("cal_returns", _ci(cal.returns_per_order)),
        ("cal_misroute", _ci(cal.misroute_p, percent=True)),
        ("cal_return_delay", _ci(cal.return_delay_h)),
        ("cal_reopen", _ci(cal.reopen_p, percent=True)),
    ]
    if cal.satisfaction is not None:
        rows += [("cal_sat_on_time", _ci(cal.satisfaction.on_time, percent=True)),
                 ("cal_sat_floor", _ci(cal.satisfaction.floor, percent=True)),
                 ("cal_sat_scale", _ci(cal.satisfaction.scale_h))]
    return html_table([escape(label("col_metric", lang)), escape(label("col_value", lang))],
                      [[escape(label(k, lang)), v] for k, v in rows], numeric=[False, True])


def _assumed(assumed: Sequence[Assumed], lang: str) -> str:
    items = "".join(f"<li>{escape(label('cal_assumed_' + a.key, lang, **a.fields))}</li>"
                    for a in assumed)
    return f"<ul>{items}</ul>"


def _charts(cal: Calibration, lang: str) -> list[Chart]:
    specs: list[tuple[str, str, str, Callable[[], Figure]]] = [
        ("hours", "cal_hour_title", "cal_hour_caption", lambda: cc.hour_profiles(cal, lang=lang)),
        ("weekdays", "cal_weekday_title", "cal_weekday_caption",
         lambda: cc.weekday_factors(cal, lang=lang)),
        ("daily", "cal_daily_title", "cal_daily_caption", lambda: cc.daily_counts(cal, lang=lang)),
    ]
    delays = cc.delay_rows(cal)
    handling = cc.handling_rows(cal, lang)
    for name, rows, what in (("delays", delays, label("cal_delays", lang)),
                             ("handling", handling, label("cal_handling", lang))):
        if not rows:
            continue
        for kind in ("ecdf", "qq"):
            specs.append((f"{name}_{kind}", "", f"cal_{kind}_caption",
                          partial(cc.duration_grid, rows, what, kind=kind, lang=lang)))
    late_h, satisfied = satisfaction_sample(cal.log.orders)
    if cal.satisfaction is not None and len(late_h):
        specs.append(("satisfaction", "cal_sat_title", "cal_sat_caption",
                      lambda: cc.satisfaction_curve(cal, late_h, satisfied, lang=lang)))
    rendered = []
    with saved_in_font_context():
        for name, title_key, caption_key, draw in specs:
            fig = draw()
            title = label(title_key, lang) if title_key else name
            rendered.append(Chart(name, title, label(caption_key, lang), png_base64(fig, lang)))
    return rendered


def build_calibration_report(cal: Calibration, assumed: Sequence[Assumed],
                             out_dir: Path | str, lang: str = "en", *, scenario_file: str = "",
                             log_arg: str = "") -> Path:
    """Write the calibration report of ``cal`` into ``out_dir`` (created if missing) in
    ``lang``; ``assumed`` is what :func:`sim.calibration.writer.write_scenario` returned,
    ``scenario_file`` and ``log_arg`` the paths the back-test command should name."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    charts = {c.name: c for c in _charts(cal, lang)}

    def section(key: str, *parts: str) -> str:
        return f"<h2>{escape(label(key, lang))}</h2>" + "".join(parts)

    def figs(*names: str) -> str:
        return "".join(figure_html(charts[n]) for n in names if n in charts)

    title = label("cal_report_title", lang) + f" — {Path(cal.log.source).name}"
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = (f"govsim backtest {scenario_file or 'SCENARIO.yaml'} "
               f"{log_arg or cal.log.source}")
    body = "\n".join([
        f"<header><h1>{escape(title)}</h1><div class='sub'>{escape(label('generated', lang))}: "
        f"{escape(generated)}</div></header>",
        f"<p>{escape(label('cal_intro', lang))}</p>",
        section("cal_section_log", _facts(cal, scenario_file, lang)),
        section("cal_section_bad", _bad_rows(cal, lang)),
        section("cal_section_arrivals", _arrivals_table(cal, lang)),
        section("cal_section_profiles", figs("hours", "weekdays")),
        section("cal_section_daily", figs("daily")),
        section("cal_section_categories", _categories_table(cal, lang)),
        section("cal_section_times", _times_table(cal, lang),
                figs("delays_ecdf", "delays_qq", "handling_ecdf", "handling_qq")),
        section("cal_section_rates", _rates_table(cal, lang), figs("satisfaction")),
        section("cal_section_assumed", _assumed(assumed, lang)),
        section("cal_section_next", f"<p>{escape(label('cal_next_note', lang))}</p>"
                f"<p><code>{escape(command)}</code></p>"),
    ])
    return write_document(out / calibration_report_name(lang), title, body, lang)
