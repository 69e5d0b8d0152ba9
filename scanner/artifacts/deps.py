"""Dependency manifests, requirements pinning and lock files (DEP-007)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Set
from dataclasses import dataclass, field
from typing import Any

from scanner.artifacts import _toml, kinds, locate
from scanner.artifacts.pyconfig import PyConfigFacts, requirement_name
from scanner.artifacts.view import RepoView, read_artifact

_INCLUDE = re.compile(r"^(?:-r|--requirement|-c|--constraint)(?:\s+|=)(\S+)")
_EXACT_PIN = re.compile(r"===?\s*[^\s*,;]+(?:\s|;|$)")
_COMMIT = re.compile(r"@[0-9a-f]{40}\b")
_ARCHIVE = re.compile(r"\.(?:whl|tar\.gz|zip)(?:#|$)")
_LOCK_TOOLS = {"uv.lock": "uv", "poetry.lock": "poetry", "pdm.lock": "pdm",
               "Pipfile.lock": "pipenv"}
MAX_INCLUDE_DEPTH = 10


@dataclass(slots=True, frozen=True)
class Requirement:
    path: str
    line: int
    name: str
    text: str
    pinned: bool


@dataclass(slots=True)
class RequirementsFile:
    path: str
    entries: list[Requirement] = field(default_factory=list)
    includes: list[str] = field(default_factory=list)  # -r/-c targets found in the repository
    is_input: bool = False  # a pip-tools `.in` file: its compiled `.txt` is the lock
    error: str | None = None


@dataclass(slots=True, frozen=True)
class LockFile:
    path: str
    tool: str


@dataclass(slots=True)
class DepsFacts:
    requirement_files: list[RequirementsFile] = field(default_factory=list)
    lock_files: list[LockFile] = field(default_factory=list)
    pipfile: str | None = None
    pipfile_entries: list[Requirement] = field(default_factory=list)
    manifests: list[str] = field(default_factory=list)  # every file that declares dependencies
    errors: list[str] = field(default_factory=list)

    @property
    def entries(self) -> list[Requirement]:
        """Entries of the requirements files that install (pip-tools inputs left out)."""
        return [entry for file in self.requirement_files if not file.is_input
                for entry in file.entries]

    @property
    def pinned_share(self) -> float | None:
        """Share of pinned requirements entries (0..1); None without any entry."""
        entries = self.entries
        if not entries:
            return None
        return sum(entry.pinned for entry in entries) / len(entries)

    @property
    def has_lock_file(self) -> bool:
        return bool(self.lock_files)

    @property
    def has_manifest(self) -> bool:
        return bool(self.manifests)


def collect(view: RepoView, pyconfig: PyConfigFacts | None = None) -> DepsFacts:
    facts = DepsFacts()
    _collect_requirements(view, facts)
    facts.lock_files = [LockFile(path, _lock_tool(path))
                        for path in locate.candidates(view, kinds.LOCKFILE)]
    _collect_manifests(view, facts, pyconfig)
    return facts


def _lock_tool(path: str) -> str:
    name = posixpath.basename(path)
    return _LOCK_TOOLS.get(name, "pylock" if name.startswith("pylock") else "unknown")


def _collect_requirements(view: RepoView, facts: DepsFacts) -> None:
    seen: set[str] = set()
    pending = [(path, 0) for path in locate.nearest_group(view, kinds.REQUIREMENTS)]
    known = view.index.path_set
    while pending:
        path, depth = pending.pop(0)
        if path in seen or depth > MAX_INCLUDE_DEPTH:
            continue
        seen.add(path)
        text, error = read_artifact(view, path)
        if text is None:
            facts.errors.append(error or path)
            continue
        parsed = parse_requirements(path, text, known)
        facts.requirement_files.append(parsed)
        pending += [(include, depth + 1) for include in parsed.includes]


def parse_requirements(
    path: str, text: str, known_paths: Set[str] | None = None
) -> RequirementsFile:
    result = RequirementsFile(path=path, is_input=path.endswith(".in"))
    for line, content in _logical_lines(text):
        include = _INCLUDE.match(content)
        if include:
            target = posixpath.normpath(posixpath.join(posixpath.dirname(path), include.group(1)))
            if known_paths is None or target in known_paths:
                result.includes.append(target)
            continue
        if content.startswith("-"):
            continue  # options, -e editable installs of local code, index urls
        name = requirement_name(content)
        if name:
            result.entries.append(Requirement(path, line, name, content, is_pinned(content)))
    return result


def is_pinned(requirement: str) -> bool:
    """`==`/`===` with an exact version, a `--hash`, a commit-pinned VCS url or an archive url."""
    spec = requirement.split(";", 1)[0]
    if "--hash" in requirement:
        return True
    if "@" in spec and ("://" in spec or "git+" in spec):
        return bool(_COMMIT.search(spec) or _ARCHIVE.search(spec.split("@", 1)[-1].strip()))
    return _EXACT_PIN.search(spec + " ") is not None and "," not in spec


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Continuations joined, comments dropped; each keeps its first line number."""
    lines: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        content = re.sub(r"(?:^|\s)#.*$", "", raw).strip()
        if not pending:
            start = number
        if content.endswith("\\"):
            pending.append(content[:-1].strip())
            continue
        pending.append(content)
        joined = " ".join(filter(None, pending))
        pending = []
        if joined:
            lines.append((start, joined))
    if any(pending):
        lines.append((start, " ".join(filter(None, pending))))
    return lines


def _collect_manifests(view: RepoView, facts: DepsFacts, pyconfig: PyConfigFacts | None) -> None:
    facts.manifests = [file.path for file in facts.requirement_files]
    declared = {dep.path for dep in pyconfig.dependencies} if pyconfig else set()
    for path in locate.candidates(view, kinds.MANIFEST):
        name = posixpath.basename(path)
        if name == "Pipfile":
            if facts.pipfile is None:
                facts.pipfile = path
                _parse_pipfile(view, facts, path)
            facts.manifests.append(path)
        elif name == "setup.py" or path in declared:
            facts.manifests.append(path)


def _parse_pipfile(view: RepoView, facts: DepsFacts, path: str) -> None:
    text, error = read_artifact(view, path)
    if text is None:
        facts.errors.append(error or path)
        return
    data, toml_error = _toml.load_toml(text)
    if toml_error:
        facts.errors.append(f"{path}: {toml_error}")
    for section in ("packages", "dev-packages"):
        for name, spec in _toml.table(data, section).items():
            line = _toml.line_of(text, section, name)
            facts.pipfile_entries.append(
                Requirement(path, line, name.lower(), f"{name} = {spec}", _pipfile_pinned(spec)))


def _pipfile_pinned(spec: Any) -> bool:
    version = spec.get("version") if isinstance(spec, dict) else spec
    if isinstance(spec, dict) and spec.get("ref"):
        return True
    return isinstance(version, str) and is_pinned(f"x{version}")
