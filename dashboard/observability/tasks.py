"""Celery signal handlers: every log line of a task carries its task id (and scan id)."""

from __future__ import annotations

from celery.signals import task_postrun, task_prerun

from dashboard.observability import context

SCAN_TASKS = {"dashboard.scans.tasks.scan_repository"}


@task_prerun.connect
def _enter_task(task_id=None, task=None, args=None, kwargs=None, **_extra) -> None:
    context.task_id.set(task_id or "")
    scan = None
    if task is not None and task.name in SCAN_TASKS:
        scan = (args or [None])[0] if args else (kwargs or {}).get("scan_id")
    context.scan_id.set(scan)


@task_postrun.connect
def _leave_task(**_extra) -> None:
    context.task_id.set("")
    context.scan_id.set(None)
