"""Prometheus `/metrics`: fleet gauges read from the database at scrape time.

A custom collector rather than process-local counters: web processes and workers are many
and short-lived, the database is the one truth; a scrape costs a fixed handful of queries.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily

from dashboard.integrations.auth import error, metrics_allowed
from dashboard.models import DimensionScore, Repository, Scan, ScanState

# Seconds; scans run from sub-second (reused result) to the 10-minute time limit.
DURATION_BUCKETS = (1, 5, 10, 30, 60, 120, 300, 600, 1200)
REPO_COLUMNS = (
    "name",
    "team__name",
    "latest_scan__overall",
    "latest_scan__band",
    "latest_scan__finished_at",
    "latest_scan__health_score",
)


class FleetCollector:
    def collect(self):
        repos = list(
            Repository.objects.filter(active=True)
            .select_related("team", "latest_scan")
            .only(*REPO_COLUMNS)
        )
        yield from self._scores(repos)
        yield from self._dimensions(repos)
        yield self._states()
        yield self._durations()

    def _scores(self, repos):
        score = GaugeMetricFamily(
            "readyboard_service_score", "Latest overall score (0-100).", labels=["service", "team"]
        )
        health = GaugeMetricFamily(
            "readyboard_service_health", "Latest quick-health points.", labels=["service"]
        )
        scanned = GaugeMetricFamily(
            "readyboard_service_last_scan_timestamp_seconds",
            "When the latest stored scan finished.",
            labels=["service"],
        )
        bands: dict[str, int] = {}
        for repo in repos:
            scan = repo.latest_scan
            band = (scan.band if scan else "") or "unscored"
            bands[band] = bands.get(band, 0) + 1
            if scan is None:
                continue
            if scan.overall is not None:
                score.add_metric([repo.name, repo.team.name if repo.team else ""], scan.overall)
            if scan.health_score is not None:
                health.add_metric([repo.name], scan.health_score)
            if scan.finished_at:
                scanned.add_metric([repo.name], scan.finished_at.timestamp())
        by_band = GaugeMetricFamily(
            "readyboard_services", "Active services by band of their latest scan.", labels=["band"]
        )
        for band, count in sorted(bands.items()):
            by_band.add_metric([band], count)
        return [score, health, scanned, by_band]

    def _dimensions(self, repos):
        names = {r.latest_scan_id: r.name for r in repos if r.latest_scan_id}
        family = GaugeMetricFamily(
            "readyboard_service_dimension_score",
            "Latest per-dimension score (0-100).",
            labels=["service", "dimension"],
        )
        level = GaugeMetricFamily(
            "readyboard_service_dimension_level",
            "Latest per-dimension level.",
            labels=["service", "dimension"],
        )
        rows = DimensionScore.objects.filter(scan_id__in=list(names)).values_list(
            "scan_id", "dimension", "score", "level"
        )
        for scan_id, dimension, score, lvl in rows.order_by("scan_id", "dimension"):
            if score is not None:
                family.add_metric([names[scan_id], dimension], score)
            if lvl is not None:
                level.add_metric([names[scan_id], dimension], lvl)
        return [family, level]

    def _states(self):
        family = GaugeMetricFamily("readyboard_scans", "Stored scans by state.", labels=["state"])
        counts = dict(Scan.objects.values_list("state").annotate(n=Count("pk")).order_by())
        for state in ScanState.values:
            family.add_metric([state], counts.get(state, 0))
        return family

    def _durations(self):
        """Histogram of finished scans' wall time (all stored scans: cumulative)."""
        finished = Scan.objects.filter(
            duration_ms__isnull=False,
            state__in=(ScanState.SUCCEEDED, ScanState.FAILED, ScanState.NOT_APPLICABLE),
        )
        aggregates = {
            f"le_{b}": Count("pk", filter=Q(duration_ms__lte=b * 1000)) for b in DURATION_BUCKETS
        }
        totals = finished.aggregate(count=Count("pk"), total=Sum("duration_ms"), **aggregates)
        buckets = [(str(float(b)), totals[f"le_{b}"]) for b in DURATION_BUCKETS]
        buckets.append(("+Inf", totals["count"]))
        return HistogramMetricFamily(
            "readyboard_scan_duration_seconds",
            "Wall time of finished scans.",
            buckets=buckets,
            sum_value=(totals["total"] or 0) / 1000,
        )


@login_not_required
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return error(401, "metrics need a bearer token (READYBOARD_METRICS_TOKEN or an API token)")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(FleetCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
