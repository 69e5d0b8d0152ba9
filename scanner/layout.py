"""Which Python files are app code, tests, migrations or scripts (RULES.md 3.4)."""

from __future__ import annotations

import fnmatch
import posixpath

from .python.facts import ModuleFacts

APP, TEST, MIGRATION, SCRIPT = "app", "test", "migration", "script"

DEFAULT_TEST_FILES = ("test_*.py", "*_test.py")
PROJECT_MARKERS = (
    "pyproject.toml", "setup.py", "setup.cfg", "requirements.txt", "Pipfile", "Dockerfile",
)
CLI_FACTORIES = {"typer.Typer", "click.group", "click.Group"}


def is_test_path(path: str, test_patterns: tuple[str, ...] = DEFAULT_TEST_FILES) -> bool:
    parts = path.split("/")
    name = parts[-1]
    if any(part in ("tests", "test", "testing") for part in parts[:-1]):
        return True
    if name == "conftest.py":
        return True
    return any(fnmatch.fnmatch(name, pattern) for pattern in test_patterns)


def is_migration_path(path: str) -> bool:
    parts = path.split("/")[:-1]
    return any(part in ("migrations", "alembic", "versions") for part in parts)


def is_script_path(path: str) -> bool:
    return "scripts" in path.split("/")[:-1]


def is_script_module(facts: ModuleFacts) -> bool:
    """A module whose only entry point is `if __name__ == "__main__"` or a CLI group."""
    if facts.main_guard and not _defines_web_objects(facts):
        return True
    return any(
        call.call.func.__class__.__name__ == "Name" and call.call.func.qname in CLI_FACTORIES
        for call in facts.calls
        if call.scope == ""
    ) and not _defines_web_objects(facts)


def _defines_web_objects(facts: ModuleFacts) -> bool:
    return any(
        module.startswith("fastapi") or module.startswith("starlette")
        for module in facts.imported_modules
    )


def classify(facts: ModuleFacts, test_patterns: tuple[str, ...] = DEFAULT_TEST_FILES) -> str:
    path = facts.path
    if is_test_path(path, test_patterns):
        return TEST
    if is_migration_path(path):
        return MIGRATION
    if is_script_path(path) or is_script_module(facts):
        return SCRIPT
    return APP


def is_under(path: str, root: str) -> bool:
    return root in ("", ".") or path == root or path.startswith(root.rstrip("/") + "/")


def app_root_for(module_path: str, all_paths: set[str], repo_root: str = ".") -> str:
    """The nearest folder above a module that holds project files, else the repo root."""
    folder = posixpath.dirname(module_path)
    while folder:
        if any(f"{folder}/{marker}" in all_paths for marker in PROJECT_MARKERS):
            return folder
        folder = posixpath.dirname(folder)
    return repo_root
