"""The service page: header, trends, dimension cards, checklists, scan history, Scan now.

Six queries whatever the number of scans: the repository with its latest result, the
capped scan history, the trend's dimension scores, the latest check results (plus the
session and user, and a permission lookup for non-staff users).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.vary import vary_on_headers

from dashboard.charts import allows_chart_styles
from dashboard.models import Repository, ScanState
from dashboard.queries import service as queries
from dashboard.queries.service_checklists import (
    build_checklists,
    dimension_cards,
    group_rates,
    health_signals,
)
from dashboard.views import service_trends
from dashboard.views.service_scans import can_scan, progress_context

HISTORY_SHOWN = 20


@login_required
@vary_on_headers("HX-Request")
@allows_chart_styles
def service_page(request, name: str):
    """One service; with htmx and `?history=all`, just the scan-history partial."""
    repository = queries.get_repository(name)
    history = queries.scan_history(repository.pk)
    context = {
        "repo": repository,
        "nav_section": "leaderboard",
        **history_context(request, repository, history),
    }
    if request.htmx and request.htmx.target == "scan-history":
        return render(request, "service/page.html#history", context)
    context.update(result_context(repository))
    context.update(state_context(repository, history))
    context.update(service_trends.trend_context(queries.score_trend(history)))
    context["can_scan"] = can_scan(request.user)
    return render(request, "service/page.html", context)


def history_context(request, repository: Repository, history: list[queries.ScanRow]) -> dict:
    show_all = request.GET.get("history") == "all"
    scored = [row for row in history if row.has_result]
    return {
        "history": history if show_all else history[:HISTORY_SHOWN],
        "history_total": len(history),
        "history_capped": len(history) >= queries.HISTORY_LIMIT,
        "history_all": show_all or len(history) <= HISTORY_SHOWN,
        "compare_choices": scored,
        "compare_from": scored[1].id if len(scored) > 1 else None,
        "compare_to": scored[0].id if scored else None,
    }


def result_context(repository: Repository) -> dict:
    """The latest stored result: dimension cards, health, checklists (1 query)."""
    result = repository.latest_scan
    if result is None or result.state != ScanState.SUCCEEDED:
        return {"result": result, "checklists": [], "dimensions": []}
    results = queries.check_results(result.pk)
    return {
        "result": result,
        "dimensions": dimension_cards(result.score_json, results),
        "groups": group_rates(result.score_json),
        "health": health_signals(result.score_json),
        "checklists": build_checklists(
            results, lambda check_id: reverse("service-check", args=[repository.name, check_id])
        ),
    }


def state_context(repository: Repository, history: list[queries.ScanRow]) -> dict:
    """The newest scan: in flight (progress), failed (why) or fine."""
    last = history[0] if history else None
    context = {"last": last, "active": None, "last_failure": None}
    if last is None:
        return context
    if last.is_active:
        # The progress partial wants a scan-like object; the row has the fields it reads.
        context["active"] = progress_context(repository, last)
    elif last.state == ScanState.FAILED:
        context["last_failure"] = last
    return context
