"""Run the scanner CLI in a child process and turn its outcome into a report or a failure.

The child reads untrusted code, so it gets a minimal environment (no database URL, secret
key or credentials), its own session (so a timeout kills it with every process it
forked), an address-space cap (a pathological repository fails its own scan instead of
exhausting the machine) and no stdin. Running it outside the Celery child also lets the
scanner use all cores: a daemonic pool child may not start a process pool, a fresh
interpreter may.
"""

from __future__ import annotations

import functools
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dashboard.git import scrub
from dashboard.scans import errors
from scanner.forking import death_with_parent

STDERR_TAIL_BYTES = 2048
EXIT_USAGE = 2  # the CLI's "cannot scan this input" (message on stderr)
PASSED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH")
# What Python (a traceback's last line), the C library (ENOMEM), Rust (libcst's native
# parser, before it aborts) and the dynamic loader print when an allocation fails. Anchored
# where they can be, so a traceback quoting `except MemoryError:` does not count.
OUT_OF_MEMORY = re.compile(
    r"^MemoryError\b|Cannot allocate memory|^memory allocation of \d+ bytes failed"
    r"|failed to map segment",
    re.MULTILINE,
)


class ScannerFailed(Exception):
    """The scanner child did not produce a report: `code` and `message` go on the scan,
    `stderr_tail` (capped, scrubbed) into the worker log."""

    def __init__(self, code: str, message: str, stderr_tail: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.stderr_tail = stderr_tail


@dataclass(frozen=True)
class ScanOptions:
    cache_dir: Path
    cwd: Path
    jobs: int | None = None  # None: the scanner's default, one process per core
    memory_mb: int = 0  # 0: no cap
    timeout: float | None = None


@dataclass(frozen=True)
class ChildResult:
    returncode: int
    stdout: bytes
    stderr_tail: str


def scan_in_child(tree: Path, app_root: str | None, options: ScanOptions) -> dict[str, Any]:
    """The scanner's JSON report of `tree`; ScannerFailed when the child gives none."""
    command = scanner_command(tree, app_root, cache_dir=options.cache_dir, jobs=options.jobs)
    result = run_child(command, options)
    if result.returncode != 0:
        raise failure_of(result, options.memory_mb)
    return parse_report(result.stdout, result.stderr_tail)


def scanner_command(
    tree: Path, app_root: str | None, *, cache_dir: Path, jobs: int | None
) -> list[str]:
    # Absolute paths: the child runs in the project folder, not in our working directory.
    # faulthandler: a crash in native code leaves a Python traceback on stderr for the log.
    command = [
        sys.executable, "-X", "faulthandler", "-m", "scanner", os.path.abspath(tree),
        "--format", "json", "--cache-dir", os.path.abspath(cache_dir),
    ]  # fmt: skip
    if app_root:
        command += ["--app-root", app_root]
    if jobs:
        command += ["--jobs", str(jobs)]
    return command


def scanner_env(environ: dict[str, str] | None = None) -> dict[str, str]:
    """Only what an interpreter needs to start; secrets in our environment stay here."""
    source = os.environ if environ is None else environ
    env = {name: source[name] for name in PASSED_ENV if source.get(name)}
    env.setdefault("PATH", os.defpath)
    return env


def run_child(command: list[str], options: ScanOptions) -> ChildResult:
    """Run `command` to its end; any exception while waiting (Celery's soft time limit
    included) kills it and everything it started before propagating."""
    with tempfile.TemporaryFile() as stderr:  # a file: a chatty child cannot fill our memory
        proc = subprocess.Popen(
            command,
            cwd=options.cwd,
            env=scanner_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            start_new_session=True,  # its own process group, parse workers included
            preexec_fn=_child_setup(options.memory_mb),
        )
        try:
            stdout, _ = proc.communicate(timeout=options.timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise ScannerFailed(
                errors.SCAN_TIMEOUT, f"The scan ran longer than {options.timeout:g} seconds."
            ) from None
        except BaseException:
            _kill_group(proc)
            raise
        if proc.returncode < 0:
            _kill_group(proc)  # a crashed scanner may leave parse workers behind
        return ChildResult(proc.returncode, stdout, _tail(stderr))


def _child_setup(memory_mb: int):
    """The `preexec_fn`: the memory cap, and on Linux death with the worker process.

    Celery's hard time limit SIGKILLs the worker child without a chance to clean up; the
    scanner, in a session of its own, would scan on unattended. PR_SET_PDEATHSIG has the
    kernel kill it when its parent dies. Both steps are prepared here, in the parent.
    """
    dies_with_us = death_with_parent(os.getpid())
    steps = tuple(step for step in (_memory_cap(memory_mb), dies_with_us) if step)
    if not steps:
        return None
    return functools.partial(_run_steps, steps)


def _run_steps(steps) -> None:
    for step in steps:
        step()


def _memory_cap(memory_mb: int):
    """A `preexec_fn` capping the child's address space, or None for no cap.

    The limit is computed here, in the parent: between fork and exec the child only makes
    one system call through a prepared partial (no imports, no locks another thread of
    ours could hold, such as the heartbeat's).
    """
    if memory_mb <= 0:
        return None
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = memory_mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)  # raising above the hard limit would fail in the child
    return functools.partial(resource.setrlimit, resource.RLIMIT_AS, (limit, limit))


def _kill_group(proc: subprocess.Popen) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()  # reap it and close the pipe


def _tail(stderr) -> str:
    """The last STDERR_TAIL_BYTES of the child's stderr, credentials scrubbed."""
    stderr.seek(0, os.SEEK_END)
    stderr.seek(max(0, stderr.tell() - STDERR_TAIL_BYTES))
    return scrub(stderr.read().decode("utf-8", "replace")).strip()


def failure_of(result: ChildResult, memory_mb: int) -> ScannerFailed:
    """The failure a non-zero exit stands for (we never pass --fail-under, so 1 is a
    traceback)."""
    tail = result.stderr_tail
    if _ran_out_of_memory(tail):
        return ScannerFailed(errors.SCAN_OUT_OF_MEMORY, _out_of_memory_message(memory_mb), tail)
    if result.returncode < 0:
        return ScannerFailed(errors.SCAN_CRASHED, _crash_message(-result.returncode), tail)
    if result.returncode == EXIT_USAGE:
        reason = _last_line(tail).removeprefix("error: ") or "no reason given"
        return ScannerFailed(errors.SCAN_ERROR, f"The scanner cannot use this tree: {reason}", tail)
    return ScannerFailed(errors.SCAN_ERROR, _internal_error_message(result.returncode, tail), tail)


def parse_report(stdout: bytes, stderr_tail: str = "") -> dict[str, Any]:
    try:
        report = json.loads(stdout)
    except ValueError as exc:
        raise ScannerFailed(
            errors.SCAN_ERROR, f"The scanner's output is not a JSON report ({exc}).", stderr_tail
        ) from None
    if not isinstance(report, dict):
        raise ScannerFailed(
            errors.SCAN_ERROR, "The scanner's output is not a JSON report object.", stderr_tail
        )
    return report


def _ran_out_of_memory(stderr_tail: str) -> bool:
    return OUT_OF_MEMORY.search(stderr_tail) is not None


def _out_of_memory_message(memory_mb: int) -> str:
    if memory_mb > 0:
        return (
            f"The scanner ran out of memory: it may use at most {memory_mb} MB "
            "(READYBOARD_SCAN_MEMORY_MB)."
        )
    return "The scanner ran out of memory."


def _crash_message(signum: int) -> str:
    try:
        name = signal.Signals(signum).name
    except ValueError:
        return f"The scanner crashed (signal {signum})."
    return f"The scanner crashed (signal {signum}, {name})."


def _internal_error_message(returncode: int, stderr_tail: str) -> str:
    # The last line of a traceback names the exception; the rest is for the worker log.
    last = _last_line(stderr_tail)
    if last:
        return f"The scanner stopped with an internal error: {last}"
    return f"The scanner stopped with exit status {returncode} and no message."


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""
