"""Where alerts and digests go, and one record per delivery (the idempotency key)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class TargetKind(models.TextChoices):
    WEBHOOK = "webhook"
    EMAIL = "email", "e-mail"


class NotificationTarget(models.Model):
    """A webhook URL or a list of e-mail addresses that wants score-drop alerts and digests."""

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=10, choices=TargetKind.choices)
    url = models.URLField(max_length=500, blank=True, default="", help_text="Webhook only.")
    # The webhook's HMAC key: it must be readable to sign, so it is stored; never rendered.
    secret = models.CharField(max_length=200, blank=True, default="")
    emails = models.TextField(
        blank=True, default="", help_text="E-mail only: addresses, one per line or comma."
    )
    team = models.ForeignKey(
        "dashboard.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notification_targets",
        help_text="Only this team's services; empty: the whole fleet.",
    )
    min_score_drop = models.FloatField(
        null=True, blank=True, help_text="Points; empty: READYBOARD_ALERT_SCORE_DROP."
    )
    alerts = models.BooleanField(default=True, help_text="Score drops and new P0 failures.")
    digest = models.BooleanField(default=True, help_text="The weekly fleet digest.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"

    @property
    def recipients(self) -> list[str]:
        parts = self.emails.replace(",", "\n").splitlines()
        return [p.strip() for p in parts if p.strip()]


class DeliveryKind(models.TextChoices):
    ALERT = "alert"
    DIGEST = "digest"


class DeliveryState(models.TextChoices):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class Delivery(models.Model):
    """One notification to one target; its unique keys make a second signal a no-op."""

    target = models.ForeignKey(
        NotificationTarget, on_delete=models.CASCADE, related_name="deliveries"
    )
    kind = models.CharField(max_length=10, choices=DeliveryKind.choices)
    scan = models.ForeignKey(
        "dashboard.Scan", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    week = models.DateField(null=True, blank=True, help_text="Digest: Monday of its week.")
    payload = models.JSONField(default=dict)
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["target", "scan"], condition=Q(kind="alert"), name="delivery_alert_once"
            ),
            models.UniqueConstraint(
                fields=["target", "week"], condition=Q(kind="digest"), name="delivery_digest_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} -> {self.target_id} ({self.state})"
