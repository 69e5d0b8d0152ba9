"""The check drill-down: one check of one service, from rule text to evidence lines.

Five queries whatever the number of scans, findings or services: the repository with its
latest result, the check result, its evidence, the check's history here, and the other
services failing it.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from dashboard.models import ScanState
from dashboard.queries import service_checks as queries
from dashboard.queries.service import get_repository
from dashboard.queries.service_checklists import rule_catalogue


@login_required
def check_detail(request, name: str, check_id: str):
    rule = rule_catalogue().get(check_id.upper())
    if rule is None:
        raise Http404(f"No check called {check_id}")
    repository = get_repository(name)
    result_scan = repository.latest_scan
    scored = result_scan is not None and result_scan.state == ScanState.SUCCEEDED
    result = queries.check_result(result_scan.pk if scored else None, rule["id"])
    history = queries.check_history(repository.pk, rule["id"])
    others, more_others = queries.other_services_failing(rule["id"], repository.pk)
    context = {
        "repo": repository,
        "rule": rule,
        "result_scan": result_scan if scored else None,
        "result": result,
        "evidence": _evidence_rows(repository, result_scan, result),
        "history": history,
        "streak": queries.current_streak(history),
        "others": others,
        "more_others": more_others,
        "nav_section": "leaderboard",
    }
    return render(request, "service/check.html", context)


def _evidence_rows(repository, scan, result) -> list[tuple]:
    """(evidence, link to the line at the scanned commit or None) pairs."""
    if result is None:
        return []
    return [
        (item, repository.line_url(scan.commit_sha, item.path, item.line) if item.path else None)
        for item in queries.evidence(result.pk)
    ]
