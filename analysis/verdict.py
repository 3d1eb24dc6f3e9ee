"""The verdict: each policy against the baseline, as a table and as plain sentences.

A committee reads "algorithmic+whistle cuts p90 resolution time by 31 % (95 % CI 27–35 %) but
raises department hours by 12 %", not a t statistic. Rates change by percentage points (a
relative change of a rate confuses), amounts by per cent of the baseline (Fieller interval),
and amounts whose baseline is zero (no whistles without the whistle policy) by their absolute
values. Nothing is claimed that the paired interval does not support.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from analysis.labels import label, policy_name
from analysis.metrics import VERDICT_METRICS, metric_info
from analysis.stats import MIN_REPLICATIONS, compare_paired

_UNIT_SUFFIX = re.compile(r"\s*[（(][^（()）]*[)）]\s*$")


def indicator_name(metric: str, lang: str) -> str:
    """A metric's label without its unit suffix, for use inside a sentence."""
    return _UNIT_SUFFIX.sub("", label(metric, lang))


def _num(x: float) -> str:
    """Short, readable numbers: two significant figures below 1, one decimal below 10,
    whole numbers (with thousands separators) above."""
    if not math.isfinite(x):
        return "–"
    if x == 0:
        return "0"
    if abs(x) < 1:
        return f"{x:.2g}"
    return f"{x:.1f}" if abs(x) < 10 else f"{x:,.0f}"


def format_value(metric: str, value: float, lang: str) -> str:
    """A metric value with its unit: rates as %, hours with h."""
    kind = metric_info(metric).kind
    if not math.isfinite(value):
        return "–"
    if kind == "rate":
        return f"{_num(100 * value)} %"
    if kind == "hours":
        return f"{_num(value)} {label('unit_h', lang)}"
    return _num(value)


def format_range(metric: str, low: float, high: float, lang: str) -> str:
    """A confidence interval with the unit once: ``12–14 h``, ``81–84 %``."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return "–"
    kind = metric_info(metric).kind
    scale = 100.0 if kind == "rate" else 1.0
    unit = " %" if kind == "rate" else (f" {label('unit_h', lang)}" if kind == "hours" else "")
    return f"{_num(scale * low)}–{_num(scale * high)}{unit}"


_HAN_LATIN = re.compile(r"(?<=[\u4e00-\u9fff])(?=[A-Za-z0-9])|(?<=[A-Za-z0-9])(?=[\u4e00-\u9fff])")


_HAN_SPACE_HAN = re.compile(r"(?<=[\u4e00-\u9fff]) +(?=[\u4e00-\u9fff])")


def space_mixed(text: str) -> str:
    """Put a space between Han characters and Latin letters or digits (p90 降低, not p90降低),
    and none between two Han characters (与人工派单相比, where a template spaced a name that
    turned out Chinese), as Chinese typesetting of mixed text does."""
    return _HAN_LATIN.sub(" ", _HAN_SPACE_HAN.sub("", text))


def _style(row: pd.Series) -> str:
    """How a change is expressed: ``pp`` for rates, ``rel`` for amounts with a usable ratio
    interval, ``abs`` when the baseline is zero or its ratio cannot be bounded."""
    if metric_info(row["metric"]).kind == "rate":
        return "pp"
    finite = math.isfinite(row["ratio_ci_low"]) and math.isfinite(row["ratio_ci_high"])
    return "rel" if row["baseline_mean"] != 0 and finite else "abs"


#: A count-based indicator (flare-ups per 1,000 cases) whose baseline or policy saw fewer
#: events than this over all replications gets no ratio: its interval would be noise.
MIN_EVENTS = 20

#: Indicators that count events per N cases of ``n_arrived``, and their N.
_PER_CASES: dict[str, float] = {"flareups_per_1000": 1000.0, "whistles_per_100": 100.0,
                                "preemptions_per_100": 100.0}


def _events(summary: pd.DataFrame, policy: str, metric: str) -> float:
    """Events behind a per-N-cases indicator over all replications of one policy."""
    rows = summary[summary["policy"].astype(str) == policy]
    return float((rows[metric] * rows["n_arrived"] / _PER_CASES[metric]).sum())


#: Assessments that have a badge of their own (label key = assessment).
BADGES: tuple[str, ...] = ("better", "worse", "changed", "too_few", "identical",
                           "too_few_events", "none_either")


@dataclass(frozen=True)
class Mechanism:
    """A policy part that acts only on some cases, and how summary.csv shows it did not act.

    A policy can differ from the baseline in dispatch and yet have one of its mechanisms idle
    (a whistle policy in a street where nothing reaches a department); the verdict says so
    instead of letting a reader credit or blame the idle part.
    """

    part: str  # the label part (``whistle`` of ``manual+whistle``)
    metric: str  # summary column that is 0 (or empty) in every replication when idle
    label_key: str  # sentence saying why it had nothing to act on


#: Mechanisms whose idleness summary.csv shows.
MECHANISMS: tuple[Mechanism, ...] = (
    Mechanism("whistle", "whistles_per_100", "idle_whistle"),
    Mechanism("risk_priority", "mean_wait_high_risk_h", "idle_risk_priority"),
)


def idle_mechanisms(summary: pd.DataFrame, policy: str) -> list[Mechanism]:
    """The mechanisms of ``policy``'s label that did nothing in any of its replications."""
    parts = {part.strip() for part in policy.split("+")}
    rows = summary[summary["policy"].astype(str) == policy]
    idle = []
    for mechanism in MECHANISMS:
        if mechanism.part not in parts or mechanism.metric not in rows.columns or rows.empty:
            continue
        values = pd.to_numeric(rows[mechanism.metric], errors="coerce").fillna(0.0)
        if (values == 0).all():
            idle.append(mechanism)
    return idle


