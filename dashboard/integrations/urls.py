"""URL patterns of the integrations (API, exports, badges, metrics, health)."""

from django.urls import path

from dashboard.integrations import admin as _admin  # noqa: F401 - registers our models
from dashboard.integrations import api, badge, exports, health, metrics

urlpatterns = [
    path("health", health.health, name="health"),
    path("ready", health.ready, name="ready"),
    path("metrics", metrics.metrics, name="metrics"),
    path("badge/<slug:name>.svg", badge.badge, name="badge"),
    path("export/leaderboard.csv", exports.leaderboard_csv, name="export-leaderboard-csv"),
    path("api/v1/repositories", api.repositories, name="api-repositories"),
    path("api/v1/repositories/<slug:name>", api.repository, name="api-repository"),
    path(
        "api/v1/repositories/<slug:name>/scans", api.repository_scans, name="api-repository-scans"
    ),
    path("api/v1/repositories/<slug:name>/scan", api.scan_now, name="api-scan-now"),
    path("api/v1/scan-all", api.scan_everything, name="api-scan-all"),
    path("api/v1/scans/<int:scan_id>", api.scan, name="api-scan"),
    path("api/v1/scans/<int:scan_id>/checks", api.scan_checks, name="api-scan-checks"),
    path("api/v1/scans/<int:scan_id>/sarif", exports.scan_sarif, name="scan-sarif"),
]
