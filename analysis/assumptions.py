"""Assumptions marked ``[est]`` in a scenario file, for the report's last section.

docs/sources.md asks every scenario to flag its estimates (figures with no published source) with an
``[est]`` comment. A planner must see them next to the verdict, so this module reads the raw
YAML text (a YAML parser would drop the comments) and returns each marked line's key, as a
dotted path, with its comment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

MARK = "[est]"

#: ``[est]`` itself and its annotated forms ``[est: why]`` and ``[est; see …]``.
_MARK_PATTERN = re.compile(r"\[est(?:\]|[:;,\s])")

_KEY = re.compile(r"""^(?P<key>"[^"]*"|'[^']*'|[^\s:#'"{\[][^:#]*?)\s*:(?:\s|$)""")

#: ``id`` (or ``name``) of a flow-style list item such as ``- {id: chengguan, size: 8}``.
_FLOW_ID = re.compile(r"""^\{\s*(?:id|name)\s*:\s*["']?([^,}"']+)""")


@dataclass(frozen=True)
class Assumption:
    """One ``[est]`` line: 1-based line number, dotted key path, comment text, value text."""

    line: int
    key: str
    comment: str
    value: str


def _split_comment(text: str) -> tuple[str, str]:
    """Split a YAML line into content and comment, ignoring ``#`` inside quotes."""
    quote = ""
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or text[i - 1] in " \t"):
            return text[:i].rstrip(), text[i + 1:].strip()
    return text.rstrip(), ""


def _depth_change(content: str) -> int:
    """Net opening of flow collections ({ [ minus } ]) on a line, ignoring quoted text."""
    depth, quote = 0, ""
    for ch in content:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
    return depth


def _parse_key(content: str) -> tuple[int, str | None, str]:
    """Indentation of the mapping key on a content line, the key and the value text.

    A list item ``- key: value`` counts as indented past its dash, so its keys nest under the
    list's parent key.
    """
    indent = len(content) - len(content.lstrip(" "))
    body = content.strip()
    while body.startswith("- "):
        indent += 2
        body = body[2:].lstrip()
        indent += len(body) - len(body.lstrip())
    match = _KEY.match(body)
    if match is None:
        return indent, None, body
    key = match.group("key").strip("'\"")
    return indent, key, body[match.end():].strip()


def read_assumptions(scenario_file: Path | str) -> list[Assumption]:
    """Every line of a scenario file that contains ``[est]`` (or ``[est: …]``), with its
    dotted key path.

    A comment-only line describes the key on the next content line (or, at the end of a block,
    the last key seen). A list item whose first key is ``id`` or ``name`` contributes
    ``[value]`` to the path of the keys under it, e.g. ``categories[market].handle_h_median``,
    and so does the ``id`` of a flow-style item (``- {id: chengguan, …}``); continuation lines
    of a flow collection spread over several lines belong to the key that opened it. A remark
    wrapped over several comment lines is reported once, whole. Comments before the first key
    (the file's header, which explains the notation) are skipped. This is a line reader for the
    comments, not a YAML parser: anchors and block scalars are not followed.
    """
    lines = Path(scenario_file).read_text(encoding="utf-8").splitlines()
    parsed: list[tuple[str, str, str] | None] = []  # (path, value, comment) per line
    stack: list[list] = []  # [indent, key, list-item name or ""] per open mapping level

    def path() -> str:
        return ".".join(f"{key}[{item}]" if item else key for _, key, item in stack)

    depth = 0  # open flow collections ({…} or […]) continued from earlier lines
    flow_path = ""
    for raw in lines:
        content, comment = _split_comment(raw)
        if not content.strip():
            parsed.append(None if not comment else ("", "", comment))
            continue
        if depth > 0:  # a continuation line of a multi-line flow collection
            parsed.append((flow_path, content.strip(), comment))
            depth = max(depth + _depth_change(content), 0)
            continue
        indent, key, value = _parse_key(content)
        is_item = content.strip().startswith("- ")
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if key is None:
            flow_id = _FLOW_ID.match(value)
            line_path = path() + (f"[{flow_id.group(1).strip()}]" if flow_id else "")
        elif is_item and key in ("id", "name") and value and stack:
            # name the list item by its id; its other keys nest under this segment
            stack[-1][2] = value.strip("'\"")
            line_path = path()
        else:
            if is_item and stack:
                stack[-1][2] = ""
            stack.append([indent, key, ""])
            line_path = path()
        parsed.append((line_path, value, comment))
        depth = max(_depth_change(value), 0)
        flow_path = line_path
    found: list[Assumption] = []
    first_content = next((i for i, e in enumerate(parsed) if e is not None and e[0]),
                         len(parsed))
    reported_blocks: set[int] = set()
    for index, (raw, entry) in enumerate(zip(lines, parsed, strict=True)):
        if entry is None or not _MARK_PATTERN.search(raw):
            continue
        key_path, value, comment = entry
        if not key_path:
            # a comment-only line; the file's header comment explains notation, not a value
            if index < first_content:
                continue
            start, end = _comment_block(parsed, index)
            if start in reported_blocks:
                continue
            reported_blocks.add(start)
            comment = " ".join(e[2] for e in parsed[start:end] if e is not None)
            key_path, value = _neighbour_key(parsed, end - 1)
        found.append(Assumption(index + 1, key_path, comment or raw.strip(), value))
    return found


def _comment_block(parsed: list[tuple[str, str, str] | None], index: int) -> tuple[int, int]:
    """Bounds [start, end) of the run of comment-only lines around ``index`` (one remark
    wrapped over several lines)."""
    def comment_only(i: int) -> bool:
        entry = parsed[i]
        return entry is not None and not entry[0]

    start, end = index, index + 1
    while start > 0 and comment_only(start - 1):
        start -= 1
    while end < len(parsed) and comment_only(end):
        end += 1
    return start, end


def _neighbour_key(parsed: list[tuple[str, str, str] | None], index: int) -> tuple[str, str]:
    for entry in parsed[index + 1:]:
        if entry is not None and entry[0]:
            return entry[0], entry[1]
    for entry in reversed(parsed[:index]):
        if entry is not None and entry[0]:
            return entry[0], entry[1]
    return "", ""


def find_scenario_file(run: dict, out_dir: Path) -> Path | None:
    """Locate run.json's ``scenario_file``: as written, then relative to the output directory
    and its parents (runs are often started from the repository root)."""
    name = run.get("scenario_file")
    if not name:
        return None
    candidate = Path(name)
    if candidate.is_file():
        return candidate
    if not candidate.is_absolute():
        for base in (out_dir, *out_dir.resolve().parents):
            if (base / candidate).is_file():
                return base / candidate
    return None
