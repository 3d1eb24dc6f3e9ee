"""Load scenario files, reporting every problem as ``file:line: path: message``.

One bad file gives one line per problem: the YAML path (``organisation.departments[2].team_size``)
and, where the parser knows it, the line number. Overrides by dotted path (used by sweeps and the
command line) are applied to the raw document before validation, so they get the same messages.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from sim.scenario.checks import check_references
from sim.scenario.scenario import Scenario
from sim.scenario.suggest import field_hint

PathKey = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Problem:
    """One problem in one file."""

    file: str
    path: PathKey
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        dotted = format_path(self.path)
        return f"{where}: {dotted}: {self.message}" if dotted else f"{where}: {self.message}"


class ScenarioError(Exception):
    """Raised with every problem found; ``str()`` is one line per problem."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def format_path(path: PathKey) -> str:
    """``("a", 2, "b")`` → ``a[2].b``."""
    out = ""
    for key in path:
        if isinstance(key, int):
            out += f"[{key}]"
        else:
            out += f".{key}" if out else str(key)
    return out


def parse_dotted(dotted: str) -> PathKey:
    """``a[2].b`` or ``a.2.b`` → ``("a", 2, "b")``."""
    keys: list[str | int] = []
    for part in dotted.replace("]", "").replace("[", ".").split("."):
        if part == "":
            continue
        keys.append(int(part) if part.lstrip("-").isdigit() else part)
    return tuple(keys)


