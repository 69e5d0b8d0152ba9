"""The scanner in a child process: the same report as in-process, and every way it can fail.

Failure paths replace the scanner's command with a tiny script that misbehaves (crashes,
allocates, hangs); the rest run the real scanner CLI.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings as django_settings

from dashboard.git.local import commit_tree, init_repository
from dashboard.models import Repository, ScanState
from dashboard.scans import pipeline, scanner_process
from dashboard.scans.scanner_process import ScannerFailed
from scanner.engine import scan_tree

SERVICES = Path(__file__).resolve().parents[1] / "fixtures" / "services"
TREES = Path(__file__).resolve().parents[2] / "dashboard" / "demo" / "trees"
T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
SECRETS = {
    "DATABASE_URL": "postgres://app:db-password@db/app",
    "SECRET_KEY": "django-secret-key",
    "READYBOARD_CREDENTIAL_GITHUB": "ghp_token",
}


@pytest.fixture(autouse=True)
def scanner_settings(settings, tmp_path):
    settings.READYBOARD_GIT_CACHE_DIR = tmp_path / "git-cache"
    settings.READYBOARD_SCANNER_CACHE_DIR = tmp_path / "scanner-cache"
    settings.READYBOARD_ALLOW_LOCAL_REPOS = True
    settings.READYBOARD_SCAN_JOBS = 0
    settings.READYBOARD_SCAN_MEMORY_MB = 4096
    return settings


@pytest.fixture
def scanner_replaced_by(monkeypatch):
    """Run `python -c <code>` instead of the scanner (with the pipeline's env, cwd, limits)."""

    def install(code: str) -> None:
        def command(tree, app_root, *, cache_dir, jobs):
            return [sys.executable, "-c", code]

        monkeypatch.setattr(scanner_process, "scanner_command", command)

    return install


@pytest.fixture
def billing(db, tmp_path) -> Repository:
    origin = tmp_path / "origin" / "billing-api"
    init_repository(origin)
    commit_tree(origin, TREES / "billing-api", "billing-api 1.4", T0)
    return Repository.objects.create(name="billing-api", url=origin.as_uri())


def run(repo: Repository):
    return pipeline.run_scan(pipeline.request_scan(repo, "manual", enqueue=False).pk)


def without_timings(report: dict) -> dict:
    return {key: value for key, value in report.items() if key != "timings"}


# --- the real scanner ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "app_root"), [("exemplary", ""), ("monorepo", "services/orders")]
)
def test_the_child_gives_the_same_report_as_the_scanner_in_process(service, app_root):
    tree = SERVICES / service

    in_child = pipeline._scan_tree(tree, app_root)

    in_process = json.loads(json.dumps(scan_tree(tree, app_root=app_root or None)))
    assert without_timings(in_child) == without_timings(in_process)
    assert in_child["status"] == "scored"


def test_a_usage_error_keeps_the_scanners_own_message():
    with pytest.raises(ScannerFailed) as failed:
        pipeline._scan_tree(SERVICES / "exemplary", "services/nope")

    assert failed.value.code == "scan:error"
    assert failed.value.message.startswith("The scanner cannot use this tree: app root")
    assert "'services/nope' is not a folder" in failed.value.message


def test_the_real_scanner_over_its_memory_cap_fails_out_of_memory(scanner_settings):
    scanner_settings.READYBOARD_SCAN_MEMORY_MB = 16  # not even enough to import the scanner

    with pytest.raises(ScannerFailed) as failed:
        pipeline._scan_tree(SERVICES / "exemplary", "")

    assert failed.value.code == "scan:out-of-memory"
    assert "at most 16 MB (READYBOARD_SCAN_MEMORY_MB)" in failed.value.message


def test_the_command_uses_every_core_unless_jobs_are_set(scanner_settings, tmp_path):
    def command() -> list[str]:
        options = pipeline._scan_options()
        return scanner_process.scanner_command(
            tmp_path, None, cache_dir=options.cache_dir, jobs=options.jobs
        )

    assert "--jobs" not in command()
    scanner_settings.READYBOARD_SCAN_JOBS = 3
    assert command()[-2:] == ["--jobs", "3"]


# --- what the child gets ---------------------------------------------------------------


def test_the_child_environment_holds_no_secrets():
    environ = {
        **SECRETS,
        "PATH": "/usr/bin",
        "HOME": "/home/readyboard",
        "LANG": "C.UTF-8",
        "TMPDIR": "/tmp/x",
        "PYTHONPATH": "/app",
        "REDIS_URL": "redis://:pw@redis:6379/0",
        "LC_ALL": "",
    }

    env = scanner_process.scanner_env(environ)

    assert env == {
        "PATH": "/usr/bin",
        "HOME": "/home/readyboard",
        "LANG": "C.UTF-8",
        "TMPDIR": "/tmp/x",
        "PYTHONPATH": "/app",
    }


