"""Read queries for the fleet pages: leaderboard, fleet summary, team roll-up, fleet checks.

Each public function makes a fixed number of queries whatever the number of services or
scans. Per-service history (previous score, score four weeks ago, newest scan, a check's
failing streak) comes from correlated subqueries in the one row query, which PostgreSQL
answers from the `scan_repo_history` index; the heavy JSON columns of Scan are never read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from django.core.cache import cache as django_cache
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    FloatField,
    Func,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Floor, Least
from django.utils import timezone

from dashboard.models import (
    Band,
    CheckResult,
    CheckStatus,
    DimensionScore,
    Repository,
    Scan,
    ScanState,
    Team,
)
from dashboard.queries.fleet_trend import fleet_trend
from scanner.rules import rules_meta
from scanner.scoring import DIMENSION_NAMES

PAGE_SIZE = 50
MONTH_AGO = timedelta(days=28)
SUMMARY_CACHE_SECONDS = 300
CHECK_COUNTS_KEY = "fleet-check-counts"
TOP_P0_LIMIT = 10
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # "before any scan"
NO_TEAM = "none"  # the team filter value for services without a team
BAND_ORDER = tuple(band.value for band in reversed(Band))  # best first
SCORED = (ScanState.SUCCEEDED,)

# The columns a Scan row is read with on fleet pages (never endpoints/files/score_json).
SCAN_COLUMNS = ("id", "state", "overall", "band", "queued_at", "finished_at", "commit_sha")


@cache
def checks_meta() -> dict[str, dict]:
    """Every registered check's metadata by id, in registry (RULES.md) order."""
    return {meta["id"]: meta for meta in rules_meta()}


@cache
def p0_check_ids() -> tuple[str, ...]:
    return tuple(cid for cid, meta in checks_meta().items() if meta.get("priority") == "P0")


def latest_scan_ids() -> QuerySet:
    """Subquery: the latest stored scan of every active service."""
    return Repository.objects.filter(active=True, latest_scan__isnull=False).values(
        "latest_scan_id"
    )


# --- leaderboard -------------------------------------------------------------------------


@dataclass(frozen=True)
class LeaderboardFilters:
    """What the leaderboard shows, read from (and written back to) the query string."""

    team: str = ""
    band: str = ""
    tag: str = ""
    q: str = ""
    sort: str = "-overall"

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> LeaderboardFilters:
        """Unknown values fall back to "no filter" rather than an error page."""
        band = params.get("band", "")
        sort = params.get("sort", "") or cls.sort
        return cls(
            team=params.get("team", "").strip()[:100],
            band=band if band in (*BAND_ORDER, NO_TEAM) else "",
            tag=params.get("tag", "").strip()[:100],
            q=params.get("q", "").strip()[:100],
            sort=sort if sort.lstrip("-") in SORT_KEYS else cls.sort,
        )

    @property
    def sort_key(self) -> str:
        return self.sort.lstrip("-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")

    @property
    def active(self) -> bool:
        return bool(self.team or self.band or self.tag or self.q)


# Sort key -> the expression ordered by. Dimension levels are added below.
SORT_KEYS: dict[str, str] = {
    "name": "name",
    "team": "team__name",
    "overall": "latest_scan__overall",
    "band": "latest_scan__overall",  # bands are score ranges: same order, finer ties
    "delta_prev": "delta_prev",
    "delta_month": "delta_month",
    "scanned": "latest_scan__finished_at",
    "state": "newest_state",
    **{f"dim_{name}": f"level_{name}" for name in DIMENSION_NAMES},
}


def _succeeded_before(outer_field: str, value) -> QuerySet:
    return Scan.objects.filter(
        repository=OuterRef("pk"), state__in=SCORED, **{f"queued_at__{outer_field}": value}
    ).order_by("-queued_at", "-pk")


