"""The "Scan now" button and its progress partial: permissions, queuing, polling that stops."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dashboard.models import Scan, ScanState
from dashboard.scans import pipeline
from tests.dashboard.factories import make_failed_scan, make_queued_scan, make_repo

pytestmark = pytest.mark.django_db


@pytest.fixture
def billing():
    return make_repo("billing-api")


@pytest.fixture
def queued(monkeypatch):
    """Record what would be handed to the workers instead of queuing it."""
    ids: list[int] = []
    monkeypatch.setattr(pipeline, "enqueue_scan", ids.append)
    return ids


def press_scan_now(client, user, repo, *, htmx=True):
    client.force_login(user)
    headers = {"HX-Request": "true", "HX-Target": "scan-progress"} if htmx else {}
    return client.post(reverse("service-scan", args=[repo.name]), headers=headers)


def test_it_queues_a_manual_scan_and_returns_the_polling_progress(
    client, owner, billing, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = press_scan_now(client, owner, billing)

    scan = Scan.objects.get()
    assert (scan.state, scan.trigger) == (ScanState.QUEUED, "manual")
    assert queued == [scan.pk]
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("scan-progress", args=[billing.name, scan.pk]) in html
    assert 'hx-trigger="every 2s"' in html
    assert "<html" not in html


def test_it_joins_the_scan_already_in_flight(client, owner, billing, queued):
    running = make_queued_scan(billing)

    press_scan_now(client, owner, billing)

    assert list(Scan.objects.values_list("pk", flat=True)) == [running.pk]


def test_it_refuses_viewers(client, viewer, billing, queued):
    response = press_scan_now(client, viewer, billing)

    assert response.status_code == 403
    assert not Scan.objects.exists()


def test_it_redirects_back_to_the_service_without_htmx(client, owner, billing, queued):
    response = press_scan_now(client, owner, billing, htmx=False)

    assert response.status_code == 302
    assert response["Location"] == reverse("service", args=[billing.name])


def test_it_refuses_get(client, owner, billing):
    client.force_login(owner)

    assert client.get(reverse("service-scan", args=[billing.name])).status_code == 405


def progress(client, user, scan, *, htmx=True):
    client.force_login(user)
    headers = {"HX-Request": "true"} if htmx else {}
    return client.get(
        reverse("scan-progress", args=[scan.repository.name, scan.pk]), headers=headers
    )


@pytest.mark.parametrize(
    ("state", "current"),
    [
        (ScanState.QUEUED, "Queued"),
        (ScanState.CLONING, "Fetching the code"),
        (ScanState.SCANNING, "Scanning"),
        (ScanState.SAVING, "Saving results"),
    ],
)
def test_it_shows_the_current_step_and_keeps_polling(client, viewer, billing, state, current):
    scan = make_queued_scan(billing)
    Scan.objects.filter(pk=scan.pk).update(state=state)

    response = progress(client, viewer, scan)

    html = response.content.decode()
    assert response.status_code == 200
    assert f'<span>{current}</span>\n      <span class="visually-hidden">(in progress)' in html
    assert 'hx-trigger="every 2s"' in html


def test_it_stops_polling_with_286_and_shows_a_failure_with_its_hint(client, viewer, billing):
    scan = make_failed_scan(billing, "repo:auth", "Authentication failed for github.com")

    response = progress(client, viewer, scan)

    html = response.content.decode()
    assert response.status_code == 286
    assert "hx-trigger" not in html
    assert "Access denied" in html
    assert "deploy key or token" in html


def test_it_renders_a_whole_page_without_htmx(client, viewer, billing):
    scan = make_queued_scan(billing)

    response = progress(client, viewer, scan, htmx=False)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html
    assert 'http-equiv="refresh"' in html  # keeps moving without JavaScript


def test_it_answers_404_for_a_scan_of_another_service(client, viewer, billing):
    other = make_queued_scan(make_repo("ledger-api"))
    client.force_login(viewer)

    url = reverse("scan-progress", args=[billing.name, other.pk])
    assert client.get(url).status_code == 404
