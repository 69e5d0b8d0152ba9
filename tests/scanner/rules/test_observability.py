"""OBS-001 .. OBS-007: the tricky decisions (examples run in test_rule_examples.py)."""

from __future__ import annotations

from scanner.results import FAIL, PASS, UNKNOWN, WARN
from scanner.rules import observability
from scanner.rules.observability import (
    Obs001NoPrint,
    Obs002StructuredLogging,
    Obs003RequestId,
    Obs004Liveness,
    Obs005Readiness,
    Obs006Tracing,
    Obs007Metrics,
    last_segment,
)

from ..rule_harness import run_rule

HEAD = "from fastapi import FastAPI\n\napp = FastAPI()\n"
ROUTE = '\n\n@app.get("/items")\nasync def items():\n    return []\n'


def test_rules_are_listed_in_rules_md_order_with_their_metadata():
    assert [r.id for r in observability.RULES] == [f"OBS-00{i}" for i in range(1, 8)]
    assert all(r.dimension == "observability" for r in observability.RULES)
    assert [r.priority for r in observability.RULES] == ["P0", "P0", "P1", "P0", "P0", "P1", "P1"]
    assert Obs001NoPrint.tags == ("mistake#8", "health")
    assert Obs002StructuredLogging.tags == ("p0", "health")
    assert Obs003RequestId.tags == () and Obs003RequestId.priority == "P1"
    assert Obs006Tracing.tags == Obs007Metrics.tags == ("p1",)


# ---- OBS-001 -----------------------------------------------------------------------------
def test_obs001_points_at_the_first_line_of_each_print_and_counts_them(tmp_path):
    main = HEAD + '''

@app.get("/x")
async def x():
    print("a")
    print(
        "b",
    )
    return 1
'''
    result = run_rule(Obs001NoPrint(), tmp_path, {"app/main.py": main})
    assert result.status == FAIL
    assert [(e.line, e.end_line) for e in result.evidence] == [(8, 8), (9, 11)]
    assert result.metric == {"print_calls": 2}


def test_obs001_ignores_a_local_print_function_and_cli_scripts(tmp_path):
    main = HEAD + '''

def print(*args):
    return None


@app.get("/x")
async def x():
    print("not the builtin")
    return 1
'''
    cli = 'import typer\n\ncli = typer.Typer()\n\n\n@cli.command()\ndef seed():\n    print("x")\n'
    result = run_rule(Obs001NoPrint(), tmp_path, {"app/main.py": main, "app/cli.py": cli})
    assert result.status == PASS, [e.message for e in result.evidence]


def test_obs001_is_unknown_when_an_app_file_does_not_parse(tmp_path):
    files = {"app/main.py": HEAD + ROUTE, "app/broken.py": "def f(:\n    pass\n"}
    assert run_rule(Obs001NoPrint(), tmp_path, files).status == UNKNOWN


# ---- OBS-002 -----------------------------------------------------------------------------
def test_obs002_uvicorn_log_config_dict_with_a_plain_formatter_warns(tmp_path):
    main = HEAD + '''import uvicorn

LOG_CONFIG = {
    "version": 1,
    "formatters": {"json": {"format": "%(asctime)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
}

if __name__ == "__main__":
    uvicorn.run(app, log_config=LOG_CONFIG)
'''
    result = run_rule(Obs002StructuredLogging(), tmp_path, {"app/main.py": main})
    assert result.status == WARN  # a formatter *named* "json" is not a JSON formatter
    assert {e.line for e in result.evidence} == {6, 13}


def test_obs002_own_json_formatter_class_passes(tmp_path):
    logs = '''import json
import logging


class StructuredFormatter(logging.Formatter):
    def format(self, record):
        return json.dumps({"level": record.levelname, "message": record.getMessage()})


def setup():
    handler = logging.StreamHandler()
    handler.setFormatter(StructuredFormatter())
    logging.getLogger().addHandler(handler)
'''
    result = run_rule(Obs002StructuredLogging(), tmp_path,
                      {"app/logs.py": logs, "app/main.py": HEAD})
    assert result.status == PASS
    assert result.evidence[0].path == "app/logs.py"


def test_obs002_class_built_on_structlog_is_not_called_a_json_formatter(tmp_path):
    logs = '''from structlog.dev import ConsoleRenderer


class ColourRenderer(ConsoleRenderer):
    pass
'''
    result = run_rule(Obs002StructuredLogging(), tmp_path,
                      {"app/logs.py": logs, "app/main.py": HEAD})
    assert result.status == PASS
    assert [e.message for e in result.evidence] == [
        "log class `ColourRenderer` builds on structured logging (`structlog.dev.ConsoleRenderer`)"]


def test_obs002_loguru_serialize_from_a_setting_counts(tmp_path):
    main = HEAD + '''import sys

from loguru import logger
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    json_logs: bool = True


settings = Settings()
logger.add(sys.stdout, serialize=settings.json_logs)
'''
    assert run_rule(Obs002StructuredLogging(), tmp_path, {"app/main.py": main}).status == PASS


