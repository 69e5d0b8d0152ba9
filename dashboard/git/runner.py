"""Running git safely: one place that builds the command line, environment and limits.

Every call gets: hooks disabled, no prompts (a missing credential fails at once instead of
hanging a worker), ssh in batch mode, a protocol allow-list, no submodules, English
messages (we categorise errors from stderr), a wall-clock timeout that kills git and its
helpers, and optionally a cap on how large a folder may grow while git runs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from git.cmd import Git

from dashboard.git.credentials import credential_env
from dashboard.git.errors import TIMEOUT, TOO_LARGE, GitError, from_stderr

_POLL_SECONDS = 0.5


@dataclass(frozen=True)
class GitConfig:
    """Limits and switches for git; `from_settings()` reads them from Django settings."""

    cache_dir: Path
    max_repo_mb: int = 500
    max_files: int = 100_000
    timeout: int = 300
    allow_local: bool = False

    @property
    def max_bytes(self) -> int:
        return self.max_repo_mb * 1024 * 1024

    @classmethod
    def from_settings(cls) -> GitConfig:
        from django.conf import settings

        return cls(
            cache_dir=Path(settings.READYBOARD_GIT_CACHE_DIR),
            max_repo_mb=settings.READYBOARD_MAX_REPO_MB,
            max_files=getattr(settings, "READYBOARD_MAX_FILES", 100_000),
            timeout=getattr(settings, "READYBOARD_GIT_TIMEOUT", 300),
            allow_local=settings.READYBOARD_ALLOW_LOCAL_REPOS,
        )


def git_flags(allow_local: bool) -> list[str]:
    """`-c` options for every invocation (they beat any repository-level config)."""
    options = {
        "core.hooksPath": "/dev/null",
        "core.fsmonitor": "false",
        "protocol.allow": "never",
        "protocol.https.allow": "always",
        "protocol.ssh.allow": "always",
        "protocol.file.allow": "always" if allow_local else "never",
        "submodule.recurse": "false",
        "fetch.recurseSubmodules": "false",
        "gc.auto": "0",
        "maintenance.auto": "false",
        # Abort a transfer that stalls below 1 kB/s for a minute.
        "http.lowSpeedLimit": "1000",
        "http.lowSpeedTime": "60",
    }
    flags: list[str] = []
    for key, value in options.items():
        flags += ["-c", f"{key}={value}"]
    return flags


def git_env() -> dict[str, str]:
    """Environment that makes git fail fast instead of asking anyone anything."""
    return {
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "/bin/true",
        "SSH_ASKPASS": "/bin/true",
        "GIT_SSH_COMMAND": "ssh -o BatchMode=yes -o ConnectTimeout=20",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_PROTOCOL_FROM_USER": "0",
        "GIT_LFS_SKIP_SMUDGE": "1",
        "LC_ALL": "C",
        "LANGUAGE": "C",
        **credential_env(),  # a named credential, while `git_credential(...)` is active
    }


def run_git(
    args: list[str],
    *,
    config: GitConfig,
    what: str,
    cwd: Path | None = None,
    watch: Path | None = None,
) -> str:
    """Run `git <args>` and return its stdout; GitError on failure, timeout or growth.

    `what` describes the step for error messages; `watch` is a folder whose size must stay
    under the configured cap while git runs (a clone of a huge repository is stopped early
    rather than filling the disk).
    """
    command = [Git.GIT_PYTHON_GIT_EXECUTABLE, *git_flags(config.allow_local), *args]
    handle = Git(str(cwd) if cwd else None).execute(
        command, as_process=True, env=git_env(), start_new_session=True
    )
    proc = handle.proc
    out, err = _wait(proc, config=config, what=what, watch=watch)
    if proc.returncode != 0:
        raise from_stderr(err.decode("utf-8", "replace"), what)
    return out.decode("utf-8", "replace")


@contextmanager
def stream_git(args: list[str], *, config: GitConfig, what: str, cwd: Path) -> Iterator[BinaryIO]:
    """Run `git <args>` and yield its stdout as a stream (for `git archive`).

    The timeout kills git even while the caller is still reading; failure is raised when
    the block ends (a killed git also ends the stream early).
    """
    command = [Git.GIT_PYTHON_GIT_EXECUTABLE, *git_flags(config.allow_local), *args]
    handle = Git(str(cwd)).execute(command, as_process=True, env=git_env(), start_new_session=True)
    proc = handle.proc
    fired = threading.Event()

    def on_timeout() -> None:
        fired.set()
        _killpg(proc)

    timer = threading.Timer(config.timeout, on_timeout)
    timer.start()
    try:
        yield proc.stdout
    except BaseException:
        _killpg(proc)
        raise
    finally:
        timer.cancel()
        _out, err = proc.communicate()
    if fired.is_set():
        raise GitError(TIMEOUT, f"{what}: git did not finish within {config.timeout} seconds")
    if proc.returncode != 0:
        raise from_stderr(err.decode("utf-8", "replace"), what)


def _wait(
    proc: subprocess.Popen, *, config: GitConfig, what: str, watch: Path | None
) -> tuple[bytes, bytes]:
    deadline = time.monotonic() + config.timeout
    while True:
        try:
            # Retrying communicate() after its timeout loses no output (documented).
            return proc.communicate(timeout=_POLL_SECONDS)
        except BaseException as exc:
            # Celery's soft time limit lands here too: git must not outlive the task.
            if not isinstance(exc, subprocess.TimeoutExpired):
                _kill(proc)
                raise
            if time.monotonic() > deadline:
                _kill(proc)
                raise GitError(
                    TIMEOUT, f"{what}: git did not finish within {config.timeout} seconds"
                ) from None
            if watch is not None and folder_size(watch) > config.max_bytes:
                _kill(proc)
                raise GitError(
                    TOO_LARGE, f"{what}: the repository is larger than {config.max_repo_mb} MB"
                ) from None


def _kill(proc: subprocess.Popen) -> None:
    _killpg(proc)
    proc.communicate()


def _killpg(proc: subprocess.Popen) -> None:
    # git spawns helpers (remote-https, ssh, upload-pack); kill the whole session.
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def folder_size(path: Path) -> int:
    """Bytes of the regular files under `path` (links not followed)."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except FileNotFoundError:
                continue  # git renames temporary packs while we look
    return total
