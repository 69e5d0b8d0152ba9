"""Which repository artefacts count for an app root (RULES.md 3.2 and 3.10).

An artefact counts when it sits anywhere under the app root, or directly in one of the
folders on the path from the app root up to the repository root. When several of one kind
exist, the nearest is judged: the app root itself, then deeper under it (shallowest first,
then alphabetical), then each parent folder in turn. Within one distance the canonical name
comes first (`Dockerfile` before `Dockerfile.dev`); a kind may break the remaining ties by
looking inside the files (`equally_near`). Folders of other tooling
(`.devcontainer/`, `docs/`, a frontend with its own `package.json`) are ignored.

Each kind knows its *anchor*: the folder the artefact belongs to. For most kinds that is the
file's own folder; for `.github/workflows/ci.yml` it is the folder holding `.github`, for
`requirements/base.txt` the folder holding `requirements/`.

Searches run once per view, kind and app root (memoised on the view's `PathIndex`), and only
look at the files whose name the kind may match, so a tree of thousands of `.py` files costs
little more than a small one.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TypeVar

from scanner.artifacts.view import PathIndex, RepoView

IGNORED_FOLDERS = frozenset({".devcontainer", "docs"})

T = TypeVar("T")

Anchored = tuple[str, str, int]  # (path, anchor, name rank)
# (distance, name rank, path, anchor): sorting the plain tuples puts the nearest first
Ranked = list[tuple[tuple[int, int], int, str, str]]


def _every_name(_name: str) -> bool:
    return True


def _same_folder(folder: str) -> str:
    return folder


@dataclass(slots=True, frozen=True)
class AnchorFinder:
    """The folder a file belongs to, or None when it is not of the kind.

    `may_match` is a cheap test on the file name alone: when it says no, `find` would too,
    so searches skip those files without looking at their folders. `of_folder`, when set,
    is the anchor as a function of the file's folder alone (for names `may_match` accepts),
    so a search for a broad name (`*.py`) can judge each folder once instead of each file.
    """

    find: Callable[[str, Collection[str]], str | None]
    may_match: Callable[[str], bool] = _every_name
    of_folder: Callable[[str], str | None] | None = None

    def __call__(self, path: str, paths: Collection[str]) -> str | None:
        return self.find(path, paths)


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


_CANONICAL_NAMES = frozenset(
    {"Dockerfile", "Containerfile", "docker-compose.yml", "docker-compose.yaml", "compose.yml",
     "compose.yaml", "README.md", "requirements.txt", "Makefile", ".pre-commit-config.yaml"}
)
_SECONDARY_NAME = re.compile(r"dev|test|local|debug|example|sample|ci\b|override", re.IGNORECASE)


def _rank_of_name(name: str) -> int:
    """Within one folder prefer the canonical file, then production variants, dev ones last."""
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


class _Placement:
    """Where folders stand for one app root; each folder is judged once, not once per file."""

    def __init__(self, index: PathIndex, root: str) -> None:
        self.root = root
        self.chain = folders_up(root)
        self.chain_set = frozenset(self.chain)
        self.frontends = {_folder(path) for path in index.named("package.json")} - self.chain_set
        self._ignored: dict[str, bool] = {"": False}
        self._distances: dict[str, tuple[int, int] | None] = {}

    def ignores(self, path: str) -> bool:
        """True for files inside tooling folders that are not part of the app root chain."""
        return self._folder_ignored(path.rpartition("/")[0])

    def _folder_ignored(self, folder: str) -> bool:
        ignored = self._ignored.get(folder)
        if ignored is None:
            parent, _, part = folder.rpartition("/")
            ignored = self._folder_ignored(parent) or (
                folder not in self.chain_set
                and (part in IGNORED_FOLDERS or folder in self.frontends))
            self._ignored[folder] = ignored
        return ignored

    def distance(self, anchor: str) -> tuple[int, int] | None:
        if anchor not in self._distances:
            self._distances[anchor] = _distance(anchor, self.root, self.chain)
        return self._distances[anchor]

    def rank(self, anchored: list[Anchored]) -> Ranked:
        found = []
        for path, anchor, name_rank in anchored:
            distance = self.distance(anchor)
            if distance is not None and not self.ignores(path):
                found.append((distance, name_rank, path, anchor))
        found.sort()  # a path has one anchor, so the anchor never decides the order
        return found


def _memoised(index: PathIndex, key: tuple, compute: Callable[[], T]) -> T:
    """A result computed once per view (the index is dropped when the view's paths change)."""
    if key not in index.derived:
        index.derived[key] = compute()
    return index.derived[key]


def _anchored(index: PathIndex, kind: Kind) -> list[Anchored]:
    """Every file of this kind with its anchor and name rank, whatever the app root.

    Walks whichever is shorter: the files whose name may match (a Dockerfile: a handful), or
    the folders, each judged once (`*.py` migrations: thousands of files, fewer folders).
    """
    finder = kind.anchor
    ranks = {name: _rank_of_name(name) for name in index.by_name if finder.may_match(name)}
    matching_files = sum(len(index.by_name[name]) for name in ranks)
    if finder.of_folder is not None and matching_files > len(index.by_folder):
        return _anchored_by_folder(index, finder.of_folder, ranks)
    return _anchored_by_name(index, finder, ranks)


def _anchored_by_name(index: PathIndex, finder: AnchorFinder,
                      ranks: dict[str, int]) -> list[Anchored]:
    found = []
    for name, name_rank in ranks.items():
        for path in index.by_name[name]:
            anchor = finder.find(path, index.path_set)
            if anchor is not None:
                found.append((path, anchor, name_rank))
    return found


def _anchored_by_folder(index: PathIndex, of_folder: Callable[[str], str | None],
                        ranks: dict[str, int]) -> list[Anchored]:
    found = []
    for folder, files in index.by_folder.items():
        anchor = of_folder(folder)
        if anchor is not None:
            found += [(path, anchor, ranks[name]) for path, name in files if name in ranks]
    return found


def _ranked(view: RepoView, kind: Kind) -> Ranked:
    index = view.index
    root = normalise_root(view.app_root)
    placement = _memoised(index, ("placement", root), lambda: _Placement(index, root))
    anchored = _memoised(index, ("anchored", kind), lambda: _anchored(index, kind))
    return _memoised(index, ("ranked", kind, root), lambda: placement.rank(anchored))


def candidates(view: RepoView, kind: Kind) -> list[str]:
    """Every eligible file of this kind, nearest to the app root first."""
    return [path for _distance, _rank, path, _anchor in _ranked(view, kind)]


def candidate_anchors(view: RepoView, kind: Kind) -> set[str]:
    """The anchors of every eligible file of this kind (for ANY_FILE_KIND: their folders)."""
    return {anchor for _distance, _rank, _path, anchor in _ranked(view, kind)}


def nearest(view: RepoView, kind: Kind) -> str | None:
    """The one file of this kind that is judged, or None when there is none."""
    ranked = _ranked(view, kind)
    if not ranked:
        return None
    _distance, _rank, path, _anchor = ranked[0]
    return path


def equally_near(view: RepoView, kind: Kind) -> list[str]:
    """The files that tie for nearest (same distance and name rank), in ranked order: the
    caller may prefer one of them by its content, since alphabetical order says nothing."""
    ranked = _ranked(view, kind)
    if not ranked:
        return []
    best_distance, best_rank, *_ = ranked[0]
    return [path for distance, rank, path, _anchor in ranked
            if (distance, rank) == (best_distance, best_rank)]


def nearest_group(view: RepoView, kind: Kind) -> list[str]:
    """All files of this kind that share the nearest anchor (e.g. compose base + override)."""
    ranked = _ranked(view, kind)
    if not ranked:
        return []
    *_, best_anchor = ranked[0]
    return [path for _distance, _rank, path, anchor in ranked if anchor == best_anchor]


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

    return AnchorFinder(anchor, matches, of_folder=_same_folder)


def in_tool_folder(folder_pattern: str, file_pattern: str) -> AnchorFinder:
    """The artefact sits in a tool folder (`.github/workflows/`); it belongs to its parent."""
    folder_re = re.compile(folder_pattern)
    file_re = re.compile(file_pattern)
    # A tail of the folder can only match if the folder ends with a match: one quick search
    # rules out nearly every folder before the tails are tried one by one.
    ends_with_match = re.compile(f"(?:{folder_pattern})\\Z")

    @functools.lru_cache(maxsize=4096)  # many files share a folder; judge each folder once
    def anchor_of_folder(folder: str) -> str | None:
        if not ends_with_match.search(folder):
            return None
        parts = folder.split("/")
        for depth in range(len(parts), 0, -1):  # the longest matching tail wins
            if folder_re.fullmatch("/".join(parts[-depth:])):
                return "/".join(parts[:-depth])
        return None

    def name_matches_file(name: str) -> bool:
        return file_re.fullmatch(name) is not None

    def anchor(path: str, _paths: Collection[str]) -> str | None:
        folder, name = posixpath.split(path)
        return anchor_of_folder(folder) if name_matches_file(name) else None

    return AnchorFinder(anchor, name_matches_file, of_folder=anchor_of_folder)


def any_of(*finders: AnchorFinder) -> AnchorFinder:
    def anchor(path: str, paths: Collection[str]) -> str | None:
        for finder in finders:
            found = finder(path, paths)
            if found is not None:
                return found
        return None

    def may_match(name: str) -> bool:
        return any(finder.may_match(name) for finder in finders)

    return AnchorFinder(anchor, may_match)


def name_matches(pattern: str, flags: int = 0) -> Callable[[str], bool]:
    compiled = re.compile(pattern, flags)
    return lambda name: compiled.fullmatch(name) is not None


ANY_FILE_KIND = Kind("any", "files", in_own_folder(_every_name))
