"""Sweeps: identical results on every executor, common random numbers, failures recorded,
resume without recomputation, precision targets, and the command line."""

from __future__ import annotations

import json
import math
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

import sim.run.runner
from sim.cli.main import main
from sim.run.executors import SequentialExecutor, run_bounded
from sim.run.experiment import Experiment, load_experiment, make_experiment
from sim.run.sweep import (
    MANIFEST,
    RUNS_FILE,
    TIMING_COLUMNS,
    SweepExists,
    execute_run,
    read_cases,
    run_scenario,
    run_sweep,
    sweep,
)

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data_sweep" / "tiny.yaml"


def tiny(**changes: Any) -> Experiment:
    data = yaml.safe_load(TINY.read_text(encoding="utf-8"))
    data.update(changes)
    return make_experiment(data, str(TINY), base_dir=TINY.parent)


def runs_of(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / RUNS_FILE).drop(columns=list(TIMING_COLUMNS))


def assert_same_sweep(a: Path, b: Path, cases: bool = False) -> None:
    left, right = runs_of(a), runs_of(b)
    pd.testing.assert_frame_equal(left, right)
    if cases:
        for name in left["cases_file"]:
            pd.testing.assert_frame_equal(pd.read_parquet(a / name), pd.read_parquet(b / name))


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny sweep with per-case tables, run sequentially in this process."""
    out = tmp_path_factory.mktemp("sequential")
    outcome = run_sweep(tiny(outputs={"cases": True}), out, workers=1)
    assert (outcome.computed, outcome.failed) == (24, 0)
    return out


def test_two_worker_processes_give_identical_results(reference: Path, tmp_path: Path) -> None:
    outcome = run_sweep(tiny(outputs={"cases": True}), tmp_path, workers=2)
    assert outcome.executor == "process pool, 2 workers"
    assert_same_sweep(reference, tmp_path, cases=True)


def test_dask_local_cluster_gives_identical_results(reference: Path, tmp_path: Path) -> None:
    pytest.importorskip("dask.distributed", reason="dask[distributed] is not installed")
    outcome = run_sweep(tiny(outputs={"cases": True}), tmp_path, workers=2, dask="local")
    assert outcome.executor.startswith("Dask LocalCluster")
    assert_same_sweep(reference, tmp_path, cases=True)


def test_runs_table_is_tidy_and_uses_common_random_numbers(reference: Path) -> None:
    runs = pd.read_parquet(reference / RUNS_FILE)
    assert len(runs) == 24 and runs["key"].is_unique
    assert list(runs.columns[:8]) == ["config", "organisation.grid_workers_per_grid",
                                      "arrivals.scale", "policy", "replication", "seed",
                                      "status", "error"]
    assert runs["seed"].dtype == np.uint64 and runs["error"].isna().all()
    assert (runs["status"] == "ok").all()
    # replication k: one seed everywhere, hence the same hotline contacts in every configuration
    # with the same demand, under every policy
    assert runs.groupby("replication")["seed"].nunique().eq(1).all()
    assert runs.groupby(["arrivals.scale", "replication"])["n_contacts"].nunique().eq(1).all()
    assert runs.groupby("replication")["seed"].first().is_unique
    manifest = json.loads((reference / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["status"] == "complete" and manifest["computed"] == 24
    provenance = json.loads((reference / "run.json").read_text(encoding="utf-8"))
    assert provenance["policies"] == ["manual+transfer", "algorithmic+whistle"]
    cases = read_cases(reference, columns=["case_id", "resolution_h"], policy="manual+transfer")
    assert set(cases["arrivals.scale"]) == {0.8, 1.3} and set(cases["policy"]) == {
        "manual+transfer"}


def test_a_run_that_raises_is_recorded_and_the_sweep_goes_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = sim.run.runner.run_one

    def flaky(scenario: Any, policy: Any, replication: int, *args: Any, **kw: Any) -> Any:
        if scenario.arrivals.scale == 1.3 and replication == 1:
            raise RuntimeError("impossible state in test")
        return real(scenario, policy, replication, *args, **kw)

    monkeypatch.setattr(sim.run.runner, "run_one", flaky)
    outcome = run_sweep(tiny(), tmp_path, workers=1)
    assert (outcome.computed, outcome.failed) == (20, 4)
    runs = pd.read_parquet(tmp_path / RUNS_FILE)
    bad = runs[runs["status"] == "error"]
    assert len(bad) == 4 and set(bad["arrivals.scale"]) == {1.3}
    assert (bad["error"] == "RuntimeError: impossible state in test").all()
    assert bad["mean_resolution_h"].isna().all()
    assert runs.loc[runs["status"] == "ok", "mean_resolution_h"].notna().all()
    assert "traceback" in json.loads(next((tmp_path / "failed").glob("*.json")).read_text())
    # --resume retries only the failed runs
    monkeypatch.setattr(sim.run.runner, "run_one", real)
    again = run_sweep(tiny(), tmp_path, workers=1, resume=True)
    assert (again.computed, again.reused, again.failed) == (4, 20, 0)
    assert not any((tmp_path / "failed").iterdir())
    assert (pd.read_parquet(tmp_path / RUNS_FILE)["status"] == "ok").all()


def test_interrupted_sweep_resumes_without_recomputing(
        reference: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = sim.run.runner.run_one
    calls = {"n": 0}

    def stop_after_ten(*args: Any, **kw: Any) -> Any:
        calls["n"] += 1
        if calls["n"] > 10:
            raise KeyboardInterrupt
        return real(*args, **kw)

    monkeypatch.setattr(sim.run.runner, "run_one", stop_after_ten)
    exp = tiny(outputs={"cases": True})
    with pytest.raises(KeyboardInterrupt):
        run_sweep(exp, tmp_path, workers=1)
    assert json.loads((tmp_path / MANIFEST).read_text())["status"] == "interrupted"
    assert not (tmp_path / RUNS_FILE).exists()
    assert not list(tmp_path.rglob("*.tmp"))
    before = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in
              (tmp_path / "runs").glob("*.json")}
    assert len(before) == 10
    with pytest.raises(SweepExists):
        run_sweep(exp, tmp_path, workers=1)
    monkeypatch.setattr(sim.run.runner, "run_one", real)
    outcome = run_sweep(exp, tmp_path, workers=1, resume=True)
    assert (outcome.computed, outcome.reused) == (14, 10)
    after = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in
             (tmp_path / "runs").glob("*.json")}
    assert {name: after[name] for name in before} == before
    assert_same_sweep(reference, tmp_path, cases=True)


def test_precision_target_adds_replications_until_reached_or_capped(tmp_path: Path) -> None:
    target = {"metric": "mean_resolution_h", "halfwidth": "10%", "max_replications": 9,
              "batch": 3}
    exp = tiny(replications=3, target=target)
    outcome = run_sweep(exp, tmp_path, workers=2)
    runs = pd.read_parquet(tmp_path / RUNS_FILE)
    table = pd.read_csv(tmp_path / "target.csv")
    assert set(outcome.replications.values()) <= {3, 6, 9}
    assert len(set(outcome.replications.values())) > 1, "expected configurations to differ"
    for config, reps in outcome.replications.items():
        rows = runs[runs["config"] == config]
        assert sorted(set(rows["replication"])) == list(range(reps))

        def reached(n: int, rows: pd.DataFrame = rows) -> bool:
            for _, g in rows[rows["replication"] < n].groupby("policy"):
                x = g["mean_resolution_h"].to_numpy()
                half = stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size)
                if half > 0.10 * abs(x.mean()):
                    return False
            return True

        # stopped as soon as the target was met, or at the cap
        assert reached(reps) or reps == 9
        assert all(not reached(n) for n in range(3, reps, 3))
        assert table[table["config"] == config]["reached"].all() == reached(reps)


def test_duplicate_configurations_are_computed_once(tmp_path: Path) -> None:
    exp = tiny(grid={"arrivals.scale": [1.0, 1.0]}, policies=["manual+transfer"])
    outcome = run_sweep(exp, tmp_path, workers=1)
    assert (outcome.computed, outcome.reused) == (3, 3)
    runs = pd.read_parquet(tmp_path / RUNS_FILE)
    assert len(runs) == 6 and runs["key"].nunique() == 3


def test_scheduler_keeps_a_bounded_window_whatever_the_number_of_runs() -> None:
    submitted = {"n": 0}
    in_flight = {"now": 0, "most": 0}

    def tasks() -> Any:
        for i in range(5_000):
            submitted["n"] += 1
            yield i, i

    class Counting(ThreadPoolExecutor):
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
            in_flight["now"] += 1
            in_flight["most"] = max(in_flight["most"], in_flight["now"])
            return super().submit(fn, *args, **kwargs)

    seen = 0
    with Counting(max_workers=3) as executor:
        for tag, future in run_bounded(executor, lambda x: x * 2, tasks(), max_pending=6):
            in_flight["now"] -= 1
            seen += 1
            assert future.result() == 2 * tag
            # the plan is read lazily: never more than the window ahead of what finished
            assert submitted["n"] <= seen + 6
    assert seen == 5_000 and in_flight["most"] <= 6


def test_sequential_executor_is_a_concurrent_futures_executor() -> None:
    ex = SequentialExecutor()
    assert ex.submit(pow, 2, 10).result() == 1024
    assert isinstance(ex.submit(int, "x").exception(), ValueError)


def test_worker_function_takes_and_returns_plain_data(tmp_path: Path) -> None:
    exp = tiny()
    config = exp.configurations[0]
    for folder in ("runs", "failed", "cases"):
        (tmp_path / folder).mkdir()
    task = {"key": "k" * 64, "scenario": config.scenario, "digest": "d", "policy":
            "manual+transfer", "replication": 0, "root_seed": 7, "days": None,
            "keep_cases": True, "out_dir": str(tmp_path)}
    json.dumps(task)  # plain data in
    record = execute_run(task)
    json.dumps(record)  # plain data out
    assert record["status"] == "ok" and record["cases_file"] == f"cases/{'k' * 64}.parquet"
    assert (tmp_path / "runs" / f"{'k' * 64}.json").exists()


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                      monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    assert main(["sweep", str(TINY), "--out", str(out), "--workers", "1", "-q",
                 "--no-report"]) == 0
    assert "24 runs: 24 computed, 0 reused, 0 failed" in capsys.readouterr().out
    # the same directory again needs --resume; with it nothing is recomputed
    assert main(["sweep", str(TINY), "--out", str(out), "-q", "--no-report"]) == 2
    assert "add --resume" in capsys.readouterr().err
    assert main(["sweep", str(TINY), "--out", str(out), "--workers", "1", "-q", "--no-report",
                 "--resume"]) == 0
    assert "24 runs: 0 computed, 24 reused" in capsys.readouterr().out
    # bad input: one line per problem, exit 2, nothing written
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY.read_text().replace("arrivals.scale: [0.8, 1.3]",
                                            "arrivals.scale: [0.8, -1]")
                   .replace("../../scenarios", str(ROOT / "scenarios")))
    assert main(["sweep", str(bad), "--out", str(tmp_path / "no")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{bad}:9: grid.arrivals.scale[1]: ") and not (tmp_path / "no").exists()
    assert main(["sweep", str(TINY), "--out", str(tmp_path / "no"),
                 "--target-halfwidth", "lots"]) == 2
    assert "--target-halfwidth" in capsys.readouterr().err
    # a failed run makes the exit code 1
    monkeypatch.setattr(sim.run.runner, "run_one", lambda *a, **k: 1 / 0)
    assert main(["sweep", str(TINY), "--out", str(tmp_path / "f"), "--workers", "1", "-q",
                 "--no-report"]) == 1
    captured = capsys.readouterr()
    assert "24 failed" in captured.out and "ZeroDivisionError" in captured.err


def test_python_api(tmp_path: Path) -> None:
    df = sweep(TINY, tmp_path / "api", workers=1)
    assert len(df) == 24 and df.attrs["out_dir"] == str((tmp_path / "api").resolve())
    cases, summary = run_scenario(ROOT / "scenarios" / "beijing_street.yaml",
                                  policies=["manual+transfer"], replications=2, seed=1,
                                  days=2, overrides={"calendar.warmup_days": 0.5})
    assert list(summary["replication"]) == [0, 1] and len(cases) > 100


def test_shipped_experiment_loads_for_the_sweep() -> None:
    exp = load_experiment(ROOT / "experiments" / "staffing_vs_demand.yaml")
    assert exp.n_runs() == 360
