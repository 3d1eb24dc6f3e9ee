"""Experiment files: grid expansion, run keys, and validation messages that name the line."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml

from sim.run.experiment import (
    canonical_json,
    load_experiment,
    make_experiment,
    parse_halfwidth,
    run_key,
)
from sim.scenario.loader import ScenarioError
from sim.stochastic.streams import replication_seed

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data_sweep" / "tiny.yaml"
SCENARIO = ROOT / "scenarios" / "beijing_street.yaml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "exp.yaml"
    path.write_text(text.replace("SCENARIO", str(SCENARIO)), encoding="utf-8")
    return path


def errors(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_experiment(path)
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize("name", ["staffing_vs_demand", "whistle_deadline"])
def test_shipped_experiments_validate(name: str) -> None:
    exp = load_experiment(ROOT / "experiments" / f"{name}.yaml")
    assert exp.name == name
    assert len(exp.policies) == 3
    assert len(exp.configurations) == {"staffing_vs_demand": 12, "whistle_deadline": 3}[name]


def test_grid_expands_in_file_order_with_overrides_applied() -> None:
    exp = load_experiment(TINY)
    params = [c.params for c in exp.configurations]
    assert params == [
        {"organisation.grid_workers_per_grid": 1, "arrivals.scale": 0.8},
        {"organisation.grid_workers_per_grid": 1, "arrivals.scale": 1.3},
        {"organisation.grid_workers_per_grid": 2, "arrivals.scale": 0.8},
        {"organisation.grid_workers_per_grid": 2, "arrivals.scale": 1.3},
    ]
    for config in exp.configurations:
        scn = config.scenario
        assert scn["organisation"]["grid_workers_per_grid"] == config.params[
            "organisation.grid_workers_per_grid"]
        assert scn["arrivals"]["scale"] == config.params["arrivals.scale"]
        assert scn["calendar"]["horizon_days"] == 3  # the fixed overrides
        assert scn["arrivals"]["channels"][0]["surges"] == []
    assert exp.n_runs() == 4 * 2 * 3


def test_run_key_is_the_hash_of_the_canonical_json() -> None:
    exp = load_experiment(TINY)
    config = exp.configurations[1]
    seed = replication_seed(7, 2)
    whole = canonical_json({"scenario": config.scenario, "policy": "manual+transfer",
                            "seed": seed, "days": None})
    expected = hashlib.sha256(whole.encode("utf-8")).hexdigest()
    assert run_key(config.scenario_json, "manual+transfer", seed, None) == expected
    # anything that changes the result changes the key; nothing else does
    assert run_key(config.scenario_json, "algorithmic+whistle", seed, None) != expected
    assert run_key(config.scenario_json, "manual+transfer", seed + 1, None) != expected
    assert run_key(config.scenario_json, "manual+transfer", seed, 2.0) != expected
    assert run_key(exp.configurations[0].scenario_json, "manual+transfer", seed, None) != expected
    assert load_experiment(TINY).configurations[1].scenario_json == config.scenario_json


def test_a_bad_grid_value_is_reported_at_its_line_in_the_experiment(tmp_path: Path) -> None:
    path = write(tmp_path, """version: 1
name: bad
scenario: SCENARIO
grid:
  arrivals.scale:
    - 1.0
    - -2
""")
    lines = errors(path)
    assert len(lines) == 1
    assert lines[0].startswith(f"{path}:7: grid.arrivals.scale[1]: ")
    assert "greater than or equal to 0" in lines[0] and "-2" in lines[0]


def test_a_cross_reference_broken_by_a_value_is_blamed_on_that_value(tmp_path: Path) -> None:
    path = write(tmp_path, """version: 1
name: bad
scenario: SCENARIO
grid:
  organisation.grid_workers_per_grid: [0, 1]
""")
    lines = errors(path)
    assert lines == [f"{path}:5: grid.organisation.grid_workers_per_grid[0]: grid 'g01' has no "
                     "grid workers (value 0)"]


def test_unknown_paths_policies_and_fields(tmp_path: Path) -> None:
    path = write(tmp_path, """version: 1
name: bad
scenario: SCENARIO
policies: [manual+transfer, telepathy+transfer]
grid:
  organisation.departments[42].team_size: [1]
  arrivals.sacle: [1.0]
replications: 0
""")
    text = "\n".join(errors(path))
    assert f"{path}:8: replications: Input should be greater than 0" in text
    path = write(tmp_path, """version: 1
name: bad
scenario: SCENARIO
policies: [manual+transfer, telepathy+transfer]
grid:
  organisation.departments[42].team_size: [1]
""")
    text = "\n".join(errors(path))
    assert f"{path}:6: grid.organisation.departments[42].team_size: " in text
    assert "organisation.departments[42] does not exist" in text
    path = write(tmp_path, """version: 1
