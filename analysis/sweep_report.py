"""The sweep sections of the report: what each lever does, where the bottleneck is, and each
setting's verdict against the baseline policy (HTML fragments of :mod:`analysis.report`)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from analysis.html import escape, html_table
from analysis.labels import label, param_label, param_name, policy_name, unit_label
from analysis.names import UnitNames
from analysis.sweep import (
    Goal,
    GoalResult,
    LeverEffect,
    TargetCheck,
    bottlenecks,
    config_verdicts,
    goal_results,
    lead_metrics,
    lever_effects,
    settings,
)
from analysis.verdict import (
    badge_key,
    format_range,
    format_value,
    indicator_name,
    space_mixed,
    verdict_sentences,
)

#: Parameter values in sentences and tables: 0.5, 2, 24 (not 2.0).
_FMT = "{:g}"


def _setting_text(values: Mapping[str, object], lang: str) -> str:
    return ", ".join(f"{param_label(p, lang)} = {_FMT.format(v)}" for p, v in values.items())


def _busiest_text(busiest: Sequence[tuple[str, float]], lang: str,
                  names: UnitNames | None = None) -> str:
    sep = "、" if lang == "zh" else ", "
    return sep.join(f"{unit_label(u, lang, names)} {100 * v:.0f} %" for u, v in busiest)


def _badge(assessment: str, lang: str) -> str:
    key = badge_key(assessment)
    return f'<span class="badge {escape(assessment)}">{escape(label(key, lang))}</span>'


def _flat_units(effects: Sequence[LeverEffect]) -> list[tuple[str, float]]:
    """The units that are busiest where the lever is flat: each unit's highest utilisation
    among those settings, the top three."""
    top: dict[str, float] = {}
    for e in effects:
        if e.flat:
            for unit, value in e.busiest:
                top[unit] = max(top.get(unit, 0.0), value)
    return sorted(top.items(), key=lambda kv: -kv[1])[:3]


def _change(row: pd.Series) -> float:
    """A verdict row's change as the verdict states it: percentage points of a rate, per cent
    of an amount with a usable ratio, else the absolute difference."""
    if row["style"] == "pp":
        return 100.0 * float(row["diff"])
    if row["style"] == "rel":
        return 100.0 * float(row["rel_change"])
    return float(row["diff"])


def _change_unit(row: pd.Series, lang: str) -> str:
    if row["style"] == "pp":
        return " " + label("unit_pp", lang)
    if row["style"] == "rel":
        return " %"
    return ""


def _signed(x: float) -> str:
    return f"{x:+.2g}" if abs(x) < 1 else f"{x:+.1f}"


def lever_summary(effects: Sequence[LeverEffect], lang: str,
                  names: UnitNames | None = None) -> str:
    """One sentence for a lever: how often it barely moves the outcome, by how much it moves
    it, and, where it is flat, which units are the bottleneck."""
    first = effects[0]
    values = sorted(_change(e.verdict) for e in effects)
    unit = _change_unit(first.verdict, lang)
    low, high = _signed(values[0]), _signed(values[-1])
    span = f"{low}{unit}" if low == high else f"{low} … {high}{unit}"
    fields = {"param": param_name(first.param, lang), "low": _FMT.format(first.low),
              "high": _FMT.format(first.high), "metric": indicator_name(first.metric, lang),
              "n": len(effects), "range": span}
    n_flat = sum(e.flat for e in effects)
    if n_flat:
        text = label("lever_flat", lang, n_flat=n_flat, **fields)
        units = _flat_units(effects)
        if units:
            text += label("lever_bottleneck", lang, units=_busiest_text(units, lang, names))
        return text
    return label("lever_moves", lang, **fields)


def _lever_table(effects: Sequence[LeverEffect], lang: str, names: UnitNames | None) -> str:
    headers = [label(k, lang) for k in ("policy", "col_held", "col_effect", "col_verdict",
                                        "col_busiest")]
    rows = []
    for e in effects:
        badge = (f'<span class="badge no_difference">{escape(label("lever_flat_badge", lang))}'
                 "</span>" if e.flat and e.verdict["assessment"] not in ("no_difference",
                                                                         "too_few", "identical",
                                                                         "none_either")
                 else _badge(str(e.verdict["assessment"]), lang))
        rows.append((escape(policy_name(e.policy, lang)),
                     escape(_setting_text(e.held, lang) or "–"),
                     escape(str(e.verdict["change_text"])), badge,
                     escape(_busiest_text(e.busiest, lang, names))))
    return html_table([escape(h) for h in headers], rows,
                      numeric=[False, False, True, False, False])


def _report_deadline_finding(runs: pd.DataFrame, units: pd.DataFrame | None, param: str,
                             lang: str, confidence: float) -> str:
    """For a swept whistle report deadline: does it move the time departments take to report,
    or only what counts as late? Said plainly, with what makes it bind (on-call duty)."""
    if "report_deadline" not in param or "mean_report_h" not in runs.columns:
        return ""
    effects = [e for e in lever_effects(runs, units, param, metric="mean_report_h",
                                        confidence=confidence, lang=lang)
               if e.verdict["n"] >= 2 and math.isfinite(float(e.verdict["diff"]))]
    if not effects:
        return ""
    def hours(values: list[float]) -> str:
        low, high = min(values), max(values)
        text = f"{low:.2g}" if f"{low:.2g}" == f"{high:.2g}" else f"{low:.2g}–{high:.2g}"
        return f"{text} {label('unit_h', lang)}"

    first = effects[0]
    fields = {"param": param_name(param, lang), "n": len(effects),
              "at_low": hours([float(e.verdict["baseline_mean"]) for e in effects]),
              "at_high": hours([float(e.verdict["policy_mean"]) for e in effects]),
              "low": _FMT.format(first.low), "high": _FMT.format(first.high)}
    on_call = "on_call_h" in runs.columns and bool(runs["on_call_h"].notna().any())
    if all(e.flat for e in effects) and not on_call:
        return label("lever_report_flat", lang, **fields)
    return label("lever_report_moves", lang, **fields)


def levers_section(runs: pd.DataFrame, units: pd.DataFrame | None, params: Sequence[str],
                   lang: str, confidence: float, names: UnitNames | None = None) -> str:
    """Per swept parameter: the summary sentence and its table, on the headline metric."""
    parts = []
    for param in params:
        effects = lever_effects(runs, units, param, confidence=confidence, lang=lang)
        if not effects:
            continue
        parts.append(f"<h3>{escape(param_label(param, lang))}</h3>")
        text = lever_summary(effects, lang, names)
        report = _report_deadline_finding(runs, units, param, lang, confidence)
        if report:
            text += label("sentence_sep", lang) + report
        parts.append(f'<div class="verdict"><p class="sentence">{escape(text)}</p></div>')
        parts.append(_lever_table(effects, lang, names))
    return "\n".join(parts)


def config_verdicts_section(runs: pd.DataFrame, units: pd.DataFrame | None,
                            params: Sequence[str], baseline: str, colors: Mapping[str, str],
                            lang: str, confidence: float,
                            names: UnitNames | None = None) -> str:
    """Every setting: its busiest units, and each policy's verdict against the baseline
    (paired by replication within the setting) with the badges of the headline metrics."""
    verdicts = config_verdicts(runs, baseline, confidence=confidence, lang=lang)
    if not verdicts:
        return ""
    table = settings(runs, params).set_index("config")
    lead = lead_metrics(runs)
    headers = [label("policy", lang)] + [indicator_name(m, lang) for m in lead] + [
        label("col_verdict", lang)]
    parts = []
    for config, verdict in verdicts.items():
        sentences = verdict_sentences(verdict, lang)
        setting = " · ".join(f"{param_label(p, lang)} = {_FMT.format(v)}"
                             for p, v in table.loc[config].to_dict().items())
        parts.append(f"<h4>{escape(setting)}</h4>")
        busiest = bottlenecks(units, config, baseline)
        if busiest:
            note = label("busiest_of", lang, policy=policy_name(baseline, lang))
            parts.append(f'<p class="note">{escape(note)}'
                         f"{escape(_busiest_text(busiest, lang, names))}</p>")
        rows = []
        for policy, part in verdict.groupby("policy", sort=False):
            cells = [f'<span class="sw" style="background:{escape(colors.get(policy, "#999"))}">'
                     f"</span>{escape(policy_name(str(policy), lang))}"]
            for metric in lead:
                row = part[part["metric"] == metric]
                cells.append("–" if row.empty else (
                    escape(str(row["change_text"].iat[0])) + "<br>"
                    + _badge(str(row["assessment"].iat[0]), lang)))
            cells.append(escape(sentences.get(str(policy), "")))
            rows.append(cells)
        parts.append(html_table([escape(h) for h in headers], rows,
                                numeric=[False, True, True, False]))
    return "\n".join(parts)


def _target_text(goal: Goal, lang: str) -> str:
    """``on-time close rate ≥ 80 %``, joined: the goal as a reader states it."""
    sep = "、" if lang == "zh" else ", "
    return sep.join(f"{indicator_name(t.metric, lang)} {'≥' if t.sense == '>=' else '≤'} "
                    f"{format_value(t.metric, t.bound, lang)}" for t in goal.targets)


def _answer_text(result: GoalResult, goal: Goal, lang: str) -> str:
    """The cell naming the lever's answer: the value, or why there is none."""
    value = _FMT.format(result.value)
    if result.status == "met":
        text = value
        if result.cheaper_undecided is not None:
            text += label("goal_cheaper_undecided", lang,
                          value=_FMT.format(result.cheaper_undecided))
        return text
    if result.status == "undecided":
        return label("goal_undecided_value", lang, value=value)
    return label(f"goal_missed_{goal.prefer}", lang, value=value)


