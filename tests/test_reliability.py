"""No traceback for any file, argument or environment; runs that cannot hang or explode; the
output-folder rule (docs/outputs.md), including a run killed with SIGKILL.

Broken *files* live in tests/broken/ (tests/test_validate.py); this module covers what is not a
file: the command line's one error path, the work estimate, the zero-time watchdog, the output
folder, the checks of experiments, and large files.
"""

from __future__ import annotations

import functools
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

import sim.model.model as model_module
from sim.cli import main as cli
from sim.engine import SimulationStalled, progress_watchdog
from sim.run.budget import WorkEstimate, estimate_work, too_large
from sim.run.experiment import MAX_CONFIGURATIONS, make_experiment
from sim.scenario.loader import ScenarioError, load_scenario

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "scenario-format.md"
STREET = REPO / "scenarios" / "beijing_street.yaml"


def minimal() -> str:
    text = DOC.read_text(encoding="utf-8")
    m = re.search(r"<!-- minimal-example -->\s*```yaml\n(.*?)```", text, re.S)
    assert m
    return m.group(1)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -- one error path ---------------------------------------------------------------------------


def test_a_bug_is_one_line_and_a_log_file(capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch,
                                          tmp_path: Path) -> None:
    def broken(args: Any) -> int:
        raise RuntimeError("deliberate")

    monkeypatch.setattr("sim.cli.validate.command", broken)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)
    code, _out, err = run_cli(capsys, "validate", "x.yaml")
    assert code == 1
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert "internal error (RuntimeError: deliberate)" in err and "bug in govsim" in err
    log = Path(err.strip().rsplit(" ", 1)[1])
    assert log.parent == tmp_path
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "deliberate" in text and "validate x.yaml" in text


