"""`manage.py scan NAME`: one scan in the foreground, no broker needed."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dashboard.models import Repository, Scan, ScanState, Trigger
from dashboard.notifications import service as notifications
from dashboard.scans import pipeline
from dashboard.scans.errors import describe

POLL_SECONDS = 1.0


class Command(BaseCommand):
    help = "Scan one registered repository now, in this process, and print the result."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="The repository's name, e.g. billing-api.")
        parser.add_argument("--trigger", choices=Trigger.values, default=Trigger.MANUAL)

    def handle(self, *args, name: str, trigger: str, **options) -> None:
        try:
            repository = Repository.objects.get(name=name)
        except Repository.DoesNotExist:
            raise CommandError(f"No repository named {name!r}.") from None
        scan = pipeline.request_scan(repository, trigger, enqueue=False)
        # A scan another worker already claimed is awaited instead of run twice.
        finished = pipeline.run_scan(scan.pk) or self._wait(scan.pk)
        self.stdout.write(summary_line(repository.name, finished))
        if finished.state == ScanState.SUCCEEDED:
            self._evaluate_alerts(finished)
        if finished.state == ScanState.FAILED:
            raise CommandError("scan failed", returncode=1)

    def _evaluate_alerts(self, scan: Scan) -> None:
        """The same alerts a worker's scan would raise (the worker does it in a task hook)."""
        try:
            alerts = notifications.scan_stored(scan.pk)
        except Exception as exc:  # the scan is stored; a broken alert must not undo that
            self.stderr.write(f"alerts were not evaluated: {type(exc).__name__}: {exc}")
            return
        if alerts:
            names = ", ".join(delivery.target.name for delivery in alerts)
            self.stdout.write(f"alerts queued for: {names}")

    def _wait(self, scan_id: int) -> Scan:
        self.stderr.write(f"scan #{scan_id} is already running elsewhere; waiting for it")
        deadline = time.monotonic() + settings.CELERY_TASK_TIME_LIMIT
        scan = Scan.objects.get(pk=scan_id)
        while not scan.is_final and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            scan.refresh_from_db()
        if not scan.is_final:
            raise CommandError(f"scan #{scan_id} is still {scan.state}; gave up waiting")
        return scan


def summary_line(name: str, scan: Scan) -> str:
    """e.g. `billing-api: succeeded  commit 3f2a9c1  overall 72.5 (solid)`."""
    parts = [f"{name}: {scan.state}"]
    if scan.commit_sha:
        parts.append(f"commit {scan.commit_sha[:7]}")
    if scan.state == ScanState.FAILED:
        parts.append(f"{scan.error_code} ({describe(scan.error_code).title}): {scan.error_message}")
    elif scan.overall is not None:
        parts.append(f"overall {scan.overall:.1f} ({scan.band or 'no band'})")
    elif scan.state == ScanState.NOT_APPLICABLE:
        parts.append("no FastAPI app found: not scored")
    if scan.reused_from_id:
        parts.append(f"reused from scan #{scan.reused_from_id}")
    return "  ".join(parts)
