"""Atomic file output: write to a temporary name in the same folder, then ``os.replace``.

A crash or Ctrl-C mid-write leaves the previous file (or none), never half a file. The output
folder of a run is staged the same way as a whole (:func:`stage_output`, :func:`publish_output`).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path


def atomic_write(target: Path, writer: Callable[[Path], object]) -> Path:
    """Call ``writer(tmp_path)`` and move the result to ``target`` atomically."""
    target = Path(target)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        writer(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return target


# -- the output folder of a run: all of one run, or what was there before ----------------------

#: the file that marks a folder as the outputs of ``govsim run`` / ``govsim compare``
RUN_MARKER = "run.json"


class OutputFolderError(Exception):
    """``--out`` cannot receive a run's outputs (a file, a folder of other files, a sweep)."""


def _holds_run(out: Path) -> bool:
    """Whether ``out`` holds the outputs of an earlier run or compare (not of a sweep)."""
    try:
        record = json.loads((out / RUN_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(record, dict) and record.get("kind", "run") != "sweep"


def _stale(path: Path) -> bool:
    """A staging folder whose process is gone (killed mid-run)."""
    try:
        pid = int(path.name.rsplit("-", 1)[1])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError):
        return True
    except PermissionError:
        return False
    return pid == os.getpid()


def stage_output(out: Path, option: str = "--out") -> Path:
    """Check that ``out`` may receive a run's outputs and create the staging folder beside it.

    The rule (docs/outputs.md): ``out`` must be new, empty, or hold the outputs of an earlier
    run or compare, which the new outputs replace as a whole; anything else (a file, a folder of
    other files, a sweep) is refused before anything runs. Outputs are written to the staging
    folder and moved into place by :func:`publish_output`, so ``out`` never mixes two runs, and
    a run killed half-way leaves only a hidden ``.NAME.partial-PID`` folder (removed by the next
    run to the same ``out``).
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputFolderError(f"{option} {out} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()) and not _holds_run(out):
        what = "a sweep" if (out / "sweep.json").exists() else "files govsim did not write"
        raise OutputFolderError(f"{option} {out} holds {what}; choose a new or empty folder "
                                "(a folder of an earlier run is replaced as a whole)")
    parent = out.absolute().parent
    for old in parent.glob(f".{out.name}.partial-*"):
        if old.is_dir() and _stale(old):
            shutil.rmtree(old, ignore_errors=True)
    stage = parent / f".{out.name}.partial-{os.getpid()}"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        if stage.exists():
            shutil.rmtree(stage)
        stage.mkdir()
    except OSError as exc:
        raise OutputFolderError(f"{option} {out}: cannot write there "
                                f"({exc.strerror or exc})") from None
    return stage


def publish_output(stage: Path, out: Path) -> Path:
    """Move the finished ``stage`` to ``out``, replacing an earlier run's folder whole."""
    out = Path(out)
    if out.exists():
        old = out.absolute().parent / f".{out.name}.old-{os.getpid()}"
        os.replace(out, old)
        os.replace(stage, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(stage, out)
    return out


def discard_output(stage: Path) -> None:
    """Remove a staging folder after a failed or interrupted run."""
    shutil.rmtree(stage, ignore_errors=True)
