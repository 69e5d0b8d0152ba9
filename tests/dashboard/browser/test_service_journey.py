"""The service side of the main journey in a real browser: from the leaderboard to a service,
a failing check with its evidence and line link, the endpoints, the score change, and
"Scan now" with its progress polling until the scan is done.

The service is a real local git repository built from the `startup` fixture service and
scanned by the real pipeline; "Scan now" runs the scan in a background thread (as a worker
would), so the page really polls.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection

from dashboard.git.local import commit_files, commit_tree, init_repository
from dashboard.models import Repository, Scan, ScanState
from dashboard.scans import pipeline
from tests.dashboard import factories

pytestmark = pytest.mark.browser

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "services" / "startup"
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
LOOSE_ENDPOINT = """from fastapi import APIRouter, Request

router = APIRouter()


@router.post("/refunds")
async def create_refund(request: Request):
    payload = await request.json()
    return {"id": payload["order"]}
"""


@pytest.fixture
def origin(tmp_path, settings) -> Path:
    settings.READYBOARD_ALLOW_LOCAL_REPOS = True
    settings.READYBOARD_GIT_CACHE_DIR = tmp_path / "git-cache"
    settings.READYBOARD_SCANNER_CACHE_DIR = tmp_path / "scanner-cache"
    path = tmp_path / "origin" / "billing-api"
    init_repository(path)
    commit_tree(path, FIXTURE, "billing-api 2.0", T0)
    return path


def scan_now(repo: Repository) -> Scan:
    scan = pipeline.request_scan(repo, "scheduled", enqueue=False)
    return pipeline.run_scan(scan.pk)


@pytest.fixture
def billing(transactional_db, origin) -> Repository:
    """Two real scans of the service (a commit in between), after older synthetic weeks."""
    payments = factories.make_team("Payments")
    repo = Repository.objects.create(
        name="billing-api",
        url=origin.as_uri(),
        team=payments,
        tags=["tier-1"],
        web_url="https://github.com/acme/billing-api",  # line links as for a GitHub repo
    )
    now = datetime.now(tz=UTC)
    for week in range(6, 1, -1):
        statuses = factories.random_statuses(f"billing-{week}", quality=0.45 - week * 0.02)
        factories.make_scored_scan(repo, statuses, queued_at=now - timedelta(weeks=week))
    assert scan_now(repo).state == ScanState.SUCCEEDED
    commit_files(origin, {"app/refunds.py": LOOSE_ENDPOINT}, "Add refunds", T0 + timedelta(1))
    assert scan_now(repo).state == ScanState.SUCCEEDED
    for name, quality in (("ledger-api", 0.3), ("search-api", 0.8)):
        factories.make_history(factories.make_repo(name, team=payments), weeks=3, quality=quality)
    return repo


@pytest.fixture
def background_worker(monkeypatch):
    """Run queued scans in a thread, a moment after they are queued, like a worker."""
    threads: list[threading.Thread] = []

    def work(scan_id: int) -> None:
        try:
            time.sleep(1.5)  # long enough for the page to show "Queued" and poll
            pipeline.run_scan(scan_id)
        finally:
            connection.close()

    def enqueue(scan_id: int) -> None:
        thread = threading.Thread(target=work, args=(scan_id,), daemon=True)
        threads.append(thread)
        thread.start()

    monkeypatch.setattr(pipeline, "enqueue_scan", enqueue)
    yield threads
    for thread in threads:
        thread.join(timeout=60)


def test_it_walks_the_service_pages(
    live_server, signed_in_page, screenshot, billing, background_worker, origin
):
    page = signed_in_page
    page.goto("/")
    page.get_by_role("link", name="billing-api", exact=True).first.click()
    page.wait_for_url(re.compile(r"/services/billing-api/$"))
    page.wait_for_selector(".chart__plot .main-svg", state="attached")  # plotly drew
    assert page.locator("h1").inner_text().startswith("billing-api")
    assert page.locator(".checklist").count() >= 5
    screenshot(page, "service-01-overview")
    screenshot(page, "service-01-overview-top", full_page=False)

    # A failing check from the security checklist, with evidence and a line link.
    failing = page.locator("#list-sec10 ~ table tr:has(.status--fail) th a").first
    check_id = failing.locator(".check-id").inner_text()
    failing.click()
    page.wait_for_url(re.compile(rf"/checks/{check_id}/$"))
    assert "Why it matters" in page.content()
    assert page.locator("pre.snippet").count() >= 1
    link = page.locator("a.evidence__place").first.get_attribute("href")
    sha = Scan.objects.filter(repository=billing).latest().commit_sha
    assert link.startswith(f"https://github.com/acme/billing-api/blob/{sha}/")
    assert re.search(r"#L\d+$", link)
    assert page.locator(".streak").count() == 1
    screenshot(page, "service-02-check-drill-down")

    # Endpoints, filtered to the untested ones without reloading the page.
    page.get_by_role("link", name="Endpoints", exact=True).click()
    page.wait_for_url(re.compile(r"/endpoints/$"))
    total = page.locator("#routes tbody tr").count()
    page.get_by_role("checkbox", name=re.compile("Untested")).check()
    page.wait_for_url(re.compile(r"untested=1"))
    page.wait_for_function(f"document.querySelectorAll('#routes tbody tr').length < {total}")
    assert page.locator("h1").count() == 1
    screenshot(page, "service-03-endpoints-untested")

    # Why did the score change: flips, findings, and the commit between the two scans.
    page.get_by_role("link", name="Why did the score change?").click()
    page.wait_for_selector(".commit-list li")
    assert "Add refunds" in page.locator(".commit-list").inner_text()
    assert page.locator("#flips-caption").count() == 1
    screenshot(page, "service-04-compare")

    # Scan now: the progress box polls until the scan is done, then stops.
    commit_files(origin, {"README.md": "# billing-api\n"}, "Docs", T0 + timedelta(2))
    page.get_by_role("link", name="Overview", exact=True).click()
    page.get_by_role("button", name="Scan now").click()
    page.wait_for_selector("#scan-progress .steps")
    screenshot(page, "service-05-scan-progress", full_page=False)
    page.wait_for_selector("#scan-progress >> text=Finished", timeout=60_000)
    assert page.locator("#scan-progress [hx-trigger]").count() == 0
    screenshot(page, "service-06-scan-done", full_page=False)
    page.get_by_role("link", name="Reload the page to see the new results").click()
    page.wait_for_selector(".chart__plot .main-svg", state="attached")  # plotly drew
    assert Scan.objects.filter(repository=billing).latest().trigger == "manual"


def test_it_tells_people_what_to_do_when_there_is_no_score(
    live_server, signed_in_page, screenshot, transactional_db
):
    from dashboard.scans.store import store_report
    from tests.conftest import build_report

    page = signed_in_page
    fresh = factories.make_repo("fresh-api")
    broken = factories.make_repo("broken-api")
    factories.make_scored_scan(broken)
    factories.make_failed_scan(broken, "repo:auth", "Authentication failed for github.com")
    flask = factories.make_repo("flask-tool")
    scan = flask.scans.create(state=ScanState.SAVING, commit_sha="c" * 40)
    store_report(scan, build_report(status="not_applicable"))

    page.goto(f"/services/{fresh.name}/")
    assert page.get_by_role("heading", name="Not scanned yet").is_visible()
    screenshot(page, "service-07-never-scanned", full_page=False)

    page.goto(f"/services/{broken.name}/")
    assert page.get_by_role("heading", name=re.compile("last scan failed: Access denied")).count()
    screenshot(page, "service-08-last-scan-failed", full_page=False)

    page.goto(f"/services/{flask.name}/")
    assert page.get_by_role("heading", name="Not a FastAPI service").is_visible()
    screenshot(page, "service-09-not-fastapi", full_page=False)

    # A small laptop: the layout folds to one column, nothing spills sideways.
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(f"/services/{broken.name}/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "service-10-small-laptop")
