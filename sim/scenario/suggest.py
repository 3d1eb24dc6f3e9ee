""""Did you mean …?" for misspelt field names, ids and policy names (你是不是想写 …).

A planner who types ``recieved`` or ``chenguan`` should be told the name they meant, not only
that theirs is unknown. Suggestions come from :func:`difflib.get_close_matches` over the names
that are valid at that place: the fields of the pydantic model the document reached there, or
the ids the scenario defines.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

#: How alike a name must be to be suggested (difflib's ratio; 0.6 is its default).
CUTOFF = 0.6


def did_you_mean(name: object, known: Iterable[object]) -> str:
    """``" (did you mean 'chengguan'?)"`` when a known name is close to ``name``, else ``""``."""
    names = [str(k) for k in known]
    close = difflib.get_close_matches(str(name), names, n=1, cutoff=CUTOFF)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _members(annotation: Any) -> list[Any]:
    """The types an annotation may hold, through Optional, unions and Annotated."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _members(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for a in typing.get_args(annotation) for m in _members(a)]
    return [annotation]


def _step(annotation: Any, key: str | int) -> list[Any]:
    """The annotations one location step below ``annotation`` (several through a union)."""
    out: list[Any] = []
    for member in _members(annotation):
        origin = typing.get_origin(member)
        args = typing.get_args(member)
        if isinstance(member, type) and issubclass(member, BaseModel):
            field = member.model_fields.get(str(key))
            if field is not None:
                out.append(field.annotation)
            else:  # a union tag pydantic put in the location (``lognormal``): stay here
                out.append(member)
        elif origin in (list, tuple, set, frozenset) and args and isinstance(key, int):
            out.append(args[0])
        elif origin is dict and len(args) == 2:
            out.append(args[1])
    return out


def field_names(model: type[BaseModel], loc: tuple[str | int, ...]) -> set[str]:
    """Fields valid at pydantic error location ``loc[:-1]`` of ``model`` (the last part is the
    name that was not accepted)."""
    level: list[Any] = [model]
    for key in loc[:-1]:
        level = [a for ann in level for a in _step(ann, key)]
    names: set[str] = set()
    for ann in level:
        for member in _members(ann):
            if isinstance(member, type) and issubclass(member, BaseModel):
                names.update(member.model_fields)
    return names


def field_hint(model: type[BaseModel] | None, loc: tuple[str | int, ...]) -> str:
    """A did-you-mean for an unknown field at ``loc``, or ``""``."""
    if model is None or not loc:
        return ""
    return did_you_mean(loc[-1], field_names(model, loc))
