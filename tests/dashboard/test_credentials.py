"""Named git credentials: loaded from env or a mounted folder, handed to git, never shown."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

import pytest

from dashboard.git import GitError
from dashboard.git.credentials import (
    CredentialError,
    credential_env,
    git_credential,
    load_credential,
)
from dashboard.git.errors import from_stderr, scrub
from dashboard.git.runner import GitConfig, git_env, run_git
from dashboard.models import Repository, ScanState
from dashboard.scans.pipeline import request_scan, run_scan

TOKEN = "ghp_s3cretT0kenValue1234567890"


@pytest.fixture
def token_env(monkeypatch):
    monkeypatch.setenv("READYBOARD_CREDENTIAL_ACME_DEPLOY", TOKEN)


def test_it_loads_a_token_from_the_environment_by_name(token_env):
    credential = load_credential("acme-deploy")

    assert (credential.kind, credential.username, credential.secret) == (
        "token", "x-access-token", TOKEN)  # fmt: skip
    assert TOKEN not in repr(credential)


def test_it_loads_a_user_and_token_or_a_key_from_a_mounted_folder(tmp_path, settings):
    settings.READYBOARD_CREDENTIALS_DIR = str(tmp_path)
    (tmp_path / "gitlab").write_text("deployer:glpat-abcdefghijklmnop\n")
    (tmp_path / "ssh-key").write_text(
        "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAB3NzaC1yc2EAAAADAQABAAABgQ\n"
        "-----END OPENSSH PRIVATE KEY-----\n")  # fmt: skip
    (tmp_path / "link").symlink_to(tmp_path / "gitlab")

    assert load_credential("gitlab").username == "deployer"
    assert load_credential("ssh-key").kind == "ssh-key"
    with pytest.raises(CredentialError):
        load_credential("link")  # a symlink is not followed
    with pytest.raises(CredentialError):
        load_credential("../etc/passwd")


def test_it_hands_a_token_to_git_through_askpass_and_the_environment_only(token_env):
    with git_credential("acme-deploy"):
        env = {**git_env()}
        out = subprocess.run(
            ["git", "credential", "fill"], input="protocol=https\nhost=git.example.com\n\n",
            capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", **env}, check=True,
        ).stdout  # fmt: skip
        askpass = env["GIT_ASKPASS"]
        assert TOKEN not in Path(askpass).read_text()  # the script holds no secret
    assert f"password={TOKEN}" in out and "username=x-access-token" in out
    assert credential_env() == {}  # gone after the block
    assert "GIT_ASKPASS" in git_env() and git_env()["GIT_ASKPASS"] == "/bin/true"


def test_it_writes_an_ssh_key_to_a_private_temporary_file_for_the_block(monkeypatch):
    monkeypatch.setenv("READYBOARD_CREDENTIAL_DEPLOY_KEY",
                       "-----BEGIN OPENSSH PRIVATE KEY-----\nkeybodykeybodykeybody\n"
                       "-----END OPENSSH PRIVATE KEY-----")  # fmt: skip
    import os
    import shlex

    with git_credential("deploy-key"):
        command = git_env()["GIT_SSH_COMMAND"]
        key = shlex.split(command)[2]
        assert oct(os.stat(key).st_mode & 0o777) == "0o600"
        assert "IdentitiesOnly=yes" in command and "BatchMode=yes" in command
    assert not os.path.exists(key)


def test_it_scrubs_a_loaded_secret_from_git_errors_and_log_lines(token_env, caplog):
    from dashboard.security.log_filters import ScrubSecretsFilter

    with git_credential("acme-deploy"):
        error = from_stderr(f"fatal: unable to access 'https://x:{TOKEN}@h/r.git': 403", "fetch")
    assert TOKEN not in error.message and "***" in error.message
    assert TOKEN not in scrub(f"later: {TOKEN}")
    record = logging.LogRecord("x", logging.ERROR, "f", 1, "token is %s", (TOKEN,), None)
    ScrubSecretsFilter().filter(record)
    assert TOKEN not in record.getMessage()


@pytest.mark.django_db
def test_it_fails_a_scan_whose_credential_is_missing_with_an_auth_error(settings, tmp_path):
    settings.READYBOARD_GIT_CACHE_DIR = tmp_path
    repo = Repository.objects.create(
        name="private-api", url="https://git.example.invalid/acme/private.git",
        credential_name="nope",
    )  # fmt: skip

    scan = run_scan(request_scan(repo, enqueue=False).pk)

    assert (scan.state, scan.error_code) == (ScanState.FAILED, "repo:auth")
    assert "nope" in scan.error_message and "READYBOARD_CREDENTIAL_NOPE" in scan.error_message


@pytest.mark.django_db
def test_it_never_stores_shows_or_logs_a_credential_of_a_failing_scan(
    token_env, settings, tmp_path, caplog, client, django_user_model
):
    settings.READYBOARD_GIT_CACHE_DIR = tmp_path
    settings.READYBOARD_GIT_TIMEOUT = 20
    repo = Repository.objects.create(
        name="private-api", url="https://127.0.0.1:9/acme/private.git",
        credential_name="acme-deploy",
    )  # fmt: skip
    caplog.set_level(logging.DEBUG)

    scan = run_scan(request_scan(repo, enqueue=False).pk)

    assert scan.state == ScanState.FAILED and scan.error_code == "repo:unreachable"
    assert TOKEN not in scan.error_message
    assert TOKEN not in caplog.text
    client.force_login(django_user_model.objects.create_user("v", password="pw"))
    for url in (f"/services/{repo.name}/", f"/api/v1/repositories/{repo.name}",
                f"/admin/dashboard/repository/{repo.pk}/change/"):  # fmt: skip
        assert TOKEN.encode() not in client.get(url).content


def test_it_runs_git_without_a_credential_when_none_is_named(tmp_path):
    with git_credential("") as credential:
        assert credential is None
        assert credential_env() == {}
    with pytest.raises(GitError):
        run_git(["ls-remote", "https://127.0.0.1:9/x.git"],
                config=GitConfig(cache_dir=tmp_path, timeout=10), what="probe")
