"""Sections that workflows add to scenario files, registered by their top-level key.

The closed loop's parts are the top level of a version-1 file (:mod:`sim.scenario.closed_loop`).
Any other workflow brings a section of its own: a key (``jobs:``, ``services:`` …), the pydantic
model that validates it and, optionally, a check of its cross-references against the rest of the
file. :class:`~sim.scenario.scenario.Scenario` validates registered sections with the rest of the
file, so their problems are reported with the others, by path and line.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from sim.plugins import load_plugins

__all__ = ["Section", "register_section", "registered_sections", "registered_terms",
           "reserve_keys"]

PathKey = tuple[str | int, ...]
#: cross-reference check of a section: ``(the validated Scenario, its section) → [(path from
#: the file's root, message), …]``
SectionCheck = Callable[[Any, Any], list[tuple[PathKey, str]]]
#: the policy terms a section's own file gives (its ``policy`` label): ``section → terms``
OwnTerms = Callable[[Any], tuple[str, ...]]
#: problems of a combination of a workflow's policy terms: ``terms → [message, …]``
TermsCheck = Callable[[tuple[str, ...]], list[str]]


@dataclass(frozen=True)
class Section:
    """A top-level part of scenario files that one workflow reads.

    ``terms`` are the names of the workflow's own policies and options, written into policy
    labels beside the closed loop's (``one_window+parallel``, ``manual+transfer+one_window``);
    ``own_terms(section)`` gives those the file itself chooses (used when a label names none of
    them) and ``check_terms(terms)`` the problems of a combination.
    """

    key: str
    model: type[BaseModel]
    workflow: str
    check: SectionCheck | None = None
    terms: tuple[str, ...] = ()
    own_terms: OwnTerms | None = None
    check_terms: TermsCheck | None = None


#: modules of the built-in workflows' sections, imported by name when the registry is first
#: read (they live a layer above, in sim.workflows, like plug-ins)
BUILTIN_SECTIONS = ("sim.workflows.one_window.section",)

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
    """Every registered section by key (built-in ones and plug-ins loaded first)."""
    for module in BUILTIN_SECTIONS:
        importlib.import_module(module)
    load_plugins()
    return dict(_SECTIONS)


def registered_terms() -> dict[str, Section]:
    """Every workflow policy term (``one_window``, ``parallel`` …) and the section owning it."""
    return {term: section for section in registered_sections().values()
            for term in section.terms}
