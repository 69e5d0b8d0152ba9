"""Observability checks (OBS-001 .. OBS-007): print(), structured logging, request ids,
health probes, tracing and metrics.

Helpers shared with other dimensions: `probe_endpoints` (GET routes by last path segment),
`dependency_check_site` (a DB/cache call made to check a dependency) and
`middleware_bodies` (middleware functions and classes defined in the tree).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from .. import layout
from ..artifacts.locate import looked_in
from ..artifacts.logconfig import LOGCONFIG
from ..fastapi_model import Endpoint, merged_kwargs
from ..project import Project
from ..python.facts import (
    Attr,
    Call,
    CallSite,
    ClassFact,
    Const,
    DictExpr,
    Expr,
    FunctionFact,
    ModuleFacts,
    Name,
)
from .base import FAIL, WARN, CheckResult, Evidence, Example, Rule, counted
from .database import DATA_METHODS, imported_libraries, library_evidence, receiver_handle
from .matchers import (
    call_name,
    call_names,
    calls_in,
    function_by_qualname,
    last_part,
    resolved_dependency_functions,
    walk_expr,
)


# ---- shared helpers ----------------------------------------------------------------------
def _site_evidence(project: Project, module: ModuleFacts, site: CallSite, message: str
                   ) -> Evidence:
    return project.evidence(module.path, site.call.line, message, end_line=site.call.end_line,
                            scope=site.scope)


def _parse_errors_unknown(rule: Rule, project: Project, reason: str) -> CheckResult | None:
    """`unknown` when app files could not be parsed: what decides may sit in them."""
    if not project.app_parse_errors:
        return None
    return rule.unknown([project.evidence(path, None, f"{reason}; could not parse: {error}")
                         for path, error in sorted(project.app_parse_errors.items())])


def method_of(call: Call) -> str:
    """The method name of `x.y.method(...)` or `f().method(...)`; "" for a plain call."""
    func = call.func
    if isinstance(func, Name) and "." in func.dotted:
        return last_part(func.dotted)
    if isinstance(func, Attr):
        return func.attr
    return ""


def names_called_or_passed(call: Call) -> Iterator[Name]:
    """Every dotted name in a call: the callee (also inside `f().g()` chains) and arguments."""
    for node in walk_expr(call):
        if isinstance(node, Name):
            yield node


def _qname_starts(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _start_commands(project: Project) -> list[tuple[str, int | None, str]]:
    """How the service is started: Dockerfile ENTRYPOINT/CMD and compose commands."""
    artifacts = project.artifacts
    found: list[tuple[str, int | None, str]] = []
    if artifacts is None:
        return found
    dockerfile = artifacts.dockerfile
    if dockerfile is not None:
        for command in (dockerfile.entrypoint, dockerfile.cmd):
            if command is not None:
                found.append((dockerfile.path, command.line, command.raw))
    for compose in artifacts.compose:
        for service in getattr(compose, "services", []) or []:
            command = service.command
            if command:
                text = command if isinstance(command, str) else " ".join(command)
                found.append((compose.path, service.command_line, text))
    return found


# ---- OBS-001 -----------------------------------------------------------------------------
PRINT_NAMES = {"print", "builtins.print"}


class Obs001NoPrint(Rule):
    """Detects print() calls in app code (the builtin, not an imported `rich.print`)."""

    id = "OBS-001"
    title = "No print() in app code"
    dimension = "observability"
    priority = "P0"
    tags = ("mistake#8", "health")
    rationale = (
        "`print()` writes unstructured text to stdout with no level, timestamp, logger name "
        "or request context. In production it cannot be filtered, routed or searched, and "
        "it silently bypasses whatever logging pipeline the service has.")
    remediation = (
        "Replace each `print()` with a module logger (`logger = logging.getLogger(__name__)` "
        "or `structlog.get_logger()`) at a fitting level, passing values as structured "
        "fields rather than formatting them into the message.")
    example_before = "print(f'order {order.id} paid')"
    example_after = "logger.info('order paid', extra={'order_id': order.id})"

    def check(self, project: Project) -> CheckResult:
        offending = [
            _site_evidence(project, module, site,
                           "print() writes unstructured text to stdout instead of the log")
            for module, site in project.call_index.named(PRINT_NAMES)
        ]
        if offending:
            return self.failed(offending, {"print_calls": len(offending)})
        unknown = _parse_errors_unknown(self, project, "no print() in the parsed app code")
        return unknown or self.passed(metric={"print_calls": 0})


def _strongest_first(evidence: list[Evidence], words: tuple[str, ...]) -> list[Evidence]:
    """One item per line, those whose message names one of `words` first (stable)."""
    seen: set[tuple[str | None, int | None]] = set()
    unique = []
    for item in evidence:
        if (item.path, item.line) not in seen or item.line is None:
            seen.add((item.path, item.line))
            unique.append(item)
    return sorted(unique, key=lambda e: not any(w in e.message for w in words))


# ---- OBS-002 -----------------------------------------------------------------------------
STRUCTURED_LIBRARIES = ("structlog", "pythonjsonlogger", "json_log_formatter", "ecs_logging",
                        "aws_lambda_powertools.Logger", "aws_lambda_powertools.logging")
JSON_FORMATTER_TEXT = re.compile(
    r"pythonjsonlogger|jsonlogger|json_log_formatter|ecs_logging|structlog"
    r"|json\w*formatter|formatter\w*json", re.IGNORECASE)
JSON_DUMPERS = {"json.dumps", "orjson.dumps", "ujson.dumps", "rapidjson.dumps",
                "simplejson.dumps"}
FORMATTER_BASES = {"logging.Formatter"}
PLAIN_CONFIG_CALLS = {
    "logging.basicConfig", "logging.config.dictConfig", "logging.config.fileConfig",
    "logging.StreamHandler", "logging.FileHandler", "logging.handlers.RotatingFileHandler",
    "logging.handlers.TimedRotatingFileHandler", "logging.handlers.SysLogHandler",
    "logging.handlers.WatchedFileHandler", "logging.handlers.QueueHandler",
    "coloredlogs.install", "rich.logging.RichHandler", "logging.Formatter",
}
PLAIN_CONFIG_METHODS = {"addHandler", "setFormatter"}
LOGURU = "loguru.logger"
LOGURU_SETUP_CALLS = (f"{LOGURU}.add", f"{LOGURU}.configure")
LOG_CONFIG_OPTION = re.compile(r"--log-config\b")


@dataclass(slots=True)
class LoggingSetup:
    """What the service does about logging: structured places and plain configuration."""

    structured: list[Evidence]
    plain: list[Evidence]


def _is_logging_config_dict(expr: Expr) -> bool:
    """A `logging.config.dictConfig` schema: `formatters`, or `version` with `handlers`."""
    if not isinstance(expr, DictExpr):
        return False
    keys = {k.value for k in expr.keys if isinstance(k, Const) and isinstance(k.value, str)}
    return "formatters" in keys or {"version", "handlers"} <= keys


def _names_json_formatter(project: Project, expr: Expr | None,
                          json_classes: set[str]) -> bool:
    """A string or name inside `expr` that names a JSON formatter."""
    for node in walk_expr(expr):
        if isinstance(node, Const) and isinstance(node.value, str) and \
                JSON_FORMATTER_TEXT.search(node.value):
            return True
        if isinstance(node, Name):
            if _qname_starts(node.qname, STRUCTURED_LIBRARIES) or \
                    JSON_FORMATTER_TEXT.search(last_part(node.dotted)):
                return True
            definition = project.definition_of(node)
            if definition is not None and definition.qualified in json_classes:
                return True
    return False


def json_formatter_classes(project: Project) -> list[tuple[ModuleFacts, ClassFact]]:
    """`logging.Formatter` subclasses of the tree that emit JSON (by name or `json.dumps`)."""
    found = []
    for module, cls in project.iter_classes():
        bases = project.base_names(module, cls)
        if not (bases & FORMATTER_BASES or any(_qname_starts(b, STRUCTURED_LIBRARIES)
                                               for b in bases)):
            continue
        if _emits_json(module, cls) or any(_qname_starts(b, STRUCTURED_LIBRARIES)
                                          for b in bases):
            found.append((module, cls))
    return found


def _emits_json(module: ModuleFacts, cls: ClassFact) -> bool:
    """Named for JSON, or its `format` dumps JSON."""
    method = function_by_qualname(module, f"{cls.qualname}.format")
    return "json" in cls.name.lower() or (method is not None and any(
        call_name(s.call) in JSON_DUMPERS for s in calls_in(module, method)))


def _log_class_message(project: Project, module: ModuleFacts, cls: ClassFact) -> str:
    """A class that only derives from a structured logging library (a structlog renderer, a
    logger protocol) is no JSON formatter of its own: say what it builds on."""
    if _emits_json(module, cls):
        return f"JSON log formatter class `{cls.name}`"
    library_bases = sorted(b for b in project.base_names(module, cls)
                           if _qname_starts(b, STRUCTURED_LIBRARIES))
    if not library_bases:
        return f"JSON log formatter class `{cls.name}`"
    return f"log class `{cls.name}` builds on structured logging (`{library_bases[0]}`)"


def _loguru_call(site: CallSite) -> str | None:
    """"add"/"configure" for `logger.add(...)` on loguru's logger, else None."""
    name = call_name(site.call)
    if name in LOGURU_SETUP_CALLS:
        return last_part(name)
    return None


