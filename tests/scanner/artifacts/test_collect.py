from scanner.artifacts import collect_artifacts
from tests.scanner.artifacts.fakes import make_view

SERVICE = {
    "services/api/Dockerfile": "FROM python:3.12\nCMD uvicorn app:app\n",
    "services/api/pyproject.toml": "[project]\nname='api'\ndependencies=['slowapi']\n",
    "services/api/requirements-dev.txt": "pytest-benchmark\nschemathesis==3.0\n",
    "services/web/Dockerfile": "FROM node\n",
    ".github/workflows/ci.yml": "jobs:\n  t:\n    steps:\n      - run: newman run api.json\n",
    "README.md": "# Repo\n",
}


def test_it_resolves_every_kind_for_the_app_root():
    found = collect_artifacts(make_view(SERVICE, "services/api"))
    assert found.dockerfile.path == "services/api/Dockerfile"
    assert found.readme.path == "README.md"
    assert found.has_dependency("slowapi") and found.has_dependency("pytest_benchmark")
    assert [(e.tool, e.path, e.line) for e in found.extras.profiling] == [
        ("pytest-benchmark", "services/api/requirements-dev.txt", 1)]
    assert {e.tool for e in found.extras.contract} == {"schemathesis", "ci"}
    assert found.errors == []


def test_it_describes_where_a_missing_kind_was_looked_for():
    found = collect_artifacts(make_view({"app/main.py": ""}, "app"))
    assert found.dockerfile is None and found.readme is None and not found.ci.has_ci
    assert found.looked_in("dockerfile") == (
        "Dockerfile/Containerfile under app and its parent folders")


MALFORMED = {
    "Dockerfile": "\x00\x01 not a dockerfile",
    "docker-compose.yml": "services:\n  - api\n",
    "k8s/a.yaml": "{{ broken",
    ".github/workflows/ci.yml": "on: [push\n",
    "Makefile": "\t\torphan recipe\n:::\n",
    ".pre-commit-config.yaml": "42",
    "tox.ini": "[testenv\n",
    "noxfile.py": "@nox.session\n",
    "pyproject.toml": "= nope",
    "setup.cfg": "[metadata\n",
    "pyrightconfig.json": "{",
    "requirements.txt": "-r\n==\n\\",
    "Pipfile": "[[[",
    ".env": "=\n'\n",
    "nginx.conf": "{{{{",
    "README.md": "```\nunclosed fence",
    "alembic.ini": "[alembic\n",
    ".coveragerc": "[report]\nfail_under = lots\n",
}


def test_it_never_raises_on_malformed_artifacts_and_records_errors():
    found = collect_artifacts(make_view(MALFORMED))
    kinds = {error.kind for error in found.errors}
    assert {"dockerfile", "compose", "ci", "pyconfig", "deps"} <= kinds
    assert not any("internal error" in error.message for error in found.errors)


def test_it_treats_unreadable_files_as_errors():
    view = make_view({"Dockerfile": "", "README.md": ""})
    view.read_text = lambda path: None
    found = collect_artifacts(view)
    assert found.dockerfile.error and found.readme.error


def test_it_turns_a_crashing_reader_into_error_records():
    def explode(path):
        raise OSError("disk gone")

    view = make_view({"Dockerfile": "", ".github/workflows/a.yml": ""})
    view.read_text = explode
    found = collect_artifacts(view)
    assert found.dockerfile.error and found.ci.errors
