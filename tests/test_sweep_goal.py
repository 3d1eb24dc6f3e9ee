"""A sweep's goal: the smallest (or largest) setting of a lever that meets the targets, with
the statistics stated, checked before anything runs and shown in both report languages."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.report import build_report
from analysis.sweep import Goal, Target, goal_results
from sim.run.experiment import load_experiment
from sim.run.sweep import run_sweep
from sim.scenario.loader import ScenarioError

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data_sweep" / "tiny.yaml"
SCENARIO = ROOT / "scenarios" / "beijing_street.yaml"

#: a lever x and an outcome m whose replications sit tightly around a known mean per x
MEANS = {1: 0.70, 2: 0.86, 3: 0.95}


def _runs(means: dict[float, float], spread: float = 0.005, reps: int = 6,
          policies: tuple[str, ...] = ("a",)) -> pd.DataFrame:
    wobble = np.linspace(-spread, spread, reps)
    rows = [{"config": i, "policy": p, "replication": k, "x.level": x, "y.held": 1.0,
             "m": mean + wobble[k], "h": 10.0 * x + wobble[k]}
            for p in policies for i, (x, mean) in enumerate(means.items())
            for k in range(reps)]
    runs = pd.DataFrame(rows)
    other = runs.assign(**{"y.held": 2.0, "config": runs["config"] + len(means)})
    return pd.concat([runs, other], ignore_index=True)


def _goal(*targets: Target, prefer: str = "smallest") -> Goal:
    return Goal(tuple(targets), "x.level", prefer)


def test_the_smallest_value_meeting_the_target_is_found_for_every_setting() -> None:
    runs = _runs(MEANS, policies=("a", "b"))
    results = goal_results(runs, _goal(Target("m", ">=", 0.80)))
    assert [(r.policy, r.held, r.value, r.status) for r in results] == [
        ("a", {"y.held": 1.0}, 2.0, "met"), ("a", {"y.held": 2.0}, 2.0, "met"),
        ("b", {"y.held": 1.0}, 2.0, "met"), ("b", {"y.held": 2.0}, 2.0, "met")]
    assert results[0].checks[0].mean == pytest.approx(0.86)
    assert results[0].checks[0].low > 0.80 and results[0].n == 6
    assert goal_results(runs, _goal(Target("m", ">=", 0.90)))[0].value == 3.0
    assert goal_results(runs, _goal(Target("m", ">=", 0.5)))[0].value == 1.0


def test_a_target_out_of_reach_says_so_with_what_the_most_generous_value_reaches() -> None:
    (first, *_) = goal_results(_runs(MEANS), _goal(Target("m", ">=", 0.99)))
    assert (first.value, first.status) == (3.0, "missed")
    assert first.checks[0].side == "missed" and first.checks[0].mean == pytest.approx(0.95)


def test_noise_near_the_bound_is_undecided_not_met() -> None:
    """Replications spread ±0.1 cannot show a mean above 0.9: no false answer, and the
    cheapest value not ruled out is named (x = 1 at 0.70 is ruled out, x = 2 at 0.86 is not)."""
    noisy = _runs({1: 0.70, 2: 0.86, 3: 0.95}, spread=0.10)
    (first, *_) = goal_results(noisy, _goal(Target("m", ">=", 0.90)))
    assert (first.value, first.status) == (2.0, "undecided")
    # a met answer names a cheaper value that might also meet the target
    mixed = _runs({1: 0.80, 2: 0.86}, spread=0.10)
    tight = _runs({2: 0.86}, spread=0.005)
    mixed.loc[mixed["x.level"] == 2, "m"] = tight["m"].to_numpy()
    (first, *_) = goal_results(mixed, _goal(Target("m", ">=", 0.79)))
    assert (first.value, first.status, first.cheaper_undecided) == (2.0, "met", 1.0)


def test_every_target_must_hold_and_bonferroni_widens_the_intervals() -> None:
    runs = _runs(MEANS)
    both = goal_results(runs, _goal(Target("m", ">=", 0.80), Target("h", "<=", 25.0)))
    assert both[0].value == 2.0 and [c.side for c in both[0].checks] == ["met", "met"]
    assert goal_results(runs, _goal(Target("m", ">=", 0.80), Target("h", "<=", 15.0)))[
        0].status == "missed"  # h ≤ 15 holds only at x = 1, m ≥ 0.8 only from x = 2
    one = goal_results(runs, _goal(Target("m", ">=", 0.80)))[0].checks[0]
    two = both[0].checks[0]
    assert two.low < one.low < one.mean == two.mean  # level 1 − α/2 per target


def test_a_lever_whose_large_values_are_cheap() -> None:
    """A report deadline: the loosest value that meets the target is the answer."""
    runs = _runs({0.5: 0.95, 2.0: 0.90, 24.0: 0.70})
    (first, *_) = goal_results(runs, _goal(Target("m", ">=", 0.85), prefer="largest"))
    assert (first.value, first.status) == (2.0, "met")


def _write(tmp_path: Path, goal: str) -> Path:
    path = tmp_path / "exp.yaml"
    path.write_text(f"""version: 1