def _serializes(project: Project, call: Call) -> bool:
    """`serialize=True` (or a setting that may be true) on `logger.add`/`configure`."""
    candidates: list[Expr] = []
    if "serialize" in call.kwargs:
        candidates.append(call.kwargs["serialize"])
    for node in walk_expr(call):
        if isinstance(node, DictExpr):
            for key, value in zip(node.keys, node.values, strict=False):
                if isinstance(key, Const) and key.value == "serialize":
                    candidates.append(value)
    return any(project.constant(value) is not False for value in candidates)


def find_logging_setup(project: Project) -> LoggingSetup:
    """Structured and plain logging configuration in app code and logging config files."""
    setup = LoggingSetup([], [])
    json_classes = json_formatter_classes(project)
    json_names = {f"{m.module}.{c.qualname}" for m, c in json_classes}
    for module, cls in json_classes:
        setup.structured.append(project.evidence(
            module.path, cls.line, _log_class_message(project, module, cls), snippet_lines=2))
    for module, site in project.iter_calls():
        _classify_call(project, module, site, json_names, setup)
    for module in project.app_modules:
        for assignment in module.assignments:
            if assignment.value is not None and _is_logging_config_dict(assignment.value):
                _classify_config_dict(project, module, assignment.line, assignment.value,
                                      json_names, setup)
    for config in project.artifacts.logging_configs if project.artifacts else []:
        if layout.is_test_path(config.path, project.test_patterns):
            continue  # a test-only logging set-up says nothing about production
        if config.structured:
            setup.structured.append(project.evidence(
                config.path, config.json_line, "JSON formatter in a logging config file"))
        else:
            setup.plain.append(project.evidence(
                config.path, None, "logging config file with plain-text formatters only"))
    for path, line, text in _start_commands(project):
        if LOG_CONFIG_OPTION.search(text):
            setup.plain.append(project.evidence(
                path, line, "the server is started with a `--log-config` file"))
    return setup


@functools.lru_cache(maxsize=4096)
def _is_structured_library(qname: str) -> bool:
    """Decided once per distinct callee: the same few names fill every call of a service."""
    return _qname_starts(qname, STRUCTURED_LIBRARIES)


def _classify_call(project: Project, module: ModuleFacts, site: CallSite,
                   json_names: set[str], setup: LoggingSetup) -> None:
    call = site.call
    name = call_name(call)
    loguru = _loguru_call(site)
    if loguru is not None:
        target = setup.structured if _serializes(project, call) else setup.plain
        message = (f"loguru `logger.{loguru}` with serialize=True (JSON lines)"
                   if target is setup.structured else
                   f"loguru `logger.{loguru}` without serialize=True (plain text)")
        target.append(_site_evidence(project, module, site, message))
        return
    if _is_structured_library(name):
        setup.structured.append(_site_evidence(
            project, module, site, f"structured logging library: `{call.func.dotted}`"))
        return
    is_plain = name in PLAIN_CONFIG_CALLS or method_of(call) in PLAIN_CONFIG_METHODS
    if not is_plain:
        for arg in [*call.args, *call.kwargs.values()]:
            resolved = project.resolve(arg) if isinstance(arg, Name) else arg
            if resolved is not None and _is_logging_config_dict(resolved):
                is_plain = True
    if not is_plain:
        return
    if _names_json_formatter(project, _resolved_args(project, call), json_names):
        setup.structured.append(_site_evidence(project, module, site,
                                               "logging configured with a JSON formatter"))
    else:
        setup.plain.append(_site_evidence(
            project, module, site, f"plain-text logging configured (`{_label(call)}`)"))


def _resolved_args(project: Project, call: Call) -> Call:
    """The call with name arguments replaced by the module constants they refer to."""
    def resolve(expr: Expr) -> Expr:
        resolved = project.resolve(expr) if isinstance(expr, Name) else expr
        return resolved if resolved is not None else expr
    return Call(call.func, [resolve(a) for a in call.args],
                {k: resolve(v) for k, v in call.kwargs.items()}, call.line, call.end_line)


