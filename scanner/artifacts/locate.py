"""Which repository artefacts count for an app root (RULES.md 3.2 and 3.10).

An artefact counts when it sits anywhere under the app root, or directly in one of the
folders on the path from the app root up to the repository root. When several of one kind
exist, the nearest is judged: the app root itself, then deeper under it (shallowest first,
then alphabetical), then each parent folder in turn. Folders of other tooling
(`.devcontainer/`, `docs/`, a frontend with its own `package.json`) are ignored.

Each kind knows its *anchor*: the folder the artefact belongs to. For most kinds that is the
file's own folder; for `.github/workflows/ci.yml` it is the folder holding `.github`, for
`requirements/base.txt` the folder holding `requirements/`.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from scanner.artifacts.view import RepoView

IGNORED_FOLDERS = frozenset({".devcontainer", "docs"})

AnchorFinder = Callable[[str, Collection[str]], "str | None"]


@dataclass(slots=True, frozen=True)
class Kind:
    """One kind of artefact: how to recognise its files and how to describe the search."""

    name: str
    label: str
    anchor: AnchorFinder


def normalise_root(app_root: str) -> str:
    """"." and "" mean the repository root; otherwise a clean relative posix folder."""
    cleaned = posixpath.normpath(app_root.strip().replace("\\", "/")).strip("/")
    return "" if cleaned in ("", ".") else cleaned


def folders_up(app_root: str) -> list[str]:
    """The app root and each parent folder up to the repository root (""), nearest first."""
    root = normalise_root(app_root)
    chain = [root]
    while root:
        root = posixpath.dirname(root)
        chain.append(root)
    return chain


def _is_under(folder: str, root: str) -> bool:
    return root == "" or folder == root or folder.startswith(root + "/")


def _folder(path: str) -> str:
    return posixpath.dirname(path)


def _frontend_folders(paths: Collection[str]) -> set[str]:
    return {_folder(path) for path in paths if posixpath.basename(path) == "package.json"}


def is_ignored(path: str, chain: Collection[str], frontends: Collection[str]) -> bool:
    """True for files inside tooling folders that are not part of the app root chain."""
    parts = path.split("/")[:-1]
    for index, part in enumerate(parts):
        folder = "/".join(parts[: index + 1])
        if folder in chain:
            continue
        if part in IGNORED_FOLDERS or folder in frontends:
            return True
    return False


_CANONICAL_NAMES = frozenset(
    {"Dockerfile", "Containerfile", "docker-compose.yml", "docker-compose.yaml", "compose.yml",
     "compose.yaml", "README.md", "requirements.txt", "Makefile", ".pre-commit-config.yaml"}
)
_SECONDARY_NAME = re.compile(r"dev|test|local|debug|example|sample|ci\b|override", re.IGNORECASE)


def _name_rank(path: str) -> int:
    """Within one folder prefer the canonical file, then production variants, dev ones last."""
    name = posixpath.basename(path)
    if name in _CANONICAL_NAMES:
        return 0
    if "prod" in name.lower():
        return 1
    return 3 if _SECONDARY_NAME.search(name) else 2


def _distance(anchor: str, root: str, chain: list[str]) -> tuple[int, int] | None:
    """(0, depth) under the app root, (1, steps up) on the chain, None when not eligible."""
    if _is_under(anchor, root):
        depth = 0 if anchor == root else anchor[len(root):].strip("/").count("/") + 1
        return (0, depth)
    if anchor in chain:
        return (1, chain.index(anchor))
    return None


def _ranked(view: RepoView, kind: Kind) -> list[tuple[tuple[int, int], str, str]]:
    root = normalise_root(view.app_root)
    chain = folders_up(view.app_root)
    chain_set = set(chain)
    frontends = _frontend_folders(view.paths) - chain_set
    path_set = set(view.paths)
    found = []
    for path in view.paths:
        anchor = kind.anchor(path, path_set)
        if anchor is None or is_ignored(path, chain_set, frontends):
            continue
        distance = _distance(anchor, root, chain)
        if distance is not None:
            found.append((distance, anchor, path))
    found.sort(key=lambda item: (item[0], _name_rank(item[2]), item[2]))
    return found


def candidates(view: RepoView, kind: Kind) -> list[str]:
    """Every eligible file of this kind, nearest to the app root first."""
    return [path for _, _, path in _ranked(view, kind)]


def nearest(view: RepoView, kind: Kind) -> str | None:
    """The one file of this kind that is judged, or None when there is none."""
    ranked = candidates(view, kind)
    return ranked[0] if ranked else None


def nearest_group(view: RepoView, kind: Kind) -> list[str]:
    """All files of this kind that share the nearest anchor (e.g. compose base + override)."""
    ranked = _ranked(view, kind)
    if not ranked:
        return []
    best_anchor = ranked[0][1]
    return [path for _, anchor, path in ranked if anchor == best_anchor]


def looked_in(kind: Kind, app_root: str, *more: Kind) -> str:
    """Where missing artefacts were searched for, for "missing" evidence (one place clause
    for several kinds: "A and B anywhere in the repository ...")."""
    names = [k.label for k in (kind, *more)]
    labels = names[0] if not more else ", ".join(names[:-1]) + " and " + names[-1]
    root = normalise_root(app_root)
    if not root:
        return f"{labels} anywhere in the repository except docs/, .devcontainer/ and frontends"
    return f"{labels} under {root} and its parent folders"


# --- anchor finders ------------------------------------------------------------------------

def in_own_folder(matches: Callable[[str], bool]) -> AnchorFinder:
    """The artefact belongs to the folder it sits in."""

    def anchor(path: str, _paths: Collection[str]) -> str | None:
        return _folder(path) if matches(posixpath.basename(path)) else None

    return anchor


def in_tool_folder(folder_pattern: str, file_pattern: str) -> AnchorFinder:
    """The artefact sits in a tool folder (`.github/workflows/`); it belongs to its parent."""
    folder_re = re.compile(folder_pattern)
    file_re = re.compile(file_pattern)

    def anchor(path: str, _paths: Collection[str]) -> str | None:
        folder, name = posixpath.split(path)
        for depth in range(folder.count("/") + 1, 0, -1):
            parent_parts = folder.split("/")
            tail = "/".join(parent_parts[-depth:])
            if folder_re.fullmatch(tail) and file_re.fullmatch(name):
                return "/".join(parent_parts[:-depth])
        return None

    return anchor


def any_of(*finders: AnchorFinder) -> AnchorFinder:
    def anchor(path: str, paths: Collection[str]) -> str | None:
        for finder in finders:
            found = finder(path, paths)
            if found is not None:
                return found
        return None

    return anchor


def name_matches(pattern: str, flags: int = 0) -> Callable[[str], bool]:
    compiled = re.compile(pattern, flags)
    return lambda name: compiled.fullmatch(name) is not None


ANY_FILE_KIND = Kind("any", "files", in_own_folder(lambda _name: True))
