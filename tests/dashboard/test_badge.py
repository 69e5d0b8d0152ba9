"""The public SVG badge: no sign-in, cacheable, ETag revalidation."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from dashboard.models import Repository
from dashboard.scans.store import store_report

SVG = "{http://www.w3.org/2000/svg}"


def test_it_serves_a_public_svg_badge_with_the_latest_score(
    client, billing_repo, make_scan, sample_report
):
    scan = store_report(make_scan(billing_repo), sample_report)

    response = client.get("/badge/billing-api.svg")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "public" in response["Cache-Control"]
    assert "max-age=300" in response["Cache-Control"]
    root = ET.fromstring(response.content)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts[0] == "readiness"
    assert texts[1].startswith(f"{round(scan.overall)}/100")


def test_it_answers_304_when_the_etag_still_matches(client, billing_repo):
    first = client.get("/badge/billing-api.svg")

    again = client.get("/badge/billing-api.svg", headers={"If-None-Match": first["ETag"]})

    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]


def test_it_changes_the_etag_when_the_score_changes(client, billing_repo, make_scan, sample_report):
    before = client.get("/badge/billing-api.svg")
    store_report(make_scan(billing_repo), sample_report)

    after = client.get("/badge/billing-api.svg", headers={"If-None-Match": before["ETag"]})

    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert b"not scanned" in before.content


def test_it_has_no_badge_for_an_unknown_or_retired_service(client, db):
    Repository.objects.create(name="retired", url="https://github.com/a/r.git", active=False)

    assert client.get("/badge/nope.svg").status_code == 404
    assert client.get("/badge/retired.svg").status_code == 404
