"""The fleet's weekly score trend: the mean of every service's latest score at each week's end.

A service counts in a week with the newest result it had by the end of that week: scanned
ten times that week it counts once, with its last score; not scanned that week it counts
with the score it already had. Services without a result by then do not count, nor do
those whose newest result says "not a FastAPI service" (no score). Only active services are
included, as everywhere on the fleet summary.

One query whatever the number of services and scans: the database turns every result scan
into the change it makes to the fleet's sum of scores and count of scored services (its
score minus the same service's previous one) and sums those changes per week; Python then
adds the weeks up in order, so a week without scans carries every score forward.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import (
    Case,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Lag, TruncWeek
from django.utils import timezone

from dashboard.models import Repository, Scan, ScanState

WEEK = timedelta(weeks=1)
TREND_WEEKS = 104
# Scans that replace a service's previous result (a failed scan leaves it standing).
RESULT_STATES = (ScanState.SUCCEEDED, ScanState.NOT_APPLICABLE)


def fleet_trend(weeks: int = TREND_WEEKS, *, now: datetime | None = None) -> list[dict]:
    """{"week": the week's Monday, "mean", "services"} for each of the last `weeks` weeks
    (the current one included, as of `now`) in which at least one service had a score,
    oldest first."""
    now = now or timezone.now()
    last_week = week_start(now)
    first_week = last_week - (weeks - 1) * WEEK
    changes = weekly_changes(first_week, now)
    tenths, scored = _carried_in(changes, before=first_week)
    trend = []
    for index in range(weeks):
        week = first_week + index * WEEK
        tenths_change, scored_change = changes.get(week, (0, 0))
        tenths, scored = tenths + tenths_change, scored + scored_change
        if scored:
            trend.append({"week": week, "mean": _mean(tenths, scored), "services": scored})
    return trend


def week_start(moment: datetime) -> date:
    """The Monday of the week `moment` falls in, in the current time zone (as TruncWeek)."""
    day = timezone.localtime(moment).date()
    return day - timedelta(days=day.weekday())


def weekly_changes(first_week: date, now: datetime) -> dict[date, tuple[int, int]]:
    """Week -> (change in the fleet's sum of scores in tenths, change in scored services).

    SQL allows no aggregate over a window function and Django selects from no subquery, so
    the per-scan changes (an ORM query) are summed per week by a plain SQL wrapper.
    """
    sql, params = _scan_changes(first_week, now).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT week, SUM(tenths_change), SUM(scored_change) "
            f"FROM ({sql}) AS scan_changes GROUP BY week",
            params,
        )
        rows = cursor.fetchall()
    return {_as_date(week): (round(tenths), int(scored)) for week, tenths, scored in rows}


def _scan_changes(first_week: date, now: datetime) -> QuerySet:
    """One row per result scan queued by `now`: its week and how it changes the fleet's sum
    and count against the same service's previous result.

    Scans before `first_week` are read only as each service's newest one (what it carries
    into the trend), so the cost follows the weeks shown, not the whole history.
    """
    since = timezone.make_aware(datetime.combine(first_week, time.min))
    # Scores have one decimal: in tenths they are whole numbers (up to float noise, which
    # rounding the weekly sums removes), so sums come out exact whatever the order.
    tenths = Coalesce(F("overall") * 10, Value(0.0), output_field=FloatField())
    scored = Case(When(overall__isnull=False, then=Value(1)), default=Value(0))
    previous = {"partition_by": [F("repository_id")], "order_by": [F("queued_at"), F("pk")]}
    return (
        Scan.objects.filter(state__in=RESULT_STATES, repository__active=True, queued_at__lte=now)
        .filter(Q(queued_at__gte=since) | Q(pk__in=_newest_results_before(since)))
        .annotate(
            week=TruncWeek("queued_at"),
            tenths_change=tenths - Window(Lag(tenths, default=0.0), **previous),
            scored_change=scored
            - Window(Lag(scored, default=0), output_field=IntegerField(), **previous),
        )
        .values("week", "tenths_change", "scored_change")
        .order_by()
    )


def _newest_results_before(moment: datetime) -> QuerySet:
    """Subquery: the newest result scan of each active service queued before `moment`."""
    newest = (
        Scan.objects.filter(
            repository=OuterRef("pk"), state__in=RESULT_STATES, queued_at__lt=moment
        )
        .order_by("-queued_at", "-pk")
        .values("pk")[:1]
    )
    return Repository.objects.filter(active=True).values(newest=Subquery(newest))


def _carried_in(changes: dict[date, tuple[int, int]], *, before: date) -> tuple[int, int]:
    """The fleet's sum (tenths) and count of scored services at the start of `before`."""
    earlier = [change for week, change in changes.items() if week < before]
    return sum(tenths for tenths, _ in earlier), sum(scored for _, scored in earlier)


def _as_date(week: datetime | date | str) -> date:
    """TruncWeek read through a plain cursor: a naive datetime (PostgreSQL) or text (SQLite)."""
    if isinstance(week, str):
        week = datetime.fromisoformat(week)
    return week.date() if isinstance(week, datetime) else week


def _mean(tenths: int, services: int) -> float:
    """The mean score to one decimal, halves up, computed exactly."""
    exact = Decimal(tenths) / services / 10
    return float(exact.quantize(Decimal("0.1"), ROUND_HALF_UP))
