"""Verdict sentences and the [est] assumption reader."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.assumptions import find_scenario_file, read_assumptions
from analysis.verdict import recommendation, space_mixed, verdict_sentences, verdict_table


def _summary(reps: int = 5) -> pd.DataFrame:
    rows = []
    for k in range(reps):
        wobble = (k - 2) * 0.01
        rows.append({"policy": "manual", "replication": k, "seed": k,
                     "p90_resolution_h": 100 + 10 * k, "on_time_close_rate": 0.80 + wobble,
                     "satisfaction_rate": 0.90 + (0.01 if k % 2 else -0.01),
                     "whistle_dept_hours": 0.0})
        rows.append({"policy": "algo+whistle", "replication": k, "seed": k,
                     "p90_resolution_h": (100 + 10 * k) * 0.7 + (k % 2),
                     "on_time_close_rate": 0.85 + wobble + 0.001 * k,
                     "satisfaction_rate": 0.90 + (-0.01 if k % 2 else 0.01),
                     "whistle_dept_hours": 50.0 + k})
    return pd.DataFrame(rows)


def test_verdict_table_and_english_sentence() -> None:
    table = verdict_table(_summary())
    assert list(table["metric"]) == ["p90_resolution_h", "on_time_close_rate",
                                     "satisfaction_rate", "whistle_dept_hours"]
    by_metric = table.set_index("metric")
    assert by_metric.loc["p90_resolution_h", "assessment"] == "better"
    assert by_metric.loc["p90_resolution_h", "style"] == "rel"
    assert by_metric.loc["on_time_close_rate", "style"] == "pp"
    assert by_metric.loc["satisfaction_rate", "assessment"] == "no_difference"
    assert by_metric.loc["whistle_dept_hours", "assessment"] == "worse"
    assert by_metric.loc["whistle_dept_hours", "style"] == "abs"  # baseline is zero
    sentence = verdict_sentences(table)["algo+whistle"]
    assert sentence.startswith("algo+whistle cuts p90 resolution time by 30 % (95 % CI ")
    assert "raises on-time close rate by 5.2 percentage points" in sentence
    assert ", but raises department whistle hours from 0 to 52 h" in sentence
    assert sentence.endswith("With 5 replications it cannot be told apart from manual on "
                             "satisfaction rate.")


def test_chinese_sentence_and_spacing() -> None:
    sentence = verdict_sentences(verdict_table(_summary(), lang="zh"), lang="zh")["algo+whistle"]
    assert sentence.startswith("algo+whistle 使办结时长 p90 降低 30 %（95 % 置信区间 ")
    assert "，但使部门吹哨报到工时从 0 提高至 52 小时" in sentence
    assert sentence.endswith("在 5 次重复下，满意率与人工派单无法区分。")  # no space between Han
    assert space_mixed("p90降低") == "p90 降低"


def test_too_few_and_no_difference_sentences() -> None:
    few = verdict_sentences(verdict_table(_summary(reps=2)))["algo+whistle"]
    assert few == ("algo+whistle: too few replications (2) to compare with manual; "
                   "run at least 3.")
    same = _summary()
    same.loc[same["policy"] == "algo+whistle", "p90_resolution_h"] = same.loc[
        same["policy"] == "manual", "p90_resolution_h"].to_numpy()
    table = verdict_table(same, metrics=["p90_resolution_h", "satisfaction_rate"])
    assert verdict_sentences(table)["algo+whistle"] == (
        "algo+whistle cannot be told apart from manual on any indicator with 5 replications.")
    table = verdict_table(same, metrics=["p90_resolution_h", "whistle_dept_hours"])
    assert verdict_sentences(table)["algo+whistle"].endswith(
        "In every replication it gives the same p90 resolution time as manual.")



def test_exact_zeros_read_identical() -> None:
    same = _summary()
    for metric in ("p90_resolution_h", "on_time_close_rate", "satisfaction_rate",
                   "whistle_dept_hours"):
        same.loc[same["policy"] == "algo+whistle", metric] = same.loc[
            same["policy"] == "manual", metric].to_numpy()
    table = verdict_table(same)
    by_metric = table.set_index("metric")
    assert by_metric.loc["whistle_dept_hours", "assessment"] == "none_either"  # 0 and 0
    assert set(by_metric.drop("whistle_dept_hours")["assessment"]) == {"identical"}
    assert set(by_metric.drop("whistle_dept_hours")["change_text"]) == {"0 in every replication"}
    assert verdict_sentences(table)["algo+whistle"] == (
        "algo+whistle gives exactly the same results as manual on every indicator in all 5 "
        "replications: in this scenario it has nothing to act on.")
    assert "完全相同" in verdict_sentences(verdict_table(same, lang="zh"), lang="zh")[
        "algo+whistle"]


def test_an_indicator_zero_under_both_policies_is_not_called_identical() -> None:
    """Department whistle hours of two transfer policies: there is nothing to compare."""
    summary = _summary().replace({"algo+whistle": "algo+transfer"})
    summary["whistle_dept_hours"] = 0.0
    table = verdict_table(summary)
    row = table.set_index("metric").loc["whistle_dept_hours"]
    assert row["assessment"] == "none_either"
    assert row["change_text"] == "0 under both policies in every replication"
    sentence = verdict_sentences(table)["algo+transfer"]
    assert "the same department whistle hours" not in sentence
    assert sentence.endswith("Neither it nor manual has any department whistle hours in this "
                             "scenario.")
    zh = verdict_sentences(verdict_table(summary, lang="zh"), lang="zh")["algo+transfer"]
    assert zh.endswith("在本情景中，该策略与人工派单均无部门吹哨报到工时。")


def test_an_idle_mechanism_is_flagged_in_the_verdict() -> None:
    """A whistle policy that never blew the whistle, a risk priority with no high-risk case."""
    summary = _summary()
    summary["whistles_per_100"] = [0.0, 2.0] * 5
    assert "never blown" not in verdict_sentences(verdict_table(summary))["algo+whistle"]
    summary["whistles_per_100"] = 0.0
    sentence = verdict_sentences(verdict_table(summary))["algo+whistle"]
    assert sentence.endswith("Its whistle (吹哨报到) was never blown in this scenario: no case "
                             "needed a department to report on site, so that part of the "
                             "policy had nothing to act on.")
    assert "从未吹哨" in verdict_sentences(verdict_table(summary, lang="zh"), lang="zh")[
        "algo+whistle"]
    risk = _summary().replace({"algo+whistle": "risk_priority+transfer"})
    risk["mean_wait_high_risk_h"] = float("nan")  # no high-risk case ever waited
    sentence = verdict_sentences(verdict_table(risk))["risk_priority+transfer"]
    assert "No case was high-risk in this scenario" in sentence
    risk["mean_wait_high_risk_h"] = 1.5
    assert "high-risk" not in verdict_sentences(verdict_table(risk))["risk_priority+transfer"]


def test_ratio_on_a_handful_of_events_is_not_printed() -> None:
    summary = _summary()
    summary["n_arrived"] = 1000
    # 0.6 … 1.4 flare-ups per 1,000 cases: 5 events per policy in all, noisy
    summary["flareups_per_1000"] = [1.0, 0.0, 2.0, 1.0, 0.0, 2.0, 1.0, 1.0, 1.0, 2.0]
    table = verdict_table(summary, metrics=["flareups_per_1000", "p90_resolution_h"])
    row = table.set_index("metric").loc["flareups_per_1000"]
    assert row["assessment"] == "too_few_events"
    assert row["change_text"] == "too few events for a ratio"
    summary["n_arrived"] = 100_000  # the same rates on 100× the cases: 500 events
    row = verdict_table(summary, metrics=["flareups_per_1000"]).iloc[0]
    assert row["assessment"] != "too_few_events"



def test_recommendation_weighs_the_lead_gain_against_its_costs() -> None:
    summary = _summary()
    flat = summary[summary["policy"] == "manual"].assign(policy="same")
    flat["satisfaction_rate"] += [0.001, -0.002, 0.0, 0.002, -0.001]
    table = verdict_table(pd.concat([summary, flat], ignore_index=True))
    text = recommendation(table)
    assert text.startswith("Against manual, algo+whistle is the strongest candidate: it cuts "
                           "p90 resolution time by 30 % (95 % CI ")
    assert "Weigh that against what it costs: it raises department whistle hours from 0 to " \
           "52 h" in text
    assert text.endswith("No gain over manual that the replications can show: same.")
    zh = recommendation(verdict_table(pd.concat([summary, flat], ignore_index=True), lang="zh"),
                        "zh")
    assert zh.startswith("与人工派单相比，algo+whistle 是最有力的候选：使办结时长 p90 降低")
    none = verdict_table(pd.concat([summary[summary["policy"] == "manual"], flat]))
    assert recommendation(none) == (
        "No policy beats manual on on-time close rate or p90 resolution time with 5 replications: "
        "keep manual, or run more replications before a pilot.")
    assert "Too few replications (2)" in recommendation(verdict_table(_summary(reps=2)))


YAML = """\
# Demo scenario; [est] marks an assumption (header: explains notation, not listed)
name: demo
arrivals:
  surge_factor: 1.0   # [est] no surge
  hotline_per_day: 40 # Beijing [secondary source]
  note: "a # inside quotes"  # [est: quoted hash]
