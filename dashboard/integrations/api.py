"""The read API (JSON, token auth, page-number pagination) plus "scan now" / "scan all".

Hand-written on purpose: eight small read-only endpoints over models we already shape by
hand for the pages; django-ninja or DRF would add a dependency, a second auth stack and
a schema layer for little gain at this size.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse

from dashboard.integrations import serializers
from dashboard.integrations.auth import api_view, error
from dashboard.models import CheckResult, Evidence, Repository, Scan, Trigger
from dashboard.notifications.changes import rule_titles_and_priorities
from dashboard.scans.pipeline import request_scan
from dashboard.schedules.service import scan_all


class BadPage(ValueError):
    pass


def _positive(raw: str | None, default: int, name: str) -> int:
    if raw in (None, ""):
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise BadPage(f"{name} must be a positive integer")
    return int(raw)


def has_tag(tag: str) -> Q:
    # JSON containment is PostgreSQL-only; on SQLite match the quoted element in the text.
    if connection.vendor == "postgresql":
        return Q(tags__contains=[tag])
    return Q(tags__icontains=f'"{tag}"')


def paginate(request: HttpRequest, queryset: QuerySet, render) -> JsonResponse:
    """`{"count", "page", "page_size", "next", "previous", "results"}` for one page."""
    try:
        page = _positive(request.GET.get("page"), 1, "page")
        size = _positive(
            request.GET.get("page_size"), settings.READYBOARD_API_PAGE_SIZE, "page_size"
        )
    except BadPage as exc:
        return error(400, str(exc))
    size = min(size, settings.READYBOARD_API_MAX_PAGE_SIZE)
    count = queryset.count()
    start = (page - 1) * size
    rows = list(queryset[start : start + size])

    def link(number: int) -> str:
        params = request.GET.copy()
        params["page"] = str(number)
        return f"{request.path}?{params.urlencode()}"

    return JsonResponse(
        {
            "count": count,
            "page": page,
            "page_size": size,
            "next": link(page + 1) if start + size < count else None,
            "previous": link(page - 1) if page > 1 and start - size < count else None,
            "results": render(rows),
        }
    )


@api_view()
def repositories(request: HttpRequest) -> JsonResponse:
    """Active services (`?team=<slug>`, `?tag=`, `?all=1` includes inactive ones)."""
    rows = Repository.objects.select_related("team", "latest_scan").order_by("name")
    if request.GET.get("all") != "1":
        rows = rows.filter(active=True)
    if request.GET.get("team"):
        rows = rows.filter(team__slug=request.GET["team"])
    if request.GET.get("tag"):
        rows = rows.filter(has_tag(request.GET["tag"]))
    return paginate(request, rows, lambda page: [serializers.repository(r) for r in page])


@api_view()
def repository(request: HttpRequest, name: str) -> JsonResponse:
    repo = get_object_or_404(Repository.objects.select_related("team", "latest_scan"), name=name)
    return JsonResponse(serializers.repository(repo))


@api_view()
def repository_scans(request: HttpRequest, name: str) -> JsonResponse:
    """A service's scans, newest first (`?state=succeeded`)."""
    repo = get_object_or_404(Repository, name=name)
    rows = Scan.objects.filter(repository=repo).select_related("repository")
    if request.GET.get("state"):
        rows = rows.filter(state=request.GET["state"])
    rows = rows.defer("endpoints", "files", "score_json", "app_roots", "timings")
    return paginate(
        request, rows.order_by("-queued_at", "-pk"), lambda p: [serializers.scan(s) for s in p]
    )


@api_view()
def scan(request: HttpRequest, scan_id: int) -> JsonResponse:
    row = get_object_or_404(Scan.objects.select_related("repository"), pk=scan_id)
    return JsonResponse(serializers.scan(row, list(row.dimension_scores.order_by("dimension"))))


@api_view()
def scan_checks(request: HttpRequest, scan_id: int) -> JsonResponse:
    """A scan's check results with evidence (`?status=fail`, `?check=SEC-001`)."""
    row = get_object_or_404(Scan.objects.select_related("repository"), pk=scan_id)
    results = CheckResult.objects.filter(scan=row).order_by("check_id")
    if request.GET.get("status"):
        results = results.filter(status=request.GET["status"])
    if request.GET.get("check"):
        results = results.filter(check_id=request.GET["check"])
    results = results.prefetch_related(
        Prefetch("evidence", queryset=Evidence.objects.order_by("path", "line", "pk"))
    )
    meta = {k: {"title": t, "priority": p} for k, (t, p) in rule_titles_and_priorities().items()}
    return paginate(
        request,
        results,
        lambda page: [
            serializers.check_result(r, meta, row.repository, row.commit_sha) for r in page
        ],
    )


@api_view(methods=("POST",), permission="dashboard.add_scan")
def scan_now(request: HttpRequest, name: str) -> JsonResponse:
    """Queue a scan of one service (the one in flight is returned instead of a second)."""
    repo = get_object_or_404(Repository, name=name, active=True)
    queued = request_scan(repo, Trigger.API)
    return JsonResponse(_queued(queued), status=202)


@api_view(methods=("POST",), permission="dashboard.add_scan")
def scan_everything(request: HttpRequest) -> JsonResponse:
    """Queue a scan of every active service."""
    queued = scan_all(Trigger.API)
    return JsonResponse({"count": len(queued), "scans": [_queued(s) for s in queued]}, status=202)


def _queued(row: Scan) -> dict:
    return {
        "id": row.pk,
        "repository": row.repository.name,
        "state": row.state,
        "url": reverse("api-scan", args=[row.pk]),
    }
