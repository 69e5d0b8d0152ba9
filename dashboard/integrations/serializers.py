"""Model rows as API JSON: explicit fields (nothing leaks by adding a column)."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse

from dashboard.models import CheckResult, DimensionScore, Evidence, Repository, Scan


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def scan_summary(scan: Scan | None) -> dict | None:
    if scan is None:
        return None
    return {
        "id": scan.pk,
        "state": scan.state,
        "overall": scan.overall,
        "band": scan.band or None,
        "commit": scan.commit_sha or None,
        "finished_at": iso(scan.finished_at),
        "url": reverse("api-scan", args=[scan.pk]),
    }


def repository(repo: Repository) -> dict:
    return {
        "name": repo.name,
        "url": repo.url,
        "branch": repo.branch or None,
        "app_root": repo.app_root or None,
        "team": repo.team.name if repo.team else None,
        "tags": list(repo.tags or []),
        "active": repo.active,
        "web_url": repo.web_url or None,
        "schedule": {
            "paused": repo.schedule_paused,
            "weekday": repo.schedule_weekday,
            "time": repo.schedule_time.strftime("%H:%M") if repo.schedule_time else None,
            "next_scan_at": iso(repo.next_scan_at),
        },
        "latest_scan": scan_summary(repo.latest_scan),
        "links": {
            "self": reverse("api-repository", args=[repo.name]),
            "scans": reverse("api-repository-scans", args=[repo.name]),
            "badge": reverse("badge", args=[repo.name]),
        },
    }


def scan(scan: Scan, dimensions: list[DimensionScore] | None = None) -> dict:
    data = {
        "id": scan.pk,
        "repository": scan.repository.name,
        "state": scan.state,
        "trigger": scan.trigger,
        "commit": scan.commit_sha or None,
        "branch": scan.branch or None,
        "rules_version": scan.rules_version or None,
        "scanner_version": scan.scanner_version or None,
        "queued_at": iso(scan.queued_at),
        "started_at": iso(scan.started_at),
        "finished_at": iso(scan.finished_at),
        "duration_ms": scan.duration_ms,
        "error_code": scan.error_code or None,
        "error_message": scan.error_message or None,
        "overall": scan.overall,
        "band": scan.band or None,
        "health": (
            {"score": scan.health_score, "max": scan.health_max}
            if scan.health_max is not None
            else None
        ),
        "links": {
            "self": reverse("api-scan", args=[scan.pk]),
            "checks": reverse("api-scan-checks", args=[scan.pk]),
            "sarif": reverse("scan-sarif", args=[scan.pk]),
        },
    }
    if dimensions is not None:
        data["dimensions"] = {
            d.dimension: {
                "score": d.score,
                "level": d.level,
                "weight": d.weight,
                "included": d.included,
            }
            for d in dimensions
        }
    return data


def check_result(result: CheckResult, meta: dict, repo: Repository, commit: str) -> dict:
    info = meta.get(result.check_id, {})
    return {
        "check": result.check_id,
        "title": info.get("title"),
        "dimension": info.get("dimension"),
        "priority": info.get("priority"),
        "status": result.status,
        "metric": result.metric,
        "waived": result.waived,
        "waiver_reason": result.waiver_reason or None,
        "evidence_count": result.evidence_count,
        "evidence": [evidence(e, repo, commit) for e in result.evidence.all()],
    }


def evidence(item: Evidence, repo: Repository, commit: str) -> dict:
    return {
        "path": item.path or None,
        "line": item.line,
        "end_line": item.end_line,
        "message": item.message or None,
        "snippet": item.snippet or None,
        "link": repo.line_url(commit, item.path, item.line),
    }
