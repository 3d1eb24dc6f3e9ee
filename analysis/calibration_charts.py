"""Charts of a calibration (校准) and of a back-test (回测): the log against what was fitted.

Each function returns a :class:`matplotlib.figure.Figure` built without pyplot, like
:mod:`analysis.charts`. The log is drawn in ink, the fit in vermilion, simulated or fitted bands
in light blue, so that "data against model" reads the same in every chart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter
from scipy import stats as sps

from analysis.charts import PathLike, hour_axis, new_chart
from analysis.labels import label, tier_label
from sim.calibration.fitting import kaplan_meier, proportion

if TYPE_CHECKING:
    from sim.calibration.calibrate import Calibration, ChannelFit
    from sim.calibration.figures import Backtest, Band
    from sim.calibration.fitting import DurationFit

LOG_COLOR = "#1d2733"
FIT_COLOR = "#D55E00"
BAND_COLOR = "#56B4E9"
SECOND_COLOR = "#E69F00"


# -- arrivals -----------------------------------------------------------------------------------
def _ordinary_days(cal: Calibration) -> tuple[np.ndarray, np.ndarray]:
    """Weekday (0 = Monday) of every day of the log, and whether it is an ordinary day."""
    start = cal.log.start.date()
    days = [start + timedelta(days=d) for d in range(cal.log.days)]
    holidays = set(cal.holidays)
    return (np.array([d.weekday() for d in days]), np.array([d not in holidays for d in days]))


def day_shape(cal: Calibration, ch: ChannelFit) -> float:
    """The day-effect k the scenario uses for ``ch``: its group's, else its own."""
    return cal.groups[ch.group][1].value if ch.group else ch.counts.shape.value


def count_band(expected: np.ndarray, shape_k: float, q: float) -> np.ndarray:
    """The ``q`` quantile of a day's count: negative binomial with mean ``expected`` and shape
    ``shape_k`` (Poisson when k is infinite)."""
    m = np.maximum(np.asarray(expected, dtype=float), 1e-9)
    if not math.isfinite(shape_k):
        return np.asarray(sps.poisson.ppf(q, m), dtype=float)
    return np.asarray(sps.nbinom.ppf(q, shape_k, shape_k / (shape_k + m)), dtype=float)


def days_outside(ch: ChannelFit, shape_k: float) -> float:
    """Share of the log's days whose count falls outside the 95 % band of ``shape_k``."""
    low, high = count_band(ch.expected, shape_k, 0.025), count_band(ch.expected, shape_k, 0.975)
    counts = ch.daily_counts
    return float(np.mean((counts < low) | (counts > high)))


def _panels(fig: Figure, n: int, ncols: int) -> list[Axes]:
    nrows = math.ceil(n / ncols)
    axes = list(fig.subplots(nrows, ncols, squeeze=False).ravel())
    for ax in axes[n:]:
        ax.set_axis_off()
    return axes[:n]


def hour_profiles(cal: Calibration, *, lang: str = "en", save: PathLike | None = None) -> Figure:
    """Mean orders per clock hour on working days and weekends, the log (points) against the
    fitted rate × weekday factor × hour share (lines): the arrival model's separability."""
    weekday, ordinary = _ordinary_days(cal)
    ncols = min(3, len(cal.channels))
    with new_chart(lang, (4.0 * ncols, 3.1 * math.ceil(len(cal.channels) / ncols)),
                   save) as (fig, lang):
        hours = np.arange(24)
        for ax, ch in zip(_panels(fig, len(cal.channels), ncols), cal.channels, strict=True):
            orders = cal.log.orders[cal.log.orders["channel"] == ch.id]
            day = orders["day"].to_numpy()
            hour = orders["hour"].to_numpy()
            for key, members, color in (("cal_workdays", weekday < 5, LOG_COLOR),
                                        ("cal_weekend", weekday >= 5, SECOND_COLOR)):
                chosen = members & ordinary
                if not chosen.any():
                    continue
                keep = chosen[day]
                observed = np.bincount(hour[keep], minlength=24)[:24] / chosen.sum()
                factor = float(np.mean([ch.weekday_factor[k].value for k in weekday[chosen]]))
                fitted = ch.counts.rate.value * factor * np.asarray(ch.hour_share)
                ax.plot(hours, fitted, color=color, lw=1.6, label=label(key, lang))
                ax.plot(hours, observed, "o", color=color, ms=3.2, alpha=0.85)
            ax.set_title(ch.id, fontsize=10)
            ax.set_xticks(range(0, 25, 6))
            ax.set_xlabel(label("cal_hour_x", lang))
            ax.set_ylabel(label("cal_hour_y", lang))
            ax.grid(True, alpha=0.3)
            ax.legend(fontsize=8, loc="upper left")
        fig.suptitle(label("cal_hour_title", lang))
    return fig


