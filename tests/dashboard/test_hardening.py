"""A hostile repository scanned through the real pipeline (git mirror, export, scanner, store).

Its tree holds a symlink to /etc/passwd, a 50 MB file, a file that is not UTF-8 and git
hooks; the mirror gets a planted hook too. Nothing outside the tree may be read, nothing
from the repository may run, and the scan must still end with a stored result.
"""

from __future__ import annotations

import os
import shutil
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dashboard.git.local import commit_files, commit_tree, init_repository
from dashboard.git.urls import cache_key
from dashboard.models import Evidence, Repository, ScanState
from dashboard.scans.pipeline import request_scan, run_scan

pytestmark = pytest.mark.django_db

TREES = Path(__file__).resolve().parents[2] / "dashboard" / "demo" / "trees"
T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
PASSWD_MARK = "root:x:0:0"


def hook(marker: Path) -> str:
    return f"#!/bin/sh\necho ran >> {marker}\n"


@pytest.fixture
def hostile_origin(tmp_path) -> tuple[Path, Path]:
    origin = tmp_path / "origin"
    marker = tmp_path / "hook-ran"
    init_repository(origin)
    commit_tree(origin, TREES / "billing-api", "service", T0)
    (origin / "app" / "passwd.py").symlink_to("/etc/passwd")
    (origin / ".readyboard.toml").symlink_to("/etc/passwd")
    (origin / "app" / "huge.py").write_bytes(b"x = 1\n" * (50 * 1024 * 1024 // 6))
    (origin / "data.bin").write_bytes(os.urandom(1024) * 50)  # 50 kB of noise
    (origin / "app" / "latin.py").write_bytes(b"# caf\xe9\nname = '\xff\xfe'\n")
    # Hooks as content of the tree, executable: must be read as files, never run.
    for name in ("post-checkout", "post-merge", "reference-transaction"):
        path = origin / ".githooks" / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(hook(marker))
        path.chmod(0o755)
    commit_files(origin, {}, "hostile additions", T0)
    # And hooks in the origin's own .git: a local clone must not run them either.
    for name in ("post-checkout", "pre-upload", "reference-transaction", "post-update"):
        path = origin / ".git" / "hooks" / name
        path.write_text(hook(marker))
        path.chmod(0o755)
    return origin, marker


def scan_of(repo: Repository):
    return run_scan(request_scan(repo, enqueue=False).pk)


def test_it_scans_a_hostile_repository_safely(hostile_origin, settings, tmp_path):
    origin, marker = hostile_origin
    settings.READYBOARD_GIT_CACHE_DIR = tmp_path / "cache"
    settings.READYBOARD_ALLOW_LOCAL_REPOS = True
    repo = Repository.objects.create(name="hostile", url=origin.as_uri())

    scan = scan_of(repo)

    assert scan.state == ScanState.SUCCEEDED, scan.error_message
    assert not marker.exists(), "a hook from the repository ran"
    skipped = {item["path"]: item["reason"] for item in scan.files["skipped"]}
    errors = {item["path"]: item["reason"] for item in scan.files["errors"]}
    assert "outside the tree" in skipped["app/passwd.py"]
    assert "too large" in skipped["app/huge.py"]
    assert "not valid UTF-8" in errors["app/latin.py"]
    stored = repr(scan.files) + repr(scan.endpoints) + repr(scan.score_json) + "".join(
        Evidence.objects.filter(check_result__scan=scan).values_list("snippet", flat=True)
    )
    assert PASSWD_MARK not in stored and "/etc/passwd" not in scan.error_message
    # The export left nothing behind, and the hooks in the tree stayed plain files.
    assert not list(Path("/tmp").glob("readyboard-tree-*/tree/app/huge.py"))


def test_it_never_runs_a_hook_planted_in_the_mirror(hostile_origin, settings, tmp_path):
    origin, marker = hostile_origin
    cache = tmp_path / "cache"
    settings.READYBOARD_GIT_CACHE_DIR = cache
    settings.READYBOARD_ALLOW_LOCAL_REPOS = True
    repo = Repository.objects.create(name="hostile", url=origin.as_uri())
    assert scan_of(repo).state == ScanState.SUCCEEDED
    hooks = cache / f"{cache_key(repo.url)}.git" / "hooks"
    hooks.mkdir(exist_ok=True)
    for name in ("reference-transaction", "post-fetch", "pre-auto-gc", "fsmonitor-watchman"):
        (hooks / name).write_text(hook(marker))
        (hooks / name).chmod(0o755)
    commit_files(origin, {"app/extra.py": "X = 1\n"}, "another commit", T0)

    second = scan_of(repo)  # fetch updates refs: reference-transaction would fire

    assert second.state == ScanState.SUCCEEDED, second.error_message
    assert not marker.exists(), "a hook planted in the mirror ran"


def test_it_refuses_a_repository_over_the_size_cap(hostile_origin, settings, tmp_path):
    origin, _ = hostile_origin
    settings.READYBOARD_GIT_CACHE_DIR = tmp_path / "cache"
    settings.READYBOARD_ALLOW_LOCAL_REPOS = True
    settings.READYBOARD_MAX_REPO_MB = 10
    repo = Repository.objects.create(name="hostile", url=origin.as_uri())

    scan = scan_of(repo)

    assert (scan.state, scan.error_code) == (ScanState.FAILED, "repo:too-large")
    assert "10 MB" in scan.error_message


def test_it_refuses_too_many_files(settings, tmp_path):
    origin = tmp_path / "origin"
    init_repository(origin)
    commit_files(origin, {f"f{i}.py": "" for i in range(30)}, "many", T0)
    settings.READYBOARD_GIT_CACHE_DIR = tmp_path / "cache"
    settings.READYBOARD_ALLOW_LOCAL_REPOS = True
    settings.READYBOARD_MAX_FILES = 20
    repo = Repository.objects.create(name="many", url=origin.as_uri())

    scan = scan_of(repo)

    assert (scan.state, scan.error_code) == (ScanState.FAILED, "repo:too-large")


def test_it_refuses_local_repositories_when_they_are_turned_off(settings, tmp_path):
    settings.READYBOARD_GIT_CACHE_DIR = tmp_path / "cache"
    settings.READYBOARD_ALLOW_LOCAL_REPOS = False
    repo = Repository.objects.create(name="local", url=(TREES / "billing-api").as_uri())

    scan = scan_of(repo)

    assert (scan.state, scan.error_code) == (ScanState.FAILED, "repo:bad-url")


def test_it_keeps_exported_hooks_as_plain_unexecuted_files(hostile_origin, tmp_path):
    from dashboard.git import GitConfig, exported_tree, resolve_head

    origin, marker = hostile_origin
    config = GitConfig(cache_dir=tmp_path / "cache", allow_local=True)
    head = resolve_head(origin.as_uri(), config=config)
    with exported_tree(origin.as_uri(), head.sha, config=config) as tree:
        exported = tree / ".githooks" / "post-checkout"
        assert stat.S_ISREG(os.lstat(exported).st_mode)
        assert os.path.islink(tree / "app" / "passwd.py")  # recreated, never followed
        assert not (tree / ".git").exists()
        shutil.rmtree(tree / ".githooks")
    assert not marker.exists()
