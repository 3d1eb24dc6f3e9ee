"""'Did you mean …?' for misspelt fields, ids and policy names, and nothing when no name is
close (a suggestion must never be a guess)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.policies import params_problems, policy_problems
from sim.scenario.loader import ScenarioError, load_scenario
from sim.scenario.scenario import Scenario
from sim.scenario.suggest import did_you_mean, field_names

ROOT = Path(__file__).resolve().parents[1]
BROKEN = ROOT / "tests" / "broken"


def _messages(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return [p.message for p in info.value.problems]


def test_did_you_mean() -> None:
    assert did_you_mean("chenguan", ["chengguan", "market"]) == " (did you mean 'chengguan'?)"
    assert did_you_mean("zzz", ["chengguan", "market"]) == ""


def test_fields_are_read_off_the_models() -> None:
    assert "escalation" in field_names(Scenario, ("escalaton",))
    assert {"id", "categories", "shift"} <= field_names(
        Scenario, ("organisation", "departments", 0, "shfit"))


def test_a_misspelt_field_gets_its_name() -> None:
    assert _messages(BROKEN / "unknown_top_level_field.yaml") == [
        "unknown field (did you mean 'escalation'?)"]


def test_a_misspelt_nested_field(tmp_path: Path) -> None:
    text = (ROOT / "scenarios" / "beijing_street.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "s.yaml"
    bad.write_text(text.replace("  high_risk_share: 0.10", "  high_risk_shar: 0.10"),
                   encoding="utf-8")
    assert "unknown field (did you mean 'high_risk_share'?)" in _messages(bad)


def test_a_misspelt_id_gets_the_id() -> None:
    (message,) = _messages(BROKEN / "unknown_shift.yaml")
    assert message.startswith("unknown shift 'dya' (did you mean 'day'?); known: ")


def test_a_misspelt_policy_and_parameter() -> None:
    problems = [m for _, m in policy_problems("manul", {}, "whistel", {})]
    # (the known lists hold whatever plug-ins other tests registered)
    assert problems[0].startswith("unknown dispatch policy 'manul' (did you mean 'manual'?); "
                                  "known: ['algorithmic', 'manual', ")
    assert problems[1].startswith("unknown escalation policy 'whistel' (did you mean "
                                  "'whistle'?); known: [")
    assert params_problems("manual", {"misroute": 0.1}) == [
        (("misroute",), "unknown parameter (did you mean 'misroute_p'?)")]
