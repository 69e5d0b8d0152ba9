"""Who may open what: every URL pattern of the site, enumerated from the resolver.

A new page is covered the moment its pattern exists: anonymous people are sent to sign in
(or get 401/403 from views that check a token themselves), viewers cannot change anything,
and only the names in `dashboard.security.public` are open to everyone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from dashboard.accounts.roles import ADMIN, MAINTAINER, VIEWER, assign_role, has_role, role_of
from dashboard.models import Waiver
from dashboard.security.middleware import VIEWER_WRITABLE_URL_NAMES
from dashboard.security.public import has_own_auth, is_public, skips_sign_in
from tests.dashboard import factories

pytestmark = pytest.mark.django_db

LOGIN_PATHS = ("/accounts/login/", "/admin/login/")
REFUSED = {401, 403}


@dataclass(frozen=True)
class Route:
    name: str  # namespace:name, or the route text for an unnamed pattern
    pattern: URLPattern
    prefix: str

    @property
    def params(self) -> list[str]:
        groups = []
        for part in (self.prefix, str(self.pattern.pattern)):
            groups += re.findall(r"<(?:\w+:)?(\w+)>", part)
            groups += re.findall(r"\(\?P<(\w+)>", part)
        return groups


def all_routes() -> list[Route]:
    routes: list[Route] = []

    def walk(patterns, namespace: str, prefix: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = entry.namespace or ""
                full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
                walk(entry.url_patterns, full_ns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                name = entry.name or ""
                qualified = f"{namespace}:{name}" if namespace and name else name
                routes.append(Route(qualified or prefix + str(entry.pattern), entry, prefix))

    walk(get_resolver().url_patterns, "", "")
    return routes


ROUTES = all_routes()


@pytest.fixture
def world():
    """A service with a scored scan and a live waiver, so every URL has real arguments."""
    repo = factories.make_repo("billing-api")
    scan = factories.make_scored_scan(repo, {"SEC-001": "fail", "TYP-001": "pass"})
    waiver = Waiver.objects.create(
        repository=repo, check_id="SEC-001", reason="TLS ends at the load balancer",
        expires_on=(timezone.now() + timedelta(days=30)).date(),
    )  # fmt: skip
    user = factories.make_user("olivia-owner")
    return {
        "name": repo.name, "scan_id": scan.pk, "waiver_id": waiver.pk, "check_id": "SEC-001",
        "version": "4.1.1", "object_id": str(repo.pk), "app_label": "dashboard",
        "content_type_id": "1", "id": str(user.pk), "url": "nothing-here/", "user": user,
    }  # fmt: skip


def url_of(route: Route, world) -> str:
    if route.pattern.name:
        return reverse(route.name, kwargs={param: world[param] for param in route.params})
    # Unnamed (the admin's redirects and catch-all): fill the route text in by hand.
    text = route.prefix + str(route.pattern.pattern)
    text = text.replace("(?P<url>.*)", "nothing-here/").lstrip("^").rstrip("$")
    text = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(world[m[1]]), text)
    assert "(" not in text and "<" not in text, route.name
    return "/" + text


def refused_anonymously(response) -> bool:
    if response.status_code in REFUSED:
        return True
    location = response.get("Location", "")
    return response.status_code == 302 and location.startswith(LOGIN_PATHS)


def test_it_finds_the_sites_url_patterns():
    names = {route.name for route in ROUTES}

    assert {"login", "logout", "waivers", "service-waivers", "waiver-revoke"} <= names
    assert any(name.startswith("admin:") for name in names)


def anonymous_problem(client, route: Route, world) -> str | None:
    url = url_of(route, world)
    responses = {method: getattr(client, method)(url) for method in ("get", "post")}
    statuses = {m: r.status_code for m, r in responses.items()}
    if any(code >= 500 for code in statuses.values()):
        return f"{route.name} {url}: server error {statuses}"
    if is_public(route.name):
        return None
    refused = [m for m, r in responses.items() if refused_anonymously(r)]
    # A method the view does not serve may answer 405; the other one must be refused.
    if refused and all(refused_anonymously(r) or r.status_code == 405
                       for r in responses.values()):
        return None
    return f"{route.name} {url}: not refused to an anonymous person {statuses}"


def test_it_refuses_anonymous_requests_on_every_url_but_the_public_ones(client, world):
    problems = [anonymous_problem(client, route, world) for route in ROUTES]

    assert [p for p in problems if p] == []


def test_it_lets_a_view_skip_sign_in_only_when_it_is_listed():
    unlisted = [
        route.name
        for route in ROUTES
        if getattr(route.pattern.callback, "login_required", True) is False
        and not skips_sign_in(route.name)
        and not route.name.startswith("admin")  # the admin checks is_staff itself
    ]

    assert unlisted == [], "marked login_not_required but not in dashboard.security.public"


def test_it_refuses_every_change_from_a_viewer(client, world):
    viewer = factories.make_user("victor-viewer")
    assign_role(viewer, VIEWER)
    client.force_login(viewer)
    problems = []

    for route in ROUTES:
        if route.pattern.name in VIEWER_WRITABLE_URL_NAMES:
            continue
        url = url_of(route, world)
        for method in ("post", "put", "patch", "delete"):
            status = getattr(client, method)(url).status_code
            if status != 403:
                problems.append(f"{method.upper()} {url} ({route.name}) -> {status}")

    assert problems == []


def test_it_lets_a_viewer_read_pages(client, world):
    viewer = factories.make_user("victor-viewer")
    assign_role(viewer, VIEWER)
    client.force_login(viewer)

    for name in ("fleet-leaderboard", "waivers"):
        assert client.get(reverse(name)).status_code == 200
    assert client.get(reverse("service-waivers", args=["billing-api"])).status_code == 200


def test_it_refuses_a_viewer_the_maintainer_actions_even_past_the_middleware(rf, world):
    # The views check the role themselves too (defence in depth).
    from django.core.exceptions import PermissionDenied

    from dashboard.waivers import views

    viewer = factories.make_user("victor-viewer")
    assign_role(viewer, VIEWER)
    request = rf.post("/")
    request.user = viewer
    with pytest.raises(PermissionDenied):
        views.revoke(request, name="billing-api", waiver_id=world["waiver_id"])


def test_it_gives_roles_by_group_with_superusers_as_admins(world):
    alice = factories.make_user("alice")
    boss = factories.make_user("boss", staff=True)
    nobody = factories.make_user("nobody")

    assign_role(alice, MAINTAINER)

    assert role_of(alice) == MAINTAINER and not alice.is_staff
    assert role_of(boss) == ADMIN
    assert role_of(nobody) == VIEWER  # signed in, no role group: may read
    assert has_role(alice, VIEWER) and not has_role(alice, ADMIN)
    assign_role(alice, ADMIN)
    alice.refresh_from_db()
    assert role_of(alice) == ADMIN and alice.is_staff
    assert alice.has_perm("dashboard.manage_waivers")


def test_it_gives_maintainers_the_permissions_to_register_scan_and_waive(world):
    alice = factories.make_user("alice")
    assign_role(alice, MAINTAINER)
    alice = type(alice).objects.get(pk=alice.pk)  # fresh permission cache

    assert alice.has_perms(
        ["dashboard.add_repository", "dashboard.add_scan", "dashboard.manage_waivers"]
    )
    assert not alice.has_perm("auth.add_user")


@pytest.mark.parametrize("name", ["health", "login", "badge"])
def test_it_keeps_the_public_urls_public(client, world, name):
    route = next((r for r in ROUTES if r.name == name), None)
    if route is None:
        pytest.skip(f"{name} is not wired yet")
    response = client.get(url_of(route, world))

    assert response.status_code in (200, 503)  # /health may report a dependency down


def test_it_sends_token_checked_views_through_their_own_auth(client, world):
    own_auth = [r for r in ROUTES if has_own_auth(r.name)]
    for route in own_auth:
        response = client.get(url_of(route, world))
        assert response.status_code in (401, 403, 405), (route.name, response.status_code)


def test_it_creates_users_with_a_role_from_the_command_line(world, capsys):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("adduser", "maya", "--role", "maintainer")

    out = capsys.readouterr().out
    assert "Created maya with role maintainer" in out and "Password: " in out
    maya = get_user_model().objects.get(username="maya")
    assert role_of(maya) == MAINTAINER
    call_command("adduser", "maya", "--role", "viewer")
    assert role_of(get_user_model().objects.get(username="maya")) == VIEWER
