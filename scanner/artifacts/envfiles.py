"""Committed `.env` files and their KEY=VALUE pairs (SEC-012); templates are left out."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from scanner.artifacts import kinds, locate
from scanner.artifacts.view import RepoView, read_artifact

_ASSIGNMENT = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$")


@dataclass(slots=True, frozen=True)
class EnvEntry:
    key: str
    value: str  # unquoted; "" for `KEY=`
    line: int
    quoted: bool


@dataclass(slots=True)
class EnvFile:
    path: str
    entries: list[EnvEntry] = field(default_factory=list)
    error: str | None = None


def collect(view: RepoView) -> list[EnvFile]:
    files = []
    for path in locate.candidates(view, kinds.ENVFILE):
        text, error = read_artifact(view, path)
        files.append(parse_env(path, text) if text is not None else EnvFile(path, error=error))
    return files


def parse_env(path: str, text: str) -> EnvFile:
    result = EnvFile(path=path)
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        match = _ASSIGNMENT.match(lines[index].strip())
        start = index + 1
        index += 1
        if not match:
            continue
        key, raw = match.group(1), match.group(2)
        if raw[:1] in ("'", '"') and raw.count(raw[0]) < 2:
            raw, index = _multiline(raw, lines, index)  # a quoted value spanning lines
        value, quoted = _unquote(raw)
        result.entries.append(EnvEntry(key, value, start, quoted))
    return result


def _multiline(raw: str, lines: list[str], index: int) -> tuple[str, int]:
    quote = raw[0]
    parts = [raw]
    while index < len(lines) and len(parts) < 1000:
        parts.append(lines[index])
        index += 1
        if quote in lines[index - 1]:
            break
    return "\n".join(parts), index


def _unquote(raw: str) -> tuple[str, bool]:
    raw = raw.strip()
    if raw[:1] in ("'", '"'):
        closing = raw.find(raw[0], 1)
        if closing > 0:
            return raw[1:closing], True
        return raw[1:], True
    return re.sub(r"\s+#.*$", "", raw).strip(), False