def _line_index(node: yaml.Node, path: PathKey, index: dict[PathKey, int],
                duplicates: list[tuple[PathKey, int]]) -> None:
    """Walk a composed YAML node tree recording the 1-based line of every path.

    A key given twice in one mapping is recorded in ``duplicates`` (YAML forbids it, but PyYAML
    silently keeps the last value, which would hide half of the planner's intent).
    """
    index[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue  # a list or mapping as a key: the models report it
            key = key_node.value
            if key in seen:
                duplicates.append(((*path, key), key_node.start_mark.line + 1))
            seen.add(key)
            index[(*path, key)] = key_node.start_mark.line + 1
            _line_index(value_node, (*path, key), index, duplicates)
            index[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_index(item, (*path, i), index, duplicates)


def _line_for(path: PathKey, index: dict[PathKey, int]) -> int | None:
    for cut in range(len(path), -1, -1):
        line = index.get(tuple(path[:cut]))
        if line is not None:
            return line
    return None


#: limits on what a YAML file may ask of the parser (a hostile or broken file must not hang or
#: exhaust memory): its size, its nesting and how much aliases (``*name``) may add to it
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 64
MAX_ALIAS_NODES = 100_000

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when installed


def _timestamp(loader: Any, node: yaml.ScalarNode) -> Any:
    """A date, or its text when it does not exist (2025-02-30): the field that reads it then
    reports a clear error with its path and line."""
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


class _Loader(_BaseLoader):
    """The safe loader (libyaml's when installed), reading dates that do not exist as text."""


class _PyLoader(yaml.SafeLoader):
    """The pure-Python safe loader: its error messages are the ones documented."""


for _cls in (_Loader, _PyLoader):
    _cls.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def _shape_problem(root: yaml.Node) -> tuple[str, int] | None:
    """Too deep, recursive or alias-bombed: (message, line) of the first such problem, else None.

    One iterative pass over the node graph (aliases share nodes), memoising each node's height
    and expanded size, so a billion-laughs file is measured without being expanded.
    """
    if not isinstance(root, yaml.CollectionNode):
        return None
    height: dict[int, int] = {}  # of collection nodes; a scalar is 1 high and 1 node
    size: dict[int, int] = {}
    written = 0
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = ([n for pair in node.value for n in pair]
                    if isinstance(node, yaml.MappingNode) else node.value)
        if done:
            on_path.discard(key)
            high, total = 0, 1
            for child in children:
                if isinstance(child, yaml.CollectionNode):
                    high = max(high, height[id(child)])
                    total += size[id(child)]
                else:
                    high = max(high, 1)
                    total += 1
            height[key], size[key] = high + 1, total
            continue
        if key in height:
            continue
        if key in on_path:
            return ("an alias refers to a node that contains it (a recursive structure)",
                    node.start_mark.line + 1)
        on_path.add(key)
        if len(on_path) > MAX_DEPTH:
            return (f"nesting deeper than {MAX_DEPTH} levels", node.start_mark.line + 1)
        stack.append((node, True))
        written += 1
        for child in children:
            if isinstance(child, yaml.CollectionNode):
                if id(child) not in height:
                    stack.append((child, False))
            else:
                written += 1
    added = size[id(root)] - written
    if added > MAX_ALIAS_NODES:
        return (f"aliases (*name) expand the document by {added:,} nodes (more than "
                f"{MAX_ALIAS_NODES:,}); write the values out or use fewer nested aliases", 1)
    return None


def _parse(text: str, loader_class: type) -> tuple[Any, Any]:
    """The node tree and the data of ``text``, its shape checked before it is constructed."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        shape = _shape_problem(node) if node is not None else None
        if shape is not None:
            raise ScenarioError([Problem("", (), shape[0], shape[1])])
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def read_yaml(path: Path) -> tuple[Any, dict[PathKey, int]]:
    """Parse YAML, returning the data and a path → line index. Raises ScenarioError.

    The file is parsed once (libyaml when available) and limited in size, nesting and alias
    expansion (:data:`MAX_FILE_BYTES`, :data:`MAX_DEPTH`, :data:`MAX_ALIAS_NODES`).
    """
    name = str(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            limit = MAX_FILE_BYTES // 2**20
            raise ScenarioError([Problem(name, (), f"file is larger than {limit} MB")])
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ScenarioError([Problem(name, (), f"cannot read file: {reason}")]) from None
    except UnicodeDecodeError:
        raise ScenarioError([Problem(name, (), "file is not UTF-8 text")]) from None
    try:
        try:
            node, data = _parse(text, _Loader)
        except yaml.YAMLError as fast_error:
            try:  # word the error as the pure-Python parser does (the documented messages)
                _parse(text, _PyLoader)
            except (yaml.YAMLError, ScenarioError) as exc:
                raise exc from None
            except RecursionError:
                pass
            raise fast_error from None
    except ScenarioError as exc:
        raise ScenarioError([Problem(name, (), p.message, p.line) for p in exc.problems]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError([Problem(name, (), f"YAML syntax error: {reason}", line)]) from None
    index: dict[PathKey, int] = {}
    if node is not None:
        duplicates: list[tuple[PathKey, int]] = []
        _line_index(node, (), index, duplicates)
        if duplicates:
            raise ScenarioError([
                Problem(name, where, "duplicate key: it is given more than once in this mapping",
                        line)
                for where, line in duplicates
            ])
    return data, index


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Set values by dotted path (``arrivals.scale``, ``organisation.departments[0].team_size``).

    Returns a new document; a path through a missing key or list index raises ``KeyError`` with
    the dotted path in its message.
    """
    out = copy.deepcopy(data)
    for dotted, value in overrides.items():
        keys = parse_dotted(dotted)
        if not keys:
            raise KeyError(f"empty override path {dotted!r}")
        node: Any = out
        for depth, key in enumerate(keys[:-1]):
            try:
                node = node[key]
            except (KeyError, IndexError, TypeError):
                raise KeyError(
                    f"override {dotted!r}: {format_path(keys[: depth + 1])} does not exist"
                ) from None
        last = keys[-1]
        in_range = isinstance(last, int) and -len(node) <= last < len(node)
        if isinstance(node, list) and not in_range:
            raise KeyError(f"override {dotted!r}: index {last} out of range")
        if isinstance(node, list):
            node[int(last)] = value
        elif isinstance(node, dict):
            node[last] = value
        else:
            raise KeyError(f"override {dotted!r}: {format_path(keys[:-1])} is not a mapping")
    return out


#: the largest magnitude of any number in a scenario: beyond it no parameter (a rate, a team, a
#: duration in hours, a coefficient of variation) describes a simulable area, and arithmetic on
#: it overflows or allocates without bound
MAX_MAGNITUDE = 1e9
_NUMBER_TEXT = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")


def number_problems(data: Any) -> list[tuple[PathKey, str]]:
    """Every number in ``data`` that is not finite or larger than :data:`MAX_MAGNITUDE`: the
    one rule for all numeric fields, free-form ``policy_params`` included (path, message)."""
    out: list[tuple[PathKey, str]] = []
    stack: list[tuple[PathKey, Any]] = [((), data)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            stack.extend(((*path, k), v) for k, v in node.items() if isinstance(k, str | int))
        elif isinstance(node, list):
            stack.extend(((*path, i), v) for i, v in enumerate(node))
        elif isinstance(node, str) and _NUMBER_TEXT.match(node):
            number = float(node)  # '1e200' (PyYAML reads 1e200 as text); the models accept it
            if not abs(number) <= MAX_MAGNITUDE:
                out.append((path, f"{node} is too large: numbers in a scenario are at most "
                                  "1e9 in size"))
        elif isinstance(node, float) and not math.isfinite(node):
            out.append((path, f"numbers must be finite (got {node!r})"))
        elif isinstance(node, int | float) and not isinstance(node, bool) and (
                abs(node) > MAX_MAGNITUDE):
            shown = f"{node:,}" if isinstance(node, int) else f"{node:g}"
            out.append((path, f"{shown} is too large: numbers in a scenario are at most "
                              "1e9 in size"))
    return sorted(out, key=lambda item: [str(k) for k in item[0]])


def validate_data(
    data: Any, name: str, index: dict[PathKey, int] | None = None
) -> Scenario:
    """Validate a parsed document, raising ScenarioError with every problem."""
    index = index or {}
    if not isinstance(data, dict):
        raise ScenarioError([Problem(name, (), "a scenario must be a YAML mapping", 1)])
    numbers = number_problems(data)
    if numbers:
        raise ScenarioError([Problem(name, p, m, _line_for(p, index)) for p, m in numbers])
    version = data.get("version")
    if type(version) is not int or version != 1:  # True == 1 in Python; a bool is no version
        got = data.get("version", "missing")
        line = _line_for(("version",), index)
        message = f"unsupported version {got!r}; expected 1"
        raise ScenarioError([Problem(name, ("version",), message, line)])
    scn = validate_model(Scenario, data, name, index)
    refs = check_references(scn)
    if refs:
        raise ScenarioError([Problem(name, p, m, _line_for(p, index)) for p, m in refs])
    return scn


def validate_model(model: type[M], data: Any, name: str, index: dict[PathKey, int]) -> M:
    """``data`` validated as ``model``, or ScenarioError with every problem pydantic finds, each
    with its path in the document and its line (any YAML file govsim reads)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            loc = doc_path(data, err["loc"])
            problems.append(Problem(name, loc, clean_message(err, model), _line_for(loc, index)))
        raise ScenarioError(_dedupe(problems)) from None


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read, override and validate a scenario file."""
    path = Path(path)
    data, index = read_yaml(path)
    if overrides:
        if not isinstance(data, dict):
            raise ScenarioError([Problem(str(path), (), "a scenario must be a YAML mapping", 1)])
        try:
            data = apply_overrides(data, overrides)
        except KeyError as exc:
            raise ScenarioError([Problem(str(path), (), str(exc.args[0]))]) from None
    return validate_data(data, str(path), index)


def doc_path(data: Any, loc: tuple[str | int, ...]) -> PathKey:
    """pydantic's error location as a path into the document.

    pydantic inserts parts that are not keys of the file: union member tags (``exponential``,
    ``function-after[...]``) and ``[key]`` for a bad mapping key. Walk the document and drop a
    part that is not in it when the next part is; keep a missing last part (a missing field).
    """
    out: list[str | int] = []
    node = data
    for i, key in enumerate(loc):
        if key == "[key]" or _is_union_tag(key):
            continue
        in_list = isinstance(node, list) and isinstance(key, int) and -len(node) <= key < len(node)
        if in_list or (isinstance(node, dict) and key in node):
            node = node[key]
        else:
            rest = [k for k in loc[i + 1:] if k != "[key]" and not _is_union_tag(k)]
            if isinstance(node, dict) and ((rest and rest[0] in node) or key in node.values()):
                continue  # a union tag such as ``lognormal`` (from ``dist: lognormal``)
            node = None
        out.append(key)
    return tuple(out)


def _is_union_tag(key: str | int) -> bool:
    """pydantic inserts union member tags (``exponential``, ``function-after[...]``) into locs."""
    return isinstance(key, str) and ("[" in key and "]" in key and "(" not in key) and (
        key.startswith(("function-", "list[", "dict[", "tagged-union", "constrained-"))
    )


def clean_message(err: Mapping[str, Any], model: type[BaseModel] | None = None) -> str:
    """pydantic's message for a user: no "Value error," prefix, the value shown, and for an
    unknown field the nearest valid name of ``model`` at that place."""
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if err["type"] == "extra_forbidden":
        hint = field_hint(model, tuple(err["loc"]))
        return (f"unknown field{hint}" if hint
                else "unknown field (check the spelling; see docs/scenario-format.md)")
    if err["type"] == "missing":
        return "required field is missing"
    if err["type"] == "union_tag_invalid":
        ctx = err.get("ctx", {})
        discriminator = str(ctx.get("discriminator", "kind")).strip("'\"")
        return (
            f"unknown {discriminator} {ctx.get('tag')!r}; "
            f"expected one of {ctx.get('expected_tags')}"
        )
    if "input" in err and not isinstance(err["input"], dict | list) and err["type"] != "missing":
        value = err["input"]
        if isinstance(value, float) and math.isnan(value):
            value = "nan"
        msg = f"{msg} (got {value!r})"
    return msg


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[PathKey, str]] = set()
    out = []
    for p in problems:
        if (p.path, p.message) not in seen:
            seen.add((p.path, p.message))
            out.append(p)
    return out
