"""Credentials for private repositories, referenced by name and handed to git at call time.

A repository stores only a credential *name*. The secret lives on the workers, either in
the environment (`READYBOARD_CREDENTIAL_<NAME>`, the name upper-cased with `-` as `_`) or
as a file `<READYBOARD_CREDENTIALS_DIR>/<name>` (a mounted secret). Its content is one of:

- a token: `token` (sent with user name `x-access-token`) or `user:token`, for https;
- an SSH private key (`-----BEGIN ... PRIVATE KEY-----`), for ssh URLs.

`git_credential(name)` makes it available to the git commands run inside the block: a
token through a GIT_ASKPASS helper script that reads it from git's environment (never from
argv, never written to disk), a key through a 0600 temp file named in GIT_SSH_COMMAND.
While a credential is active its secret is also scrubbed from every git error message
(`errors.scrub`) and log line (`dashboard.security.logging`). Nothing here logs a secret.
"""

from __future__ import annotations

import os
import re
import shlex
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from dashboard.git.errors import AUTH, GitError

ENV_PREFIX = "READYBOARD_CREDENTIAL_"
DIR_SETTING = "READYBOARD_CREDENTIALS_DIR"
DEFAULT_TOKEN_USER = "x-access-token"
MAX_BYTES = 64 * 1024
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_ASKPASS = """#!/bin/sh
# Readyboard: answer git's prompts from this process's environment only.
case "$1" in
  Username*|username*) printf '%s\\n' "$READYBOARD_GIT_USERNAME" ;;
  *) printf '%s\\n' "$READYBOARD_GIT_PASSWORD" ;;
esac
"""


class CredentialError(GitError):
    """The named credential is not configured (or unusable) on this worker: repo:auth."""

    def __init__(self, message: str) -> None:
        super().__init__(AUTH, message)


@dataclass(frozen=True)
class Credential:
    name: str
    kind: str  # "token" or "ssh-key"
    username: str = field(default="", repr=False)
    secret: str = field(default="", repr=False)

    def __repr__(self) -> str:  # never print the secret, even in a traceback's locals
        return f"Credential(name={self.name!r}, kind={self.kind!r}, secret='***')"


@dataclass(frozen=True)
class _Active:
    env: dict[str, str]
    secrets: tuple[str, ...]


_ACTIVE: ContextVar[_Active | None] = ContextVar("readyboard_git_credential", default=None)
# Every secret this process has loaded: scrubbed from messages even after its block ended.
_SEEN: set[str] = set()


def env_name(name: str) -> str:
    return ENV_PREFIX + re.sub(r"[^A-Z0-9]", "_", name.upper())


def credentials_dir() -> Path | None:
    from django.conf import settings

    value = getattr(settings, DIR_SETTING, None) or os.environ.get(DIR_SETTING)
    return Path(value) if value else None


def is_valid_name(name: str) -> bool:
    """Letters, digits, `-` and `_`, starting with a letter or digit, at most 64 long."""
    return bool(_NAME.match(name or ""))


def load_credential(name: str) -> Credential:
    """The credential called `name`, or CredentialError saying where it was looked for."""
    if not is_valid_name(name):
        raise CredentialError(f"{name!r} is not a valid credential name")
    raw = os.environ.get(env_name(name), "")
    if not raw.strip():
        raw = _read_file(name)
    return parse(name, raw)


def _read_file(name: str) -> str:
    folder = credentials_dir()
    if folder is None:
        raise CredentialError(
            f"credential {name!r} is not configured on this worker "
            f"(set {env_name(name)} or {DIR_SETTING})"
        )
    path = folder / name
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        raise CredentialError(
            f"credential {name!r} is not configured on this worker "
            f"(no {env_name(name)}, no file {name!r} in {DIR_SETTING})"
        ) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
            raise CredentialError(f"credential file {name!r} is not a small regular file")
        return handle.read().decode("utf-8", errors="strict")


def parse(name: str, raw: str) -> Credential:
    text = raw.strip()
    if not text:
        raise CredentialError(f"credential {name!r} is empty")
    if text.startswith("-----BEGIN") and "PRIVATE KEY-----" in text:
        return Credential(name, "ssh-key", secret=text + "\n")
    if "\n" in text:
        raise CredentialError(f"credential {name!r} is neither a token nor an SSH private key")
    user, sep, token = text.partition(":")
    if sep and user and token:
        return Credential(name, "token", username=user, secret=token)
    return Credential(name, "token", username=DEFAULT_TOKEN_USER, secret=text)


@contextmanager
def git_credential(name: str | None) -> Iterator[Credential | None]:
    """Make the named credential available to git inside the block (nothing for "")."""
    if not name:
        yield None
        return
    credential = load_credential(name)
    with tempfile.TemporaryDirectory(prefix="readyboard-cred-") as folder:
        os.chmod(folder, 0o700)
        env = _env_for(credential, Path(folder))
        secrets = tuple(s for s in (credential.secret.strip(), *_lines(credential)) if s)
        _SEEN.update(secrets)
        token = _ACTIVE.set(_Active(env=env, secrets=secrets))
        try:
            yield credential
        finally:
            _ACTIVE.reset(token)


def _lines(credential: Credential) -> list[str]:
    # Every line of a key body, so a partial key in an error message is scrubbed too.
    if credential.kind != "ssh-key":
        return []
    return [line for line in credential.secret.splitlines() if len(line) > 16]


def _env_for(credential: Credential, folder: Path) -> dict[str, str]:
    # credential.helper reset to empty: no helper on the worker may store or replace it.
    base = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "credential.helper",
            "GIT_CONFIG_VALUE_0": ""}  # fmt: skip
    if credential.kind == "ssh-key":
        key = folder / "key"
        fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(credential.secret)
        command = (
            f"ssh -i {shlex.quote(str(key))} -o IdentitiesOnly=yes -o BatchMode=yes "
            "-o ConnectTimeout=20"
        )
        return {**base, "GIT_SSH_COMMAND": command}
    script = folder / "askpass"
    fd = os.open(script, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o700)
    with os.fdopen(fd, "w") as handle:
        handle.write(_ASKPASS)
    return {
        **base,
        "GIT_ASKPASS": str(script),
        "READYBOARD_GIT_USERNAME": credential.username,
        "READYBOARD_GIT_PASSWORD": credential.secret,
    }


def credential_env() -> dict[str, str]:
    """Environment additions for git while a credential is active ({} otherwise)."""
    active = _ACTIVE.get()
    return dict(active.env) if active else {}


def known_secrets() -> tuple[str, ...]:
    """Secrets to scrub from anything shown or logged: every one this process has loaded,
    longest first (so a secret containing another is replaced whole)."""
    return tuple(sorted(_SEEN, key=len, reverse=True))
