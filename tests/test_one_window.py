"""The one-window workflow (一网通办) as users meet it: its section validated with lines, its
policy labels, ``govsim compare`` writing its table and metrics, the directions of its
policies' effects, common random numbers, the workflow battery, and both workflows in one
scenario sharing the departments. Theory: tests/test_one_window_theory.py."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main as cli
from sim.model.model import Model
from sim.policies import split_label
from sim.policies.checks import small_scenario
from sim.run.runner import resolve_policy
from sim.scenario.loader import load_scenario, validate_data
from sim.scenario.scenario import Scenario
from sim.workflows.checks import parametrize_with_checks
from sim.workflows.one_window.workflow import METRICS, OneWindow

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = ROOT / "tests" / "data_workflow" / "services_minimal.yaml"
BROKEN = sorted((ROOT / "tests" / "broken_services").glob("*.yaml"))
MARKER = "# <-- here"


def minimal(demand: float = 1.0, policy: str | None = None) -> Scenario:
    scn = load_scenario(MINIMAL)
    doc = scn.model_dump(mode="json")
    doc["services"]["scale"] = demand
    if policy is not None:
        doc["services"]["policy"] = policy
    return validate_data(doc, "services_minimal.yaml")


# -- the section, validated like the rest of the file ---------------------------------------


@pytest.mark.parametrize("broken", BROKEN, ids=[p.stem for p in BROKEN])
def test_a_broken_section_is_one_line_with_its_path_and_line(
        broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = broken.read_text(encoding="utf-8").splitlines()
    where, _, fragment = lines[0].removeprefix("# expect:").partition("|")
    marked = next(i + 1 for i, line in enumerate(lines) if line.rstrip().endswith(MARKER))
    code = cli.main(["validate", str(broken)])
    out, err = capsys.readouterr()
    assert code == 2 and "Traceback" not in err and out == ""
    pattern = re.compile(rf"^{re.escape(str(broken))}:(\d+): {re.escape(where.strip())}: (.*)$")
    hits = [(int(m.group(1)), m.group(2)) for m in map(pattern.match, err.splitlines()) if m]
    assert any(line == marked and fragment.strip() in message for line, message in hits), err


def test_the_minimal_file_validates(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate", str(MINIMAL)]) == 0


# -- policy labels ---------------------------------------------------------------------------


def test_labels_carry_the_workflow_terms() -> None:
    assert split_label("one_window+parallel+notify_once") == (
        None, None, ("one_window", "parallel", "notify_once"))
    assert split_label("manual+transfer+one_window") == ("manual", "transfer", ("one_window",))
    scn = minimal()
    assert resolve_policy(scn, "department_windows+notify_once").label == \
        "department_windows+notify_once"
    assert resolve_policy(scn, None).label == "one_window"  # the section's own policy
    both = small_scenario().model_dump(mode="json")
    both["services"] = minimal().model_dump(mode="json")["services"]
    both["organisation"]["departments"] += minimal().model_dump(
        mode="json")["organisation"]["departments"]
    combined = validate_data(both, "both.yaml")
    assert resolve_policy(combined, "algorithmic+whistle").label == \
        "algorithmic+whistle+one_window"
    assert resolve_policy(combined, "manual+transfer+department_windows").label == \
        "manual+transfer+department_windows"


@pytest.mark.parametrize(("label", "message"), [
    ("department_windows+parallel", "parallel approval needs one_window"),
    ("manual+transfer", "which this scenario does not run"),
    ("notify_once", "name exactly one of department_windows, one_window"),
    ("one_window+one_window", "exactly one of"),
])
def test_a_bad_combination_is_refused_before_any_run(
        label: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["compare", str(MINIMAL), "--policies", f"one_window,{label}", "-q",
                     "--out", str(tmp_path / "out")])
    _out, err = capsys.readouterr()
    assert code == 2 and message in err and f"--policy {label}" in err, err
    assert not (tmp_path / "out").exists()


def test_terms_of_a_section_the_file_lacks_are_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["compare", str(ROOT / "scenarios" / "beijing_street.yaml"), "--policies",
                     "manual+transfer,manual+transfer+one_window", "-q",
                     "--out", str(tmp_path / "out")])
    assert code == 2 and "'services' section" in capsys.readouterr().err


# -- govsim compare, and the directions of effect ------------------------------------------------


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ow")
    policies = ["department_windows", "department_windows+notify_once", "one_window",
                "one_window+parallel", "one_window+prevalidation+data_sharing+auto_approval"]
    code = cli.main(["compare", str(MINIMAL), "--policies", ",".join(policies), "-r", "6",
                     "--days", "60", "-q", "--no-report", "--out", str(out)])
    assert code == 0
    return out


def test_compare_writes_the_applications_table_and_metrics(compared: Path) -> None:
    apps = pd.read_parquet(compared / "applications.parquet")
    assert list(apps.columns) == ["policy", "replication", *OneWindow.table_columns]
    summary = pd.read_csv(compared / "summary.csv")
    assert set(METRICS) <= set(summary.columns)
    assert "open_applications" in pd.read_csv(compared / "backlog.csv").columns
    resources = pd.read_csv(compared / "resources.csv")
    assert {"window:comprehensive", "window:market", "window:fire", "online"} <= set(
        resources["unit"])


def test_policies_move_the_outcomes_the_right_way(compared: Path) -> None:
    m = pd.read_csv(compared / "summary.csv").groupby("policy").mean(numeric_only=True)
    visits, rework = m["svc_visits_per_app"], m["svc_rework_per_app"]
    # one notice instead of piecemeal ones: fewer rework rounds and trips
    assert rework["department_windows+notify_once"] < rework["department_windows"]
    assert visits["department_windows+notify_once"] < visits["department_windows"]
    # one window: one trip for the whole file instead of one per department
    assert visits["one_window"] < visits["department_windows+notify_once"]
    assert m.loc["one_window", "svc_one_visit_share"] > m.loc["department_windows",
                                                              "svc_one_visit_share"]
    # parallel approval: shorter processing
    assert m.loc["one_window+parallel", "svc_mean_working_days"] < m.loc[
        "one_window", "svc_mean_working_days"]
    reform = "one_window+prevalidation+data_sharing+auto_approval"
    assert rework[reform] < rework["one_window"]
    assert m.loc[reform, "svc_rule_approved_share"] > 0.1
    assert m.loc["one_window", "svc_rule_approved_share"] == 0.0
    # every policy sees the same applications (common random numbers)
    assert m["svc_arrived"].nunique() == 1


def test_arrivals_and_types_are_common_random_numbers() -> None:
    def arrivals(policy: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        scn = minimal(policy=policy)
        result = Model(scn, seed=5).run()
        c = result.items["one_window"]
        order = np.argsort(c["app_id"])
        return c["t_arrival_h"][order], c["service_type"][order], c["channel"][order]

    base = arrivals("department_windows")
    for policy in ("one_window+parallel", "one_window+prevalidation+data_sharing"):
        for a, b in zip(base, arrivals(policy), strict=True):
            assert np.array_equal(a, b)


# -- the workflow battery, and both workflows in one scenario --------------------------------


@parametrize_with_checks([
    ("one_window", lambda demand: minimal(demand)),
    ("one_window", lambda demand: minimal(demand, "department_windows")),
    ("one_window", lambda demand: minimal(demand, "one_window+parallel+notify_once+"
                                          "prevalidation+data_sharing+auto_approval")),
])
def test_workflow_battery(check: Callable[[], None]) -> None:
    check()


def test_both_workflows_share_the_departments() -> None:
    """Complaint orders and approval steps queue for the same department staff (one FIFO
    queue in order of request); each workflow keeps its own table and metrics."""
    base = small_scenario()
    doc = base.model_dump(mode="json")
    services = minimal().model_dump(mode="json")["services"]
    for kind in services["types"]:
        for stage in kind["stages"]:
            for step, dept in zip(stage["steps"], ("d3", "d1"), strict=False):
                step["department"] = dept
        for material in kind["materials"]:
            material.pop("department", None)
    services["hall"]["department_windows"] = {}
    doc["services"] = services
    scn = validate_data(doc, "both.yaml")
    model = Model(scn, seed=4)
    assert [wf.name for wf in model.workflows] == ["closed_loop", "one_window"]
    result = model.run()
    assert len(result.items["one_window"]["app_id"]) > 20
    d3 = next(r for r in result.resources if r["unit"] == "department:d3")
    alone = Model(base, seed=4).run()
    d3_alone = next(r for r in alone.resources if r["unit"] == "department:d3")
    assert d3["busy_h"] > d3_alone["busy_h"]
    order = np.argsort(result.cases["case_id"])
    ref = np.argsort(alone.cases["case_id"])
    assert np.array_equal(result.cases["t_arrival_h"][order], alone.cases["t_arrival_h"][ref])


@pytest.mark.parametrize(("dispatch", "params"), [
    ("algorithmic", {"rule": "skill"}), ("algorithmic", {"rule": "nearest", "queue_order": "edf"}),
    ("risk_priority", {}), ("manual", {"queue_order": "edf"})])
def test_both_workflows_under_closed_loop_queue_orders_and_worker_rules(
        dispatch: str, params: dict[str, object]) -> None:
    """The closed loop's worker-choice rules and queue orders concern complaints; applications
    at the same departments are served by the stated rule, and nothing is lost."""
    doc = small_scenario().model_dump(mode="json")
    services = minimal().model_dump(mode="json")["services"]
    for kind in services["types"]:
        for stage in kind["stages"]:
            for step, dept in zip(stage["steps"], ("d3", "d2"), strict=False):
                step["department"] = dept
        for material in kind["materials"]:
            material.pop("department", None)
    services["hall"]["department_windows"] = {}
    doc["services"] = services
    doc["policy_params"] = {dispatch: params}
    doc["calendar"]["horizon_days"] = 30
    scn = validate_data(doc, "both.yaml")
    from sim.model.invariants import assert_conservation, assert_no_worker_in_two_places

    model = Model(scn, seed=2, policy=scn.policy_spec(dispatch, "whistle"), trace=True)
    result = model.run()
    for name in ("closed_loop", "one_window"):
        assert_conservation(model.workflow(name), result.items[name])
    assert_no_worker_in_two_places(model.units)
    assert (~np.isnan(result.items["one_window"]["t_done_h"])).sum() > 10


def test_the_shipped_file_with_both_workflows_runs_under_combined_labels(
        tmp_path: Path) -> None:
    out = tmp_path / "both"
    code = cli.main(["compare", str(ROOT / "scenarios" / "street_services.yaml"), "--policies",
                     "manual+transfer+department_windows,algorithmic+whistle+one_window+parallel",
                     "-r", "2", "--days", "21", "-q", "--no-report", "--out", str(out)])
    assert code == 0
    summary = pd.read_csv(out / "summary.csv")
    assert list(dict.fromkeys(summary["policy"])) == [
        "manual+transfer+department_windows", "algorithmic+whistle+one_window+parallel"]
    assert summary["svc_dept_hours"].gt(0).all() and summary["n_closed"].gt(0).all()
    assert (out / "cases.parquet").exists() and (out / "applications.parquet").exists()


def test_an_experiment_naming_the_closed_loop_for_a_services_file_is_refused(
        tmp_path: Path) -> None:
    from sim.run.experiment import load_experiment
    from sim.scenario.loader import ScenarioError

    path = tmp_path / "exp.yaml"
    path.write_text(f"version: 1\nname: e\nscenario: {MINIMAL}\n"
                    "policies: [one_window, manual+transfer]\n"
                    "grid:\n  services.data_sharing.share: [0.2, 0.8]\nreplications: 2\n",
                    encoding="utf-8")
    with pytest.raises(ScenarioError, match="which this scenario does not run"):
        load_experiment(path)
    path.write_text(path.read_text(encoding="utf-8").replace(", manual+transfer", ""),
                    encoding="utf-8")
    assert load_experiment(path).policies == ["one_window"]
