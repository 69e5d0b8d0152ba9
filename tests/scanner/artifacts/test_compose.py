from scanner.artifacts.compose import collect, parse_compose
from tests.scanner.artifacts.fakes import make_view

COMPOSE = """\
x-health: &health
  healthcheck:
    test: ["CMD", "curl", "-f", "http://localhost:8000/health"]
services:
  api:
    build:
      context: .
    command: ["uvicorn", "app.main:app", "--workers", "4"]
    <<: *health
  worker:
    image: ghcr.io/acme/api:1.2
    healthcheck:
      disable: true
  db:
    image: postgres:16
    healthcheck:
      test: ["CMD", "pg_isready"]
  cache:
    image: docker.io/bitnami/redis:7
"""


def test_it_finds_services_with_healthchecks_through_anchors():
    api = parse_compose("docker-compose.yml", COMPOSE).services[0]
    assert api.name == "api" and api.line == 5
    assert api.build and api.build_context == "."
    assert api.has_healthcheck and api.healthcheck_line == 2
    assert api.command == ["uvicorn", "app.main:app", "--workers", "4"]


def test_it_treats_disable_true_as_no_healthcheck():
    worker = parse_compose("c.yml", COMPOSE).services[1]
    assert worker.healthcheck_line == 12 and not worker.has_healthcheck


def test_it_marks_database_only_services_as_infrastructure():
    compose = parse_compose("c.yml", COMPOSE)
    assert [s.name for s in compose.app_services] == ["api", "worker"]


def test_it_records_errors_for_malformed_or_wrongly_typed_files():
    assert parse_compose("c.yml", "services: [a, b]\n").error
    assert parse_compose("c.yml", "services:\n  api: {build: .\n").error
    assert parse_compose("c.yml", "- just\n- a list\n").error
    assert parse_compose("c.yml", "").services == []


def test_it_collects_the_base_file_and_its_override():
    view = make_view({"docker-compose.yml": "services: {api: {build: .}}\n",
                      "docker-compose.override.yml": "services: {api: {command: x}}\n"})
    assert [f.path for f in collect(view)] == ["docker-compose.yml", "docker-compose.override.yml"]
