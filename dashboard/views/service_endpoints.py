"""The endpoint inventory of one service: what each route takes and returns, its auth and
tests; filterable to unauthenticated, untested and response-model-less routes."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.vary import vary_on_headers

from dashboard.models import ScanState
from dashboard.queries import service_endpoints as inventory
from dashboard.queries.service import get_repository


@login_required
@vary_on_headers("HX-Request")
def endpoints(request, name: str):
    """Every route of the latest result; with htmx, just the filtered table (1 query)."""
    repository = get_repository(name, with_raw_facts=True)
    result = repository.latest_scan
    scored = result is not None and result.state == ScanState.SUCCEEDED
    all_routes = inventory.routes(result.endpoints) if scored else []
    wanted = [f for f in inventory.FILTERS if request.GET.get(f) == "1"]
    context = {
        "repo": repository,
        "result": result,
        "scored": scored,
        "routes": [
            (route, _line_link(repository, result, route))
            for route in inventory.filtered(all_routes, wanted)
        ],
        "summary": inventory.summary(all_routes),
        "filters": [(key, label, key in wanted) for key, label in inventory.FILTERS.items()],
        "wanted": wanted,
        "nav_section": "leaderboard",
    }
    template = "service/endpoints.html#routes" if request.htmx else "service/endpoints.html"
    return render(request, template, context)


def _line_link(repository, result, route: inventory.Route) -> str | None:
    # Paths in a report are relative to the repository root, as the web UI wants them.
    return repository.line_url(result.commit_sha, route.file, route.line) if route.file else None
