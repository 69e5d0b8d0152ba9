"""The public SVG score badge of a service (for READMEs): cacheable, revalidated by ETag."""

from __future__ import annotations

import hashlib
from xml.sax.saxutils import escape

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from dashboard.models import Repository

LABEL = "readiness"
COLORS = {
    "production_grade": "#2e7d32",
    "solid": "#7cb342",
    "needs_work": "#f9a825",
    "critical": "#c62828",
}
GREY = "#9e9e9e"
BAND_TEXT = {
    "production_grade": "production grade",
    "solid": "solid",
    "needs_work": "needs work",
    "critical": "critical",
}


def _text_width(text: str) -> int:
    # Verdana 11px averages ~6.6px a character; badges need not be pixel-exact.
    return int(len(text) * 6.6) + 10


def render_badge(message: str, color: str, label: str = LABEL) -> str:
    left, right = _text_width(label), _text_width(message)
    total = left + right
    label_x, message_x = left / 2, left + right / 2
    label_s, message_s = escape(label), escape(message)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" '
        f'aria-label="{label_s}: {message_s}">'
        f"<title>{label_s}: {message_s}</title>"
        f'<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" '
        f'stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{total}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{color}"/>'
        f'<rect width="{total}" height="20" fill="url(#s)"/></g>'
        f'<g fill="#fff" text-anchor="middle" '
        f'font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{label_x}" y="14">{label_s}</text>'
        f'<text x="{message_x}" y="14">{message_s}</text></g></svg>'
    )


def badge_message(overall: float | None, band: str) -> tuple[str, str]:
    if overall is None:
        return "not scanned", GREY
    return f"{round(overall)}/100 {BAND_TEXT.get(band, band)}".strip(), COLORS.get(band, GREY)


@login_not_required
@require_safe
def badge(request: HttpRequest, name: str) -> HttpResponse:
    """SVG badge with the latest score; public (no login), cached, ETag-revalidated."""
    repo = (
        Repository.objects.filter(name=name, active=True)
        .select_related("latest_scan")
        .only("name", "latest_scan__overall", "latest_scan__band", "latest_scan__id")
        .first()
    )
    if repo is None:
        raise Http404("no such service")
    scan = repo.latest_scan
    message, color = badge_message(scan.overall if scan else None, scan.band if scan else "")
    etag = '"' + hashlib.sha256(f"{name}|{message}|{color}".encode()).hexdigest()[:32] + '"'
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(render_badge(message, color), content_type="image/svg+xml")
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=settings.READYBOARD_BADGE_MAX_AGE)
    # An SVG can carry script; this one does not, and the browser is told never to run any.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response