def goal_summary(results: Sequence[GoalResult], goal: Goal, lang: str) -> str:
    """One sentence per policy: in how many settings a value meets every target, the values
    it takes, and where none does."""
    sentences = []
    by_policy: dict[str, list[GoalResult]] = {}
    for r in results:
        by_policy.setdefault(r.policy, []).append(r)
    for policy, rows in by_policy.items():
        met = [r for r in rows if r.status == "met"]
        fields = {"policy": policy_name(policy, lang), "n": len(rows), "n_met": len(met),
                  "lever": param_name(goal.lever, lang)}
        if met:
            values = sorted({r.value for r in met})
            fields["values"] = " / ".join(_FMT.format(v) for v in values)
            text = label("goal_policy_met", lang, **fields)
        else:
            text = label("goal_policy_none", lang, **fields)
        missed = [r for r in rows if r.status == "missed"]
        if missed:
            worst: dict[str, TargetCheck] = {}
            for r in missed:
                for c in r.checks:
                    if c.side == "missed":
                        worst.setdefault(c.target.metric, c)
            reasons = ("、" if lang == "zh" else ", ").join(
                label("goal_reached", lang, metric=indicator_name(c.target.metric, lang),
                      mean=format_value(c.target.metric, c.mean, lang))
                for c in worst.values())
            text += label("goal_missed_because", lang, n=len(missed), reasons=reasons)
        sentences.append(text)
    text = label("sentence_sep", lang).join(sentences)
    return space_mixed(text) if lang == "zh" else text


