"""Signal receivers, connected from `DashboardConfig.ready()`."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_migrate

from dashboard.accounts import throttle


def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    throttle.record_failure(credentials.get("username"), throttle.client_ip(request))


def _logged_in(sender, request, user, **kwargs) -> None:
    throttle.clear(user.get_username())


def _migrated(sender, app_config=None, **kwargs) -> None:
    from dashboard.accounts.roles import ensure_roles

    if app_config is not None and app_config.label == "dashboard":
        ensure_roles()


def connect() -> None:
    user_login_failed.connect(_login_failed, dispatch_uid="readyboard-login-failed")
    user_logged_in.connect(_logged_in, dispatch_uid="readyboard-logged-in")
    post_migrate.connect(_migrated, dispatch_uid="readyboard-roles")
