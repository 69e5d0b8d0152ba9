"""`manage.py api_token USER NAME`: issue an API token and print it (the only time it shows)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from dashboard.models import ApiToken


class Command(BaseCommand):
    help = "Issue an API token for a user; only its hash is stored, so copy it now."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("name", help="What the token is for, e.g. 'grafana'.")

    def handle(self, username: str, name: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        _token, raw = ApiToken.issue(user, name)
        self.stdout.write(raw)
