"""The git module on real repositories built in tmp (fixed author and dates, file:// URLs)."""

from __future__ import annotations

import io
import os
import socket
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dashboard.git import (
    GitConfig,
    GitError,
    commits_between,
    exported_tree,
    resolve_head,
    scrub,
    validate_clone_url,
)
from dashboard.git.errors import from_stderr
from dashboard.git.export import extract_safely
from dashboard.git.local import commit_files, init_repository
from dashboard.git.urls import cache_key

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
APP = """from fastapi import FastAPI

app = FastAPI()


@app.get("/health")
def health():
    return {"ok": True}
"""


@pytest.fixture
def config(tmp_path: Path) -> GitConfig:
    return GitConfig(cache_dir=tmp_path / "cache", timeout=30, allow_local=True)


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    """A service repository on branch main with one commit."""
    path = tmp_path / "origin"
    init_repository(path)
    commit_files(path, {"app/main.py": APP, "README.md": "# billing\n"}, "first", T0)
    return path


def url_of(path: Path) -> str:
    return path.as_uri()


def test_it_clones_a_branch_and_exports_its_files(origin, config):
    head = resolve_head(url_of(origin), "main", config=config)

    assert head.branch == "main"
    assert len(head.sha) == 40
    with exported_tree(url_of(origin), head.sha, config=config) as tree:
        assert (tree / "app/main.py").read_text() == APP
        assert not (tree / ".git").exists()
        exported = tree
    assert not exported.exists()


def test_it_fetches_a_new_commit_into_the_existing_mirror(origin, config):
    first = resolve_head(url_of(origin), "main", config=config)
    second_sha = commit_files(origin, {"app/extra.py": "X = 1\n"}, "second", T0 + timedelta(1))

    second = resolve_head(url_of(origin), "main", config=config)

    assert second.sha == second_sha != first.sha
    assert list(config.cache_dir.glob("*.git")) == [
        config.cache_dir / f"{cache_key(url_of(origin))}.git"
    ]
    with exported_tree(url_of(origin), first.sha, config=config) as tree:
        assert not (tree / "app/extra.py").exists()
    with exported_tree(url_of(origin), second.sha, config=config) as tree:
        assert (tree / "app/extra.py").read_text() == "X = 1\n"


def test_it_resolves_the_remote_default_branch(tmp_path, config):
    path = tmp_path / "trunky"
    init_repository(path, branch="trunk")
    sha = commit_files(path, {"main.py": APP}, "first", T0)

    head = resolve_head(url_of(path), "", config=config)

    assert (head.branch, head.sha) == ("trunk", sha)


def test_it_lists_commits_between_two_scans(origin, config):
    old = resolve_head(url_of(origin), "main", config=config).sha
    commit_files(origin, {"a.py": "A = 1\n"}, "add a", T0 + timedelta(1))
    new = commit_files(origin, {"b.py": "B = 1\n"}, "add b", T0 + timedelta(2))
    resolve_head(url_of(origin), "main", config=config)

    commits = commits_between(url_of(origin), old, new, config=config)

    assert [c.subject for c in commits] == ["add b", "add a"]
    assert commits[0].sha == new
    assert commits[0].authored_at == T0 + timedelta(2)


def test_it_reports_a_missing_path_as_not_found(tmp_path, config):
    with pytest.raises(GitError) as caught:
        resolve_head(url_of(tmp_path / "nowhere"), "main", config=config)

    assert caught.value.code == "repo:not-found"


def test_it_reports_a_missing_branch_as_not_found(origin, config):
    with pytest.raises(GitError) as caught:
        resolve_head(url_of(origin), "release", config=config)

    assert caught.value.code == "repo:not-found"
    assert "branch" in caught.value.message


@pytest.mark.parametrize(
    "url",
    [
        "",
        "http://example.com/x.git",
        "git://example.com/x.git",
        "ext::sh -c touch% /tmp/pwned",
        "/srv/repos/x",
        "-uhttps://example.com/x.git",
        "https:///nohost",
        "ftp://example.com/x.git",
    ],
)
def test_it_refuses_urls_git_should_never_see(url, config):
    with pytest.raises(GitError) as caught:
        resolve_head(url, "main", config=config)

    assert caught.value.code == "repo:bad-url"


def test_it_accepts_the_usual_remote_urls():
    for url in (
        "https://github.com/acme/billing.git",
        "ssh://git@gitlab.example.com:2222/acme/billing.git",
        "git@github.com:acme/billing.git",
    ):
        assert validate_clone_url(url, allow_local=False) == url


def test_it_refuses_file_urls_unless_local_repos_are_allowed(origin, tmp_path):
    strict = GitConfig(cache_dir=tmp_path / "cache", allow_local=False)

    with pytest.raises(GitError) as caught:
        resolve_head(url_of(origin), "main", config=strict)

    assert caught.value.code == "repo:bad-url"
    assert "file://" in caught.value.message