def _zero_in_both(summary: pd.DataFrame, baseline: str, policy: str, metric: str) -> bool:
    """Zero (or undefined) in every replication of both policies: nothing there to compare."""
    rows = summary[summary["policy"].astype(str).isin([baseline, policy])]
    values = pd.to_numeric(rows[metric], errors="coerce").fillna(0.0)
    return bool(len(values)) and bool((values == 0).all())


def badge_key(assessment: str) -> str:
    """The label key of an assessment's badge; anything else reads "cannot tell apart"."""
    return assessment if assessment in BADGES else "no_difference"


def _is_identical(row: pd.Series) -> bool:
    """Equal in every replication: the paired difference and its interval are exactly 0."""
    return bool(row["n"] >= 2 and row["diff"] == 0 and row["diff_ci_low"] == 0
                and row["diff_ci_high"] == 0)


def _assessment(row: pd.Series) -> str:
    if row.get("zero_in_both", False) and row["n"] >= 2:
        return "none_either"
    if _is_identical(row):
        return "identical"
    if row["too_few"]:
        return "too_few"
    if row.get("few_events", False):
        return "too_few_events"
    if not row["distinguishable"]:
        return "no_difference"
    better = metric_info(row["metric"]).better
    if better is None:
        return "changed"
    improved = row["diff"] < 0 if better == "lower" else row["diff"] > 0
    return "better" if improved else "worse"


def _signed(x: float) -> str:
    """A change with its sign: +12, -0.37, 0."""
    if not math.isfinite(x):
        return "–"
    return ("+" if x > 0 else "-" if x < 0 else "") + _num(abs(x))


def _change_text(row: pd.Series, style: str, lang: str) -> str:
    """Signed change with its CI, for the table."""
    if style == "pp":
        low, high = 100 * row["diff_ci_low"], 100 * row["diff_ci_high"]
        return (f"{_signed(100 * row['diff'])} {label('unit_pp', lang)} "
                f"({_num(low)} … {_num(high)})")
    if style == "rel":
        low, high = 100 * row["rel_ci_low"], 100 * row["rel_ci_high"]
        return f"{_signed(100 * row['rel_change'])} % ({_num(low)} … {_num(high)} %)"
    unit = f" {label('unit_h', lang)}" if metric_info(row["metric"]).kind == "hours" else ""
    return (f"{_signed(row['diff'])}{unit} ({_num(row['diff_ci_low'])} … "
            f"{_num(row['diff_ci_high'])})")


def _clause(row: pd.Series, style: str, lang: str) -> str:
    """Sentence fragment for a distinguishable change, magnitudes without signs."""
    verb = label("verb_cuts" if row["diff"] < 0 else "verb_raises", lang)
    indicator = indicator_name(row["metric"], lang)
    if style == "pp":
        bounds = sorted(abs(100 * row[c]) for c in ("diff_ci_low", "diff_ci_high"))
        return label("sentence_pp", lang, verb=verb, indicator=indicator,
                     value=_num(abs(100 * row["diff"])), low=_num(bounds[0]),
                     high=_num(bounds[1]))
    if style == "rel":
        bounds = sorted(abs(100 * row[c]) for c in ("rel_ci_low", "rel_ci_high"))
        return label("sentence_rel", lang, verb=verb, indicator=indicator,
                     value=_num(abs(100 * row["rel_change"])), low=_num(bounds[0]),
                     high=_num(bounds[1]))
    unit = label("unit_h", lang) if metric_info(row["metric"]).kind == "hours" else ""
    return label("sentence_abs", lang, verb=verb, indicator=indicator,
                 base=_num(row["baseline_mean"]), new=_num(row["policy_mean"]), unit=unit,
                 low=_num(row["diff_ci_low"]), high=_num(row["diff_ci_high"])).replace(
                     "  ", " ")