def _classify_config_dict(project, module, line, value, json_names, setup) -> None:
    if _names_json_formatter(project, value, json_names):
        setup.structured.append(project.evidence(
            module.path, line, "JSON formatter in the logging config dict"))
    else:
        setup.plain.append(project.evidence(
            module.path, line, "logging config dict with plain-text formatters only"))


def _label(call: Call) -> str:
    func = call.func
    if isinstance(func, Name):
        return func.dotted
    return method_of(call) or "call"


class Obs002StructuredLogging(Rule):
    """Detects whether logs are emitted as structured JSON, plain text, or not set up at all."""

    id = "OBS-002"
    title = "Structured logging"
    dimension = "observability"
    priority = "P0"
    tags = ("p0", "health")
    rationale = (
        "Log platforms index fields, not prose. JSON log lines let you filter by request id, "
        "user or status code and build alerts on them; free-text lines have to be parsed "
        "with fragile patterns, and multi-line tracebacks arrive as separate events.")
    remediation = (
        "Configure structlog with a `JSONRenderer`, or attach python-json-logger's "
        "`JsonFormatter` to the root handler in your `dictConfig`, or call loguru's "
        "`logger.add(sys.stdout, serialize=True)`. Keep one set-up function called at start.")
    example_before = "logging.basicConfig(level=logging.INFO, format='%(asctime)s %(message)s')"
    example_after = (
        "structlog.configure(processors=[structlog.contextvars.merge_contextvars,\n"
        "    structlog.processors.add_log_level, structlog.processors.TimeStamper('iso'),\n"
        "    structlog.processors.JSONRenderer()])")

    def check(self, project: Project) -> CheckResult:
        setup = find_logging_setup(project)
        metric = {"structured": len(setup.structured), "plain": len(setup.plain)}
        if setup.structured:
            return self.passed(_strongest_first(setup.structured, ("JSON", "configure"))[:5],
                               metric)
        if setup.plain:
            return self.warned(setup.plain, metric)
        unknown = _parse_errors_unknown(self, project, "no logging set-up in the parsed code")
        if unknown is not None:
            return unknown
        where = looked_in(LOGCONFIG, project.app_root)
        return self.failed([project.absence(
            "no logging set-up found: no structlog, python-json-logger or loguru, no "
            "logging.basicConfig/dictConfig/fileConfig or handlers in app code, and no "
            f"{where}")], metric)


# ---- OBS-003 -----------------------------------------------------------------------------
REQUEST_ID_HEADER = re.compile(r"x[-_]?(?:request|correlation)[-_]?id", re.IGNORECASE)
REQUEST_ID_LIBRARIES = ("asgi_correlation_id", "starlette_context")
REQUEST_ID_PLUGINS = {"RequestIdPlugin", "CorrelationIdPlugin", "CorrelationIdMiddleware"}
BASE_HTTP_MIDDLEWARE = "BaseHTTPMiddleware"
ASGI_PARAMS = {"scope", "receive", "send"}


@dataclass(slots=True)
class MiddlewareBody:
    """A middleware defined in the tree: an `@app.middleware("http")` function or a class."""

    module: ModuleFacts
    qualname: str
    line: int
    end_line: int
    label: str


def _http_middleware_decorator(expr: Expr) -> bool:
    return (isinstance(expr, Call) and isinstance(expr.func, Name)
            and last_part(expr.func.dotted) == "middleware"
            and any(isinstance(a, Const) and a.value == "http" for a in expr.args))


def _registered_classes(project: Project) -> set[str]:
    """Qualified names of classes handed to `add_middleware(...)`/`Middleware(...)`."""
    found = set()
    for _module, site in project.call_index.ending_with(("add_middleware", "Middleware")):
        call = site.call
        if isinstance(call.func, Name) and last_part(call.func.dotted) in (
                "add_middleware", "Middleware"):
            target = call.arg(0, "middleware_class") or call.kwargs.get("cls")
            definition = project.definition_of(target)
            if definition is not None and definition.kind == "class":
                found.add(definition.qualified)
    return found


def _is_middleware_class(project: Project, module: ModuleFacts, cls: ClassFact,
                         registered: set[str]) -> bool:
    if f"{module.module}.{cls.qualname}" in registered or "Middleware" in cls.name:
        return True
    if any(last_part(b) == BASE_HTTP_MIDDLEWARE for b in project.base_names(module, cls)):
        return True
    call = function_by_qualname(module, f"{cls.qualname}.__call__")
    return call is not None and {p.name for p in call.params} >= ASGI_PARAMS


def _registered_middleware_functions(project: Project) -> set[int]:
    """Functions registered without a decorator: `app.middleware("http")(add_request_id)`."""
    found = set()
    for module, site in project.iter_calls():
        call = site.call
        if isinstance(call.func, Call) and _http_middleware_decorator(call.func) and call.args:
            definition = project.definition_of(call.args[0])
            local = function_by_qualname(module, getattr(call.args[0], "dotted", ""))
            target = local or (definition.node if definition is not None
                               and definition.kind == "function" else None)
            if target is not None:
                found.add(id(target))
    return found


def middleware_bodies(project: Project) -> list[MiddlewareBody]:
    """Middleware functions and classes defined in app code."""
    found = []
    registered_functions = _registered_middleware_functions(project)
    for module, function in project.iter_functions():
        if id(function) in registered_functions or any(
                _http_middleware_decorator(d) for d in function.decorators):
            found.append(MiddlewareBody(module, function.qualname, function.line,
                                        function.end_line, f"middleware `{function.name}`"))
    registered = _registered_classes(project)
    for module, cls in project.iter_classes():
        if _is_middleware_class(project, module, cls, registered):
            found.append(MiddlewareBody(module, cls.qualname, cls.line, cls.end_line,
                                        f"middleware class `{cls.name}`"))
    return found


def _header_line(project: Project, body: MiddlewareBody) -> int | None:
    """The first line of the body that uses a request-id header: a string or a constant
    holding one (`REQUEST_ID_HEADER = "X-Request-ID"` defined elsewhere) in a call, an
    assignment or a parameter default; else a code line spelling it (a comparison)."""
    return _header_in_facts(project, body) or _header_in_source(project, body)


def _in_body(scope: str, body: MiddlewareBody) -> bool:
    return scope == body.qualname or scope.startswith(body.qualname + ".")


def _names_header(project: Project, expr: Expr | None) -> bool:
    for node in walk_expr(expr):
        if isinstance(node, Const) and _is_header_value(node.value):
            return True
        if isinstance(node, Name) and _is_header_value(project.constant(node)):
            return True
    return False


def _header_in_facts(project: Project, body: MiddlewareBody) -> int | None:
    module = body.module
    lines = [s.call.line for s in module.calls
             if _in_body(s.scope, body) and _names_header(project, s.call)]
    lines += [a.line for a in module.assignments if _in_body(a.scope, body) and any(
        _names_header(project, e) for e in [*a.targets, a.value])]
    lines += [f.line for f in module.functions
              if (f.qualname == body.qualname or _in_body(f.parent, body))
              and any(_names_header(project, p.default) for p in f.params)]
    return min(lines) if lines else None


