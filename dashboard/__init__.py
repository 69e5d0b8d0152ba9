"""Readyboard's Django project and its single app (label `dashboard`)."""

from .celery import app as celery_app

__all__ = ("celery_app",)