def weekday_factors(cal: Calibration, *, lang: str = "en",
                    save: PathLike | None = None) -> Figure:
    """Each ordinary day's count ÷ the mean day (dots) and the fitted weekday factor with its
    95 % interval, per channel."""
    weekday, ordinary = _ordinary_days(cal)
    rng = np.random.default_rng(0)  # jitter only: the same picture every time
    ncols = min(3, len(cal.channels))
    with new_chart(lang, (4.0 * ncols, 2.9 * math.ceil(len(cal.channels) / ncols)),
                   save) as (fig, lang):
        for ax, ch in zip(_panels(fig, len(cal.channels), ncols), cal.channels, strict=True):
            counts = ch.daily_counts.astype(float)
            means = [counts[ordinary & (weekday == k)].mean()
                     for k in range(7) if (ordinary & (weekday == k)).any()]
            mean_day = float(np.mean(means))
            x = weekday[ordinary] + rng.uniform(-0.18, 0.18, int(ordinary.sum()))
            ax.plot(x, counts[ordinary] / mean_day, "o", color=LOG_COLOR, ms=2.6, alpha=0.45)
            f = ch.weekday_factor
            value = np.array([e.value for e in f])
            err = np.array([[e.value - e.low for e in f], [e.high - e.value for e in f]])
            ax.errorbar(range(7), value, yerr=np.nan_to_num(err), fmt="s", color=FIT_COLOR,
                        ms=5, capsize=3, lw=1.4)
            ax.axhline(1.0, color="0.5", lw=0.8, ls=":")
            ax.set_xticks(range(7), [label(f"wd_{k}", lang) for k in range(7)])
            ax.set_title(ch.id, fontsize=10)
            ax.set_ylabel(label("cal_weekday_y", lang))
            ax.grid(True, axis="y", alpha=0.3)
        fig.suptitle(label("cal_weekday_title", lang))
    return fig


def daily_counts(cal: Calibration, *, lang: str = "en", save: PathLike | None = None) -> Figure:
    """Orders per day of each channel against the fitted mean and the 95 % band of the
    negative binomial, with the (narrower) band Poisson days would have; holidays shaded."""
    n = len(cal.channels)
    _weekday, ordinary = _ordinary_days(cal)
    with new_chart(lang, (11.0, 2.5 * n + 0.6), save) as (fig, lang):
        axes = fig.subplots(n, 1, squeeze=False, sharex=True).ravel()
        for ax, ch in zip(axes, cal.channels, strict=True):
            k = day_shape(cal, ch)
            days = np.arange(len(ch.daily_counts))
            ax.fill_between(days, count_band(ch.expected, k, 0.025),
                            count_band(ch.expected, k, 0.975), step="mid", color=BAND_COLOR,
                            alpha=0.35, lw=0, label=label("cal_band_nb", lang))
            for q in (0.025, 0.975):
                ax.step(days, count_band(ch.expected, math.inf, q), where="mid",
                        color="0.35", lw=0.8, ls="--",
                        label=label("cal_band_poisson", lang) if q < 0.5 else None)
            ax.step(days, ch.expected, where="mid", color=FIT_COLOR, lw=1.2,
                    label=label("cal_fitted_mean", lang))
            ax.plot(days, ch.daily_counts, "o-", color=LOG_COLOR, ms=2.4, lw=0.7,
                    label=label("cal_log", lang))
            for d in np.flatnonzero(~ordinary):
                ax.axvspan(d - 0.5, d + 0.5, color=SECOND_COLOR, alpha=0.18, lw=0)
            share = days_outside(ch, k)
            ax.set_title(f"{ch.id} · k {k:.3g} · "
                         f"{label('col_days_outside', lang)} {share:.0%}", fontsize=10)
            ax.set_ylabel(label("cal_daily_y", lang))
            ax.grid(True, alpha=0.3)
        handles, names = axes[0].get_legend_handles_labels()
        fig.suptitle(label("cal_daily_title", lang))
        fig.legend(handles, names, fontsize=8, ncols=4, loc="outside lower center")
        axes[-1].set_xlabel(label("cal_daily_x", lang))
    return fig


