"""Deployment, checked statically (no Docker engine here): compose, Dockerfile, settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from dockerfile_parse import DockerfileParser

ROOT = Path(__file__).resolve().parents[2]
LONG_RUNNING = ("postgres", "redis", "web", "worker", "beat")
APP_SERVICES = ("web", "worker", "beat", "migrate")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def dockerfile() -> DockerfileParser:
    parser = DockerfileParser(fileobj=open(ROOT / "Dockerfile", "rb"))  # noqa: SIM115
    return parser


def instructions(parser: DockerfileParser, name: str) -> list[str]:
    return [i["value"] for i in parser.structure if i["instruction"] == name]


def test_it_runs_every_long_lived_service_with_a_health_check_and_restart_policy(compose):
    services = compose["services"]

    assert set(LONG_RUNNING) <= set(services)
    for name in LONG_RUNNING:
        assert services[name]["restart"] in ("unless-stopped", "always"), name
        check = services[name]["healthcheck"]
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name
        assert {"interval", "timeout", "retries"} <= set(check), name


def test_it_runs_the_right_command_in_each_app_service(compose):
    services = compose["services"]

    assert services["web"]["command"][0] == "gunicorn"
    assert "dashboard.wsgi:application" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "dashboard", "worker"]
    assert "--queues=readyboard" in services["worker"]["command"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "dashboard", "beat"]
    assert services["migrate"]["command"][-2:] == ["migrate", "--noinput"]
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"


def test_it_consumes_the_queue_the_tasks_are_sent_to(compose, settings):
    command = compose["services"]["worker"]["command"]

    assert f"--queues={settings.CELERY_TASK_DEFAULT_QUEUE}" in command


def test_it_gives_app_services_production_settings_from_the_environment(compose):
    for name in APP_SERVICES:
        env = compose["services"][name]["environment"]
        assert env["READYBOARD_PRODUCTION"] == "1"
        assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")  # compose refuses to start
        assert env["DATABASE_URL"].startswith("postgres://readyboard:")
        assert "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert "127.0.0.1" in env["ALLOWED_HOSTS"]  # the health check's own host


def test_it_checks_web_health_on_the_liveness_endpoint(compose):
    test = " ".join(compose["services"]["web"]["healthcheck"]["test"])

    assert "http://127.0.0.1:8000/health" in test


def test_it_keeps_data_on_named_volumes(compose):
    assert {"postgres-data", "redis-data", "worker-cache"} <= set(compose["volumes"])
    assert "postgres-data:/var/lib/postgresql/data" in compose["services"]["postgres"]["volumes"]


def test_it_builds_in_stages_and_runs_as_a_non_root_user(dockerfile):
    stages = instructions(dockerfile, "FROM")

    assert len(stages) >= 2
    assert stages[0].endswith(" AS build")
    assert any("--from=build" in copy for copy in instructions(dockerfile, "COPY"))
    (user,) = instructions(dockerfile, "USER")
    assert user not in ("root", "0")
    assert "useradd" in " ".join(instructions(dockerfile, "RUN"))


def test_it_serves_with_gunicorn_and_checks_its_own_health(dockerfile):
    (cmd,) = instructions(dockerfile, "CMD")
    (health,) = instructions(dockerfile, "HEALTHCHECK")

    assert '"gunicorn"' in cmd
    assert "/health" in health
    assert "READYBOARD_PRODUCTION=1" in " ".join(instructions(dockerfile, "ENV"))


def test_it_keeps_secrets_and_junk_out_of_the_build_context():
    ignored = (ROOT / ".dockerignore").read_text().split()

    assert {".git", ".venv", ".env", "var", "tests"} <= set(ignored)


def import_settings(**env: str) -> subprocess.CompletedProcess:
    """Import the settings module in a fresh interpreter with exactly this environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("READYBOARD_", "DJANGO"))}
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"):
        clean.pop(name, None)
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import dashboard.settings"],
        cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


PRODUCTION = {
    "READYBOARD_PRODUCTION": "1",
    "SECRET_KEY": "x" * 50,
    "DATABASE_URL": "postgres://u:p@db.internal:5432/readyboard",
    "REDIS_URL": "redis://redis:6379/0",
    "ALLOWED_HOSTS": "readyboard.example.test",
}


def test_it_starts_in_production_mode_with_every_required_variable(tmp_path):
    result = import_settings(**PRODUCTION, READYBOARD_DATA_DIR=str(tmp_path))

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"])
def test_it_fails_fast_in_production_without_a_required_variable(tmp_path, missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}

    result = import_settings(**env, READYBOARD_DATA_DIR=str(tmp_path))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{missing} must be set" in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [("READYBOARD_SCHEDULE_TIME", "25:00"), ("READYBOARD_SCHEDULE_WEEKDAY", "7")],
)
def test_it_refuses_a_malformed_schedule_setting(tmp_path, name, value):
    result = import_settings(READYBOARD_DATA_DIR=str(tmp_path), **{name: value})

    assert result.returncode != 0
    assert name in result.stderr
