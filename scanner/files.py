"""Stage 1: find the files of a tree and read them safely.

Every read of scanned content goes through `TreeReader`: it never follows a symlink,
never opens special files, caps the size, and states how it decoded the bytes. Whatever
is passed over is recorded with a reason for `files.skipped` / `files.errors`.
"""

from __future__ import annotations

import codecs
import fnmatch
import io
import os
import stat
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

MAX_PYTHON_BYTES = 2 * 1024 * 1024  # larger "source" is generated code or data
MAX_TEXT_BYTES = 1024 * 1024
MAX_FILES = 100_000

SKIPPED_DIRS = {
    ".git", ".hg", ".svn", "node_modules", "__pycache__", ".tox", ".nox", ".mypy_cache",
    ".pytest_cache", ".ruff_cache", ".venv", "venv", "env", ".env", "virtualenv",
    "site-packages", "dist", "build", ".eggs", "vendor", "vendored", "_vendor",
    "third_party", "generated", "_generated", "htmlcov", ".idea", ".vscode",
}
VISIBLE_HIDDEN_DIRS = {".github", ".gitlab", ".circleci", ".devcontainer", ".buildkite"}


@dataclass(slots=True)
class FileIssue:
    path: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


@dataclass(slots=True)
class Inventory:
    """The files of a tree: every regular file's relative path and the Python ones."""

    root: Path
    paths: list[str] = field(default_factory=list)
    python: list[str] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)
    mtimes: dict[str, int] = field(default_factory=dict)
    skipped: list[FileIssue] = field(default_factory=list)


def _is_virtualenv(path: Path) -> bool:
    return (path / "pyvenv.cfg").is_file()


def _excluded(rel: str, patterns: list[str]) -> bool:
    return any(
        fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(rel, pattern.rstrip("/") + "/*")
        for pattern in patterns
    )


def collect(root: Path, exclude: list[str] | None = None) -> Inventory:
    """Walk `root` without following links; skip tooling folders and excluded paths."""
    inventory = Inventory(root=root)
    patterns = exclude or []
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        try:
            entries = sorted(os.scandir(root / rel_dir), key=lambda e: e.name)
        except OSError as exc:
            reason = f"cannot list folder: {exc.strerror}"
            inventory.skipped.append(FileIssue(rel_dir or ".", reason))
            continue
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            _collect_entry(inventory, entry, rel, patterns, stack)
        if len(inventory.paths) > MAX_FILES:
            inventory.skipped.append(FileIssue(".", f"more than {MAX_FILES} files; rest not read"))
            break
    inventory.paths.sort()
    inventory.python.sort()
    return inventory


def _collect_entry(inventory: Inventory, entry: os.DirEntry, rel: str, patterns: list[str],
                   stack: list[str]) -> None:
    if patterns and _excluded(rel, patterns):
        return
    if entry.is_symlink():
        inventory.skipped.append(FileIssue(rel, _describe_link(inventory.root, rel)))
        return
    try:
        info = entry.stat(follow_symlinks=False)
    except OSError as exc:
        inventory.skipped.append(FileIssue(rel, f"cannot stat: {exc.strerror}"))
        return
    if stat.S_ISDIR(info.st_mode):
        name = entry.name
        if name in SKIPPED_DIRS or name.endswith(".egg-info"):
            return
        if name.startswith(".") and name not in VISIBLE_HIDDEN_DIRS:
            return
        if _is_virtualenv(Path(entry.path)):
            return
        stack.append(rel)
        return
    if not stat.S_ISREG(info.st_mode):
        inventory.skipped.append(FileIssue(rel, "not a regular file"))
        return
    inventory.paths.append(rel)
    inventory.sizes[rel] = info.st_size
    inventory.mtimes[rel] = info.st_mtime_ns
    if rel.endswith(".py"):
        if info.st_size > MAX_PYTHON_BYTES:
            mb = info.st_size / (1024 * 1024)
            inventory.skipped.append(FileIssue(rel, f"too large to analyse ({mb:.1f} MB)"))
        else:
            inventory.python.append(rel)


def _describe_link(root: Path, rel: str) -> str:
    try:
        target = os.path.realpath(root / rel)
    except OSError:
        return "symlink (not followed)"
    inside = os.path.commonpath([os.path.realpath(root), target]) == os.path.realpath(root)
    if inside:
        return "symlink (not followed)"
    return "symlink pointing outside the tree (not followed)"


class TreeReader:
    """The one way scanned content is read: inside the tree, regular files, size-capped."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.real_root = os.path.realpath(root)
        self.problems: dict[str, str] = {}

    def read_bytes(self, rel: str, limit: int = MAX_TEXT_BYTES) -> bytes | None:
        full = os.path.join(self.real_root, rel)
        if os.path.commonpath([self.real_root, os.path.realpath(full)]) != self.real_root:
            self.problems[rel] = "outside the tree"
            return None
        try:
            fd = os.open(full, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
        except OSError as exc:
            self.problems[rel] = f"cannot open: {exc.strerror}"
            return None
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                self.problems[rel] = "not a regular file"
                return None
            if info.st_size > limit:
                self.problems[rel] = f"too large ({info.st_size} bytes)"
                return None
            return handle.read(limit + 1)[:limit]

    def read_text(self, rel: str, limit: int = MAX_TEXT_BYTES) -> str | None:
        """Text of a non-Python file (UTF-8, undecodable bytes replaced), None if unusable."""
        data = self.read_bytes(rel, limit)
        if data is None:
            return None
        if b"\x00" in data[:8192]:
            self.problems[rel] = "binary file"
            return None
        return data.decode("utf-8-sig", errors="replace")

    def read_python(self, rel: str) -> tuple[str | None, str | None]:
        """(source, None) or (None, reason). Honours PEP 263 coding cookies, else UTF-8."""
        data = self.read_bytes(rel, MAX_PYTHON_BYTES)
        if data is None:
            return None, self.problems.get(rel, "unreadable")
        return decode_python(data)


def decode_python(data: bytes) -> tuple[str | None, str | None]:
    if b"\x00" in data:
        return None, "binary content (NUL bytes) in a .py file"
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        codecs.lookup(encoding)
    except SyntaxError:
        return None, "not valid UTF-8 and no coding declaration: file not analysed"
    except LookupError as exc:
        return None, f"unknown source encoding: {exc}"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        return None, f"not valid {encoding} (byte {exc.start}): file not analysed"
    return text.lstrip("\ufeff"), None
