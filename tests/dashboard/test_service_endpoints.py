"""The endpoint inventory: every route with its auth posture and tests, and its filters."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dashboard.models import Scan
from dashboard.queries.service_endpoints import filtered, routes
from tests.dashboard.factories import make_repo, make_scored_scan

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


TYPED_ENDPOINTS = [
    {
        "methods": ["POST"], "path": "/orders", "handler": "create_order",
        "file": "app/main.py", "line": 20, "tested_by": [],
        "request_body": {"name": "OrderIn", "kind": "model", "param": "payload"},
        "response_model": {"name": "list[OrderOut]", "source": "response_model"},
        "response_kind": "model", "status_code": 201,
    },
    {
        "methods": ["PUT"], "path": "/orders/{id}/raw", "handler": "put_raw",
        "file": "app/main.py", "line": 30, "tested_by": [],
        "request_body": {"name": "dict", "kind": "dict", "param": "body"},
        "response_model": None, "response_kind": "untyped", "status_code": None,
    },
    {
        "methods": ["GET"], "path": "/", "handler": "home", "file": "app/main.py", "line": 8,
        "tested_by": [], "request_body": None, "response_model": None,
        "response_kind": "page", "status_code": None,
    },
    {
        "methods": ["DELETE"], "path": "/orders/{id}", "handler": "delete_order",
        "file": "app/main.py", "line": 40, "tested_by": [], "request_body": None,
        "response_model": None, "response_kind": "empty", "status_code": 204,
    },
]  # fmt: skip


@pytest.fixture
def orders():
    repo = make_repo("orders-api")
    scan = make_scored_scan(repo)
    Scan.objects.filter(pk=scan.pk).update(endpoints=TYPED_ENDPOINTS)
    return repo


def test_it_shows_what_each_route_takes_and_returns(client, viewer, orders):
    html = inventory(client, viewer, orders).content.decode()

    assert "<code>OrderIn</code>" in html
    assert "<code>list[OrderOut]</code>" in html
    assert ">201</span>" in html
    assert "untyped body" in html
    assert "no content" in html
    assert "posture--page" in html
    assert "1 without a response model" in html
    assert "not recorded" not in html


def test_it_filters_to_routes_without_a_response_model(client, viewer, orders):
    response = inventory(client, viewer, orders, untyped_response="1")

    assert [route.path for route, _ in response.context["routes"]] == ["/orders/{id}/raw"]


def test_old_scans_without_types_render_as_not_recorded(client, viewer, billing):
    response = inventory(client, viewer, billing, untyped_response="1")
    html = inventory(client, viewer, billing).content.decode()

    assert response.status_code == 200
    assert response.context["routes"] == []
    assert "not recorded" in html
    assert "This scan predates request and response types" in html
    assert "0 without a response model" not in html


def test_it_reads_unexpected_type_values_as_unknown():
    [route] = routes([{
        "method": "GET", "path": "/x", "request_body": "OrderIn", "response_model": "Out",
        "response_kind": "sometimes", "status_code": "201",
    }])

    assert route.types_recorded
    assert (route.body, route.response_name, route.response_kind, route.status_code) == (
        None, "", None, None)
    assert not route.untyped_response
