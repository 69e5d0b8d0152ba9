"""Alerts and digests: a real local HTTP receiver (127.0.0.1), signatures, retries, e-mail."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.test import override_settings
from werkzeug import Response

from dashboard.celery import app as celery_app
from dashboard.models import (
    Delivery,
    DeliveryKind,
    DeliveryState,
    NotificationTarget,
    Repository,
    Scan,
    ScanState,
    Team,
)
from dashboard.notifications import channels, service
from dashboard.scans import pipeline
from dashboard.scans.store import store_report
from tests.conftest import SAMPLE_STATUSES

SECRET = "s3cret-for-tests"
ALL_PASS = {check_id: "pass" for check_id in SAMPLE_STATUSES}


@pytest.fixture(scope="session")
def httpserver_listen_address():
    return ("127.0.0.1", 0)


@pytest.fixture
def eager_celery():
    # Not propagating: only then does eager Celery replay a task's retries in place (the
    # countdown is skipped); the assertions check every outcome on the Delivery row.
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def webhook(db, httpserver):
    """The platform team's receiver: a real HTTP server on 127.0.0.1."""
    return NotificationTarget.objects.create(
        name="platform-hook",
        kind="webhook",
        url=httpserver.url_for("/hooks/readyboard"),
        secret=SECRET,
    )


def stored_scan(repo, report, when):
    scan = Scan.objects.create(
        repository=repo, state=ScanState.SAVING, commit_sha=f"{when:%d}" * 20,
        queued_at=when, started_at=when, finished_at=when + timedelta(seconds=30),
    )  # fmt: skip
    return store_report(scan, report)


@pytest.fixture
def degraded(billing_repo, report_factory):
    """billing-api: all green a week ago, now failing TYP-001 (P0) and more."""
    week_ago = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
    before = stored_scan(billing_repo, report_factory(ALL_PASS), week_ago)
    after = stored_scan(billing_repo, report_factory(), week_ago + timedelta(days=7))
    return before, after


