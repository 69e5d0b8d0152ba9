"""Sign-in throttling, CSRF on forms and htmx requests, and the security headers."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dashboard.accounts.roles import MAINTAINER, assign_role
from dashboard.models import LoginFailure
from tests.dashboard import factories

pytestmark = pytest.mark.django_db


def sign_in(client, username="alice", password="correct horse", ip="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


@pytest.fixture
def alice():
    return factories.make_user("alice", password="correct horse")


def test_it_signs_in_with_the_right_password(client, alice):
    response = sign_in(client)

    assert response.status_code == 302
    assert client.get(reverse("fleet-leaderboard")).status_code == 200


def test_it_locks_a_name_out_after_repeated_failures_even_with_the_right_password(
    client, alice, settings
):
    settings.READYBOARD_LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        assert sign_in(client, password="wrong").status_code == 200

    response = sign_in(client)

    assert response.status_code == 429
    assert "Too many failed sign-ins" in " ".join(response.context["form"].non_field_errors())
    assert "_auth_user_id" not in client.session
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert sign_in(client).status_code == 302  # the window passed


def test_it_locks_out_the_admin_sign_in_too(client, alice, settings):
    settings.READYBOARD_LOGIN_MAX_FAILURES = 2
    alice.is_staff = alice.is_superuser = True
    alice.save()
    for _ in range(2):
        sign_in(client, password="wrong")

    response = client.post(
        reverse("admin:login"), {"username": "alice", "password": "correct horse"},
        REMOTE_ADDR="10.0.0.1",
    )  # fmt: skip

    assert response.status_code == 200  # the admin re-renders its form: not signed in
    assert "_auth_user_id" not in client.session


def test_it_locks_out_an_address_trying_many_names(client, alice, settings):
    settings.READYBOARD_LOGIN_MAX_FAILURES_PER_IP = 4
    for n in range(4):
        sign_in(client, username=f"guess{n}", password="x", ip="192.0.2.9")

    assert sign_in(client, ip="192.0.2.9").status_code == 429
    assert sign_in(client, ip="192.0.2.10").status_code == 302


def test_it_forgets_failures_after_a_successful_sign_in(client, alice):
    sign_in(client, password="wrong")
    sign_in(client)

    assert not LoginFailure.objects.filter(username_key="alice").exists()
    assert not LoginFailure.objects.filter(username_key__contains="horse").exists()


def test_it_requires_a_csrf_token_on_forms_and_htmx_requests(alice):
    assign_role(alice, MAINTAINER)
    repo = factories.make_repo("billing-api")
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    url = reverse("service-waivers", args=[repo.name])

    assert client.post(url, {"check_id": "SEC-001"}).status_code == 403
    assert client.post(url, {"check_id": "SEC-001"}, HTTP_HX_REQUEST="true").status_code == 403
    page = client.get(url).content.decode()
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page)[1]
    response = client.post(url, {"check_id": "SEC-001"}, HTTP_HX_REQUEST="true",
                           HTTP_X_CSRFTOKEN=token)  # fmt: skip
    assert response.status_code == 400  # past CSRF: the form itself answers


def csp_of(response) -> dict[str, str]:
    parts = (p.strip().split(" ", 1) for p in response["Content-Security-Policy"].split(";"))
    return dict(parts)


def test_it_sends_a_csp_allowing_only_our_own_scripts_and_styles(client, alice):
    client.force_login(alice)

    response = client.get(reverse("waivers"))

    csp = csp_of(response)
    assert csp["script-src"].startswith("'self' 'nonce-")
    assert csp["style-src"].startswith("'self' 'nonce-")
    assert "unsafe-" not in response["Content-Security-Policy"]
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert csp["default-src"] == "'self'" and csp["base-uri"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response  # plain http: no HSTS


def test_it_runs_only_our_own_scripts_even_on_chart_pages(client, alice):
    client.force_login(alice)
    factories.make_scored_scan(factories.make_repo("billing-api"), {"SEC-001": "fail"})

    response = client.get(reverse("fleet-leaderboard"))

    csp = csp_of(response)
    # plotly.js draws with style attributes, so chart pages may allow inline styles;
    # scripts stay ours: our static files and nonce'd blocks, never inline or eval.
    assert csp["script-src"].startswith("'self' 'nonce-")
    assert "unsafe" not in csp["script-src"]
    nonce = csp["script-src"].split("'nonce-")[1].rstrip("'")
    page = response.content.decode()
    for tag in re.findall(r"<script\b[^>]*>", page):
        src = re.search(r'\ssrc="([^"]+)"', tag)
        if src:
            assert src[1].startswith("/"), f"third-party script {src[1]}"
        elif 'type="application/json"' not in tag:
            assert f'nonce="{nonce}"' in tag, tag


def test_it_sends_hsts_only_over_https(client):
    response = client.get(reverse("login"), secure=True)

    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_it_refuses_to_be_framed_on_public_pages(client):
    response = client.get(reverse("login"))

    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