def _header_in_source(project: Project, body: MiddlewareBody) -> int | None:
    """A code line (not a comment or docstring) of the body that spells the header."""
    docstrings = [f.docstring for f in body.module.functions
                  if f.docstring and (f.qualname == body.qualname or _in_body(f.parent, body))]
    docstrings += [c.docstring for c in body.module.classes
                   if c.docstring and c.qualname == body.qualname]
    lines = project.source_lines(body.module.path)
    for number in range(body.line, min(body.end_line, len(lines)) + 1):
        text = lines[number - 1].strip()
        if not REQUEST_ID_HEADER.search(text) or text.startswith("#"):
            continue
        if any(text.strip("\"' ") in doc for doc in docstrings):
            continue
        return number
    return None


def _is_header_value(value: object) -> bool:
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return isinstance(value, str) and REQUEST_ID_HEADER.fullmatch(value.strip()) is not None


def _request_id_library(project: Project) -> Evidence | None:
    """asgi-correlation-id's middleware, or starlette-context's request/correlation id plugin."""
    for module, site in project.iter_calls():
        for name in call_names(project, site.call):
            if _qname_starts(name.qname, REQUEST_ID_LIBRARIES) and \
                    last_part(name.qname) in REQUEST_ID_PLUGINS:
                return _site_evidence(project, module, site,
                                      f"request-id middleware from a library (`{name.dotted}`)")
    return None


class Obs003RequestId(Rule):
    """Detects middleware that reads or sets an X-Request-ID / X-Correlation-ID header."""

    id = "OBS-003"
    title = "Request id"
    dimension = "observability"
    priority = "P1"
    tags = ()
    rationale = (
        "A request id taken from (or given to) the caller and attached to every log line and "
        "response ties together everything one request did across services, so one user "
        "complaint can be followed through the logs without guessing by timestamp.")
    remediation = (
        "Add a middleware that reads `X-Request-ID` (generating a UUID when it is missing), "
        "binds it to the logging context and echoes it in the response header, or register "
        "asgi-correlation-id's `CorrelationIdMiddleware`.")
    example_before = "app = FastAPI()\n# no request correlation"
    example_after = (
        "@app.middleware('http')\nasync def request_id(request: Request, call_next):\n"
        "    rid = request.headers.get('X-Request-ID') or uuid4().hex\n"
        "    structlog.contextvars.bind_contextvars(request_id=rid)\n"
        "    response = await call_next(request)\n"
        "    response.headers['X-Request-ID'] = rid\n    return response")

    def check(self, project: Project) -> CheckResult:
        library = _request_id_library(project)
        if library is not None:
            return self.passed([library])
        for body in middleware_bodies(project):
            line = _header_line(project, body)
            if line is not None:
                return self.passed([project.evidence(
                    body.module.path, line, f"{body.label} handles the request-id header",
                    scope=body.qualname)])
        unknown = _parse_errors_unknown(self, project, "no request-id middleware in parsed code")
        return unknown or self.failed([project.absence(
            "no middleware reading or setting X-Request-ID / X-Correlation-ID found in app "
            "code (looked at @app.middleware functions, middleware classes and "
            "asgi-correlation-id)")])


# ---- OBS-004 / OBS-005 -------------------------------------------------------------------
LIVENESS_SEGMENTS = {"health", "healthz", "healthcheck", "health-check", "health_check",
                     "livez", "ping"}
READINESS_SEGMENTS = {"ready", "readyz", "readiness"}
CHECK_METHODS = {
    "ping", "execute", "exec", "fetch", "fetchval", "fetchrow", "fetch_one", "fetch_all",
    "fetch_val", "scalar", "scalars", "command", "server_info", "list_database_names",
    "exec_driver_sql", "run_command",
}


def last_segment(path: str) -> str:
    """The last non-empty segment of a route path, lower-case ("/api/health/" -> "health")."""
    parts = [p for p in path.split("/") if p]
    return parts[-1].lower() if parts else ""


def starlette_routes(project: Project) -> list[Endpoint]:
    """`app.add_route(path, handler)` routes (Starlette's API on a FastAPI app); GET unless
    `methods=` says otherwise. The FastAPI model lists only FastAPI-style routes."""
    found = []
    for module, site in project.service.app_calls(project, "add_route"):
        call = site.call
        path = project.constant(call.arg(0, "path"))
        methods = project.constant(call.kwargs.get("methods"))
        if not isinstance(path, str):
            continue
        methods = [m.upper() for m in methods] if isinstance(methods, list) else ["GET"]
        definition = project.definition_of(call.arg(1, "route"))
        handler = definition.node if definition is not None and \
            definition.kind == "function" else None
        found.append(Endpoint(methods, path, project.service.primary, project.service.primary,
                              handler, definition.module if handler else module, call, [], []))
    return found


def probe_endpoints(project: Project, segments: set[str]) -> list[Endpoint]:
    """GET routes whose last path segment is one of `segments`, once per route."""
    seen: set[int] = set()
    found = []
    for endpoint in [*project.service.endpoints, *starlette_routes(project)]:
        if "GET" in endpoint.methods and last_segment(endpoint.path) in segments \
                and id(endpoint.route_call) not in seen:
            seen.add(id(endpoint.route_call))
            found.append(endpoint)
    return found


def _check_call(project: Project, module: ModuleFacts, site: CallSite) -> bool:
    """A call that talks to a database or cache: a session/engine data call, `ping`, ..."""
    if method_of(site.call) in CHECK_METHODS:
        return True
    resolved = receiver_handle(project, module, site)
    return resolved is not None and resolved[1] in DATA_METHODS | {"connect", "begin"}


def _check_in(project: Project, module: ModuleFacts, function: FunctionFact,
              follow_helpers: bool = True) -> tuple[ModuleFacts, CallSite] | None:
    """The first dependency-checking call in a function, or in a tree helper it calls (one
    level: `await check_database()` is how readiness probes are usually written)."""
    sites = calls_in(module, function)
    for site in sites:
        if _check_call(project, module, site):
            return module, site
    if not follow_helpers:
        return None
    for site in sites:
        definition = project.definition_of(site.call.func)
        if definition is not None and definition.kind == "function" and \
                definition.node is not function:
            found = _check_in(project, definition.module, definition.node, follow_helpers=False)
            if found is not None:
                return found
    return None


