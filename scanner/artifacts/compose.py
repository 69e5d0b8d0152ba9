"""Facts from docker compose files nearest the app root (DEP-004, DEP-006)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from scanner.artifacts import kinds, locate
from scanner.artifacts._yaml import YamlMap, load_document
from scanner.artifacts.view import RepoView, read_artifact

# Services built from these images are databases, brokers and tooling, not the app.
INFRASTRUCTURE_IMAGES = frozenset({
    "postgres", "postgis", "mysql", "mariadb", "redis", "valkey", "redis-stack", "mongo",
    "mongodb", "rabbitmq", "elasticsearch", "opensearch", "memcached", "kafka", "cp-kafka",
    "zookeeper", "cp-zookeeper", "minio", "localstack", "mailhog", "mailpit", "nginx", "traefik",
    "caddy", "jaeger", "all-in-one", "prometheus", "grafana", "opentelemetry-collector",
    "opentelemetry-collector-contrib", "otel-collector", "adminer", "pgadmin4", "keycloak",
    "clickhouse-server", "cassandra", "nats", "etcd", "vault", "consul", "flower", "kibana",
    "logstash", "loki", "tempo", "pgbouncer", "mssql-server", "azurite", "qdrant", "weaviate",
    "chroma", "neo4j", "influxdb", "couchdb", "dynamodb-local", "redis-commander", "smtp4dev",
})


@dataclass(slots=True)
class ComposeService:
    name: str
    line: int
    image: str | None = None
    build: bool = False
    build_context: str | None = None
    command: str | list[str] | None = None
    command_line: int | None = None
    healthcheck_line: int | None = None
    healthcheck_disabled: bool = False

    @property
    def has_healthcheck(self) -> bool:
        return self.healthcheck_line is not None and not self.healthcheck_disabled

    @property
    def is_infrastructure(self) -> bool:
        return not self.build and image_name(self.image) in INFRASTRUCTURE_IMAGES


@dataclass(slots=True)
class ComposeFile:
    path: str
    services: list[ComposeService] = field(default_factory=list)
    error: str | None = None

    @property
    def app_services(self) -> list[ComposeService]:
        return [service for service in self.services if not service.is_infrastructure]


def image_name(image: str | None) -> str:
    """`docker.io/bitnami/redis:7@sha256:..` -> `redis` (registry, owner, tag, digest dropped)."""
    if not image:
        return ""
    without_digest = image.split("@", 1)[0]
    last = without_digest.rsplit("/", 1)[-1]
    return last.split(":", 1)[0].lower()


def collect(view: RepoView) -> list[ComposeFile]:
    """The compose files of the nearest folder that has any (base file plus overrides)."""
    files = []
    for path in locate.nearest_group(view, kinds.COMPOSE):
        text, error = read_artifact(view, path)
        parsed = parse_compose(path, text) if text is not None else ComposeFile(path, [], error)
        files.append(parsed)
    return files


def parse_compose(path: str, text: str) -> ComposeFile:
    data, error = load_document(text)
    result = ComposeFile(path=path, error=f"{path}: {error}" if error else None)
    if data is None:
        return result
    services = data.get("services") if isinstance(data, YamlMap) else None
    if not isinstance(services, YamlMap):
        # compose v1 put services at the top level; too rare today to guess at
        result.error = result.error or f"{path}: no `services` mapping"
        return result
    for name, body in services.items():
        result.services.append(_service(str(name), services.line_of(name), body))
    return result


def _service(name: str, line: int, body: Any) -> ComposeService:
    service = ComposeService(name=name, line=line)
    if not isinstance(body, YamlMap):
        return service
    image = body.get("image")
    service.image = str(image) if image is not None else None
    build = body.get("build")
    service.build = build is not None and build is not False
    if isinstance(build, str):
        service.build_context = build
    elif isinstance(build, YamlMap) and build.get("context") is not None:
        service.build_context = str(build.get("context"))
    command = body.get("command")
    if isinstance(command, (str, list)):
        service.command = command if isinstance(command, str) else [str(x) for x in command]
        service.command_line = body.line_of("command")
    if "healthcheck" in body:
        service.healthcheck_line = body.line_of("healthcheck")
        service.healthcheck_disabled = _healthcheck_disabled(body.get("healthcheck"))
    return service


def _healthcheck_disabled(healthcheck: Any) -> bool:
    if not isinstance(healthcheck, YamlMap):
        return True  # `healthcheck:` with nothing in it checks nothing
    if healthcheck.get("disable") is True:
        return True
    test = healthcheck.get("test")
    if isinstance(test, list) and test and str(test[0]).upper() == "NONE":
        return True
    return isinstance(test, str) and re.fullmatch(r"\s*NONE\s*", test, re.IGNORECASE) is not None