def test_obs002_plain_ini_file_warns_and_names_the_file(tmp_path):
    ini = "[loggers]\nkeys=root\n\n[handlers]\nkeys=console\n\n[formatters]\nkeys=plain\n"
    result = run_rule(Obs002StructuredLogging(), tmp_path,
                      {"app/main.py": HEAD, "logging.conf": ini})
    assert result.status == WARN
    assert result.evidence[0].path == "logging.conf"


def test_obs002_fail_says_where_it_looked(tmp_path):
    result = run_rule(Obs002StructuredLogging(), tmp_path, {"app/main.py": HEAD})
    assert result.status == FAIL
    assert result.evidence[0].path is None and "logging configuration files" in \
        result.evidence[0].message


# ---- OBS-003 -----------------------------------------------------------------------------
def test_obs003_a_docstring_mention_is_not_a_request_id_middleware(tmp_path):
    main = HEAD + '''from starlette.middleware.base import BaseHTTPMiddleware


class TimingMiddleware(BaseHTTPMiddleware):
    """Adds X-Process-Time; X-Request-ID is handled by the gateway."""

    async def dispatch(self, request, call_next):
        # we do not touch X-Request-ID here
        return await call_next(request)


app.add_middleware(TimingMiddleware)
'''
    assert run_rule(Obs003RequestId(), tmp_path, {"app/main.py": main}).status == FAIL


def test_obs003_pure_asgi_middleware_with_bytes_header_passes(tmp_path):
    main = HEAD + '''import uuid


class RequestId:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        async def send_with_id(message):
            if message["type"] == "http.response.start":
                message["headers"].append((b"x-request-id", uuid.uuid4().hex.encode()))
            await send(message)

        await self.app(scope, receive, send_with_id)


app.add_middleware(RequestId)
'''
    result = run_rule(Obs003RequestId(), tmp_path, {"app/main.py": main})
    assert result.status == PASS
    assert result.evidence[0].line == 14


def test_obs003_middleware_registered_without_decorator(tmp_path):
    main = HEAD + '''

async def correlation(request, call_next):
    response = await call_next(request)
    response.headers["X-Correlation-ID"] = request.headers.get("X-Correlation-ID", "")
    return response


app.middleware("http")(correlation)
'''
    assert run_rule(Obs003RequestId(), tmp_path, {"app/main.py": main}).status == PASS


# ---- OBS-004 / OBS-005 -------------------------------------------------------------------
def test_last_segment_ignores_trailing_slash_and_case():
    assert last_segment("/api/v1/Health/") == "health"
    assert last_segment("/") == ""


def test_obs004_health_under_a_prefix_and_head_only_routes(tmp_path):
    main = HEAD + '''from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/system")


@router.get("/livez")
async def livez():
    return "ok"


@app.head("/health")
async def head_health():
    return None


app.include_router(router)
'''
    result = run_rule(Obs004Liveness(), tmp_path, {"app/main.py": main})
    assert result.status == PASS
    assert "/api/v1/system/livez" in result.evidence[0].message
    assert result.evidence[0].line == 10  # the def line, not the decorator


def test_obs004_add_route_on_the_app_counts(tmp_path):
    main = HEAD + '''from starlette.responses import PlainTextResponse


async def ping(request):
    return PlainTextResponse("pong")


app.add_route("/ping", ping)
'''
    assert run_rule(Obs004Liveness(), tmp_path, {"app/main.py": main}).status == PASS


def test_obs004_unresolvable_route_path_is_unknown_not_fail(tmp_path):
    main = HEAD + '''import os


@app.get(os.environ["PROBE_PATH"])
async def probe():
    return "ok"
'''
    assert run_rule(Obs004Liveness(), tmp_path, {"app/main.py": main}).status == UNKNOWN


def test_obs005_readiness_calling_a_helper_that_pings_redis_passes(tmp_path):
    checks = '''from redis.asyncio import Redis

redis = Redis.from_url("redis://cache:6379/0")


async def cache_ok() -> bool:
    return await redis.ping()
'''
    main = HEAD + '''from app.checks import cache_ok


@app.get("/readiness")
async def readiness():
    return {"cache": await cache_ok()}
'''
    result = run_rule(Obs005Readiness(), tmp_path, {"app/checks.py": checks, "app/main.py": main})
    assert result.status == PASS
    assert [(e.path, e.line) for e in result.evidence] == [("app/main.py", 8),
                                                            ("app/checks.py", 7)]


def test_obs005_annotated_alias_dependency_that_queries_counts(tmp_path):
    main = HEAD + '''from typing import Annotated

from fastapi import Depends
from sqlalchemy import text


async def get_db():
    yield None


async def db_ready(db=Depends(get_db)):
    await db.execute(text("SELECT 1"))


DbReady = Annotated[None, Depends(db_ready)]


@app.get("/readyz")
async def readyz(_: DbReady):
    return "ok"
'''
    assert run_rule(Obs005Readiness(), tmp_path, {"app/main.py": main}).status == PASS


def test_obs005_post_ready_is_not_a_readiness_route(tmp_path):
    main = HEAD + '''

@app.post("/ready")
async def ready():
    return "ok"
'''
    assert run_rule(Obs005Readiness(), tmp_path, {"app/main.py": main}).status == FAIL


