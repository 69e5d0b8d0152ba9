"""Weekly scan scheduling: idempotent under duplicate beats, one catch-up scan after downtime.

Every repository carries `next_scan_at`, the slot it is due next. Beat calls `tick()` every
few minutes; a due repository is *claimed* by moving `next_scan_at` to its next future slot
with a compare-and-set on the old value, and only the caller whose update changed the row
requests the scan. So a beat firing twice, or two beat processes, queue one scan; and a
repository whose slot passed while everything was down gets one scan, not one per missed
week, because the claim jumps straight past `now`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from dashboard.models import Repository, Scan, Trigger
from dashboard.scans.pipeline import request_scan

log = logging.getLogger(__name__)

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Slot:
    """A weekly time: weekday 0 (Monday)..6 at `at`, UTC."""

    weekday: int
    at: time

    def next_after(self, moment: datetime) -> datetime:
        """The first occurrence of this slot strictly after `moment`."""
        moment = moment.astimezone(UTC)
        days = (self.weekday - moment.weekday()) % 7
        candidate = datetime.combine(moment.date() + timedelta(days=days), self.at, UTC)
        return candidate if candidate > moment else candidate + WEEK

    def matches(self, moment: datetime) -> bool:
        moment = moment.astimezone(UTC)
        return moment.weekday() == self.weekday and moment.time() == self.at


def default_slot() -> Slot:
    hours, minutes = settings.READYBOARD_SCHEDULE_TIME.split(":")
    return Slot(settings.READYBOARD_SCHEDULE_WEEKDAY, time(int(hours), int(minutes)))


def slot_of(repo: Repository) -> Slot:
    """The repository's own day/time where set, the fleet default for the rest."""
    default = default_slot()
    weekday = default.weekday if repo.schedule_weekday is None else repo.schedule_weekday
    at = default.at if repo.schedule_time is None else repo.schedule_time.replace(tzinfo=None)
    return Slot(weekday, at.replace(second=0, microsecond=0))


def _move(repo: Repository, new_next: datetime | None) -> bool:
    """Compare-and-set `next_scan_at` from the value we read; True when this call won."""
    won = Repository.objects.filter(pk=repo.pk, next_scan_at=repo.next_scan_at).update(
        next_scan_at=new_next
    )
    if won:
        repo.next_scan_at = new_next
    return won == 1


def claim_and_request(repo: Repository, now: datetime) -> Scan | None:
    """Queue the scheduled scan of a due repository unless someone else claimed it first."""
    if not _move(repo, slot_of(repo).next_after(now)):
        return None
    scan = request_scan(repo, Trigger.SCHEDULED)
    log.info("scheduled scan %s of %s; next slot %s", scan.pk, repo.name, repo.next_scan_at)
    return scan


def tick(now: datetime | None = None) -> dict[str, int]:
    """One beat: plan unplanned repositories, queue the due ones; counts of what was done.

    Paused repositories lose their slot (so resuming does not fire a stale one); a slot
    that no longer matches the repository's schedule is re-planned.
    """
    now = now or timezone.now()
    done = {"queued": 0, "planned": 0, "paused": 0}
    fields = (
        "pk",
        "name",
        "next_scan_at",
        "schedule_paused",
        "schedule_weekday",
        "schedule_time",
        "branch",
        "updated_at",
    )
    for repo in Repository.objects.filter(active=True).only(*fields).order_by("pk"):
        outcome = _step(repo, now)
        if outcome:
            done[outcome] += 1
    return done


def _step(repo: Repository, now: datetime) -> str | None:
    """What this beat did to one repository ("queued", "planned", "paused") or None."""
    if repo.schedule_paused:
        return "paused" if repo.next_scan_at is not None and _move(repo, None) else None
    slot = slot_of(repo)
    if repo.next_scan_at is None or (
        repo.next_scan_at > now and not slot.matches(repo.next_scan_at)
    ):
        return "planned" if _move(repo, slot.next_after(now)) else None
    if repo.next_scan_at <= now:
        return "queued" if claim_and_request(repo, now) is not None else None
    return None


def scan_all(trigger: str = Trigger.MANUAL) -> list[Scan]:
    """ "Scan all": one scan per active repository (those in flight are reused, not doubled)."""
    return [request_scan(repo, trigger) for repo in Repository.objects.filter(active=True)]
