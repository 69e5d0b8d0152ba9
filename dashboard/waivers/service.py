"""Dashboard waivers applied to scores and pages; adding, revoking and expiring them.

Which waivers count for a scan: those in force *now* for the repository's latest scan, and
those in force when it finished for an older one — history stays what it was, the current
picture follows waivers as they are made, revoked and expire. Raw CheckResult rows keep
the scanner's own verdict (including repo-config/in-code waivers); dashboard waivers are
applied on top whenever a score is computed (`store_report`, `rescore`) or a page shows one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from django.db import transaction
from django.utils import timezone

from dashboard.models import Repository, Scan, ScanState, Waiver, WaiverEvent, WaiverKind
from scanner import results as scanner_results
from scanner import scoring

log = logging.getLogger(__name__)

_WAIVABLE = (scanner_results.FAIL, scanner_results.WARN, scanner_results.UNKNOWN)


@cache
def known_checks() -> dict[str, str]:
    """Check id -> title, from the scanner's registry (ids are a public contract)."""
    from scanner.rules import rules_meta

    return {meta["id"]: meta["title"] for meta in rules_meta()}


def active_waivers_for(repository: Repository, at: datetime | None = None) -> list[Waiver]:
    """The repository's dashboard waivers in force at `at` (default now)."""
    return list(Waiver.objects.filter(repository=repository).in_force(at))


def waivers_for_scan(scan: Scan) -> list[Waiver]:
    """The waivers that count for `scan`: now for the latest scan, then for older ones."""
    latest_id = Repository.objects.filter(pk=scan.repository_id).values_list(
        "latest_scan_id", flat=True
    ).first()
    at = None if latest_id in (None, scan.pk) else (scan.finished_at or None)
    return active_waivers_for(scan.repository, at)


def applies(waiver: Waiver, status: str) -> bool:
    """A waiver makes a finding count as met; an attestation only answers `unknown`."""
    if waiver.kind == WaiverKind.ATTEST:
        return status == scanner_results.UNKNOWN
    return status in _WAIVABLE


def apply_to_results(
    results: Mapping[str, scanner_results.CheckResult], waivers: Iterable[Waiver]
) -> dict[str, scanner_results.CheckResult]:
    """Copies of `results` with the dashboard waivers applied (the inputs are not touched)."""
    applied = dict(results)
    for waiver in waivers:
        result = applied.get(waiver.check_id)
        if result is None or result.waived or not applies(waiver, result.status):
            continue
        applied[waiver.check_id] = replace(result, waived=True, waiver_reason=describe(waiver))
    return applied


def describe(waiver: Waiver) -> str:
    verb = "Attested" if waiver.kind == WaiverKind.ATTEST else "Waived"
    who = waiver.author_name or "someone"
    return f"{verb} by {who} until {waiver.expires_on.isoformat()}: {waiver.reason}"


def score_with_waivers(
    results: Mapping[str, scanner_results.CheckResult], waivers: Iterable[Waiver]
) -> dict[str, Any]:
    """The score (ServiceScore JSON) of `results` with `waivers` applied."""
    return scoring.score_service(apply_to_results(results, waivers)).to_json()


def results_from_report(report: Mapping[str, Any]) -> dict[str, scanner_results.CheckResult]:
    return {
        check["id"]: scanner_results.CheckResult(
            check["id"], check["status"], metric=check.get("metric"),
            waived=bool(check.get("waived")), waiver_reason=check.get("waiver_reason") or "",
        )
        for check in report.get("checks") or []
    }  # fmt: skip


def score_report(repository: Repository, report: Mapping[str, Any]) -> Mapping[str, Any]:
    """The report's score with the repository's active dashboard waivers applied.

    Returns the report itself when nothing changes (no waivers, or not scored).
    """
    if report.get("status") == "not_applicable":
        return report
    waivers = active_waivers_for(repository)
    if not waivers:
        return report
    return score_with_waivers(results_from_report(report), waivers)


# --- what pages show ---------------------------------------------------------------------