name: bad
scenario: SCENARIO
policies: [manual+transfer, telepathy+transfer]
grid:
  arrivals.sacle: [1.0]
""")
    text = "\n".join(errors(path))
    assert f"{path}:6: grid.arrivals.sacle[0]: unknown field" in text
    assert f"{path}:4: policies[1]: telepathy+transfer: unknown dispatch policy 'telepathy'" in text


def test_policy_parameters_can_be_swept_and_are_checked(tmp_path: Path) -> None:
    good = write(tmp_path, """version: 1
name: ok
scenario: SCENARIO
policies: [manual+whistle]
grid:
  policy_params.whistle.report_deadline_h: [0.5, 24]
""")
    exp = load_experiment(good)
    assert [c.scenario["policy_params"]["whistle"]["report_deadline_h"]
            for c in exp.configurations] == [0.5, 24]
    bad = write(tmp_path, """version: 1
name: bad
scenario: SCENARIO
policies: [manual+whistle]
grid:
  policy_params.whistle.report_deadline_h: [0.5, -1]
""")
    lines = errors(bad)
    assert len(lines) == 1 and lines[0].startswith(
        f"{bad}:6: grid.policy_params.whistle.report_deadline_h[1]: ")


def test_target_and_header_checks(tmp_path: Path) -> None:
    path = write(tmp_path, """version: 1
name: bad
scenario: SCENARIO
target: {metric: p99_happiness, halfwidth: five}
""")
    text = "\n".join(errors(path))
    assert "target.metric: unknown metric 'p99_happiness'" in text
    assert "target.halfwidth" in text
    path = write(tmp_path, "version: 1\nname: bad\nscenario: nowhere.yaml\n")
    (line,) = errors(path)
    assert line.startswith(f"{path}:3: scenario: cannot read file")


def test_halfwidth_parsing() -> None:
    assert parse_halfwidth("5%").relative and parse_halfwidth("5%").value == pytest.approx(0.05)
    assert parse_halfwidth(0.5) == parse_halfwidth("0.5")
    assert not parse_halfwidth("0.5").relative
    assert parse_halfwidth("5%").reached(100.0, 4.9) and not parse_halfwidth("5%").reached(100, 6)
    for bad in ("-1", "0%", "abc"):
        with pytest.raises(ValueError):
            parse_halfwidth(bad)


def test_experiment_from_a_dict_without_policies_runs_the_scenario_own() -> None:
    data = yaml.safe_load(TINY.read_text(encoding="utf-8"))
    data.pop("policies")
    exp = make_experiment(data, "inline", base_dir=TINY.parent)
    assert exp.policies == ["manual+transfer"]
    # identical resolved scenarios give identical keys (computed once by a sweep)
    data["grid"] = {"arrivals.scale": [1.0, 1.0]}
    twice = make_experiment(data, "inline", base_dir=TINY.parent)
    assert twice.configurations[0].scenario_json == twice.configurations[1].scenario_json
    assert json.loads(twice.configurations[0].scenario_json)["arrivals"]["scale"] == 1.0


def test_a_run_is_keyed_by_the_policy_parameters_it_reads() -> None:
    exp = load_experiment(ROOT / "experiments" / "whistle_deadline.yaml")
    manual = {c.run_json("manual+transfer") for c in exp.configurations}
    whistle = {c.run_json("manual+whistle") for c in exp.configurations}
    assert len(manual) == 1  # the swept whistle deadline cannot change a transfer run
    assert len(whistle) == len(exp.configurations) == 3
    view = json.loads(exp.configurations[0].run_json("algorithmic+whistle"))
    assert sorted(view["policy_params"]) == ["algorithmic", "whistle"]
    full = json.loads(exp.configurations[0].scenario_json)
    assert {k: v for k, v in full.items() if k != "policy_params"} == {
        k: v for k, v in view.items() if k != "policy_params"}


def test_runs_identical_by_construction_run_once(tmp_path: Path) -> None:
    from sim.run.sweep import run_sweep

    data = yaml.safe_load(TINY.read_text(encoding="utf-8"))
    data["scenario"] = str(SCENARIO)
    data["policies"] = ["manual+transfer", "manual+whistle"]
    data["grid"] = {"policy_params.whistle.report_deadline_h": [2, 24]}
    data["replications"] = 3
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    outcome = run_sweep(load_experiment(path), tmp_path / "out", workers=1)
    assert outcome.computed == 3 + 2 * 3  # transfer once per replication, whistle per value
    import pandas as pd

    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    assert len(runs) == 2 * 2 * 3  # every configuration still has its rows
    base = runs[runs["policy"] == "manual+transfer"].sort_values(["config", "replication"])
    first, second = (base[base["config"] == c].drop(columns=["config", "key",
                     "policy_params.whistle.report_deadline_h", "wall_time_s"]) for c in (0, 1))
    pd.testing.assert_frame_equal(first.reset_index(drop=True), second.reset_index(drop=True))
