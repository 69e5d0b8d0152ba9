from __future__ import annotations

import re
from urllib.parse import quote

from django.core.validators import RegexValidator
from django.db import models

# Hosts whose web UI we know how to link into, and the path segment before the commit.
KNOWN_HOSTS = {"github.com": "/blob/", "gitlab.com": "/-/blob/"}

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_SCP_LIKE = re.compile(r"^[\w.-]+@(?P<host>[\w.-]+):(?P<path>[^/].*)$")
_URL_LIKE = re.compile(r"^(?:https|ssh)://(?:[^@/]+@)?(?P<host>[\w.-]+)(?::\d+)?/(?P<path>.+)$")


def derive_web_url(url: str) -> str:
    """Browser URL of a github.com/gitlab.com repository from its clone URL, else ""."""
    match = _SCP_LIKE.match(url) or _URL_LIKE.match(url)
    if not match or match["host"].lower() not in KNOWN_HOSTS:
        return ""
    path = match["path"].strip("/")
    path = path.removesuffix(".git")
    return f"https://{match['host'].lower()}/{path}" if path else ""


class Repository(models.Model):
    """A FastAPI service to scan: where to clone it from and which part of the tree is the app."""

    name = models.SlugField(
        max_length=100, unique=True, help_text="Short slug-like name, e.g. billing-api."
    )
    url = models.CharField("clone URL", max_length=500)
    branch = models.CharField(
        max_length=200, blank=True, default="", help_text="Empty: the remote's default branch."
    )
    app_root = models.CharField(
        max_length=300, blank=True, default="", help_text="Sub-folder holding the app, if any."
    )
    team = models.ForeignKey(
        "dashboard.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repositories",
    )
    tags = models.JSONField(default=list, blank=True)
    web_url = models.URLField(
        max_length=500,
        blank=True,
        default="",
        help_text="Base URL for source-line links; derived for GitHub and GitLab.",
    )
    active = models.BooleanField(default=True)
    # The *name* of a credential the workers hold (READYBOARD_CREDENTIAL_<NAME> or a file
    # in READYBOARD_CREDENTIALS_DIR); the secret itself never enters the database.
    credential_name = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="Name of a credential configured on the workers (private repositories).",
        validators=[
            RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9_-]*$", "Letters, digits, '-' and '_' only.")
        ],
    )
    latest_scan = models.ForeignKey(
        "dashboard.Scan",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # --- weekly schedule (dashboard.schedules) ---
    # Empty day/time: the global default (READYBOARD_SCHEDULE_WEEKDAY/_TIME, UTC).
    schedule_paused = models.BooleanField(
        default=False, help_text="Paused: no scheduled scans (manual scans still work)."
    )
    schedule_weekday = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        choices=list(enumerate(WEEKDAY_NAMES)),
        help_text="Empty: the global default day.",
    )
    schedule_time = models.TimeField(
        null=True, blank=True, help_text="UTC. Empty: the global default time."
    )
    # The next slot this repository is due; claimed by compare-and-set so two beats (or a
    # beat firing twice) queue one scan. Empty: not planned yet (the next tick plans it).
    next_scan_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)

    class Meta:
        verbose_name_plural = "repositories"
        ordering = ["name"]
        constraints = [
            # A monorepo may hold several services: the same URL with another app root is fine.
            models.UniqueConstraint(
                fields=["url", "branch", "app_root"], name="repository_unique_source"
            ),
        ]
        indexes = [models.Index(fields=["team", "name"], name="repository_team_name")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.web_url:
            self.web_url = derive_web_url(self.url)
        super().save(*args, **kwargs)

    @property
    def is_local(self) -> bool:
        return self.url.startswith("file://")

    def line_url(self, commit: str, path: str, line: int | None = None) -> str | None:
        """Link to `path` (at `line`) at `commit` in the web UI, or None when unknown."""
        if not (self.web_url and commit and path):
            return None
        host = self.web_url.split("/")[2].lower() if "://" in self.web_url else ""
        # Self-hosted GitLab keeps "gitlab" in its host name more often than not.
        segment = "/-/blob/" if "gitlab" in host else KNOWN_HOSTS.get(host, "/blob/")
        link = f"{self.web_url.rstrip('/')}{segment}{commit}/{quote(path.lstrip('/'))}"
        return f"{link}#L{line}" if line else link