def verdict_table(summary: pd.DataFrame, baseline: str | None = None,
                  metrics: Sequence[str] = VERDICT_METRICS, confidence: float = 0.95,
                  lang: str = "en") -> pd.DataFrame:
    """Paired comparison of every policy with the baseline on the verdict indicators.

    ``summary`` is summary.csv, ideally with the workload columns of
    :func:`analysis.workload.with_workload`; indicators missing from it are skipped.
    Adds to :func:`analysis.stats.compare_paired`'s columns: ``indicator`` (label),
    ``assessment`` (``better``, ``worse``, ``changed``, ``no_difference`` or ``too_few``),
    ``style`` (``pp``, ``rel`` or ``abs``), ``change_text`` and ``clause`` (empty unless the
    change is distinguishable).
    """
    present = [m for m in metrics if m in summary.columns]
    table = compare_paired(summary, baseline=baseline, metrics=present, confidence=confidence)
    if table.empty:
        return table.assign(indicator=[], assessment=[], style=[], change_text=[], clause=[])
    table["few_events"] = [
        r.metric in _PER_CASES and "n_arrived" in summary.columns
        and min(_events(summary, r.baseline, r.metric), _events(summary, r.policy, r.metric))
        < MIN_EVENTS for r in table.itertuples()]
    table["zero_in_both"] = [_zero_in_both(summary, r.baseline, r.policy, r.metric)
                             for r in table.itertuples()]
    table["idle"] = [",".join(m.label_key for m in idle_mechanisms(summary, r.policy))
                     for r in table.itertuples()]
    table["indicator"] = [label(m, lang) for m in table["metric"]]
    table["assessment"] = [_assessment(row) for _, row in table.iterrows()]
    table["style"] = [_style(row) for _, row in table.iterrows()]
    table["change_text"] = [
        label("identical_text", lang) if row["assessment"] == "identical"
        else label("none_either_text", lang) if row["assessment"] == "none_either"
        else label("too_few_events_text", lang) if row["assessment"] == "too_few_events"
        else _change_text(row, row["style"], lang) if row["n"] >= 2 else "–"
        for _, row in table.iterrows()]
    table["clause"] = [_clause(row, row["style"], lang)
                       if row["assessment"] in ("better", "worse", "changed") else ""
                       for _, row in table.iterrows()]
    order = {m: i for i, m in enumerate(present)}
    policy_order = {p: i for i, p in enumerate(dict.fromkeys(table["policy"]))}
    return table.sort_values(["policy", "metric"], key=lambda s: s.map(
        policy_order if s.name == "policy" else order)).reset_index(drop=True)


def _join(parts: list[str], lang: str, sep_key: str = "clause_sep") -> str:
    """Join clauses or names: "a, b and c" in English, with 、 or ， in Chinese."""
    if lang == "zh" or len(parts) < 2:
        return label(sep_key, lang).join(parts)
    return ", ".join(parts[:-1]) + label("joiner_and", lang) + parts[-1]


def verdict_sentences(table: pd.DataFrame, lang: str = "en") -> dict[str, str]:
    """One plain-language paragraph per policy, from :func:`verdict_table` output.

    Gains come first and costs after a "but"; indicators the replications cannot separate are
    named in a closing sentence rather than passed over in silence.
    """
    sentences: dict[str, str] = {}
    for key, rows in table.groupby("policy", sort=False):
        policy = policy_name(str(key), lang)
        baseline = policy_name(str(rows["baseline"].iat[0]), lang)
        n = int(rows["n"].max()) if len(rows) else 0
        if n < MIN_REPLICATIONS:
            sentences[str(key)] = label("sentence_too_few", lang, policy=policy, n=n,
                                      baseline=baseline)
            continue
        gains = rows.loc[rows["assessment"].isin(["better", "changed"]), "clause"].tolist()
        costs = rows.loc[rows["assessment"] == "worse", "clause"].tolist()
        untold = [indicator_name(m, lang)
                  for m in rows.loc[rows["assessment"].isin(["no_difference", "too_few",
                                                             "too_few_events"]), "metric"]]
        idle = [key for key in str(rows["idle"].iat[0]).split(",") if key] if "idle" in rows \
            else []
        if rows["assessment"].isin(["identical", "none_either"]).all():
            sentences[str(key)] = label("sentence_identical", lang, policy=policy,
                                      baseline=baseline, n=n)
            continue
        if not gains and not costs:
            sentences[str(key)] = _with_idle(label("sentence_no_change", lang, policy=policy,
                                                   baseline=baseline, n=n), idle, lang)
            continue
        if gains and costs:
            clauses = _join(gains, lang) + label("joiner_but", lang) + _join(costs, lang)
        else:
            clauses = _join(gains or costs, lang)
        text = label("sentence_policy", lang, policy=policy, clauses=clauses)
        if untold:
            text += label("sentence_sep", lang) + label(
                "sentence_untold", lang, n=n, baseline=baseline,
                indicators=_join(untold, lang, "list_sep"))
        same = [indicator_name(m, lang)
                for m in rows.loc[rows["assessment"] == "identical", "metric"]]
        if same:
            text += label("sentence_sep", lang) + label(
                "sentence_same", lang, baseline=baseline, indicators=_join(same, lang, "list_sep"))
        none = [indicator_name(m, lang)
                for m in rows.loc[rows["assessment"] == "none_either", "metric"]]
        if none:
            text += label("sentence_sep", lang) + label(
                "sentence_none_either", lang, baseline=baseline,
                indicators=_join(none, lang, "list_sep"))
        text = _with_idle(text, idle, lang)
        sentences[str(key)] = space_mixed(text) if lang == "zh" else text
    return sentences


