"""`/health` (the process answers; no database) and `/ready` (database and broker reachable)."""

from __future__ import annotations

import logging
import os
import time

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

log = logging.getLogger(__name__)


@login_not_required
@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    """Liveness: answers while the process can serve; touches nothing external."""
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
@require_safe
def ready(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when the database and the broker answer within the timeout, else 503."""
    checks = {"database": _timed(check_database), "broker": _timed(check_broker)}
    ok = all(c["ok"] for c in checks.values())
    return JsonResponse(
        {"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503
    )


def _timed(check) -> dict:
    started = time.monotonic()
    try:
        check()
        result = {"ok": True}
    except Exception as exc:
        log.warning("readiness: %s failed: %s", check.__name__, exc)
        # The class only: messages may carry host names or credentials.
        result = {"ok": False, "error": type(exc).__name__}
    result["ms"] = round((time.monotonic() - started) * 1000, 1)
    return result


def check_database() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            timeout_ms = settings.READYBOARD_READY_TIMEOUT * 1000
            cursor.execute("SET statement_timeout = %s", [timeout_ms])
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.execute("SET statement_timeout = DEFAULT")
        else:
            cursor.execute("SELECT 1")


def check_broker() -> None:
    """Open (and close) a broker connection: Redis answers PING, a folder must exist."""
    from kombu import Connection

    url = settings.CELERY_BROKER_URL
    options = dict(getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {})
    timeout = settings.READYBOARD_READY_TIMEOUT
    options.update(socket_timeout=timeout, socket_connect_timeout=timeout)
    with Connection(url, connect_timeout=timeout, transport_options=options) as conn:
        conn.ensure_connection(max_retries=0)
        if url.startswith("filesystem://"):
            folder = options.get("data_folder_in")
            if folder is None or not os.path.isdir(folder):
                raise FileNotFoundError("broker folder missing")
        else:
            conn.default_channel  # noqa: B018 - opening a channel is the round trip (PING)