# -- durations ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class DurationPanel:
    """One fitted time in a grid of panels: its column title and whether it is pooled."""

    title: str
    fit: DurationFit | None
    pooled: bool = False


def _km(fit: DurationFit) -> tuple[np.ndarray, np.ndarray]:
    durations = np.concatenate([fit.observed_h, fit.censored_h])
    closed = np.concatenate([np.ones(len(fit.observed_h), bool),
                             np.zeros(len(fit.censored_h), bool)])
    return kaplan_meier(np.maximum(durations, 1.0 / 3600.0), closed)


def _range_h(fit: DurationFit) -> tuple[float, float]:
    x = np.maximum(fit.observed_h, 1.0 / 3600.0)
    return float(np.quantile(x, 0.005)) * 0.8, float(x.max()) * 1.25


def _ecdf_panel(ax: Axes, fit: DurationFit, lang: str) -> None:
    t, f = _km(fit)
    low, high = _range_h(fit)
    ax.step(np.concatenate([[low], t, [high]]), np.concatenate([[0.0], f, [f[-1]]]),
            where="post", color=LOG_COLOR, lw=1.3)
    grid = np.geomspace(low, high, 200)
    ax.plot(grid, fit.dist.cdf(grid), color=FIT_COLOR, lw=1.3)
    hour_axis(ax, low, high)
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.tick_params(labelsize=7)
    ax.grid(True, alpha=0.3)


def km_quantiles_of(fit: DurationFit, probs: np.ndarray) -> np.ndarray:
    """The log's quantiles of ``fit``'s data from its Kaplan–Meier curve (censoring kept)."""
    t, f = _km(fit)
    index = np.searchsorted(f, probs, side="left")
    return t[np.minimum(index, len(t) - 1)]


def _qq_panel(ax: Axes, fit: DurationFit, lang: str) -> None:
    _t, f = _km(fit)
    top = min(0.99, float(f[-1]) - 0.005)
    probs = np.linspace(0.01, max(top, 0.02), 80)
    observed = km_quantiles_of(fit, probs)
    fitted = fit.dist.ppf(probs)
    both = np.concatenate([observed, fitted])
    low, high = float(both.min()) * 0.8, float(both.max()) * 1.25
    ax.plot([low, high], [low, high], color="0.5", lw=0.8, ls=":")
    ax.plot(observed, fitted, "o", color=FIT_COLOR, ms=2.4)
    hour_axis(ax, low, high)
    hour_axis(ax, low, high, which="y")
    ax.tick_params(labelsize=7)
    ax.grid(True, alpha=0.3)


