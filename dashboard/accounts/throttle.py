"""Login throttling: too many failed sign-ins for one name, or from one address, lock out.

Failures are rows in the database (LoginFailure) so all web processes share the count; a
successful sign-in clears its name's failures. Limits come from settings:
READYBOARD_LOGIN_MAX_FAILURES (per name, default 5), READYBOARD_LOGIN_MAX_FAILURES_PER_IP
(default 30) within READYBOARD_LOGIN_WINDOW_MINUTES (default 15).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from dashboard.models import LoginFailure

MAX_KEY = 150


def window() -> timedelta:
    return timedelta(minutes=getattr(settings, "READYBOARD_LOGIN_WINDOW_MINUTES", 15))


def client_ip(request) -> str | None:
    """The peer address; proxies are trusted only through SECURE_PROXY_SSL_HEADER setups
    that rewrite REMOTE_ADDR, never through a header a client can set."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _key(username: str | None) -> str:
    return (username or "").strip().lower()[:MAX_KEY]


def is_locked(username: str | None, ip: str | None) -> bool:
    """Whether sign-ins for this name or from this address are refused right now."""
    since = timezone.now() - window()
    recent = LoginFailure.objects.filter(at__gte=since)
    per_name = getattr(settings, "READYBOARD_LOGIN_MAX_FAILURES", 5)
    per_ip = getattr(settings, "READYBOARD_LOGIN_MAX_FAILURES_PER_IP", 30)
    key = _key(username)
    if key and recent.filter(username_key=key).count() >= per_name:
        return True
    return bool(ip) and recent.filter(ip=ip).count() >= per_ip


def record_failure(username: str | None, ip: str | None) -> None:
    now = timezone.now()
    LoginFailure.objects.filter(at__lt=now - window()).delete()  # keep the table small
    LoginFailure.objects.create(username_key=_key(username), ip=ip, at=now)


def clear(username: str | None, ip: str | None = None) -> None:
    match = Q(username_key=_key(username))
    LoginFailure.objects.filter(match).delete()
