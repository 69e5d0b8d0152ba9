"""Exports: the leaderboard as CSV, a scan as SARIF 2.1.0 validated against its schema."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest
from django.contrib.auth.models import User

from dashboard.models import Repository, Team
from dashboard.scans.store import store_report

SARIF_SCHEMA = Path(__file__).resolve().parents[1] / "scanner" / "sarif-2.1.0-subset.schema.json"


@pytest.fixture
def bob(db):
    """A team lead who downloads the leaderboard from the browser."""
    return User.objects.create_user("bob", password="x" * 12)


@pytest.fixture
def scanned(billing_repo, make_scan, sample_report):
    return store_report(make_scan(billing_repo), sample_report)


def download_csv(client, **params) -> list[dict]:
    response = client.get("/export/leaderboard.csv", params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_it_needs_a_signed_in_person_for_the_csv(client, scanned):
    assert client.get("/export/leaderboard.csv").status_code == 401


def test_it_exports_the_leaderboard_as_csv(client, bob, scanned):
    Repository.objects.create(name="unscanned", url="https://github.com/a/u.git")
    client.force_login(bob)

    rows = download_csv(client)

    assert [r["service"] for r in rows] == ["billing-api", "unscanned"]
    billing = rows[0]
    assert billing["team"] == "Payments"
    assert billing["tags"] == "payments tier-1"
    assert billing["overall"] == str(round(scanned.overall, 1))
    assert billing["band"] == scanned.band
    assert billing["commit"] == "a" * 40
    assert billing["level_security"] != ""
    assert rows[1]["overall"] == ""


def test_it_applies_the_leaderboard_filters_to_the_csv(client, bob, scanned):
    search = Team.objects.create(name="Search", slug="search")
    Repository.objects.create(name="search-api", url="https://github.com/a/s.git", team=search)
    client.force_login(bob)

    assert [r["service"] for r in download_csv(client, team="search")] == ["search-api"]


def test_it_neutralises_formulas_in_csv_cells(client, bob, db):
    team = Team.objects.create(name="=HYPERLINK(1)", slug="evil")
    Repository.objects.create(name="svc", url="https://github.com/a/x.git", team=team)
    client.force_login(bob)

    (row,) = download_csv(client)

    assert row["team"] == "'=HYPERLINK(1)"


def sarif_schema() -> dict:
    """The scanner tests' SARIF 2.1.0 schema (a closed subset of OASIS's, kept offline),
    plus the two run properties the dashboard adds, as OASIS defines them."""
    schema = json.loads(SARIF_SCHEMA.read_text())
    schema["definitions"]["run"]["properties"].update(
        versionControlProvenance={
            "type": "array",
            "items": {
                "type": "object",
                "required": ["repositoryUri"],
                "additionalProperties": False,
                "properties": {
                    "repositoryUri": {"type": "string", "format": "uri"},
                    "revisionId": {"type": "string"},
                    "branch": {"type": "string"},
                },
            },
        },
        automationDetails={
            "type": "object",
            "additionalProperties": False,
            "properties": {"id": {"type": "string"}},
        },
    )
    return schema


def test_it_downloads_a_valid_sarif_log_of_a_scan(client, bob, scanned):
    client.force_login(bob)

    response = client.get(f"/api/v1/scans/{scanned.pk}/sarif")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/sarif+json"
    assert "attachment" in response["Content-Disposition"]
    sarif = json.loads(response.content)
    jsonschema.validate(sarif, sarif_schema())
    run = sarif["runs"][0]
    assert sarif["version"] == "2.1.0"
    rule_ids = {rule["id"] for rule in run["tool"]["driver"]["rules"]}
    result_ids = {result["ruleId"] for result in run["results"]}
    assert result_ids <= rule_ids
    assert {"TYP-003", "CFG-001"} <= result_ids
    located = next(r for r in run["results"] if r["ruleId"] == "TYP-003")
    region = located["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 10
    assert run["versionControlProvenance"][0]["revisionId"] == "a" * 40


def test_it_has_no_sarif_for_an_unfinished_scan(client, bob, billing_repo, make_scan):
    client.force_login(bob)

    assert client.get(f"/api/v1/scans/{make_scan(billing_repo).pk}/sarif").status_code == 404
