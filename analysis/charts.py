"""Charts of one comparison or sweep: matplotlib figures, one function per chart.

Every function returns a :class:`matplotlib.figure.Figure` on the Agg canvas, built without
pyplot (no global backend switch or figure registry, so it is safe in servers and tests).
Each policy is drawn in the colour :func:`analysis.palette.policy_colors` gives it; labels
follow ``lang="en"|"zh"``; ``save`` is a path stem to which ``.png`` and ``.svg`` are written.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import NullFormatter, PercentFormatter
from scipy import stats as sps

from analysis.atomic import atomic_write
from analysis.fonts import font_rc, resolve_lang
from analysis.labels import label, param_label, policy_name, tier_label, unit_label
from analysis.metrics import HEADLINE_METRICS, metric_info
from analysis.names import UnitNames
from analysis.palette import TIER_COLORS, TIER_ORDER, policy_colors
from analysis.stats import summarise
from analysis.sweep import GRIDS_UNIT
from analysis.workload import workload_per_grid, workload_per_worker

#: Closure deadlines drawn on the ECDF: 24 h, 7 days and 15 days (docs/sources.md, closed loop).
DEADLINES_H: tuple[tuple[float, str], ...] = (
    (24.0, "deadline_24h"), (168.0, "deadline_7d"), (360.0, "deadline_15d"))

#: Above this many closed cases per policy the ECDF is drawn on a log grid of points, which
#: keeps SVG files small without visible change.
_ECDF_EXACT_MAX = 4000
_ECDF_GRID_POINTS = 600

#: Hour ticks a planner reads without a calculator (1 day = 24, 1 week = 168, 15 days = 360).
HOUR_TICKS: tuple[float, ...] = (0.1, 0.25, 0.5, 1, 2, 4, 8, 24, 72, 168, 360, 720, 2160)

PathLike = Path | str

#: Set by callers that save every figure inside ``rc_context(font_rc(lang))`` themselves (the
#: report), so the extra draw that pins fonts for later saves can be skipped.
_SAVED_IN_FONT_CONTEXT: ContextVar[bool] = ContextVar("saved_in_font_context", default=False)


@contextmanager
def saved_in_font_context() -> Iterator[None]:
    """Promise that figures made inside will be saved under ``font_rc(lang)``; this skips the
    draw that otherwise pins their fonts and halves the time to render a report."""
    token = _SAVED_IN_FONT_CONTEXT.set(True)
    try:
        yield
    finally:
        _SAVED_IN_FONT_CONTEXT.reset(token)


def save_figure(fig: Figure, stem: PathLike, dpi: int = 150) -> tuple[Path, Path]:
    """Write ``stem.png`` and ``stem.svg`` (text as paths, so no font is needed to view it).

    A stem may hold dots (``sweep_arrivals.scale``: a swept path); only a ``.png`` or ``.svg``
    it ends with is taken as a suffix."""
    stem = Path(stem)
    if stem.suffix in (".png", ".svg"):
        stem = stem.with_suffix("")
    stem.parent.mkdir(parents=True, exist_ok=True)
    png, svg = stem.parent / f"{stem.name}.png", stem.parent / f"{stem.name}.svg"
    with rc_context({"svg.fonttype": "path"}):  # atomically: never a 0-byte chart
        atomic_write(png, lambda p: fig.savefig(p, dpi=dpi, format="png"))
        atomic_write(svg, lambda p: fig.savefig(p, format="svg"))
    return png, svg


@contextmanager
def new_chart(lang: str, figsize: tuple[float, float], save: PathLike | None
           ) -> Iterator[tuple[Figure, str]]:
    """Create a figure in the fonts of ``lang`` and finish it inside the same settings.

    Tick labels are created when a figure is first drawn, so the figure is drawn (or saved,
    which draws it) once before leaving the font settings; later saves reuse those ticks and
    keep the CJK font.
    """
    lang = resolve_lang(lang)
    with rc_context(font_rc(lang)):
        fig = Figure(figsize=figsize, layout="constrained")
        FigureCanvasAgg(fig)
        yield fig, lang
        if save is not None:
            save_figure(fig, save)
        elif not _SAVED_IN_FONT_CONTEXT.get():
            fig.draw_without_rendering()


def hour_axis(ax: Axes, low: float, high: float, which: str = "x") -> None:
    """A log-scale hours axis (``which``: "x" or "y") from ``low`` to ``high`` with ticks a
    planner reads at sight."""
    low = max(low, 1e-3)
    ticks = [t for t in HOUR_TICKS if low <= t <= high]
    if which == "x":
        ax.set_xscale("log")
        ax.set_xlim(low, high)
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.xaxis.set_minor_formatter(NullFormatter())
    else:
        ax.set_yscale("log")
        ax.set_ylim(low, high)
        ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
        ax.yaxis.set_minor_formatter(NullFormatter())


def _order(policies: Sequence[str] | None, table: pd.DataFrame) -> list[str]:
    """Policies to draw: the given order, else order of first appearance in the data."""
    if policies is not None:
        return list(policies)
    return list(dict.fromkeys(table["policy"].astype(str)))


def _colors(colors: Mapping[str, str] | None, policies: Sequence[str]) -> Mapping[str, str]:
    return colors if colors is not None else policy_colors(policies)


def _scale(metric: str) -> float:
    """Rates are stored as shares and shown as percentages."""
    return 100.0 if metric_info(metric).kind == "rate" else 1.0


def _metric_axis_label(metric: str, lang: str) -> str:
    text = label(metric, lang)
    return text + label("percent_suffix", lang) if metric_info(metric).kind == "rate" else text


def _wrap_policy(policy: str) -> str:
    """Break a long policy combination after each '+' so tick labels stay horizontal."""
    return policy.replace("+", "+\n") if len(policy) > 12 else policy


def _policy_legend(target: Figure | Axes, policies: Sequence[str], colors: Mapping[str, str],
                   lang: str, **kwargs: Any) -> None:
    handles = [Patch(facecolor=colors[p], edgecolor="none", label=policy_name(p, lang))
               for p in policies]
    target.legend(handles=handles, title=label("policy", lang), **kwargs)


def _post_warmup(cases: pd.DataFrame) -> pd.DataFrame:
    return cases[~cases["warmup"].astype(bool)] if "warmup" in cases.columns else cases


def resolution_ecdf(cases: pd.DataFrame, *, policies: Sequence[str] | None = None,
                    colors: Mapping[str, str] | None = None, lang: str = "en",
                    deadlines: Sequence[tuple[float, str]] = DEADLINES_H,
                    save: PathLike | None = None) -> Figure:
    """Chart 1: ECDF of resolution time per policy, pooled over replications.

    The share is of all post-warm-up cases, so cases still open at the end keep a curve below
    1 instead of silently flattering a policy that leaves hard cases open. Vertical lines mark
    the closure deadlines.
    """
    data = _post_warmup(cases)
    policies = _order(policies, data)
    colors = _colors(colors, policies)
    with new_chart(lang, (7.5, 4.6), save) as (fig, lang):
        ax = fig.add_subplot()
        closed_all = data["resolution_h"].dropna().to_numpy(dtype=float)
        positive = closed_all[closed_all > 0]
        low = float(np.quantile(positive, 0.001)) if positive.size else 0.1
        high = max(float(positive.max()) if positive.size else 1.0,
                   max((d for d, _ in deadlines), default=1.0)) * 1.3
        for i, policy in enumerate(policies):
            values = data.loc[data["policy"] == policy, "resolution_h"].to_numpy(dtype=float)
            if values.size == 0:
                continue
            closed = np.sort(values[~np.isnan(values)])
            if closed.size <= _ECDF_EXACT_MAX:
                x = np.concatenate([[low], closed, [high]])
            else:
                x = np.geomspace(max(low, 1e-3), high, _ECDF_GRID_POINTS)
            y = np.searchsorted(closed, x, side="right") / values.size
            # a dash pattern and a width per policy: curves that coincide stay visible (the
            # first, solid and widest, underneath; later ones dashed and thinner on top)
            ax.step(x, y, where="post", color=colors[policy], lw=max(2.4 - 0.4 * i, 1.2),
                    ls=LINE_STYLES[i % len(LINE_STYLES)], zorder=2 + i,
                    label=policy_name(policy, lang))
        hour_axis(ax, low, high)
        ax.set_ylim(0, 1.02)
        for deadline_h, key in deadlines:
            ax.axvline(deadline_h, color="0.35", ls="--", lw=1, zorder=0)
            ax.annotate(label(key, lang), xy=(deadline_h, 0.02), xycoords=("data", "axes fraction"),
                        xytext=(-3, 0), textcoords="offset points", rotation=90, ha="right",
                        va="bottom", fontsize=8, color="0.25")
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel(label("ecdf_x", lang))
        ax.set_ylabel(label("ecdf_y", lang))
        ax.set_title(label("ecdf_title", lang))
        ax.grid(True, which="major", alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(title=label("policy", lang), loc="upper left", fontsize=8)
    return fig


#: Dash patterns of the policies' ECDF curves, in policy order.
LINE_STYLES: tuple[Any, ...] = ("-", (0, (5, 2)), (0, (1.5, 1.5)), (0, (6, 2, 1.5, 2)))

#: The least span of a headline panel's value axis: 5 percentage points of a rate, 20 % of the
#: level of an amount, so that a gap the replications cannot tell apart does not fill a panel.
MIN_SPAN_PP, MIN_SPAN_REL = 5.0, 0.20


def _min_span(ax: Axes, values: np.ndarray, kind: str) -> None:
    values = values[np.isfinite(values)]
    if values.size == 0:
        return
    low, high = ax.get_ylim()
    centre = float(values.mean())
    span = MIN_SPAN_PP if kind == "rate" else MIN_SPAN_REL * abs(centre)
    if high - low < span:
        ax.set_ylim(centre - span / 2, centre + span / 2)


def headline_metrics(summary: pd.DataFrame, *, metrics: Sequence[str] = HEADLINE_METRICS,
                     policies: Sequence[str] | None = None,
                     colors: Mapping[str, str] | None = None, lang: str = "en",
                     confidence: float = 0.95, save: PathLike | None = None) -> Figure:
    """Chart 2: small multiples, one panel per headline metric, mean with CI whiskers."""
    policies = _order(policies, summary)
    colors = _colors(colors, policies)
    table = summarise(summary, by=["policy"], metrics=metrics, confidence=confidence)
    ncols = 4
    nrows = math.ceil((len(metrics) + 1) / ncols)
    with new_chart(lang, (3.0 * ncols, 2.7 * nrows), save) as (fig, lang):
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        x = np.arange(len(policies))
        for ax, metric in zip(axes, metrics, strict=False):
            rows = table[table["metric"] == metric].set_index("policy").reindex(policies)
            scale = _scale(metric)
            mean = rows["mean"].to_numpy(dtype=float) * scale
            err = np.vstack([mean - rows["ci_low"].to_numpy(dtype=float) * scale,
                             rows["ci_high"].to_numpy(dtype=float) * scale - mean])
            # dots, not bars: rate panels do not start at zero, and a truncated bar lies;
            # the baseline's interval as a band across the panel, to read the others against
            if policies and np.isfinite(mean[0]):
                ax.axhspan(mean[0] - err[0, 0], mean[0] + err[1, 0], color=colors[policies[0]],
                           alpha=0.15, lw=0, zorder=0)
            for i, policy in enumerate(policies):
                ax.errorbar(x[i], mean[i], yerr=np.nan_to_num(err[:, i : i + 1]), fmt="o",
                            color=colors[policy], ms=8, capsize=5, lw=1.8,
                            label=policy_name(policy, lang))
            ax.set_title(_metric_axis_label(metric, lang), fontsize=9)
            ax.set_xticks(x, [""] * len(policies))
            ax.set_xlim(-0.6, len(policies) - 0.4)
            ax.tick_params(axis="x", length=0)
            ax.grid(True, axis="y", alpha=0.3)
            ax.margins(y=0.15)
            _min_span(ax, np.concatenate([mean - err[0], mean + err[1]]),
                      metric_info(metric).kind)
        for ax in axes[len(metrics):]:
            ax.set_axis_off()
        _policy_legend(axes[len(metrics)], policies, colors, lang, loc="center",
                       fontsize=9, frameon=False)
        fig.suptitle(label("headline_title", lang))
    return fig


def backlog_over_time(backlog: pd.DataFrame, *, policies: Sequence[str] | None = None,
                      colors: Mapping[str, str] | None = None, lang: str = "en",
                      band: str = "ci", confidence: float = 0.95,
                      warmup_h: float | None = None, save: PathLike | None = None) -> Figure:
    """Chart 3: open cases over time, mean over replications with a band.

    ``band="ci"`` shades the Student-t CI of the mean at each hour, ``"minmax"`` the range
    over replications.
    """
    if band not in ("ci", "minmax"):
        raise ValueError("band must be 'ci' or 'minmax'")
    policies = _order(policies, backlog)
    colors = _colors(colors, policies)
    with new_chart(lang, (7.5, 4.2), save) as (fig, lang):
        ax = fig.add_subplot()
        if warmup_h:
            ax.axvspan(0, warmup_h / 24, color="0.88", zorder=0)
            ax.annotate(label("warmup", lang), xy=(warmup_h / 48, 0.5),
                        xycoords=("data", "axes fraction"), rotation=90, ha="center",
                        va="center", fontsize=7, color="0.35")
        for policy in policies:
            table = (backlog[backlog["policy"] == policy]
                     .pivot_table(index="t_h", columns="replication", values="open_cases")
                     .sort_index())
            if table.empty:
                continue
            days = table.index.to_numpy(dtype=float) / 24
            values = table.to_numpy(dtype=float)
            mean = np.nanmean(values, axis=1)
            if band == "minmax":
                low, high = np.nanmin(values, axis=1), np.nanmax(values, axis=1)
            else:
                n = np.sum(~np.isnan(values), axis=1)
                sd = np.nanstd(values, axis=1, ddof=1) if values.shape[1] > 1 else np.zeros(
                    len(mean))
                t = sps.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1))
                half = np.where(n > 1, t * sd / np.sqrt(np.maximum(n, 1)), 0.0)
                low, high = mean - half, mean + half
            ax.fill_between(days, low, high, color=colors[policy], alpha=0.2, lw=0)
            ax.plot(days, mean, color=colors[policy], lw=1.6, label=policy_name(policy, lang))
        ax.set_xlabel(label("backlog_x", lang))
        ax.set_ylabel(label("backlog_y", lang))
        ax.set_title(label("backlog_title", lang))
        ax.set_xlim(left=0)
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
        handles, labels_ = ax.get_legend_handles_labels()
        names = [policy_name(p, lang) for p in policies]
        order = [labels_.index(n) for n in names if n in labels_]
        ax.legend([handles[i] for i in order], [labels_[i] for i in order],
                  title=label("policy", lang), fontsize=8, loc="upper left")
        ax.annotate(label("band_ci" if band == "ci" else "band_minmax", lang),
                    xy=(1, 0), xycoords="axes fraction", xytext=(-4, 4),
                    textcoords="offset points", ha="right", va="bottom", fontsize=7,
                    color="0.35")
    return fig


def workload_distribution(resources: pd.DataFrame, *, policies: Sequence[str] | None = None,
                          colors: Mapping[str, str] | None = None, lang: str = "en",
                          save: PathLike | None = None) -> Figure:
    """Chart 4a: distribution over grid workers of busy hours and cases handled (box plots)."""
    per_worker = workload_per_worker(resources)
    policies = _order(policies, per_worker if len(per_worker) else resources)
    colors = _colors(colors, policies)
    with new_chart(lang, (8.5, 4.0), save) as (fig, lang):
        axes = fig.subplots(1, 2)
        for ax, column, key in ((axes[0], "busy_h", "busy_h_per_worker"),
                                (axes[1], "cases_handled", "cases_per_worker")):
            data = [per_worker.loc[per_worker["policy"] == p, column].to_numpy(dtype=float)
                    for p in policies]
            boxes = ax.boxplot(data, patch_artist=True, widths=0.6,
                               medianprops={"color": "0.1"},
                               flierprops={"markersize": 3, "alpha": 0.5})
            for patch, policy in zip(boxes["boxes"], policies, strict=True):
                patch.set_facecolor(colors[policy])
                patch.set_alpha(0.85)
            ax.set_xticks(np.arange(1, len(policies) + 1), [""] * len(policies))
            ax.tick_params(axis="x", length=0)
            ax.set_ylabel(label(key, lang))
            ax.grid(True, axis="y", alpha=0.3)
        _policy_legend(fig, policies, colors, lang, loc="outside lower center",
                       ncols=min(len(policies), 4), fontsize=8)
        fig.suptitle(label("workload_title", lang))
    return fig


def _grid_values(metric: str, grids: pd.DataFrame, cases: pd.DataFrame | None,
                 resources: pd.DataFrame | None) -> pd.DataFrame:
    """policy, grid, x_km, y_km, value for the map."""
    if metric == "resolution":
        if cases is None:
            raise ValueError("the resolution map needs cases")
        data = _post_warmup(cases)
        table = (data.groupby(["policy", "grid"], sort=False)["resolution_h"].mean()
                 .rename("value").reset_index())
        return table.merge(grids[["grid", "x_km", "y_km"]], on="grid", how="inner")
    if metric == "busy":
        if resources is None:
            raise ValueError("the workload map needs resources")
        return workload_per_grid(resources, grids)
    raise ValueError("metric must be 'resolution' or 'busy'")


def grid_map(grids: pd.DataFrame, *, cases: pd.DataFrame | None = None,
             resources: pd.DataFrame | None = None, metric: str = "resolution",
             policies: Sequence[str] | None = None, colors: Mapping[str, str] | None = None,
             lang: str = "en", save: PathLike | None = None) -> Figure:
    """Chart 4b: grids at their (x_km, y_km), coloured by mean resolution time
    (``metric="resolution"``, from cases) or busy hours per grid worker (``"busy"``, from
    resources); one panel per policy on a shared colour scale so panels compare directly."""
    values = _grid_values(metric, grids, cases, resources)
    policies = _order(policies, values)
    colors = _colors(colors, policies)
    ncols = min(len(policies), 3)
    nrows = math.ceil(len(policies) / ncols)
    finite = values["value"].to_numpy(dtype=float)
    finite = finite[np.isfinite(finite)]
    vmin = float(finite.min()) if finite.size else 0.0
    vmax = float(finite.max()) if finite.size else 1.0
    size = float(np.clip(6000 / max(len(grids), 1), 6, 260))
    width_km = float(np.ptp(grids["x_km"])) or 1.0
    aspect = float(np.clip((float(np.ptp(grids["y_km"])) or 1.0) / width_km, 0.4, 1.6))
    panel_w = 3.6
    with new_chart(lang, (panel_w * ncols + 1.2, (panel_w * aspect + 0.9) * nrows + 0.5),
                save) as (fig, lang):
        axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=True)
        for ax in axes[:, 1:].ravel():
            ax.tick_params(labelleft=False)
        axes = axes.ravel()
        scatter = None
        for i, (ax, policy) in enumerate(zip(axes, policies, strict=False)):
            rows = values[values["policy"] == policy]
            scatter = ax.scatter(rows["x_km"], rows["y_km"], c=rows["value"], cmap="YlOrRd",
                                 vmin=vmin, vmax=vmax, s=size, edgecolors="0.4",
                                 linewidths=0.4)
            ax.set_title(policy_name(policy, lang), color=colors[policy], fontsize=10)
            ax.set_aspect("equal", adjustable="box")
            ax.margins(0.08)
            ax.set_xlabel(label("x_km", lang))
            if i % ncols == 0:
                ax.set_ylabel(label("y_km", lang))
        for ax in axes[len(policies):]:
            ax.set_axis_off()
        if scatter is not None:
            bar = fig.colorbar(scatter, ax=axes[: len(policies)].tolist(), shrink=0.9,
                               aspect=25)
            bar.set_label(label("map_value_resolution" if metric == "resolution"
                                else "map_value_busy", lang))
        fig.suptitle(label("map_title_resolution" if metric == "resolution"
                           else "map_title_busy", lang))
    return fig


def escalation_funnel(cases: pd.DataFrame, summary: pd.DataFrame, *,
                      policies: Sequence[str] | None = None,
                      colors: Mapping[str, str] | None = None, lang: str = "en",
                      confidence: float = 0.95, tier_names: Mapping[str, str] | None = None,
                      save: PathLike | None = None) -> Figure:
    """Chart 5: final tier shares per policy (stacked bars), whistles per 100 cases and
    department whistle hours (bars with CIs): the benefit of escalating and its cost.

    ``tier_names`` overrides tier labels (the scenario's ``escalation.tier_labels``)."""
    tier_names = tier_names or {}
    data = _post_warmup(cases)
    policies = _order(policies, summary)
    colors = _colors(colors, policies)
    shares = (pd.crosstab(data["policy"], data["tier_final"].fillna(""), normalize="index")
              .reindex(index=policies, fill_value=0.0) * 100)
    tiers = [t for t in TIER_ORDER if t in shares.columns and shares[t].sum() > 0]
    tiers += [t for t in shares.columns if t not in TIER_ORDER and shares[t].sum() > 0]
    table = summarise(summary, by=["policy"],
                      metrics=["whistles_per_100", "whistle_dept_hours"], confidence=confidence)
    with new_chart(lang, (10.5, 4.2), save) as (fig, lang):
        grid = fig.add_gridspec(1, 3, width_ratios=[2.2, 1, 1])
        ax_tier = fig.add_subplot(grid[0])
        x = np.arange(len(policies))
        bottom = np.zeros(len(policies))
        for tier in tiers:
            heights = shares[tier].to_numpy(dtype=float)
            ax_tier.bar(x, heights, bottom=bottom, color=TIER_COLORS.get(tier, "#969696"),
                        edgecolor="white", lw=0.5, width=0.65,
                        label=tier_names.get(tier) or tier_label(tier, lang))
            bottom += heights
        ax_tier.set_xticks(x, [_wrap_policy(policy_name(p, lang)) for p in policies], fontsize=8)
        for tick, policy in zip(ax_tier.get_xticklabels(), policies, strict=True):
            tick.set_color(colors[policy])
        ax_tier.set_ylabel(label("tier_share", lang))
        ax_tier.set_ylim(0, 100)
        if tiers:
            ax_tier.legend(title=label("tier", lang), fontsize=7, title_fontsize=8,
                           loc="upper left", bbox_to_anchor=(1.0, 1.0))
        for i, metric in enumerate(("whistles_per_100", "whistle_dept_hours")):
            ax = fig.add_subplot(grid[i + 1])
            rows = table[table["metric"] == metric].set_index("policy").reindex(policies)
            mean = rows["mean"].to_numpy(dtype=float)
            err = np.vstack([mean - rows["ci_low"].to_numpy(dtype=float),
                             rows["ci_high"].to_numpy(dtype=float) - mean])
            ax.bar(x, mean, color=[colors[p] for p in policies], width=0.65)
            ax.errorbar(x, mean, yerr=np.nan_to_num(err), fmt="none", ecolor="0.15",
                        capsize=4, lw=1.2)
            ax.set_title(label(metric, lang), fontsize=9)
            ax.set_xticks(x, [""] * len(policies))
            ax.tick_params(axis="x", length=0)
            ax.grid(True, axis="y", alpha=0.3)
        fig.suptitle(label("funnel_title", lang))
    return fig


def _sweep_table(runs: pd.DataFrame, param: str, metric: str,
                 extra: Sequence[str] = ()) -> pd.DataFrame:
    """One value per (policy, param[, extra], replication): other swept parameters are
    averaged out, so each point is a marginal effect over the rest of the design."""
    keys = ["policy", param, *extra, "replication"]
    return runs.groupby(keys, sort=True)[metric].mean().reset_index()


#: A one-way sweep chart gets one column per value of another swept parameter when it has at
#: most this many values; beyond that the panels would be unreadable and the caption says
#: what is pooled instead.
MAX_FACETS = 4


def sweep_facet(runs: pd.DataFrame, param: str, params: Sequence[str]) -> str | None:
    """The other swept parameter ``sweep_lines`` draws one column per value of, if any: only
    when exactly one other parameter is swept and it has at most :data:`MAX_FACETS` values."""
    others = [p for p in params if p != param]
    if len(others) == 1 and runs[others[0]].nunique() <= MAX_FACETS:
        return others[0]
    return None


def _is_integer(values: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(values)) and np.all(values == np.round(values)))


