"""Synthetic 12345 hotline / grid-platform work-order log, with its known true parameters.

The log is in the shape of a street-level export from a 12345 / grid-governance platform
(Chinese header, mixed time formats, a few broken rows), but every row is **synthetic**: no
real complaint, person or order is in it. It is test data for a calibration tool, which should
recover the true parameters written next to the log (``*.truth.json``). The generator is
written independently of govsim's model (plain numpy, pandas and the standard library).

The true process (time unit: hours, local Beijing time written without offset):

* three channels (12345热线, 网格巡查, 视频监控), each a non-homogeneous Poisson process:
  the count on day d is Poisson(mean_per_day x weekday_factor x G_d x holiday_factor), with
  G_d ~ Gamma(k, 1/k) (shared by hotline and patrol, k = 8; its own for sensor, k = 30), and
  the times of day follow a piecewise-constant hour-of-day profile;
* a category (fixed shares), a handling tier given the category (grid / community / street /
  department), a grid uniform over 30 grids of two streets;
* receipt -> dispatch: lognormal (hotline, sensor) or 0 (patrol); dispatch -> close: a pure
  delay per (category, tier), lognormal, gamma or Weibull; Poisson returns, each adding a
  lognormal delay; a deadline per category;
* satisfaction at the first close (0.95 if on time, decaying with lateness otherwise), an
  unsatisfied order reopened with probability 0.3 (a second delay of the same law);
* the log is cut at start + days: orders still open then have blank close fields.

Regenerate (byte-identical for the same arguments)::

    .venv/bin/python examples/logs/synthesize.py --seed 2025 --days 91 \\
        --out examples/logs/street_2025q1.csv
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

# ---------------------------------------------------------------------------------------------
# The true parameters
# ---------------------------------------------------------------------------------------------

COLUMNS: list[tuple[str, str]] = [
    ("工单编号", "order_id"),
    ("受理时间", "received_at"),
    ("派单时间", "dispatched_at"),
    ("办结时间", "closed_at"),
    ("要求办结时间", "due_at"),
    ("诉求渠道", "channel"),
    ("诉求类别", "category"),
    ("街道", "street"),
    ("社区", "community"),
    ("网格", "grid"),
    ("承办单位", "handling_unit"),
    ("退单次数", "returns"),
    ("是否重办", "reopened"),
    ("满意度", "satisfaction"),
]
HEADER = [zh for zh, _ in COLUMNS]
TIME_COLUMNS = ["受理时间", "派单时间", "办结时间", "要求办结时间"]
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

HOTLINE_HOURS = [0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.2, 2.5, 3.6, 3.8, 3.4,
                 2.2, 2.6, 3.4, 3.6, 3.4, 2.8, 2.0, 1.6, 1.2, 0.8, 0.5, 0.3]
PATROL_HOURS = [0.0] * 7 + [1.0, 2.0, 2.6, 2.6, 2.2, 1.2, 1.4, 2.4, 2.6, 2.4, 1.8,
                            1.2, 1.0, 0.8, 0.4, 0.0, 0.0]
# fraction of each clock hour in which arrivals can fall (patrol: 21:00-21:30 only)
PATROL_SPAN = [1.0] * 21 + [0.5, 1.0, 1.0]

CHANNELS: dict[str, dict[str, Any]] = {
    "hotline": {"label": "12345热线", "mean_per_day": 95.0, "hour_weights": HOTLINE_HOURS,
                "hour_span": [1.0] * 24, "weekday_raw": [1.2] * 5 + [0.6, 0.4],
                "day_effect": "shared"},
    "patrol": {"label": "网格巡查", "mean_per_day": 60.0, "hour_weights": PATROL_HOURS,
               "hour_span": PATROL_SPAN, "weekday_raw": [1.0] * 6 + [0.7],
               "day_effect": "shared"},
    "sensor": {"label": "视频监控", "mean_per_day": 15.0, "hour_weights": [1.0] * 24,
               "hour_span": [1.0] * 24, "weekday_raw": [1.0] * 7, "day_effect": "sensor"},
}
DAY_EFFECTS = {"shared": 8.0, "sensor": 30.0}  # Gamma shape k (scale 1/k, mean 1)
HOLIDAYS = {"2025-04-04": "清明节", "2025-05-01": "劳动节", "2025-05-02": "劳动节",
            "2025-05-03": "劳动节", "2025-05-04": "劳动节", "2025-05-05": "劳动节"}
HOLIDAY_FACTOR = 0.5

CATEGORY_SHARES = {"市容环境": 0.28, "噪音扰民": 0.14, "物业管理": 0.20, "道路交通": 0.12,
                   "违章建设": 0.08, "市场监管": 0.10, "其他": 0.08}
DEADLINE_H = {"市容环境": 24.0, "噪音扰民": 24.0, "物业管理": 168.0, "道路交通": 72.0,
              "违章建设": 360.0, "市场监管": 168.0, "其他": 168.0}
DEPARTMENT = {"市容环境": "区城管委", "噪音扰民": "区生态环境局", "物业管理": "区住建委",
              "道路交通": "区交通委", "违章建设": "区城管委", "市场监管": "区市场监管局",
              "其他": "区城管委"}
TIERS = ["grid", "community", "street", "department"]
TIER_PROBS = {
    "市容环境": {"grid": 0.6, "street": 0.3, "department": 0.1},
    "噪音扰民": {"grid": 0.3, "community": 0.3, "street": 0.3, "department": 0.1},
    "物业管理": {"community": 0.6, "street": 0.3, "department": 0.1},
    "道路交通": {"street": 0.4, "department": 0.6},
    "违章建设": {"street": 0.3, "department": 0.7},
    "市场监管": {"department": 1.0},
    "其他": {"grid": 0.4, "community": 0.3, "street": 0.3},
}
# dispatch -> close, per (category, tier): (family, mean in hours, coefficient of variation)
CLOSE_DELAY: dict[str, dict[str, tuple[str, float, float]]] = {
    "市容环境": {"grid": ("lognormal", 2.0, 0.8), "street": ("lognormal", 12.0, 1.0),
                 "department": ("lognormal", 48.0, 1.2)},
    "噪音扰民": {"grid": ("lognormal", 3.0, 0.9), "community": ("lognormal", 6.0, 1.0),
                 "street": ("lognormal", 10.0, 1.1), "department": ("lognormal", 36.0, 1.3)},
    "物业管理": {"community": ("gamma", 24.0, 0.7), "street": ("gamma", 48.0, 0.8),
                 "department": ("gamma", 120.0, 0.9)},
    "道路交通": {"street": ("lognormal", 24.0, 1.0), "department": ("lognormal", 96.0, 1.2)},
    "违章建设": {"street": ("weibull", 72.0, 0.7), "department": ("weibull", 240.0, 0.8)},
    "市场监管": {"department": ("weibull", 72.0, 0.9)},
    "其他": {"grid": ("lognormal", 4.0, 1.0), "community": ("lognormal", 12.0, 1.1),
             "street": ("lognormal", 24.0, 1.5)},
}
DISPATCH_DELAY = {"hotline": ("lognormal", 0.4, 1.2), "sensor": ("lognormal", 0.25, 1.0)}
RETURN_MEAN = {"hotline": 0.07, "patrol": 0.0, "sensor": 0.07}
RETURN_DELAY = ("lognormal", 6.0, 0.8)
REOPEN_PROB = 0.3
P_SAT_ON_TIME, P_SAT_FLOOR, SAT_DECAY_H = 0.95, 0.3, 72.0
P_FULLY_SATISFIED = 0.8  # among satisfied: 满意 (else 基本满意)
P_UNRATED = 0.1

STREETS = {
    "东华门街道": ("DH", ["多福巷社区", "南池子社区", "韶九社区"]),
    "景山街道": ("JS", ["景山东街社区", "吉祥社区", "黄化门社区"]),
}
GRIDS_PER_COMMUNITY = 5

TIME_FORMATS = {"iso": 0.7, "slash": 0.2, "chinese": 0.1}
BAD_SHARE = 0.005
BAD_KINDS = ["received_pending", "closed_before_received", "category_empty",
             "channel_unknown", "duplicate_id"]
N_STRAY_SPACES = 24
STRAY_COLUMNS = ["诉求渠道", "诉求类别", "街道", "社区", "承办单位"]


# ---------------------------------------------------------------------------------------------
# Distributions
# ---------------------------------------------------------------------------------------------

def weibull_shape(cv: float) -> float:
    """The Weibull shape k whose coefficient of variation is ``cv`` (bisection)."""
    def cv_of(k: float) -> float:
        g1, g2 = math.gamma(1 + 1 / k), math.gamma(1 + 2 / k)
        return math.sqrt(g2 / g1**2 - 1)

    lo, hi = 0.2, 20.0  # cv_of decreases in k
    for _ in range(200):
        mid = (lo + hi) / 2
        if cv_of(mid) > cv:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def dist_spec(family: str, mean: float, cv: float) -> dict[str, Any]:
    """A distribution of the given mean and cv, with its parameters, for truth.json."""
    spec: dict[str, Any] = {"family": family, "mean_h": mean, "cv": cv}
    if family == "lognormal":
        sigma = math.sqrt(math.log1p(cv**2))
        mu = math.log(mean) - sigma**2 / 2
        spec["params"] = {"mu": mu, "sigma": sigma}
        spec["scipy"] = "scipy.stats.lognorm(s=sigma, scale=exp(mu))"
    elif family == "gamma":
        spec["params"] = {"shape": 1 / cv**2, "scale": mean * cv**2}
        spec["scipy"] = "scipy.stats.gamma(a=shape, scale=scale)"
    elif family == "weibull":
        k = weibull_shape(cv)
        spec["params"] = {"shape": k, "scale": mean / math.gamma(1 + 1 / k)}
        spec["scipy"] = "scipy.stats.weibull_min(c=shape, scale=scale)"
    else:
        raise ValueError(family)
    return spec


def draw(rng: np.random.Generator, spec: dict[str, Any], n: int) -> np.ndarray:
    """``n`` draws (hours) from a distribution made by :func:`dist_spec`."""
    p = spec["params"]
    if spec["family"] == "lognormal":
        return rng.lognormal(p["mu"], p["sigma"], n)
    if spec["family"] == "gamma":
        return rng.gamma(p["shape"], p["scale"], n)
    return p["scale"] * rng.weibull(p["shape"], n)


# ---------------------------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------------------------

def fmt_time(t: dt.datetime, style: str) -> str:
    """A timestamp in one of the export's formats (minute formats truncate the seconds)."""
    if style == "iso":
        return t.strftime("%Y-%m-%d %H:%M:%S")
    if style == "slash":
        return f"{t.year}/{t.month}/{t.day} {t.hour}:{t.minute:02d}"
    return f"{t.year}年{t.month}月{t.day}日 {t.hour:02d}:{t.minute:02d}"


