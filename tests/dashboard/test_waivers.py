"""Dashboard waivers: made by maintainers, counted as met, shown as waived, expiring, revoked."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from dashboard.accounts.roles import MAINTAINER, VIEWER, assign_role
from dashboard.models import Scan, Waiver, WaiverEvent
from dashboard.scans.rescore import rescore_all
from dashboard.waivers import service
from tests.dashboard import factories

pytestmark = pytest.mark.django_db

STATUSES = {"SEC-001": "fail", "SEC-002": "pass", "SEC-007": "unknown", "TYP-001": "pass"}


@pytest.fixture
def billing():
    return factories.make_repo("billing-api")


@pytest.fixture
def alice():
    """A maintainer."""
    user = factories.make_user("alice-maintainer")
    assign_role(user, MAINTAINER)
    return user


def in_days(days: int):
    return (timezone.now() + timedelta(days=days)).date()


def waive(repo, user, check_id="SEC-001", kind="waive", days=30):
    return service.add_waiver(
        repo, check_id=check_id, kind=kind, reason="TLS ends at the load balancer",
        expires_on=in_days(days), user=user,
    )  # fmt: skip


def test_it_counts_a_waived_failure_as_met_when_storing_a_scan(billing, alice):
    before = factories.make_scored_scan(billing, STATUSES)
    assert before.score_json["health16"]["signals"]["auth"] != 2
    waive(billing, alice)

    after = factories.make_scored_scan(billing, STATUSES)

    assert after.overall > before.overall
    assert after.score_json["health16"]["signals"]["auth"] == 2
    raw = after.check_results.get(check_id="SEC-001")
    assert (raw.status, raw.waived) == ("fail", False)  # the scanner's verdict stays raw
    state = service.effective_states(after)["SEC-001"]
    assert state.waived and state.source == "dashboard"
    assert "alice-maintainer" in state.reason and "load balancer" in state.reason


def test_it_rescores_the_latest_scan_when_a_waiver_is_made_and_revoked(
    billing, alice, django_capture_on_commit_callbacks
):
    scan = factories.make_scored_scan(billing, STATUSES)
    base = scan.overall

    with django_capture_on_commit_callbacks(execute=True):
        waiver = waive(billing, alice)
    scan.refresh_from_db()
    assert scan.overall > base

    with django_capture_on_commit_callbacks(execute=True):
        assert service.revoke_waiver(waiver, alice, "fixed for real") is True
    scan.refresh_from_db()
    assert scan.overall == base
    assert service.revoke_waiver(waiver, alice) is False  # a double click does nothing
    actions = list(WaiverEvent.objects.order_by("at", "pk").values_list("action", "actor_name"))
    assert actions == [("created", "alice-maintainer"), ("revoked", "alice-maintainer")]


def test_it_applies_an_attestation_only_to_an_unknown_check(billing, alice):
    waive(billing, alice, "SEC-007", kind="attest")
    waive(billing, alice, "SEC-001", kind="attest")

    scan = factories.make_scored_scan(billing, STATUSES)

    states = service.effective_states(scan)
    assert states["SEC-007"].waived and "Attested" in states["SEC-007"].reason
    assert "SEC-001" not in states


def test_it_lets_a_waiver_expire_by_itself(billing, alice):
    waive(billing, alice, days=3)
    scan = factories.make_scored_scan(billing, STATUSES)
    waived_score = scan.overall

    with time_machine.travel(timezone.now() + timedelta(days=3), tick=False):
        assert service.active_waivers_for(billing) == []
        assert "SEC-001" not in service.effective_states(scan)  # pages stop showing it at once
        assert service.expire_lapsed() == 1
        assert service.expire_lapsed() == 0
    scan.refresh_from_db()
    assert scan.overall < waived_score
    assert WaiverEvent.objects.filter(action="expired", actor_name="system").count() == 1


def test_it_keeps_history_scores_as_they_were_when_rescoring(billing, alice):
    old = factories.make_scored_scan(billing, STATUSES, queued_at=timezone.now() - timedelta(7))
    waive(billing, alice)
    latest = factories.make_scored_scan(billing, STATUSES)
    old_score, latest_score = old.overall, latest.overall

    rescore_all()

    old.refresh_from_db()
    latest.refresh_from_db()
    assert (old.overall, latest.overall) == (old_score, latest_score)
    assert latest.overall > old.overall


def test_it_supersedes_a_live_waiver_for_the_same_check(billing, alice):
    first = waive(billing, alice)
    second = waive(billing, alice, days=60)

    first.refresh_from_db()
    assert first.revoked_at is not None and second.revoked_at is None
    assert [w.pk for w in service.active_waivers_for(billing)] == [second.pk]


def test_it_recomputes_a_reused_result_with_the_current_waivers(billing, alice):
    from dashboard.scans.store import reuse_result

    first = factories.make_scored_scan(billing, STATUSES, commit_sha="c" * 40)
    waive(billing, alice)
    second = Scan.objects.create(repository=billing, state="saving", commit_sha="c" * 40)

    reused = reuse_result(second, first)

    assert reused.overall > first.overall


def test_it_shows_a_repository_waiver_from_the_scan_as_such(billing):
    report_statuses = dict(STATUSES)
    scan = factories.make_scored_scan(billing, report_statuses)
    scan.check_results.filter(check_id="SEC-001").update(waived=True, waiver_reason="in code")

    state = service.effective_states(scan)["SEC-001"]

    assert (state.waived, state.source, state.reason) == (True, "repository", "in code")


def test_it_lets_a_maintainer_add_and_revoke_a_waiver_through_the_pages(client, billing, alice):
    factories.make_scored_scan(billing, STATUSES)
    client.force_login(alice)
    url = reverse("service-waivers", args=[billing.name])

    response = client.post(url, {
        "check_id": "SEC-001", "kind": "waive", "reason": "TLS ends at the load balancer",
        "expires_on": in_days(30).isoformat(),
    })  # fmt: skip

    assert response.status_code == 302
    waiver = Waiver.objects.get()
    assert (waiver.author, waiver.check_id) == (alice, "SEC-001")
    page = client.get(url).content.decode()
    assert "TLS ends at the load balancer" in page and "Revoke" in page
    response = client.post(reverse("waiver-revoke", args=[billing.name, waiver.pk]))
    assert response.status_code == 302
    waiver.refresh_from_db()
    assert waiver.revoked_by_name == "alice-maintainer"
    assert "Revoked by alice-maintainer" in client.get(reverse("waivers")).content.decode()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"reason": "short"}, "reason"),
        ({"expires_on": "2001-01-01"}, "expires_on"),
        ({"expires_on": "2999-01-01"}, "expires_on"),
        ({"check_id": "XYZ-999"}, "check_id"),
        ({"kind": "attest"}, "kind"),  # SEC-001 was decided (fail): attest is refused
        ({"expires_on": "not a date"}, "expires_on"),
    ],
)
def test_it_refuses_a_waiver_without_a_reason_a_future_expiry_or_a_known_check(
    client, billing, alice, data, field
):
    factories.make_scored_scan(billing, STATUSES)
    client.force_login(alice)
    form = {"check_id": "SEC-001", "kind": "waive", "reason": "TLS ends at the load balancer",
            "expires_on": in_days(30).isoformat(), **data}  # fmt: skip

    response = client.post(reverse("service-waivers", args=[billing.name]), form)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Waiver.objects.exists()


def test_it_shows_waivers_to_viewers_without_the_form(client, billing, alice):
    waive(billing, alice)
    viewer = factories.make_user("victor-viewer")
    assign_role(viewer, VIEWER)
    client.force_login(viewer)

    page = client.get(reverse("service-waivers", args=[billing.name])).content.decode()

    assert "TLS ends at the load balancer" in page
    assert "Save waiver" not in page and "Revoke" not in page
    assert client.post(reverse("service-waivers", args=[billing.name]), {}).status_code == 403
