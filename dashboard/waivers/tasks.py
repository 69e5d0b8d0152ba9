"""Celery tasks of the waivers: thin wrappers around the service functions."""

from celery import shared_task

from . import service


@shared_task(ignore_result=True, acks_late=False)
def expire_lapsed_waivers() -> int:
    """Record the expiry of waivers past their date and rescore the affected services."""
    return service.expire_lapsed()
