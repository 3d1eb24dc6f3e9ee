"""What a sweep report says: unit utilisation recorded per run, levers that do nothing and
the bottleneck behind them, each setting's verdict, readable axes and swept assumptions."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.labels import param_label, unit_label
from analysis.report import build_report
from analysis.sweep import (
    bottlenecks,
    config_verdicts,
    lever_effects,
    swept_params,
)
from analysis.sweep_report import lever_summary
from analysis.verdict import verdict_table
from sim.run.experiment import load_experiment
from sim.run.sweep import UNITS_FILE, run_sweep
from sim.run.sweep.worker import GRIDS_UNIT, unit_utilization

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data_sweep" / "tiny.yaml"


def test_unit_utilization_counts_grids_as_one_unit() -> None:
    resources = pd.DataFrame({
        "unit": ["grid:g1", "grid:g2", "street:s", "street:s", "department:market"],
        "unit_kind": ["grid", "grid", "street", "street", "department"],
        "busy_h": [2.0, 6.0, 9.0, 3.0, 0.0],
        "available_h": [10.0, 10.0, 10.0, 10.0, 0.0],
    })
    util = unit_utilization(resources)
    assert util == pytest.approx({GRIDS_UNIT: 0.4, "street:s": 0.6})  # no hours: left out
    assert unit_utilization(resources.iloc[:0]) == {}


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sweep")
    run_sweep(load_experiment(TINY), out, workers=1)
    return out


def test_sweep_writes_units_per_run(sweep_dir: Path) -> None:
    units = pd.read_parquet(sweep_dir / UNITS_FILE)
    runs = pd.read_parquet(sweep_dir / "runs.parquet")
    per_run = units.groupby(["config", "policy", "replication"]).size()
    assert len(per_run) == len(runs) == 24
    assert set(units["unit"]) >= {GRIDS_UNIT, "street:jiedao", "department:market", "hotline"}
    assert units["utilization"].between(0, 3).all() and units["utilization"].gt(0).any()
    # more demand keeps the street team busier in every run pair (same seed)
    street = units[units["unit"] == "street:jiedao"].merge(
        runs[["config", "arrivals.scale"]].drop_duplicates(), on="config")
    means = street.groupby("arrivals.scale")["utilization"].mean()
    assert means[1.3] > means[0.8] * 1.2


def _design(effect_pp: float, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A synthetic 2 × 2 sweep: ``staff`` moves on-time closure by ``effect_pp`` points,
    ``scale`` by −10 points; replication noise is shared within a replication (CRN)."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(0.0, 0.02, size=8)
    rows, units = [], []
    configs = [(s, d) for s in (1, 3) for d in (1.0, 1.6)]
    for c, (staff, scale) in enumerate(configs):
        for policy in ("base", "fast"):
            for k in range(8):
                rate = 0.8 + (staff - 1) / 2 * effect_pp / 100 - (scale - 1.0) / 0.6 * 0.10
                rate += noise[k] + rng.normal(0.0, 0.002) + (0.02 if policy == "fast" else 0)
                rows.append({"config": c, "org.staff": staff, "arrivals.scale": scale,
                             "policy": policy, "replication": k, "seed": 100 + k,
                             "on_time_close_rate": rate,
                             "p90_resolution_h": 80 - 100 * (rate - 0.8)})
                units += [{"config": c, "policy": policy, "replication": k,
                           "unit": "street:s", "utilization": 0.7 * scale},
                          {"config": c, "policy": policy, "replication": k,
                           "unit": GRIDS_UNIT, "utilization": 0.3 / staff}]
    return pd.DataFrame(rows), pd.DataFrame(units)


def test_a_flat_lever_names_the_bottleneck() -> None:
    runs, units = _design(effect_pp=0.0)
    assert swept_params(runs) == ["org.staff", "arrivals.scale"]
    effects = lever_effects(runs, units, "org.staff")
    assert len(effects) == 4  # 2 policies × 2 demand levels
    assert all(e.flat for e in effects)
    assert {e.busiest[0][0] for e in effects} == {"street:s"}
    text = lever_summary(effects, "en")
    assert "barely moves" in text and "in 4 of 4 settings" in text
    assert "street s 112 %" in text  # 0.7 × 1.6, the busiest where it is flat
    assert "瓶颈" in lever_summary(effects, "zh")


def test_a_lever_that_works_is_not_called_flat() -> None:
    runs, units = _design(effect_pp=6.0)
    effects = lever_effects(runs, units, "org.staff")
    assert not any(e.flat for e in effects)
    assert all(e.verdict["assessment"] == "better" for e in effects)
    assert all(e.verdict["diff"] == pytest.approx(0.06, abs=0.01) for e in effects)
    assert re.search(r"changes the on-time close rate by \+[56]\.\d … \+[56]\.\d percentage",
                     lever_summary(effects, "en"))
    demand = lever_effects(runs, units, "arrivals.scale")
    assert all(e.verdict["assessment"] == "worse" and not e.flat for e in demand)


def test_each_setting_is_compared_within_itself() -> None:
    runs, units = _design(effect_pp=6.0)
    verdicts = config_verdicts(runs, baseline="base")
    assert sorted(verdicts) == [0, 1, 2, 3]
    for config, table in verdicts.items():
        alone = verdict_table(runs[runs["config"] == config], baseline="base")
        pd.testing.assert_frame_equal(table, alone)
        row = table[table["metric"] == "on_time_close_rate"].iloc[0]
        assert row["diff"] == pytest.approx(0.02, abs=0.003)
    assert bottlenecks(units, 1, top=1) == [("street:s", pytest.approx(1.12))]
    assert bottlenecks(None, 1) == []


def test_readable_names() -> None:
    assert param_label("policy_params.whistle.report_deadline_h", "en") == "report deadline (h)"
    assert param_label("policy_params.whistle.report_deadline_h", "zh") == "报到时限（小时）"
    assert param_label("organisation.departments.market.transfer_delay_h", "en") == (
        "market · transfer delay (h)")
    assert unit_label(GRIDS_UNIT, "en") == "grids (all)"
    assert unit_label("department:market", "zh") == "部门 market"
    from analysis.labels import policy_name

    assert policy_name("one_window+parallel+notify_once", "zh") == "一窗受理+并联审批+一次告知"
    assert policy_name("manual+my_plugin", "zh") == "manual+my_plugin"  # never half translated


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_sweep_report_states_findings(sweep_dir: Path, lang: str) -> None:
    doc = build_report(sweep_dir, lang=lang).read_text(encoding="utf-8")
    if lang == "en":
        assert "<h2>What the sweep found</h2>" in doc
        assert "<h3>grid workers per grid</h3>" in doc
        assert re.search(r"Raising grid workers per grid from 1 to 2 (barely moves|changes)", doc)
        assert "<h3>Each setting against the baseline</h3>" in doc
        assert "Busiest units (manual+transfer): street jiedao" in doc
        assert "pooled over" not in doc  # two swept factors: one column of panels per value
    else:
        assert "<h2>扫描结论</h2>" in doc and "每网格网格员数" in doc
        assert "最繁忙单位（人工派单+转办）：街道 示范街道" in doc  # the name_zh
    # one heading per setting, with both parameters readable
    assert doc.count("<h4>") == 4
    assert 'id="chart-sweep_utilization"' in doc
    assert (sweep_dir / "charts").exists() is False  # no charts folder unless asked


def test_chart_files_keep_dotted_names(sweep_dir: Path, tmp_path: Path) -> None:
    build_report(sweep_dir, lang="en", charts_dir=tmp_path, filename="r.html")
    names = {p.name for p in tmp_path.iterdir()}
    assert {"sweep_arrivals.scale.png", "sweep_organisation.grid_workers_per_grid.svg",
            "sweep_utilization.png"} <= names


def test_swept_assumptions_show_their_values(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "flareup:\n"
        "  # a comment above [est]\n"
        "  high_risk_share: 0.10   # [est]\n"
        "  scale_h: 2500           # [est] a guess\n", encoding="utf-8")
    from analysis.outputs import RunOutputs
    from analysis.report import _assumptions_section

    runs = pd.DataFrame({"flareup.scale_h": [1000.0, 2500.0, 1000.0], "policy": ["a"] * 3})
    html = _assumptions_section(RunOutputs(out_dir=tmp_path, run={"scenario_file": str(
        scenario)}, runs=runs), "en")
    assert html.count("<code>flareup.high_risk_share</code>") == 1  # merged, not twice
    assert "a comment above [est]" in html
    assert "1000 / 2500, swept" in html


def test_sweep_axes_log_scale_and_integer_ticks() -> None:
    from analysis import charts

    runs, _ = _design(effect_pp=6.0)
    runs["org.staff"] = runs["org.staff"].map({1: 0.5, 3: 24.0})  # spans a factor of 48
    fig = charts.sweep_lines(runs, "org.staff", policies=["base", "fast"])
    assert fig.axes[0].get_xscale() == "log"
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["0.5", "24"]
    runs2, _ = _design(effect_pp=6.0)
    fig2 = charts.sweep_lines(runs2, "org.staff", policies=["base", "fast"])
    assert fig2.axes[0].get_xscale() == "linear"
    assert [t.get_text() for t in fig2.axes[0].get_xticklabels()] == ["1", "3"]


def test_a_report_deadline_that_does_not_bind_is_said_plainly() -> None:
    from analysis.sweep_report import _report_deadline_finding

    rows = []
    for c, deadline in enumerate((0.5, 24.0)):
        for k in range(6):
            rows.append({"config": c, "policy_params.whistle.report_deadline_h": deadline,
                         "policy": "manual+whistle", "replication": k, "seed": k,
                         "on_time_close_rate": 0.8 + 0.01 * k,
                         "mean_report_h": 7.2 + 0.1 * c + 0.05 * k})
    runs = pd.DataFrame(rows)
    text = _report_deadline_finding(runs, None, "policy_params.whistle.report_deadline_h", "en",
                                    0.95)
    assert text.startswith("The report deadline does not change how soon departments report: "
                           "their mean report time is 7.3 h at 0.5 and 7.4 h at 24.")
    assert "on-call roster" in text
    runs["on_call_h"] = 10.0  # with a roster the deadline binds: a plain measurement
    runs.loc[runs["config"] == 0, "mean_report_h"] = 0.3
    moved = _report_deadline_finding(runs, None, "policy_params.whistle.report_deadline_h",
                                     "en", 0.95)
    assert moved.startswith("The report deadline moves how soon departments report: their "
                            "mean report time is 0.3 h at 0.5")
    assert _report_deadline_finding(runs, None, "arrivals.scale", "en", 0.95) == ""
