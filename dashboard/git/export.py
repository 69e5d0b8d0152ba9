"""Exporting one commit's tree from the mirror into a plain folder for the scanner.

`git archive` is streamed into our own tar reader rather than `tarfile.extractall`, so we
decide per member: regular files and directories are written, symlinks are recreated as
symlinks (never followed: the scanner refuses links out of the tree), everything else —
absolute names, `..`, paths through a symlink, devices, `.git` — is dropped. The size and
file-count caps are checked up front with `ls-tree` and again while writing.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from dashboard.git.errors import TOO_LARGE, GitError
from dashboard.git.mirror import locked_mirror, require_sha
from dashboard.git.runner import GitConfig, run_git, stream_git
from dashboard.git.urls import validate_clone_url

_CHUNK = 1024 * 1024


@contextmanager
def exported_tree(url: str, sha: str, *, config: GitConfig | None = None) -> Iterator[Path]:
    """A temporary folder holding the tree of commit `sha`; removed when the block ends."""
    config = config or GitConfig.from_settings()
    workdir = Path(tempfile.mkdtemp(prefix="readyboard-tree-"))
    try:
        tree = workdir / "tree"
        export_tree(url, sha, tree, config=config)
        yield tree
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def export_tree(url: str, sha: str, dest: Path, *, config: GitConfig | None = None) -> None:
    """Write the tree of commit `sha` (already fetched by `resolve_head`) into `dest`."""
    config = config or GitConfig.from_settings()
    url = validate_clone_url(url, allow_local=config.allow_local)
    require_sha(sha)
    dest.mkdir(parents=True, exist_ok=False)
    with locked_mirror(url, config) as mirror:
        check_tree_size(mirror, sha, config)
        with stream_git(
            ["archive", "--format=tar", "--end-of-options", sha],
            config=config,
            what=f"exporting commit {sha[:10]}",
            cwd=mirror,
        ) as stream:
            extract_safely(stream, dest, config)


def check_tree_size(mirror: Path, sha: str, config: GitConfig) -> None:
    """GitError(repo:too-large) when the commit's files exceed the size or count cap."""
    out = run_git(
        ["ls-tree", "-r", "-l", "-z", "--full-tree", "--end-of-options", sha],
        config=config,
        what=f"listing commit {sha[:10]}",
        cwd=mirror,
    )
    count = total = 0
    for entry in out.split("\0"):
        meta, _, _path = entry.partition("\t")
        parts = meta.split()
        if len(parts) == 4 and parts[1] == "blob":
            count += 1
            total += int(parts[3])
    _check_caps(count, total, config)


def _check_caps(count: int, total: int, config: GitConfig) -> None:
    if count > config.max_files:
        raise GitError(
            TOO_LARGE,
            f"the commit has more than {config.max_files} files; the limit is {config.max_files}",
        )
    if total > config.max_bytes:
        raise GitError(
            TOO_LARGE,
            f"the commit's files take {total // (1024 * 1024)} MB, over the "
            f"{config.max_repo_mb} MB limit",
        )


def extract_safely(stream: BinaryIO, dest: Path, config: GitConfig) -> None:
    """Extract a tar stream into `dest`, keeping only members that stay inside it."""
    root = dest.resolve()
    count = total = 0
    with tarfile.open(fileobj=stream, mode="r|") as tar:
        for member in tar:
            target = _target(root, member.name)
            if target is None:
                continue
            if member.isdir():
                target.mkdir(mode=0o755, parents=True, exist_ok=True)
            elif member.isreg():
                count, total = count + 1, total + member.size
                _check_caps(count, total, config)
                _write_file(tar, member, target)
            elif member.issym():
                _write_symlink(member.linkname, target)


def _target(root: Path, name: str) -> Path | None:
    """Where a member goes, or None when its name or location is unsafe."""
    posix = PurePosixPath(name)
    if posix.is_absolute() or "\0" in name:
        return None
    parts = [part for part in posix.parts if part not in ("", ".")]
    if not parts or ".." in parts or ".git" in parts:
        return None
    target = root.joinpath(*parts)
    # resolve() follows symlinks already written: a parent that leads outside is refused.
    if not target.parent.resolve().is_relative_to(root):
        return None
    return target


def _write_file(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> None:
    target.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    source = tar.extractfile(member)
    if source is None:
        return
    mode = 0o755 if member.mode & 0o111 else 0o644
    try:
        # O_EXCL|O_NOFOLLOW: never write through a link or over an earlier member.
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    except (FileExistsError, OSError):
        return
    with os.fdopen(fd, "wb") as out:
        shutil.copyfileobj(source, out, _CHUNK)


def _write_symlink(link: str, target: Path) -> None:
    target.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    with suppress(OSError):  # a duplicate name: the first member wins
        os.symlink(link, target)
