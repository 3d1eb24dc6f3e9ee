"""Plug-ins: modules that register policies, workflows or scenario sections when imported.

govsim imports the modules named in the environment variables ``GOVSIM_PLUGINS`` and (its older
name, for policies) ``GOVSIM_POLICY_MODULES`` — comma-separated, importable from ``sys.path`` —
and those of the entry-point groups ``govsim.plugins`` and ``govsim.policies`` of installed
packages (docs/policies.md, docs/workflows.md). Importing twice does nothing, so every registry
may call :func:`load_plugins` before it is read.
"""

from __future__ import annotations

import importlib
import os
from functools import cache
from importlib.metadata import EntryPoint, entry_points

__all__ = ["load_plugins"]

ENV_VARS = ("GOVSIM_PLUGINS", "GOVSIM_POLICY_MODULES")
ENTRY_POINT_GROUPS = ("govsim.plugins", "govsim.policies")


@cache
def _entry_points() -> tuple[EntryPoint, ...]:
    # scanning installed distributions takes milliseconds: once per process
    return tuple(ep for group in ENTRY_POINT_GROUPS for ep in entry_points(group=group))


def load_plugins() -> list[str]:
    """Import every plug-in module (environment variables, then entry points); their names."""
    loaded = []
    for var in ENV_VARS:
        for module in filter(None, (m.strip() for m in os.environ.get(var, "").split(","))):
            importlib.import_module(module)
            loaded.append(module)
    for ep in _entry_points():
        ep.load()
        loaded.append(ep.value)
    return loaded
