"""The scan service on PostgreSQL: request, run, reuse, fail with a category, reap.

Repositories are real local git repositories built from the demo trees; the scanner is
the real one except where a test needs it to misbehave.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError
from django.utils import timezone

from dashboard import celery_app
from dashboard.git.local import commit_files, commit_tree, init_repository
from dashboard.models import CheckResult, Repository, Scan, ScanState
from dashboard.scans import pipeline
from dashboard.scans.tasks import scan_repository
from scanner import scoring

TREES = Path(__file__).resolve().parents[2] / "dashboard" / "demo" / "trees"
T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
NEW_ENDPOINT = """from fastapi import APIRouter

router = APIRouter()


@router.get("/refunds")
async def list_refunds() -> list[dict]:
    return []
"""


@pytest.fixture(autouse=True)
def git_cache(settings, tmp_path):
    settings.READYBOARD_GIT_CACHE_DIR = tmp_path / "git-cache"
    settings.READYBOARD_SCANNER_CACHE_DIR = tmp_path / "scanner-cache"
    settings.READYBOARD_ALLOW_LOCAL_REPOS = True


@pytest.fixture
def origin(tmp_path) -> Path:
    """billing-api's upstream: a local repository holding the demo tree."""
    path = tmp_path / "origin" / "billing-api"
    init_repository(path)
    commit_tree(path, TREES / "billing-api", "billing-api 1.4", T0)
    return path


@pytest.fixture
def service(db, origin) -> Repository:
    return Repository.objects.create(name="billing-api", url=origin.as_uri())


@pytest.fixture
def eager_celery():
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_eager_propagates = False


@pytest.fixture
def broken_scanner(monkeypatch):
    """Make the scanner raise `error` and remember the tree it was given."""
    seen: list[Path] = []

    def install(error: BaseException) -> list[Path]:
        def scan(tree, app_root):
            seen.append(Path(tree))
            raise error

        monkeypatch.setattr(pipeline, "_scan_tree", scan)
        return seen

    return install


