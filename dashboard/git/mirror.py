"""The per-worker mirror cache: clone once, fetch later, resolve heads, list commits.

A mirror is a bare repository under `cache_dir/<hash of the URL>.git`, holding only the
branches we scanned. It is a cache: safe to delete, never needed by another worker. A file
lock per repository serialises the scans of one repository on one machine.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import filelock

from dashboard.git.errors import NOT_FOUND, TIMEOUT, TOO_LARGE, GitError, scrub
from dashboard.git.runner import GitConfig, run_git
from dashboard.git.urls import cache_key, validate_clone_url

_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")


@dataclass(frozen=True)
class Head:
    """The commit a branch pointed at when we fetched it."""

    sha: str
    branch: str


@dataclass(frozen=True)
class Commit:
    sha: str
    author: str
    email: str
    authored_at: datetime
    subject: str


def resolve_head(url: str, branch: str = "", *, config: GitConfig | None = None) -> Head:
    """Fetch `branch` (the remote's default branch when "") into the mirror; its head.

    Raises GitError with a repo:* code when the URL is refused, the server cannot be
    reached, denies access, lacks the repository or branch, is too slow or too large.
    """
    config = config or GitConfig.from_settings()
    url = validate_clone_url(url, allow_local=config.allow_local)
    with locked_mirror(url, config) as mirror:
        branch = branch or default_branch(url, config, mirror)
        fetch_branch(url, branch, config, mirror)
        sha = run_git(
            ["rev-parse", "--verify", "--end-of-options", f"refs/heads/{branch}^{{commit}}"],
            config=config,
            what=f"reading branch {branch!r}",
            cwd=mirror,
        ).strip()
    return Head(sha=sha, branch=branch)


def commits_between(
    url: str,
    old_sha: str,
    new_sha: str,
    *,
    branch: str = "",
    limit: int = 200,
    config: GitConfig | None = None,
) -> list[Commit]:
    """Commits reachable from `new_sha` but not `old_sha`, newest first (at most `limit`).

    With an empty `old_sha`, the newest `limit` commits up to `new_sha`. Fetches `branch`
    first if the mirror lacks either commit (e.g. on a web process without a mirror).
    """
    config = config or GitConfig.from_settings()
    url = validate_clone_url(url, allow_local=config.allow_local)
    shas = [sha for sha in (old_sha, new_sha) if sha]
    for sha in shas:
        require_sha(sha)
    with locked_mirror(url, config) as mirror:
        if not all(has_commit(mirror, sha, config) for sha in shas):
            fetch_branch(url, branch or default_branch(url, config, mirror), config, mirror)
        for sha in shas:
            if not has_commit(mirror, sha, config):
                raise GitError(NOT_FOUND, f"commit {sha[:10]} is not in the repository")
        revs = [f"{old_sha}..{new_sha}"] if old_sha else [new_sha]
        out = run_git(
            [
                "log",
                f"--max-count={limit}",
                "--format=%H%x1f%an%x1f%ae%x1f%at%x1f%s%x1e",
                "--end-of-options",
                *revs,
            ],
            config=config,
            what="listing commits",
            cwd=mirror,
        )
    return [_commit(record) for record in out.split("\x1e") if record.strip()]


def _commit(record: str) -> Commit:
    sha, author, email, stamp, subject = record.strip().split("\x1f", 4)
    when = datetime.fromtimestamp(int(stamp), tz=UTC)
    return Commit(sha=sha, author=author, email=email, authored_at=when, subject=subject)


def require_sha(sha: str) -> None:
    if not _SHA.match(sha or ""):
        raise GitError(NOT_FOUND, f"{sha!r} is not a full commit id")


@contextmanager
def locked_mirror(url: str, config: GitConfig) -> Iterator[Path]:
    """The mirror folder of `url`, created if needed, under its per-repository lock."""
    config.cache_dir.mkdir(parents=True, exist_ok=True)
    key = cache_key(url)
    lock = filelock.FileLock(str(config.cache_dir / f"{key}.lock"))
    try:
        lock.acquire(timeout=config.timeout)
    except filelock.Timeout:
        raise GitError(
            TIMEOUT, "another scan kept this repository's mirror busy for too long"
        ) from None
    try:
        mirror = config.cache_dir / f"{key}.git"
        _ensure_bare(mirror, config)
        yield mirror
    finally:
        lock.release()


def _ensure_bare(mirror: Path, config: GitConfig) -> None:
    # A folder without HEAD is a half-made mirror from a crash: start over.
    if (mirror / "HEAD").is_file() and (mirror / "objects").is_dir():
        return
    shutil.rmtree(mirror, ignore_errors=True)
    mirror.mkdir(parents=True)
    run_git(["init", "--bare", "--quiet", str(mirror)], config=config, what="creating the mirror")


def default_branch(url: str, config: GitConfig, mirror: Path) -> str:
    """The branch the remote's HEAD points at."""
    out = run_git(
        ["ls-remote", "--symref", "--end-of-options", url, "HEAD"],
        config=config,
        what=f"reading {scrub(url)}",
        cwd=mirror,
    )
    for line in out.splitlines():
        if line.startswith("ref: refs/heads/") and line.endswith("\tHEAD"):
            return line[len("ref: refs/heads/") : -len("\tHEAD")]
    if not out.strip():
        raise GitError(NOT_FOUND, f"{scrub(url)} has no commits yet")
    raise GitError(
        NOT_FOUND, f"{scrub(url)} does not name a default branch; set the branch explicitly"
    )


def fetch_branch(url: str, branch: str, config: GitConfig, mirror: Path) -> None:
    """Bring `refs/heads/<branch>` up to date; the mirror stays under the size cap."""
    _check_branch_name(branch, config)
    ref = f"refs/heads/{branch}"
    try:
        run_git(
            [
                "fetch",
                "--quiet",
                "--no-tags",
                "--no-recurse-submodules",
                "--force",
                "--end-of-options",
                url,
                f"+{ref}:{ref}",
            ],
            config=config,
            what=f"fetching {scrub(url)} (branch {branch!r})",
            cwd=mirror,
            watch=mirror,
        )
    except GitError as exc:
        if exc.code == TOO_LARGE:
            # Stopped mid-fetch by the size watch: a half-filled mirror is only waste.
            shutil.rmtree(mirror, ignore_errors=True)
        raise
    check_mirror_size(mirror, config)


def _check_branch_name(branch: str, config: GitConfig) -> None:
    try:
        run_git(["check-ref-format", f"refs/heads/{branch}"], config=config, what="branch")
    except GitError:
        raise GitError(NOT_FOUND, f"{branch!r} is not a valid branch name") from None


def check_mirror_size(mirror: Path, config: GitConfig) -> None:
    """GitError(repo:too-large) — and the mirror dropped — when it exceeds the cap."""
    out = run_git(["count-objects", "-v"], config=config, what="measuring", cwd=mirror)
    fields = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
    kib = int(fields.get("size", 0)) + int(fields.get("size-pack", 0))
    if kib * 1024 > config.max_bytes:
        shutil.rmtree(mirror, ignore_errors=True)
        raise GitError(
            TOO_LARGE,
            f"the repository is {kib // 1024} MB, over the {config.max_repo_mb} MB limit",
        )


def has_commit(mirror: Path, sha: str, config: GitConfig) -> bool:
    try:
        run_git(["cat-file", "-e", f"{sha}^{{commit}}"], config=config, what="look", cwd=mirror)
    except GitError:
        return False
    return True
