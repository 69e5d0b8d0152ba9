"""Waivers and attestations made in the dashboard, and their history.

A maintainer waives a check for one service (it counts as met, shown as waived) or attests a
check code cannot decide (`unknown`); each has a reason and an expiry date and ends on that
date by itself. Rows are never deleted: revoking stamps `revoked_at`, and every change adds
a WaiverEvent, so the history says who did what.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class WaiverKind(models.TextChoices):
    WAIVE = "waive"
    ATTEST = "attest"


class WaiverQuerySet(models.QuerySet):
    def in_force(self, at: datetime | None = None) -> WaiverQuerySet:
        """Waivers that counted at `at` (default now): made, not yet revoked nor expired."""
        at = at or timezone.now()
        return self.filter(
            Q(revoked_at__isnull=True) | Q(revoked_at__gt=at),
            created_at__lte=at,
            expires_on__gt=at.astimezone(UTC).date(),
        )


class Waiver(models.Model):
    repository = models.ForeignKey(
        "dashboard.Repository", on_delete=models.CASCADE, related_name="waivers"
    )
    check_id = models.CharField(max_length=20)
    kind = models.CharField(max_length=10, choices=WaiverKind.choices, default=WaiverKind.WAIVE)
    reason = models.TextField()
    # The waiver ends on this date (UTC): it counts up to the day before.
    expires_on = models.DateField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    author_name = models.CharField(max_length=150, blank=True, default="")  # kept if deleted
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by_name = models.CharField(max_length=150, blank=True, default="")
    # Set once the expiry sweep has rescored the repository after the waiver lapsed.
    lapse_handled = models.BooleanField(default=False)

    objects = WaiverQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [("manage_waivers", "Can waive and attest checks")]
        indexes = [models.Index(fields=["repository", "check_id"], name="waiver_repo_check")]
        constraints = [
            # One live (unrevoked) waiver per service and check; a new one supersedes it.
            models.UniqueConstraint(
                fields=["repository", "check_id"],
                condition=Q(revoked_at__isnull=True),
                name="waiver_one_live_per_check",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.check_id} on {self.repository_id}"

    def status_at(self, at: datetime | None = None) -> str:
        """'active', 'revoked' or 'expired' at `at` (default now)."""
        at = at or timezone.now()
        if self.revoked_at is not None and self.revoked_at <= at:
            return "revoked"
        if self.expires_on <= at.astimezone(UTC).date():
            return "expired"
        return "active"


class WaiverEvent(models.Model):
    """One thing that happened to a waiver: made, revoked, superseded, expired."""

    class Action(models.TextChoices):
        CREATED = "created"
        REVOKED = "revoked"
        SUPERSEDED = "superseded"
        EXPIRED = "expired"

    waiver = models.ForeignKey(Waiver, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150, blank=True, default="")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_name or 'system'}"