def duration_grid(rows: Sequence[tuple[str, Sequence[DurationPanel]]], what: str, *,
                  kind: str = "ecdf", lang: str = "en", save: PathLike | None = None) -> Figure:
    """Small multiples of fitted times, one row per ``rows`` entry (a category, or one row of
    channels): ``kind="ecdf"`` the Kaplan–Meier curve of the log against the fitted CDF,
    ``kind="qq"`` fitted against observed quantiles. Each panel names its family, n and KS."""
    if kind not in ("ecdf", "qq"):
        raise ValueError(f"kind must be 'ecdf' or 'qq', not {kind!r}")
    ncols = max(len(panels) for _, panels in rows)
    nrows = len(rows)
    with new_chart(lang, (max(2.75 * ncols + 0.8, 7.5), 2.15 * nrows + 0.7), save) as (fig, lang):
        axes = fig.subplots(nrows, ncols, squeeze=False)
        for r, (row_title, panels) in enumerate(rows):
            for c in range(ncols):
                ax = axes[r][c]
                panel = panels[c] if c < len(panels) else None
                if panel is None or panel.fit is None:
                    ax.set_axis_off()
                    continue
                fit = panel.fit
                (_ecdf_panel if kind == "ecdf" else _qq_panel)(ax, fit, lang)
                head = f"{row_title} · {panel.title}" if row_title else panel.title
                if panel.pooled:
                    head += f" ({label('cal_pooled', lang)})"
                ax.set_title(head, fontsize=8.5)
                ax.text(0.97 if kind == "qq" else 0.03, 0.05 if kind == "qq" else 0.93,
                        label("cal_panel", lang, family=label(f"fam_{fit.family}", lang),
                              n=f"{fit.n:,}", ks=f"{fit.ks:.3f}"),
                        transform=ax.transAxes, fontsize=7,
                        ha="right" if kind == "qq" else "left",
                        va="bottom" if kind == "qq" else "top",
                        bbox={"facecolor": "white", "alpha": 0.8, "lw": 0, "pad": 1.5})
        if kind == "ecdf":
            fig.supxlabel(label("cal_hours", lang), fontsize=9)
            fig.supylabel(label("cal_share_closed", lang), fontsize=9)
            fig.suptitle(label("cal_ecdf_title", lang, what=what))
        else:
            fig.supxlabel(label("cal_observed_h", lang), fontsize=9)
            fig.supylabel(label("cal_fitted_h", lang), fontsize=9)
            fig.suptitle(label("cal_qq_title", lang, what=what))
    return fig


def handling_rows(cal: Calibration, lang: str) -> list[tuple[str, list[DurationPanel]]]:
    """The category × tier handling fits as grid rows (tiers in ladder order)."""
    rows = []
    for c in cal.categories:
        panels = [DurationPanel(tier_label(t, lang), c.handling.get(t), t in c.pooled)
                  for t in cal.tiers]
        rows.append((c.id, panels))
    return rows


def delay_rows(cal: Calibration) -> list[tuple[str, list[DurationPanel]]]:
    """The receipt → dispatch fits, one panel per channel that has one."""
    panels = [DurationPanel(ch.id, ch.dispatch_delay) for ch in cal.channels
              if ch.dispatch_delay is not None]
    return [("", panels)] if panels else []