def leaderboard_queryset(filters: LeaderboardFilters, *, now: datetime | None = None) -> QuerySet:
    """Active services, filtered and sorted, with the history the leaderboard needs.

    Annotations: `delta_prev` (against the scored scan before the latest), `delta_month`
    (against the newest scored scan at least four weeks old) and `newest_scan_id` (a
    queued, running or failed scan newer than the latest result); `newest_state` and a
    dimension's `level_<name>` only when the page is sorted by them.
    """
    now = now or timezone.now()
    rows = (
        Repository.objects.filter(active=True)
        .select_related("team", "latest_scan")
        .only(
            "name", "tags", "team__name", "team__slug", *(f"latest_scan__{c}" for c in SCAN_COLUMNS)
        )
    )
    # One subquery per delta: a separate `prev_overall` alias would be inlined into the
    # delta's SQL, and PostgreSQL would run it twice per row.
    rows = _filter(rows, filters).annotate(
        delta_prev=F("latest_scan__overall")
        - Subquery(
            _succeeded_before("lt", OuterRef("latest_scan__queued_at")).values("overall")[:1]
        ),
        delta_month=F("latest_scan__overall")
        - Subquery(_succeeded_before("lte", now - MONTH_AGO).values("overall")[:1]),
        newest_scan_id=Subquery(_newest_scans().values("pk")[:1]),
        **_sort_only_annotations(filters.sort_key),
    )
    expression = F(SORT_KEYS[filters.sort_key])
    ordering = (
        expression.desc(nulls_last=True) if filters.descending else expression.asc(nulls_last=True)
    )
    return rows.order_by(ordering, "name")


def _newest_scans() -> QuerySet:
    return Scan.objects.filter(repository=OuterRef("pk")).order_by("-queued_at", "-pk")


def _sort_only_annotations(key: str) -> dict[str, Subquery]:
    """What a sort key orders by that the rows do not otherwise carry."""
    if key == "state":
        return {"newest_state": Subquery(_newest_scans().values("state")[:1])}
    if key.startswith("dim_"):
        dimension = key.removeprefix("dim_")
        levels = DimensionScore.objects.filter(
            scan_id=OuterRef("latest_scan_id"), dimension=dimension
        )
        return {f"level_{dimension}": Subquery(levels.values("level")[:1])}
    return {}


def _filter(rows: QuerySet, filters: LeaderboardFilters) -> QuerySet:
    if filters.team == NO_TEAM:
        rows = rows.filter(team__isnull=True)
    elif filters.team:
        rows = rows.filter(team__slug=filters.team)
    if filters.band == NO_TEAM:
        rows = rows.filter(Q(latest_scan__isnull=True) | Q(latest_scan__band=""))
    elif filters.band:
        rows = rows.filter(latest_scan__band=filters.band)
    if filters.tag:
        rows = rows.filter(_has_tag(filters.tag))
    if filters.q:
        rows = rows.filter(Q(name__icontains=filters.q) | Q(team__name__icontains=filters.q))
    return rows


def _has_tag(tag: str) -> Q:
    # JSON containment is PostgreSQL-only; the embedded SQLite default matches the quoted
    # element in the stored JSON text instead (tags are plain strings).
    if connection.vendor == "postgresql":
        return Q(tags__contains=[tag])
    return Q(tags__icontains=f'"{tag}"')


@dataclass
class LeaderboardRow:
    repo: Repository
    scan: Scan | None
    levels: dict[str, int | None]
    delta_prev: float | None
    delta_month: float | None
    pending: Scan | None  # a newer scan than the result shown: queued, running or failed

    @property
    def level_list(self) -> list[tuple[str, int | None]]:
        """(dimension, level) in RULES.md order, for the table's eight level cells."""
        return [(name, self.levels.get(name)) for name in DIMENSION_NAMES]


def leaderboard_rows(page: list[Repository]) -> list[LeaderboardRow]:
    """The page's services with their dimension levels and pending scans (two queries)."""
    scan_ids = [repo.latest_scan_id for repo in page if repo.latest_scan_id]
    levels: dict[int, dict[str, int | None]] = {}
    for scan_id, dimension, level in DimensionScore.objects.filter(
        scan_id__in=scan_ids
    ).values_list("scan_id", "dimension", "level"):
        levels.setdefault(scan_id, {})[dimension] = level
    pending_ids = [
        repo.newest_scan_id
        for repo in page
        if repo.newest_scan_id and repo.newest_scan_id != repo.latest_scan_id
    ]
    pending = {
        scan.pk: scan
        for scan in Scan.objects.filter(pk__in=pending_ids).only(
            "state", "error_code", "error_message", "queued_at", "finished_at"
        )
    }
    return [
        LeaderboardRow(
            repo=repo,
            scan=repo.latest_scan,
            levels=levels.get(repo.latest_scan_id, {}),
            delta_prev=_rounded(repo.delta_prev),
            delta_month=_rounded(repo.delta_month),
            pending=pending.get(repo.newest_scan_id),
        )
        for repo in page
    ]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def filter_choices() -> dict[str, list]:
    """Teams and tags for the filter form (two small queries)."""
    teams = list(Team.objects.order_by("name").values("slug", "name"))
    return {"teams": teams, "tags": distinct_tags(), "bands": list(BAND_ORDER)}


