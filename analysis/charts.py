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
from analysis.labels import label, tier_label
from analysis.metrics import HEADLINE_METRICS, metric_info
from analysis.palette import TIER_COLORS, TIER_ORDER, policy_colors
from analysis.stats import summarise
from analysis.workload import workload_per_grid, workload_per_worker

#: Closure deadlines drawn on the ECDF: 24 h, 7 days and 15 days (DOMAIN.md, hotline rules).
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
    """Write ``stem.png`` and ``stem.svg`` (text as paths, so no font is needed to view it)."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    png, svg = stem.with_suffix(".png"), stem.with_suffix(".svg")
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
    handles = [Patch(facecolor=colors[p], edgecolor="none", label=p) for p in policies]
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
        for policy in policies:
            values = data.loc[data["policy"] == policy, "resolution_h"].to_numpy(dtype=float)
            if values.size == 0:
                continue
            closed = np.sort(values[~np.isnan(values)])
            if closed.size <= _ECDF_EXACT_MAX:
                x = np.concatenate([[low], closed, [high]])
            else:
                x = np.geomspace(max(low, 1e-3), high, _ECDF_GRID_POINTS)
            y = np.searchsorted(closed, x, side="right") / values.size
            ax.step(x, y, where="post", color=colors[policy], lw=1.8, label=policy)
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
            # dots, not bars: rate panels do not start at zero, and a truncated bar lies
            for i, policy in enumerate(policies):
                ax.errorbar(x[i], mean[i], yerr=np.nan_to_num(err[:, i : i + 1]), fmt="o",
                            color=colors[policy], ms=8, capsize=5, lw=1.8, label=policy)
            ax.set_title(_metric_axis_label(metric, lang), fontsize=9)
            ax.set_xticks(x, [""] * len(policies))
            ax.set_xlim(-0.6, len(policies) - 0.4)
            ax.tick_params(axis="x", length=0)
            ax.grid(True, axis="y", alpha=0.3)
            ax.margins(y=0.15)
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
            ax.plot(days, mean, color=colors[policy], lw=1.6, label=policy)
        ax.set_xlabel(label("backlog_x", lang))
        ax.set_ylabel(label("backlog_y", lang))
        ax.set_title(label("backlog_title", lang))
        ax.set_xlim(left=0)
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
        handles, labels_ = ax.get_legend_handles_labels()
        order = [labels_.index(p) for p in policies if p in labels_]
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
            ax.set_title(policy, color=colors[policy], fontsize=10)
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
        ax_tier.set_xticks(x, [_wrap_policy(p) for p in policies], fontsize=8)
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


def sweep_lines(runs: pd.DataFrame, param: str, *,
                metrics: Sequence[str] = ("p90_resolution_h", "on_time_close_rate"),
                policies: Sequence[str] | None = None, colors: Mapping[str, str] | None = None,
                lang: str = "en", confidence: float = 0.95,
                save: PathLike | None = None) -> Figure:
    """Chart 6a: each metric against one swept parameter, a line per policy with CI bands."""
    policies = _order(policies, runs)
    colors = _colors(colors, policies)
    with new_chart(lang, (4.2 * len(metrics) + 0.5, 3.8), save) as (fig, lang):
        axes = fig.subplots(1, len(metrics), squeeze=False).ravel()
        for ax, metric in zip(axes, metrics, strict=True):
            scale = _scale(metric)
            table = summarise(_sweep_table(runs, param, metric), by=["policy", param],
                              metrics=[metric], confidence=confidence)
            for policy in policies:
                rows = table[table["policy"] == policy].sort_values(param)
                if rows.empty:
                    continue
                x = rows[param].to_numpy(dtype=float)
                ax.fill_between(x, rows["ci_low"] * scale, rows["ci_high"] * scale,
                                color=colors[policy], alpha=0.2, lw=0)
                ax.plot(x, rows["mean"] * scale, marker="o", ms=4, color=colors[policy],
                        lw=1.6, label=policy)
            ax.set_xlabel(param)
            ax.set_ylabel(_metric_axis_label(metric, lang))
            ax.grid(True, alpha=0.3)
        axes[0].legend(title=label("policy", lang), fontsize=8)
        fig.suptitle(label("sweep_title", lang, param=param))
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
            ax.set_xlabel(x_param)
            ax.set_ylabel(y_param)
            ax.set_title(policy, color=colors[policy], fontsize=10)
        for ax in axes[len(policies):]:
            ax.set_axis_off()
        if image is not None:
            bar = fig.colorbar(image, ax=axes[: len(policies)].tolist(), shrink=0.85)
            bar.set_label(_metric_axis_label(metric, lang))
        fig.suptitle(_metric_axis_label(metric, lang))
    return fig
