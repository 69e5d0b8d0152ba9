"""Date axes of the trend charts with one or two points: the figure the views produce.

Plotly's own range around a single point spans about a second, so its ticks read as
fractions of a second; two scans on one day make hourly ticks. Short charts therefore get
a date axis with a fixed range (half a period of room each side, at least a week) and one
"3 Mar" tick per week (fleet) or per day (a service's scans), with large markers.
"""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from dashboard.charts import WEEK, Series, line_chart
from dashboard.models import Scan, ScanState
from tests.dashboard.factories import make_repo, make_scored_scan, make_user

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 3, 19, 12, 0, tzinfo=UTC)  # a Wednesday; that week's Monday is 17 Mar
DAY_MS = 24 * 3600 * 1000


@pytest.fixture
def viewer_client(client):
    cache.clear()  # the fleet summary (and its trend) is cached
    client.force_login(make_user("victor-viewer"))
    return client


def scored(name: str, at: datetime, overall: float) -> Scan:
    repo = make_repo(name)
    return Scan.objects.create(
        repository=repo, state=ScanState.SUCCEEDED, overall=overall, queued_at=at
    )


def fleet_trend_figure(client) -> dict:
    """The trend chart's figure as the page hands it to plotly.js (its data-plotly JSON)."""
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("fleet-leaderboard"))
    assert response.status_code == 200
    attribute = re.search(
        r'id="trend-title".*?data-plotly="([^"]*)"', response.content.decode(), re.DOTALL
    )
    return json.loads(html.unescape(attribute.group(1)))


def test_it_draws_a_one_week_fleet_on_a_week_axis_around_its_point(viewer_client):
    scored("billing-api", datetime(2025, 3, 17, 9, tzinfo=UTC), 60.0)
    scored("ledger-api", datetime(2025, 3, 18, 9, tzinfo=UTC), 70.0)

    figure = fleet_trend_figure(viewer_client)

    axis = figure["layout"]["xaxis"]
    assert axis["type"] == "date"
    assert axis["tickformat"] == "%-d %b"  # "17 Mar", not "Mar 17, 2025, 00:00:00.0005"
    assert (axis["tickmode"], axis["tick0"], axis["dtick"]) == ("linear", "2024-01-01", 7 * DAY_MS)
    # Half a week either side of the week's Monday: one tick, under the point.
    assert axis["range"] == ["2025-03-13 12:00:00", "2025-03-20 12:00:00"]
    [trace] = figure["data"]
    assert trace["x"] == ["2025-03-17"] and trace["y"] == [65.0]
    assert trace["mode"] == "lines+markers"
    assert trace["marker"]["size"] == 9
    assert trace["hovertemplate"].startswith("Week of %{x|%-d %b %Y}")


def test_it_draws_a_two_week_fleet_with_a_tick_on_each_monday(viewer_client):
    scored("billing-api", datetime(2025, 3, 11, 9, tzinfo=UTC), 60.0)
    scored("ledger-api", datetime(2025, 3, 18, 9, tzinfo=UTC), 70.0)

    figure = fleet_trend_figure(viewer_client)

    axis = figure["layout"]["xaxis"]
    assert axis["range"] == ["2025-03-06 12:00:00", "2025-03-20 12:00:00"]
    assert (axis["tickformat"], axis["dtick"]) == ("%-d %b", 7 * DAY_MS)
    assert figure["data"][0]["x"] == ["2025-03-10", "2025-03-17"]
    assert figure["data"][0]["y"] == [60.0, 65.0]


def test_it_leaves_a_long_trend_to_plotlys_own_ticks():
    mondays = [datetime(2025, 1, 6, tzinfo=UTC).date() + k * WEEK for k in range(20)]
    chart = line_chart([Series("Fleet mean", [(m, 50.0) for m in mondays])], title="t", period=WEEK)

    axis = chart.figure["layout"]["xaxis"]
    assert axis["type"] == "date"
    assert "range" not in axis and "tickmode" not in axis
    assert chart.figure["data"][0]["marker"]["size"] == 6


def service_charts(client, repo) -> tuple[dict, str]:
    client.force_login(make_user("olivia-owner"))
    response = client.get(reverse("service", args=[repo.name]))
    assert response.status_code == 200
    return dict(response.context["charts"]), response.content.decode()


def test_it_explains_that_a_service_with_one_scan_has_no_trend_yet(client):
    repo = make_repo("billing-api")
    make_scored_scan(repo, queued_at=NOW)

    charts, html = service_charts(client, repo)

    assert charts == {}
    assert "Trends appear after the second scored scan." in html


def test_it_draws_two_scans_of_one_day_on_a_day_axis_a_week_wide(client):
    repo = make_repo("billing-api")
    finish = timedelta(seconds=20)  # the factory's scans finish 20 s after being queued
    make_scored_scan(repo, queued_at=datetime(2025, 3, 17, 9, tzinfo=UTC) - finish)
    make_scored_scan(repo, queued_at=datetime(2025, 3, 17, 15, tzinfo=UTC) - finish)

    charts, _ = service_charts(client, repo)

    for chart in charts.values():
        axis = chart.figure["layout"]["xaxis"]
        assert axis["type"] == "date"
        assert (axis["tickformat"], axis["dtick"]) == ("%-d %b", DAY_MS)  # a date a day
        # 09:00-15:00 padded by half a day, then widened to a week around the points.
        assert axis["range"] == ["2025-03-14 00:00:00", "2025-03-21 00:00:00"]
        assert {trace["mode"] for trace in chart.figure["data"]} == {"lines+markers"}


def test_a_small_fleets_service_counts_tick_in_whole_services():
    from dashboard.charts import bar_chart

    small = bar_chart(["a", "b"], [2, 1], title="Services per band").figure["layout"]["yaxis"]
    large = bar_chart(["a", "b"], [40, 7], title="Services per band").figure["layout"]["yaxis"]

    assert (small["tick0"], small["dtick"]) == (0, 1)
    assert "dtick" not in large  # Plotly's own spacing once whole steps would crowd