mediation:
  # no published split by tier (DOMAIN.md),
  # so we assume one [est]
  tier_shares: [0.70, 0.22, 0.08]
categories:
  - id: market
    handle_h_median: 2.0  # [est] market handling
  - id: housing
    handle_h_median: 4.0  # [est] housing handling
departments:
  - {id: chengguan, size: 8,
     skills: {demolition: 3}}   # [est; 3 of 8 trained]
  - {id: water, size: 3}        # [estimate] is not the mark
"""


def test_read_assumptions_gives_dotted_keys_and_comments(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(YAML, encoding="utf-8")
    found = read_assumptions(path)
    assert [(a.line, a.key) for a in found] == [
        (4, "arrivals.surge_factor"),
        (6, "arrivals.note"),
        (9, "mediation.tier_shares"),
        (13, "categories[market].handle_h_median"),
        (15, "categories[housing].handle_h_median"),
        (18, "departments[chengguan]"),
    ]
    assert found[0].comment == "[est] no surge" and found[0].value == "1.0"
    assert found[1].value == '"a # inside quotes"'
    assert found[2].value == "[0.70, 0.22, 0.08]"
    assert found[2].comment == "no published split by tier (DOMAIN.md), so we assume one [est]"
    assert found[5].comment == "[est; 3 of 8 trained]"


def test_find_scenario_file(tmp_path: Path) -> None:
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "s.yaml").write_text("a: 1\n", encoding="utf-8")
    out = tmp_path / "results" / "demo"
    out.mkdir(parents=True)
    assert find_scenario_file({"scenario_file": "scenarios/s.yaml"}, out) == (
        tmp_path / "scenarios" / "s.yaml")
    assert find_scenario_file({"scenario_file": "nope.yaml"}, out) is None
    assert find_scenario_file({}, out) is None


@pytest.mark.parametrize("text", ["", "# only a comment\n"])
def test_read_assumptions_without_marks(tmp_path: Path, text: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    assert read_assumptions(path) == []


def test_recommendation_of_service_applications_leads_with_their_outcomes() -> None:
    rows = []
    for k in range(5):
        rows.append({"policy": "department_windows", "replication": k, "seed": k,
                     "svc_on_time_share": 0.60 + 0.01 * k, "svc_p90_working_days": 10.0 + k})
        rows.append({"policy": "one_window+parallel", "replication": k, "seed": k,
                     "svc_on_time_share": 0.80 + 0.012 * k, "svc_p90_working_days": 4.0 + k})
    table = verdict_table(pd.DataFrame(rows),
                          metrics=["svc_on_time_share", "svc_p90_working_days"])
    text = recommendation(table)
    assert text.startswith("Against department_windows, one_window+parallel is the strongest "
                           "candidate")
