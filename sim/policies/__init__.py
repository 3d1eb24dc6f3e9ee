"""Policies: dispatch (manual, algorithmic, risk_priority …) × escalation (transfer, whistle …),
registered by name.

Third-party policies register themselves when their module is imported; :mod:`sim.plugins`
imports such modules (the environment variables ``GOVSIM_PLUGINS`` / ``GOVSIM_POLICY_MODULES``
and the entry-point groups ``govsim.plugins`` / ``govsim.policies``, see docs/policies.md).
"""

from __future__ import annotations

from sim.plugins import load_plugins
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
    split_label,
    terms_problems,
    workflow_terms,
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
    "split_label",
    "terms_problems",
    "workflow_terms",
]


load_plugins()
