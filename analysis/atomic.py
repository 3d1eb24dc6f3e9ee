"""Writing a report's files atomically: a temporary name in the same folder, then ``os.replace``.

A reader (or a run killed with SIGKILL) never finds half a chart or half a report under its
final name. The same rule as :func:`sim.run.output.atomic_write`, which this package may not
import (it reads outputs, not the simulator).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def atomic_write(target: Path, writer: Callable[[Path], object]) -> Path:
    """Call ``writer(tmp_path)`` with a hidden temporary name, then move it to ``target``."""
    target = Path(target)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        writer(tmp)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return target
