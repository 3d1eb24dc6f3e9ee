"""Display names of a scenario's streets, departments and categories (名称), per language.

Outputs name units by id (``department:market``), which is what a scenario file says and what
a script joins on. A reader of the Chinese report should see 市场监管, not ``market``: a
scenario may give ``name_zh`` for a street, a department or a category (and ``name`` for the
English report); this module reads them from the scenario recorded in run.json.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class UnitNames:
    """``kind → id → {lang: name}`` for ``street``, ``department`` and ``category``."""

    names: Mapping[str, Mapping[str, Mapping[str, str]]] = field(default_factory=dict)

    @classmethod
    def from_scenario(cls, scenario: Mapping[str, Any] | None) -> UnitNames:
        """The names a scenario document gives; a plain ``name`` written in Chinese counts as
        the Chinese name (older scenarios wrote ``name: 城管``)."""
        if not isinstance(scenario, Mapping):
            return cls()
        org = scenario.get("organisation") or {}
        found: dict[str, dict[str, dict[str, str]]] = {}
        for kind, items in (("street", org.get("streets")), ("department",
                                                              org.get("departments")),
                            ("category", scenario.get("categories"))):
            for item in items or []:
                if not isinstance(item, Mapping) or not item.get("id"):
                    continue
                name, name_zh = str(item.get("name") or ""), str(item.get("name_zh") or "")
                entry: dict[str, str] = {}
                if name_zh:
                    entry["zh"] = name_zh
                if name and _HAN.search(name):
                    entry.setdefault("zh", name)
                elif name:
                    entry["en"] = name
                if entry:
                    found.setdefault(kind, {})[str(item["id"])] = entry
        return cls(found)

    def name(self, kind: str, ident: str, lang: str) -> str:
        """The name of ``ident`` for a reader of ``lang``; its id when the scenario gives none."""
        return self.names.get(kind, {}).get(ident, {}).get(lang, ident)
