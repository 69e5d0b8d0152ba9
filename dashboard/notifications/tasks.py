"""Celery tasks of notifications: thin wrappers over `dashboard.notifications.service`."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import task_postrun

from dashboard.models import ScanState
from dashboard.notifications import service

log = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=None)
def deliver(self, delivery_id: int) -> str:
    """Send one delivery; retried with exponential backoff until it gets through or gives up.

    The attempt limit is the service's (READYBOARD_DELIVERY_MAX_ATTEMPTS), so max_retries
    here is unbounded.
    """
    outcome = service.attempt_delivery(delivery_id)
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.state


@shared_task(ignore_result=True, acks_late=False)
def scan_stored(scan_id: int) -> int:
    """Create (and queue) the alerts a newly stored scan calls for; how many."""
    return len(service.scan_stored(scan_id))


@shared_task(ignore_result=True, acks_late=False)
def weekly_digest() -> int:
    """This week's fleet digest (beat, weekly); a second run in the same week sends nothing."""
    return len(service.send_digest())


@task_postrun.connect
def _after_scan(task=None, args=None, retval=None, **_extra) -> None:
    # A scan task that ended in "succeeded" stored a new result: compare it with the last.
    if task is None or task.name != "dashboard.scans.tasks.scan_repository":
        return
    if retval != ScanState.SUCCEEDED or not args:
        return
    try:
        service.scan_stored(args[0])
    except Exception:
        log.exception("scan %s: notifications not evaluated", args[0])
