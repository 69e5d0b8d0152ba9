"""The fleet leaderboard at `/`: every service, sortable and filterable, with a summary.

One URL, one view: an htmx request (the filter form, a sort link, a page link) gets only
the `table` partial; anything else gets the whole page, so every state is a plain link.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.vary import vary_on_headers

from dashboard.charts import (
    WEEK,
    Chart,
    Series,
    allows_chart_styles,
    line_chart,
    score_histogram,
)
from dashboard.queries.fleet import (
    NO_TEAM,
    PAGE_SIZE,
    LeaderboardFilters,
    filter_choices,
    fleet_summary,
    leaderboard_queryset,
    leaderboard_rows,
)
from dashboard.templatetags.readyboard import DIMENSION_ABBR, dimension_label
from scanner.scoring import DIMENSION_NAMES

TEMPLATE = "fleet/leaderboard.html"

# (sort key, heading, full name for the tooltip, numeric?) in display order.
COLUMNS = (
    ("name", "Service", "", False),
    ("team", "Team", "", False),
    ("overall", "Score", "Overall score, 0 to 100", True),
    ("band", "Band", "", True),
    *(
        (f"dim_{name}", DIMENSION_ABBR[name], f"{dimension_label(name)} level", True)
        for name in DIMENSION_NAMES
    ),
    ("delta_prev", "Δ last", "Change since the previous scan", True),
    ("delta_month", "Δ 4 wk", "Change since about four weeks ago", True),
    ("scanned", "Scanned", "When the latest result was scanned", True),
    ("state", "Scan", "State of the newest scan", False),
)


@login_required
@vary_on_headers("HX-Request")
@allows_chart_styles
def leaderboard(request: HttpRequest) -> HttpResponse:
    filters = LeaderboardFilters.from_params(request.GET)
    page = Paginator(leaderboard_queryset(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "nav_section": "leaderboard",
        "filters": filters,
        "page_obj": page,
        "rows": leaderboard_rows(list(page.object_list)),
        "columns": sort_columns(filters, request.GET),
        "dimensions": DIMENSION_NAMES,
        "no_team": NO_TEAM,
    }
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, f"{TEMPLATE}#table", context)
    summary = fleet_summary()
    context.update(
        summary=summary,
        choices=filter_choices(),
        distribution_chart=score_histogram(summary.histogram, title="Score distribution"),
        trend_chart=fleet_trend_chart(summary.trend),
    )
    return render(request, TEMPLATE, context)


def fleet_trend_chart(trend: list[dict]) -> Chart:
    """The weekly fleet mean (see `dashboard.queries.fleet_trend`), one point per week."""
    return line_chart(
        [Series("Fleet mean", [(week["week"], week["mean"]) for week in trend])],
        title="Fleet score trend (weekly mean of latest scores)",
        period=WEEK,
    )


def sort_columns(filters: LeaderboardFilters, params: QueryDict) -> list[dict]:
    """Column headings with the sort value their link sets and their aria-sort state.

    A first click sorts text columns A→Z and number columns high→low; a second click on
    the sorted column flips the direction. `href` keeps the other query parameters and
    drops the page, as `{% querystring sort=... page=None %}` would (built here once).
    """
    params = params.copy()
    params.pop("page", None)
    columns = []
    for key, label, title, numeric in COLUMNS:
        current = filters.sort_key == key
        if current:
            next_sort = key if filters.descending else f"-{key}"
        else:
            next_sort = f"-{key}" if numeric else key
        columns.append(
            {
                "key": key,
                "label": label,
                "title": title,
                "numeric": numeric,
                "next_sort": next_sort,
                "href": _with_sort(params, next_sort),
                "aria_sort": (
                    ("descending" if filters.descending else "ascending") if current else ""
                ),
            }
        )
    return columns


def _with_sort(params: QueryDict, sort: str) -> str:
    params["sort"] = sort
    return f"?{params.urlencode()}"
