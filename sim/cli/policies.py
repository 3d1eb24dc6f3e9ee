"""``govsim policies``: the dispatch and escalation policies a label may combine, each with its
parameters, their defaults and what they mean (the registry, plug-ins included)."""

from __future__ import annotations

import argparse
import types
import typing
from typing import Any, Literal

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from sim.plugins import load_plugins
from sim.policies import DISPATCH, ESCALATION


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("policies", help="list the dispatch and escalation policies and their "
                                        "parameters")
    p.set_defaults(func=command)


def _type_name(annotation: Any) -> str:
    """A parameter's type as a user writes it: ``fifo | edf | risk``, ``distribution``."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is Literal:
        return " | ".join(str(a) for a in args)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin in (typing.Union, types.UnionType):
        names = [a for a in args if a is not type(None)]
        if names and all(getattr(a, "__module__", "") == "sim.stochastic.distributions"
                         for a in names):
            text = "distribution"
        else:
            text = " | ".join(dict.fromkeys(_type_name(a) for a in names))
        return text + (" or null" if type(None) in args else "")
    if origin is list:
        return f"list of {_type_name(args[0])}" if args else "list"
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return "mapping"
        return {"float": "number", "int": "integer", "bool": "true | false",
                "str": "text"}.get(annotation.__name__, annotation.__name__)
    return str(annotation)


def _default(info: Any) -> str:
    if info.default is not PydanticUndefined:
        value = info.default
        return "null" if value is None else str(value).lower() if isinstance(value, bool) \
            else str(value)
    if info.default_factory is not None:
        value = info.default_factory()
        if isinstance(value, BaseModel):
            return ", ".join(f"{k}: {v}" for k, v in value.model_dump().items()
                             if v is not None)
        return str(value)
    return "required"


def _summary(cls: type) -> str:
    doc = (cls.__doc__ or "").strip()
    return " ".join(doc.split("\n\n")[0].split()) if doc else ""


def describe(registry: dict[str, type], title: str) -> list[str]:
    """The lines of one registry: each policy's name and summary, then its parameters."""
    lines = [title]
    for name, cls in sorted(registry.items()):
        lines.append(f"  {name}")
        summary = _summary(cls)
        if summary:
            lines.append(f"      {summary}")
        params: type[BaseModel] = cls.Params  # type: ignore[attr-defined]
        for field, info in params.model_fields.items():
            text = f"      {field}: {_type_name(info.annotation)} = {_default(info)}"
            lines.append(text + (f"  — {info.description}" if info.description else ""))
    return lines


def command(args: argparse.Namespace) -> int:
    load_plugins()
    lines = ["A policy label is DISPATCH+ESCALATION (manual+transfer); a dispatch name alone "
             "escalates by transfer.",
             "Parameters come from the scenario's `policy` section (the baseline) or "
             "`policy_params.<name>` (docs/policies.md).", ""]
    lines += describe(DISPATCH, "Dispatch policies (派单):")
    lines.append("")
    lines += describe(ESCALATION, "Escalation policies (上报):")
    print("\n".join(lines))
    return 0