def expected_signature(request) -> str:
    timestamp = request.headers[channels.TIMESTAMP_HEADER]
    mac = hmac.new(SECRET.encode(), timestamp.encode() + b"." + request.get_data(), hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def test_it_fires_one_signed_webhook_when_the_score_drops(
    degraded, webhook, httpserver, eager_celery, django_capture_on_commit_callbacks
):
    before, after = degraded
    httpserver.expect_request("/hooks/readyboard", method="POST").respond_with_data("ok")

    with django_capture_on_commit_callbacks(execute=True):
        service.scan_stored(after.pk)
    with django_capture_on_commit_callbacks(execute=True):
        service.scan_stored(after.pk)  # the signal again: nothing more

    assert len(httpserver.log) == 1
    request, _response = httpserver.log[0]
    payload = json.loads(request.get_data())
    assert request.headers[channels.SIGNATURE_HEADER] == expected_signature(request)
    assert request.headers["X-Readyboard-Event"] == "service.degraded"
    assert payload["service"]["name"] == "billing-api"
    assert payload["scan"]["id"] == after.pk
    assert payload["previous_scan"]["id"] == before.pk
    assert payload["score_drop"] == round(before.overall - after.overall, 1)
    assert payload["reasons"] == ["score_drop", "p0_failing"]
    # DEP-002 and CFG-001 fail too, but they are P1 checks.
    assert [c["check"] for c in payload["new_p0_failures"]] == [
        "ERR-002", "OBS-001", "TST-002", "TYP-003",
    ]  # fmt: skip
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("delivered", 1, 200)


def test_it_retries_a_failing_receiver_until_it_answers(
    degraded, webhook, httpserver, eager_celery, django_capture_on_commit_callbacks
):
    answers = iter([500, 503, 200])
    httpserver.expect_request("/hooks/readyboard").respond_with_handler(
        lambda request: Response("", status=next(answers))
    )

    with django_capture_on_commit_callbacks(execute=True):
        service.scan_stored(degraded[1].pk)

    delivery = Delivery.objects.get()
    assert len(httpserver.log) == 3
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("delivered", 3, 200)
    signatures = {r.headers[channels.SIGNATURE_HEADER] for r, _ in httpserver.log}
    assert all(sig.startswith("sha256=") for sig in signatures)


@override_settings(READYBOARD_DELIVERY_MAX_ATTEMPTS=3)
def test_it_gives_up_after_the_last_attempt(
    degraded, webhook, httpserver, eager_celery, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hooks/readyboard").respond_with_data("nope", status=500)

    with django_capture_on_commit_callbacks(execute=True):
        service.scan_stored(degraded[1].pk)

    delivery = Delivery.objects.get()
    assert len(httpserver.log) == 3
    assert (delivery.state, delivery.attempts) == ("failed", 3)
    assert delivery.last_error == "receiver answered 500"


@override_settings(READYBOARD_DELIVERY_BACKOFF_SECONDS=30)
def test_it_backs_off_exponentially_up_to_an_hour():
    assert [service.backoff(n) for n in (1, 2, 3, 4, 8, 20)] == [30, 60, 120, 240, 3600, 3600]


def test_it_asks_for_a_retry_with_backoff_when_the_receiver_is_down(degraded, db):
    target = NotificationTarget.objects.create(
        name="dead", kind="webhook", url="http://127.0.0.1:9/unreachable"
    )
    delivery = Delivery.objects.create(target=target, kind="alert", scan=degraded[1], payload={})

    outcome = service.attempt_delivery(delivery.pk)

    delivery.refresh_from_db()
    assert outcome == service.Outcome(DeliveryState.PENDING, retry_in=service.backoff(1))
    assert delivery.last_error.startswith("could not reach the receiver")


def test_it_stays_quiet_when_the_score_holds(billing_repo, report_factory, webhook):
    start = datetime(2026, 11, 2, tzinfo=UTC)
    stored_scan(billing_repo, report_factory(), start)
    again = stored_scan(billing_repo, report_factory(), start + timedelta(days=7))

    assert service.scan_stored(again.pk) == []


def test_it_stays_quiet_on_a_first_scan(billing_repo, report_factory, webhook):
    first = stored_scan(billing_repo, report_factory(), datetime(2026, 11, 2, tzinfo=UTC))

    assert service.scan_stored(first.pk) == []


def test_it_alerts_on_a_new_p0_failure_below_the_drop_threshold(
    billing_repo, report_factory, webhook
):
    webhook.min_score_drop = 99
    webhook.save()
    start = datetime(2026, 11, 2, tzinfo=UTC)
    stored_scan(billing_repo, report_factory(ALL_PASS), start)
    worse = stored_scan(billing_repo, report_factory({**ALL_PASS, "SEC-001": "fail"}),
                        start + timedelta(days=7))  # fmt: skip

    (delivery,) = service.scan_stored(worse.pk)

    assert delivery.payload["reasons"] == ["p0_failing"]
    assert delivery.payload["new_p0_failures"][0]["check"] == "SEC-001"


def test_it_only_alerts_the_services_team_targets(degraded, db):
    other = Team.objects.create(name="Search", slug="search")
    NotificationTarget.objects.create(name="search-only", kind="webhook",
                                      url="http://127.0.0.1:9/", team=other)  # fmt: skip
    NotificationTarget.objects.create(name="payments", kind="email", emails="pay@example.test",
                                      team=degraded[1].repository.team)  # fmt: skip

    created = service.scan_stored(degraded[1].pk)

    assert [d.target.name for d in created] == ["payments"]


def test_it_sends_the_alert_by_e_mail(degraded, eager_celery, django_capture_on_commit_callbacks):
    NotificationTarget.objects.create(
        name="owners", kind="email", emails="alice@example.test, bob@example.test"
    )

    with django_capture_on_commit_callbacks(execute=True):
        service.scan_stored(degraded[1].pk)

    (message,) = mail.outbox
    assert message.to == ["alice@example.test", "bob@example.test"]
    assert message.subject.startswith("[Readyboard] billing-api dropped")
    assert "TYP-003 No untyped dict responses" in message.body


def test_it_evaluates_alerts_when_the_scan_task_succeeds(
    degraded, webhook, monkeypatch, eager_celery
):
    from dashboard.scans.tasks import scan_repository

    monkeypatch.setattr(pipeline, "run_scan", lambda scan_id: Scan.objects.get(pk=scan_id))
    scan_repository.apply(args=[degraded[1].pk])

    assert Delivery.objects.filter(scan=degraded[1], kind=DeliveryKind.ALERT).count() == 1


def test_it_sends_one_weekly_digest_per_target_and_week(
    billing_repo, report_factory, eager_celery, django_capture_on_commit_callbacks
):
    search = Repository.objects.create(name="search-api", url="https://github.com/a/s.git")
    Repository.objects.create(name="new-api", url="https://github.com/a/n.git")
    week_ago = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
    stored_scan(billing_repo, report_factory(ALL_PASS), week_ago)
    stored_scan(billing_repo, report_factory(), week_ago + timedelta(days=7))
    stored_scan(search, report_factory(), week_ago)
    stored_scan(search, report_factory(ALL_PASS), week_ago + timedelta(days=7))
    NotificationTarget.objects.create(name="weekly", kind="email", emails="lead@example.test")
    monday = datetime(2026, 11, 9, 8, 0, tzinfo=UTC)

    with django_capture_on_commit_callbacks(execute=True):
        service.send_digest(monday + timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        service.send_digest(monday + timedelta(hours=3))  # a second beat, same week

    (delivery,) = Delivery.objects.filter(kind=DeliveryKind.DIGEST)
    payload = delivery.payload
    assert payload["week"] == "2026-11-09"
    assert [e["service"] for e in payload["worse"]] == ["billing-api"]
    assert [e["service"] for e in payload["better"]] == ["search-api"]
    assert payload["never_scanned"] == ["new-api"]
    (message,) = mail.outbox
    assert "Got worse:\n  billing-api:" in message.body


def test_manage_py_scan_evaluates_alerts_like_a_worker(
    degraded, webhook, monkeypatch, capsys, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    after = degraded[1]
    monkeypatch.setattr(pipeline, "request_scan", lambda *args, **kwargs: after)
    monkeypatch.setattr(pipeline, "run_scan", lambda scan_id: Scan.objects.get(pk=scan_id))
    enqueued = []
    monkeypatch.setattr(service, "enqueue_delivery", enqueued.append)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("scan", "billing-api")

    delivery = Delivery.objects.get(scan=after, kind=DeliveryKind.ALERT)
    assert delivery.target == webhook
    assert enqueued == [delivery.pk]
    assert "alerts queued for: platform-hook" in capsys.readouterr().out