def goal_section(runs: pd.DataFrame, goal: Goal, lang: str) -> str:
    """The table "the smallest setting that meets the targets" (or the largest, for a lever
    whose large values are cheap, such as a deadline), per policy and setting of the other
    swept parameters, with every target's mean and interval there."""
    results = goal_results(runs, goal)
    if not results:
        return ""
    intro = label("goal_intro", lang, targets=_target_text(goal, lang),
                  confidence=_FMT.format(100 * goal.confidence),
                  lever=param_name(goal.lever, lang),
                  end=label(f"goal_end_{goal.prefer}", lang))
    parts = [f'<p class="note">{escape(space_mixed(intro) if lang == "zh" else intro)}</p>',
             f'<div class="verdict"><p class="sentence">{escape(goal_summary(results, goal, lang))}'
             "</p></div>"]
    headers = [label("policy", lang), label("col_held", lang), param_label(goal.lever, lang)]
    headers += [f"{indicator_name(t.metric, lang)} {'≥' if t.sense == '>=' else '≤'} "
                f"{format_value(t.metric, t.bound, lang)}" for t in goal.targets]
    rows = []
    for r in results:
        cells = [escape(policy_name(r.policy, lang)), escape(_setting_text(r.held, lang) or "–"),
                 f"{escape(_answer_text(r, goal, lang))}<br>"
                 f'<span class="badge goal_{r.status}">{escape(label(f"goal_{r.status}", lang))}'
                 "</span>"]
        for c in r.checks:
            interval = format_range(c.target.metric, c.low, c.high, lang)
            cells.append(f"{escape(format_value(c.target.metric, c.mean, lang))} "
                         f"<span class='ci'>({escape(interval)})</span><br>"
                         f'<span class="badge goal_{c.side}">'
                         f"{escape(label(f'goal_side_{c.side}', lang))}</span>")
        rows.append(cells)
    parts.append(html_table([escape(h) for h in headers], rows,
                            numeric=[False, False, True] + [True] * len(goal.targets)))
    return "\n".join(parts)
