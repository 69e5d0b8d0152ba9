"""A real Celery worker scans real local repositories into the PostgreSQL test database."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import filelock
import pytest
from django.utils import timezone

from dashboard.git.local import commit_files
from dashboard.git.urls import cache_key
from dashboard.models import CheckResult, Evidence, Repository, Scan, ScanState
from dashboard.scans.pipeline import reap_stale_scans, request_scan, stale_after
from scanner import scoring
from scanner.engine import scan_tree

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TREES = Path(__file__).resolve().parents[3] / "dashboard" / "demo" / "trees"
T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
FINAL_WITHIN_SECONDS = 120
REFUNDS = '''"""Refunds."""

from fastapi import APIRouter

router = APIRouter(prefix="/refunds")


@router.get("")
def list_refunds(limit, offset):
    try:
        return []
    except:
        return None
'''
MAIN_WITH_REFUNDS = (
    (TREES / "billing-api/app/main.py")
    .read_text()
    .replace(
        "app.include_router(invoices.router)",
        "app.include_router(invoices.router)\napp.include_router(refunds.router)",
    )
    .replace("from app.routers import invoices", "from app.routers import invoices, refunds")
)


def scan_and_wait(repository: Repository, trigger: str = "manual") -> Scan:
    scan = request_scan(repository, trigger)  # autocommit: queued to the worker at once
    deadline = time.monotonic() + FINAL_WITHIN_SECONDS
    while time.monotonic() < deadline:
        scan.refresh_from_db()
        if scan.is_final:
            return scan
        time.sleep(0.25)
    raise AssertionError(f"scan {scan.pk} still {scan.state} after {FINAL_WITHIN_SECONDS}s")


def test_a_worker_scans_a_registered_repository(celery_worker_process, make_origin):
    origin = make_origin("billing-api")
    repo = Repository.objects.create(name="billing-api", url=origin.as_uri())
    expected = scan_tree(TREES / "billing-api")

    scan = scan_and_wait(repo)

    repo.refresh_from_db()
    assert scan.state == ScanState.SUCCEEDED, scan.error_message
    assert repo.latest_scan_id == scan.pk
    assert len(scan.commit_sha) == 40 and scan.branch == "main"
    assert scan.rules_version == expected["rules_version"]
    assert scan.overall == expected["overall"]
    assert scan.endpoints == expected["endpoints"]
    assert set(CheckResult.objects.filter(scan=scan).values_list("check_id", flat=True)) == {
        check["id"] for check in expected["checks"]
    }
    assert Evidence.objects.filter(check_result__scan=scan).count() == sum(
        len(check["evidence"]) for check in expected["checks"]
    )
    assert scan.dimension_scores.count() == len(scoring.DIMENSIONS)


def test_a_new_commit_is_scanned_again_with_different_results(celery_worker_process, make_origin):
    origin = make_origin("billing-api")
    repo = Repository.objects.create(name="billing-api", url=origin.as_uri())
    first = scan_and_wait(repo)
    commit_files(
        origin,
        {"app/routers/refunds.py": REFUNDS, "app/main.py": MAIN_WITH_REFUNDS},
        "Add refunds",
        T0 + timedelta(days=1),
    )

    second = scan_and_wait(repo)

    repo.refresh_from_db()
    assert first.state == second.state == ScanState.SUCCEEDED
    assert Scan.objects.filter(repository=repo).count() == 2
    assert second.commit_sha != first.commit_sha
    assert second.reused_from_id is None
    assert {e["path"] for e in second.endpoints} - {e["path"] for e in first.endpoints} == {
        "/refunds"
    }
    assert repo.latest_scan_id == second.pk


def test_the_same_commit_scanned_twice_is_reused(celery_worker_process, make_origin):
    origin = make_origin("billing-api")
    repo = Repository.objects.create(name="billing-api", url=origin.as_uri())
    first = scan_and_wait(repo)

    second = scan_and_wait(repo, "scheduled")

    assert second.state == ScanState.SUCCEEDED
    assert second.reused_from_id == first.pk
    assert second.commit_sha == first.commit_sha
    assert CheckResult.objects.filter(scan=second).count() == (
        CheckResult.objects.filter(scan=first).count()
    )


def test_a_tree_without_fastapi_ends_not_applicable(celery_worker_process, make_origin):
    repo = Repository.objects.create(name="report-cli", url=make_origin("report-cli").as_uri())

    scan = scan_and_wait(repo)

    assert scan.state == ScanState.NOT_APPLICABLE
    assert scan.error_code == ""


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("file:///nonexistent/readyboard/repo.git", "repo:not-found"),
        ("https://deploy:t0ken@127.0.0.1:9/acme/x.git", "repo:unreachable"),
        ("git://example.com/acme/x.git", "repo:bad-url"),
    ],
)
def test_a_broken_url_ends_failed_with_its_category(celery_worker_process, url, code):
    repo = Repository.objects.create(name="broken", url=url)

    scan = scan_and_wait(repo)

    assert (scan.state, scan.error_code) == (ScanState.FAILED, code)
    assert scan.error_message and "t0ken" not in scan.error_message
    assert scan.finished_at is not None


def test_a_repository_big_enough_for_parallel_parsing_scans_in_the_worker(
    celery_worker_process, make_origin
):
    # Past the scanner's parallel threshold it forks a process pool inside the Celery child.
    origin = make_origin("billing-api")
    modules = {f"app/handlers/h{i:03}.py": f"def handler_{i}(x: int) -> int:\n    return x + {i}\n"
               for i in range(80)}  # fmt: skip
    commit_files(origin, modules, "Many modules", T0 + timedelta(days=1))
    repo = Repository.objects.create(name="billing-api", url=origin.as_uri())

    scan = scan_and_wait(repo)

    assert scan.state == ScanState.SUCCEEDED, scan.error_message
    assert scan.files["scanned"] >= 80


def test_a_scan_whose_worker_process_died_is_requeued_by_the_reaper(
    celery_worker_process, worker_dir, make_origin
):
    origin = make_origin("billing-api")
    repo = Repository.objects.create(name="billing-api", url=origin.as_uri())
    # Hold the mirror's lock so the scan sits in `cloning` while we kill its process.
    lock = filelock.FileLock(str(worker_dir / "git-cache" / f"{cache_key(repo.url)}.lock"))
    (worker_dir / "git-cache").mkdir(exist_ok=True)
    with lock:
        scan = request_scan(repo, "manual")
        _wait_for_state(scan, ScanState.CLONING)
        for child in _children(celery_worker_process.pid):
            os.kill(child, signal.SIGKILL)
        time.sleep(2)  # the worker notices, the redelivered task finds the scan taken
    scan.refresh_from_db()
    assert scan.state == ScanState.CLONING  # orphaned, not lost

    later = timezone.now() + stale_after() + timedelta(minutes=1)
    assert reap_stale_scans(now=later)["requeued"] == 1
    scan = scan_and_wait_existing(scan)

    assert scan.state == ScanState.SUCCEEDED, scan.error_message
    assert scan.attempts == 2


def _wait_for_state(scan: Scan, state: str) -> None:
    deadline = time.monotonic() + FINAL_WITHIN_SECONDS
    while time.monotonic() < deadline:
        scan.refresh_from_db()
        if scan.state == state:
            return
        time.sleep(0.1)
    raise AssertionError(f"scan {scan.pk} never reached {state} (is {scan.state})")


def scan_and_wait_existing(scan: Scan) -> Scan:
    deadline = time.monotonic() + FINAL_WITHIN_SECONDS
    while time.monotonic() < deadline:
        scan.refresh_from_db()
        if scan.is_final:
            return scan
        time.sleep(0.25)
    raise AssertionError(f"scan {scan.pk} still {scan.state}")


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(child) for child in found.stdout.split()]