def test_an_os_error_is_one_line(capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    def full(args: Any) -> int:
        raise OSError(28, "No space left on device", "/data/out/cases.parquet")

    monkeypatch.setattr("sim.cli.validate.command", full)
    code, _out, err = run_cli(capsys, "validate", "x.yaml")
    assert (code, err) == (1, "govsim validate: /data/out/cases.parquet: No space left on "
                              "device\n")


@pytest.mark.parametrize("argv, fragment", [
    (["--baseline", "nobody+transfer"], "--baseline 'nobody+transfer' is not one of"),
    (["--policy", "nobody+transfer"], "unknown dispatch policy 'nobody'"),
    (["--days", "1"], "not longer than the scenario's warm-up"),
])
def test_bad_arguments_fail_before_any_run(argv: list[str], fragment: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code, _stdout, err = run_cli(capsys, "run", str(STREET), "--out", str(out), "-q", *argv)
    assert code == 2 and fragment in err and "Traceback" not in err, err
    assert not out.exists() and list(tmp_path.iterdir()) == []  # nothing ran, nothing written


# -- the work estimate ------------------------------------------------------------------------


def test_estimate_counts_contacts_and_workers(tmp_path: Path) -> None:
    scn = load_scenario(write(tmp_path, "m.yaml", minimal()))
    # 20 hotline contacts a day + 2 per grid a day × 2 grids, 14 days, a 1-day surge × 3
    assert estimate_work(scn, 1).cases_per_run == pytest.approx(20 * 14 + 4 * 14 + 20 * 2)
    # 3 street workers, 2 grid workers, 2 + 2 department workers, 1 operator
    assert estimate_work(scn, 1).workers == 10
    assert estimate_work(scn, 4).memory_bytes == pytest.approx(4 * estimate_work(scn, 1)
                                                               .memory_bytes)


def test_too_large_names_the_estimate() -> None:
    small = WorkEstimate(cases_per_run=1e4, workers=100, runs=10, memory_bytes=2e8)
    assert too_large(small, memory_bytes=8 * 2**30) is None
    big = WorkEstimate(cases_per_run=1e9, workers=100, runs=10, memory_bytes=2e13)
    reason = too_large(big, memory_bytes=8 * 2**30)
    assert reason is not None and "1 billion cases" in reason and "18.2 TB" in reason
    slow = WorkEstimate(cases_per_run=1e9, workers=10, runs=1, memory_bytes=1e6)
    assert "events per run" in (too_large(slow, memory_bytes=8 * 2**30) or "")


@pytest.mark.parametrize("edit, fragment", [
    (("arrivals:\n", "arrivals:\n  scale: 1000000000\n"), "cases"),
    (("team_size: 2, categories: [street_order]",
      "team_size: 900000000, categories: [street_order]"), "900,000,008 workers"),
])
def test_a_run_that_cannot_fit_is_refused(edit: tuple[str, str], fragment: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "huge.yaml", minimal().replace(*edit, 1))
    out = tmp_path / "out"
    started = time.perf_counter()
    code, _out, err = run_cli(capsys, "run", str(path), "--out", str(out), "-q")
    assert code == 2 and fragment in err and "--allow-large" in err, err
    assert time.perf_counter() - started < 60 and not out.exists()


def test_a_sweep_that_cannot_fit_is_refused(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    exp = write(tmp_path, "e.yaml", yaml.safe_dump({
        "version": 1, "name": "huge", "scenario": str(STREET),
        "grid": {"arrivals.scale": [1.0, 100_000_000]}, "replications": 1}))
    code, _out, err = run_cli(capsys, "sweep", str(exp), "--out", str(tmp_path / "o"), "-q")
    assert code == 2 and "memory" in err and "--allow-large" in err, err
    assert not (tmp_path / "o").exists()


# -- the watchdog -----------------------------------------------------------------------------


class _Stuck:
    now = 8.0


def test_watchdog_stops_a_loop_in_zero_time() -> None:
    with pytest.raises(SimulationStalled, match=r"not moved past 8 h .*likely cause: reopening"), \
            progress_watchdog(_Stuck(), "reopening", stall_s=0.3, check_s=0.1):
        deadline = time.process_time() + 30
        while time.process_time() < deadline:
            pass
    # the timer and handler are restored
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)


def test_watchdog_lets_a_moving_clock_run() -> None:
    clock = _Stuck()
    with progress_watchdog(clock, stall_s=0.3, check_s=0.1):
        deadline = time.process_time() + 1.0
        while time.process_time() < deadline:
            clock.now += 1e-9


def zero_time_loop(tmp_path: Path) -> Path:
    """Every stage takes zero hours and every case is reopened (almost) forever."""
    text = re.sub(r"\{dist: \w+[^}]*\}", "{dist: deterministic, value_h: 0}", minimal())
    text = text.replace("policy:\n", "travel: {enabled: false}\nevaluation: {satisfied_p_on_time: "
                        "0, satisfied_p_floor: 0, reopen_p: 1, max_reopens: 1000000000}\npolicy:\n")
    return write(tmp_path, "loop.yaml", text)


def test_a_zero_time_reopen_loop_is_a_clear_error(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    quick = functools.partial(progress_watchdog, stall_s=1.0, check_s=0.25)
    monkeypatch.setattr(model_module, "progress_watchdog", quick)
    out = tmp_path / "out"
    code, _out, err = run_cli(capsys, "run", str(zero_time_loop(tmp_path)), "--out", str(out),
                              "-q", "--no-report")
    assert code == 2 and "looping in zero time" in err and "reopen_p" in err, err
    assert not out.exists() and not list(tmp_path.glob(".out.partial-*"))


# -- the output folder ------------------------------------------------------------------------


def tiny(tmp_path: Path) -> Path:
    text = minimal().replace("horizon_days: 14", "horizon_days: 7")
    return write(tmp_path, "tiny.yaml", text)


def test_out_that_is_a_file_or_foreign_folder_is_refused(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    scenario = tiny(tmp_path)
    code, _out, err = run_cli(capsys, "run", str(scenario), "--out", str(scenario), "-q")
    assert code == 2 and "is a file, not a folder" in err
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("my notes", encoding="utf-8")
    code, _out, err = run_cli(capsys, "run", str(scenario), "--out", str(mine), "-q")
    assert code == 2 and "holds files govsim did not write" in err
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    assert not list(tmp_path.glob(".*partial*"))


def test_out_that_cannot_be_written_is_refused(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("", encoding="utf-8")
    code, _out, err = run_cli(capsys, "run", str(tiny(tmp_path)), "--out",
                              str(blocked / "out"), "-q")
    assert code == 2 and "cannot write there" in err and "Traceback" not in err, err


def test_a_run_replaces_a_compare_whole(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    scenario, out = tiny(tmp_path), tmp_path / "out"
    code, _o, err = run_cli(capsys, "compare", str(scenario), "--policies",
                            "manual+transfer,algorithmic+transfer", "--out", str(out), "-q",
                            "--no-report")
    assert code == 0, err
    assert (out / "comparison.csv").exists()
    code, _o, err = run_cli(capsys, "run", str(scenario), "--out", str(out), "-q", "--no-report")
    assert code == 0, err
    assert not (out / "comparison.csv").exists()  # no mixture of the two
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["policies"] == [
        "manual+transfer"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    code, _o, err = run_cli(capsys, "report", str(out), "--baseline", "algorithmic+transfer")
    assert (code, err) == (2, "govsim report: --baseline 'algorithmic+transfer' is not one of "
                              "the policies run: manual+transfer\n")


def test_sweep_refuses_another_experiment_and_a_run_folder(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]
                                                           ) -> None:
    def experiment(name: str) -> Path:
        return write(tmp_path, f"{name}.yaml", yaml.safe_dump({
            "version": 1, "name": name, "scenario": str(tiny(tmp_path)), "replications": 1}))

    out = tmp_path / "sweep"
    code, _o, err = run_cli(capsys, "sweep", str(experiment("first")), "--out", str(out), "-q",
                            "--no-report", "--workers", "1")
    assert code == 0, err
    code, _o, err = run_cli(capsys, "sweep", str(experiment("second")), "--out", str(out),
                            "-q", "--no-report", "--workers", "1", "--resume")
    assert code == 2 and "experiment 'first'" in err and "not of 'second'" in err, err
    run_out = tmp_path / "run"
    assert run_cli(capsys, "run", str(tiny(tmp_path)), "--out", str(run_out), "-q",
                   "--no-report")[0] == 0
    code, _o, err = run_cli(capsys, "sweep", str(experiment("first")), "--out", str(run_out),
                            "-q", "--no-report", "--workers", "1")
    assert code == 2 and "outputs of a govsim run or compare" in err, err


def _final_files_are_whole(out: Path) -> None:
    """What a reader finds under ``out``: nothing, or one complete run (no temporaries, no
    empty files, every table readable)."""
    if not out.exists():
        return
    names = {p.name for p in out.rglob("*")}
    assert {"run.json", "summary.csv", "cases.parquet", "report.html"} <= names, names
    for path in out.rglob("*"):
        assert not path.name.endswith(".tmp"), path
        assert path.is_dir() or path.stat().st_size > 0, path
    json.loads((out / "run.json").read_text(encoding="utf-8"))


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigkill_leaves_no_half_written_files(tmp_path: Path) -> None:
    """Kill ``govsim compare`` (with its report) at several moments: ``--out`` is absent or
    holds one whole run, the first time and when it replaces an earlier run."""
    scenario = write(tmp_path, "s.yaml", minimal())
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim.cli", "compare", str(scenario), "--policies",
           "manual+transfer,algorithmic+whistle", "-r", "3", "--out", str(out), "-q"]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    started = time.monotonic()
    whole = subprocess.run(cmd, cwd=REPO, capture_output=True, env=env, timeout=600)
    assert whole.returncode == 0, whole.stderr
    took = time.monotonic() - started
    _final_files_are_whole(out)
    for fraction in (0.3, 0.6, 0.8, 0.9, 0.97):
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(took * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        _final_files_are_whole(out)
    finished = subprocess.run(cmd, cwd=REPO, capture_output=True, env=env, timeout=600)
    assert finished.returncode == 0, finished.stderr
    _final_files_are_whole(out)
    assert not list(tmp_path.glob(".out.partial-*"))  # the killed runs' staging is gone


# -- experiments ------------------------------------------------------------------------------


def _experiment(**fields: Any) -> dict[str, Any]:
    return {"version": 1, "name": "e", "scenario": str(STREET), "replications": 1,
            "overrides": {"calendar.horizon_days": 2, "calendar.warmup_days": 0.5,
                          "arrivals.channels[0].surges": []}, **fields}


def _problems(doc: dict[str, Any]) -> list[str]:
    text = yaml.safe_dump(doc, sort_keys=False)
    index = {("grid",): 7, ("days",): 9}
    with pytest.raises(ScenarioError) as info:
        make_experiment(yaml.safe_load(text), "e.yaml", index)
    return [str(p) for p in info.value.problems]


def test_a_huge_grid_is_refused_with_its_count() -> None:
    grid = {f"policy_params.whistle.k{i}": list(range(10)) for i in range(9)}
    started = time.perf_counter()
    problems = _problems(_experiment(grid=grid))
    assert time.perf_counter() - started < 10
    assert problems == [f"e.yaml:7: grid: 1,000,000,000 configurations (10 × 10 × 10 × 10 × 10 "
                        f"× 10 × 10 × 10 × 10); an experiment may have at most "
                        f"{MAX_CONFIGURATIONS:,}: sweep fewer values or split it"]


def test_a_swept_number_written_as_text_is_refused() -> None:
    problems = _problems(_experiment(grid={"arrivals.scale": ["0.8", "1.0"]}))
    assert problems == [
        "e.yaml:7: grid.arrivals.scale[0]: '0.8' is text; write it without quotes",
        "e.yaml:7: grid.arrivals.scale[1]: '1.0' is text; write it without quotes"]


def test_swept_values_of_mixed_kinds_are_refused() -> None:
    problems = _problems(_experiment(grid={"organisation.grid_workers_per_grid": [1, True]}))
    assert "e.yaml:7: grid.organisation.grid_workers_per_grid: the values mix numbers and " \
           "true/false; give values of one kind" in problems
    assert "e.yaml:7: grid.organisation.grid_workers_per_grid[1]: true is not a number" in \
        problems


def test_days_not_longer_than_the_warmup_is_refused() -> None:
    problems = _problems(_experiment(days=0.4))
    assert problems == ["e.yaml:9: days: 0.4 days is not longer than the warm-up "
                        "(calendar.warmup_days = 0.5): every case would be excluded from the "
                        "statistics"]


@pytest.mark.parametrize("key", ["organisation.grids[0].nope", "arrivals.channelz.rate",
                                 "organisation.departments[99].team_size"])
def test_a_bad_override_path_is_blamed_on_the_experiment(key: str) -> None:
    for section in ("grid", "overrides"):
        doc = _experiment()
        doc[section] = {**doc.get(section, {}), key: [1] if section == "grid" else 1}
        problems = _problems(doc)
        line = "7:" if section == "grid" else ""
        assert problems and all(p.startswith(f"e.yaml:{line} {section}.{key}")
                                for p in problems), problems


# -- large files ------------------------------------------------------------------------------


def many_grids(n: int) -> str:
    rows = "\n".join(f"    - {{id: g{i}, community: c1, x_km: {i % 300 * 0.1:.1f}, "
                     f"y_km: {i // 300 * 0.1:.1f}}}" for i in range(n))
    text = minimal()
    first = "    - {id: g1, community: c1, x_km: 0.0, y_km: 0.0}\n"
    second = "    - {id: g2, community: c1, x_km: 0.5, y_km: 0.0}\n"
    assert first in text and second in text
    return text.replace(first, rows + "\n").replace(second, "")


@pytest.mark.slow
def test_sixty_thousand_grids_validate_in_seconds_and_near_linearly(tmp_path: Path) -> None:
    times = {}
    for n in (6_000, 60_000):
        path = write(tmp_path, f"g{n}.yaml", many_grids(n))
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "sim.cli", "validate", str(path)],
                              cwd=REPO, capture_output=True, text=True, timeout=300)
        times[n] = time.perf_counter() - started
        assert proc.returncode == 0, proc.stderr
    assert times[60_000] < 60, times
    assert times[60_000] < 25 * times[6_000], times  # linear would be ~10× (plus start-up)


# -- rules the docs state (docs/model.md) -----------------------------------------------------


def test_a_release_at_shift_end_does_not_hand_over() -> None:
    """Shifts are half-open [start, end): a job ending exactly at the end of the shift leaves
    the next case waiting for the next shift."""
    import numpy as np

    from sim.engine import Environment
    from sim.model.team import Team

    env = Environment()
    team = Team(env, "t", "grid", 1, np.array([[0.0, 10.0], [20.0, 30.0]]))
    started: dict[str, float] = {}

    def job(name: str, hours: float):  # type: ignore[no-untyped-def]
        worker = yield team.request(name)
        started[name] = env.now
        yield env.timeout(hours)
        team.release(worker)

    env.process(job("first", 10.0))
    env.process(job("second", 1.0))
    env.run(until=40.0)
    assert started == {"first": 0.0, "second": 20.0}


def test_a_zero_working_hour_deadline_is_due_at_arrival() -> None:
    """The rule of docs/model.md: 0 working hours is due at once, any positive deadline counts
    working time from the next working period."""
    from datetime import datetime

    from sim.calendar import DailyWindow, WorkingCalendar

    office = WorkingCalendar(datetime(2024, 1, 1), 30 * 24, [DailyWindow(9, 17)],
                             ["mon", "tue", "wed", "thu", "fri"])
    saturday_noon = 5 * 24 + 12.0
    monday_nine = 7 * 24 + 9.0
    assert office.add_working_h(saturday_noon, 0.0) == saturday_noon
    assert office.add_working_h(saturday_noon, 0.001) == pytest.approx(monday_nine + 0.001)
    assert office.add_working_days(saturday_noon, 0.0) == saturday_noon
