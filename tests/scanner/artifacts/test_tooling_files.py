from scanner.artifacts.makefile import parse_makefile
from scanner.artifacts.precommit import parse_precommit
from scanner.artifacts.shell import parse_script, resolve_script
from scanner.artifacts.testrunners import parse_noxfile, parse_tox
from tests.scanner.artifacts.fakes import make_view

MAKEFILE = """\
PYTHON ?= python3
.PHONY: test lint
test: lint ## run tests
\t@$(PYTHON) -m pytest \\
\t  --cov=app
lint:
\t-ruff check .
install: ; pip install -e .
"""


def test_it_reads_make_targets_with_recipe_lines():
    facts = parse_makefile("Makefile", MAKEFILE)
    assert facts.default_target == "test"
    assert facts.targets["test"].line == 3
    assert [(line.line, line.text) for line in facts.targets["test"].recipe] == [
        (4, "$(PYTHON) -m pytest --cov=app")]
    assert [line.text for line in facts.recipe_for("test")] == [
        "ruff check .", "$(PYTHON) -m pytest --cov=app"]
    assert facts.targets["install"].recipe[0].text == "pip install -e ."


def test_it_does_not_take_variable_assignments_for_targets():
    assert "PYTHON" not in parse_makefile("Makefile", "PYTHON := python\n").targets


def test_it_reads_pre_commit_hooks():
    text = ("repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n    rev: v0.6.0\n"
            "    hooks:\n      - id: ruff\n        args: [--fix]\n      - id: ruff-format\n")
    facts = parse_precommit(".pre-commit-config.yaml", text)
    assert [(h.hook_id, h.line) for h in facts.hooks] == [("ruff", 5), ("ruff-format", 7)]
    assert facts.repo_urls == ["https://github.com/astral-sh/ruff-pre-commit"]


def test_it_records_an_error_for_a_pre_commit_file_of_the_wrong_shape():
    assert parse_precommit("p.yaml", "repos: {a: 1}\n").error
    assert parse_precommit("p.yaml", "repos: [\n").error


def test_it_reads_tox_commands_per_env():
    text = ("[tox]\nenvlist = py312, lint\n\n[testenv]\ndeps = pytest\ncommands =\n"
            "    pytest {posargs}\n\n[testenv:lint]\ncommands = ruff check .\n")
    facts = parse_tox("tox.ini", text)
    assert [(c.line, c.text) for c in facts.commands_for(["lint"])] == [(10, "ruff check .")]
    assert [c.text for c in facts.commands_for(["py312"])] == ["pytest {posargs}"]
    assert len(facts.commands_for(None)) == 2


def test_it_keeps_what_tox_parsed_before_a_broken_line():
    facts = parse_tox("tox.ini", "[testenv]\ncommands = pytest\n[broken\n")
    assert facts.error and facts.commands_for(None)[0].text == "pytest"


def test_it_reads_nox_sessions_by_line():
    text = ("import nox\n\n@nox.session(python=['3.12'])\ndef tests(session):\n"
            "    session.install('-r', 'requirements.txt')\n    session.run('pytest', '--cov')\n\n"
            "@nox.session(name='type-check')\ndef mypy(session):\n"
            "    session.run(\"mypy\", \"app\")\n")
    facts = parse_noxfile("noxfile.py", text)
    assert [(c.line, c.text) for c in facts.commands_for(["tests"])] == [
        (5, "pip install -r requirements.txt"), (6, "pytest --cov")]
    assert facts.commands_for(["type-check"])[0].text == "mypy app"


def test_it_reads_shell_script_commands_and_resolves_container_paths():
    script = parse_script("scripts/start.sh", "#!/bin/sh\n\nexec gunicorn app:app \\\n  -w 4\n")
    assert [(c.line, c.text) for c in script.commands] == [(3, "exec gunicorn app:app -w 4")]
    view = make_view({"docker/start.sh": "", "scripts/test.sh": ""})
    assert resolve_script(view, "/app/docker/start.sh") == "docker/start.sh"
    assert resolve_script(view, "./scripts/test.sh") == "scripts/test.sh"
    assert resolve_script(view, "./missing.sh") is None


def test_a_container_path_resolves_only_to_a_unique_repository_file():
    view = make_view({"a/docker/start.sh": "", "b/docker/start.sh": "", "b/start.sh.bak": ""})
    assert resolve_script(view, "/srv/a/docker/start.sh") == "a/docker/start.sh"
    assert resolve_script(view, "/srv/docker/start.sh") is None  # two candidates
