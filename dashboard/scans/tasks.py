"""Celery tasks: thin wrappers over `dashboard.scans.pipeline` (the logic lives there)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from dashboard.scans import pipeline


@shared_task(
    acks_late=True,  # a worker that dies mid-scan leaves the message for redelivery...
    reject_on_worker_lost=True,  # ...and a killed child process does not ack it either
    soft_time_limit=settings.READYBOARD_SCAN_TIMEOUT,
    time_limit=settings.READYBOARD_SCAN_TIMEOUT + 60,
    # Only a database hiccup is worth retrying; git and scanner failures are stored results.
    autoretry_for=pipeline.TRANSIENT_DB_ERRORS,
    retry_backoff=5,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=3,
    ignore_result=True,
)
def scan_repository(scan_id: int) -> str | None:
    """Run queued scan `scan_id`; its final state, or None if it was not queued any more."""
    scan = pipeline.run_scan(scan_id)
    return scan.state if scan else None


@shared_task(ignore_result=True, acks_late=False)
def reap_stale_scans() -> dict[str, int]:
    """Settle scans whose worker died or that no worker picked up (beat, every minute)."""
    return pipeline.reap_stale_scans()
