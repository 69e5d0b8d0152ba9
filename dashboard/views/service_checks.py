"""The check drill-down: one check of one service, from rule text to evidence lines.

Five queries whatever the number of scans, findings or services: the repository with its
latest result, the check result, one slice of its evidence, the check's history here, and
the other services failing it. A check can point at thousands of places, so the page shows
EVIDENCE_PAGE_SIZE of them: "Show more" asks for the next slice with `?offset=`, which htmx
appends in place (only the slice is rendered) and which, without JavaScript, is a page of
its own with links back and on.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.vary import vary_on_headers

from dashboard.models import Repository, Scan, ScanState
from dashboard.queries import service_checks as queries
from dashboard.queries.service import get_repository
from dashboard.queries.service_checklists import rule_catalogue

TEMPLATE = "service/check.html"
EVIDENCE_PAGE_SIZE = 50
# The element "Show more" replaces with the next slice (and the next "Show more").
MORE_TARGET = "evidence-more"


@login_required
@vary_on_headers("HX-Request")
def check_detail(request, name: str, check_id: str):
    """The drill-down page; for htmx's "Show more", only the next slice of evidence."""
    rule = rule_catalogue().get(check_id.upper())
    if rule is None:
        raise Http404(f"No check called {check_id}")
    repository = get_repository(name)
    result_scan = _scored(repository.latest_scan)
    result = queries.check_result(result_scan.pk if result_scan else None, rule["id"])
    page = queries.evidence_page(result, _offset(request.GET), EVIDENCE_PAGE_SIZE)
    context = {
        "repo": repository,
        "rule": rule,
        "result_scan": result_scan,
        "result": result,
        "page": page,
        "evidence": _with_line_links(repository, result_scan, page.items),
        "shown_from": page.offset,  # the offset of the first place on screen
        "nav_section": "leaderboard",
    }
    if request.htmx and request.htmx.target == MORE_TARGET:
        # Appended below what is on screen, which starts where "Show more" was first pressed.
        context["shown_from"] = min(_offset(request.GET, "from"), page.offset)
        context["appending"] = True
        return render(request, f"{TEMPLATE}#evidence-slice", context)
    history = queries.check_history(repository.pk, rule["id"])
    others, more_others = queries.other_services_failing(rule["id"], repository.pk)
    context.update(
        history=history,
        streak=queries.current_streak(history),
        others=others,
        more_others=more_others,
    )
    return render(request, TEMPLATE, context)


def _scored(scan: Scan | None) -> Scan | None:
    """The latest scan if it has results to drill into."""
    return scan if scan is not None and scan.state == ScanState.SUCCEEDED else None


def _offset(params: Mapping[str, str], key: str = "offset") -> int:
    """A non-negative whole number from the query string; anything else counts as 0."""
    value = params.get(key, "")
    return int(value) if value.isascii() and value.isdigit() else 0


def _with_line_links(repository: Repository, scan: Scan | None, items: list) -> list[tuple]:
    """(evidence, link to the line at the scanned commit or None) pairs."""
    return [
        (item, repository.line_url(scan.commit_sha, item.path, item.line) if item.path else None)
        for item in items
    ]
