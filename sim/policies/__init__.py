"""Policies: dispatch (manual, algorithmic, risk_priority …) × escalation (transfer, whistle …),
registered by name.

Third-party policies register themselves when their module is imported. ``govsim`` imports the
modules named in the environment variable ``GOVSIM_POLICY_MODULES`` (comma-separated, importable
from ``sys.path``) and those of the ``govsim.policies`` entry-point group (see docs/policies.md).
"""

from __future__ import annotations

import importlib
import os
from importlib.metadata import entry_points

from sim.policies import algorithmic, manual, transfer, whistle  # noqa: F401  (built-ins)
from sim.policies.base import (
    DISPATCH,
    ESCALATION,
    DispatchPolicy,
    EscalationPolicy,
    choice_problems,
    params_problems,
    parse_label,
    policy_problems,
    register_dispatch,
    register_escalation,
)

__all__ = [
    "DISPATCH",
    "ESCALATION",
    "DispatchPolicy",
    "EscalationPolicy",
    "choice_problems",
    "load_plugins",
    "params_problems",
    "parse_label",
    "policy_problems",
    "register_dispatch",
    "register_escalation",
]


def load_plugins() -> list[str]:
    """Import policy plug-ins (env ``GOVSIM_POLICY_MODULES`` and entry points); their names."""
    loaded = []
    for module in filter(None, (m.strip() for m in
                                os.environ.get("GOVSIM_POLICY_MODULES", "").split(","))):
        importlib.import_module(module)
        loaded.append(module)
    for ep in entry_points(group="govsim.policies"):
        ep.load()
        loaded.append(ep.value)
    return loaded


load_plugins()
