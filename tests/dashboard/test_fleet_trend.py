"""The fleet's weekly trend: the mean of each service's latest score at the end of each week.

The fleet below is scanned at different frequencies, so averaging every scan of a week (the
old method) and averaging each service's latest score (the trend's meaning) differ in every
week. Weeks start on Monday: 3, 10 and 17 March 2025; "now" is Wednesday 19 March.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.models import Scan, ScanState
from dashboard.queries.fleet_trend import fleet_trend
from tests.dashboard.factories import make_repo

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 3, 19, 12, 0, tzinfo=UTC)
WEEK_1, WEEK_2, WEEK_3 = "2025-03-03", "2025-03-10", "2025-03-17"


def on(day: int, hour: int = 9) -> datetime:
    return datetime(2025, 3, day, hour, 0, tzinfo=UTC)


def scored(repo, day: int, overall: float) -> Scan:
    return Scan.objects.create(
        repository=repo, state=ScanState.SUCCEEDED, overall=overall, queued_at=on(day)
    )


def not_applicable(repo, day: int) -> Scan:
    return Scan.objects.create(repository=repo, state=ScanState.NOT_APPLICABLE, queued_at=on(day))


def failed(repo, day: int) -> Scan:
    return Scan.objects.create(repository=repo, state=ScanState.FAILED, queued_at=on(day))


def weeks(trend: list[dict]) -> list[tuple[str, float, int]]:
    return [(week["week"].isoformat(), week["mean"], week["services"]) for week in trend]


@pytest.fixture
def fleet():
    """Scans per service and week (scores), oldest first:

    | service     | week 1 (3 Mar)      | week 2 (10 Mar)   | week 3 (17 Mar) |
    |-------------|---------------------|-------------------|-----------------|
    | busy-api    | 60 (Mon), 70, 80    | 90                | -               |
    | weekly-api  | 40                  | 50                | 30              |
    | late-api    | (not registered)    | 20                | -               |
    | flaky-api   | 70                  | failed            | -               |
    | worker      | not applicable      | not applicable    | -               |
    | retired-api | 10 (inactive now)   | -                 | -               |

    Old method (every scan of the week): week 1 (60+70+80+40+70)/5 = 64.0, week 2
    (90+50+20)/3 = 53.3, week 3 30/1 = 30.0.
    Latest score per service at each week's end: week 1 busy 80, weekly 40, flaky 70 ->
    190/3 = 63.3; week 2 busy 90, weekly 50, late 20, flaky 70 (the failed scan leaves its
    score standing) -> 230/4 = 57.5; week 3 busy 90, weekly 30, late 20, flaky 70 (nobody
    but weekly-api scanned: the others carry their scores forward) -> 210/4 = 52.5.
    """
    busy, weekly, late = make_repo("busy-api"), make_repo("weekly-api"), make_repo("late-api")
    flaky, worker = make_repo("flaky-api"), make_repo("worker")
    retired = make_repo("retired-api")
    for day, overall in ((3, 60.0), (5, 70.0), (7, 80.0), (11, 90.0)):
        scored(busy, day, overall)
    for day, overall in ((4, 40.0), (11, 50.0), (17, 30.0)):
        scored(weekly, day, overall)
    scored(late, 13, 20.0)
    scored(flaky, 6, 70.0)
    failed(flaky, 12)
    not_applicable(worker, 4)
    not_applicable(worker, 11)
    scored(retired, 4, 10.0)
    retired.active = False
    retired.save()


def test_it_averages_each_services_latest_score_at_the_end_of_each_week(fleet):
    assert weeks(fleet_trend(now=NOW)) == [
        (WEEK_1, 63.3, 3),
        (WEEK_2, 57.5, 4),
        (WEEK_3, 52.5, 4),
    ]


def test_it_carries_scores_from_before_the_weeks_shown(fleet):
    # Week 1 is outside a two-week trend, but its scores still stand in weeks 2 and 3.
    assert weeks(fleet_trend(2, now=NOW)) == [(WEEK_2, 57.5, 4), (WEEK_3, 52.5, 4)]


def test_it_stops_counting_a_service_whose_newest_result_is_not_applicable():
    moved = make_repo("moved-api")  # its FastAPI app moved elsewhere in week 2
    scored(moved, 4, 50.0)
    not_applicable(moved, 11)
    scored(make_repo("steady-api"), 4, 70.0)

    assert weeks(fleet_trend(now=NOW)) == [
        (WEEK_1, 60.0, 2),
        (WEEK_2, 70.0, 1),
        (WEEK_3, 70.0, 1),
    ]


def test_it_starts_with_the_first_week_that_has_a_score():
    not_applicable(make_repo("worker"), 4)
    scored(make_repo("late-api"), 12, 45.5)

    assert weeks(fleet_trend(now=NOW)) == [(WEEK_2, 45.5, 1), (WEEK_3, 45.5, 1)]


def test_it_rounds_the_mean_halves_up_exactly():
    scored(make_repo("a-api"), 17, 70.0)
    scored(make_repo("b-api"), 17, 70.1)  # 70.05: a float mean would round down

    assert weeks(fleet_trend(now=NOW)) == [(WEEK_3, 70.1, 2)]


def test_it_uses_the_newest_scan_of_a_week_whatever_the_order_stored():
    repo = make_repo("busy-api")
    scored(repo, 14, 90.0)
    scored(repo, 10, 10.0)  # stored later, queued earlier

    assert weeks(fleet_trend(now=NOW)) == [(WEEK_2, 90.0, 1), (WEEK_3, 90.0, 1)]


def test_it_makes_one_query_whatever_the_fleet(fleet):
    with CaptureQueriesContext(connection) as queries:
        fleet_trend(now=NOW)
    assert len(queries) == 1