def pad_spaces(value: str, code: int) -> str:
    """``value`` with stray spaces around it (code 0..8: leading and trailing counts)."""
    lead, trail = code // 3, code % 3
    if lead == trail == 0:
        lead, trail = 2, 1
    return " " * lead + value + " " * trail


# ---------------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------------

def build_truth(seed: int, days: int, start: str) -> dict[str, Any]:
    """The true parameters (everything but what the draws realised)."""
    t0 = dt.datetime.fromisoformat(start)
    end = t0 + dt.timedelta(days=days)
    channels: dict[str, Any] = {}
    for name, c in CHANNELS.items():
        w = np.asarray(c["weekday_raw"], dtype=float)
        h = np.asarray(c["hour_weights"], dtype=float)
        k = DAY_EFFECTS[c["day_effect"]]
        channels[name] = {
            "label": c["label"],
            "mean_per_day": c["mean_per_day"],
            "weekday_factor": dict(zip(WEEKDAYS, (w / w.mean()).tolist(), strict=True)),
            "weekday_factor_raw": dict(zip(WEEKDAYS, w.tolist(), strict=True)),
            "hour_weights_raw": h.tolist(),
            "hour_share": (h / h.sum()).tolist(),
            "hour_span": list(c["hour_span"]),
            "day_effect": {"group": c["day_effect"], "gamma_shape_k": k,
                           "gamma_scale": 1 / k},
        }
    dispatch = {ch: dist_spec(*DISPATCH_DELAY[ch]) for ch in DISPATCH_DELAY}
    dispatch["patrol"] = {"family": "zero", "value_h": 0.0,
                          "note": "found and dispatched at once: 派单时间 = 受理时间"}
    geography = {}
    for street, (code, comms) in STREETS.items():
        geography[street] = {
            comm: [f"{code}-{i * GRIDS_PER_COMMUNITY + j + 1:02d}"
                   for j in range(GRIDS_PER_COMMUNITY)]
            for i, comm in enumerate(comms)
        }
    return {
        "description": "True parameters of a synthetic 12345 / grid-platform work-order log "
                       "(no real data). Written by examples/logs/synthesize.py.",
        "generator": {
            "script": "examples/logs/synthesize.py", "seed": seed, "days": days,
            "start": t0.isoformat(sep=" "), "end": end.isoformat(sep=" "),
            "timezone": "Asia/Shanghai (timestamps written without offset)",
            "time_unit": "h",
            "command": f"python examples/logs/synthesize.py --seed {seed} --days {days} "
                       f"--start {start} --out <csv>",
        },
        "parameterisation": {
            "lognormal": "log X ~ Normal(mu, sigma); sigma = sqrt(ln(1 + cv^2)), "
                         "mu = ln(mean) - sigma^2 / 2; scipy.stats.lognorm(s=sigma, "
                         "scale=exp(mu))",
            "gamma": "shape = 1 / cv^2, scale = mean * cv^2 (hours); "
                     "scipy.stats.gamma(a=shape, scale=scale)",
            "weibull": "F(x) = 1 - exp(-(x / scale)^shape); mean = scale * Gamma(1 + 1/shape); "
                       "scipy.stats.weibull_min(c=shape, scale=scale)",
            "day_effect": "G_d ~ Gamma(shape=k, scale=1/k): mean 1, variance 1/k; "
                          "scipy.stats.gamma(a=k, scale=1/k)",
            "mean_h, cv, value_h": "hours; cv = standard deviation / mean",
        },
        "columns": {zh: en for zh, en in COLUMNS},
        "arrivals": {
            "model": "count of channel c on day d ~ Poisson(mean_per_day[c] * "
                     "weekday_factor[c][weekday(d)] * G_d * holiday_factor(d)); times of day "
                     "i.i.d.: clock hour h with probability hour_share[c][h], then uniform on "
                     "[h, h + hour_span[c][h]) hours",
            "units": {"mean_per_day": "orders/day (mean over a week, G = 1, no holiday)",
                      "hour_share": "fraction of a day's arrivals in clock hour h (sums to 1)",
                      "hour_span": "fraction of hour h that can hold arrivals (from its start)",
                      "weekday_factor": "normalised to mean 1 over Mon..Sun"},
            "channels": channels,
            "day_effect_groups": {
                "shared": {"channels": ["hotline", "patrol"], "gamma_shape_k": 8.0,
                           "gamma_scale": 1 / 8.0, "note": "one G_d per day for both"},
                "sensor": {"channels": ["sensor"], "gamma_shape_k": 30.0,
                           "gamma_scale": 1 / 30.0, "note": "independent of the shared G_d"},
            },
            "holidays": {"dates": HOLIDAYS, "rate_factor": HOLIDAY_FACTOR,
                         "note": "make-up working days (调休) are not modelled"},
        },
        "categories": {
            "shares": CATEGORY_SHARES,
            "note": "the same shares for every channel",
            "deadline_h": DEADLINE_H,
            "department": DEPARTMENT,
        },
        "tiers": {
            "probabilities": {cat: {t: p.get(t, 0.0) for t in TIERS}
                              for cat, p in TIER_PROBS.items()},
            "handling_unit": {"grid": "网格员(<grid id>)", "community": "<community name>",
                              "street": "<street name>综合执法队",
                              "department": "categories.department[category]"},
        },
        "dispatch_delay": dispatch,
        "close_delay": {
            "model": "办结时间 - 派单时间 = D1 + (sum of the return delays) "
                     "+ (D2 if reopened), D1, D2 i.i.d. from close_delay[category][tier]; "
                     "pure delays, no queues",
            "by_category_tier": {cat: {tier: dist_spec(*spec) for tier, spec in tiers.items()}
                                 for cat, tiers in CLOSE_DELAY.items()},
        },
        "returns": {
            "count": "退单次数 ~ Poisson(mean_per_order[channel])",
            "mean_per_order": RETURN_MEAN,
            "delay_per_return": dist_spec(*RETURN_DELAY),
            "note": "every return adds its delay before the close; the count is written for "
                    "every dispatched order (open ones too), 0 for orders not yet dispatched",
        },
        "satisfaction": {
            "evaluated_at": "the first close C1 = dispatch + D1 + return delays",
            "p_satisfied_on_time": P_SAT_ON_TIME,
            "p_satisfied_late": "p_floor + (p_on_time - p_floor) * exp(-late_h / decay_h), "
                                "late_h = C1 - 要求办结时间",
            "p_floor": P_SAT_FLOOR, "decay_h": SAT_DECAY_H,
            "labels": {"satisfied": {"满意": P_FULLY_SATISFIED,
                                     "基本满意": 1 - P_FULLY_SATISFIED},
                       "not_satisfied": "不满意"},
            "p_unrated": P_UNRATED,
            "unrated_note": "未评价 replaces the label of a closed order with this "
                            "probability, drawn independently after the reopen decision",
        },
        "reopen": {
            "p_if_not_satisfied": REOPEN_PROB,
            "delay": "a second draw D2 of close_delay[category][tier] added to the close time "
                     "(办结时间 = C1 + D2); 满意度 shows the evaluation at C1 (不满意 or 未评价)",
        },
        "geography": {"streets": geography,
                      "grid_choice": "uniform over the 30 grids; 街道, 社区 follow from it"},
        "censoring": {
            "end": end.isoformat(sep=" "),
            "rule": "an order whose (final) close time is after end has 办结时间, 满意度, "
                    "是否重办 blank; 派单时间 blank too if dispatched after end",
        },
    }


