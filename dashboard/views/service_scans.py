"""The "Scan now" button and its live progress: a POST that queues, a partial that polls.

The progress partial polls its own URL every 2 seconds; once the scan is final the view
answers with status 286, which tells htmx to stop polling, and shows the outcome.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HTMX_STOP_POLLING

from dashboard.models import Repository, Scan, ScanState, Trigger
from dashboard.scans import errors, pipeline

# The steps a person sees, in order; "done" stands for any final state.
STEPS = (
    (ScanState.QUEUED, "Queued"),
    (ScanState.CLONING, "Fetching the code"),
    (ScanState.SCANNING, "Scanning"),
    (ScanState.SAVING, "Saving results"),
    ("done", "Done"),
)
_STEP_INDEX = {state: index for index, (state, _) in enumerate(STEPS)}


def can_scan(user) -> bool:
    """Who may press "Scan now": staff, or anyone granted the add-scan permission."""
    return user.is_authenticated and (user.is_staff or user.has_perm("dashboard.add_scan"))


@login_required
@require_POST
def scan_now(request, name: str):
    """Queue a manual scan (or join the one in flight) and show its progress."""
    if not can_scan(request.user):
        raise PermissionDenied("You may not start scans.")
    repository = get_object_or_404(Repository, name=name)
    scan = pipeline.request_scan(repository, Trigger.MANUAL)
    if not request.htmx:
        return redirect("service", name=repository.name)
    scan.refresh_from_db()  # an eager worker may already have finished it
    return _progress_response(request, repository, scan)


@login_required
@vary_on_headers("HX-Request")
def scan_progress(request, name: str, scan_id: int):
    """Where a scan is; the partial for htmx (286 once final), a small page otherwise."""
    scan = get_object_or_404(
        Scan.objects.select_related("repository").defer(
            "endpoints", "files", "timings", "score_json", "app_roots"
        ),
        pk=scan_id,
        repository__name=name,
    )
    return _progress_response(request, scan.repository, scan)


def _progress_response(request, repository: Repository, scan: Scan):
    context = progress_context(repository, scan)
    template = "service/progress.html#progress" if request.htmx else "service/progress.html"
    response = render(request, template, context)
    if request.htmx and scan.is_final:
        response.status_code = HTMX_STOP_POLLING
    return response


def progress_context(repository: Repository, scan: Scan) -> dict:
    current = _STEP_INDEX["done" if scan.is_final else scan.state]
    steps = [
        {"label": label, "done": index < current or scan.is_final, "current": index == current}
        for index, (_, label) in enumerate(STEPS)
    ]
    return {
        "repo": repository,
        "scan": scan,
        "steps": steps,
        "error": errors.describe(scan.error_code) if scan.state == ScanState.FAILED else None,
    }