def _param_axis(ax: Axes, values: np.ndarray, param: str, lang: str) -> None:
    """Axis of a swept parameter: its readable name, a log scale where the values span more
    than a factor of 20, a tick at every value swept (integers without decimals)."""
    values = np.unique(values[np.isfinite(values)])
    if len(values) and values.min() > 0 and values.max() / values.min() > 20:
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())
    if 0 < len(values) <= 12:
        ticks = [f"{v:.0f}" if _is_integer(values) else f"{v:g}" for v in values]
        ax.set_xticks(values, ticks)
    ax.set_xlabel(param_label(param, lang))


def sweep_lines(runs: pd.DataFrame, param: str, *,
                metrics: Sequence[str] = ("p90_resolution_h", "on_time_close_rate"),
                facet: str | None = None,
                policies: Sequence[str] | None = None, colors: Mapping[str, str] | None = None,
                lang: str = "en", confidence: float = 0.95,
                save: PathLike | None = None) -> Figure:
    """Chart 6a: each metric against one swept parameter, a line per policy with CI bands.

    With ``facet`` (another swept parameter) there is one column of panels per value of it, so
    the curve is never an average over settings a planner would keep apart; without it, other
    swept parameters are averaged out (the caption must say so).
    """
    policies = _order(policies, runs)
    colors = _colors(colors, policies)
    levels: list[Any] = sorted(runs[facet].unique()) if facet is not None else [None]
    size = (3.6 * len(levels) + 0.8, 3.2 * len(metrics) + 0.6) if facet is not None else (
        4.2 * len(metrics) + 0.5, 3.8)
    with new_chart(lang, size, save) as (fig, lang):
        shape = (len(metrics), len(levels)) if facet is not None else (1, len(metrics))
        grid = fig.subplots(*shape, squeeze=False, sharey="row" if facet is not None else False)
        for i, metric in enumerate(metrics):
            scale = _scale(metric)
            for j, level in enumerate(levels):
                ax = grid[i, j] if facet is not None else grid[0, i]
                part = runs if facet is None else runs[runs[facet] == level]
                table = summarise(_sweep_table(part, param, metric), by=["policy", param],
                                  metrics=[metric], confidence=confidence)
                for policy in policies:
                    rows = table[table["policy"] == policy].sort_values(param)
                    if rows.empty:
                        continue
                    x = rows[param].to_numpy(dtype=float)
                    ax.fill_between(x, rows["ci_low"] * scale, rows["ci_high"] * scale,
                                    color=colors[policy], alpha=0.2, lw=0)
                    ax.plot(x, rows["mean"] * scale, marker="o", ms=4, color=colors[policy],
                            lw=1.6, label=policy_name(policy, lang))
                _param_axis(ax, runs[param].to_numpy(dtype=float), param, lang)
                if j == 0:
                    ax.set_ylabel(_metric_axis_label(metric, lang))
                if facet is not None and i == 0:
                    ax.set_title(f"{param_label(facet, lang)} = {level:g}", fontsize=9)
                ax.grid(True, alpha=0.3)
        grid[0, 0].legend(title=label("policy", lang), fontsize=8)
        fig.suptitle(label("sweep_title", lang, param=param_label(param, lang)))
    return fig


