"""Why did the score change: two scans of one service side by side.

Reads: the scan history (for the pickers), the two scans, their check results and their
evidence — five queries with the session. The commits between the scans come from git,
loaded lazily (htmx, or `?commits=1` without JavaScript) so a slow remote never holds up
the page.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.vary import vary_on_headers

from dashboard.models import Repository, Scan, ScanState
from dashboard.queries import service as service_queries
from dashboard.queries import service_compare as queries
from dashboard.queries.service_checklists import rule_catalogue
from dashboard.scans.diff import attribute_score_delta, diff_evidence

FINDINGS_SHOWN = 200


@login_required
@vary_on_headers("HX-Request")
def compare(request, name: str):
    repository = service_queries.get_repository(name)
    history = service_queries.scan_history(repository.pk)
    scored = [row for row in history if row.has_result]
    pair = _requested_pair(request, scored)
    context = {
        "repo": repository,
        "choices": scored,
        "nav_section": "leaderboard",
        "pair": pair,
    }
    if pair is None:
        context["problem"] = _missing_pair_text(request, scored)
        return render(request, "service/compare.html", context)
    try:
        before, after = queries.comparable_scans(repository, *pair)
    except Scan.DoesNotExist:
        context["problem"] = "Those two scans are not both scans of this service."
        return render(request, "service/compare.html", context, status=404)
    context.update(before=before, after=after)
    if request.htmx and request.htmx.target == "compare-commits":
        return _commits_partial(request, repository, before, after, context)
    if not (_has_result(before) and _has_result(after)):
        context["problem"] = "Only scans that produced a score can be compared."
        return render(request, "service/compare.html", context)
    context.update(comparison_context(before, after))
    if request.GET.get("commits") == "1":
        context["commit_log"] = queries.commits_between(
            repository, before.commit_sha, after.commit_sha
        )
    return render(request, "service/compare.html", context)


def _commits_partial(request, repository: Repository, before: Scan, after: Scan, context):
    context["commit_log"] = queries.commits_between(repository, before.commit_sha, after.commit_sha)
    return render(request, "service/compare.html#commits", context)


def _requested_pair(request, scored: list[service_queries.ScanRow]) -> tuple[int, int] | None:
    """The (from, to) scan ids asked for, or by default the latest result and the one before."""
    try:
        return int(request.GET["from"]), int(request.GET["to"])
    except (KeyError, ValueError):
        pass
    if "from" in request.GET or "to" in request.GET or len(scored) < 2:
        return None
    return scored[1].id, scored[0].id


def _missing_pair_text(request, scored) -> str:
    if "from" in request.GET or "to" in request.GET:
        return "Choose two scans to compare."
    return "There is nothing to compare yet: comparing needs two scored scans."


def _has_result(scan: Scan) -> bool:
    return scan.state == ScanState.SUCCEEDED and scan.overall is not None


def comparison_context(before: Scan, after: Scan) -> dict:
    """Score delta by dimension with its flips, and the findings diff (2 queries)."""
    states = queries.check_states([before.pk, after.pk])
    delta = attribute_score_delta(states[before.pk], states[after.pk])
    rules = rule_catalogue()
    found = queries.findings([before.pk, after.pk])
    findings = diff_evidence(found[before.pk], found[after.pk])
    stored_before = (before.score_json or {}).get("dimensions") or {}
    stored_after = (after.score_json or {}).get("dimensions") or {}
    return {
        "overall_change": _change(before.overall, after.overall),
        "dimensions": [
            {
                "name": d.name,
                "weight": d.weight,
                "before": (stored_before.get(d.name) or {}).get("score"),
                "after": (stored_after.get(d.name) or {}).get("score"),
                "change": _change(
                    (stored_before.get(d.name) or {}).get("score"),
                    (stored_after.get(d.name) or {}).get("score"),
                ),
                "contributions": [
                    (check_id, _title(rules, check_id), points)
                    for check_id, points in d.contributions.items()
                ],
            }
            for d in delta.dimensions
        ],
        "flips": [(flip, _title(rules, flip.check_id)) for flip in delta.flips],
        **_unchanged(states[before.pk], states[after.pk]),
        "appeared": findings.appeared[:FINDINGS_SHOWN],
        "went_away": findings.went_away[:FINDINGS_SHOWN],
        "persisting": findings.persisting[:FINDINGS_SHOWN],
        "counts": {
            "appeared": len(findings.appeared),
            "went_away": len(findings.went_away),
            "persisting": len(findings.persisting),
            "moved": sum(p.moved for p in findings.persisting),
        },
        "findings_shown": FINDINGS_SHOWN,
        "pruned": before.evidence_pruned or after.evidence_pruned,
    }


def _unchanged(before: dict, after: dict) -> dict:
    """Checks with the same verdict in both scans, and which of them still fail."""
    same = [i for i in after if i in before and before[i].effective == after[i].effective]
    return {
        "unchanged_count": len(same),
        "still_failing": sorted(i for i in same if after[i].effective == "fail"),
    }


def _change(old: float | None, new: float | None) -> float | None:
    return None if old is None or new is None else new - old


def _title(rules: dict, check_id: str) -> str:
    return (rules.get(check_id) or {}).get("title", "A check this rules version does not have")
