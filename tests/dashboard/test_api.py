"""The read API: token authentication, pagination, repositories, scans, checks, scan now."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import timezone

from dashboard.models import ApiToken, Repository, Scan, ScanState
from dashboard.scans.store import store_report


@pytest.fixture
def alice(db):
    """A platform engineer whose script reads the API."""
    return User.objects.create_user("alice", password="x" * 12)


@pytest.fixture
def token(alice):
    _row, raw = ApiToken.issue(alice, "ci")
    return raw


@pytest.fixture
def scanned(billing_repo, make_scan, sample_report):
    return store_report(make_scan(billing_repo), sample_report)


def get(client, url, token=None, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(url, params, headers=headers)


def test_it_stores_only_the_hash_of_a_token(alice, token):
    row = ApiToken.objects.get()
    assert token.startswith("rb_")
    assert token not in (row.digest, row.prefix)
    assert row.prefix == token[:10]


def test_it_refuses_requests_without_a_valid_token(client, scanned):
    assert get(client, "/api/v1/repositories").status_code == 401
    response = get(client, "/api/v1/repositories", token="rb_not-a-token")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_it_refuses_revoked_and_expired_tokens(client, alice, scanned):
    _revoked, revoked_raw = ApiToken.issue(alice, "old")
    ApiToken.objects.filter(name="old").update(revoked_at=timezone.now())
    _expired, expired_raw = ApiToken.issue(alice, "tmp", expires_at=timezone.now() - timedelta(1))

    assert get(client, "/api/v1/repositories", token=revoked_raw).status_code == 401
    assert get(client, "/api/v1/repositories", token=expired_raw).status_code == 401


def test_it_lists_repositories_with_their_latest_scan(client, token, scanned):
    response = get(client, "/api/v1/repositories", token=token)

    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 1
    (repo,) = body["results"]
    assert repo["name"] == "billing-api"
    assert repo["team"] == "Payments"
    assert repo["latest_scan"]["id"] == scanned.pk
    assert repo["latest_scan"]["overall"] == scanned.overall
    assert repo["links"]["badge"] == "/badge/billing-api.svg"
    assert ApiToken.objects.get().last_used_at is not None


def test_it_paginates(client, token, db):
    for i in range(5):
        Repository.objects.create(name=f"svc-{i}", url=f"https://github.com/a/{i}.git")

    first = get(client, "/api/v1/repositories", token=token, page_size=2).json()
    last = get(client, "/api/v1/repositories", token=token, page_size=2, page=3).json()

    assert first["count"] == 5
    assert [r["name"] for r in first["results"]] == ["svc-0", "svc-1"]
    assert first["next"] == "/api/v1/repositories?page_size=2&page=2"
    assert first["previous"] is None
    assert [r["name"] for r in last["results"]] == ["svc-4"]
    assert last["next"] is None
    assert get(client, "/api/v1/repositories", token=token, page="x").status_code == 400


def test_it_filters_repositories_by_team_and_tag(client, token, billing_repo):
    Repository.objects.create(name="search", url="https://github.com/a/s.git", tags=["search"])

    by_team = get(client, "/api/v1/repositories", token=token, team="payments").json()
    by_tag = get(client, "/api/v1/repositories", token=token, tag="tier-1").json()

    assert [r["name"] for r in by_team["results"]] == ["billing-api"]
    assert [r["name"] for r in by_tag["results"]] == ["billing-api"]


def test_it_shows_a_scan_with_dimensions(client, token, scanned):
    body = get(client, f"/api/v1/scans/{scanned.pk}", token=token).json()

    assert body["repository"] == "billing-api"
    assert body["state"] == "succeeded"
    assert body["overall"] == scanned.overall
    assert set(body["dimensions"]) >= {"type_safety", "security"}
    assert body["links"]["sarif"] == f"/api/v1/scans/{scanned.pk}/sarif"


def test_it_lists_a_repositorys_scans_newest_first(client, token, billing_repo, scanned):
    Scan.objects.create(repository=billing_repo, state=ScanState.FAILED, error_code="repo:auth")

    body = get(client, "/api/v1/repositories/billing-api/scans", token=token).json()

    assert [s["state"] for s in body["results"]] == ["failed", "succeeded"]
    assert body["results"][0]["error_code"] == "repo:auth"


def test_it_lists_failing_checks_with_evidence_and_links(client, token, scanned):
    body = get(client, f"/api/v1/scans/{scanned.pk}/checks", token=token, status="fail").json()

    checks = {c["check"]: c for c in body["results"]}
    assert set(checks) == {"TYP-003", "ERR-002", "TST-002", "OBS-001", "DEP-002", "CFG-001"}
    evidence = checks["TYP-003"]["evidence"][0]
    assert evidence["path"] == "app/routers/typ-003_0.py"
    assert evidence["link"] == (
        f"https://github.com/acme/billing-api/blob/{'a' * 40}/app/routers/typ-003_0.py#L10"
    )
    assert checks["TYP-003"]["priority"] == "P0"


def test_it_lets_a_signed_in_person_read_but_not_write_with_a_session(client, alice, scanned):
    client.force_login(alice)

    assert client.get("/api/v1/repositories").status_code == 200
    # Refused by the view (401) or, for a viewer, by the read-only middleware first (403).
    assert client.post("/api/v1/repositories/billing-api/scan").status_code in (401, 403)
    assert not Scan.objects.filter(trigger="api").exists()


def test_it_queues_a_scan_for_a_maintainer_token(
    client, alice, token, billing_repo, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr("dashboard.scans.pipeline.enqueue_scan", sent.append)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/repositories/billing-api/scan", headers=headers).status_code == 403
    alice.user_permissions.add(Permission.objects.get(codename="add_scan"))

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/api/v1/repositories/billing-api/scan", headers=headers)
        again = client.post("/api/v1/repositories/billing-api/scan", headers=headers)

    assert first.status_code == 202
    assert again.json()["id"] == first.json()["id"]  # the one in flight, not a second
    assert sent == [first.json()["id"]]
    assert Scan.objects.get().trigger == "api"


def test_it_queues_scan_all_for_a_maintainer(client, alice, token, billing_repo, monkeypatch):
    monkeypatch.setattr("dashboard.scans.pipeline.enqueue_scan", lambda scan_id: None)
    Repository.objects.create(name="search", url="https://github.com/a/s.git")
    alice.user_permissions.add(Permission.objects.get(codename="add_scan"))

    response = client.post("/api/v1/scan-all", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 202
    assert response.json()["count"] == 2


def test_it_answers_404_for_an_unknown_service(client, token, db):
    assert get(client, "/api/v1/repositories/nope", token=token).status_code == 404
