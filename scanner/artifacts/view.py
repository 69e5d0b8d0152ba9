"""The read-only window the artefact parsers get onto a scanned repository."""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any


def split_path(path: str) -> tuple[str, str]:
    """`posixpath.split(path)`, with a quicker way through the usual "a/b/c.py"."""
    folder, slash, name = path.rpartition("/")
    if slash and (not folder or folder.endswith("/")):  # "/x", "a//x": posixpath's own rules
        return posixpath.split(path)
    return folder, name


class PathIndex:
    """A view's paths by file name and by folder, built once per view so that searches for
    each artefact kind look names and folders up instead of looping over every path.

    `derived` holds results computed from these paths by other modules (locate keeps its
    ranked candidates there, keyed by kind and app root) so they are computed once per view.
    """

    __slots__ = ("_count", "_source", "by_folder", "by_name", "derived", "path_set")

    def __init__(self, paths: list[str]) -> None:
        self._source = paths
        self._count = len(paths)
        self.path_set = frozenset(paths)
        by_name: defaultdict[str, list[str]] = defaultdict(list)
        by_folder: defaultdict[str, list[tuple[str, str]]] = defaultdict(list)
        for path in paths:
            folder, name = split_path(path)
            by_name[name].append(path)
            by_folder[folder].append((path, name))
        self.by_name: dict[str, list[str]] = dict(by_name)  # name -> paths, in `paths` order
        self.by_folder: dict[str, list[tuple[str, str]]] = dict(by_folder)  # -> (path, name)
        self.derived: dict[Hashable, Any] = {}

    def describes(self, paths: list[str]) -> bool:
        """False once the view's list was replaced or grew/shrank (then the index is rebuilt)."""
        return paths is self._source and len(paths) == self._count

    def named(self, name: str) -> list[str]:
        return self.by_name.get(name, [])


@dataclass(slots=True)
class RepoView:
    """Every file path of the repository plus a guarded reader; built by the engine.

    `paths` are relative posix paths, already filtered (no .git, venvs, node_modules).
    `read_text` returns None for unreadable, binary or oversized files.
    `app_root` is "." or a relative folder such as "services/api".
    """

    paths: list[str]
    read_text: Callable[[str], str | None]
    app_root: str = "."
    _index: PathIndex | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def index(self) -> PathIndex:
        """Path lookups for this view, built on first use and kept while `paths` is unchanged."""
        if self._index is None or not self._index.describes(self.paths):
            self._index = PathIndex(self.paths)
        return self._index

    @classmethod
    def from_files(cls, files: Mapping[str, str], app_root: str = ".") -> RepoView:
        """An in-memory view, for tests and for callers that already hold the texts."""
        return cls(paths=sorted(files), read_text=files.get, app_root=app_root)


@dataclass(slots=True, frozen=True)
class SourceLine:
    """One line of a repository file a rule may cite: a command, a setting, a heading."""

    path: str
    line: int
    text: str


# Larger artefacts are generated or vendored; parsing them costs time and says nothing.
MAX_ARTIFACT_CHARS = 2_000_000


def read_artifact(view: RepoView, path: str) -> tuple[str | None, str | None]:
    """Return (text, error): the text of an artefact, or why it could not be used."""
    try:
        text = view.read_text(path)
    except Exception as exc:  # the reader is the engine's; a failure there must not stop us
        return None, f"{path}: unreadable ({type(exc).__name__})"
    if text is None:
        return None, f"{path}: unreadable, binary or too large"
    if len(text) > MAX_ARTIFACT_CHARS:
        return None, f"{path}: larger than {MAX_ARTIFACT_CHARS} characters, skipped"
    return text.lstrip("\ufeff"), None
