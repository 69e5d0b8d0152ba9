"""The Celery app: configuration from Django settings (CELERY_*), tasks, beat schedule."""

from __future__ import annotations

import os
from pathlib import Path

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

app = Celery("dashboard")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Our tasks live in dashboard/scans/tasks.py, not in an app-level tasks.py.
app.autodiscover_tasks(["dashboard.scans"])

REAP_EVERY_SECONDS = 60.0
READY_FILE_ENV = "READYBOARD_WORKER_READY_FILE"

app.conf.beat_schedule = {
    "reap-stale-scans": {
        "task": "dashboard.scans.tasks.reap_stale_scans",
        "schedule": REAP_EVERY_SECONDS,
        # A reaper run that waited longer than its period is pointless: the next one comes.
        "options": {"expires": REAP_EVERY_SECONDS},
    },
}


@worker_ready.connect
def _announce_ready(**_kwargs) -> None:
    # `runembedded` prints its banner once the worker is really up (see READY_FILE_ENV).
    path = os.environ.get(READY_FILE_ENV)
    if path:
        Path(path).touch()