def sweep_heatmap(runs: pd.DataFrame, x_param: str, y_param: str, *,
                  metric: str = "p90_resolution_h", policies: Sequence[str] | None = None,
                  colors: Mapping[str, str] | None = None, lang: str = "en",
                  save: PathLike | None = None) -> Figure:
    """Chart 6b: mean of a metric over two swept parameters, one heat map per policy on a
    shared colour scale, each cell annotated with its value."""
    policies = _order(policies, runs)
    colors = _colors(colors, policies)
    scale = _scale(metric)
    means = (_sweep_table(runs, x_param, metric, extra=[y_param])
             .groupby(["policy", y_param, x_param])[metric].mean() * scale)
    xs = sorted(runs[x_param].unique())
    ys = sorted(runs[y_param].unique())
    vmin, vmax = float(means.min()), float(means.max())
    ncols = min(len(policies), 3)
    nrows = math.ceil(len(policies) / ncols)
    with new_chart(lang, (3.9 * ncols + 1.0, 3.3 * nrows + 0.6), save) as (fig, lang):
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        image = None
        for ax, policy in zip(axes, policies, strict=False):
            grid = np.full((len(ys), len(xs)), np.nan)
            if policy in means.index.get_level_values(0):
                part = means.loc[policy]
                for (yv, xv), value in part.items():
                    grid[ys.index(yv), xs.index(xv)] = value
            image = ax.imshow(grid, origin="lower", cmap="YlOrRd", vmin=vmin, vmax=vmax,
                              aspect="auto")
            for (i, j), value in np.ndenumerate(grid):
                if np.isfinite(value):
                    dark = (value - vmin) / ((vmax - vmin) or 1) > 0.6
                    ax.text(j, i, f"{value:.3g}", ha="center", va="center", fontsize=7,
                            color="white" if dark else "0.1")
            ax.set_xticks(range(len(xs)), [f"{v:g}" for v in xs])
            ax.set_yticks(range(len(ys)), [f"{v:g}" for v in ys])
            ax.set_xlabel(param_label(x_param, lang))
            ax.set_ylabel(param_label(y_param, lang))
            ax.set_title(policy_name(policy, lang), color=colors[policy], fontsize=10)
        for ax in axes[len(policies):]:
            ax.set_axis_off()
        if image is not None:
            bar = fig.colorbar(image, ax=axes[: len(policies)].tolist(), shrink=0.85)
            bar.set_label(_metric_axis_label(metric, lang))
        fig.suptitle(_metric_axis_label(metric, lang))
    return fig


