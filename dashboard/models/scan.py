"""One scan of one repository and the rows it produced.

Raw results (CheckResult, Evidence, endpoints, files) are what the scanner saw and never
change; the computed scores (overall/band/health_*, score_json, DimensionScore) are derived
from them and may be recomputed by `manage.py rescore` when the weights change.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.db.models import Q
from django.utils import timezone


class ScanState(models.TextChoices):
    QUEUED = "queued"
    CLONING = "cloning"
    SCANNING = "scanning"
    SAVING = "saving"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    NOT_APPLICABLE = "not_applicable", "not applicable"


ACTIVE_STATES = (ScanState.QUEUED, ScanState.CLONING, ScanState.SCANNING, ScanState.SAVING)
FINAL_STATES = (ScanState.SUCCEEDED, ScanState.FAILED, ScanState.NOT_APPLICABLE)


class Trigger(models.TextChoices):
    MANUAL = "manual"
    SCHEDULED = "scheduled"
    API = "api"
    IMPORT = "import"


class Band(models.TextChoices):
    CRITICAL = "critical"
    NEEDS_WORK = "needs_work", "needs work"
    SOLID = "solid"
    PRODUCTION_GRADE = "production_grade", "production grade"


class CheckStatus(models.TextChoices):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    NA = "na", "n/a"
    UNKNOWN = "unknown"


class ScanQuerySet(models.QuerySet):
    def active(self) -> ScanQuerySet:
        return self.filter(state__in=ACTIVE_STATES)

    def final(self) -> ScanQuerySet:
        return self.filter(state__in=FINAL_STATES)

    def transition(
        self, scan_id: int, from_states: str | Iterable[str], to_state: str, **fields
    ) -> bool:
        """Compare-and-set: move the scan to `to_state` only if it is in one of `from_states`.

        Returns whether this call made the change, so a redelivered task or a double click
        that lost the race does nothing.
        """
        expected = [from_states] if isinstance(from_states, str) else list(from_states)
        changed = self.filter(pk=scan_id, state__in=expected).update(state=to_state, **fields)
        return changed == 1


class Scan(models.Model):
    repository = models.ForeignKey(
        "dashboard.Repository", on_delete=models.CASCADE, related_name="scans"
    )
    state = models.CharField(max_length=20, choices=ScanState.choices, default=ScanState.QUEUED)
    trigger = models.CharField(max_length=20, choices=Trigger.choices, default=Trigger.MANUAL)
    commit_sha = models.CharField(max_length=64, blank=True, default="")
    branch = models.CharField(max_length=200, blank=True, default="")
    rules_version = models.CharField(max_length=20, blank=True, default="")
    scanner_version = models.CharField(max_length=20, blank=True, default="")

    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    # Why it ended, apart from where it is: a stable id such as "repo:unreachable",
    # "repo:auth", "repo:not-found", "repo:timeout", "repo:too-large", "scan:error",
    # "scan:timeout", "worker:lost"; the page text is looked up from it.
    error_code = models.CharField(max_length=40, blank=True, default="")
    error_message = models.TextField(blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    reused_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reuses"
    )

    # Computed scores (recomputable).
    overall = models.FloatField(null=True, blank=True)
    band = models.CharField(max_length=20, choices=Band.choices, blank=True, default="")
    health_score = models.PositiveSmallIntegerField(null=True, blank=True)
    health_max = models.PositiveSmallIntegerField(null=True, blank=True)
    score_json = models.JSONField(default=dict, blank=True)

    # Raw facts from the scanner.
    app_root = models.CharField(max_length=300, blank=True, default="")
    app_roots = models.JSONField(default=list, blank=True)
    endpoints = models.JSONField(default=list, blank=True)
    files = models.JSONField(default=dict, blank=True)
    timings = models.JSONField(default=dict, blank=True)
    evidence_pruned = models.BooleanField(default=False)

    objects = ScanQuerySet.as_manager()

    class Meta:
        get_latest_by = "queued_at"
        indexes = [
            # History of one repository, newest first (also "latest scan" fallbacks).
            models.Index(fields=["repository", "-queued_at"], name="scan_repo_history"),
            # Reuse lookup: the same commit under the same rules version.
            models.Index(
                fields=["repository", "commit_sha", "rules_version"], name="scan_repo_commit"
            ),
            # The reaper's query: active scans whose heartbeat went quiet.
            models.Index(
                fields=["state", "heartbeat_at"],
                name="scan_active_heartbeat",
                condition=Q(state__in=ACTIVE_STATES),
            ),
        ]
        constraints = [
            # Only one scan of a repository in flight at a time, enforced by the database so
            # two web processes cannot both enqueue one.
            models.UniqueConstraint(
                fields=["repository"],
                condition=Q(state__in=ACTIVE_STATES),
                name="scan_one_active_per_repository",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.repository_id}#{self.pk} {self.state}"

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def short_sha(self) -> str:
        return self.commit_sha[:10]


class DimensionScore(models.Model):
    """A computed per-dimension score of one scan (None when the dimension is excluded)."""

    scan = models.ForeignKey(Scan, on_delete=models.CASCADE, related_name="dimension_scores")
    dimension = models.CharField(max_length=40)
    score = models.FloatField(null=True, blank=True)
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    weight = models.PositiveSmallIntegerField(default=0)
    included = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scan", "dimension"], name="dimension_unique_per_scan")
        ]

    def __str__(self) -> str:
        return f"{self.dimension}: {self.score}"


class CheckResult(models.Model):
    """The raw verdict of one check in one scan."""

    scan = models.ForeignKey(Scan, on_delete=models.CASCADE, related_name="check_results")
    check_id = models.CharField(max_length=20)
    status = models.CharField(max_length=10, choices=CheckStatus.choices)
    metric = models.JSONField(null=True, blank=True)
    waived = models.BooleanField(default=False)
    waiver_reason = models.TextField(blank=True, default="")
    # Kept after retention prunes the Evidence rows, so counts stay truthful.
    evidence_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scan", "check_id"], name="check_unique_per_scan")
        ]
        indexes = [
            # One check across the fleet ("which services fail SEC-001").
            models.Index(fields=["check_id", "status"], name="check_fleet_status"),
        ]

    def __str__(self) -> str:
        return f"{self.check_id}: {self.status}"


class Evidence(models.Model):
    """One place a person can look at for a check result."""

    check_result = models.ForeignKey(CheckResult, on_delete=models.CASCADE, related_name="evidence")
    path = models.CharField(max_length=1000, blank=True, default="")
    line = models.PositiveIntegerField(null=True, blank=True)
    end_line = models.PositiveIntegerField(null=True, blank=True)
    snippet = models.TextField(blank=True, default="")
    message = models.TextField(blank=True, default="")
    # Line-free identity of a finding: "since when does this one fail" across scans.
    fingerprint = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name_plural = "evidence"
        indexes = [models.Index(fields=["fingerprint"], name="evidence_fingerprint")]

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path or self.message[:40]
