"""Admin for API tokens, notification targets and deliveries (registered from our urls)."""

from __future__ import annotations

from django.contrib import admin, messages

from dashboard.models import ApiToken, Delivery, NotificationTarget
from dashboard.models.api_token import TOKEN_PREFIX, digest


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "user",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    fields = ("user", "name", "expires_at", "revoked_at")
    readonly_fields = ()

    def save_model(self, request, obj, form, change):
        if not change:
            import secrets

            raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
            obj.prefix, obj.digest = raw[:10], digest(raw)
            # The only time the token is shown: only its hash is stored.
            messages.warning(request, f"New token (copy it now, it is not shown again): {raw}")
        super().save_model(request, obj, form, change)


@admin.register(NotificationTarget)
class NotificationTargetAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "team", "alerts", "digest", "active")
    list_filter = ("kind", "active")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "kind",
        "target",
        "scan",
        "week",
        "state",
        "attempts",
        "last_status",
        "created_at",
        "delivered_at",
    )
    list_filter = ("kind", "state")
    readonly_fields = [f.name for f in Delivery._meta.fields]
