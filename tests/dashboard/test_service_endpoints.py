"""The endpoint inventory: every route with its auth posture and tests, and its filters."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dashboard.models import Scan
from dashboard.queries.service_endpoints import filtered, routes
from tests.dashboard.factories import make_repo, make_scored_scan, make_user

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    {
        "methods": ["GET"], "path": "/invoices", "handler": "list_invoices",
        "file": "app/routers/invoices.py", "line": 12, "public": False,
        "auth": {"dependencies": ["get_current_user"], "authenticated": True},
        "tested_by": ["tests/test_invoices.py:8"],
    },
    {
        "methods": ["POST"], "path": "/invoices", "handler": "create_invoice",
        "file": "app/routers/invoices.py", "line": 30, "public": False,
        "auth": {"dependencies": [], "authenticated": False}, "tested_by": [],
    },
    {
        "methods": ["GET"], "path": "/health", "handler": "health", "file": "app/main.py",
        "line": 8, "public": True, "auth": {"dependencies": [], "authenticated": False},
        "tested_by": ["tests/test_health.py:3"],
    },
    {
        "methods": ["DELETE"], "path": "/invoices/{id}", "handler": "delete_invoice",
        "file": "app/routers/invoices.py", "line": 52, "public": False,
        "auth": {"dependencies": [], "authenticated": None}, "tested_by": [],
    },
]  # fmt: skip


@pytest.fixture
def viewer():
    return make_user("victor-viewer")


@pytest.fixture
def billing():
    repo = make_repo("billing-api")
    scan = make_scored_scan(repo)
    Scan.objects.filter(pk=scan.pk).update(endpoints=ENDPOINTS)
    return repo


def inventory(client, user, repo, **params):
    client.force_login(user)
    return client.get(reverse("service-endpoints", args=[repo.name]), params)


def test_it_lists_every_route_with_auth_tests_and_a_line_link(client, viewer, billing):
    html = inventory(client, viewer, billing).content.decode()

    assert "4 of 4 routes" in html
    assert "get_current_user" in html
    assert "tests/test_invoices.py:8" in html
    sha = billing.scans.get().commit_sha
    assert f"https://github.com/acme/billing-api/blob/{sha}/app/routers/invoices.py#L30" in html
    for label in ("Authenticated", "Unauthenticated", "Public", "Unclear", "No test"):
        assert label in html


def test_it_filters_to_unauthenticated_routes(client, viewer, billing):
    response = inventory(client, viewer, billing, unauthenticated="1")

    paths = [(route.methods, route.path) for route, _ in response.context["routes"]]
    assert paths == [(("POST",), "/invoices")]  # not the public one, not the unclear one


def test_it_filters_to_untested_routes_and_combines_filters(client, viewer, billing):
    untested = inventory(client, viewer, billing, untested="1").context["routes"]
    both = inventory(client, viewer, billing, untested="1", unauthenticated="1").context["routes"]

    assert {route.path for route, _ in untested} == {"/invoices", "/invoices/{id}"}
    assert [route.handler for route, _ in both] == ["create_invoice"]


def test_it_returns_only_the_table_to_htmx(client, viewer, billing):
    client.force_login(viewer)
    response = client.get(
        reverse("service-endpoints", args=[billing.name]),
        {"untested": "1"},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="routes"')
    assert "2 of 4 routes" in html
    assert "HX-Request" in response["Vary"]


def test_it_explains_a_service_without_a_result(client, viewer):
    html = inventory(client, viewer, make_repo("ledger-api")).content.decode()

    assert "No endpoint inventory yet" in html


def test_it_reads_old_style_endpoints_with_a_file_line_handler():
    [route] = routes([{"method": "GET", "path": "/x", "handler": "app/main.py:8"}])

    assert (route.methods, route.file, route.line) == (("GET",), "app/main.py", 8)
    assert route.handler == ""
    assert route.authenticated is None
    assert filtered([route], ["unauthenticated"]) == []
    assert filtered([route], ["untested", "bogus"]) == [route]
