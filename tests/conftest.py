"""Shared fixtures: named people's teams and services, scans, and realistic scanner reports."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

import dj_database_url
import pytest
from django.conf import settings
from django.db import connections

from scanner import results as scanner_results
from scanner import scoring

DEFAULT_TEST_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"

# The suite runs on real PostgreSQL by default. `./dev test` exports DATABASE_URL before
# Django starts; for a bare `pytest`, pytest-django has already loaded the settings (and
# made the default connection) before this file is imported, so swap the database in here
# and drop the connection made from the SQLite default.
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = DEFAULT_TEST_DATABASE_URL
    settings.DATABASES["default"] = dj_database_url.parse(DEFAULT_TEST_DATABASE_URL)
    connections.__dict__.pop("settings", None)
    for _conn in connections.all(initialized_only=True):
        del connections[_conn.alias]


# A service that does most things right but has gaps in testing and observability.
SAMPLE_STATUSES: dict[str, str] = {
    "TYP-001": "pass",
    "TYP-002": "pass",
    "TYP-003": "fail",
    "TYP-004": "warn",
    "ERR-001": "pass",
    "ERR-002": "fail",
    "ERR-005": "pass",
    "TST-001": "pass",
    "TST-002": "fail",
    "SEC-001": "pass",
    "SEC-002": "pass",
    "SEC-005": "warn",
    "PERF-001": "pass",
    "OBS-001": "fail",
    "OBS-002": "unknown",
    "DB-001": "na",
    "DB-006": "na",
    "DEP-001": "pass",
    "DEP-002": "fail",
    "DOC-001": "pass",
    "ARC-001": "pass",
    "CFG-001": "fail",
}
DIMENSION_OF = {d.own_prefix: d.name for d in scoring.DIMENSIONS}


def evidence_for(check_id: str, count: int) -> list[dict[str, Any]]:
    items = []
    for i in range(count):
        path = f"app/routers/{check_id.lower()}_{i % 7}.py"
        snippet = f"def handler_{i}(request):\n    return {{'ok': {i}}}"
        items.append(
            {
                "path": path,
                "line": 10 + i,
                "end_line": 11 + i,
                "snippet": snippet,
                "message": f"{check_id}: handler_{i} has no response model",
                "fingerprint": scanner_results.fingerprint(check_id, path, "", snippet, ""),
            }
        )
    return items


def build_report(
    statuses: Mapping[str, str] | None = None,
    *,
    evidence_per_finding: int = 2,
    status: str = "scored",
) -> dict[str, Any]:
    """A scanner report in the documented contract, scored by the real scoring module."""
    statuses = dict(SAMPLE_STATUSES if statuses is None else statuses)
    checks = [
        {
            "id": check_id,
            "title": f"Title of {check_id}",
            "dimension": DIMENSION_OF.get(scoring.prefix_of(check_id), ""),
            "priority": "P0" if check_id.endswith("1") else "P1",
            "tags": ["health"],
            "status": check_status,
            "metric": {"checked": 4, "failing": 1} if check_status == "warn" else None,
            "waived": False,
            "waiver_reason": "",
            "evidence": evidence_for(check_id, evidence_per_finding)
            if check_status in ("fail", "warn")
            else [],
        }
        for check_id, check_status in statuses.items()
    ]
    results = {c["id"]: scanner_results.CheckResult(c["id"], c["status"]) for c in checks}
    score = scoring.score_service(results).to_json()
    if status == "not_applicable":
        score = {"overall": None, "band": None, "health16": None, "dimensions": {}, "groups": {}}
    return {
        "schema_version": 1,
        "scanner_version": "0.1.0",
        "rules_version": "3.1",
        "root": "/tmp/export/billing-api",
        "app_root": ".",
        "app_roots": [{"path": ".", "endpoints": 3}],
        "status": status,
        **score,
        "checks": checks,
        "endpoints": [
            {"method": "GET", "path": "/invoices", "handler": "app/routers/invoices.py:12"},
            {"method": "POST", "path": "/invoices", "handler": "app/routers/invoices.py:30"},
            {"method": "GET", "path": "/health", "handler": "app/main.py:8"},
        ],
        "files": {
            "scanned": 14,
            "skipped": [{"path": "app/big.json", "reason": "not python"}],
            "errors": [],
        },
        "timings": {"total": 0.41, "parse": 0.2},
    }


@pytest.fixture
def sample_report() -> dict[str, Any]:
    return build_report()


@pytest.fixture
def report_factory() -> Callable[..., dict[str, Any]]:
    return build_report


@pytest.fixture
def payments_team(db):
    from dashboard.models import Team

    return Team.objects.create(name="Payments")


@pytest.fixture
def billing_repo(db, payments_team):
    """Alice's team's service, hosted on GitHub."""
    from dashboard.models import Repository

    return Repository.objects.create(
        name="billing-api",
        url="https://github.com/acme/billing-api.git",
        team=payments_team,
        tags=["payments", "tier-1"],
    )


@pytest.fixture
def make_scan(db):
    """Create a scan in flight (default: saving, as the pipeline leaves it before storing)."""
    from dashboard.models import Scan, ScanState

    def make(repository, **fields):
        fields.setdefault("state", ScanState.SAVING)
        fields.setdefault("commit_sha", "a" * 40)
        return Scan.objects.create(repository=repository, **fields)

    return make
