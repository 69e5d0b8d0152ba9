"""/health (liveness, no database) and /ready (database and broker)."""

from __future__ import annotations

import pytest
from django.test import override_settings

from dashboard.observability.middleware import HEADER


def test_it_answers_health_without_touching_the_database(client):
    # No db fixture: pytest-django makes any query in here raise.
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_it_is_ready_when_database_and_broker_answer(client):
    response = client.get("/ready")

    body = response.json()
    assert response.status_code == 200
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True


@pytest.mark.django_db
@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0", READYBOARD_READY_TIMEOUT=1)
def test_it_is_not_ready_when_the_broker_is_down(client):
    response = client.get("/ready")

    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["broker"]["ms"] < 5000


def test_it_tags_every_response_with_a_request_id(client):
    made_up = client.get("/health")
    passed_on = client.get("/health", headers={HEADER: "req-abc-12345"})
    refused = client.get("/health", headers={HEADER: "<script>"})

    assert len(made_up[HEADER]) == 32
    assert passed_on[HEADER] == "req-abc-12345"
    assert refused[HEADER] != "<script>"