def test_it_refuses_a_repository_over_the_size_cap(tmp_path):
    path = tmp_path / "huge"
    init_repository(path)
    commit_files(path, {"blob.bin": os.urandom(3 * 1024 * 1024)}, "big", T0)
    config = GitConfig(cache_dir=tmp_path / "cache", max_repo_mb=1, allow_local=True)

    with pytest.raises(GitError) as caught:
        resolve_head(url_of(path), "main", config=config)

    assert caught.value.code == "repo:too-large"
    assert "1 MB" in caught.value.message
    assert not list(config.cache_dir.glob("*.git/objects"))  # the mirror was dropped


def test_it_refuses_a_commit_with_too_many_files(tmp_path):
    path = tmp_path / "many"
    init_repository(path)
    commit_files(path, {f"m{i}.py": f"X = {i}\n" for i in range(5)}, "many", T0)
    config = GitConfig(cache_dir=tmp_path / "cache", max_files=3, allow_local=True)
    head = resolve_head(url_of(path), "main", config=config)

    with pytest.raises(GitError) as caught, exported_tree(url_of(path), head.sha, config=config):
        pass

    assert caught.value.code == "repo:too-large"


def test_it_scrubs_credentials_from_messages(config):
    port = _closed_port()
    url = f"https://deploy:s3cr3t-token@127.0.0.1:{port}/acme/billing.git"

    with pytest.raises(GitError) as caught:
        resolve_head(url, "main", config=config)

    assert caught.value.code == "repo:unreachable"
    assert "s3cr3t" not in str(caught.value)
    assert "https://***@127.0.0.1" in caught.value.message


def test_it_stops_git_when_the_server_never_answers(tmp_path):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)  # accepts TCP connections, never speaks TLS
    config = GitConfig(cache_dir=tmp_path / "cache", timeout=2)
    url = f"https://127.0.0.1:{silent.getsockname()[1]}/acme/billing.git"
    try:
        with pytest.raises(GitError) as caught:
            resolve_head(url, "main", config=config)
    finally:
        silent.close()

    assert caught.value.code == "repo:timeout"
    assert "2 seconds" in caught.value.message


def test_it_never_runs_hooks(origin, config, tmp_path):
    marker = tmp_path / "hook-ran"
    hook = f"#!/bin/sh\necho ran >> {marker}\n"
    names = ["post-checkout", "reference-transaction", "pre-auto-gc", "post-merge"]
    _plant_hooks(origin / ".git/hooks", names, hook)
    resolve_head(url_of(origin), "main", config=config)
    mirror = next(config.cache_dir.glob("*.git"))
    _plant_hooks(mirror / "hooks", names, hook)
    commit_files(origin, {"b.py": "B = 2\n"}, "second", T0 + timedelta(1))

    head = resolve_head(url_of(origin), "main", config=config)
    with exported_tree(url_of(origin), head.sha, config=config):
        pass

    assert not marker.exists()


def test_it_keeps_symlinks_as_links_and_drops_what_escapes(tmp_path, config):
    dest = tmp_path / "tree"
    dest.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    stream = _tar(
        ("app/main.py", b"X = 1\n", None),
        ("../escape.py", b"bad", None),
        ("/abs.py", b"bad", None),
        ("app/.git/config", b"bad", None),
        ("out", None, str(outside)),
        ("out/planted.py", b"bad", None),
        ("app/alias.py", None, "main.py"),
    )

    extract_safely(stream, dest, config)

    assert (dest / "app/main.py").read_bytes() == b"X = 1\n"
    assert (dest / "out").is_symlink()
    assert os.readlink(dest / "app/alias.py") == "main.py"
    assert list(outside.iterdir()) == []
    assert not (tmp_path / "escape.py").exists()
    assert not (dest / "app/.git").exists()


def test_it_names_each_kind_of_git_failure():
    cases = {
        "fatal: Authentication failed for 'https://x@h/r.git/'": "repo:auth",
        "fatal: could not read Username for 'https://h': terminal prompts disabled": "repo:auth",
        "git@h: Permission denied (publickey).": "repo:auth",
        "remote: Repository not found.\nfatal: repository 'https://h/r/' not found": (
            "repo:not-found"
        ),
        "fatal: unable to access 'https://h/': Could not resolve host: h": "repo:unreachable",
        "fatal: couldn't find remote ref refs/heads/nope": "repo:not-found",
        "fatal: transport 'git' not allowed": "repo:bad-url",
    }
    for stderr, code in cases.items():
        assert from_stderr(stderr, "fetching").code == code, stderr


def test_scrub_hides_user_and_password():
    text = "fatal: unable to access 'https://bot:ghp_abc123@github.com/acme/x.git/'"

    assert scrub(text) == "fatal: unable to access 'https://***@github.com/acme/x.git/'"


def _plant_hooks(folder: Path, names: list[str], body: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        hook = folder / name
        hook.write_text(body)
        hook.chmod(0o755)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _tar(*members: tuple[str, bytes | None, str | None]) -> io.BytesIO:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data, link in members:
            info = tarfile.TarInfo(name)
            if link is not None:
                info.type, info.linkname = tarfile.SYMTYPE, link
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    return buffer