@dataclass(frozen=True)
class WaiverState:
    """How one check of a scan is waived, if at all, and by what."""

    waived: bool
    reason: str = ""
    source: str = ""  # "repository" (config/comment, from the scan) or "dashboard"
    waiver: Waiver | None = None


def effective_states(scan: Scan) -> dict[str, WaiverState]:
    """Check id -> WaiverState for every waived check of `scan` (others are absent)."""
    states: dict[str, WaiverState] = {}
    rows = scan.check_results.values_list("check_id", "status", "waived", "waiver_reason")
    statuses = {}
    for check_id, status, waived, reason in rows:
        statuses[check_id] = status
        if waived:
            states[check_id] = WaiverState(True, reason, "repository")
    for waiver in waivers_for_scan(scan):
        status = statuses.get(waiver.check_id)
        if status is not None and waiver.check_id not in states and applies(waiver, status):
            states[waiver.check_id] = WaiverState(True, describe(waiver), "dashboard", waiver)
    return states


# --- changes -------------------------------------------------------------------------------


def _name(user) -> str:
    return user.get_username() if user is not None else ""


def add_waiver(
    repository: Repository, *, check_id: str, kind: str, reason: str, expires_on: date, user
) -> Waiver:
    """Make a waiver (superseding a live one for the same check) and rescore the service."""
    now = timezone.now()
    with transaction.atomic():
        Repository.objects.select_for_update().filter(pk=repository.pk).first()
        for old in Waiver.objects.filter(
            repository=repository, check_id=check_id, revoked_at__isnull=True
        ):
            old.revoked_at, old.revoked_by_name = now, _name(user)
            old.save(update_fields=["revoked_at", "revoked_by_name"])
            _event(old, WaiverEvent.Action.SUPERSEDED, user, "replaced by a new waiver")
        waiver = Waiver.objects.create(
            repository=repository, check_id=check_id, kind=kind, reason=reason.strip(),
            expires_on=expires_on, author=user, author_name=_name(user), created_at=now,
        )  # fmt: skip
        _event(waiver, WaiverEvent.Action.CREATED, user, reason.strip())
        transaction.on_commit(lambda: rescore_latest(repository.pk))
    return waiver


def revoke_waiver(waiver: Waiver, user, note: str = "") -> bool:
    """Revoke a live waiver; False when it was already revoked (a double click)."""
    with transaction.atomic():
        changed = Waiver.objects.filter(pk=waiver.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by_name=_name(user)
        )
        if not changed:
            return False
        _event(waiver, WaiverEvent.Action.REVOKED, user, note)
        transaction.on_commit(lambda: rescore_latest(waiver.repository_id))
    return True


def expire_lapsed(now: datetime | None = None) -> int:
    """Record the expiry of waivers whose date has come and rescore their services.

    Pages and scores already ignore an expired waiver; this writes the history entry and
    brings the stored score of the latest scan up to date. Safe to run at any time.
    """
    now = now or timezone.now()
    today = now.astimezone(UTC).date()
    count = 0
    lapsed = Waiver.objects.filter(
        revoked_at__isnull=True, lapse_handled=False, expires_on__lte=today
    )
    for waiver in lapsed:
        with transaction.atomic():
            if not Waiver.objects.filter(pk=waiver.pk, lapse_handled=False).update(
                lapse_handled=True
            ):
                continue
            _event(waiver, WaiverEvent.Action.EXPIRED, None, f"expired on {waiver.expires_on}")
        rescore_latest(waiver.repository_id)
        count += 1
    return count


def _event(waiver: Waiver, action: str, user, note: str) -> None:
    WaiverEvent.objects.create(
        waiver=waiver, action=action, actor=user, actor_name=_name(user) or "system", note=note
    )


def rescore_latest(repository_id: int) -> bool:
    """Recompute the stored score of the repository's latest scan with today's waivers."""
    from dashboard.scans.rescore import rescore_scan

    scan = (
        Scan.objects.filter(
            pk=Repository.objects.filter(pk=repository_id).values("latest_scan_id")[:1],
            state=ScanState.SUCCEEDED,
        )
        .select_related("repository")
        .first()
    )
    return rescore_scan(scan) if scan is not None else False