# ---- OBS-006 -----------------------------------------------------------------------------
def test_obs006_sentry_rate_zero_is_not_tracing_and_a_setting_is(tmp_path):
    zero = HEAD + 'import sentry_sdk\n\nsentry_sdk.init(dsn="x", traces_sample_rate=0.0)\n'
    assert run_rule(Obs006Tracing(), tmp_path / "a", {"app/main.py": zero}).status == FAIL
    setting = HEAD + '''import os

import sentry_sdk

sentry_sdk.init(dsn="x", traces_sample_rate=float(os.environ["TRACES_RATE"]))
'''
    assert run_rule(Obs006Tracing(), tmp_path / "b", {"app/main.py": setting}).status == WARN


def test_obs006_sentry_kwargs_from_a_dict_are_followed(tmp_path):
    main = HEAD + '''import sentry_sdk

SENTRY = {"dsn": "x", "traces_sample_rate": 0.1}
sentry_sdk.init(**SENTRY)
'''
    assert run_rule(Obs006Tracing(), tmp_path, {"app/main.py": main}).status == WARN


def test_obs006_tracer_api_without_a_provider_is_unknown(tmp_path):
    main = HEAD + '''from opentelemetry import trace

tracer = trace.get_tracer(__name__)
'''
    assert run_rule(Obs006Tracing(), tmp_path, {"app/main.py": main}).status == UNKNOWN


def test_obs006_instrument_app_is_cited_first(tmp_path):
    main = HEAD + '''from opentelemetry import trace
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.trace import TracerProvider

trace.set_tracer_provider(TracerProvider())
FastAPIInstrumentor.instrument_app(app)
'''
    result = run_rule(Obs006Tracing(), tmp_path, {"app/main.py": main})
    assert result.status == PASS
    assert result.evidence[0].line == 9
    assert len({e.line for e in result.evidence}) == len(result.evidence)


# ---- OBS-007 -----------------------------------------------------------------------------
def test_obs007_instrumentator_defined_elsewhere_and_exposed_in_the_factory(tmp_path):
    metrics = ('from prometheus_fastapi_instrumentator import Instrumentator\n\n'
               'instrumentator = Instrumentator()\n')
    main = '''from fastapi import FastAPI

from app.metrics import instrumentator


def create_app() -> FastAPI:
    app = FastAPI()
    instrumentator.instrument(app).expose(app)
    return app
'''
    result = run_rule(Obs007Metrics(), tmp_path, {"app/metrics.py": metrics, "app/main.py": main})
    assert result.status == PASS
    assert result.evidence[0].line == 8


def test_obs007_instrumented_but_never_exposed_is_unknown(tmp_path):
    main = HEAD + '''from prometheus_client import Counter

ORDERS = Counter("orders_total", "Orders placed")
'''
    assert run_rule(Obs007Metrics(), tmp_path, {"app/main.py": main}).status == UNKNOWN


def test_obs007_pushgateway_only_warns(tmp_path):
    main = HEAD + '''from prometheus_client import CollectorRegistry, push_to_gateway

registry = CollectorRegistry()
push_to_gateway("pushgateway:9091", job="api", registry=registry)
'''
    result = run_rule(Obs007Metrics(), tmp_path, {"app/main.py": main})
    assert result.status == WARN
    assert result.evidence[0].line == 7


def test_obs007_starlette_exporter_route(tmp_path):
    main = HEAD + '''from starlette_exporter import PrometheusMiddleware, handle_metrics

app.add_middleware(PrometheusMiddleware)
app.add_route("/metrics", handle_metrics)
'''
    assert run_rule(Obs007Metrics(), tmp_path, {"app/main.py": main}).status == PASS


def test_obs002_a_logging_file_under_tests_does_not_count(tmp_path):
    yaml = "version: 1\nformatters:\n  j:\n    (): pythonjsonlogger.jsonlogger.JsonFormatter\n"
    files = {"app/main.py": HEAD, "tests/logging.yaml": yaml}
    assert run_rule(Obs002StructuredLogging(), tmp_path, files).status == FAIL


def test_obs002_uvicorn_log_config_option_in_the_dockerfile_is_plain_configuration(tmp_path):
    dockerfile = ('FROM python:3.12-slim\nCOPY . /app\n'
                  'CMD ["uvicorn", "app.main:app", "--log-config", "conf/uvicorn.json"]\n')
    result = run_rule(Obs002StructuredLogging(), tmp_path,
                      {"app/main.py": HEAD, "Dockerfile": dockerfile})
    assert result.status == WARN
    assert (result.evidence[0].path, result.evidence[0].line) == ("Dockerfile", 3)


def test_obs002_alembic_env_logging_is_not_app_logging(tmp_path):
    env = ("from logging.config import fileConfig\n\nfrom alembic import context\n\n"
           "fileConfig(context.config.config_file_name)\n")
    files = {"app/main.py": HEAD, "alembic/env.py": env, "alembic.ini": "[alembic]\n"}
    assert run_rule(Obs002StructuredLogging(), tmp_path, files).status == FAIL
