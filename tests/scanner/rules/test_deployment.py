"""Focused tests of the deployment checks (DEP-001..DEP-007)."""

from __future__ import annotations

import pytest

from scanner.rules import deployment
from scanner.rules.deployment import RULES

from ..rule_harness import run_rule

APP = deployment.APP


def _examples():
    for cls in RULES:
        for kind, examples in (("valid", cls.VALID), ("invalid", cls.INVALID)):
            for index, example in enumerate(examples):
                yield pytest.param(cls, example, id=f"{cls.id}-{kind}-{example.name or index}")


@pytest.mark.parametrize(("rule_class", "example"), list(_examples()))
def test_examples(rule_class, example, tmp_path):
    result = run_rule(rule_class(), tmp_path, example.tree())
    assert result.status == example.expect, [e.message for e in result.evidence]


def _check(rule_class, tmp_path, files):
    return run_rule(rule_class(), tmp_path, files)


@pytest.mark.parametrize("rule_class", [deployment.Dep002MultiStageBuild,
                                        deployment.Dep003NonRootContainer,
                                        deployment.Dep006ProductionServer], ids=lambda c: c.id)
def test_checks_inside_the_dockerfile_are_na_without_one(rule_class, tmp_path):
    result = _check(rule_class, tmp_path, {"app/main.py": APP})
    assert result.status == "na"
    assert result.evidence[0].message.startswith("no Dockerfile found (looked in ")
    assert result.evidence[0].path is None


def test_dep001_absence_names_where_it_looked(tmp_path):
    result = _check(deployment.Dep001ContainerImage, tmp_path, {"app/main.py": APP})
    assert result.status == "fail"
    assert "no Dockerfile found (looked in" in result.evidence[0].message


def test_dep001_finds_a_dockerfile_above_the_app_root(tmp_path):
    files = {"services/api/app/main.py": APP, "services/api/pyproject.toml": "[project]\n",
             "Dockerfile": deployment.SINGLE_STAGE}
    result = _check(deployment.Dep001ContainerImage, tmp_path, files)
    assert (result.status, result.evidence[0].path, result.evidence[0].line) == (
        "pass", "Dockerfile", 1)


TOOL_IMAGE = 'FROM alpine:3.20\nRUN apk add --no-cache curl\nENTRYPOINT ["curl"]\n'
SERVICE_IMAGE = ('FROM python:3.12-slim\nCOPY pyproject.toml .\nRUN pip install .\n'
                 'USER app\nCMD ["uvicorn", "app.main:app", "--workers", "2"]\n')


@pytest.mark.parametrize("rule_class", [deployment.Dep001ContainerImage,
                                        deployment.Dep003NonRootContainer,
                                        deployment.Dep006ProductionServer], ids=lambda c: c.id)
def test_among_equally_near_dockerfiles_the_python_service_image_is_judged(rule_class,
                                                                          tmp_path):
    files = {"pyproject.toml": "[project]\nname = 'svc'\n", "app/main.py": APP,
             "docker/aaa-tool/Dockerfile": TOOL_IMAGE, "docker/server/Dockerfile": SERVICE_IMAGE}
    result = _check(rule_class, tmp_path, files)
    assert result.status == "pass"
    assert result.evidence[0].path == "docker/server/Dockerfile"


def test_dep001_says_which_equally_near_dockerfile_was_passed_over(tmp_path):
    files = {"app/main.py": APP, "docker/aaa-tool/Dockerfile": TOOL_IMAGE,
             "docker/server/Dockerfile": SERVICE_IMAGE}
    message = _check(deployment.Dep001ContainerImage, tmp_path, files).evidence[0].message
    assert "rather than the equally near docker/aaa-tool/Dockerfile" in message


def test_a_nearer_tool_image_still_wins_over_a_deeper_service_image(tmp_path):
    files = {"app/main.py": APP, "Dockerfile": TOOL_IMAGE,
             "docker/server/Dockerfile": SERVICE_IMAGE}
    result = _check(deployment.Dep001ContainerImage, tmp_path, files)
    assert (result.evidence[0].path, result.evidence[0].message) == (
        "Dockerfile", "container image build")


def test_dep004_compose_infra_healthcheck_does_not_count_and_ci_service_neither(tmp_path):
    files = {"app/main.py": APP, "docker-compose.yml":
             "services:\n  redis:\n    image: redis:7\n    healthcheck:\n      test: [x]\n",
             ".github/workflows/ci.yml": "jobs:\n  t:\n    services:\n      pg:\n"
                                         "        image: postgres\n    steps:\n"
                                         "      - run: pytest\n"}
    assert _check(deployment.Dep004ContainerHealthCheck, tmp_path, files).status == "fail"


