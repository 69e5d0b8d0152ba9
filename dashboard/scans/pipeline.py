"""The scan service: request a scan, run it, reap the ones whose worker died.

    request_scan(repo, trigger)  creates the Scan row (or returns the one in flight) and
                                 queues its id once the transaction commits;
    run_scan(scan_id)            does the work: git -> scanner -> store, every state change
                                 a compare-and-set so a redelivered task is harmless;
    reap_stale_scans()           fails (or requeues once) scans whose heartbeat went quiet.

Celery tasks (`dashboard.scans.tasks`) are thin wrappers around these.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from dashboard import git
from dashboard.git.credentials import git_credential
from dashboard.models import ACTIVE_STATES, Repository, Scan, ScanState, Trigger
from dashboard.scans import errors, scanner_process
from dashboard.scans.scanner_process import ScannerFailed
from dashboard.scans.store import StaleScan, find_reusable, reuse_result, store_report

log = logging.getLogger(__name__)

MAX_MESSAGE = 500
TRANSIENT_DB_ERRORS = (OperationalError, InterfaceError)


# --- requesting ------------------------------------------------------------------------


def request_scan(
    repository: Repository, trigger: str = Trigger.MANUAL, *, enqueue: bool = True
) -> Scan:
    """A queued Scan of `repository`, or the one already in flight (never two at once).

    The row is created first; only its id goes to the broker, after the surrounding
    transaction commits (so the worker always finds the row). `enqueue=False` leaves the
    scan for the caller to run (`manage.py scan`).
    """
    existing = _active_scan(repository)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            scan = Scan.objects.create(
                repository=repository, trigger=trigger, branch=repository.branch
            )
    except IntegrityError:
        # Another request won the race (the partial unique constraint): theirs stands.
        existing = _active_scan(repository)
        if existing is None:
            raise
        return existing
    if enqueue:
        transaction.on_commit(lambda: enqueue_scan(scan.pk))
    return scan


def _active_scan(repository: Repository) -> Scan | None:
    return Scan.objects.filter(repository=repository, state__in=ACTIVE_STATES).first()


def enqueue_scan(scan_id: int) -> None:
    """Hand the scan's id to the workers; a broker outage fails the scan, not the request."""
    from dashboard.scans.tasks import scan_repository

    try:
        scan_repository.delay(scan_id)
    except Exception:
        log.exception("could not queue scan %s", scan_id)
        fail_scan(
            scan_id, errors.QUEUE_UNAVAILABLE, "The task broker could not be reached; try again."
        )


# --- running ---------------------------------------------------------------------------


def run_scan(scan_id: int) -> Scan | None:
    """Run a queued scan to its end; None when it was not queued (already taken or over).

    Never raises for a failed scan — the failure is stored with its error code — except
    for transient database errors, which put the scan back in the queue and propagate so
    the task can retry.
    """
    now = timezone.now()
    claimed = Scan.objects.transition(
        scan_id, ScanState.QUEUED, ScanState.CLONING,
        started_at=now, heartbeat_at=now, attempts=F("attempts") + 1,
    )  # fmt: skip
    if not claimed:
        log.info("scan %s is not queued any more; nothing to do", scan_id)
        return None
    scan = Scan.objects.select_related("repository").get(pk=scan_id)
    try:
        return _execute(scan)
    except TRANSIENT_DB_ERRORS:
        _requeue_after_db_error(scan_id)
        raise
    except StaleScan as exc:
        log.warning("scan %s: %s", scan_id, exc)
    except git.GitError as exc:
        fail_scan(scan_id, exc.code, exc.message)
    except SoftTimeLimitExceeded:
        fail_scan(scan_id, errors.SCAN_TIMEOUT, _timeout_message())
    except ScannerFailed as exc:
        log.warning("scan %s: %s\nscanner stderr (end):\n%s", scan_id, exc.message, exc.stderr_tail)
        fail_scan(scan_id, exc.code, exc.message)
    except Exception as exc:
        log.exception("scan %s failed in the scanner or pipeline", scan_id)
        fail_scan(scan_id, errors.SCAN_ERROR, _scanner_message(exc))
    return Scan.objects.get(pk=scan_id)


