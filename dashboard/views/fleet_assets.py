"""plotly.js from the installed plotly package: gzip-compressed once, cached for a year.

No CDN and no copy in the repository: the URL carries the plotly.js version, so a plotly
upgrade changes the URL and the year-long immutable cache can never serve a stale file.
Public (no sign-in): it is a third-party library, and browsers fetch it without cookies.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from functools import cache
from pathlib import Path

import plotly
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.views.decorators.http import require_safe

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
CACHE_CONTROL = "public, max-age=31536000, immutable"
JS_TYPE = "text/javascript; charset=utf-8"


@cache
def plotly_js_version() -> str:
    """The bundled plotly.js version, read from the file's banner ("plotly.js v4.1.1")."""
    with PLOTLY_JS.open("rb") as handle:
        banner = handle.read(200).decode("ascii", "replace")
    match = re.search(r"plotly\.js v([\w.\-]+)", banner)
    return match.group(1) if match else "0"


@cache
def _compressed() -> tuple[bytes, str]:
    data = PLOTLY_JS.read_bytes()
    return gzip.compress(data, compresslevel=9, mtime=0), hashlib.sha256(data).hexdigest()[:16]


@require_safe
def plotly_js(request: HttpRequest, version: str) -> HttpResponse:
    if version != plotly_js_version():
        raise Http404("unknown plotly.js version")
    body, digest = _compressed()
    etag = f'"{digest}"'
    if request.headers.get("If-None-Match") == etag:
        return HttpResponseNotModified(headers={"ETag": etag})
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        response = HttpResponse(body, content_type=JS_TYPE)
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(PLOTLY_JS.read_bytes(), content_type=JS_TYPE)
    response["Cache-Control"] = CACHE_CONTROL
    response["Vary"] = "Accept-Encoding"
    response["ETag"] = etag
    return response
