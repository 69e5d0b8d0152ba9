"""`manage.py adduser NAME --role viewer|maintainer|admin`: create (or re-role) a person.

The password is read from stdin with `--password-stdin` (so it stays out of the shell
history and the process list), else a random one is generated and printed once.
"""

from __future__ import annotations

import secrets
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from dashboard.accounts.roles import ROLES, assign_role


class Command(BaseCommand):
    help = "Create a user with a role, or change an existing user's role."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", choices=ROLES, required=True)
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password-stdin", action="store_true", help="Read the password from stdin."
        )

    def handle(self, *args, username: str, role: str, email: str, password_stdin: bool, **kw):
        model = get_user_model()
        password = sys.stdin.readline().rstrip("\n") if password_stdin else None
        generated = False
        with transaction.atomic():
            user = model.objects.filter(username=username).first()
            created = user is None
            if created:
                user = model(username=username, email=email)
            if password is None and created:
                password, generated = secrets.token_urlsafe(12), True
            if password is not None:
                self._check(password, user)
                user.set_password(password)
            user.save()
            assign_role(user, role)
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} {username} with role {role}.")
        if generated:
            self.stdout.write(f"Password: {password}")

    @staticmethod
    def _check(password: str, user) -> None:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
