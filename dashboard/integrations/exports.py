"""Downloads: the leaderboard as CSV, one scan as SARIF 2.1.0."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from itertools import islice

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404

from dashboard.integrations.auth import api_view
from dashboard.models import CheckResult, Evidence, Scan, ScanState
from dashboard.queries.fleet import LeaderboardFilters, leaderboard_queryset, leaderboard_rows
from scanner.report.sarif import render_sarif
from scanner.scoring import DIMENSION_NAMES

CSV_BATCH = 500
CSV_HEADER = [
    "service",
    "team",
    "tags",
    "overall",
    "band",
    "delta_prev",
    "delta_4_weeks",
    *(f"level_{name}" for name in DIMENSION_NAMES),
    "scanned_at",
    "commit",
    "newest_state",
]
# A cell starting with one of these is a formula to a spreadsheet: neutralise it.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    def write(self, value: str) -> str:
        return value


def text_cell(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_START) else value


@api_view()
def leaderboard_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The leaderboard with the page's filters and sort (`?team=&band=&tag=&q=&sort=`)."""
    filters = LeaderboardFilters.from_params(request.GET)
    response = StreamingHttpResponse(_csv_lines(filters), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="readyboard-leaderboard.csv"'
    return response


def _csv_lines(filters: LeaderboardFilters) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    # Batches keep memory flat and the query count per batch fixed (rows + levels + pending).
    rows = leaderboard_queryset(filters).iterator(chunk_size=CSV_BATCH)
    while chunk := list(islice(rows, CSV_BATCH)):
        for row in leaderboard_rows(chunk):
            yield writer.writerow(_csv_row(row))


def _csv_row(row) -> list:
    repo, scan = row.repo, row.scan
    return [
        text_cell(repo.name),
        text_cell(repo.team.name if repo.team else ""),
        text_cell(" ".join(str(t) for t in repo.tags or [])),
        _number(scan.overall if scan else None),
        scan.band if scan else "",
        _number(row.delta_prev),
        _number(row.delta_month),
        *(_number(row.levels.get(name)) for name in DIMENSION_NAMES),
        scan.finished_at.isoformat() if scan and scan.finished_at else "",
        scan.commit_sha if scan else "",
        row.pending.state if row.pending else (scan.state if scan else ""),
    ]


def _number(value) -> str:
    return "" if value is None else str(round(value, 1) if isinstance(value, float) else value)


# --- SARIF -----------------------------------------------------------------------------


@api_view()
def scan_sarif(request: HttpRequest, scan_id: int) -> HttpResponse:
    """SARIF 2.1.0 of a finished scan, rebuilt from the stored rows (rule ids = check ids)."""
    scan = get_object_or_404(
        Scan.objects.select_related("repository"),
        pk=scan_id,
        state__in=(ScanState.SUCCEEDED, ScanState.NOT_APPLICABLE),
    )
    body = json.dumps(sarif_of(scan), indent=2)
    response = HttpResponse(body, content_type="application/sarif+json")
    filename = f"readyboard-{scan.repository.name}-{scan.pk}.sarif"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def sarif_of(scan: Scan) -> dict:
    from scanner.rules import rules_meta

    meta = rules_meta()
    sarif = render_sarif(report_of(scan, {m["id"]: m for m in meta}), meta)
    run = sarif["runs"][0]
    repo = scan.repository
    if repo.web_url and scan.commit_sha:
        provenance = {"repositoryUri": repo.web_url, "revisionId": scan.commit_sha}
        if scan.branch:
            provenance["branch"] = scan.branch
        run["versionControlProvenance"] = [provenance]
    run["automationDetails"] = {"id": f"readyboard/{repo.name}/{scan.pk}"}
    return sarif


def report_of(scan: Scan, meta: dict[str, dict]) -> dict:
    """The scanner's report shape (as far as SARIF needs it) from the stored rows."""
    results = (
        CheckResult.objects.filter(scan=scan)
        .order_by("check_id")
        .prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.order_by("path", "line", "pk"))
        )
    )
    return {
        "scanner_version": scan.scanner_version,
        "rules_version": scan.rules_version,
        "checks": [
            {
                "id": r.check_id,
                "title": meta.get(r.check_id, {}).get("title", r.check_id),
                "status": r.status,
                "waived": r.waived,
                "waiver_reason": r.waiver_reason,
                "evidence": [
                    {
                        "path": e.path,
                        "line": e.line,
                        "end_line": e.end_line,
                        "snippet": e.snippet,
                        "message": e.message,
                        "fingerprint": e.fingerprint,
                    }
                    for e in r.evidence.all()
                ],
            }
            for r in results
        ],
    }