def sweep_utilization(units: pd.DataFrame, runs: pd.DataFrame, params: Sequence[str], *,
                      policies: Sequence[str] | None = None,
                      colors: Mapping[str, str] | None = None, top: int = 8,
                      lang: str = "en", save: PathLike | None = None,
                      names: UnitNames | None = None) -> Figure:
    """Chart 6c: utilisation of the busiest units (rows) in every setting (columns), one
    panel per policy, on one colour scale with 100 % at its centre: the bottleneck of each
    setting is the darkest cell of its column."""
    policies = _order(policies, units)
    colors = _colors(colors, policies)
    settings = runs[["config", *params]].drop_duplicates("config").set_index("config")
    tables = {}
    for policy in policies:
        part = units[units["policy"] == policy]
        means = part.groupby(["unit", "config"])["utilization"].mean().unstack("config")
        tables[policy] = means
    busiest = pd.concat(tables.values()).groupby(level=0).max().max(axis=1)
    order = list(busiest.sort_values(ascending=False, kind="stable").index[:top])
    if GRIDS_UNIT in busiest.index and GRIDS_UNIT not in order:
        order[-1] = GRIDS_UNIT  # the grids are the commonest lever: always show where they are
    configs = list(settings.index)
    ticks = ["\n".join(f"{settings.at[c, p]:g}" for p in params) for c in configs]
    vmax = max(1.2, float(np.nanmax([t.reindex(index=order).to_numpy() for t in
                                      tables.values()])))
    ncols = len(policies)
    width = min(4.0 + 0.55 * len(configs), 7.5) * min(ncols, 2)
    nrows = math.ceil(ncols / 2)
    with new_chart(lang, (width + 1.5, (0.42 * len(order) + 1.6) * nrows + 0.6), save) as (
            fig, lang):
        axes = fig.subplots(nrows, min(ncols, 2), squeeze=False).ravel()
        image = None
        for ax, policy in zip(axes, policies, strict=False):
            grid = tables[policy].reindex(index=order, columns=configs).to_numpy(dtype=float)
            image = ax.imshow(grid, cmap="RdYlBu_r", vmin=0.0, vmax=vmax, aspect="auto")
            for (i, j), value in np.ndenumerate(grid):
                if np.isfinite(value):
                    ax.text(j, i, f"{100 * value:.0f}", ha="center", va="center", fontsize=7,
                            color="white" if value > 0.85 * vmax or value < 0.12 * vmax
                            else "0.1")
            ax.set_yticks(range(len(order)), [unit_label(u, lang, names) for u in order],
                          fontsize=8)
            ax.set_xticks(range(len(configs)), ticks, fontsize=7)
            ax.set_xlabel(" / ".join(param_label(p, lang) for p in params), fontsize=8)
            ax.set_title(policy_name(policy, lang), color=colors[policy], fontsize=10)
        for ax in axes[ncols:]:
            ax.set_axis_off()
        if image is not None:
            bar = fig.colorbar(image, ax=axes[:ncols].tolist(), shrink=0.85)
            bar.set_label(label("utilization_axis", lang))
            bar.ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        fig.suptitle(label("utilization_title", lang))
    return fig