def distinct_tags() -> list[str]:
    """Every tag on an active service, sorted (one query)."""
    active = Repository.objects.filter(active=True)
    if connection.vendor == "postgresql":
        # Unnest in the database: a handful of rows instead of every service's JSON list.
        rows = active.annotate(
            tag=Func(F("tags"), function="jsonb_array_elements_text", output_field=CharField())
        )
        return sorted(rows.values_list("tag", flat=True).distinct().order_by())
    tags: set[str] = set()
    for repo_tags in active.values_list("tags", flat=True):
        tags.update(tag for tag in repo_tags or [] if isinstance(tag, str))
    return sorted(tags)


# --- fleet summary -------------------------------------------------------------------------


@dataclass
class FleetSummary:
    services: int = 0
    scored: int = 0
    mean: float | None = None
    bands: list[tuple[str, int]] = field(default_factory=list)
    histogram: list[tuple[int, int, int]] = field(default_factory=list)  # (from, to, count)
    top_p0: list[dict] = field(default_factory=list)
    trend: list[dict] = field(default_factory=list)  # see fleet_trend.fleet_trend


def fleet_summary(*, use_cache: bool = True) -> FleetSummary:
    """Score distribution, services per band, most-failed P0 checks and the weekly trend.

    Fleet-wide aggregates change only when a scan is stored, so they are cached under a
    key made of the active services' latest-scan pointers (one cheap query); a rescore,
    which rewrites scores in place, shows up within SUMMARY_CACHE_SECONDS.
    """
    state = Repository.objects.filter(active=True).aggregate(
        services=Count("pk"), pointers=Sum("latest_scan_id"), newest=Max("latest_scan_id")
    )
    key = "fleet-summary:{services}:{pointers}:{newest}".format(**state)
    if use_cache and (hit := django_cache.get(key)) is not None:
        return hit
    summary = _compute_summary(state["services"])
    django_cache.set(key, summary, SUMMARY_CACHE_SECONDS)
    return summary


def _compute_summary(services: int) -> FleetSummary:
    summary = FleetSummary(services=services)
    band_counts: dict[str, int] = dict.fromkeys(BAND_ORDER, 0)
    buckets = [0] * 10
    total = 0.0
    for bucket, band, count, score_sum in _score_buckets():
        buckets[int(bucket)] += count
        band_counts[band] = band_counts.get(band, 0) + count
        summary.scored += count
        total += score_sum or 0
    summary.mean = round(total / summary.scored, 1) if summary.scored else None
    summary.bands = [(band, band_counts.get(band, 0)) for band in BAND_ORDER]
    summary.histogram = [(i * 10, i * 10 + 10, n) for i, n in enumerate(buckets)]
    summary.top_p0 = most_failed_p0()
    summary.trend = fleet_trend()
    return summary


def _score_buckets() -> list[tuple]:
    """(decile 0..9, band, services, sum of scores) over the latest scores (one query)."""
    return list(
        Repository.objects.filter(active=True, latest_scan__overall__isnull=False)
        .annotate(
            bucket=Least(Floor(F("latest_scan__overall") / 10.0), 9.0, output_field=FloatField())
        )
        .values_list("bucket", "latest_scan__band")
        .annotate(n=Count("pk"), total=Sum("latest_scan__overall"))
        .order_by()
    )


def most_failed_p0(limit: int = TOP_P0_LIMIT) -> list[dict]:
    """The P0 checks failing in the most services' latest scans (waived ones do not count)."""
    meta = checks_meta()
    rows = (
        CheckResult.objects.filter(
            scan_id__in=latest_scan_ids(),
            status=CheckStatus.FAIL,
            waived=False,
            check_id__in=p0_check_ids(),
        )
        .values("check_id")
        .annotate(failing=Count("pk"))
        .order_by("-failing", "check_id")[:limit]
    )
    return [
        {
            "check_id": row["check_id"],
            "title": meta.get(row["check_id"], {}).get("title", ""),
            "failing": row["failing"],
        }
        for row in rows
    ]


# --- team roll-up --------------------------------------------------------------------------