def _execute(scan: Scan) -> Scan:
    repo = scan.repository
    with keep_alive(scan.pk), git_credential(repo.credential_name):
        head = git.resolve_head(repo.url, repo.branch)
        _record_head(scan, head)
        previous = find_reusable(repo, head.sha, _rules_version())
        if previous is not None:
            log.info("scan %s: reusing scan %s of %s", scan.pk, previous.pk, head.sha[:10])
            return reuse_result(scan, previous)
        with git.exported_tree(repo.url, head.sha) as tree:
            _advance(scan, ScanState.CLONING, ScanState.SCANNING)
            report = _scan_tree(tree, repo.app_root)
    _advance(scan, ScanState.SCANNING, ScanState.SAVING)
    return store_report(scan, report)


def _scan_tree(tree, app_root: str) -> dict[str, Any]:
    """The scanner's report of `tree`, computed in a child process (ScannerFailed if none)."""
    started = time.monotonic()
    report = scanner_process.scan_in_child(Path(tree), app_root or None, _scan_options())
    log.info("scanned %s in %.1fs", tree, time.monotonic() - started)
    return report


def _scan_options() -> scanner_process.ScanOptions:
    return scanner_process.ScanOptions(
        # Per-worker findings cache keyed by file content: an unchanged file is not re-analysed.
        cache_dir=Path(
            getattr(settings, "READYBOARD_SCANNER_CACHE_DIR", settings.DATA_DIR / "scanner-cache")
        ),
        cwd=settings.BASE_DIR,
        jobs=settings.READYBOARD_SCAN_JOBS or None,  # None: one parse process per core
        memory_mb=settings.READYBOARD_SCAN_MEMORY_MB,
        # Celery's soft limit stops the task first; this bounds `manage.py scan` as well.
        timeout=settings.READYBOARD_SCAN_TIMEOUT,
    )


def _rules_version() -> str:
    import scanner

    return scanner.RULES_VERSION


def _record_head(scan: Scan, head: git.Head) -> None:
    scan.commit_sha, scan.branch = head.sha, head.branch
    updated = Scan.objects.filter(pk=scan.pk, state__in=ACTIVE_STATES).update(
        commit_sha=head.sha, branch=head.branch, heartbeat_at=timezone.now()
    )
    if not updated:
        raise StaleScan(f"scan {scan.pk} ended while fetching (reaped?)")


def _advance(scan: Scan, from_state: str, to_state: str) -> None:
    if not Scan.objects.transition(scan.pk, from_state, to_state, heartbeat_at=timezone.now()):
        raise StaleScan(f"scan {scan.pk} left {from_state} before {to_state} (reaped?)")
    scan.state = to_state


def fail_scan(scan_id: int, code: str, message: str) -> bool:
    """End an in-flight scan as failed with `code`; False when it had already ended."""
    scan = Scan.objects.filter(pk=scan_id).values("started_at").first()
    if scan is None:
        return False
    now = timezone.now()
    return Scan.objects.transition(
        scan_id, ACTIVE_STATES, ScanState.FAILED,
        error_code=code,
        error_message=git.scrub(message)[:MAX_MESSAGE],
        finished_at=now,
        duration_ms=_duration_ms(scan["started_at"], now),
    )  # fmt: skip


def _duration_ms(started, finished) -> int | None:
    return int((finished - started).total_seconds() * 1000) if started else None


def _requeue_after_db_error(scan_id: int) -> None:
    # Best effort: if the database is still away the reaper settles it later. The broken
    # connection is dropped first, so a database that is back already takes the update
    # (and the task's retry finds the scan queued instead of stuck in a running state).
    # Inside a transaction (tests) the connection is not ours to drop.
    if not connection.in_atomic_block:
        connection.close()
    try:
        Scan.objects.transition(scan_id, ACTIVE_STATES, ScanState.QUEUED, heartbeat_at=None)
    except TRANSIENT_DB_ERRORS:
        log.warning("scan %s: database unavailable, left for the reaper", scan_id)


def _scanner_message(exc: Exception) -> str:
    return f"The scanner stopped with an internal error ({type(exc).__name__})."


def _timeout_message() -> str:
    return f"The scan ran longer than {settings.READYBOARD_SCAN_TIMEOUT} seconds."


