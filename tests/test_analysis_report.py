"""The HTML report: self-contained, complete, escaped, and saying what the data support."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from analysis.report import build_report
from analysis.synthetic import (
    DEFAULT_POLICIES,
    SyntheticPolicy,
    write_synthetic_outputs,
    write_synthetic_sweep,
)

COMPARE_CHARTS = ("ecdf", "headline", "backlog", "workload", "map_resolution", "map_workload",
                  "funnel")


@pytest.fixture(scope="module")
def compare_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_synthetic_outputs(tmp_path_factory.mktemp("compare"), days=10,
                                   cases_per_day=40)


@pytest.fixture(scope="module")
def report_en(compare_dir: Path) -> str:
    path = build_report(compare_dir, lang="en", n_boot=200)
    assert path == compare_dir / "report.html"
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def report_zh(compare_dir: Path, report_en: str) -> str:
    path = build_report(compare_dir, lang="zh", n_boot=200)
    assert path == compare_dir / "report.zh.html"  # the English report is kept beside it
    assert (compare_dir / "report.html").is_file()
    return path.read_text(encoding="utf-8")


def _small(tmp_path: Path, policies: tuple[SyntheticPolicy, ...] = DEFAULT_POLICIES[:2],
           replications: int = 3) -> Path:
    return write_synthetic_outputs(tmp_path, policies=policies, replications=replications,
                                   days=5, cases_per_day=20, n_grids=6)


def _images(document: str) -> list[str]:
    return re.findall(r'<img [^>]*src="data:image/png;base64,([A-Za-z0-9+/=]+)"', document)


@pytest.mark.parametrize("fixture", ["report_en", "report_zh"])
def test_report_is_self_contained(fixture: str, request: pytest.FixtureRequest) -> None:
    document = request.getfixturevalue(fixture)
    lowered = document.lower()
    for forbidden in ('src="http', "src='http", "<script", "<link", "@import", "url(http",
                      "<iframe"):
        assert forbidden not in lowered, forbidden
    assert lowered.count("<img") == len(COMPARE_CHARTS)
    for name in COMPARE_CHARTS:
        assert f'id="chart-{name}"' in document
    for data in _images(document):
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(_images(document)) == len(COMPARE_CHARTS)


def test_english_verdict_sentences(report_en: str) -> None:
    assert "algorithmic+whistle cuts p90 resolution time by" in report_en
    assert "but raises department whistle hours from 0 to" in report_en
    assert "raises on-time close rate by" in report_en
    # satisfaction differs by noise only in the synthetic runs
    assert re.search(r"With 5 replications it cannot be told apart from manual\+transfer on "
                     r"[^.]*satisfaction rate", report_en)
    assert "algorithmic+transfer vs manual+transfer" in report_en
    assert 'class="badge better"' in report_en and 'class="badge worse"' in report_en


def test_scenario_facts_and_assumptions(report_en: str) -> None:
    for text in ("synthetic-street", "<td>12</td>", "horizon (days)", "urban_management"):
        assert text in report_en
    assert "<code>arrivals.surge_factor</code>" in report_en
    assert "<code>categories[market].handle_h_median</code>" in report_en
    assert "[est] no published split by tier" in report_en
    assert "Beijing 12345 scaled" not in report_en  # only [est] lines are listed


def test_chinese_report(report_zh: str) -> None:
    assert '<html lang="zh-CN">' in report_zh
    assert "<h2>结论</h2>" in report_zh
    assert "智能派单+吹哨报到使办结时长 p90 降低" in report_zh  # policy names in Chinese too
    assert "无法区分" in report_zh
    # the CJK font travels with the file, so it renders on machines without Chinese fonts
    assert "@font-face { font-family: 'GovsimCJK'" in report_zh
    assert "data:font/woff;base64," in report_zh


def test_missing_scenario_file_is_tolerated_and_sweep_charts_shown(tmp_path: Path) -> None:
    out = write_synthetic_sweep(tmp_path, arrival_scales=(0.8, 1.2), workers_per_grid=(1, 2),
                                replications=3, days=3)
    document = build_report(out).read_text(encoding="utf-8")
    assert "Scenario file not found" in document
    assert 'id="chart-sweep_arrivals.scale"' in document
    assert 'id="chart-sweep_organisation.grid_workers"' in document
    assert 'id="chart-sweep_heatmap"' in document
    assert "<h2>Verdict</h2>" not in document  # no summary.csv in a bare sweep directory


def test_sweep_report_gives_the_replications_each_configuration_reached(tmp_path: Path) -> None:
    """A precision target adds replications per configuration: the report gives the range."""
    out = write_synthetic_sweep(tmp_path, arrival_scales=(0.8, 1.2), workers_per_grid=(1,),
                                replications=4, days=3)
    runs = pd.read_parquet(out / "runs.parquet")
    first = runs["config"].min()
    runs = runs[(runs["config"] != first) | (runs["replication"] < 3)]
    runs.to_parquet(out / "runs.parquet", index=False)
    document = build_report(out).read_text(encoding="utf-8")
    assert re.search(r"Replications</td><td>3–4<", document, flags=re.I), "no 3–4 range"


def test_text_from_data_is_escaped_and_too_few_replications_said(tmp_path: Path) -> None:
    evil = SyntheticPolicy('<b>x</b>&"y"', 0.7, (0.5, 0.15, 0.15, 0.2, 0.0))
    out = _small(tmp_path, policies=(DEFAULT_POLICIES[0], evil), replications=2)
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    run["scenario_name"] = "<script>alert(1)</script>"
    (out / "run.json").write_text(json.dumps(run), encoding="utf-8")
    document = build_report(out, n_boot=50).read_text(encoding="utf-8")
    assert "<script" not in document
    assert "<b>x</b>" not in document
    assert "&lt;b&gt;x&lt;/b&gt;&amp;&quot;y&quot;" in document
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in document
    assert ("too few replications (2) to compare with manual+transfer; run at least 3"
            in document)


def test_baseline_choice_charts_dir_and_errors(tmp_path: Path) -> None:
    out = _small(tmp_path / "out")
    document = build_report(out, baseline="algorithmic+transfer", n_boot=50,
                            charts_dir=tmp_path / "charts").read_text(encoding="utf-8")
    assert "manual+transfer vs algorithmic+transfer" in document
    assert "manual+transfer</code> — baseline" not in document
    assert "algorithmic+transfer</code> — baseline" in document
    names = {p.name for p in (tmp_path / "charts").iterdir()}
    for chart in COMPARE_CHARTS:
        assert {f"{chart}.png", f"{chart}.svg"} <= names
    with pytest.raises(ValueError, match="baseline"):
        build_report(out, baseline="no-such-policy")
    with pytest.raises(ValueError, match="lang"):
        build_report(out, lang="fr")
    with pytest.raises(FileNotFoundError):
        build_report(tmp_path / "missing")


def test_single_policy(tmp_path: Path) -> None:
    document = build_report(_small(tmp_path, policies=DEFAULT_POLICIES[:1]),
                            n_boot=50).read_text(encoding="utf-8")
    assert "Only one policy was simulated" in document
    assert document.lower().count("<img") == len(COMPARE_CHARTS)