name: goal
scenario: {SCENARIO}
grid:
  organisation.grid_workers_per_grid: [1, 2]
goal:
{goal}""", encoding="utf-8")
    return path


def _errors(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_experiment(path)
    return [str(p) for p in info.value.problems]


def test_the_goal_is_checked_before_anything_runs(tmp_path: Path) -> None:
    path = _write(tmp_path, '  meets: ["on_time_close_rate >= 0.9"]\n'
                  "  lever: organisation.grid_worker_per_grid\n")
    (line,) = _errors(path)
    assert line.startswith(f"{path}:8: goal.lever: 'organisation.grid_worker_per_grid' is not "
                           "swept (did you mean 'organisation.grid_workers_per_grid'?)")
    path = _write(tmp_path, '  meets: ["on_time_close >= 0.9"]\n')
    (line,) = _errors(path)
    assert line.startswith(f"{path}:7: goal.meets[0]: ") and "unknown metric" in line
    path = _write(tmp_path, '  meets: ["on_time_close_rate = 0.9"]\n')
    assert "write a constraint as 'metric >= number'" in _errors(path)[0]
    path = _write(tmp_path, '  meets: ["on_time_close_rate >= 0.9"]\n')
    assert load_experiment(path).spec.goal.lever == "organisation.grid_workers_per_grid"


#: the tiny test sweep with a goal: the fewest grid workers per grid for a 90 % response rate
GOAL = """
goal:
  meets: ["response_rate >= 0.9"]
  lever: organisation.grid_workers_per_grid
"""


def tiny_with_goal(folder: Path, goal: str = GOAL) -> Path:
    path = folder / "tiny_goal.yaml"
    text = TINY.read_text(encoding="utf-8").replace("../../scenarios/", f"{ROOT}/scenarios/")
    path.write_text(text + goal, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tiny_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("goal_sweep")
    run_sweep(load_experiment(tiny_with_goal(out.parent)), out / "sweep", workers=1)
    return out / "sweep"


def _text(path: Path) -> str:
    html = re.sub(r"<style.*?</style>", " ", path.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize(("lang", "title", "answer"), [
    ("en", "The smallest grid workers per grid that meets the targets", "meets every target"),
    ("zh", "满足目标的最小每网格网格员数", "满足全部目标"),
])
def test_the_sweep_report_answers_the_goal(tiny_sweep: Path, lang: str, title: str,
                                          answer: str) -> None:
    text = _text(build_report(tiny_sweep, lang=lang))
    assert title in text
    section = text[text.rindex(title):]
    assert answer in section[:3000]
    assert ("response rate ≥ 90 %" if lang == "en" else "响应率 ≥ 90 %") in section[:3000]