def test_dep004_healthcheck_none_is_no_healthcheck(tmp_path):
    dockerfile = "FROM python:3.12\nHEALTHCHECK NONE\nCMD [\"uvicorn\", \"app.main:app\"]\n"
    files = {"app/main.py": APP, "Dockerfile": dockerfile}
    assert _check(deployment.Dep004ContainerHealthCheck, tmp_path, files).status == "fail"


@pytest.mark.parametrize(("cmd", "status"), [
    ('["fastapi", "run", "app/main.py", "--workers", "4"]', "pass"),
    ('["fastapi", "dev", "app/main.py"]', "fail"),
    ('["fastapi", "run", "app/main.py"]', "warn"),
    ('["tini", "--", "python", "-m", "uvicorn", "app.main:app", "--workers=2"]', "pass"),
    ('["sh", "-c", "alembic upgrade head && uvicorn app.main:app --reload"]', "fail"),
    ('["granian", "--interface", "asgi", "app.main:app"]', "pass"),
    ('["hypercorn", "app.main:app", "--reload"]', "fail"),
    ('["gunicorn", "app.main:app"]', "unknown"),
    ('["python", "-m", "app"]', "unknown"),
    ('["my-console-script"]', "unknown"),
])
def test_dep006_server_commands(cmd, status, tmp_path):
    files = {"app/main.py": APP, "Dockerfile": f"FROM python:3.12\nCMD {cmd}\n"}
    assert _check(deployment.Dep006ProductionServer, tmp_path, files).status == status


def test_dep006_web_concurrency_counts_as_workers(tmp_path):
    dockerfile = "FROM python:3.12\nENV WEB_CONCURRENCY=4\nCMD uvicorn app.main:app\n"
    files = {"app/main.py": APP, "Dockerfile": dockerfile}
    assert _check(deployment.Dep006ProductionServer, tmp_path, files).status == "pass"


def test_dep006_gunicorn_config_file_sets_the_worker_class(tmp_path):
    files = {"app/main.py": APP, "gunicorn.conf.py":
             "worker_class = 'uvicorn.workers.UvicornWorker'\nworkers = 4\n",
             "Dockerfile": 'FROM python:3.12\nCMD ["gunicorn", "-c", "gunicorn.conf.py", '
                           '"app.main:app"]\n'}
    assert _check(deployment.Dep006ProductionServer, tmp_path, files).status == "pass"


def test_dep006_points_at_the_followed_script_line(tmp_path):
    files = {"app/main.py": APP, "scripts/start.sh": "#!/bin/bash\nexec uvicorn app.main:app\n",
             "Dockerfile": 'FROM python:3.12\nCMD ["bash", "scripts/start.sh"]\n'}
    result = _check(deployment.Dep006ProductionServer, tmp_path, files)
    assert result.status == "warn"
    assert (result.evidence[0].path, result.evidence[0].line) == ("scripts/start.sh", 2)


def test_dep007_dev_requirements_do_not_dilute_runtime_pins(tmp_path):
    files = {"app/main.py": APP, "requirements.txt": deployment.REQUIREMENTS,
             "requirements-dev.txt": "pytest>=8\n"}
    result = _check(deployment.Dep007PinnedDependencies, tmp_path, files)
    assert (result.status, result.metric) == ("pass", {"pinned": 2, "dependencies": 2})


def test_dep007_warn_at_exactly_half(tmp_path):
    files = {"app/main.py": APP, "requirements.txt": "a==1\nb==2\nc>=1\nd\n"}
    result = _check(deployment.Dep007PinnedDependencies, tmp_path, files)
    assert (result.status, result.metric) == ("warn", {"pinned": 2, "dependencies": 4})
    assert [e.line for e in result.evidence] == [3, 4]


def test_dep005_ci_without_a_check_step_warns_at_the_file(tmp_path):
    files = {"app/main.py": APP, ".gitlab-ci.yml": "build:\n  script:\n    - docker build .\n"}
    result = _check(deployment.Dep005CiPipeline, tmp_path, files)
    assert (result.status, result.evidence[0].path) == ("warn", ".gitlab-ci.yml")


def test_dep005_make_lint_counts(tmp_path):
    files = {"app/main.py": APP, "Makefile": "lint:\n\truff check .\n",
             ".github/workflows/ci.yml": deployment.GH_PYTEST.replace("pytest -q", "make lint")}
    assert _check(deployment.Dep005CiPipeline, tmp_path, files).status == "pass"


def test_dep004_another_apps_compose_healthcheck_does_not_count(tmp_path):
    files = {"services/users/app/main.py": APP, "services/users/pyproject.toml": "[project]\n",
             "docker-compose.yml": "services:\n  orders:\n    build: services/orders\n"
                                   "    healthcheck:\n      test: [x]\n"
                                   "  users:\n    build: services/users\n"}
    assert _check(deployment.Dep004ContainerHealthCheck, tmp_path, files).status == "fail"
