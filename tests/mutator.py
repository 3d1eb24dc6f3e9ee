"""A seeded mutator of YAML input files, for the fuzz tests (tests/test_fuzz.py).

Each mutant is one shipped file with one to three defects a careless edit, a bad export or a
hostile sender could make: a key deleted, a value of another type, an extreme or non-finite
number, an item duplicated, the text truncated, a line repeated, the file in another encoding.
Mutations of the document are applied to the parsed data and dumped again; mutations of the
text are applied to the bytes. The same ``seed`` always gives the same mutant.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import yaml

#: values that replace a value of another type
ODD_VALUES: tuple[Any, ...] = (
    None, "", "text", "0.8", "1e200", "2025-02-30", 0, -1, 1, True, False, [], {}, [1, "a"],
    {"x": 1}, 1e300, -1e300, 10**12, 10**30, math.nan, math.inf, -math.inf, 1e-300, 0.5,
    "manual+transfer", "g1", "nan", "inf", "00:00-24:00", "25:00-26:00", 2**63,
)
#: factors an existing number is multiplied by (extreme but finite)
FACTORS = (0.0, -1.0, 1e-9, 1e3, 1e6, 1e9, 1e12, 1e200)


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value in the document (the root excluded)."""
    out: list[tuple[Any, ...]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            out.append((*path, key))
            out.extend(_paths(value, (*path, key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.append((*path, i))
            out.extend(_paths(value, (*path, i)))
    return out


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    node = doc
    for key in path[:-1]:
        node = node[key]
    return node


def delete_key(doc: Any, rng: random.Random) -> None:
    paths = _paths(doc)
    if paths:
        path = rng.choice(paths)
        del _parent(doc, path)[path[-1]]


def change_type(doc: Any, rng: random.Random) -> None:
    paths = _paths(doc)
    if paths:
        path = rng.choice(paths)
        _parent(doc, path)[path[-1]] = rng.choice(ODD_VALUES)


def extreme_number(doc: Any, rng: random.Random) -> None:
    paths = [p for p in _paths(doc) if isinstance(_parent(doc, p)[p[-1]], int | float)
             and not isinstance(_parent(doc, p)[p[-1]], bool)]
    if paths:
        path = rng.choice(paths)
        parent = _parent(doc, path)
        value = parent[path[-1]] * rng.choice(FACTORS)
        parent[path[-1]] = int(value) if isinstance(parent[path[-1]], int) and (
            math.isfinite(value)) else value


def duplicate_item(doc: Any, rng: random.Random) -> None:
    lists = [p for p in _paths(doc) if isinstance(_parent(doc, p)[p[-1]], list)
             and _parent(doc, p)[p[-1]]]
    if lists:
        items = _parent(doc, path := rng.choice(lists))[path[-1]]
        items.insert(rng.randrange(len(items) + 1), rng.choice(items))


def rename_key(doc: Any, rng: random.Random) -> None:
    keys = [p for p in _paths(doc) if isinstance(p[-1], str)]
    if keys:
        path = rng.choice(keys)
        parent = _parent(doc, path)
        parent[path[-1] + rng.choice(["x", "_", "s"])] = parent.pop(path[-1])


DOC_MUTATIONS: tuple[Callable[[Any, random.Random], None], ...] = (
    delete_key, change_type, change_type, extreme_number, extreme_number, extreme_number,
    duplicate_item, duplicate_item, rename_key,
)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def repeat_line(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    i = rng.randrange(len(lines))
    lines.insert(i, lines[i])
    return b"\n".join(lines)


def other_encoding(data: bytes, rng: random.Random) -> bytes:
    text = data.decode("utf-8")
    encoding = rng.choice(["utf-16", "gb18030", "latin-1", "utf-8-sig"])
    return text.encode(encoding, errors="replace")


def flip_byte(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    i = rng.randrange(len(data))
    return data[:i] + bytes([rng.randrange(256)]) + data[i + 1:]


TEXT_MUTATIONS: tuple[Callable[[bytes, random.Random], bytes], ...] = (
    truncate, repeat_line, other_encoding, flip_byte,
)


def mutate(text: str, seed: int) -> tuple[bytes, list[str]]:
    """A mutant of ``text`` (YAML) and the names of the mutations applied."""
    rng = random.Random(seed)
    applied: list[str] = []
    if rng.random() < 0.75:
        doc = yaml.safe_load(text)
        for _ in range(rng.choices((1, 2, 3), weights=(6, 3, 1))[0]):
            mutation = rng.choice(DOC_MUTATIONS)
            mutation(doc, rng)
            applied.append(mutation.__name__)
        data = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False).encode("utf-8")
    else:
        data = text.encode("utf-8")
    if rng.random() < 0.3 or not applied:
        mutation = rng.choice(TEXT_MUTATIONS)
        data = mutation(data, rng)
        applied.append(mutation.__name__)
    return data, applied
