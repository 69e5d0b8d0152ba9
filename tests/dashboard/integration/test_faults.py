"""Faults with real processes: a worker killed mid-scan, Redis restarted with scans queued,
the database dropping the worker's connections mid-scan.

Redis here keeps nothing on disk, so a restart loses every queued message. "None lost"
means the scan rows survive and the reaper sends their ids again
(`pipeline.resend_waiting_scans`); the claim is a compare-and-set, so a message that did
survive and its resend together still run the scan once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import timedelta

import filelock
import kombu.pools
import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from dashboard.git.urls import cache_key
from dashboard.models import Repository, Scan, ScanState
from dashboard.scans.pipeline import reap_stale_scans, request_scan, stale_after
from tests.dashboard.integration.conftest import REDIS_URL

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

FINAL_WITHIN_SECONDS = 120
REDIS_START = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379",
               "--save", "", "--appendonly", "no"]  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def fresh_kombu_pools():
    """Drop kombu's global producer pools when this module is done.

    The shared worker fixture closes the app's pool on exit, but kombu keeps the closed
    producer pool keyed by the broker URL; the next module using the fixture would get
    "Acquire on closed pool" (a fixture issue any second worker module runs into).
    """
    yield
    kombu.pools.reset()


def wait_for(scan: Scan, predicate, what: str, seconds: float = FINAL_WITHIN_SECONDS) -> Scan:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        scan.refresh_from_db()
        if predicate(scan):
            return scan
        time.sleep(0.2)
    raise AssertionError(f"scan {scan.pk} never {what} (is {scan.state})")


def final(scan: Scan) -> Scan:
    return wait_for(scan, lambda s: s.is_final, "ended")


def mirror_lock(worker_dir, repo: Repository) -> filelock.FileLock:
    # Holding the mirror's lock parks the worker's scan in `cloning` for as long as we like.
    (worker_dir / "git-cache").mkdir(exist_ok=True)
    return filelock.FileLock(str(worker_dir / "git-cache" / f"{cache_key(repo.url)}.lock"))


def children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(child) for child in found.stdout.split()]


def kill_scan_process(worker) -> None:
    for child in children(worker.pid):
        os.kill(child, signal.SIGKILL)


def redis_alive() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping()
    except redis.RedisError:
        return False


def restart_redis() -> None:
    """Stop the real Redis (nothing saved) and start it again; always leaves it running."""
    try:
        subprocess.run(["redis-cli", "shutdown", "nosave"], capture_output=True, timeout=10)
        deadline = time.monotonic() + 10
        while redis_alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not redis_alive(), "redis did not stop"
    finally:
        if not redis_alive():
            subprocess.run(REDIS_START, check=True, capture_output=True, timeout=20)
        deadline = time.monotonic() + 20
        while not redis_alive() and time.monotonic() < deadline:
            time.sleep(0.1)
    assert redis_alive()


def queue_length() -> int:
    return redis.Redis.from_url(REDIS_URL).llen(settings.CELERY_TASK_DEFAULT_QUEUE)


def after_stale() -> object:
    return timezone.now() + stale_after() + timedelta(minutes=1)


# --- a worker killed mid-scan ------------------------------------------------------------


def test_it_retries_a_killed_scan_then_fails_it_when_killed_again(
    celery_worker_process, worker_dir, make_origin
):
    repo = Repository.objects.create(name="billing-api", url=make_origin().as_uri())
    with mirror_lock(worker_dir, repo):
        scan = request_scan(repo, "manual")
        wait_for(scan, lambda s: s.state == ScanState.CLONING, "started")
        kill_scan_process(celery_worker_process)
        time.sleep(2)
        assert scan.__class__.objects.get(pk=scan.pk).state == ScanState.CLONING

        assert reap_stale_scans(now=after_stale())["requeued"] == 1  # attempt 2
        wait_for(scan, lambda s: s.state == ScanState.CLONING and s.attempts == 2, "retried")
        kill_scan_process(celery_worker_process)
        time.sleep(2)

        assert reap_stale_scans(now=after_stale())["failed"] == 1  # out of attempts
    scan.refresh_from_db()
    assert (scan.state, scan.error_code) == (ScanState.FAILED, "worker:lost")
    assert "stopped answering" in scan.error_message and scan.finished_at is not None
    assert not Scan.objects.filter(repository=repo, state__in=("cloning", "scanning")).exists()
    assert final(request_scan(repo, "manual")).state == ScanState.SUCCEEDED  # the next one runs


# --- Redis restarted while scans are queued ----------------------------------------------


def test_it_loses_no_queued_scan_when_redis_restarts(
    celery_worker_process, worker_dir, make_origin
):
    origin = make_origin()
    repos = [Repository.objects.create(name=f"svc-{n}", url=_copy_origin(origin, n))
             for n in range(3)]  # fmt: skip
    try:
        with mirror_lock(worker_dir, repos[0]):
            # The one worker process is busy with the first scan (prefetch 1, late ack),
            # so the other two wait in Redis.
            first = request_scan(repos[0], "manual")
            wait_for(first, lambda s: s.state == ScanState.CLONING, "started")
            waiting = [request_scan(repo, "manual") for repo in repos[1:]]
            assert queue_length() == 2

            restart_redis()

            assert queue_length() == 0  # the messages are gone...
            for scan in waiting:
                scan.refresh_from_db()
                assert scan.state == ScanState.QUEUED  # ...the rows are not
    finally:
        assert redis_alive()
    assert final(first).state == ScanState.SUCCEEDED

    done = reap_stale_scans(now=timezone.now() + timedelta(minutes=11))

    assert done["resent"] == 2
    assert [final(scan).state for scan in waiting] == [ScanState.SUCCEEDED] * 2
    assert reap_stale_scans(now=timezone.now() + timedelta(minutes=11))["resent"] == 0


def _copy_origin(origin, n: int) -> str:
    # Separate repositories (separate mirrors and locks) with the same content.
    target = origin.parent / f"{origin.name}-{n}"
    subprocess.run(["cp", "-a", str(origin), str(target)], check=True)
    return target.as_uri()


def test_it_scans_again_once_redis_is_back_after_a_restart(celery_worker_process, make_origin):
    repo = Repository.objects.create(name="billing-api", url=make_origin().as_uri())
    try:
        restart_redis()
    finally:
        assert redis_alive()

    scan = request_scan(repo, "manual")  # the worker reconnected; so did this process

    assert final(scan).state == ScanState.SUCCEEDED


# --- the database briefly unavailable ------------------------------------------------------


def terminate_other_connections() -> int:
    """pg_terminate_backend on every connection to the test database but this one."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_it_fails_the_attempt_cleanly_and_the_retry_succeeds_when_the_database_drops(
    celery_worker_process, worker_dir, make_origin
):
    repo = Repository.objects.create(name="billing-api", url=make_origin().as_uri())
    with mirror_lock(worker_dir, repo):
        scan = request_scan(repo, "manual")
        wait_for(scan, lambda s: s.state == ScanState.CLONING, "started")

        assert terminate_other_connections() >= 1  # the worker's connections are cut

    scan = final(scan)

    assert scan.state == ScanState.SUCCEEDED, scan.error_message
    assert scan.attempts == 2  # the cut attempt went back to the queue; the retry did it
    assert scan.error_code == "" and scan.check_results.exists()
    log = (worker_dir / "worker.log").read_text()
    assert "OperationalError" in log or "terminat" in log
