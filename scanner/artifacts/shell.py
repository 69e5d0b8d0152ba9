"""Shell scripts in the repository that CI or a container runs by path (followed one level)."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from scanner.artifacts.locate import normalise_root
from scanner.artifacts.view import RepoView, SourceLine, read_artifact


@dataclass(slots=True)
class ShellScript:
    path: str
    commands: list[SourceLine] = field(default_factory=list)
    error: str | None = None


def parse_script(path: str, text: str) -> ShellScript:
    """Every non-comment line, continuations joined, with its first line number."""
    script = ShellScript(path=path)
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not pending:
            start = number
            if not stripped or stripped.startswith("#"):
                continue
        if stripped.endswith("\\"):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        script.commands.append(SourceLine(path, start, " ".join(filter(None, pending))))
        pending = []
    if pending:
        script.commands.append(SourceLine(path, start, " ".join(pending)))
    return script


def resolve_script(view: RepoView, reference: str, base_dirs: tuple[str, ...] = ()) -> str | None:
    """The repository path a command or CMD names (`./scripts/test.sh`, `/app/start.sh`).

    Tried in order: relative to each base folder, to the app root, to the repository root;
    then, for absolute container paths, the unique repository file whose path ends the same.
    """
    cleaned = reference.strip().strip("'\"")
    if not cleaned or cleaned.endswith("/"):
        return None
    known = view.index.path_set
    relative = cleaned.lstrip("/")
    for base in (*base_dirs, normalise_root(view.app_root), ""):
        candidate = posixpath.normpath(posixpath.join(base, relative)) if relative else ""
        if candidate in known:
            return candidate
    return _unique_suffix_match(view, relative)


def _unique_suffix_match(view: RepoView, relative: str) -> str | None:
    parts = relative.split("/")
    paths = view.index.named(parts[-1])  # every suffix ends with this file name
    for start in range(len(parts)):
        suffix = "/".join(parts[start:])
        matches = [path for path in paths if path == suffix or path.endswith("/" + suffix)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            return None
    return None


def load_script(view: RepoView, path: str) -> ShellScript:
    text, error = read_artifact(view, path)
    return parse_script(path, text) if text is not None else ShellScript(path, error=error)
