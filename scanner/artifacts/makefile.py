"""Makefile targets and their recipe lines (line-oriented: make has no parser to reuse)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from scanner.artifacts import kinds, locate
from scanner.artifacts.view import RepoView, SourceLine, read_artifact

_RULE = re.compile(r"^([^\t#=:][^=:]*?)\s*::?(?!=)\s*(.*)$")
_ASSIGNMENT = re.compile(r"^\s*(?:export\s+|override\s+)?[\w.-]+\s*(?::=|::=|\?=|\+=|!=|=)")
_DIRECTIVE = re.compile(r"^\s*(?:ifn?eq|ifn?def|else|endif|include|-include|define|endef|export)\b")


@dataclass(slots=True)
class MakeTarget:
    name: str
    line: int
    prerequisites: list[str] = field(default_factory=list)
    recipe: list[SourceLine] = field(default_factory=list)


@dataclass(slots=True)
class MakefileFacts:
    path: str
    targets: dict[str, MakeTarget] = field(default_factory=dict)
    default_target: str | None = None
    error: str | None = None

    def recipe_for(self, target: str | None, depth: int = 3) -> list[SourceLine]:
        """Recipe lines of a target (the default when None) and of its prerequisites."""
        return self._recipe(target or self.default_target, depth, set())

    def _recipe(self, name: str | None, depth: int, seen: set[str]) -> list[SourceLine]:
        if name is None or name in seen or name not in self.targets or depth < 0:
            return []
        seen.add(name)
        target = self.targets[name]
        lines: list[SourceLine] = []
        for prerequisite in target.prerequisites:
            lines.extend(self._recipe(prerequisite, depth - 1, seen))
        return lines + target.recipe


def collect(view: RepoView) -> MakefileFacts | None:
    path = locate.nearest(view, kinds.MAKEFILE)
    return load(view, path) if path else None


def load(view: RepoView, path: str) -> MakefileFacts:
    text, error = read_artifact(view, path)
    if text is None:
        return MakefileFacts(path=path, error=error)
    return parse_makefile(path, text)


def parse_makefile(path: str, text: str) -> MakefileFacts:
    facts = MakefileFacts(path=path)
    current: list[MakeTarget] = []
    for number, line in _logical_lines(text):
        if line.startswith("\t"):
            command = line.strip().lstrip("@-+").strip()
            for target in current:
                if command and not command.startswith("#"):
                    target.recipe.append(SourceLine(path, number, command))
            continue
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        current = _rule_targets(facts, path, number, line)
    return facts


def _rule_targets(facts: MakefileFacts, path: str, number: int, line: str) -> list[MakeTarget]:
    if _ASSIGNMENT.match(line) or _DIRECTIVE.match(line):
        return []
    match = _RULE.match(line)
    if not match:
        return []
    prerequisites_text, _, inline_recipe = match.group(2).partition(";")
    prerequisites = prerequisites_text.split("|")[0].split()
    targets = []
    for name in match.group(1).split():
        target = facts.targets.setdefault(name, MakeTarget(name, number))
        target.prerequisites.extend(prerequisites)
        if inline_recipe.strip():
            target.recipe.append(SourceLine(path, number, inline_recipe.strip()))
        if facts.default_target is None and not name.startswith(".") and "%" not in name:
            facts.default_target = name
        targets.append(target)
    return targets


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Join backslash continuations; each logical line keeps its first line number."""
    lines: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        if raw.endswith("\\"):
            pending.append(raw[:-1].rstrip())
            continue
        pending.append(raw)
        lines.append((start, " ".join(part if i == 0 else part.strip()
                                      for i, part in enumerate(pending))))
        pending = []
    if pending:
        lines.append((start, " ".join(pending)))
    return lines