@contextmanager
def keep_alive(scan_id: int) -> Iterator[None]:
    """Refresh the scan's heartbeat from a side thread while the block runs."""
    every = getattr(settings, "READYBOARD_HEARTBEAT_SECONDS", 30)
    stop = threading.Event()
    thread = threading.Thread(
        target=_beat, args=(scan_id, every, stop), name=f"heartbeat-{scan_id}", daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


def _beat(scan_id: int, every: float, stop: threading.Event) -> None:
    try:
        while not stop.wait(every):
            try:
                Scan.objects.filter(pk=scan_id, state__in=ACTIVE_STATES).update(
                    heartbeat_at=timezone.now()
                )
            except Exception:
                log.warning("scan %s: heartbeat not written", scan_id, exc_info=True)
    finally:
        connection.close()  # this thread's own connection


# --- reaping ---------------------------------------------------------------------------


def stale_after() -> timedelta:
    """A running scan older than this without a heartbeat has certainly lost its worker."""
    margin = getattr(settings, "READYBOARD_REAP_MARGIN_SECONDS", 120)
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + margin)


def reap_stale_scans(now=None) -> dict[str, int]:
    """Settle scans nobody is working on; counts of what was done.

    A running scan whose heartbeat is older than the hard time limit plus a margin is
    requeued once (the worker may have been restarted) and failed with worker:lost after
    that; a queued scan no worker picked up within READYBOARD_QUEUE_EXPIRY_HOURS fails
    with queue:expired, so it stops blocking its repository.
    """
    now = now or timezone.now()
    done = {"requeued": 0, "failed": 0, "expired": 0, "skipped": 0, "resent": 0}
    running = [s for s in ACTIVE_STATES if s != ScanState.QUEUED]
    for scan in Scan.objects.filter(state__in=running, heartbeat_at__lt=now - stale_after()):
        done[_reap_running(scan)] += 1
    expiry = timedelta(hours=getattr(settings, "READYBOARD_QUEUE_EXPIRY_HOURS", 24))
    for scan_id in Scan.objects.filter(
        state=ScanState.QUEUED, queued_at__lt=now - expiry
    ).values_list("pk", flat=True):
        done["expired"] += fail_scan(scan_id, errors.QUEUE_EXPIRED, _expired_message(expiry))
    done["resent"] = resend_waiting_scans(now)
    if done["requeued"] or done["failed"] or done["expired"] or done["resent"]:
        log.warning("reaper: %s", done)
    return done


def resend_waiting_scans(now) -> int:
    """Queue again the id of every scan that has waited long for a worker; how many.

    The broker may have lost the message (Redis restarted without persistence, a purge):
    the row is the truth, the message only a wake-up call. A duplicate is harmless (the
    claim is a compare-and-set), and `heartbeat_at` of a queued scan records the last
    resend, so a long backlog is resent once per period, not on every reaper run.
    """
    after = timedelta(seconds=getattr(settings, "READYBOARD_RESEND_QUEUED_SECONDS", 600))
    waiting = Scan.objects.filter(state=ScanState.QUEUED, queued_at__lt=now - after).filter(
        Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - after)
    )
    resent = 0
    for scan_id, beat in waiting.values_list("pk", "heartbeat_at"):
        # Compare-and-set on the last resend: two reapers at once resend a scan once.
        mark = Scan.objects.filter(pk=scan_id, state=ScanState.QUEUED, heartbeat_at=beat)
        if mark.update(heartbeat_at=now):
            transaction.on_commit(lambda scan_id=scan_id: enqueue_scan(scan_id))
            resent += 1
    return resent


def _reap_running(scan: Scan) -> str:
    # Only if nothing moved since we looked: a scan that just heartbeated is alive.
    unchanged = Scan.objects.filter(pk=scan.pk, state=scan.state, heartbeat_at=scan.heartbeat_at)
    max_attempts = getattr(settings, "READYBOARD_SCAN_MAX_ATTEMPTS", 2)
    if scan.attempts < max_attempts:
        if not unchanged.update(state=ScanState.QUEUED, heartbeat_at=None):
            return "skipped"
        transaction.on_commit(lambda: enqueue_scan(scan.pk))
        return "requeued"
    now = timezone.now()
    message = (
        f"The worker stopped answering while the scan was {scan.state} "
        f"(attempt {scan.attempts} of {max_attempts})."
    )
    failed = unchanged.update(
        state=ScanState.FAILED,
        error_code=errors.WORKER_LOST,
        error_message=message,
        finished_at=now,
        duration_ms=_duration_ms(scan.started_at, now),
    )
    return "failed" if failed else "skipped"


def _expired_message(expiry: timedelta) -> str:
    hours = int(expiry.total_seconds() // 3600)
    return f"No worker started this scan within {hours} hours."
