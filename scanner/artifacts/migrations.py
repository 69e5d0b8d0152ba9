"""Migration tools and their revision files (DB-002; DB-003 reads the listed revisions)."""

from __future__ import annotations

import posixpath
from bisect import bisect_left
from dataclasses import dataclass, field

from scanner.artifacts import kinds, locate
from scanner.artifacts._ini import parse_ini
from scanner.artifacts.locate import ANY_FILE_KIND, Kind, in_own_folder
from scanner.artifacts.view import RepoView, read_artifact


@dataclass(slots=True)
class MigrationSetup:
    """One migration tool in one place, e.g. alembic with `alembic/versions`."""

    tool: str  # "alembic", "aerich", "yoyo"
    path: str  # the folder holding revisions (or the config file when none)
    config_path: str | None = None
    script_location: str | None = None
    revision_files: list[str] = field(default_factory=list)


@dataclass(slots=True)
class MigrationFacts:
    setups: list[MigrationSetup] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def has_tool(self) -> bool:
        return bool(self.setups)

    @property
    def revision_files(self) -> list[str]:
        return [path for setup in self.setups for path in setup.revision_files]

    @property
    def alembic(self) -> MigrationSetup | None:
        return next((setup for setup in self.setups if setup.tool == "alembic"), None)


_YOYO_INI = Kind("yoyo", "yoyo.ini", in_own_folder(lambda name: name == "yoyo.ini"))


class _EligibleFiles:
    """The app root's eligible files, sorted once so the files under a folder are found by
    bisection instead of a scan of the whole tree per folder."""

    def __init__(self, view: RepoView) -> None:
        self.sorted = sorted(locate.candidates(view, ANY_FILE_KIND))
        self.folders = locate.candidate_anchors(view, ANY_FILE_KIND)  # a file's own folder

    def under(self, folder: str) -> list[str]:
        # every path starting with "folder/" sorts between it and "folder0" ("0" follows "/")
        start = bisect_left(self.sorted, folder + "/")
        return self.sorted[start:bisect_left(self.sorted, folder + "0", start)]


def collect(view: RepoView) -> MigrationFacts:
    facts = MigrationFacts()
    eligible = _EligibleFiles(view)
    ini_path = locate.nearest(view, kinds.ALEMBIC_INI)
    script_location = _script_location(view, ini_path, facts) if ini_path else None
    version_dirs = _alembic_version_dirs(view, eligible, script_location)
    for folder in version_dirs:
        setup = MigrationSetup("alembic", folder, ini_path, script_location,
                               _revisions(eligible, folder, ".py"))
        facts.setups.append(setup)
    if ini_path and not version_dirs:
        facts.setups.append(MigrationSetup("alembic", ini_path, ini_path, script_location))
    facts.setups += _other_tools(view, eligible)
    return facts


def _script_location(view: RepoView, ini_path: str, facts: MigrationFacts) -> str | None:
    text, error = read_artifact(view, ini_path)
    if text is None:
        facts.errors.append(error or ini_path)
        return None
    ini = parse_ini(text)
    if ini.error:
        facts.errors.append(f"{ini_path}: {ini.error}")
    location = ini.get("alembic", "script_location")
    if not location:
        return None
    here = posixpath.dirname(ini_path)
    location = location.replace("%(here)s", here or ".").strip()
    if ":" in location and "/" not in location:  # "package:folder" form
        location = location.replace(".", "/").replace(":", "/")
    return posixpath.normpath(posixpath.join(here, location))


def _alembic_version_dirs(
    view: RepoView, eligible: _EligibleFiles, script_location: str | None
) -> list[str]:
    """`<script_location>/versions`, `alembic/versions`, `migrations/versions`, or any
    `versions/` folder next to an `env.py` that mentions alembic."""
    versions = [folder for folder in eligible.folders if posixpath.basename(folder) == "versions"]
    found = []
    for folder in sorted(versions, key=lambda f: (f.count("/"), f)):
        parent = posixpath.dirname(folder)
        if (parent == script_location or posixpath.basename(parent) in ("alembic", "migrations")
                or _env_mentions_alembic(view, posixpath.join(parent, "env.py"))):
            found.append(folder)
    return found


def _env_mentions_alembic(view: RepoView, env_path: str) -> bool:
    if env_path not in view.index.path_set:
        return False
    text, _ = read_artifact(view, env_path)
    return text is not None and "alembic" in text


def _revisions(eligible: _EligibleFiles, folder: str, suffix: str) -> list[str]:
    return [
        path for path in eligible.under(folder)
        if path.endswith(suffix)
        and posixpath.basename(path) != "__init__.py" and "__pycache__" not in path
    ]


def _other_tools(view: RepoView, eligible: _EligibleFiles) -> list[MigrationSetup]:
    setups = []
    for folder in sorted(eligible.folders):
        if folder.endswith("migrations/models"):  # aerich (Tortoise ORM)
            setups.append(MigrationSetup("aerich", folder, None, None,
                                         _revisions(eligible, folder, ".py")))
    for path in locate.candidates(view, _YOYO_INI):
        setups.append(MigrationSetup("yoyo", path, path))
    return setups
