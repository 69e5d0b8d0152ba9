"""Build, register and queue the demo services (used by `manage.py runembedded`).

Sources: the fixture service trees in `tests/fixtures/services/*` when the checkout has
them, else the small trees in `dashboard/demo/trees/`. Each becomes a local repository
with two commits (an early version without tests and container files, then the full
tree), so a service page has history to show. Everything is idempotent across restarts.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

from dashboard.git.local import commit_tree, init_repository
from dashboard.models import Repository, Team, Trigger
from dashboard.scans.pipeline import request_scan

TREES = Path(__file__).resolve().parent / "trees"
FIXTURES = Path(settings.BASE_DIR) / "tests" / "fixtures" / "services"
TEAM = "Demo"
# Left out of the first commit: the second one "adds tests and a container image".
LATER = {"tests", "test", "Dockerfile", ".github", "docker-compose.yml", "compose.yaml"}
FIRST_DATE = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
SECOND_DATE = datetime(2025, 1, 20, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class DemoService:
    name: str
    source: Path


def demo_services() -> list[DemoService]:
    """The trees to publish: fixture services if present, else our own demo trees."""
    root = FIXTURES if _has_trees(FIXTURES) else TREES
    return [
        DemoService(name=path.name, source=path)
        for path in sorted(root.iterdir())
        if path.is_dir() and not path.name.startswith((".", "_"))
    ]


def _has_trees(folder: Path) -> bool:
    return folder.is_dir() and any(p.is_dir() for p in folder.iterdir())


def build_repository(service: DemoService, repos_dir: Path) -> Path:
    """A local git repository for the service (made once; kept as is afterwards)."""
    path = repos_dir / service.name
    if (path / ".git").is_dir():
        return path
    shutil.rmtree(path, ignore_errors=True)  # a half-built one from an interrupted start
    init_repository(path)
    with tempfile.TemporaryDirectory() as early:
        shutil.copytree(
            service.source, early, symlinks=True, dirs_exist_ok=True,
            ignore=lambda _dir, names: [n for n in names if n in LATER],
        )  # fmt: skip
        commit_tree(path, Path(early), "Initial version of the service", FIRST_DATE)
    commit_tree(path, service.source, "Add tests and a container image", SECOND_DATE)
    return path


def register(service: DemoService, path: Path, team: Team) -> Repository:
    url = path.resolve().as_uri()
    repository, created = Repository.objects.get_or_create(
        name=service.name,
        defaults={"url": url, "branch": "main", "team": team, "tags": ["demo"]},
    )
    # Saved only on a real change: updated_at bounds which old results may be reused.
    if not created and repository.url != url:
        repository.url = url
        repository.save()
    return repository


def set_up_demo(repos_dir: Path) -> list[Repository]:
    """Build and register every demo service; queue a first scan of those never scanned."""
    team, _ = Team.objects.get_or_create(name=TEAM)
    repositories = []
    for service in demo_services():
        repository = register(service, build_repository(service, repos_dir), team)
        if not repository.scans.exists():
            request_scan(repository, Trigger.IMPORT)
        repositories.append(repository)
    return repositories
