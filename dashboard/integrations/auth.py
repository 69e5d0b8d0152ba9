"""API authentication: `Authorization: Bearer <token>` (hashed lookup) or a signed-in session."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.vary import vary_on_headers

from dashboard.models import ApiToken
from dashboard.models.api_token import digest

# Writing last_used_at on every request would turn reads into writes; once a minute is plenty.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def bearer(request: HttpRequest) -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def user_for_token(raw: str):
    """The active user a usable token belongs to, or None."""
    token = ApiToken.objects.usable().select_related("user").filter(digest=digest(raw)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def error(status: int, message: str) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="readyboard"'
    return response


def api_view(methods: tuple[str, ...] = ("GET",), permission: str | None = None) -> Callable:
    """JSON API view: token (any method) or session (safe methods only) authentication.

    A session never authorises a write, so the API needs no CSRF token and cannot be
    driven cross-site; a token is what scripts use anyway.
    """

    def decorate(view: Callable) -> Callable:
        # Authentication is ours (token or session, 401 not a redirect): the sign-in
        # middleware lets these through (names listed in dashboard.security.public).
        @login_not_required
        @csrf_exempt
        @vary_on_headers("Authorization", "Cookie")
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if request.method not in methods:
                return error(405, f"method {request.method} not allowed")
            raw = bearer(request)
            if raw is not None:
                user = user_for_token(raw)
                if user is None:
                    return error(401, "invalid or expired token")
                request.user = user
            elif request.method not in ("GET", "HEAD") or not request.user.is_authenticated:
                return error(401, "authentication required (Authorization: Bearer <token>)")
            if permission and not request.user.has_perm(permission):
                return error(403, f"permission {permission} required")
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def metrics_allowed(request: HttpRequest) -> bool:
    """Prometheus: the configured scrape token, any API token, or a staff session."""
    raw = bearer(request)
    if raw is not None:
        configured = settings.READYBOARD_METRICS_TOKEN
        if configured and hmac.compare_digest(raw.encode(), configured.encode()):
            return True
        return user_for_token(raw) is not None
    return request.user.is_authenticated and request.user.is_staff
