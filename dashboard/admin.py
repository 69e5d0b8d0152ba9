"""Django admin: the back office for everything the pages do not edit."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html

from dashboard.models import CheckResult, DimensionScore, Evidence, Repository, Scan, Team
from dashboard.registration.forms import RepositoryForm


def admin_link(obj, label: str | None = None) -> str:
    """A link to an object's admin change page (or "-" for none)."""
    if obj is None:
        return "-"
    meta = obj._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, label or str(obj))


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "repository_count", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(repository_count=Count("repositories"))

    @admin.display(ordering="repository_count", description="repositories")
    def repository_count(self, obj) -> int:
        return obj.repository_count


@admin.register(Repository)
class RepositoryAdmin(admin.ModelAdmin):
    form = RepositoryForm  # the same URL/duplicate/team checks as the registration page
    list_display = ["name", "team", "active", "latest_overall", "latest_band", "latest"]
    list_filter = ["active", "team", "latest_scan__band"]
    search_fields = ["name", "url", "team__name"]
    list_select_related = ["team", "latest_scan"]
    readonly_fields = ["latest", "created_at", "updated_at"]
    fields = [
        "name",
        "url",
        "branch",
        "app_root",
        "team",
        "tags",
        "credential_name",
        "web_url",
        "active",
        "latest",
        "created_at",
        "updated_at",
    ]

    @admin.display(ordering="latest_scan__overall", description="overall")
    def latest_overall(self, obj):
        return obj.latest_scan.overall if obj.latest_scan else None

    @admin.display(ordering="latest_scan__band", description="band")
    def latest_band(self, obj):
        return obj.latest_scan.band if obj.latest_scan else ""

    @admin.display(description="latest scan")
    def latest(self, obj):
        return admin_link(obj.latest_scan)


class DimensionScoreInline(admin.TabularInline):
    model = DimensionScore
    extra = 0
    can_delete = False
    fields = ["dimension", "score", "level", "weight", "included"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class CheckResultInline(admin.TabularInline):
    model = CheckResult
    extra = 0
    can_delete = False
    fields = ["result", "status", "waived", "evidence_count"]
    readonly_fields = fields
    ordering = ["check_id"]
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="check")
    def result(self, obj):
        return admin_link(obj, obj.check_id)


@admin.register(Scan)
class ScanAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "repository",
        "state",
        "error_code",
        "trigger",
        "short_sha",
        "overall",
        "band",
        "queued_at",
        "duration_ms",
    ]
    list_filter = ["state", "band", "trigger", "error_code", "repository__team"]
    search_fields = ["repository__name", "commit_sha", "error_message"]
    list_select_related = ["repository"]
    date_hierarchy = "queued_at"
    ordering = ["-queued_at", "-id"]
    inlines = [DimensionScoreInline, CheckResultInline]
    readonly_fields = [
        "repository_link",
        "reused_link",
        "commit_sha",
        "rules_version",
        "scanner_version",
        "queued_at",
        "started_at",
        "finished_at",
        "heartbeat_at",
        "duration_ms",
        "overall",
        "band",
        "health_score",
        "health_max",
        "score_json",
        "app_root",
        "app_roots",
        "endpoints",
        "files",
        "timings",
        "evidence_pruned",
    ]
    exclude = ["repository", "reused_from"]

    def has_add_permission(self, request) -> bool:
        return False  # scans are started from the pages or `manage.py scan`

    @admin.display(description="repository")
    def repository_link(self, obj):
        return admin_link(obj.repository)

    @admin.display(description="reused from")
    def reused_link(self, obj):
        return admin_link(obj.reused_from)


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    can_delete = False
    fields = ["path", "line", "end_line", "message", "fingerprint"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CheckResult)
class CheckResultAdmin(admin.ModelAdmin):
    list_display = ["check_id", "status", "scan_link", "waived", "evidence_count"]
    list_filter = ["status", "waived", "scan__repository__team"]
    search_fields = ["check_id", "scan__repository__name"]
    list_select_related = ["scan__repository"]
    readonly_fields = [
        "scan_link",
        "check_id",
        "status",
        "metric",
        "waived",
        "waiver_reason",
        "evidence_count",
    ]
    exclude = ["scan"]
    inlines = [EvidenceInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # raw results are what the scanner saw

    @admin.display(description="scan")
    def scan_link(self, obj):
        return admin_link(obj.scan, f"{obj.scan.repository.name} #{obj.scan_id}")
