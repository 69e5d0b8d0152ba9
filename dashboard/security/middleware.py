"""Security headers on every response, and read-only access for viewers.

`SecurityHeadersMiddleware`: a Content-Security-Policy allowing only our own scripts and
styles (htmx comes from django-htmx's static files, plotly.js from our static folder; a
per-request nonce in `request.csp_nonce` for the rare inline block), frame denial,
Referrer-Policy, Permissions-Policy, and HSTS when the request came over HTTPS.

`SignInRequiredMiddleware`: sign-in for everything but the names in `security.public`.

`ViewerReadOnlyMiddleware`: a signed-in user below maintainer may not POST/PUT/PATCH/DELETE
anything but sign-out: 403. This holds for pages not written yet, so a new form cannot
forget its role check.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.core.exceptions import PermissionDenied

from dashboard.accounts.roles import MAINTAINER, has_role
from dashboard.security.public import skips_sign_in

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
VIEWER_WRITABLE_URL_NAMES = frozenset({"logout", "login", "password_change"})


def content_security_policy(nonce: str) -> str:
    directives = {
        "default-src": "'self'",
        "script-src": f"'self' 'nonce-{nonce}'",
        "style-src": f"'self' 'nonce-{nonce}'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{key} {value}" for key, value in directives.items())


class SecurityHeadersMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.hsts_seconds = getattr(settings, "READYBOARD_HSTS_SECONDS", 31_536_000)

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        headers = response.headers
        headers.setdefault("Content-Security-Policy", content_security_policy(request.csp_nonce))
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"
        )
        if request.is_secure() and self.hsts_seconds:
            headers.setdefault(
                "Strict-Transport-Security", f"max-age={self.hsts_seconds}; includeSubDomains"
            )
        return response


class SignInRequiredMiddleware(LoginRequiredMiddleware):
    """Django's LoginRequiredMiddleware, also letting through the URL names listed in
    `dashboard.security.public` (public pages, and token-checked API/exports/metrics)."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is not None and skips_sign_in(match.view_name):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class ViewerReadOnlyMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method in SAFE_METHODS or not request.user.is_authenticated:
            return None  # anonymous writes meet LoginRequiredMiddleware or the view's own auth
        match = request.resolver_match
        if match is not None and match.url_name in VIEWER_WRITABLE_URL_NAMES:
            return None
        if not has_role(request.user, MAINTAINER):
            raise PermissionDenied("Viewers can read but not change anything.")
        return None
