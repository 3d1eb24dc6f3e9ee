"""Kill a real ``govsim sweep`` process (kill -9, Ctrl-C) and resume it: nothing that finished
is recomputed or lost, nothing is half-written, and the result equals an uninterrupted sweep."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.run.experiment import load_experiment
from sim.run.sweep import MANIFEST, RUNS_FILE, TIMING_COLUMNS, run_sweep

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data_sweep" / "tiny.yaml"
REPLICATIONS = 6  # 4 configurations × 2 policies × 6 = 48 runs of ~0.1 s

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


@pytest.fixture(scope="module")
def experiment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = yaml.safe_load(TINY.read_text(encoding="utf-8"))
    data["scenario"] = str(ROOT / "scenarios" / "beijing_street.yaml")
    data["replications"] = REPLICATIONS
    path = tmp_path_factory.mktemp("exp") / "kill.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def clean(experiment: Path, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The same sweep, uninterrupted (in this process, sequentially)."""
    out = tmp_path_factory.mktemp("clean")
    run_sweep(load_experiment(experiment), out, workers=1)
    return tidy(out)


def tidy(out: Path) -> pd.DataFrame:
    df = pd.read_parquet(out / RUNS_FILE).drop(columns=list(TIMING_COLUMNS))
    return df.sort_values("key").reset_index(drop=True)


def start(experiment: Path, out: Path, *extra: str) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "sim.cli", "sweep", str(experiment), "--out", str(out),
           "--workers", "2", "-q", "--no-report", *extra]
    # a session of its own: a group to signal like a terminal does, nothing sent to pytest.
    # SIGINT back to its default: a shell starts background jobs with SIGINT ignored, the child
    # would inherit that, and Python then never turns Ctrl-C into KeyboardInterrupt.
    return subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, preexec_fn=_default_sigint)


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def wait_for_runs(out: Path, proc: subprocess.Popen[bytes], at_least: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        folder = out / "runs"
        if folder.is_dir() and len(list(folder.glob("*.json"))) >= at_least:
            return
        if proc.poll() is not None:
            pytest.fail(f"sweep ended early: {proc.communicate()}")
        time.sleep(0.05)
    proc.kill()
    pytest.fail("no runs finished within 120 s")


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")


def snapshot(out: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (out / "runs").glob("*.json")}


def resume(experiment: Path, out: Path) -> dict[str, object]:
    proc = start(experiment, out, "--resume")
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr.decode()
    return json.loads((out / MANIFEST).read_text(encoding="utf-8"))


def test_kill_9_then_resume(experiment: Path, clean: pd.DataFrame, tmp_path: Path) -> None:
    total = len(clean)
    proc = start(experiment, tmp_path)
    wait_for_runs(tmp_path, proc, at_least=6)
    workers = children(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)  # kill -9 of the sweep: no handler runs
    proc.wait(timeout=10)
    proc.communicate()
    # its workers notice that their parent is gone and exit (no orphans computing on)
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in workers), "orphaned worker processes"
    before = snapshot(tmp_path)
    assert 6 <= len(before) < total, "the sweep finished before it could be killed"
    for path in (tmp_path / "runs").glob("*.json"):
        json.loads(path.read_text(encoding="utf-8"))  # every finished file is whole
    manifest = resume(experiment, tmp_path)
    assert manifest["status"] == "complete"
    assert manifest["computed"] == total - len(before)
    assert manifest["reused"] == len(before)
    after = snapshot(tmp_path)
    assert {name: after[name] for name in before} == before  # not rewritten
    assert not list(tmp_path.rglob("*.tmp"))
    pd.testing.assert_frame_equal(tidy(tmp_path), clean)


def test_ctrl_c_keeps_finished_runs_and_exits_130(experiment: Path, clean: pd.DataFrame,
                                                  tmp_path: Path) -> None:
    proc = start(experiment, tmp_path)
    wait_for_runs(tmp_path, proc, at_least=4)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends: the whole group
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr.decode()
    assert "--resume" in stderr.decode()
    assert "Traceback" not in stderr.decode()
    assert not list(tmp_path.rglob("*.tmp")), "half-written files left behind"
    assert not (tmp_path / RUNS_FILE).exists()
    manifest = json.loads((tmp_path / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["status"] == "interrupted"
    before = snapshot(tmp_path)
    assert 4 <= len(before) < len(clean)
    for path in (tmp_path / "runs").glob("*.json"):
        assert json.loads(path.read_text(encoding="utf-8"))["status"] == "ok"
    manifest = resume(experiment, tmp_path)
    assert manifest["computed"] == len(clean) - len(before)
    after = snapshot(tmp_path)
    assert {name: after[name] for name in before} == before
    pd.testing.assert_frame_equal(tidy(tmp_path), clean)
