"""Notification service: decide, record and deliver alerts and digests.

    scan_stored(scan_id)     after a scan is stored: compare with the previous scan and create
                             one Delivery per interested target (unique per target and scan);
    send_digest(now)         the weekly fleet digest, one Delivery per target and week;
    attempt_delivery(id)     one try at sending; says whether and when to try again.

Every Delivery is created before its task is queued (on commit), so a signal or a beat that
fires twice finds the row and queues nothing more.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from dashboard.models import (
    Delivery,
    DeliveryKind,
    DeliveryState,
    NotificationTarget,
    Scan,
    TargetKind,
)
from dashboard.notifications import changes, channels

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 3600
MAX_ERROR = 500


# --- alerts ----------------------------------------------------------------------------


def scan_stored(scan_id: int) -> list[Delivery]:
    """Alert deliveries for a newly stored scan (none when nothing got worse enough)."""
    scan = Scan.objects.select_related("repository__team").filter(pk=scan_id).first()
    change = changes.compare(scan) if scan else None
    if change is None:
        return []
    created = []
    for target in _targets(Q(alerts=True), scan.repository.team_id):
        reasons = alert_reasons(change, target)
        if not reasons:
            continue
        delivery, new = Delivery.objects.get_or_create(
            target=target,
            scan=scan,
            kind=DeliveryKind.ALERT,
            defaults={"payload": alert_payload(change, reasons, _threshold(target))},
        )
        if new:
            created.append(delivery)
            _enqueue_on_commit(delivery.pk)
    return created


def _targets(extra: Q, team_id: int | None):
    scope = Q(team__isnull=True) | Q(team_id=team_id) if team_id else Q(team__isnull=True)
    return NotificationTarget.objects.filter(extra, scope, active=True)


def _threshold(target: NotificationTarget) -> float:
    return target.min_score_drop or float(settings.READYBOARD_ALERT_SCORE_DROP)


def alert_reasons(change: changes.ScanChange, target: NotificationTarget) -> list[str]:
    reasons = []
    if change.score_drop >= _threshold(target):
        reasons.append("score_drop")
    if change.new_p0_failures:
        reasons.append("p0_failing")
    return reasons


def alert_payload(change: changes.ScanChange, reasons: list[str], threshold: float) -> dict:
    scan, previous, repo = change.scan, change.previous, change.scan.repository
    meta = changes.rule_titles_and_priorities()
    return {
        "event": "service.degraded",
        "reasons": reasons,
        "service": {
            "name": repo.name,
            "team": repo.team.name if repo.team else None,
            "url": _link(f"/api/v1/repositories/{repo.name}"),
        },
        "scan": _scan_summary(scan),
        "previous_scan": _scan_summary(previous),
        "score_drop": change.score_drop,
        "threshold": threshold,
        "new_p0_failures": [
            {"check": check_id, "title": meta.get(check_id, ("", ""))[0]}
            for check_id in change.new_p0_failures
        ],
    }


def _scan_summary(scan: Scan) -> dict:
    return {
        "id": scan.pk,
        "commit": scan.commit_sha,
        "overall": scan.overall,
        "band": scan.band,
        "finished_at": scan.finished_at.isoformat() if scan.finished_at else None,
        "sarif": _link(f"/api/v1/scans/{scan.pk}/sarif"),
    }


def _link(path: str) -> str:
    return f"{settings.READYBOARD_PUBLIC_URL}{path}"


# --- digest ----------------------------------------------------------------------------


def week_of(moment: datetime) -> date:
    """The Monday (UTC) of the week `moment` falls in: the digest's idempotency key."""
    day = moment.astimezone(timezone.get_fixed_timezone(0)).date()
    return day - timedelta(days=day.weekday())


def send_digest(now: datetime | None = None) -> list[Delivery]:
    """This week's digest to every digest target, once per target and week."""
    now = now or timezone.now()
    week = week_of(now)
    created = []
    for target in NotificationTarget.objects.filter(active=True, digest=True):
        if Delivery.objects.filter(target=target, kind=DeliveryKind.DIGEST, week=week).exists():
            continue
        payload = digest_payload(now, week, target.team_id)
        delivery, new = Delivery.objects.get_or_create(
            target=target, kind=DeliveryKind.DIGEST, week=week, defaults={"payload": payload}
        )
        if new:
            created.append(delivery)
            _enqueue_on_commit(delivery.pk)
    return created