def dependency_check_site(project: Project, endpoint: Endpoint
                          ) -> tuple[ModuleFacts, CallSite] | None:
    """A DB/cache call made by the handler or by one of its dependencies."""
    if endpoint.function is None:
        return None
    found = _check_in(project, endpoint.module, endpoint.function)
    if found is not None:
        return found
    for module, function in resolved_dependency_functions(project, endpoint):
        found = _check_in(project, module, function)
        if found is not None:
            return found
    return None


def _endpoint_evidence(project: Project, endpoint: Endpoint, message: str) -> Evidence:
    return project.evidence(endpoint.module.path, endpoint.line, message,
                            scope=endpoint.name, snippet_lines=2)


def _probe_list() -> str:
    return ", ".join(sorted(LIVENESS_SEGMENTS))


def _routes_seen(project: Project) -> str:
    """"among 12 routes", or that the service has none the scanner could find."""
    routes = len(project.service.endpoints)
    return f"among {counted(routes, 'route')}" if routes else "no routes found at all"


class Obs004Liveness(Rule):
    """Detects a GET liveness route (/health, /healthz, /livez, /ping...)."""

    id = "OBS-004"
    title = "Liveness endpoint"
    dimension = "observability"
    priority = "P0"
    tags = ("p0", "mistake#7")
    rationale = (
        "Orchestrators and load balancers need a cheap URL that answers while the process "
        "is alive, to restart a hung worker and to route traffic only to live instances. "
        "Without it they probe `/` or nothing at all, and a deadlocked pod keeps receiving "
        "requests.")
    remediation = (
        "Add `GET /health` (or `/healthz`) that returns 200 without touching the database, "
        "and point the container/Kubernetes liveness probe at it.")
    example_before = "@app.get('/')\nasync def root():\n    return {'hello': 'world'}"
    example_after = "@app.get('/health')\nasync def health():\n    return {'status': 'ok'}"

    def check(self, project: Project) -> CheckResult:
        probes = probe_endpoints(project, LIVENESS_SEGMENTS)
        if probes:
            return self.passed([_endpoint_evidence(project, probes[0],
                                                   f"liveness route `{probes[0].label()}`")])
        dynamic = [e for e in project.service.endpoints if "{dynamic}" in e.path]
        if dynamic or project.app_parse_errors:
            return self.unknown([project.absence(
                "no GET liveness route found, but some route paths could not be resolved or "
                "some app files could not be parsed")])
        return self.failed([project.absence(
            f"no GET route whose last path segment is one of {_probe_list()} "
            f"({_routes_seen(project)})")])


class Obs005Readiness(Rule):
    """Detects a GET readiness route that checks a dependency (DB/cache) before answering."""

    id = "OBS-005"
    title = "Readiness endpoint"
    dimension = "observability"
    priority = "P0"
    tags = ("p0", "mistake#7")
    rationale = (
        "Readiness is a different question from liveness: can this instance serve traffic "
        "right now? A probe that checks the database and cache lets the orchestrator hold "
        "traffic back during start-up and outages instead of returning errors to users, "
        "while the liveness probe stays cheap so a database blip does not restart every pod.")
    remediation = (
        "Add `GET /ready` that runs a trivial query (`SELECT 1`) and pings the cache through "
        "the same dependencies the endpoints use, answering 503 when one fails; keep "
        "`/health` free of dependency checks.")
    example_before = (
        "@app.get('/health')\nasync def health(db: SessionDep):\n"
        "    await db.execute(text('SELECT 1'))\n    return {'status': 'ok'}")
    example_after = (
        "@app.get('/health')\nasync def health():\n    return {'status': 'ok'}\n\n"
        "@app.get('/ready')\nasync def ready(db: SessionDep):\n"
        "    await db.execute(text('SELECT 1'))\n    return {'status': 'ready'}")

    def check(self, project: Project) -> CheckResult:
        readiness = probe_endpoints(project, READINESS_SEGMENTS)
        for endpoint in readiness:
            found = dependency_check_site(project, endpoint)
            if found is not None:
                return self.passed([
                    _endpoint_evidence(project, endpoint,
                                       f"readiness route `{endpoint.label()}`"),
                    _site_evidence(project, *found, "checks a dependency")])
        if readiness:
            if any(e.function is None for e in readiness):
                return self.unknown([_endpoint_evidence(
                    project, e, f"readiness route `{e.label()}` with a handler outside the "
                    "tree: whether it checks a dependency cannot be seen") for e in readiness])
            return self.warned([_endpoint_evidence(
                project, e, f"readiness route `{e.label()}` checks no DB/cache dependency")
                for e in readiness])
        for endpoint in probe_endpoints(project, LIVENESS_SEGMENTS):
            found = dependency_check_site(project, endpoint)
            if found is not None:
                return self.warned([
                    _endpoint_evidence(project, endpoint,
                                       f"no readiness route; liveness route "
                                       f"`{endpoint.label()}` checks a dependency instead"),
                    _site_evidence(project, *found, "dependency check in the liveness route")])
        return self.failed([project.absence(
            "no GET route ending in ready/readyz/readiness, and no liveness route that checks "
            f"the database ({_routes_seen(project)})")])


# ---- OBS-006 -----------------------------------------------------------------------------
OTEL_SETUP_PREFIXES = (
    "opentelemetry.instrumentation", "opentelemetry.sdk.trace", "azure.monitor.opentelemetry",
    "logfire.instrument_fastapi", "logfire.instrument_asgi",
)
OTEL_SETUP_NAMES = {"opentelemetry.trace.set_tracer_provider"}


@functools.lru_cache(maxsize=4096)
def _is_otel_setup(qname: str) -> bool:
    """Decided once per distinct name: the same few names fill every call of a service."""
    return qname in OTEL_SETUP_NAMES or _qname_starts(qname, OTEL_SETUP_PREFIXES)
OTEL_AGENT = re.compile(r"\bopentelemetry-instrument\b")
VENDOR_TRACERS = ("ddtrace", "elasticapm", "newrelic")
VENDOR_AGENT = re.compile(r"\b(?:ddtrace-run|newrelic-admin\s+run-program)\b")
SENTRY_INIT = {"sentry_sdk.init"}


def opentelemetry_sites(project: Project) -> list[Evidence]:
    """Calls that set up OpenTelemetry tracing (instrumentors, an SDK tracer provider)."""
    found = []
    for module, site in project.iter_calls():
        for name in call_names(project, site.call):
            if _is_otel_setup(name.qname):
                found.append(_site_evidence(project, module, site,
                                            f"OpenTelemetry set-up (`{name.dotted}`)"))
                break
    for path, line, text in _start_commands(project):
        if OTEL_AGENT.search(text):
            found.append(project.evidence(path, line, "started under `opentelemetry-instrument`"))
    return found


