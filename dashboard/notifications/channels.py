"""The two ways out: a signed JSON POST (webhook) and Django's mail."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import EmailMessage

from dashboard.models import Delivery, NotificationTarget

SIGNATURE_HEADER = "X-Readyboard-Signature"
TIMESTAMP_HEADER = "X-Readyboard-Timestamp"
USER_AGENT = "Readyboard-Webhook/1"


class DeliveryError(Exception):
    """A try that did not get through; `status` is the receiver's HTTP status, if any."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


def body_of(delivery: Delivery) -> bytes:
    """The exact bytes sent (and signed): compact, key-sorted JSON."""
    return json.dumps(delivery.payload, sort_keys=True, separators=(",", ":")).encode()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>` HMAC over `<timestamp>.<body>`; the timestamp defeats replays."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def post_webhook(target: NotificationTarget, delivery: Delivery) -> int:
    """POST the payload; the HTTP status on 2xx, DeliveryError otherwise."""
    body = body_of(delivery)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Readyboard-Event": delivery.payload.get("event", delivery.kind),
        "X-Readyboard-Delivery": str(delivery.pk),
        TIMESTAMP_HEADER: timestamp,
    }
    if target.secret:
        headers[SIGNATURE_HEADER] = sign(target.secret, timestamp, body)
    if not target.url.lower().startswith(("https://", "http://")):
        raise DeliveryError("webhook URL must be http(s)")
    request = urllib.request.Request(target.url, data=body, headers=headers, method="POST")
    try:
        # The scheme was checked above: http(s) only, never file:// or ftp://.
        with urllib.request.urlopen(  # nosec B310
            request, timeout=settings.READYBOARD_WEBHOOK_TIMEOUT
        ) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"receiver answered {exc.code}", status=exc.code) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"could not reach the receiver: {reason}") from None


def send_email(target: NotificationTarget, delivery: Delivery) -> None:
    subject, text = render_email(delivery.payload)
    message = EmailMessage(subject, text, settings.DEFAULT_FROM_EMAIL, target.recipients)
    try:
        message.send(fail_silently=False)
    except OSError as exc:
        raise DeliveryError(f"mail server: {exc}") from None


def render_email(payload: dict) -> tuple[str, str]:
    """Subject and plain-text body of an alert or digest payload."""
    if payload.get("event") == "fleet.digest":
        return _digest_email(payload)
    return _alert_email(payload)


def _alert_email(payload: dict) -> tuple[str, str]:
    name = payload["service"]["name"]
    scan, previous = payload["scan"], payload["previous_scan"]
    lines = [
        f"{name}: overall score {previous['overall']} -> {scan['overall']} "
        f"({-payload['score_drop']:+}) at commit {scan['commit'][:10]}.",
    ]
    if payload["new_p0_failures"]:
        lines += ["", "P0 checks now failing:"]
        lines += [f"  - {c['check']} {c['title']}" for c in payload["new_p0_failures"]]
    if scan.get("sarif"):
        lines += ["", f"Findings (SARIF): {scan['sarif']}"]
    if "score_drop" in payload["reasons"]:
        subject = f"[Readyboard] {name} dropped {payload['score_drop']} points"
    else:
        subject = f"[Readyboard] {name}: a P0 check started failing"
    return subject, "\n".join(lines) + "\n"


def _digest_email(payload: dict) -> tuple[str, str]:
    lines = [
        f"Fleet digest, week of {payload['week']}: {payload['scored']} of "
        f"{payload['services']} services scored, average {payload['average_score']}.",
    ]
    for title, key in (("Got worse", "worse"), ("Got better", "better")):
        lines += ["", f"{title}:"]
        rows = payload[key] or []
        lines += [f"  {e['service']}: {e['before']} -> {e['after']} ({e['delta']:+})" for e in rows]
        if not rows:
            lines.append("  (none)")
    if payload["never_scanned"]:
        lines += ["", "No successful scan yet: " + ", ".join(payload["never_scanned"])]
    return f"[Readyboard] Fleet digest, week of {payload['week']}", "\n".join(lines) + "\n"
