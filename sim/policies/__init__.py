"""Policies: dispatch (manual, …) × escalation (transfer, …), registered by name."""

from sim.policies import manual, transfer  # noqa: F401  (registers the built-in policies)
from sim.policies.base import (
    DISPATCH,
    ESCALATION,
    DispatchPolicy,
    EscalationPolicy,
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
    "parse_label",
    "policy_problems",
    "register_dispatch",
    "register_escalation",
]
