"""The fleet leaderboard: rows, deltas, filters, sorting, htmx partials, empty state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests.dashboard import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def owner_client(client):
    client.force_login(factories.make_user("olivia-owner"))
    return client


@pytest.fixture
def fleet():
    payments = factories.make_team("Payments")
    search = factories.make_team("Search")
    billing = factories.make_repo("billing-api", team=payments, tags=["tier-1"])
    ledger = factories.make_repo("ledger-api", team=payments)
    indexer = factories.make_repo("indexer", team=search, tags=["batch"])
    factories.make_history(billing, weeks=6, quality=0.8)
    factories.make_history(ledger, weeks=2, quality=0.3, improving=False)
    factories.make_history(indexer, weeks=1, quality=0.5)
    return {"billing": billing, "ledger": ledger, "indexer": indexer}


def test_it_requires_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_tells_what_to_do_when_no_service_is_registered(owner_client):
    response = owner_client.get("/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "No services registered yet" in body
    assert "manage.py import_repos" in body


def test_it_lists_every_service_with_score_band_and_levels(owner_client, fleet):
    response = owner_client.get("/")
    body = response.content.decode()
    assert response.status_code == 200
    for name in ("billing-api", "ledger-api", "indexer"):
        assert f'href="/services/{name}/"' in body
    billing = fleet["billing"]
    billing.refresh_from_db()
    assert f"{billing.latest_scan.overall:.1f}" in body
    assert 'class="badge band band--' in body
    assert body.count('class="level level--') >= 3 * 8


def test_it_computes_deltas_against_previous_and_month_old_scans(fleet):
    from dashboard.models import Scan
    from dashboard.queries.fleet import LeaderboardFilters, leaderboard_queryset

    billing = fleet["billing"]
    scans = list(Scan.objects.filter(repository=billing).order_by("queued_at"))
    row = leaderboard_queryset(LeaderboardFilters()).get(pk=billing.pk)
    month_old = [s for s in scans if s.queued_at <= timezone.now() - timedelta(days=28)][-1]
    assert row.delta_prev == pytest.approx(scans[-1].overall - scans[-2].overall)
    assert row.delta_month == pytest.approx(scans[-1].overall - month_old.overall)
    indexer = leaderboard_queryset(LeaderboardFilters()).get(pk=fleet["indexer"].pk)
    assert indexer.delta_prev is None
    assert indexer.delta_month is None


def test_it_filters_by_team_band_tag_and_text(owner_client, fleet):
    body = owner_client.get("/?team=search").content.decode()
    assert "/services/indexer/" in body
    assert "/services/billing-api/" not in body

    body = owner_client.get("/?tag=tier-1").content.decode()
    assert "/services/billing-api/" in body
    assert "/services/ledger-api/" not in body

    body = owner_client.get("/?q=ledg").content.decode()
    assert "/services/ledger-api/" in body
    assert "/services/indexer/" not in body

    fleet["billing"].refresh_from_db()
    band = fleet["billing"].latest_scan.band
    body = owner_client.get(f"/?band={band}").content.decode()
    assert "/services/billing-api/" in body


def test_it_sorts_by_any_column_and_flips_direction(owner_client, fleet):
    body = owner_client.get("/?sort=name").content.decode()
    assert body.index("/services/billing-api/") < body.index("/services/indexer/")
    assert body.index("/services/indexer/") < body.index("/services/ledger-api/")
    body = owner_client.get("/?sort=-name").content.decode()
    assert body.index("/services/ledger-api/") < body.index("/services/billing-api/")
    for key in ("team", "overall", "band", "dim_security", "delta_prev", "delta_month", "scanned"):
        assert owner_client.get(f"/?sort={key}").status_code == 200
        assert owner_client.get(f"/?sort=-{key}").status_code == 200


def test_it_returns_only_the_table_to_htmx(owner_client, fleet):
    response = owner_client.get("/?team=payments", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="leaderboard-table">')
    assert "<html" not in body
    assert "/services/billing-api/" in body
    assert "/services/indexer/" not in body
    assert "HX-Request" in response["Vary"]


def test_it_shows_a_failed_newer_scan_with_its_category(owner_client, fleet):
    factories.make_failed_scan(fleet["ledger"], code="repo:auth")
    body = owner_client.get("/").content.decode()
    assert "Access denied" in body


def test_it_shows_the_fleet_summary(owner_client, fleet):
    body = owner_client.get("/").content.decode()
    assert "Most-failed P0 checks" in body
    assert "Score distribution" in body
    assert "Fleet score trend" in body
    assert "data-plotly=" in body
    assert "/assets/plotly-" in body


def test_it_serves_plotly_compressed_and_cached(client):
    from dashboard.views.fleet_assets import plotly_js_version

    url = f"/assets/plotly-{plotly_js_version()}.min.js"
    response = client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "immutable" in response["Cache-Control"]
    assert len(response.content) < 2_000_000
    again = client.get(url, headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304
    assert client.get("/assets/plotly-0.0.0.min.js").status_code == 404


def test_it_sends_pages_gzipped_to_browsers_that_accept_it(owner_client, fleet):
    import gzip

    plain = owner_client.get("/")
    packed = owner_client.get("/", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert len(packed.content) < len(plain.content) / 3
    assert "billing-api" in gzip.decompress(packed.content).decode()
