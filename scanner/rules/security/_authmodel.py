"""Which dependencies authenticate, per endpoint: the auth posture of the route inventory.

A dependency authenticates when it is a security scheme (`OAuth2PasswordBearer(...)`,
`HTTPBearer()`, `APIKeyHeader(...)`...), depends on one, reads the `Authorization` header or
decodes a JWT, or is named like one (`get_current_user`, `require_*`, `verify_token`...).
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field

from ...fastapi_model import Endpoint
from ...project import Project
from ...python.facts import (
    Attr,
    Call,
    ClassFact,
    Const,
    Expr,
    FunctionFact,
    ModuleFacts,
    Name,
    Param,
    Subscript,
)
from ..matchers import (
    annotated_metadata,
    calls_in,
    dependency_target,
    function_by_qualname,
    last_part,
    param_source,
    unwrap_annotation,
    walk_expr,
)
from ._shared import jwt_kind, middleware_registrations, param_dependencies

SCHEME_CLASSES = {
    "HTTPBearer", "HTTPBasic", "HTTPDigest", "HTTPBase", "OAuth2PasswordBearer",
    "OAuth2AuthorizationCodeBearer", "OAuth2", "APIKeyHeader", "APIKeyCookie", "APIKeyQuery",
    "OpenIdConnect",
}
CREDENTIAL_TYPES = {"HTTPAuthorizationCredentials", "HTTPBasicCredentials", "SecurityScopes",
                    "AuthJWT"}
_AUTH_NAME = re.compile(
    r"current_(?:active_|verified_|authenticated_)?(?:super)?(?:user|account|principal|identity"
    r"|admin|client|member|owner|tenant|session_user)|^require|^verify_(?:token|jwt|api_?key|"
    r"access|auth|credentials|user|bearer|signature|firebase|key|admin|role|permission|scope)"
    r"|authenticat|^auth$|^auth_|_auth$|login_required|^(?:check|validate|decode|get|parse)_"
    r"(?:token|jwt|api_?key|auth|access_token|bearer|credentials)|api_?key|jwt|bearer|oauth"
    r"|^get_user_from|token_(?:data|payload|required|user)|authoriz|permission|superuser"
    r"|^has_role|role_?(?:checker|required|guard)|^(?:admin|staff)_required|^is_admin"
)
_NOT_AUTH_NAME = re.compile(r"^require_(?:json|content|feature|flag|header_version)|rate_?limit"
                            r"|requestform|_form$|^form_")
_ROLE_NAME = re.compile(r"role|permission|superuser|admin|scope|staff|privilege|rbac|acl"
                        r"|owner_required")
_HARMLESS_NAME = re.compile(r"(?:^|_)(?:db|session|sessionmaker|settings|config|conn|connection"
                            r"|engine|pagination|paginat|page|logger|cache|redis|client|repo|"
                            r"repository|service|uow|unit_of_work|storage|background|limiter"
                            r"|ratelimiter|query|params|filters?)(?:$|_)", re.IGNORECASE)
AUTH_HEADERS = {"authorization"}
KEY_HEADERS = {"authorization", "x-api-key", "api-key", "x-api-token", "x-auth-token",
               "x-access-token", "apikey"}
_FORBIDDEN = {"403", "HTTP_403_FORBIDDEN"}


@dataclass(slots=True)
class Verdict:
    """What one dependency is: auth (maybe a role guard), not auth, or undecidable."""

    kind: str  # "auth", "none", "unknown"
    label: str = ""
    role: bool = False
    module: ModuleFacts | None = None
    line: int | None = None


@dataclass(slots=True)
class HeaderRead:
    module: ModuleFacts
    line: int
    end_line: int
    scope: str
    what: str


@dataclass(slots=True)
class EndpointAuth:
    endpoint: Endpoint
    verdicts: list[Verdict]
    body_reads: list[HeaderRead]

    @property
    def auth(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.kind == "auth"]


@dataclass(slots=True)
class AuthModel:
    endpoints: list[EndpointAuth]
    middleware: list[HeaderRead] = field(default_factory=list)
    schemes: list[HeaderRead] = field(default_factory=list)  # schemes defined in app code


_MODELS: weakref.WeakKeyDictionary[Project, AuthModel] = weakref.WeakKeyDictionary()

PUBLIC_SEGMENTS = {
    "health", "healthz", "healthcheck", "health-check", "livez", "liveness", "ready", "readyz",
    "readiness", "ping", "metrics", "docs", "redoc", "openapi.json", "login", "token", "register",
    "signup", "sign-up", "signin", "sign-in", "auth", "oauth", "oauth2", "favicon.ico",
}


def is_public_path(path: str) -> bool:
    segments = [s for s in path.lower().split("/") if s]
    return any(s in PUBLIC_SEGMENTS for s in segments)


def auth_model(project: Project) -> AuthModel:
    """The per-endpoint auth analysis, computed once per project."""
    model = _MODELS.get(project)
    if model is None:
        model = _Analyser(project).run()
        _MODELS[project] = model
    return model


def annotate_endpoint_auth(project: Project) -> None:
    """Fill `endpoint.extra["auth"]` and `endpoint.extra["public"]` for every endpoint."""
    model = auth_model(project)
    uncertain_app = bool(model.middleware)
    for item in model.endpoints:
        names = list(dict.fromkeys(v.label for v in item.auth))
        if names:
            authenticated: bool | None = True
        elif uncertain_app or item.body_reads or any(v.kind == "unknown" for v in item.verdicts):
            authenticated = None
        else:
            authenticated = False
        item.endpoint.extra["auth"] = {"dependencies": names, "authenticated": authenticated}
        item.endpoint.extra["public"] = is_public_path(item.endpoint.path)


class _Analyser:
    def __init__(self, project: Project) -> None:
        self.project = project
        self.function_cache: dict[int, Verdict] = {}

    def run(self) -> AuthModel:
        endpoints = [self._endpoint(e) for e in self.project.service.endpoints]
        return AuthModel(endpoints, self._auth_middleware(), self._scheme_definitions())

    # ---- endpoints -----------------------------------------------------------------
    def _endpoint(self, endpoint: Endpoint) -> EndpointAuth:
        verdicts = []
        function = endpoint.function
        if function is not None:
            for param in function.params:
                verdicts.extend(self._param(endpoint.module, param))
        for dependency in endpoint.dependencies:
            if isinstance(dependency, Call):
                verdicts.append(self.dependency(endpoint.module, dependency, None, 0))
        reads = []
        if function is not None:
            reads = header_reads(self.project, endpoint.module, function, AUTH_HEADERS)
        return EndpointAuth(endpoint, verdicts, reads)

    def _param(self, module: ModuleFacts, param: Param) -> list[Verdict]:
        return [self.dependency(module, call, param.annotation, 0)
                for call in param_dependencies(self.project, param)]

    # ---- one dependency ------------------------------------------------------------
    def dependency(self, module: ModuleFacts, depends: Call, annotation: Expr | None,
                   depth: int) -> Verdict:
        target = dependency_target(depends)
        if target is None:  # `x: AuthJWT = Depends()`: the annotation is the dependency
            parts = unwrap_annotation(annotation)
            target = parts[0] if parts else None
        verdict = self.target(module, target, depth)
        if _has_scopes(depends) and verdict.kind == "auth":
            verdict = Verdict("auth", verdict.label, True, verdict.module, verdict.line)
        return verdict

    def target(self, module: ModuleFacts, target: Expr | None, depth: int) -> Verdict:
        if depth > 5 or target is None:
            return Verdict("unknown")
        if isinstance(target, Call):
            return self._call_target(module, target, depth)
        if not isinstance(target, Name):
            return Verdict("unknown")
        definition = self.project.definition_of(target)
        if definition is None:
            local = function_by_qualname(module, target.dotted)
            if local is not None:
                return self.function(module, local, depth)
            return _by_name(target.dotted, known=False)
        if definition.kind == "function":
            return self.function(definition.module, definition.node, depth)  # type: ignore[arg-type]
        if definition.kind == "class":
            return self._class(definition.module, definition.node, depth)  # type: ignore[arg-type]
        if definition.kind == "assignment":
            value = definition.node.value  # type: ignore[union-attr]
            line = definition.node.line  # type: ignore[union-attr]
            named = _by_name(definition.name, definition.module, line)
            inner = (self._call_target(definition.module, value, depth + 1)
                     if isinstance(value, Call) else Verdict("unknown"))
            if inner.kind == "auth":
                return Verdict("auth", definition.name, inner.role or named.role,
                               definition.module, line)
            return named if named.kind == "auth" or inner.kind == "none" else inner
        return Verdict("unknown")

    def _call_target(self, module: ModuleFacts, call: Call, depth: int) -> Verdict:
        func = call.func
        if not isinstance(func, Name):
            return Verdict("unknown")
        label = last_part(func.dotted)
        if is_scheme_call(self.project, call):
            return Verdict("auth", f"{label}()", False, module, call.line or None)
        found = self.project.class_of(func)
        if found is not None:
            verdict = self._class(found[0], found[1], depth)
            if verdict.kind == "auth":
                role = verdict.role or _role_args(call)
                return Verdict("auth", f"{label}()", role, verdict.module, verdict.line)
            return verdict
        definition = self.project.definition_of(func)
        if definition is not None and definition.kind == "function":
            # a factory such as `require_role("admin")`: judged by name and by what it builds
            verdict = _by_name(label, definition.module, definition.node.line)
            if verdict.kind != "auth":
                inner = self._factory_product(definition.module, definition.node, depth)
                if inner is not None and inner.kind == "auth":
                    verdict = Verdict("auth", f"{label}()", inner.role, definition.module,
                                      definition.node.line)
            return verdict
        verdict = _by_name(label, module, call.line or None, known=False)
        superuser = call.kwargs.get("superuser")
        if verdict.kind == "auth" and isinstance(superuser, Const) and superuser.value is True:
            verdict.role = True  # fastapi-users `current_user(superuser=True)`
        return verdict

    def _factory_product(self, module: ModuleFacts, factory: FunctionFact, depth: int):
        for statement in module.returns:
            if statement.scope == factory.qualname and isinstance(statement.value, Name):
                inner = function_by_qualname(module, f"{factory.qualname}.{statement.value.dotted}")
                if inner is not None:
                    return self.function(module, inner, depth + 1)
        return None

    def _class(self, module: ModuleFacts, cls: ClassFact, depth: int) -> Verdict:
        if self.project.is_subclass(module, cls, _scheme_targets()):
            return Verdict("auth", cls.name, False, module, cls.line)
        named = _by_name(cls.name, module, cls.line)
        call = function_by_qualname(module, f"{cls.qualname}.__call__")
        if call is not None:
            verdict = self.function(module, call, depth)
            if verdict.kind == "auth":
                return Verdict("auth", cls.name, verdict.role or named.role, module, cls.line)
        return named if named.kind == "auth" else Verdict("none", cls.name, False, module, cls.line)

    def function(self, module: ModuleFacts, function: FunctionFact, depth: int) -> Verdict:
        cached = self.function_cache.get(id(function))
        if cached is not None:
            return cached
        self.function_cache[id(function)] = Verdict("none", function.name)  # cycles
        verdict = self._judge_function(module, function, depth)
        self.function_cache[id(function)] = verdict
        return verdict

    def _judge_function(self, module: ModuleFacts, function: FunctionFact, depth: int) -> Verdict:
        name = function.name if function.name != "__call__" else function.class_name or ""
        named = _by_name(name, module, function.line)
        role = named.role or raises_forbidden(module, function)
        authenticates = named.kind == "auth"
        for param in function.params:
            if _credential_annotation(param):
                authenticates = True
            for depends in param_dependencies(self.project, param):
                inner = self.dependency(module, depends, param.annotation, depth + 1)
                if inner.kind == "auth":
                    authenticates = True
                    role = role or inner.role
        if not authenticates:
            authenticates = bool(header_reads(self.project, module, function, KEY_HEADERS)
                                 or _decodes_jwt(module, function))
        if authenticates:
            return Verdict("auth", function.name if function.name != "__call__" else name,
                           role, module, function.line)
        return Verdict("none", function.name, False, module, function.line)

    # ---- app-wide ------------------------------------------------------------------
    def _auth_middleware(self) -> list[HeaderRead]:
        found = []
        for module, call, _ in middleware_registrations(self.project, "AuthenticationMiddleware"):
            found.append(HeaderRead(module, call.line, call.end_line, "",
                                    "AuthenticationMiddleware"))
        for module, function in self.project.iter_functions():
            if not _is_middleware_function(self.project, module, function):
                continue
            if header_reads(self.project, module, function, KEY_HEADERS) or _decodes_jwt(
                    module, function):
                found.append(HeaderRead(module, function.line, function.end_line,
                                        function.qualname, f"middleware {function.qualname}"))
        return found

    def _scheme_definitions(self) -> list[HeaderRead]:
        found = []
        decided: dict[str, bool] = {}  # `is_scheme_call` depends only on the callee's qname
        for module, site in self.project.iter_calls():
            func = site.call.func
            if not isinstance(func, Name):
                continue
            if func.qname not in decided:
                decided[func.qname] = is_scheme_call(self.project, site.call)
            if decided[func.qname]:
                found.append(HeaderRead(module, site.call.line, site.call.end_line, site.scope,
                                        last_part(func.dotted)))
        return found


def _scheme_targets() -> set[str]:
    return {f"fastapi.security.{name}" for name in SCHEME_CLASSES}


def is_scheme_call(project: Project, call: Call) -> bool:
    """The call builds a FastAPI security scheme (or a class of the tree derived from one)."""
    func = call.func
    if not isinstance(func, Name):
        return False
    if func.qname.startswith("fastapi.security") and last_part(func.qname) in SCHEME_CLASSES:
        return True
    found = project.class_of(func)
    return found is not None and project.is_subclass(found[0], found[1], _scheme_targets())


def _by_name(name: str, module: ModuleFacts | None = None, line: int | None = None,
             known: bool = True) -> Verdict:
    """Judge by name; `known` says the code behind it was seen (else: unknown, not none)."""
    lowered = last_part(name).lower()
    if _NOT_AUTH_NAME.search(lowered):
        return Verdict("none", last_part(name), False, module, line)
    if _AUTH_NAME.search(lowered):
        return Verdict("auth", last_part(name), bool(_ROLE_NAME.search(lowered)), module, line)
    if known or _HARMLESS_NAME.search(lowered):
        return Verdict("none", last_part(name), False, module, line)
    return Verdict("unknown", last_part(name), False, module, line)


def _has_scopes(depends: Call) -> bool:
    scopes = depends.kwargs.get("scopes")
    return bool(getattr(scopes, "items", None))


def _role_args(call: Call) -> bool:
    """`RoleChecker(["admin"])`, `PermissionChecker(required=...)`: arguments name roles."""
    return any(_ROLE_NAME.search(k.lower()) for k in call.kwargs) or bool(call.args)


def _credential_annotation(param: Param) -> bool:
    return any(isinstance(p, Name) and last_part(p.dotted) in CREDENTIAL_TYPES
               for p in unwrap_annotation(param.annotation))


def _decodes_jwt(module: ModuleFacts, function: FunctionFact) -> bool:
    return any(jwt_kind(site.call) == "decode" for site in calls_in(module, function))


def raises_forbidden(module: ModuleFacts, function: FunctionFact) -> bool:
    """The function raises a 403 (a role/permission decision)."""
    prefix = function.qualname + "."
    for statement in module.raises:
        if statement.scope != function.qualname and not statement.scope.startswith(prefix):
            continue
        for node in walk_expr(statement.value):
            if isinstance(node, Const) and str(node.value) in _FORBIDDEN:
                return True
            if isinstance(node, Name) and last_part(node.dotted) in _FORBIDDEN:
                return True
            if isinstance(node, Name) and "Forbidden" in last_part(node.dotted):
                return True
    return False


def _is_middleware_function(project: Project, module: ModuleFacts, function: FunctionFact) -> bool:
    for decorator in function.decorators:
        if isinstance(decorator, Call) and isinstance(decorator.func, Name) and \
                last_part(decorator.func.dotted) == "middleware":
            return True
    if function.name in ("dispatch", "__call__") and function.class_name:
        cls = next((c for c in module.classes if c.qualname == function.class_name), None)
        if cls is not None:
            bases = project.base_names(module, cls)
            return any("Middleware" in last_part(b) for b in bases) or "Middleware" in cls.name
    return False


# ---- reading the Authorization header -------------------------------------------------
def header_reads(project: Project, module: ModuleFacts, function: FunctionFact,
                 headers: set[str]) -> list[HeaderRead]:
    """Places where a function reads one of `headers` (lower-case names) from the request."""
    found = [HeaderRead(module, function.line, function.line, function.qualname,
                        f"header parameter `{p.name}`")
             for p in function.params if _header_param(p, headers)]
    prefix = function.qualname + "."
    for site in module.calls:
        if site.scope != function.qualname and not site.scope.startswith(prefix):
            continue
        if _reads_header_call(site.call, headers):
            found.append(HeaderRead(module, site.call.line, site.call.end_line, site.scope,
                                    "reads the header"))
    for assignment in module.assignments:
        if assignment.scope != function.qualname and not assignment.scope.startswith(prefix):
            continue
        if any(_header_subscript(n, headers) for n in walk_expr(assignment.value)):
            found.append(HeaderRead(module, assignment.line, assignment.end_line,
                                    assignment.scope, "reads the header"))
    return found


def _header_param(param: Param, headers: set[str]) -> bool:
    if param_source(param) != "header":
        return False
    candidates = [param.default, *annotated_metadata(param.annotation)]
    for candidate in candidates:
        if isinstance(candidate, Call):
            alias = candidate.kwargs.get("alias")
            if isinstance(alias, Const) and isinstance(alias.value, str):
                return alias.value.lower() in headers
    return param.name.lower().replace("_", "-") in headers


def _reads_header_call(call: Call, headers: set[str]) -> bool:
    func = call.func
    is_get = (isinstance(func, Name) and func.dotted.endswith("headers.get")) or (
        isinstance(func, Attr) and func.attr == "get" and _is_headers(func.value))
    if not is_get:
        return any(_header_subscript(a, headers) for a in call.args)
    first = call.arg(0, "key")
    return isinstance(first, Const) and isinstance(first.value, str) and \
        first.value.lower() in headers


def _is_headers(expr: Expr | None) -> bool:
    return (isinstance(expr, Name) and expr.dotted.endswith("headers")) or (
        isinstance(expr, Attr) and expr.attr == "headers")


def _header_subscript(expr: Expr | None, headers: set[str]) -> bool:
    if not isinstance(expr, Subscript) or not _is_headers(expr.value) or not expr.index:
        return False
    key = expr.index[0]
    return isinstance(key, Const) and isinstance(key.value, str) and key.value.lower() in headers