def test_it_creates_a_queued_scan_and_queues_its_id_after_commit(
    service, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        scan = pipeline.request_scan(service, "manual")

    assert scan.state == ScanState.QUEUED
    assert scan.trigger == "manual"
    assert len(callbacks) == 1


def test_it_runs_the_queued_scan_through_the_task(
    service, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        scan = pipeline.request_scan(service, "manual")

    scan.refresh_from_db()
    service.refresh_from_db()
    assert scan.state == ScanState.SUCCEEDED
    assert len(scan.commit_sha) == 40
    assert scan.branch == "main"
    assert scan.rules_version == "3.1"
    assert scan.started_at <= scan.finished_at
    assert scan.duration_ms is not None
    assert scan.attempts == 1
    assert service.latest_scan_id == scan.pk
    assert {e["path"] for e in scan.endpoints} >= {"/health", "/invoices"}
    assert scan.dimension_scores.count() == len(scoring.DIMENSIONS)


def test_it_returns_the_scan_in_flight_instead_of_a_second_one(service):
    first = pipeline.request_scan(service, "manual", enqueue=False)

    second = pipeline.request_scan(service, "scheduled", enqueue=False)

    assert second.pk == first.pk
    assert Scan.objects.filter(repository=service).count() == 1


def test_a_redelivered_task_does_nothing(service):
    scan = pipeline.request_scan(service, "manual", enqueue=False)
    pipeline.run_scan(scan.pk)
    rows = CheckResult.objects.filter(scan=scan).count()

    assert pipeline.run_scan(scan.pk) is None
    assert scan_repository.run(scan.pk) is None
    assert CheckResult.objects.filter(scan=scan).count() == rows
    assert Scan.objects.get(pk=scan.pk).attempts == 1


def test_it_reuses_the_result_of_the_same_commit(service, monkeypatch):
    first = pipeline.run_scan(pipeline.request_scan(service, "manual", enqueue=False).pk)
    monkeypatch.setattr(pipeline, "_scan_tree", _must_not_scan)

    second = pipeline.run_scan(pipeline.request_scan(service, "manual", enqueue=False).pk)

    assert second.state == first.state == ScanState.SUCCEEDED
    assert second.commit_sha == first.commit_sha
    assert second.reused_from_id == first.pk
    assert second.endpoints == first.endpoints
    service.refresh_from_db()
    assert service.latest_scan_id == second.pk


def test_it_scans_a_new_commit_again(service, origin):
    first = pipeline.run_scan(pipeline.request_scan(service, "manual", enqueue=False).pk)
    commit_files(origin, {"app/routers/refunds.py": NEW_ENDPOINT}, "refunds", T0 + timedelta(1))

    second = pipeline.run_scan(pipeline.request_scan(service, "manual", enqueue=False).pk)

    assert second.state == ScanState.SUCCEEDED
    assert second.commit_sha != first.commit_sha
    assert second.reused_from_id is None
    assert len(second.endpoints) == len(first.endpoints) + 1


def test_a_tree_without_fastapi_is_not_applicable(db, tmp_path):
    path = tmp_path / "report-cli"
    init_repository(path)
    commit_tree(path, TREES / "report-cli", "cli", T0)
    repo = Repository.objects.create(name="report-cli", url=path.as_uri())

    scan = pipeline.run_scan(pipeline.request_scan(repo, "manual", enqueue=False).pk)

    assert scan.state == ScanState.NOT_APPLICABLE
    assert scan.overall is None


def test_it_fails_with_not_found_for_a_missing_repository(db, tmp_path):
    repo = Repository.objects.create(name="ghost", url=(tmp_path / "nowhere").as_uri())

    scan = pipeline.run_scan(pipeline.request_scan(repo, "manual", enqueue=False).pk)

    assert scan.state == ScanState.FAILED
    assert scan.error_code == "repo:not-found"
    assert "no repository at this URL" in scan.error_message
    assert scan.finished_at is not None


def test_it_fails_with_a_branch_message_for_a_missing_branch(service):
    Repository.objects.filter(pk=service.pk).update(branch="release")
    service.refresh_from_db()

    scan = pipeline.run_scan(pipeline.request_scan(service, "manual", enqueue=False).pk)

    assert (scan.state, scan.error_code) == (ScanState.FAILED, "repo:not-found")
    assert "branch" in scan.error_message


def test_it_keeps_credentials_out_of_failure_messages(db):
    repo = Repository.objects.create(
        name="private", url="https://bot:hunter2@127.0.0.1:9/acme/private.git"
    )

    scan = pipeline.run_scan(pipeline.request_scan(repo, "manual", enqueue=False).pk)

    assert scan.error_code == "repo:unreachable"
    assert "hunter2" not in scan.error_message


def test_a_scanner_crash_is_a_short_scan_error_and_the_tree_is_removed(
    service, broken_scanner, caplog
):
    seen = broken_scanner(RuntimeError("boom at /tmp/x.py line 3"))

    scan = pipeline.run_scan(pipeline.request_scan(service, "manual", enqueue=False).pk)

    assert (scan.state, scan.error_code) == (ScanState.FAILED, "scan:error")
    assert scan.error_message == "The scanner stopped with an internal error (RuntimeError)."
    assert "Traceback" in caplog.text
    assert seen and not seen[0].exists()


def test_an_unusable_app_root_says_why(service):
    Repository.objects.filter(pk=service.pk).update(app_root="services/nope")
    service.refresh_from_db()

    scan = pipeline.run_scan(pipeline.request_scan(service, "manual", enqueue=False).pk)

    assert (scan.state, scan.error_code) == (ScanState.FAILED, "scan:error")
    assert scan.error_message.startswith("The scanner cannot use this tree:")


def test_the_soft_time_limit_ends_in_scan_timeout(service, broken_scanner):
    broken_scanner(SoftTimeLimitExceeded())

    scan = pipeline.run_scan(pipeline.request_scan(service, "manual", enqueue=False).pk)

    assert (scan.state, scan.error_code) == (ScanState.FAILED, "scan:timeout")


def test_a_database_hiccup_puts_the_scan_back_and_propagates(service, broken_scanner):
    broken_scanner(OperationalError("server closed the connection unexpectedly"))
    scan = pipeline.request_scan(service, "manual", enqueue=False)

    with pytest.raises(OperationalError):
        pipeline.run_scan(scan.pk)

    scan.refresh_from_db()
    assert scan.state == ScanState.QUEUED


def test_a_broker_outage_fails_the_scan_instead_of_blocking_the_repository(
    service, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("redis down")

    monkeypatch.setattr(scan_repository, "delay", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        scan = pipeline.request_scan(service, "manual")

    scan.refresh_from_db()
    assert (scan.state, scan.error_code) == (ScanState.FAILED, "queue:unavailable")


def test_the_reaper_requeues_a_scan_whose_worker_died_once(
    service, make_scan, monkeypatch, django_capture_on_commit_callbacks
):
    queued: list[int] = []
    monkeypatch.setattr(pipeline, "enqueue_scan", queued.append)
    long_ago = timezone.now() - pipeline.stale_after() - timedelta(minutes=1)
    scan = make_scan(service, state=ScanState.SCANNING, heartbeat_at=long_ago, attempts=1)

    with django_capture_on_commit_callbacks(execute=True):
        done = pipeline.reap_stale_scans()

    scan.refresh_from_db()
    assert done["requeued"] == 1
    assert scan.state == ScanState.QUEUED
    assert queued == [scan.pk]


def test_the_reaper_marks_stale_scans_failed_after_the_last_attempt(service, make_scan):
    long_ago = timezone.now() - pipeline.stale_after() - timedelta(minutes=1)
    scan = make_scan(service, state=ScanState.CLONING, heartbeat_at=long_ago, attempts=2)

    done = pipeline.reap_stale_scans()

    scan.refresh_from_db()
    assert done["failed"] == 1
    assert (scan.state, scan.error_code) == (ScanState.FAILED, "worker:lost")


def test_the_reaper_leaves_live_scans_alone(service, make_scan):
    scan = make_scan(service, state=ScanState.SCANNING, heartbeat_at=timezone.now())

    assert pipeline.reap_stale_scans()["failed"] == 0
    scan.refresh_from_db()
    assert scan.state == ScanState.SCANNING


def test_the_reaper_expires_scans_no_worker_picked_up(service, make_scan):
    scan = make_scan(service, state=ScanState.QUEUED, queued_at=timezone.now() - timedelta(days=2))

    assert pipeline.reap_stale_scans()["expired"] == 1
    scan.refresh_from_db()
    assert (scan.state, scan.error_code) == (ScanState.FAILED, "queue:expired")


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_moves_while_a_long_step_runs(settings, tmp_path):
    settings.READYBOARD_HEARTBEAT_SECONDS = 0.05
    repo = Repository.objects.create(name="slow", url=(tmp_path / "x").as_uri())
    scan = Scan.objects.create(repository=repo, state=ScanState.SCANNING)

    with pipeline.keep_alive(scan.pk):
        time.sleep(0.5)

    scan.refresh_from_db()
    assert scan.heartbeat_at is not None


def test_the_scan_command_prints_state_commit_and_score(service, capsys):
    call_command("scan", "billing-api")

    out = capsys.readouterr().out
    scan = Scan.objects.get(repository=service)
    assert out.startswith(f"billing-api: succeeded  commit {scan.commit_sha[:7]}")


def test_the_scan_command_exits_1_with_the_failure(db, tmp_path, capsys):
    Repository.objects.create(name="ghost", url=(tmp_path / "nowhere").as_uri())

    with pytest.raises(CommandError) as caught:
        call_command("scan", "ghost")

    assert caught.value.returncode == 1
    assert "ghost: failed  repo:not-found" in capsys.readouterr().out


def test_no_exported_trees_are_left_behind(service):
    before = set(Path(tempfile.gettempdir()).glob("readyboard-tree-*"))

    pipeline.run_scan(pipeline.request_scan(service, "manual", enqueue=False).pk)

    assert set(Path(tempfile.gettempdir()).glob("readyboard-tree-*")) == before


def _must_not_scan(tree, app_root):
    raise AssertionError("the same commit must not be scanned twice")