def synthesize(seed: int = 2025, days: int = 91,
               start: str = "2025-03-03") -> tuple[pd.DataFrame, dict[str, Any]]:
    """The log (strings, as written to CSV, Chinese header) and the truth (JSON-able)."""
    truth = build_truth(seed, days, start)
    rng = np.random.default_rng(seed)
    t0 = dt.datetime.fromisoformat(start)
    end_s = days * 86400
    dates = [t0 + dt.timedelta(days=d) for d in range(days)]
    holiday = np.array([HOLIDAY_FACTOR if d.strftime("%Y-%m-%d") in HOLIDAYS else 1.0
                        for d in dates])
    weekday = np.array([d.weekday() for d in dates])

    # -- arrivals -------------------------------------------------------------------------
    g = {grp: rng.gamma(k, 1 / k, days) for grp, k in DAY_EFFECTS.items()}
    times, chan = [], []
    counts: dict[str, list[int]] = {}
    expected: dict[str, float] = {}
    for ci, (name, c) in enumerate(CHANNELS.items()):
        w = np.asarray(c["weekday_raw"], dtype=float)
        w = w / w.mean()
        lam = c["mean_per_day"] * w[weekday] * holiday
        expected[name] = float(lam.mean())
        n_day = rng.poisson(lam * g[c["day_effect"]])
        counts[name] = n_day.tolist()
        n = int(n_day.sum())
        hw = np.asarray(c["hour_weights"], dtype=float)
        hour = rng.choice(24, size=n, p=hw / hw.sum())
        pos = rng.random(n) * np.asarray(c["hour_span"])[hour]
        day = np.repeat(np.arange(days), n_day)
        times.append(day * 24.0 + hour + pos)
        chan.append(np.full(n, ci))
    t_arr = np.concatenate(times)
    ch = np.concatenate(chan)
    order = np.argsort(t_arr, kind="stable")
    t_arr, ch = t_arr[order], ch[order]
    n = len(t_arr)
    ch_names = list(CHANNELS)

    # -- attributes -------------------------------------------------------------------------
    cats = list(CATEGORY_SHARES)
    cat = rng.choice(len(cats), size=n, p=np.array(list(CATEGORY_SHARES.values())))
    tier = np.empty(n, dtype=int)
    u_tier = rng.random(n)
    for ci, cname in enumerate(cats):
        probs = np.array([TIER_PROBS[cname].get(t, 0.0) for t in TIERS])
        idx = cat == ci
        tier[idx] = np.minimum(np.searchsorted(np.cumsum(probs), u_tier[idx], side="right"),
                               len(TIERS) - 1)
    grids = [(street, comm, gid) for street, comms in truth["geography"]["streets"].items()
             for comm, gids in comms.items() for gid in gids]
    grid = rng.integers(0, len(grids), n)

    # -- delays (hours) -------------------------------------------------------------------
    d_disp = np.zeros(n)
    for ci, name in enumerate(ch_names):
        if name in DISPATCH_DELAY:
            idx = np.flatnonzero(ch == ci)
            d_disp[idx] = draw(rng, truth["dispatch_delay"][name], len(idx))
    d1, d2 = np.zeros(n), np.zeros(n)
    specs = truth["close_delay"]["by_category_tier"]
    for ci, cname in enumerate(cats):
        for ti, tname in enumerate(TIERS):
            if tname not in specs[cname]:
                continue
            idx = np.flatnonzero((cat == ci) & (tier == ti))
            d1[idx] = draw(rng, specs[cname][tname], len(idx))
            d2[idx] = draw(rng, specs[cname][tname], len(idx))
    n_ret = rng.poisson(np.array([RETURN_MEAN[c] for c in ch_names])[ch])
    ret_draws = draw(rng, truth["returns"]["delay_per_return"], int(n_ret.sum()))
    d_ret = np.bincount(np.repeat(np.arange(n), n_ret), weights=ret_draws, minlength=n)

    # -- times in whole seconds ---------------------------------------------------------------
    rec_s = np.floor(t_arr * 3600).astype(np.int64)
    disp_s = rec_s + np.round(d_disp * 3600).astype(np.int64)
    c1_s = disp_s + np.round((d1 + d_ret) * 3600).astype(np.int64)
    due_s = rec_s + (np.array([DEADLINE_H[c] for c in cats])[cat] * 3600).astype(np.int64)

    # -- satisfaction and reopen ----------------------------------------------------------
    late_h = np.maximum(c1_s - due_s, 0) / 3600
    p_sat = np.where(c1_s <= due_s, P_SAT_ON_TIME,
                     P_SAT_FLOOR + (P_SAT_ON_TIME - P_SAT_FLOOR) * np.exp(-late_h / SAT_DECAY_H))
    satisfied = rng.random(n) < p_sat
    fully = rng.random(n) < P_FULLY_SATISFIED
    reopened = ~satisfied & (rng.random(n) < REOPEN_PROB)
    unrated = rng.random(n) < P_UNRATED
    close_s = c1_s + np.where(reopened, np.round(d2 * 3600).astype(np.int64), 0)
    closed = close_s <= end_s
    dispatched = disp_s <= end_s
    sat_label = np.where(satisfied, np.where(fully, "满意", "基本满意"), "不满意")
    sat_label = np.where(unrated, "未评价", sat_label)

    # -- rows -----------------------------------------------------------------------------
    styles = list(TIME_FORMATS)
    style = rng.choice(len(styles), size=(n, 4), p=np.array(list(TIME_FORMATS.values())))

    def stamp(sec: int) -> dt.datetime:
        return t0 + dt.timedelta(seconds=int(sec))

    day_seq: dict[str, int] = {}
    rows: list[list[str]] = []
    for i in range(n):
        r = stamp(rec_s[i])
        key = r.strftime("%Y%m%d")
        day_seq[key] = day_seq.get(key, 0) + 1
        street, comm, gid = grids[grid[i]]
        cname, tname = cats[cat[i]], TIERS[tier[i]]
        unit = {"grid": f"网格员({gid})", "community": comm, "street": f"{street}综合执法队",
                "department": DEPARTMENT[cname]}[tname]
        rows.append([
            f"GD{key}-{day_seq[key]:06d}",
            fmt_time(r, styles[style[i, 0]]),
            fmt_time(stamp(disp_s[i]), styles[style[i, 1]]) if dispatched[i] else "",
            fmt_time(stamp(close_s[i]), styles[style[i, 2]]) if closed[i] else "",
            fmt_time(stamp(due_s[i]), styles[style[i, 3]]),
            CHANNELS[ch_names[ch[i]]]["label"], cname, street, comm, gid, unit,
            str(int(n_ret[i])) if dispatched[i] else "0",
            ("是" if reopened[i] else "否") if closed[i] else "",
            str(sat_label[i]) if closed[i] else "",
        ])
    ids = [row[0] for row in rows]

    # -- messy: bad rows (one kind each) and stray spaces ------------------------------------
    n_bad = round(BAD_SHARE * n)
    kind_of = [BAD_KINDS[j % len(BAD_KINDS)] for j in range(n_bad)]
    perm = rng.permutation(n)
    closed_pool = [int(i) for i in perm if closed[i]]
    taken: set[int] = set()
    bad: dict[str, list[int]] = {k: [] for k in BAD_KINDS}
    for kind in kind_of:
        pool = closed_pool if kind == "closed_before_received" else perm
        i = next(int(j) for j in pool if int(j) not in taken)
        taken.add(i)
        bad[kind].append(i)
    back_h = rng.uniform(1.0, 72.0, len(bad["closed_before_received"]))
    col = {name: j for j, name in enumerate(HEADER)}
    for i in bad["received_pending"]:
        rows[i][col["受理时间"]] = "待补录"
    for i, h in zip(bad["closed_before_received"], back_h, strict=True):
        wrong = stamp(rec_s[i] - round(h * 3600))
        rows[i][col["办结时间"]] = fmt_time(wrong, styles[style[i, 2]])
    for i in bad["category_empty"]:
        rows[i][col["诉求类别"]] = ""
    for i in bad["channel_unknown"]:
        rows[i][col["诉求渠道"]] = "微信公众号"
    clean = [int(j) for j in perm if int(j) not in taken]
    stray_rows = sorted(clean[:N_STRAY_SPACES])
    stray_cols = rng.integers(0, len(STRAY_COLUMNS), len(stray_rows))
    stray_code = rng.integers(0, 9, len(stray_rows))
    stray = []
    for i, cj, code in zip(stray_rows, stray_cols, stray_code, strict=True):
        cname = STRAY_COLUMNS[cj]
        rows[i][col[cname]] = pad_spaces(rows[i][col[cname]], int(code))
        stray.append({"order_id": ids[i], "column": cname, "written": rows[i][col[cname]]})
    dup = set(bad["duplicate_id"])
    out_rows: list[list[str]] = []
    for i, row in enumerate(rows):
        out_rows.append(row)
        if i in dup:
            out_rows.append(list(row))
    df = pd.DataFrame(out_rows, columns=HEADER, dtype=str)

    # -- what was realised ----------------------------------------------------------------
    fmt_counts = {c: {s: 0 for s in styles} for c in TIME_COLUMNS}
    for i in range(n):
        written = [rows[i][col[tc]] not in ("", "待补录") for tc in TIME_COLUMNS]
        for j, tc in enumerate(TIME_COLUMNS):
            if written[j]:
                fmt_counts[tc][styles[style[i, j]]] += 1
    last14 = rec_s >= end_s - 14 * 86400
    truth["realised"] = {
        "rows": len(df), "orders": n, "note": "rows = orders + duplicate rows",
        "orders_by_channel": {name: int((ch == ci).sum()) for ci, name in enumerate(ch_names)},
        "expected_orders_per_day_over_log": expected,
        "realised_orders_per_day": {name: int((ch == ci).sum()) / days
                                    for ci, name in enumerate(ch_names)},
        "daily_counts": {"dates": [d.strftime("%Y-%m-%d") for d in dates], **counts},
        "day_effect_G": {grp: [round(float(x), 6) for x in v] for grp, v in g.items()},
        "orders_by_category": {c: int((cat == ci).sum()) for ci, c in enumerate(cats)},
        "open_at_end": int((~closed).sum()),
        "open_at_end_received_in_last_14_days": int((~closed & last14).sum()),
        "not_dispatched_at_end": int((~dispatched).sum()),
        "returns_total": int(n_ret.sum()),
        "reopened": int(reopened.sum()),
        "reopened_and_closed": int((reopened & closed).sum()),
        "closed_late": int((closed & (close_s > due_s)).sum()),
        "note_counts": "over generated orders (duplicates not counted), before the bad cells",
    }
    truth["messy"] = {
        "time_formats": {
            "styles": {"iso": "2025-03-04 09:15:22", "slash": "2025/3/4 9:15",
                       "chinese": "2025年3月4日 09:15"},
            "probabilities": TIME_FORMATS,
            "rule": "drawn independently per row and column; the minute formats truncate "
                    "the seconds (a time moves back by 0-59 s, so e.g. a patrol 派单时间 can "
                    "read up to 59 s before its 受理时间)",
            "counts_by_column": fmt_counts,
        },
        "bad_rows": {
            "share_of_orders": BAD_SHARE,
            "count": n_bad,
            "kinds": {
                "received_pending": "受理时间 is '待补录'",
                "closed_before_received": "办结时间 set 1-72 h before 受理时间",
                "category_empty": "诉求类别 empty",
                "channel_unknown": "诉求渠道 is the unknown value '微信公众号'",
                "duplicate_id": "the row is repeated right after itself (same 工单编号, "
                                "same cells); the second copy is the bad row",
            },
            "order_ids": {k: sorted(ids[i] for i in v) for k, v in bad.items()},
            "counts": {k: len(v) for k, v in bad.items()},
        },
        "stray_spaces": {"count": len(stray), "cells": stray,
                         "note": "leading/trailing ASCII spaces; never in a bad row"},
    }
    return df, truth


def write(df: pd.DataFrame, truth: dict[str, Any], out: Path) -> Path:
    """Write the CSV (utf-8-sig) and ``<stem>.truth.json`` next to it; return the JSON path."""
    out.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(out, index=False, encoding="utf-8-sig", lineterminator="\n")
    truth_path = out.with_name(out.stem + ".truth.json")
    truth_path.write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n",
                          encoding="utf-8")
    return truth_path


def main(argv: list[str] | None = None) -> None:
    """Command line: write the log and its truth."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--days", type=int, default=91)
    ap.add_argument("--start", default="2025-03-03", help="first day (YYYY-MM-DD), 00:00")
    ap.add_argument("--out", type=Path,
                    default=Path(__file__).resolve().parent / "street_2025q1.csv")
    args = ap.parse_args(argv)
    df, truth = synthesize(args.seed, args.days, args.start)
    truth_path = write(df, truth, args.out)
    r = truth["realised"]
    print(f"{args.out}: {r['rows']} rows ({r['orders']} orders, {r['open_at_end']} open at the "
          f"end, {truth['messy']['bad_rows']['count']} bad rows); truth: {truth_path}")


if __name__ == "__main__":
    main()
