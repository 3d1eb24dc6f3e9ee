"""The Chinese report names streets, departments and categories as the scenario does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analysis.labels import unit_label
from analysis.names import UnitNames
from analysis.report import build_report
from sim.cli.main import main

ROOT = Path(__file__).resolve().parents[1]

SCENARIO = {
    "organisation": {
        "streets": [{"id": "jiedao", "name_zh": "示范街道"}],
        "departments": [{"id": "market", "name": "Market regulation", "name_zh": "市场监管"},
                        {"id": "water", "name": "水务"},  # older files: a Chinese name
                        {"id": "housing"}],
    },
    "categories": [{"id": "illegal_construction", "name_zh": "违法建设"}],
}


def test_names_from_the_scenario_with_ids_as_the_fallback() -> None:
    names = UnitNames.from_scenario(SCENARIO)
    assert names.name("department", "market", "zh") == "市场监管"
    assert names.name("department", "market", "en") == "Market regulation"
    assert names.name("department", "water", "zh") == "水务"
    assert names.name("department", "water", "en") == "water"  # not Chinese in English
    assert names.name("department", "housing", "zh") == "housing"
    assert names.name("category", "illegal_construction", "zh") == "违法建设"
    assert unit_label("department:market", "zh", names) == "部门 市场监管"
    assert unit_label("street:jiedao", "zh", names) == "街道 示范街道"
    assert unit_label("street:jiedao", "en", names) == "street jiedao"
    assert unit_label("department:market", "zh") == "部门 market"
    assert UnitNames.from_scenario(None).name("street", "s", "zh") == "s"


@pytest.fixture(scope="module")
def compare_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("names")
    code = main(["compare", str(ROOT / "scenarios" / "beijing_street.yaml"), "--policies",
                 "manual+transfer,algorithmic+whistle", "--replications", "2", "--days", "8",
                 "--out", str(out), "--quiet", "--no-report"])
    assert code == 0
    return out


def _text(path: Path) -> str:
    html = re.sub(r"<style.*?</style>", " ", path.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_chinese_report_uses_the_scenario_names(compare_dir: Path) -> None:
    zh = _text(build_report(compare_dir, lang="zh"))
    assert "城管、生态环境、住建、市场监管" in zh  # departments in the scenario facts
    section = zh[zh.rindex("按事项类别"):]
    assert "违法建设" in section and "illegal_construction" not in section[:2000]
    en = _text(build_report(compare_dir, lang="en"))
    section = en[en.rindex("By category of matter"):]
    assert "illegal_construction" in section and "违法建设" not in section[:2000]
