"""Failed sign-ins, kept in the database so every web process sees the same count."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class LoginFailure(models.Model):
    """One failed sign-in; `username_key` is the lower-cased name typed (no password)."""

    username_key = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.username_key} from {self.ip} at {self.at:%Y-%m-%d %H:%M}"
