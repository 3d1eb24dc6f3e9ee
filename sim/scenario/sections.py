"""Sections that workflows add to scenario files, registered by their top-level key.

The closed loop's parts are the top level of a version-1 file (:mod:`sim.scenario.closed_loop`).
Any other workflow brings a section of its own: a key (``jobs:``, ``services:`` …), the pydantic
model that validates it and, optionally, a check of its cross-references against the rest of the
file. :class:`~sim.scenario.scenario.Scenario` validates registered sections with the rest of the
file, so their problems are reported with the others, by path and line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from sim.plugins import load_plugins

__all__ = ["Section", "register_section", "registered_sections", "reserve_keys"]

PathKey = tuple[str | int, ...]
#: cross-reference check of a section: ``(the validated Scenario, its section) → [(path from
#: the file's root, message), …]``
SectionCheck = Callable[[Any, Any], list[tuple[PathKey, str]]]


@dataclass(frozen=True)
class Section:
    """A top-level part of scenario files that one workflow reads."""

    key: str
    model: type[BaseModel]
    workflow: str
    check: SectionCheck | None = None


_SECTIONS: dict[str, Section] = {}
#: top-level keys of every scenario file (set by :mod:`sim.scenario.scenario`)
_RESERVED: set[str] = set()


def reserve_keys(keys: Iterable[str]) -> None:
    """Keys no section may take: the fields every scenario file has."""
    _RESERVED.update(keys)


def register_section(section: Section) -> Section:
    """Make ``section.key`` a valid top-level key of scenario files (validated by its model)."""
    if section.key in _RESERVED:
        raise ValueError(f"section key {section.key!r} is a field of every scenario file")
    known = _SECTIONS.get(section.key)
    if known is not None and known.workflow != section.workflow:
        raise ValueError(f"section key {section.key!r} is already registered by workflow "
                         f"{known.workflow!r}")
    _SECTIONS[section.key] = section
    return section


def registered_sections() -> dict[str, Section]:
    """Every registered section by key (plug-ins loaded first)."""
    load_plugins()
    return dict(_SECTIONS)