@dataclass
class TeamRollup:
    name: str
    slug: str  # NO_TEAM for services without a team
    services: int
    scored: int
    mean: float | None
    worst_name: str | None
    worst_score: float | None
    worst_band: str | None
    bands: list[tuple[str, int]]
    p0_failures: int


def team_rollups() -> list[TeamRollup]:
    """One row per team (services without a team last), summed in Python from the active
    services' latest scores: three queries, one more when a scan has landed since the P0
    failure counts were cached."""
    services = list(
        Repository.objects.filter(active=True)
        .order_by(F("latest_scan__overall").asc(nulls_last=True), "name")  # worst first
        .values_list(
            "team_id", "name", "latest_scan_id", "latest_scan__overall", "latest_scan__band"
        )
    )
    p0 = p0_failures_by_scan({scan_id for _, _, scan_id, _, _ in services if scan_id})
    by_team: dict[int | None, list[tuple]] = {}
    for service in services:
        by_team.setdefault(service[0], []).append(service)
    rollups = [
        _rollup(team["name"], team["slug"], by_team.get(team["pk"], []), p0)
        for team in Team.objects.order_by("name").values("pk", "name", "slug")
    ]
    if by_team.get(None):
        rollups.append(_rollup("No team", NO_TEAM, by_team[None], p0))
    return rollups


def _rollup(name: str, slug: str, services: list[tuple], p0: dict[int, int]) -> TeamRollup:
    """`services`: (team id, name, latest scan id, overall, band), worst score first."""
    scored = [service for service in services if service[3] is not None]
    worst = scored[0] if scored else (None,) * 5
    bands = [service[4] for service in services]
    return TeamRollup(
        name=name,
        slug=slug,
        services=len(services),
        scored=sum(1 for service in services if service[2] is not None),
        mean=_mean([service[3] for service in scored]),
        worst_name=worst[1],
        worst_score=worst[3],
        worst_band=worst[4],
        bands=[(band, bands.count(band)) for band in BAND_ORDER],
        p0_failures=sum(p0.get(service[2], 0) for service in services),
    )


def _mean(values: list[float]) -> float | None:
    """The mean to one decimal, halves up, computed in decimal: the order in which floats
    are summed cannot tip a mean of exactly .x5 either way."""
    if not values:
        return None
    exact = sum(Decimal(str(value)) for value in values) / len(values)
    return float(exact.quantize(Decimal("0.1"), ROUND_HALF_UP))


