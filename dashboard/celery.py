"""The Celery app: configuration from Django settings (CELERY_*), tasks, beat schedule."""

from __future__ import annotations

import os
from pathlib import Path

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

app = Celery("dashboard")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Our tasks live in dashboard/scans/tasks.py, not in an app-level tasks.py.
app.autodiscover_tasks(
    ["dashboard.scans", "dashboard.schedules", "dashboard.notifications", "dashboard.waivers"]
)
# Log lines of a task carry its task id and scan id (signal handlers).
app.autodiscover_tasks(["dashboard.observability"])

REAP_EVERY_SECONDS = 60.0
READY_FILE_ENV = "READYBOARD_WORKER_READY_FILE"

app.conf.beat_schedule = {
    "reap-stale-scans": {
        "task": "dashboard.scans.tasks.reap_stale_scans",
        "schedule": REAP_EVERY_SECONDS,
        # A reaper run that waited longer than its period is pointless: the next one comes.
        "options": {"expires": REAP_EVERY_SECONDS},
    },
    "expire-lapsed-waivers": {
        "task": "dashboard.waivers.tasks.expire_lapsed_waivers",
        "schedule": 3600.0,  # waivers expire by date: hourly is prompt enough
        "options": {"expires": 3600.0},
    },
}


def _schedule_entries() -> dict:
    """Weekly scans and the fleet digest (the slots themselves are in the database)."""
    from django.conf import settings

    tick = float(settings.READYBOARD_SCHEDULE_TICK_SECONDS)
    hour, minute = settings.READYBOARD_DIGEST_TIME.split(":")
    return {
        "schedule-tick": {
            "task": "dashboard.schedules.tasks.tick",
            "schedule": tick,
            # Idempotent anyway (compare-and-set claims); a stale tick is just skipped.
            "options": {"expires": tick},
        },
        "weekly-digest": {
            "task": "dashboard.notifications.tasks.weekly_digest",
            # crontab counts Sunday as 0; our settings count Monday as 0 (like datetime).
            "schedule": crontab(
                minute=int(minute),
                hour=int(hour),
                day_of_week=(settings.READYBOARD_DIGEST_WEEKDAY + 1) % 7,
            ),
        },
    }


app.conf.beat_schedule.update(_schedule_entries())


@worker_ready.connect
def _announce_ready(**_kwargs) -> None:
    # `runembedded` prints its banner once the worker is really up (see READY_FILE_ENV).
    path = os.environ.get(READY_FILE_ENV)
    if path:
        Path(path).touch()
