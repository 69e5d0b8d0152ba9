from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dashboard.registration.catalogue import CatalogueError, import_catalogue

FORMATS = {".yaml": "yaml", ".yml": "yaml", ".csv": "csv"}


class Command(BaseCommand):
    help = "Register or update repositories from a YAML or CSV catalogue file."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--no-create-teams",
            action="store_true",
            help="Treat unknown team names as errors instead of creating the teams.",
        )

    def handle(self, *args, file: Path, no_create_teams: bool, **options) -> None:
        fmt = FORMATS.get(file.suffix.lower())
        if fmt is None:
            raise CommandError(f"{file}: unknown extension; use .yaml, .yml or .csv.")
        try:
            text = file.read_text(encoding="utf-8-sig")
            report = import_catalogue(
                text,
                fmt,
                allow_local=settings.READYBOARD_ALLOW_LOCAL_REPOS,
                create_teams=not no_create_teams,
            )
        except (OSError, UnicodeDecodeError, CatalogueError) as exc:
            raise CommandError(f"{file}: {exc}") from None
        for row, message in report.errors:
            self.stderr.write(f"{file}:{row}: {message}")
        self.stdout.write(f"{file}: {report.summary()}.")
        if report.errors:
            raise CommandError(f"failed entries: {len(report.errors)}", returncode=1)
