"""Building small local repositories from folders: the demo services and the tests.

Commits get a fixed author and the date the caller gives, so the same trees always make
the same commit ids. Hooks are off here too (a test plants hooks in these repositories).
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from git import Repo

AUTHOR_NAME = "Readyboard Demo"
AUTHOR_EMAIL = "demo@readyboard.invalid"
_NO_HOOKS = ["-c", "core.hooksPath=/dev/null"]


def init_repository(path: Path, branch: str = "main") -> None:
    """An empty non-bare repository at `path` whose first branch is `branch`."""
    path.mkdir(parents=True, exist_ok=True)
    Repo.init(path, initial_branch=branch).close()


def commit_tree(path: Path, source: Path, message: str, when: datetime) -> str:
    """Replace the work tree of `path` with a copy of `source` and commit it; the sha."""
    for child in path.iterdir():
        if child.name == ".git":
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    shutil.copytree(source, path, symlinks=True, dirs_exist_ok=True)
    return _commit_all(path, message, when)


def commit_files(
    path: Path, files: Mapping[str, str | bytes | None], message: str, when: datetime
) -> str:
    """Write (or with None, delete) the given files in `path` and commit; the sha."""
    for name, content in files.items():
        target = path / name
        if content is None:
            target.unlink(missing_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)
    return _commit_all(path, message, when)


def head_sha(path: Path) -> str:
    with Repo(path) as repo:
        return repo.head.commit.hexsha


def _commit_all(path: Path, message: str, when: datetime) -> str:
    stamp = when.isoformat()
    env = {
        "GIT_AUTHOR_NAME": AUTHOR_NAME,
        "GIT_AUTHOR_EMAIL": AUTHOR_EMAIL,
        "GIT_COMMITTER_NAME": AUTHOR_NAME,
        "GIT_COMMITTER_EMAIL": AUTHOR_EMAIL,
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
    }
    # `with`: GitPython keeps `git cat-file` helpers alive until the Repo is closed.
    with Repo(path) as repo:
        repo.git.execute(["git", *_NO_HOOKS, "add", "--all"])
        repo.git.execute(
            ["git", *_NO_HOOKS, "commit", "--quiet", "--allow-empty", "-m", message], env=env
        )
        return repo.head.commit.hexsha
