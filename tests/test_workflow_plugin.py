"""A second workflow as a plug-in (tests/jobs_workflow.py): validated, run and written through
``govsim`` like the closed loop, and an M/M/c queue by Erlang C; the workflow battery of
sim.workflows.checks on it and on the closed loop."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from jobs_workflow import JobsWorkflow, jobs_scenario
from scipy import stats
from theory import MMc

from sim.model.model import Model
from sim.model.workflow import registered_workflows
from sim.policies.checks import small_scenario
from sim.scenario.loader import ScenarioError, validate_data
from sim.workflows.checks import CHECKS, parametrize_with_checks

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "tests" / "data_workflow" / "mmc_jobs.yaml"
QUEUE = MMc(lam=3.5, mu=1.0 / 0.6, c=3)  # what mmc_jobs.yaml says: ρ = 0.7


def govsim(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """``govsim …`` in a fresh interpreter with the plug-in named in GOVSIM_PLUGINS."""
    env = {**os.environ, "GOVSIM_PLUGINS": "jobs_workflow",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), str(ROOT)])}
    return subprocess.run([sys.executable, "-m", "sim.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def jobs_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("jobs")
    proc = govsim("run", str(SCENARIO), "-r", "20", "--seed", "3", "--days", "200",
                  "--out", str(out), "-q")
    assert proc.returncode == 0, proc.stderr
    return out, proc.stdout


def test_the_plugin_runs_through_govsim_run(jobs_run: tuple[Path, str]) -> None:
    out, stdout = jobs_run
    assert {p.name for p in out.iterdir()} >= {"jobs.parquet", "summary.csv", "resources.csv",
                                               "backlog.csv", "run.json"}
    assert not (out / "cases.parquet").exists()  # no closed loop in this scenario
    jobs = pd.read_parquet(out / "jobs.parquet")
    assert list(jobs.columns) == ["policy", "replication", *JobsWorkflow.table_columns]
    assert jobs["replication"].nunique() == 20
    backlog = pd.read_csv(out / "backlog.csv")
    assert "open_jobs" in backlog.columns and "open_cases" not in backlog.columns
    assert "no report" in stdout and "P(wait)" in stdout
    assert '"jobs"' in (out / "run.json").read_text(encoding="utf-8")  # its section is kept


def test_the_plugin_is_an_mmc_queue(jobs_run: tuple[Path, str]) -> None:
    """Mean wait, probability of waiting and utilisation against Erlang C, within a 99 %
    interval over 20 replications of 200 days; the interval itself must be tight (under 10 %
    of the value), or the comparison would prove nothing."""
    summary = pd.read_csv(jobs_run[0] / "summary.csv")
    for metric, theory in (("jobs_mean_wait_h", QUEUE.wq), ("jobs_p_wait", QUEUE.p_wait),
                           ("jobs_utilization", QUEUE.rho)):
        x = summary[metric].to_numpy()
        half = stats.t.ppf(0.995, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
        assert half < 0.10 * theory, f"{metric}: interval ±{half:.4f} too wide to test"
        assert abs(x.mean() - theory) <= half, (
            f"{metric}: {x.mean():.4f} ± {half:.4f} (99 %), theory {theory:.4f}")


def test_the_plugin_section_is_validated_with_lines(tmp_path: Path) -> None:
    text = SCENARIO.read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("team: desk", "team: nobody").replace("mean_h: 0.6",
                                                                       "mean_h: -1"),
                   encoding="utf-8")
    proc = govsim("validate", str(bad))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert any(":20: jobs.service" in line and "greater than 0" in line for line in lines), lines
    typo = tmp_path / "typo.yaml"
    typo.write_text(text.replace("rate_per_day: 84", "rate_per_dya: 84"), encoding="utf-8")
    proc = govsim("validate", str(typo))
    assert proc.returncode == 2
    assert any("jobs.rate_per_dya" in line and "unknown field" in line
               for line in proc.stderr.splitlines()), proc.stderr
    assert any("jobs.rate_per_day" in line and "required" in line
               for line in proc.stderr.splitlines()), proc.stderr


def test_warmup_says_it_reads_the_closed_loop() -> None:
    proc = govsim("warmup", str(SCENARIO), "-r", "1", "--days", "10")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "does not run the closed loop" in proc.stderr


def test_a_cross_reference_of_the_section_is_checked() -> None:
    doc = jobs_scenario().model_dump(mode="json")
    doc["jobs"]["team"] = "nobody"
    with pytest.raises(ScenarioError, match=r"jobs\.team: unknown department 'nobody'"):
        validate_data(doc, "doc.yaml")


def test_without_a_workflow_section_the_closed_loop_parts_are_required() -> None:
    doc = jobs_scenario().model_dump(mode="json")
    for key in ("jobs", "arrivals", "categories"):
        del doc[key]
    with pytest.raises(ScenarioError) as err:
        validate_data(doc, "doc.yaml")
    assert [(p.path, p.message) for p in err.value.problems] == [
        (("arrivals",), "required field is missing"),
        (("categories",), "required field is missing")]


def test_both_workflows_in_one_scenario_share_the_units() -> None:
    """A department serves closed-loop orders and jobs alike; each workflow keeps its table
    and metrics, and the closed loop's cases are those of the scenario without jobs."""
    base = small_scenario()
    both = base.model_dump(mode="json")
    both["jobs"] = {"team": "d3", "rate_per_day": 12, "service": {"dist": "exponential",
                                                                  "mean_h": 0.5}}
    scn = validate_data(both, "both.yaml")
    model = Model(scn, seed=4)
    assert [wf.name for wf in model.workflows] == ["closed_loop", "jobs"]
    result = model.run()
    assert len(result.items["jobs"]["job_id"]) > 40
    d3 = next(r for r in result.resources if r["unit"] == "department:d3")
    alone = Model(base, seed=4).run()
    d3_alone = next(r for r in alone.resources if r["unit"] == "department:d3")
    assert d3["busy_h"] > d3_alone["busy_h"]  # the jobs took the department's time
    # the arrivals of the closed loop do not depend on the other workflow (their own streams)
    order = np.argsort(result.cases["case_id"])
    ref = np.argsort(alone.cases["case_id"])
    assert np.array_equal(result.cases["t_arrival_h"][order], alone.cases["t_arrival_h"][ref])


def test_registration_order_puts_the_closed_loop_first() -> None:
    assert list(registered_workflows())[:1] == ["closed_loop"]
    assert "jobs" in registered_workflows()


@parametrize_with_checks([("jobs", lambda demand: jobs_scenario(demand)),
                          ("closed_loop", lambda demand: small_scenario(demand))])
def test_workflow_battery(check: Callable[[], None]) -> None:
    check()


def test_the_battery_catches_a_workflow_that_loses_items(monkeypatch: pytest.MonkeyPatch) -> None:
    real = JobsWorkflow.finish

    def forget_open_jobs(self: JobsWorkflow, horizon_h: float) -> dict[str, float]:
        return {}  # the jobs still open at the end never reach the log

    monkeypatch.setattr(JobsWorkflow, "finish", forget_open_jobs)
    with pytest.raises(AssertionError, match=r"\[conservation\]"):
        CHECKS[0]("jobs", lambda demand: jobs_scenario(demand, servers=1, days=5))
    monkeypatch.setattr(JobsWorkflow, "finish", real)
