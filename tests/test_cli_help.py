"""The command line explains itself: every option has a help text with its default, `govsim
policies` lists every registered policy with its parameters, and `sweep` has a default --out."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from sim.cli.main import build_parser, main
from sim.policies import DISPATCH, ESCALATION

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_every_argument_has_a_help_text() -> None:
    missing = [f"{name} {a.option_strings or a.dest}"
               for name, p in _commands().items() for a in p._actions
               if not isinstance(a, argparse._HelpAction) and not a.help]
    assert missing == []


@pytest.mark.parametrize("command", ["run", "compare", "sweep", "warmup", "backtest"])
def test_help_shows_defaults(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: en)" in text or command == "warmup"
    if command in ("run", "compare"):
        assert "(default: 1)" in text and "(default: 0)" in text  # replications, seed
    if command == "warmup":
        assert "(default: mser5)" in text and "(default: 5)" in text


def test_policies_lists_every_policy_and_parameter(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policies"]) == 0
    out = capsys.readouterr().out
    for registry in (DISPATCH, ESCALATION):
        for name, cls in registry.items():
            assert f"\n  {name}\n" in out
            for field in cls.Params.model_fields:
                assert f"      {field}: " in out
    assert "report_deadline_h: number = 24.0  — [est] non-urgent whistles" in out
    assert "rule: nearest | least_loaded | skill | batch_optimal | fcfs = nearest" in out
    assert "return_delay: distribution = dist: deterministic, value_h: 4.0" in out


def test_sweep_writes_to_results_name_by_default(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code = main(["sweep", str(ROOT / "tests" / "data_sweep" / "tiny.yaml"), "-q",
                 "--no-report", "--workers", "1"])
    assert code == 0
    assert (tmp_path / "results" / "tiny" / "runs.parquet").is_file()


def test_the_progress_bar_says_when_its_total_grows() -> None:
    from sim.cli.sweep import _bar_name, _target
    from sim.run.experiment import load_experiment

    plain = load_experiment(ROOT / "experiments" / "staffing_vs_demand.yaml")
    assert _bar_name(plain, _target(plain, None)) == "staffing_vs_demand"
    precise = load_experiment(ROOT / "experiments" / "whistle_deadline.yaml")
    name = _bar_name(precise, _target(precise, None))
    # 3 deadlines × 3 policies × at most 40 replications
    assert name == "whistle_deadline (total grows with the precision target, at most 360 runs)"
