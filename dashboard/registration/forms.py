"""The form that registers (or edits) one repository; the catalogue import reuses it per row."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from dashboard.git.credentials import is_valid_name
from dashboard.models import Repository, Team
from dashboard.registration.validation import (
    validate_app_root,
    validate_branch,
    validate_repo_url,
)

_TAG_SPLIT = re.compile(r"[,;]")


def parse_tags(value: str | list | None) -> list[str]:
    """'a, b; c' or ['a', 'b'] -> ['a', 'b', 'c'], blanks and repeats dropped, order kept."""
    items = value if isinstance(value, list) else _TAG_SPLIT.split(value or "")
    tags: list[str] = []
    for item in items:
        tag = str(item).strip()
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def _encodable(value: str) -> None:
    # A catalogue file can carry "\ud800" escapes; the database cannot store them.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError("The text contains characters that are not valid Unicode.") from None


class RepositoryForm(forms.ModelForm):
    """Register or edit a repository.

    `allow_local` defaults to the READYBOARD_ALLOW_LOCAL_REPOS setting; with
    `allow_create_team` an unknown team name creates the team on save instead of erring.
    """

    team = forms.CharField(
        required=False, max_length=100, help_text="Team name; leave empty for none."
    )
    tags = forms.CharField(required=False, help_text="Separated by commas.")
    web_url = forms.URLField(
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="Base URL for source-line links; derived for GitHub and GitLab.",
    )

    class Meta:
        model = Repository
        fields = [
            "name", "url", "branch", "app_root", "team", "tags", "credential_name", "web_url",
            "active",
        ]  # fmt: skip

    def __init__(self, *args, allow_local: bool | None = None, allow_create_team=False, **kw):
        super().__init__(*args, **kw)
        if allow_local is None:
            allow_local = settings.READYBOARD_ALLOW_LOCAL_REPOS
        self.allow_local = allow_local
        self.allow_create_team = allow_create_team
        for field in self.fields.values():  # before any clean_* method queries the database
            if isinstance(field, forms.CharField):
                field.validators.append(_encodable)
        if self.instance.pk:  # names, not ids, so has_changed() compares like with like
            self.initial["team"] = self.instance.team.name if self.instance.team else ""
            self.initial["tags"] = ", ".join(self.instance.tags)

    def _others(self):
        return (
            Repository.objects.exclude(pk=self.instance.pk)
            if self.instance.pk
            else (Repository.objects.all())
        )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if self._others().filter(name=name).exists():
            raise ValidationError(f"A repository named '{name}' is already registered.")
        return name

    def clean_url(self) -> str:
        return validate_repo_url(self.cleaned_data["url"], self.allow_local)

    def clean_branch(self) -> str:
        return validate_branch(self.cleaned_data["branch"])

    def clean_app_root(self) -> str:
        return validate_app_root(self.cleaned_data["app_root"])

    def clean_credential_name(self) -> str:
        name = self.cleaned_data["credential_name"].strip()
        if name and not is_valid_name(name):
            raise ValidationError(
                "A credential name uses letters, digits, '-' and '_' (at most 64), e.g. "
                "'github-org'. It names a secret configured on the workers, not the secret."
            )
        return name

    def clean_team(self) -> Team | str | None:
        name = self.cleaned_data["team"].strip()
        if not name:
            return None
        team = Team.objects.filter(name__iexact=name).first()
        if team:
            return team
        if self.allow_create_team:
            return name  # created in save(), so an invalid form creates nothing
        known = ", ".join(Team.objects.values_list("name", flat=True)[:10]) or "none yet"
        raise ValidationError(f"Unknown team '{name}'. Existing teams: {known}.")

    def clean_tags(self) -> list[str]:
        return parse_tags(self.cleaned_data["tags"])

    def clean(self) -> dict:
        data = super().clean()
        source = {k: data.get(k) for k in ("url", "branch", "app_root")}
        if None not in source.values():
            twin = self._others().filter(**source).first()
            if twin:
                self.add_error(
                    "url",
                    f"This URL (same branch and app root) is already registered as '{twin.name}'.",
                )
        return data

    def _post_clean(self) -> None:
        # The team may still be a name to create: keep it off the instance until save().
        team = self.cleaned_data.get("team")
        if isinstance(team, str):
            self.cleaned_data["team"] = None
            self._team_to_create = team
        super()._post_clean()

    def save(self, commit: bool = True) -> Repository:
        name = getattr(self, "_team_to_create", None)
        if name:
            self.instance.team, _ = Team.objects.get_or_create(name=name)
        return super().save(commit=commit)

    def validate_unique(self) -> None:
        # clean_name() and clean() already say it in words people understand.
        pass


class CatalogueEntryForm(RepositoryForm):
    """One catalogue row: only the catalogue's keys, so web_url/active are never reset."""

    class Meta(RepositoryForm.Meta):
        fields = ["name", "url", "branch", "app_root", "team", "tags", "credential_name"]