def digest_payload(now: datetime, week: date, team_id: int | None = None) -> dict:
    entries = changes.fleet_week(now, team_id)
    scored = [e for e in entries if e.after is not None]
    moved = [e for e in scored if e.delta]
    worse = sorted((e for e in moved if e.delta < 0), key=lambda e: (e.delta, e.service))
    better = sorted((e for e in moved if e.delta > 0), key=lambda e: (-e.delta, e.service))
    return {
        "event": "fleet.digest",
        "week": week.isoformat(),
        "generated_at": now.isoformat(),
        "services": len(entries),
        "scored": len(scored),
        "average_score": (round(sum(e.after for e in scored) / len(scored), 1) if scored else None),
        "worse": [_entry(e) for e in worse],
        "better": [_entry(e) for e in better],
        "unchanged": sum(1 for e in scored if e.delta == 0),
        "never_scanned": [e.service for e in entries if e.after is None],
    }


def _entry(entry: changes.FleetEntry) -> dict:
    return {
        "service": entry.service,
        "team": entry.team or None,
        "before": entry.before,
        "after": entry.after,
        "delta": entry.delta,
        "band": entry.band,
    }


# --- delivering ------------------------------------------------------------------------


def _enqueue_on_commit(delivery_id: int) -> None:
    transaction.on_commit(lambda: enqueue_delivery(delivery_id))


def enqueue_delivery(delivery_id: int, countdown: int | None = None) -> None:
    from dashboard.notifications.tasks import deliver

    try:
        deliver.apply_async((delivery_id,), countdown=countdown)
    except Exception:
        # The row stays pending (visible in the admin); the alert is not lost silently.
        log.exception("could not queue delivery %s", delivery_id)


@dataclass(frozen=True)
class Outcome:
    state: str
    retry_in: int | None = None  # seconds until the next try; None: no more tries


def backoff(attempt: int) -> int:
    """Seconds before try `attempt + 1`: base, 2x base, 4x base ... capped at an hour."""
    base = settings.READYBOARD_DELIVERY_BACKOFF_SECONDS
    return min(base * 2 ** max(attempt - 1, 0), MAX_BACKOFF_SECONDS)


def attempt_delivery(delivery_id: int) -> Outcome:
    """One try at sending a pending delivery; a delivered or failed one is left alone."""
    claimed = Delivery.objects.filter(pk=delivery_id, state=DeliveryState.PENDING).update(
        attempts=F("attempts") + 1
    )
    delivery = Delivery.objects.select_related("target").filter(pk=delivery_id).first()
    if not claimed or delivery is None:
        return Outcome(delivery.state if delivery else "missing")
    try:
        status = _send(delivery)
    except channels.DeliveryError as exc:
        return _failed_attempt(delivery, exc)
    Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.PENDING).update(
        state=DeliveryState.DELIVERED,
        last_status=status,
        last_error="",
        delivered_at=timezone.now(),
    )
    log.info("delivery %s (%s) sent to %s", delivery.pk, delivery.kind, delivery.target.name)
    return Outcome(DeliveryState.DELIVERED)


def _send(delivery: Delivery) -> int | None:
    target = delivery.target
    if target.kind == TargetKind.WEBHOOK:
        return channels.post_webhook(target, delivery)
    channels.send_email(target, delivery)
    return None


def _failed_attempt(delivery: Delivery, exc: channels.DeliveryError) -> Outcome:
    final = delivery.attempts >= settings.READYBOARD_DELIVERY_MAX_ATTEMPTS
    state = DeliveryState.FAILED if final else DeliveryState.PENDING
    Delivery.objects.filter(pk=delivery.pk).update(
        state=state, last_status=exc.status, last_error=str(exc)[:MAX_ERROR]
    )
    log.warning(
        "delivery %s attempt %s failed: %s",
        delivery.pk,
        delivery.attempts,
        exc,
        extra={"delivery_id": delivery.pk, "final": final},
    )
    return Outcome(state, None if final else backoff(delivery.attempts))