# -- satisfaction -------------------------------------------------------------------------------
def satisfaction_curve(cal: Calibration, late_h: np.ndarray, satisfied: np.ndarray, *,
                       lang: str = "en", bins: int = 12,
                       save: PathLike | None = None) -> Figure:
    """The log's satisfied share by lateness at close (up to 3 bins of early and ``bins`` of
    late orders, of equal size; Wilson 95 % intervals) against the fitted curve, as seen among
    orders not reopened."""
    fit = cal.satisfaction
    reopen = cal.reopen_p.value if cal.reopen_p is not None else 0.0
    with new_chart(lang, (7.5, 4.2), save) as (fig, lang):
        ax = fig.add_subplot()
        order = np.argsort(late_h, kind="stable")
        early = order[late_h[order] <= 0]
        late = order[late_h[order] > 0]
        chunks = [*np.array_split(early, min(3, max(1, len(early) // 30))),
                  *np.array_split(late, min(bins, max(1, len(late) // 30)))]
        for chunk in chunks:
            if len(chunk) == 0:
                continue
            e = proportion(int(satisfied[chunk].sum()), len(chunk))
            centre = float(np.median(late_h[chunk]))
            ax.errorbar([centre], [e.value], yerr=[[e.value - e.low], [e.high - e.value]], fmt="o",
                        color=LOG_COLOR, ms=4, capsize=2, lw=1)
        ax.plot([], [], "o", color=LOG_COLOR, label=label("cal_sat_bins", lang))
        if fit is not None:
            low = float(np.quantile(late_h, 0.01)) if len(late_h) else -24.0
            high = float(np.quantile(late_h, 0.999)) if len(late_h) else 24.0
            x = np.linspace(min(low, -1.0), max(high, 1.0), 400)
            p = np.where(x <= 0, fit.on_time.value, fit.floor.value + (
                fit.on_time.value - fit.floor.value) * np.exp(-np.maximum(x, 0.0)
                                                               / fit.scale_h.value))
            kept = p / (p + (1.0 - p) * (1.0 - reopen))
            ax.plot(x, kept, color=FIT_COLOR, lw=1.6, label=label("cal_sat_fit", lang))
        ax.axvline(0.0, color="0.5", lw=0.8, ls=":")
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel(label("cal_sat_x", lang))
        ax.set_ylabel(label("cal_sat_y", lang))
        ax.set_title(label("cal_sat_title", lang))
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8, loc="lower left")
    return fig


# -- back-test ----------------------------------------------------------------------------------
def _band(ax: Axes, band: Band, r: int, lang: str, step: bool = False,
          floor: float | None = None) -> None:
    """The band (clipped at ``floor``: a count is never negative), its mean and the log."""
    low = band.low if floor is None else np.maximum(band.low, floor)
    where = {"step": "mid"} if step else {}
    ax.fill_between(band.x, low, band.high, color=BAND_COLOR, alpha=0.4, lw=0,
                    label=label("bt_band", lang, r=r), **where)  # type: ignore[arg-type]
    ax.plot(band.x, band.mean, color=BAND_COLOR, lw=1.2, ls="--",
            label=label("bt_sim_mean", lang))
    ax.plot(band.x, band.observed, color=LOG_COLOR, lw=1.5, label=label("cal_log", lang))
    ax.grid(True, alpha=0.3)


def backtest_curves(result: Backtest, *, lang: str = "en",
                    save: PathLike | None = None) -> Figure:
    """The log's resolution-time curve, backlog and daily orders against the replications'
    95 % prediction bands."""
    with new_chart(lang, (11.0, 8.2), save) as (fig, lang):
        grid = fig.add_gridspec(2, 2)
        ax_res, ax_days = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
        ax_backlog = fig.add_subplot(grid[1, :])
        _band(ax_res, result.resolution, result.replications, lang)
        hour_axis(ax_res, float(result.resolution.x[0]), float(result.resolution.x[-1]))
        ax_res.set_ylim(0, 1.02)
        ax_res.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax_res.set_xlabel(label("bt_resolution_x", lang))
        ax_res.set_ylabel(label("bt_resolution_y", lang))
        ax_res.set_title(label("bt_resolution_title", lang), fontsize=10)
        ax_res.legend(fontsize=8, loc="upper left")
        _band(ax_days, result.arrivals, result.replications, lang, step=True, floor=0.0)
        ax_days.set_xlabel(label("bt_backlog_x", lang))
        ax_days.set_ylabel(label("bt_arrivals_y", lang))
        ax_days.set_title(label("bt_arrivals_title", lang), fontsize=10)
        backlog = result.backlog
        days = type(backlog)(backlog.x / 24.0, backlog.observed, backlog.low, backlog.mean,
                             backlog.high)
        _band(ax_backlog, days, result.replications, lang, floor=0.0)
        ax_backlog.set_xlabel(label("bt_backlog_x", lang))
        ax_backlog.set_ylabel(label("bt_backlog_y", lang))
        ax_backlog.set_title(label("bt_backlog_title", lang), fontsize=10)
        ax_backlog.legend(fontsize=8, loc="upper left")
    return fig
