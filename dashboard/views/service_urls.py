"""One service's pages: overview, checks, scans, endpoints."""

from django.urls import path

from dashboard.views import (
    service_checks,
    service_compare,
    service_endpoints,
    service_overview,
    service_scans,
)

urlpatterns = [
    path("services/<slug:name>/", service_overview.service_page, name="service"),
    path("services/<slug:name>/scan/", service_scans.scan_now, name="service-scan"),
    path(
        "services/<slug:name>/scans/<int:scan_id>/progress/",
        service_scans.scan_progress,
        name="scan-progress",
    ),
    path("services/<slug:name>/compare/", service_compare.compare, name="service-compare"),
    path("services/<slug:name>/endpoints/", service_endpoints.endpoints, name="service-endpoints"),
    path(
        "services/<slug:name>/checks/<str:check_id>/",
        service_checks.check_detail,
        name="service-check",
    ),
]