def test_the_child_runs_scrubbed_in_the_project_folder_without_stdin(
    scanner_replaced_by, monkeypatch
):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    scanner_replaced_by(
        "import json, os, resource, sys; print(json.dumps({'env': dict(os.environ), "
        "'cwd': os.getcwd(), 'stdin': sys.stdin.read(), "
        "'memory': resource.getrlimit(resource.RLIMIT_AS)[0], "
        "'own_session': os.getsid(0) == os.getpid()}))"
    )

    seen = pipeline._scan_tree(SERVICES / "exemplary", "")

    assert not set(SECRETS) & set(seen["env"])
    assert "PATH" in seen["env"]
    assert seen["cwd"] == str(django_settings.BASE_DIR)
    assert seen["stdin"] == ""
    assert seen["memory"] == 4096 * 1024 * 1024
    assert seen["own_session"]


def test_a_zero_memory_setting_leaves_the_child_uncapped(scanner_settings, scanner_replaced_by):
    scanner_settings.READYBOARD_SCAN_MEMORY_MB = 0
    scanner_replaced_by(
        "import json, resource; "
        "print(json.dumps({'memory': resource.getrlimit(resource.RLIMIT_AS)}))"
    )

    seen = pipeline._scan_tree(SERVICES / "exemplary", "")

    assert seen["memory"] == list(resource.getrlimit(resource.RLIMIT_AS))


# --- failures, each with its own code and message --------------------------------------


@pytest.mark.parametrize(
    ("signum", "name"), [(signal.SIGSEGV, "SIGSEGV"), (signal.SIGKILL, "SIGKILL")]
)
def test_a_scanner_killed_by_a_signal_is_a_crash(scanner_replaced_by, signum, name):
    scanner_replaced_by(f"import os; os.kill(os.getpid(), {int(signum)})")

    with pytest.raises(ScannerFailed) as failed:
        pipeline._scan_tree(SERVICES / "exemplary", "")

    assert failed.value.code == "scan:crashed"
    assert failed.value.message == f"The scanner crashed (signal {int(signum)}, {name})."


def test_a_crash_fails_only_the_scan_and_logs_the_scanners_last_words(
    billing, scanner_replaced_by, caplog
):
    scanner_replaced_by("import os, sys; sys.stderr.write('parsing huge.py\\n'); os.abort()")

    scan = run(billing)

    assert (scan.state, scan.error_code) == (ScanState.FAILED, "scan:crashed")
    assert scan.error_message == "The scanner crashed (signal 6, SIGABRT)."
    assert "parsing huge.py" in caplog.text


def test_an_allocation_over_the_cap_fails_out_of_memory_naming_the_cap(
    billing, scanner_settings, scanner_replaced_by
):
    scanner_settings.READYBOARD_SCAN_MEMORY_MB = 128
    scanner_replaced_by("block = bytearray(1024 ** 3)")

    scan = run(billing)

    assert (scan.state, scan.error_code) == (ScanState.FAILED, "scan:out-of-memory")
    assert scan.error_message == (
        "The scanner ran out of memory: it may use at most 128 MB (READYBOARD_SCAN_MEMORY_MB)."
    )


def test_a_traceback_is_an_internal_error_named_by_its_last_line(scanner_replaced_by):
    scanner_replaced_by("raise ValueError('bad fact in x.py')")

    with pytest.raises(ScannerFailed) as failed:
        pipeline._scan_tree(SERVICES / "exemplary", "")

    assert failed.value.code == "scan:error"
    assert failed.value.message == (
        "The scanner stopped with an internal error: ValueError: bad fact in x.py"
    )


def test_a_traceback_quoting_memory_error_code_is_not_out_of_memory():
    tail = "  File 'parsing.py', line 160\n    except MemoryError:\nKeyError: 'x'"
    result = scanner_process.ChildResult(returncode=1, stdout=b"", stderr_tail=tail)

    assert scanner_process.failure_of(result, 4096).code == "scan:error"


@pytest.mark.parametrize("stdout", ["not json at all", "[1, 2]", ""])
def test_output_that_is_not_a_json_report_is_a_scanner_error(scanner_replaced_by, stdout):
    scanner_replaced_by(f"print({stdout!r}, end='')")

    with pytest.raises(ScannerFailed) as failed:
        pipeline._scan_tree(SERVICES / "exemplary", "")

    assert failed.value.code == "scan:error"
    assert "not a JSON report" in failed.value.message


