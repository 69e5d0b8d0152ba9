"""The read-only window the artefact parsers get onto a scanned repository."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass


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
