"""Bulk registration from a YAML or CSV catalogue of repositories.

Each entry has the keys name, url, branch, app_root, team, tags and credential (the name of
a credential configured on the workers, for private repositories). Entries are matched by name:
a known name is updated, a new one created. Every valid entry is applied in its own
savepoint; an invalid one changes nothing and is reported with its row number.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

import yaml
from django.db import transaction

from dashboard.models import Repository
from dashboard.registration.forms import CatalogueEntryForm, parse_tags

KEYS = ("name", "url", "branch", "app_root", "team", "tags", "credential")
# Catalogue keys that are named differently on the form (and the model).
FORM_FIELD_OF = {"credential": "credential_name"}


@dataclass
class ImportReport:
    """Outcome of one import; `errors` holds (row, message), rows counted from 1 for YAML
    entries and as line numbers for CSV (the header is line 1)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.errors)} failed"
        )


class CatalogueError(ValueError):
    """The file as a whole cannot be read (bad YAML, wrong shape, unknown format)."""


def import_catalogue(
    text: str, fmt: str, *, allow_local: bool, create_teams: bool = True
) -> ImportReport:
    """Register or update every entry of a catalogue in `fmt` ("yaml" or "csv")."""
    report = ImportReport()
    for row, entry in parse_catalogue(text, fmt):
        try:
            outcome = apply_entry(entry, allow_local=allow_local, create_teams=create_teams)
        except EntryError as exc:
            report.errors.append((row, str(exc)))
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def parse_catalogue(text: str, fmt: str) -> list[tuple[int, Any]]:
    """(row number, entry) pairs; raises CatalogueError when the file itself is unreadable."""
    if fmt == "yaml":
        return _parse_yaml(text)
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        return [(reader.line_num, dict(entry)) for entry in reader]
    raise CatalogueError(f"Unknown catalogue format '{fmt}': use yaml or csv.")


def _parse_yaml(text: str) -> list[tuple[int, Any]]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CatalogueError(f"The YAML file cannot be read: {exc}") from None
    if isinstance(data, dict) and "repositories" in data:
        data = data["repositories"]  # also accept a top-level `repositories:` key
    if data is None:
        return []
    if not isinstance(data, list):
        raise CatalogueError("The YAML file must be a list of entries (name, url, ...).")
    return list(enumerate(data, start=1))


class EntryError(ValueError):
    pass


def apply_entry(entry: Any, *, allow_local: bool, create_teams: bool) -> str:
    """Create or update one repository; return "created", "updated" or "unchanged"."""
    data = _entry_data(entry)
    instance = Repository.objects.filter(name=data.get("name", "")).first()
    form = CatalogueEntryForm(
        _with_current_values(data, instance),
        instance=instance,
        allow_local=allow_local,
        allow_create_team=create_teams,
    )
    if not form.is_valid():
        raise EntryError(_error_text(form))
    if instance and not form.has_changed():
        return "unchanged"
    with transaction.atomic():  # the team and the repository, or neither
        form.save()
    return "updated" if instance else "created"


def _entry_data(entry: Any) -> dict[str, str]:
    if not isinstance(entry, dict):
        raise EntryError("An entry must be a mapping with keys name, url, ...")
    unknown = sorted(str(k) for k in entry if k not in KEYS and k not in (None, ""))
    if unknown:
        raise EntryError(f"Unknown key(s): {', '.join(unknown)}; allowed: {', '.join(KEYS)}.")
    data = {}
    for key, value in entry.items():
        if key not in KEYS or value is None:
            continue
        field = FORM_FIELD_OF.get(key, key)
        data[field] = ", ".join(parse_tags(value)) if key == "tags" else str(value).strip()
    return data


def _with_current_values(data: dict[str, str], instance: Repository | None) -> dict[str, str]:
    """Keys an entry leaves out keep their current value instead of being blanked."""
    if instance is None:
        return data
    current = {
        "branch": instance.branch,
        "app_root": instance.app_root,
        "team": instance.team.name if instance.team else "",
        "tags": ", ".join(instance.tags),
        "credential_name": instance.credential_name,
    }
    return {**current, "url": instance.url, **data}


def _error_text(form: CatalogueEntryForm) -> str:
    parts = []
    for name, errors in form.errors.items():
        label = "entry" if name == "__all__" else name
        parts.extend(f"{label}: {message}" for message in errors)
    return "; ".join(parts)