def test_stderr_is_capped_and_scrubbed_before_it_is_stored_or_logged(
    billing, scanner_replaced_by, caplog
):
    scanner_replaced_by(
        "import sys; sys.stderr.write('x' * 100_000 + '\\n'); "
        "raise RuntimeError('cannot fetch https://bot:hunter2@git.example.com/a.git')"
    )

    scan = run(billing)

    assert scan.error_code == "scan:error"
    assert scan.error_message.endswith("cannot fetch https://***@git.example.com/a.git")
    assert len(scan.error_message) <= pipeline.MAX_MESSAGE
    assert "hunter2" not in caplog.text
    assert "x" * (scanner_process.STDERR_TAIL_BYTES + 1) not in caplog.text


# --- time limits: the child never outlives the task ------------------------------------

SPAWNS_AND_HANGS = (
    "import os, subprocess, time\n"
    # Not holding our pipes: only a kill of the whole group ends it, not the end of output.
    "quiet = {{'stdout': subprocess.DEVNULL, 'stderr': subprocess.DEVNULL}}\n"
    "child = subprocess.Popen(['sleep', '300'], **quiet)\n"
    "open({pids!r} + '.tmp', 'w').write(f'{{os.getpid()}} {{child.pid}}')\n"
    "os.rename({pids!r} + '.tmp', {pids!r})\n"
    "time.sleep(300)\n"
)


def test_the_soft_time_limit_kills_the_scanner_and_what_it_started(
    billing, scanner_replaced_by, tmp_path
):
    pids = tmp_path / "pids"
    scanner_replaced_by(SPAWNS_AND_HANGS.format(pids=str(pids)))

    with soft_time_limit_once(pids.exists):
        scan = run(billing)

    assert (scan.state, scan.error_code) == (ScanState.FAILED, "scan:timeout")
    assert_all_gone(pids)


def test_the_scanners_own_timeout_kills_it_and_what_it_started(
    scanner_settings, scanner_replaced_by, tmp_path
):
    scanner_settings.READYBOARD_SCAN_TIMEOUT = 2
    pids = tmp_path / "pids"
    scanner_replaced_by(SPAWNS_AND_HANGS.format(pids=str(pids)))

    with pytest.raises(ScannerFailed) as failed:
        pipeline._scan_tree(SERVICES / "exemplary", "")

    assert failed.value.code == "scan:timeout"
    assert failed.value.message == "The scan ran longer than 2 seconds."
    assert_all_gone(pids)


class soft_time_limit_once:
    """Raise SoftTimeLimitExceeded from a signal handler, as Celery does, once `ready()`."""

    def __init__(self, ready) -> None:
        self.ready = ready

    def _fire(self, signum, frame) -> None:
        if not self.ready():
            signal.setitimer(signal.ITIMER_REAL, 0.1)
            return
        raise SoftTimeLimitExceeded()

    def __enter__(self):
        self.previous = signal.signal(signal.SIGALRM, self._fire)
        signal.setitimer(signal.ITIMER_REAL, 0.1)

    def __exit__(self, *exc) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.previous)


def assert_all_gone(pids_file: Path) -> None:
    pids = [int(pid) for pid in pids_file.read_text().split()]
    deadline = time.monotonic() + 10
    while any(map(running, pids)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(running, pids)), pids


def running(pid: int) -> bool:
    """Alive and not a zombie (an orphan may wait a moment for init to reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


WRITES_PID_AND_HANGS = (
    "import os, time\n"
    "open({pids!r} + '.tmp', 'w').write(str(os.getpid()))\n"
    "os.rename({pids!r} + '.tmp', {pids!r})\n"
    "time.sleep(300)\n"
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_worker_killed_by_the_hard_time_limit_takes_the_scanner_with_it(
    scanner_replaced_by, tmp_path
):
    import multiprocessing

    pids = tmp_path / "pids"
    scanner_replaced_by(WRITES_PID_AND_HANGS.format(pids=str(pids)))
    worker = multiprocessing.get_context("fork").Process(
        target=pipeline._scan_tree, args=(SERVICES / "exemplary", "")
    )
    worker.start()
    deadline = time.monotonic() + 20
    while not pids.exists() and time.monotonic() < deadline:
        time.sleep(0.05)

    worker.kill()  # what Celery's hard time limit does to a pool child
    worker.join()

    try:
        assert_all_gone(pids)
    finally:
        for pid in filter(running, map(int, pids.read_text().split())):
            os.kill(pid, signal.SIGKILL)  # leave no orphan behind, even when failing
