"""A request id for every request: taken from X-Request-ID when sane, else made up."""

from __future__ import annotations

import logging
import re
import time
import uuid

from dashboard.observability import context

log = logging.getLogger("readyboard.request")

HEADER = "X-Request-ID"
# A proxy's id is reused so logs join up across hops; anything odd is replaced, not logged.
_SANE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(HEADER, "")
        rid = incoming if _SANE.match(incoming) else uuid.uuid4().hex
        request.request_id = rid
        token = context.request_id.set(rid)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[HEADER] = rid
            log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
            return response
        finally:
            context.request_id.reset(token)