def sentry_tracing_sites(project: Project) -> list[Evidence]:
    """`sentry_sdk.init` calls with performance tracing switched on."""
    found = []
    for module, site in project.call_index.named(SENTRY_INIT):
        kwargs = merged_kwargs(project, site.call)
        rate = kwargs.get("traces_sample_rate")
        enabled = project.constant(kwargs.get("enable_tracing"))
        # An unresolved rate (a setting without default) may be on: counts as configured.
        rate_on = rate is not None and project.constant(rate) not in (0, False)
        if "traces_sampler" in kwargs or enabled is True or rate_on:
            found.append(_site_evidence(project, module, site,
                                        "Sentry performance tracing (`traces_sample_rate`)"))
    return found


def vendor_tracing(project: Project) -> list[Evidence]:
    """Vendor APM tracers (ddtrace, Elastic APM, New Relic) set up in code or the start command."""
    found = []
    for library, module in imported_libraries(project, VENDOR_TRACERS).items():
        found.append(library_evidence(project, library, module,
                                      f"vendor APM tracer `{library}` used"))
    for path, line, text in _start_commands(project):
        if VENDOR_AGENT.search(text):
            found.append(project.evidence(path, line, "started under a vendor APM agent"))
    return found


class Obs006Tracing(Rule):
    """Detects distributed tracing: OpenTelemetry (pass) or only Sentry/vendor tracing (warn)."""

    id = "OBS-006"
    title = "Tracing"
    dimension = "observability"
    priority = "P1"
    tags = ("p1",)
    rationale = (
        "Traces show where the time of one request went across the API, the database and "
        "downstream services. OpenTelemetry does this with a vendor-neutral format, so the "
        "backend can change without touching the code.")
    remediation = (
        "Install `opentelemetry-instrumentation-fastapi`, set up a `TracerProvider` with an "
        "OTLP exporter and call `FastAPIInstrumentor.instrument_app(app)` (plus the "
        "SQLAlchemy/httpx instrumentors), or start the service under `opentelemetry-instrument`.")
    example_before = "sentry_sdk.init(dsn=settings.sentry_dsn, traces_sample_rate=0.2)"
    example_after = (
        "provider = TracerProvider(resource=Resource.create({'service.name': 'orders'}))\n"
        "provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))\n"
        "trace.set_tracer_provider(provider)\nFastAPIInstrumentor.instrument_app(app)")

    def check(self, project: Project) -> CheckResult:
        otel = opentelemetry_sites(project)
        if otel:
            return self.passed(_strongest_first(otel, ("Instrumentor", "instrument_"))[:5])
        partial = sentry_tracing_sites(project) + vendor_tracing(project)
        if partial:
            return self.warned(partial)
        api_only = [
            _site_evidence(project, module, site, "OpenTelemetry API used, but no tracer "
                           "provider or instrumentation set up in the tree")
            for module, site in project.call_index.named_if(
                lambda name: _qname_starts(name, ("opentelemetry.trace",)))]
        if api_only:
            return self.unknown(api_only[:3])
        unknown = _parse_errors_unknown(self, project, "no tracing set-up in the parsed code")
        return unknown or self.failed([project.absence(
            "no tracing found: no OpenTelemetry instrumentation or tracer provider, no "
            "Sentry `traces_sample_rate`, no `opentelemetry-instrument` start command")])


# ---- OBS-007 -----------------------------------------------------------------------------
PROMETHEUS_LIBRARIES = ("prometheus_client", "prometheus_fastapi_instrumentator",
                        "starlette_exporter", "starlette_prometheus", "aioprometheus")
INSTRUMENTATOR = "prometheus_fastapi_instrumentator"
MAKE_ASGI_APP = {"prometheus_client.make_asgi_app", "prometheus_client.exposition.make_asgi_app"}
METRICS_HANDLERS = {"starlette_exporter.handle_metrics", "starlette_prometheus.metrics",
                    "aioprometheus.asgi.starlette.metrics", "aioprometheus.metrics"}
GENERATE_LATEST = {"prometheus_client.generate_latest",
                   "prometheus_client.exposition.generate_latest"}
METRICS_SERVERS = {"prometheus_client.start_http_server", "prometheus_client.start_wsgi_server",
                   "prometheus_client.exposition.start_http_server"}
PUSH_CALLS = {"prometheus_client.push_to_gateway", "prometheus_client.pushadd_to_gateway",
              "prometheus_client.exposition.push_to_gateway"}
PUSH_LIBRARIES = ("statsd", "datadog", "aiodogstatsd", "aiostatsd", "pystatsd")
OTLP_METRICS = re.compile(r"OTLPMetricExporter|ConsoleMetricExporter")


@functools.lru_cache(maxsize=4096)
def _is_otlp_metrics(qname: str) -> bool:
    return OTLP_METRICS.search(last_part(qname)) is not None


def _expose_site(project: Project, module: ModuleFacts, site: CallSite) -> bool:
    """`Instrumentator().instrument(app).expose(app)` or `instrumentator.expose(app)`."""
    if method_of(site.call) != "expose":
        return False
    if any(i == INSTRUMENTATOR or i.startswith(INSTRUMENTATOR + ".")
           for i in module.imported_modules):
        return True
    for name in names_called_or_passed(site.call):
        if _qname_starts(name.qname, (INSTRUMENTATOR,)):
            return True
        resolved = project.resolve(Name(name.dotted.rpartition(".")[0] or name.dotted,
                                        name.qname.rpartition(".")[0] or name.qname))
        if any(isinstance(n, Name) and _qname_starts(n.qname, (INSTRUMENTATOR,))
               for n in walk_expr(resolved)):
            return True
    return False


def _makes_asgi_app(project: Project, module: ModuleFacts, expr: Expr | None) -> bool:
    if isinstance(expr, Call):
        return call_name(expr) in MAKE_ASGI_APP
    if isinstance(expr, Name):
        for assignment in module.assignments:
            if any(isinstance(t, Name) and t.dotted == expr.dotted for t in assignment.targets) \
                    and call_name(assignment.value) in MAKE_ASGI_APP:
                return True
        resolved = project.resolve(expr)
        return isinstance(resolved, Call) and call_name(resolved) in MAKE_ASGI_APP
    return False


def _mounted_metrics_app(project: Project, module: ModuleFacts, site: CallSite) -> bool:
    """`app.mount("/metrics", make_asgi_app())` or `Mount("/metrics", app=metrics_app)`."""
    func = site.call.func
    if not (isinstance(func, Name) and last_part(func.dotted) in ("mount", "Mount")):
        return False
    return any(_makes_asgi_app(project, module, arg)
               for arg in [*site.call.args, *site.call.kwargs.values()])


def _handler_ids(project: Project) -> set[int]:
    """Identities of the endpoint handlers (a route returning `generate_latest()`)."""
    return {id(e.function) for e in project.service.endpoints if e.function is not None}


