"""Celery tasks of the weekly schedule (beat calls `tick`); the logic is in `service`."""

from __future__ import annotations

from celery import shared_task

from dashboard.schedules import service


@shared_task(ignore_result=True, acks_late=False)
def tick() -> dict[str, int]:
    """Queue the scheduled scans that are due; safe to run twice or from two beats."""
    return service.tick()