def p0_failures_by_scan(scan_ids: set[int]) -> dict[int, int]:
    """Failing, unwaived P0 checks per latest scan (scans without any are left out).

    Stored results never change, so the counts are cached and counted again (one query)
    only when these scans are not all among those counted last time.
    """
    key = f"fleet-p0-by-scan:{_digest(p0_check_ids())}"
    cached = django_cache.get(key)
    if cached is not None and scan_ids <= cached[0]:
        return cached[1]
    counts = dict(
        CheckResult.objects.filter(
            scan_id__in=sorted(scan_ids),  # these scans exactly, whatever landed since
            status=CheckStatus.FAIL,
            waived=False,
            check_id__in=p0_check_ids(),
        )
        .values_list("scan_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    django_cache.set(key, (frozenset(scan_ids), counts), None)
    return counts


def _digest(ids: tuple[str, ...]) -> str:
    """A stable short name for a set of check ids (the cache outlives a rules upgrade)."""
    return hashlib.sha256(",".join(ids).encode()).hexdigest()[:12]


# --- fleet checks --------------------------------------------------------------------------


@dataclass
class CheckRate:
    meta: dict
    passing: int = 0  # pass, or waived
    failing: int = 0
    warning: int = 0
    unknown: int = 0
    not_applicable: int = 0

    @property
    def id(self) -> str:
        return self.meta["id"]

    @property
    def applicable(self) -> int:
        return self.passing + self.failing + self.warning + self.unknown

    @property
    def pass_rate(self) -> float | None:
        return self.passing / self.applicable if self.applicable else None


def check_rates() -> dict[str, list[CheckRate]]:
    """Every registered check with its fleet counts, grouped by dimension (one query, two
    when a scan has landed since the counts were cached)."""
    counts = fleet_check_counts()
    grouped: dict[str, list[CheckRate]] = {}
    for check_id, meta in checks_meta().items():
        row = counts.get(check_id, {})
        rate = CheckRate(meta=meta, **{k: v for k, v in row.items() if k != "check_id"})
        grouped.setdefault(meta.get("dimension") or "other", []).append(rate)
    return grouped


def fleet_check_counts() -> dict[str, dict]:
    """Pass/fail/... counts per check over the latest scans, by check id.

    Stored results never change, so the counts are cached with the set of scans they were
    counted over and counted again only when that set is no longer the latest one.
    """
    scan_ids = frozenset(latest_scan_ids().values_list("latest_scan_id", flat=True))
    cached = django_cache.get(CHECK_COUNTS_KEY)
    if cached is not None and cached[0] == scan_ids:
        return cached[1]
    counts = {
        row["check_id"]: row
        for row in CheckResult.objects.filter(scan_id__in=sorted(scan_ids))
        .values("check_id")
        .annotate(
            passing=Count("pk", filter=Q(status=CheckStatus.PASS) | Q(waived=True)),
            failing=Count("pk", filter=Q(status=CheckStatus.FAIL, waived=False)),
            warning=Count("pk", filter=Q(status=CheckStatus.WARN, waived=False)),
            unknown=Count("pk", filter=Q(status=CheckStatus.UNKNOWN, waived=False)),
            not_applicable=Count("pk", filter=Q(status=CheckStatus.NA, waived=False)),
        )
        .order_by()
    }
    django_cache.set(CHECK_COUNTS_KEY, (scan_ids, counts), None)
    return counts


@dataclass
class CheckServiceRow:
    repo_name: str
    team_name: str | None
    status: str
    waived: bool
    evidence_count: int
    scanned_at: datetime | None
    failing_since: datetime | None  # first scan of the current failing streak


def check_status_counts(check_id: str) -> dict[str, int]:
    """Services per status of one check in the latest scans; waived ones under "waived"
    whatever their status (one query)."""
    rows = (
        CheckResult.objects.filter(scan_id__in=latest_scan_ids(), check_id=check_id)
        .values("status", "waived")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[str, int] = {}
    for row in rows:
        key = "waived" if row["waived"] else row["status"]
        counts[key] = counts.get(key, 0) + row["n"]
    return counts


def _in_sections(keys: Iterable[str]) -> Q:
    """Results shown under these status keys ("waived" holds every waived result)."""
    keys = set(keys)
    shown = Q(status__in=keys - {"waived"}, waived=False)
    return shown | Q(waived=True) if "waived" in keys else shown


def check_across_fleet(
    check_id: str, sections: Iterable[str] | None = None
) -> list[CheckServiceRow]:
    """One check in every active service's latest scan, with failing streak starts; only
    the results under the `sections` status keys when given (see check_status_counts).

    One query: the streak start of a failing result is the first failing scan after the
    last scan where the check did not fail (correlated subqueries on the service's
    history, evaluated for failing results only).
    """
    service = OuterRef("scan__repository_id")
    last_ok = (
        _check_history(check_id, OuterRef(service))  # the service of the outer result
        .exclude(status=CheckStatus.FAIL)
        .order_by("-scan__queued_at")
        .values("scan__queued_at")[:1]
    )
    streak_start = Subquery(
        _check_history(check_id, service)
        .filter(status=CheckStatus.FAIL)
        .filter(scan__queued_at__gt=Coalesce(Subquery(last_ok), Value(EPOCH)))
        .order_by("scan__queued_at")
        .values("scan__queued_at")[:1]
    )
    rows = CheckResult.objects.filter(scan_id__in=latest_scan_ids(), check_id=check_id)
    if sections is not None:
        rows = rows.filter(_in_sections(sections))
    rows = (
        rows.annotate(streak_start=Case(When(status=CheckStatus.FAIL, then=streak_start)))
        .values(
            "status",
            "waived",
            "evidence_count",
            "streak_start",
            "scan__queued_at",
            "scan__repository__name",
            "scan__repository__team__name",
        )
        .order_by("scan__repository__name")
    )
    return [
        CheckServiceRow(
            repo_name=row["scan__repository__name"],
            team_name=row["scan__repository__team__name"],
            status=row["status"],
            waived=row["waived"],
            evidence_count=row["evidence_count"],
            scanned_at=row["scan__queued_at"],
            failing_since=row["streak_start"],
        )
        for row in rows
    ]


def _check_history(check_id: str, repository: OuterRef) -> QuerySet:
    return CheckResult.objects.filter(
        scan__repository_id=repository, scan__state__in=SCORED, check_id=check_id
    )