def exposed_metrics(project: Project) -> list[Evidence]:
    """Prometheus metrics served for scraping: instrumentator `expose`, a mounted
    `make_asgi_app()`, starlette-exporter's `handle_metrics`, a route returning
    `generate_latest()`, or `start_http_server`."""
    found = []
    handlers = _handler_ids(project)
    for module, site in project.iter_calls():
        name = call_name(site.call)
        if _expose_site(project, module, site):
            found.append(_site_evidence(project, module, site,
                                        "prometheus-fastapi-instrumentator exposes /metrics"))
        elif _mounted_metrics_app(project, module, site):
            found.append(_site_evidence(project, module, site,
                                        "prometheus_client ASGI app mounted"))
        elif name in METRICS_SERVERS:
            found.append(_site_evidence(project, module, site,
                                        "prometheus_client metrics server started"))
        elif any(n.qname in METRICS_HANDLERS for n in call_names(project, site.call)):
            found.append(_site_evidence(project, module, site,
                                        "Prometheus metrics route registered"))
        elif name in GENERATE_LATEST and _in_handler(module, site, handlers):
            found.append(_site_evidence(project, module, site,
                                        "metrics route returns `generate_latest()`"))
    return found


def _in_handler(module: ModuleFacts, site: CallSite, handlers: set[int]) -> bool:
    function = function_by_qualname(module, site.scope)
    return function is not None and id(function) in handlers


def pushed_metrics(project: Project) -> list[Evidence]:
    """Metrics pushed elsewhere: StatsD/DogStatsD, a Pushgateway, an OTLP metric exporter."""
    found = []
    for library, module in imported_libraries(project, PUSH_LIBRARIES).items():
        found.append(library_evidence(project, library, module,
                                      f"metrics pushed with `{library}`"))
    for module, site in project.iter_calls():
        names = call_names(project, site.call)
        if call_name(site.call) in PUSH_CALLS or any(_is_otlp_metrics(n.qname) for n in names):
            found.append(_site_evidence(project, module, site, "metrics pushed to a collector"))
    return found


class Obs007Metrics(Rule):
    """Detects a Prometheus metrics route (pass) or metrics only pushed elsewhere (warn)."""

    id = "OBS-007"
    title = "Metrics endpoint"
    dimension = "observability"
    priority = "P1"
    tags = ("p1",)
    rationale = (
        "Request rate, error rate and latency per route are what alerts and autoscaling are "
        "built on. A scrapeable `/metrics` route gives them without extra agents, and "
        "Prometheus notices at once when an instance stops answering.")
    remediation = (
        "Add prometheus-fastapi-instrumentator: `Instrumentator().instrument(app)."
        "expose(app)`, or mount `prometheus_client.make_asgi_app()` on `/metrics` next to "
        "your own counters and histograms.")
    example_before = "app = FastAPI()\n# no metrics"
    example_after = (
        "from prometheus_fastapi_instrumentator import Instrumentator\n\n"
        "Instrumentator().instrument(app).expose(app, include_in_schema=False)")

    def check(self, project: Project) -> CheckResult:
        exposed = exposed_metrics(project)
        if exposed:
            return self.passed(exposed[:5])
        pushed = pushed_metrics(project)
        if pushed:
            return self.warned(pushed)
        prometheus = imported_libraries(project, PROMETHEUS_LIBRARIES)
        if prometheus:
            return self.unknown([library_evidence(
                project, library, module, f"`{library}` is used but no exposed metrics route "
                "was found; it may be served in a way the code does not show")
                for library, module in prometheus.items()])
        unknown = _parse_errors_unknown(self, project, "no metrics set-up in the parsed code")
        return unknown or self.failed([project.absence(
            "no metrics found: no Prometheus instrumentation or /metrics route, no "
            "StatsD/Pushgateway/OTLP metrics in app code")])


# ---- examples ----------------------------------------------------------------------------
_APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"
_OK = '\n\n@app.get("/items")\nasync def items():\n    return []\n'

Obs001NoPrint.VALID = [
    Example(_APP + '''import logging

logger = logging.getLogger(__name__)


@app.get("/items")
async def items():
    logger.info("listing items")
    return []
''', name="logger"),
    Example({"app/main.py": _APP + '''from rich import print


@app.get("/items")
async def items():
    print("[bold]rich console[/bold]")
    return []
''', "scripts/seed.py": 'print("seeding")\n', "tests/test_main.py": 'print("debug")\n'},
        name="rich-print-and-scripts"),
]
Obs001NoPrint.INVALID = [
    Example(_APP + '''

@app.get("/items")
async def items():
    print("listing items")
    return []
''', expect=FAIL, name="print-in-endpoint"),
    Example({"app/main.py": _APP + "from app.service import work\n" + _OK,
             "app/service.py": 'import sys\n\n\ndef work():\n    print("oops", file=sys.stderr)\n'},
            expect=FAIL, name="print-in-helper-module"),
]

Obs002StructuredLogging.VALID = [
    Example({"app/logging_setup.py": '''import structlog

structlog.configure(processors=[structlog.processors.JSONRenderer()])
''', "app/main.py": _APP + _OK}, name="structlog"),
    Example(_APP + '''import logging.config

LOGGING = {
    "version": 1,
    "formatters": {"json": {"()": "pythonjsonlogger.jsonlogger.JsonFormatter"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stdout"], "level": "INFO"},
}
logging.config.dictConfig(LOGGING)
''', name="dictconfig-json-formatter"),
    Example(_APP + '''import sys

from loguru import logger

logger.remove()
logger.add(sys.stdout, serialize=True)
''', name="loguru-serialize"),
    Example({"app/main.py": _APP, "logging.yaml": '''version: 1
formatters:
  json:
    class: pythonjsonlogger.jsonlogger.JsonFormatter
handlers:
  console:
    class: logging.StreamHandler
    formatter: json
'''}, name="yaml-config-file"),
]
Obs002StructuredLogging.INVALID = [
    Example(_APP + '''import logging

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
''', expect=WARN, name="basic-config"),
    Example(_APP + '''import logging

logger = logging.getLogger(__name__)


@app.get("/items")
async def items():
    logger.info("listing")
    return []
''', expect=FAIL, name="logger-without-configuration"),
    Example(_APP + '''import sys

from loguru import logger

logger.add(sys.stderr, format="{time} {level} {message}")
''', expect=WARN, name="loguru-plain"),
]

