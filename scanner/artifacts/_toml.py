"""TOML through tomllib, plus a line finder (tomllib keeps no positions)."""

from __future__ import annotations

import re
import tomllib
from typing import Any


def load_toml(text: str) -> tuple[dict[str, Any], str | None]:
    try:
        return tomllib.loads(text), None
    except tomllib.TOMLDecodeError as exc:
        return {}, f"invalid TOML: {exc}"
    except Exception as exc:  # RecursionError on absurd nesting: a record, not a crash
        return {}, f"unreadable TOML ({type(exc).__name__})"


def table(data: dict[str, Any], dotted: str) -> dict[str, Any]:
    """data["tool"]["mypy"] for "tool.mypy"; {} when missing or not a table."""
    node: Any = data
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def line_of(text: str, dotted_table: str, key: str | None = None) -> int:
    """Line of `[table]` (or `[[table]]`), or of `key =` inside it; 1 when not found."""
    lines = text.splitlines()
    header = re.compile(rf"^\s*\[\[?\s*{re.escape(dotted_table)}\s*\]\]?\s*(?:#.*)?$")
    start = next((n for n, line in enumerate(lines, 1) if header.match(line)), None)
    if start is None:
        return _dotted_key_line(lines, f"{dotted_table}.{key}" if key else dotted_table)
    if key is None:
        return start
    key_re = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for number in range(start + 1, len(lines) + 1):
        line = lines[number - 1]
        if re.match(r"^\s*\[", line):
            break
        if key_re.match(line):
            return number
    return start


def _dotted_key_line(lines: list[str], dotted: str) -> int:
    parts = dotted.split(".")
    for size in range(len(parts), 0, -1):
        suffix = r"\s*\.\s*".join(re.escape(part) for part in parts[-size:])
        pattern = re.compile(rf"^\s*{suffix}\s*=")
        for number, line in enumerate(lines, 1):
            if pattern.match(line):
                return number
    return 1


def line_containing(text: str, needle: str, default: int = 1) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    return default