def _with_idle(text: str, idle: Sequence[str], lang: str) -> str:
    """``text`` followed by a sentence per idle mechanism (label keys of :data:`MECHANISMS`)."""
    for key in idle:
        text += label("sentence_sep", lang) + label(key, lang)
    return text


#: The outcomes a recommendation leads with, in order, per workflow: what a pilot is judged
#: on (complaint orders closed on time, their p90; applications decided on time, their p90).
LEAD_METRICS: tuple[tuple[str, str], ...] = (
    ("on_time_close_rate", "p90_resolution_h"),
    ("svc_on_time_share", "svc_p90_working_days"),
)


def _gain_size(rows: pd.DataFrame) -> float:
    """How much a policy gains on the lead metrics (0 when it gains on none): percentage
    points of the on-time share, else per cent cut of the p90, so candidates can be ranked."""
    for on_time, p90 in LEAD_METRICS:
        for metric in (on_time, p90):
            row = rows[(rows["metric"] == metric) & (rows["assessment"] == "better")]
            if not row.empty:
                r = row.iloc[0]
                value = (100 * abs(r["diff"]) if r["style"] == "pp"
                         else 100 * abs(r["rel_change"]))
                return (1000.0 if metric == on_time else 0.0) + float(value)
    return 0.0


def _lead_names(table: pd.DataFrame, lang: str) -> str:
    """The lead outcomes ``table`` holds, named for a sentence."""
    present = set(table["metric"])
    names = [indicator_name(m, lang) for pair in LEAD_METRICS for m in pair if m in present]
    return label("or_sep", lang).join(names or [indicator_name(m, lang) for m in LEAD_METRICS[0]])


def recommendation(table: pd.DataFrame, lang: str = "en") -> str:
    """One paragraph over all policies: the strongest candidate by the lead outcomes, what it
    gains and what it costs, with the numbers of :func:`verdict_table`, then the others.

    It weighs, it does not decide: a committee may value department hours differently, so the
    costs are stated next to the gains rather than netted against them.
    """
    if table.empty:
        return ""
    baseline = policy_name(str(table["baseline"].iat[0]), lang)
    n = int(table["n"].max())
    if n < MIN_REPLICATIONS:
        return label("rec_too_few", lang, baseline=baseline, n=n)
    by_policy = {str(p): rows for p, rows in table.groupby("policy", sort=False)}
    ranked = sorted(by_policy, key=lambda p: -_gain_size(by_policy[p]))
    lead = ranked[0]
    if _gain_size(by_policy[lead]) == 0.0:
        return label("rec_none", lang, baseline=baseline, n=n,
                     outcomes=_lead_names(table, lang))
    rows = by_policy[lead]
    gains = rows.loc[rows["assessment"] == "better", "clause"].tolist()
    costs = rows.loc[rows["assessment"] == "worse", "clause"].tolist()
    text = label("rec_lead", lang, policy=policy_name(lead, lang), baseline=baseline,
                 gains=_join(gains, lang))
    text += label("sentence_sep", lang) + (
        label("rec_costs", lang, costs=_join(costs, lang)) if costs
        else label("rec_no_cost", lang, n=n))
    also = [policy_name(p, lang) for p in ranked[1:] if _gain_size(by_policy[p]) > 0]
    flat = [policy_name(p, lang) for p in ranked[1:] if _gain_size(by_policy[p]) == 0]
    if also:
        text += label("sentence_sep", lang) + label(
            "rec_also", lang, policies=_join(also, lang, "list_sep"))
    if flat:
        text += label("sentence_sep", lang) + label(
            "rec_flat", lang, policies=_join(flat, lang, "list_sep"), baseline=baseline)
    return space_mixed(text) if lang == "zh" else text