_REQUEST_ID_MW = '''from uuid import uuid4

from starlette.middleware.base import BaseHTTPMiddleware

from app.constants import REQUEST_ID_HEADER


class RequestContext(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        request_id = request.headers.get(REQUEST_ID_HEADER) or uuid4().hex
        response = await call_next(request)
        response.headers[REQUEST_ID_HEADER] = request_id
        return response
'''
Obs003RequestId.VALID = [
    Example(_APP + '''from uuid import uuid4

from fastapi import Request


@app.middleware("http")
async def add_request_id(request: Request, call_next):
    request_id = request.headers.get("x-request-id", uuid4().hex)
    response = await call_next(request)
    response.headers["X-Request-ID"] = request_id
    return response
''', name="http-middleware"),
    Example({"app/constants.py": 'REQUEST_ID_HEADER = "X-Correlation-ID"\n',
             "app/middleware.py": _REQUEST_ID_MW,
             "app/main.py": _APP + "from app.middleware import RequestContext\n\n"
                                   "app.add_middleware(RequestContext)\n"},
            name="base-http-middleware-constant-elsewhere"),
    Example(_APP + '''from asgi_correlation_id import CorrelationIdMiddleware

app.add_middleware(CorrelationIdMiddleware, header_name="X-Request-ID")
''', name="asgi-correlation-id"),
]
Obs003RequestId.INVALID = [
    Example(_APP + '''import time

from fastapi import Request
from fastapi.middleware.cors import CORSMiddleware

app.add_middleware(CORSMiddleware, allow_origins=["https://example.com"],
                   expose_headers=["X-Request-ID"])


@app.middleware("http")
async def timing(request: Request, call_next):
    started = time.perf_counter()
    response = await call_next(request)
    response.headers["X-Process-Time"] = str(time.perf_counter() - started)
    return response
''', expect=FAIL, name="timing-middleware-and-cors-header"),
    Example(_APP + '''from fastapi import Header


@app.get("/items")
async def items(x_request_id: str | None = Header(default=None)):
    return {"request_id": x_request_id}
''', expect=FAIL, name="header-read-in-endpoint-only"),
]

_HEALTH = '''

@app.get("/health")
async def health():
    return {"status": "ok"}
'''
Obs004Liveness.VALID = [
    Example(_APP + _HEALTH, name="health"),
    Example({"app/probes.py": '''from fastapi import APIRouter

router = APIRouter(prefix="/internal")


@router.api_route("/healthz/", methods=["GET", "HEAD"])
def healthz():
    return "ok"
''', "app/main.py": _APP + "from app.probes import router\n\napp.include_router(router)\n"},
        name="router-healthz-trailing-slash"),
]
Obs004Liveness.INVALID = [
    Example(_APP + '''

@app.get("/")
async def root():
    return {"status": "ok"}
''', expect=FAIL, name="root-only"),
    Example(_APP + '''

@app.post("/health")
async def health():
    return {"status": "ok"}


@app.get("/health/details")
async def details():
    return {}
''', expect=FAIL, name="post-health-and-health-prefix"),
]

_DB = '''from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("postgresql+asyncpg://app@db/app")
SessionLocal = async_sessionmaker(engine)


async def get_session() -> AsyncIterator[AsyncSession]:
    async with SessionLocal() as session:
        yield session
'''
Obs005Readiness.VALID = [
    Example({"app/db.py": _DB, "app/main.py": _APP + '''from fastapi import Depends
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import get_session
''' + _HEALTH + '''

@app.get("/ready")
async def ready(db: AsyncSession = Depends(get_session)):
    await db.execute(text("SELECT 1"))
    return {"status": "ready"}
'''}, name="select-1-in-handler"),
    Example({"app/db.py": _DB, "app/probes.py": '''from typing import Annotated

from fastapi import APIRouter, Depends
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import get_session

router = APIRouter()
cache = Redis.from_url("redis://cache:6379/0")


async def database_reachable(db: Annotated[AsyncSession, Depends(get_session)]) -> None:
    await db.scalar(select(1))


async def cache_reachable() -> None:
    await cache.ping()


@router.get("/readyz", dependencies=[Depends(database_reachable), Depends(cache_reachable)])
async def readyz():
    return {"status": "ready"}
''', "app/main.py": _APP + "from app.probes import router\n\napp.include_router(router)\n"},
        name="checks-in-route-dependencies"),
]
Obs005Readiness.INVALID = [
    Example(_APP + _HEALTH + '''

@app.get("/ready")
async def ready():
    return {"status": "ready"}
''', expect=WARN, name="ready-without-check"),
    Example({"app/db.py": _DB, "app/main.py": _APP + '''from fastapi import Depends
from sqlalchemy import text

from app.db import get_session


@app.get("/health")
async def health(db=Depends(get_session)):
    await db.execute(text("SELECT 1"))
    return {"status": "ok"}
'''}, expect=WARN, name="liveness-checks-db"),
    Example(_APP + _HEALTH, expect=FAIL, name="liveness-only"),
]

Obs006Tracing.VALID = [
    Example({"app/tracing.py": '''from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.trace import TracerProvider


def setup_tracing(app: FastAPI) -> None:
    trace.set_tracer_provider(TracerProvider())
    FastAPIInstrumentor.instrument_app(app)
''', "app/main.py": _APP + "from app.tracing import setup_tracing\n\nsetup_tracing(app)\n"},
        name="fastapi-instrumentor"),
    Example({"app/main.py": _APP, "Dockerfile": '''FROM python:3.12-slim
COPY . /app
CMD ["opentelemetry-instrument", "uvicorn", "app.main:app", "--host", "0.0.0.0"]
'''}, name="zero-code-agent"),
]
Obs006Tracing.INVALID = [
    Example(_APP + '''import sentry_sdk

sentry_sdk.init(dsn="https://key@sentry.example.com/1", traces_sample_rate=0.2)
''', expect=WARN, name="sentry-tracing-only"),
    Example(_APP + '''import sentry_sdk

sentry_sdk.init(dsn="https://key@sentry.example.com/1")
''', expect=FAIL, name="sentry-errors-only"),
]

Obs007Metrics.VALID = [
    Example(_APP + '''from prometheus_fastapi_instrumentator import Instrumentator

Instrumentator().instrument(app).expose(app, include_in_schema=False)
''', name="instrumentator"),
    Example(_APP + '''from prometheus_client import Counter, make_asgi_app

ORDERS = Counter("orders_total", "Orders placed")
metrics_app = make_asgi_app()
app.mount("/metrics", metrics_app)
''', name="make-asgi-app-mounted"),
    Example(_APP + '''from fastapi import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest


@app.get("/metrics", include_in_schema=False)
def metrics():
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
''', name="generate-latest-route"),
]
Obs007Metrics.INVALID = [
    Example(_APP + '''from datadog import initialize, statsd

initialize(statsd_host="localhost")


@app.get("/items")
async def items():
    statsd.increment("items.listed")
    return []
''', expect=WARN, name="statsd-push"),
    Example(_APP + _OK, expect=FAIL, name="none"),
]


RULES = (
    Obs001NoPrint, Obs002StructuredLogging, Obs003RequestId, Obs004Liveness, Obs005Readiness,
    Obs006Tracing, Obs007Metrics,
)
