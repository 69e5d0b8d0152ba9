"""Security checks of the HTTP surface: CORS, HTTPS, headers, SQL strings, vulnerability scans."""

from __future__ import annotations

import re

from ...artifacts.ci import tool_pattern
from ...project import Project
from ...python.facts import Attr, Call, Const, Expr, ModuleFacts, Name, Other, Seq
from ..base import FAIL, UNKNOWN, WARN, CheckResult, Evidence, Example, Rule
from ..matchers import (
    is_special_param,
    last_part,
    nodes_of_type,
    param_dependency,
    unwrap_annotation,
)
from ._shared import (
    APP_PY,
    config_reader_default,
    enclosing_function,
    interpolated_parts,
    is_config_reader,
    is_environ_subscript,
    local_assignments,
    middleware_registrations,
    names_in,
    settings_like,
    string_text,
)

_RANK = {"pass": 0, UNKNOWN: 1, WARN: 2, FAIL: 3}


# ---- SEC-005 ----------------------------------------------------------------------------
def _origins(project: Project, module: ModuleFacts, scope: str, expr: Expr | None,
             depth: int = 0) -> str:
    """"absent", "wildcard", "literal", "config", "config_wildcard" or "unknown"."""
    if expr is None:
        return "absent"
    if depth > 8:
        return "unknown"
    nxt = depth + 1
    if isinstance(expr, Const):
        if isinstance(expr.value, str):
            return "wildcard" if expr.value.strip() == "*" else "literal"
        return "unknown"
    if isinstance(expr, Seq):
        return _origin_list(project, module, scope, expr, nxt)
    if isinstance(expr, Name):
        return _origin_name(project, module, scope, expr, nxt)
    if isinstance(expr, Call):
        return _origin_call(project, module, scope, expr, nxt)
    if is_environ_subscript(expr):
        return "config"
    if isinstance(expr, Attr):
        return "config" if settings_like(_text(expr)) else "unknown"
    if isinstance(expr, Other) and any(settings_like(n) or n.startswith("os.") for n in expr.names):
        return "config"  # a comprehension or conditional over settings: per environment
    return "unknown"


def _text(expr: Expr | None) -> str:
    if isinstance(expr, Name):
        return expr.qname
    if isinstance(expr, Attr):
        return _text(expr.value) + "." + expr.attr
    if isinstance(expr, Call):
        return _text(expr.func)
    return ""


def _origin_list(project, module, scope, seq: Seq, depth: int) -> str:
    kinds = [_origins(project, module, scope, item, depth) for item in seq.items]
    if any(k in ("config", "config_wildcard") for k in kinds):
        return "config"
    if kinds and all(k in ("literal", "wildcard") for k in kinds):
        return "wildcard" if "wildcard" in kinds else "literal"
    return "unknown" if kinds else "literal"


def _origin_name(project, module, scope, name: Name, depth: int) -> str:
    if "." not in name.dotted and scope:
        assigned = local_assignments(module, scope, name.dotted)
        if assigned:
            return _origins(project, module, scope, assigned[-1].value, depth)
        function = enclosing_function(module, scope)
        if function is not None and function.param(name.dotted) is not None:
            return "unknown"
    resolved = project.resolve(name)
    if resolved is None:
        return "config"
    if resolved is name or resolved == name:
        known = settings_like(name.qname) or _settings_field(project, name)
        return "config" if known else "unknown"
    inner = _origins(project, module, "", resolved, depth)
    if _settings_field(project, name):
        return "config_wildcard" if inner in ("wildcard", "config_wildcard") else "config"
    return inner


def _settings_field(project: Project, name: Name) -> bool:
    owner, _, field_name = name.qname.rpartition(".")
    found = project.instance_class(Name(owner, owner)) if owner else None
    return found is not None and project.class_field(found[0], found[1], field_name) is not None


def _origin_call(project, module, scope, call: Call, depth: int) -> str:
    if is_config_reader(call):
        default = config_reader_default(call)
        text = default.value if isinstance(default, Const) else None
        return "config_wildcard" if isinstance(text, str) and text.strip() == "*" else "config"
    func = call.func
    if isinstance(func, Attr) and func.attr in ("split", "strip"):
        return _origins(project, module, scope, func.value, depth)
    if isinstance(func, Name) and "." in func.dotted and last_part(func.dotted) in (
            "split", "strip"):
        owner = Name(func.dotted.rpartition(".")[0], func.qname.rpartition(".")[0])
        return _origins(project, module, scope, owner, depth)
    if isinstance(func, Name) and func.dotted in ("list", "tuple", "set") and call.args:
        return _origins(project, module, scope, call.args[0], depth)
    return "config" if settings_like(_text(call)) else "unknown"


def regex_matches_everything(pattern: str) -> bool:
    try:
        compiled = re.compile(pattern)
    except re.error:
        return False
    probes = ("https://attacker.example", "http://evil.test:8080", "null")
    return all(compiled.fullmatch(p) for p in probes[:2])


class Sec005CorsPerEnvironment(Rule):
    """Detects wildcard CORS with credentials, and origin lists fixed in code."""

    id = "SEC-005"
    title = "CORS origins per environment"
    dimension = "security"
    priority = "P0"
    tags = ("sec10#4", "p0")
    rationale = (
        "CORS decides which web sites may call the API from a browser with the user's "
        "cookies or tokens. Allowing every origin together with credentials lets any site a "
        "user visits act on their behalf; origins fixed in code are usually the development "
        "list and ship unchanged to production."
    )
    remediation = (
        "Read the allowed origins from settings (one list per environment) and never combine "
        "`allow_origins=['*']` or a catch-all `allow_origin_regex` with "
        "`allow_credentials=True`."
    )
    example_before = (
        "app.add_middleware(CORSMiddleware, allow_origins=['*'], allow_credentials=True)"
    )
    example_after = (
        "app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,\n"
        "                   allow_credentials=True)"
    )
    VALID = [
        Example({"app/config.py": '''from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    cors_origins: list[str] = []


settings = Settings()
''', "app/main.py": '''from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app.config import settings

app = FastAPI()
app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=True)
'''}, name="settings-origins"),
        Example('''import os

from fastapi import FastAPI
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware as Cors

middleware = [Middleware(Cors, allow_origins=os.environ["ORIGINS"].split(","))]
app = FastAPI(middleware=middleware)
''', name="environment-middleware-list"),
    ]
    INVALID = [
        Example('''from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()
app.add_middleware(
    CORSMiddleware,
    allow_origins=["*"],
    allow_credentials=True,
    allow_methods=["*"],
)
''', expect=FAIL, name="wildcard-with-credentials"),
        Example('''from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

ORIGINS = ["http://localhost:3000", "https://app.example.com"]
app = FastAPI()
app.add_middleware(CORSMiddleware, allow_origins=ORIGINS)
''', expect=WARN, name="literal-list"),
    ]

    def check(self, project: Project) -> CheckResult:
        registrations = middleware_registrations(project, "CORSMiddleware")
        if not registrations:
            return self.not_applicable("no CORSMiddleware is registered in app code")
        verdicts = [self._judge(project, module, call) for module, _, call in registrations]
        worst = max(verdicts, key=lambda v: _RANK[v[0]])[0]
        evidence = [e for status, e in verdicts if status == worst]
        return self.result(worst, evidence)

    def _judge(self, project: Project, module: ModuleFacts, call: Call) -> tuple[str, Evidence]:
        scope = _scope_of(module, call)
        origins = _origins(project, module, scope, call.kwargs.get("allow_origins"))
        regex = project.constant(call.kwargs.get("allow_origin_regex"))
        regex_all = isinstance(regex, str) and regex_matches_everything(regex)
        credentials = project.constant(call.kwargs.get("allow_credentials")) is True
        wildcard = origins in ("wildcard", "config_wildcard") or regex_all

        def said(status: str, message: str) -> tuple[str, Evidence]:
            return status, project.evidence(module.path, call.line, message,
                                            end_line=call.end_line, scope=scope)

        if wildcard and credentials:
            return said(FAIL, "every origin is allowed together with allow_credentials=True")
        if origins in ("literal", "wildcard") or regex_all or isinstance(regex, str):
            return said(WARN, "CORS origins are fixed in code, not set per environment")
        if origins == "unknown":
            return said(UNKNOWN, "the allowed origins could not be traced to settings or a list")
        if origins == "absent":
            return said("pass", "CORS registered without allow_origins: no origin is allowed")
        return said("pass", "CORS origins come from settings/environment")


def _scope_of(module: ModuleFacts, call: Call) -> str:
    for site in module.calls:
        if site.call is call:
            return site.scope
    return ""


# ---- SEC-007 ----------------------------------------------------------------------------
class Sec007HttpsEnforced(Rule):
    """Detects whether plain HTTP is redirected to HTTPS, in the app or the proxy config."""

    id = "SEC-007"
    title = "HTTPS enforced"
    dimension = "security"
    priority = "P0"
    tags = ("sec10#6", "p0")
    rationale = (
        "Tokens and passwords sent over plain HTTP can be read and altered on the way. "
        "Redirecting HTTP to HTTPS (in the app or at the proxy) makes sure clients end up on "
        "the encrypted connection."
    )
    remediation = (
        "Redirect HTTP to HTTPS at the reverse proxy (nginx `return 301 https://...`, Traefik "
        "redirect middleware, an ingress `ssl-redirect`), or add `HTTPSRedirectMiddleware` "
        "when the app terminates TLS itself. If TLS is enforced outside this repository, "
        "attest it."
    )
    example_before = "app = FastAPI()"
    example_after = (
        "from fastapi.middleware.httpsredirect import HTTPSRedirectMiddleware\n\n"
        "app = FastAPI()\napp.add_middleware(HTTPSRedirectMiddleware)"
    )
    VALID = [
        Example(APP_PY + "from fastapi.middleware.httpsredirect import HTTPSRedirectMiddleware"
                "\n\napp.add_middleware(HTTPSRedirectMiddleware)\n", name="middleware"),
        Example({"app/main.py": APP_PY, "nginx/default.conf": (
            "server {\n    listen 80;\n    server_name api.example.com;\n"
            "    return 301 https://$host$request_uri;\n}\n")}, name="nginx-redirect"),
    ]
    INVALID = [
        Example(APP_PY, expect=UNKNOWN, name="nothing-found"),
        Example({"app/main.py": APP_PY, "nginx/default.conf": (
            "server {\n    listen 80;\n    location / { proxy_pass http://app:8000; }\n}\n")},
            expect=UNKNOWN, name="proxy-without-redirect"),
    ]

    def check(self, project: Project) -> CheckResult:
        found = [project.evidence(m.path, c.line, "HTTPSRedirectMiddleware redirects HTTP to "
                                  "HTTPS", end_line=c.end_line)
                 for m, c, _ in middleware_registrations(project, "HTTPSRedirectMiddleware")]
        proxy = project.artifacts.proxy if project.artifacts is not None else None
        for redirect in proxy.https_redirects if proxy is not None else []:
            found.append(project.evidence(redirect.path, redirect.line,
                                          f"{redirect.server} redirects HTTP to HTTPS"))
        if found:
            return self.passed(found)
        looked = ", ".join(proxy.files) if proxy is not None and proxy.files else "none found"
        return self.unknown([project.absence(
            "no HTTPSRedirectMiddleware in app code and no HTTP->HTTPS redirect in proxy "
            f"configuration (proxy files: {looked}); TLS may be enforced outside the repository")])


# ---- SEC-008 ----------------------------------------------------------------------------
HSTS = "strict-transport-security"
CSP = "content-security-policy"
XFO = "x-frame-options"
_OTHER_HEADERS = ("x-content-type-options", "referrer-policy", "permissions-policy",
                  "cross-origin-opener-policy")
_HEADER_LIBRARIES = {"secure": (HSTS, XFO), "Secweb": (HSTS, CSP, XFO), "secweb": (HSTS, CSP, XFO),
                     "fastapi_security_headers": (HSTS, CSP, XFO)}


class Sec008SecurityHeaders(Rule):
    """Detects whether HSTS and CSP/X-Frame-Options headers are set by the app."""

    id = "SEC-008"
    title = "Security headers"
    dimension = "security"
    priority = "P1"
    tags = ("sec10#7",)
    rationale = (
        "Browsers apply extra protection only when told to: HSTS pins the site to HTTPS, and "
        "a Content-Security-Policy or X-Frame-Options stops the API's pages (docs included) "
        "from being framed or injected into."
    )
    remediation = (
        "Add a small middleware (or a library such as `secure`/Secweb) that sets "
        "`Strict-Transport-Security` and `Content-Security-Policy` or `X-Frame-Options` on "
        "every response."
    )
    example_before = "app = FastAPI()"
    example_after = (
        "@app.middleware('http')\nasync def headers(request, call_next):\n"
        "    response = await call_next(request)\n"
        "    response.headers['Strict-Transport-Security'] = 'max-age=63072000'\n"
        "    response.headers['X-Frame-Options'] = 'DENY'\n    return response"
    )
    _MIDDLEWARE = '''from fastapi import FastAPI, Request

app = FastAPI()


@app.middleware("http")
async def security_headers(request: Request, call_next):
    response = await call_next(request)
'''
    VALID = [
        Example(_MIDDLEWARE + '''    response.headers["Strict-Transport-Security"] = "max-age=6307"
    response.headers["X-Frame-Options"] = "DENY"
    return response
''', name="middleware"),
        Example(APP_PY + "import secure\n\nsecure_headers = secure.Secure()\n",
                name="secure-library"),
    ]
    INVALID = [
        Example(APP_PY, expect=FAIL, name="none"),
        Example(_MIDDLEWARE + '''    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
''', expect=WARN, name="some"),
    ]

    def check(self, project: Project) -> CheckResult:
        found: dict[str, Evidence] = {}
        for module in project.app_modules:
            self._libraries(project, module, found)
            self._literals(project, module, found)
        complete = HSTS in found and (CSP in found or XFO in found)
        evidence = list({id(e): e for e in found.values()}.values())
        if complete:
            return self.passed(evidence)
        if found:
            missing = [h for h in (HSTS, CSP, XFO) if h not in found]
            evidence.append(project.absence("missing: " + ", ".join(missing)))
            return self.warned(evidence)
        return self.failed([project.absence(
            "no security headers (HSTS, CSP, X-Frame-Options) set by middleware or a headers "
            "library in app code")])

    @staticmethod
    def _libraries(project: Project, module: ModuleFacts, found: dict[str, Evidence]) -> None:
        imported = {q.split(".")[0] for q in module.imports.values()}
        for site in module.calls:
            func = site.call.func
            head = func.qname.split(".")[0] if isinstance(func, Name) else ""
            if head in _HEADER_LIBRARIES and head in imported:
                evidence = project.evidence(module.path, site.call.line,
                                            f"headers library `{head}` sets security headers",
                                            end_line=site.call.end_line, scope=site.scope)
                for header in _HEADER_LIBRARIES[head]:
                    found.setdefault(header, evidence)

    @staticmethod
    def _literals(project: Project, module: ModuleFacts, found: dict[str, Evidence]) -> None:
        lowered = {s.lower() for s in module.strings}
        for header in (HSTS, CSP, XFO, *_OTHER_HEADERS):
            if header in lowered and header not in found:
                line = _line_with(project, module.path, header)
                found[header] = project.evidence(module.path, line, f"sets {header}")
        # A pure ASGI middleware writes raw header pairs: `(b"strict-transport-security", ...)`.
        for header, line, end_line in _byte_headers(module):
            if header not in found:
                found[header] = project.evidence(module.path, line, f"sets {header}",
                                                 end_line=end_line)


_HEADER_NAMES = (HSTS, CSP, XFO, *_OTHER_HEADERS)


def _byte_headers(module: ModuleFacts):
    """Header names written as bytes constants in calls or assignments of a module."""
    places = [(site.call, site.call.line, site.call.end_line) for site in module.calls]
    places += [(a.value, a.line, a.end_line) for a in module.assignments]
    for expr, line, end_line in places:
        for node in nodes_of_type(expr, Const):
            if isinstance(node.value, bytes):
                name = node.value.decode("latin-1").strip().lower()
                if name in _HEADER_NAMES:
                    yield name, line, end_line


def _line_with(project: Project, path: str, text: str) -> int | None:
    for number, line in enumerate(project.source_lines(path), start=1):
        if text in line.lower():
            return number
    return None


# ---- SEC-009 ----------------------------------------------------------------------------
_SQL_SINKS = {"execute", "executemany", "exec_driver_sql"}
_TEXT_FUNCS = {"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text",
               "sqlmodel.text"}
_SQL_WORDS = re.compile(r"\b(?:select|insert|update|delete|from|where|create|drop|alter|"
                        r"truncate|values|join|order\s+by|set)\b", re.IGNORECASE)


def _sink(call: Call) -> str | None:
    func = call.func
    if isinstance(func, Name):
        if func.qname in _TEXT_FUNCS:
            return "text"
        last = last_part(func.dotted)
        return last if last in _SQL_SINKS and "." in func.dotted else None
    if isinstance(func, Attr) and func.attr in _SQL_SINKS:
        return func.attr
    return None


class Sec009NoSqlFromStrings(Rule):
    """Detects SQL built by string interpolation and passed to text()/execute()."""

    id = "SEC-009"
    title = "No SQL built from strings"
    dimension = "security"
    priority = "P0"
    tags = ("sec10#9", "p0")
    rationale = (
        "SQL assembled with f-strings, `.format`, `%` or `+` lets a crafted value change the "
        "statement itself: the classic injection. Bound parameters keep data and SQL apart no "
        "matter what the value contains."
    )
    remediation = (
        "Use the ORM's query builder or bound parameters: `text('... WHERE id = :id')` with "
        "`{'id': user_id}`, or `cursor.execute('... WHERE id = %s', (user_id,))`. Identifiers "
        "that must vary should come from an allow-list."
    )
    example_before = 'db.execute(text(f"SELECT * FROM users WHERE name = \'{name}\'"))'
    example_after = 'db.execute(text("SELECT * FROM users WHERE name = :name"), {"name": name})'
    _DB = '''from fastapi import Depends, FastAPI
from sqlalchemy import text
from sqlalchemy.orm import Session

app = FastAPI()


def get_db():
    yield Session()

'''
    VALID = [
        Example(_DB + '''
@app.get("/users")
def users(name: str, db: Session = Depends(get_db)) -> list:
    return list(db.execute(text("SELECT * FROM users WHERE name = :name"), {"name": name}))
''', name="bound-parameters"),
        Example(_DB + '''
@app.get("/count")
def count(db: Session = Depends(get_db)) -> int:
    return db.execute(text("SELECT count(*) FROM users")).scalar_one()
''', name="constant-sql"),
    ]
    INVALID = [
        Example(_DB + '''
@app.get("/users")
def users(name: str, db: Session = Depends(get_db)) -> list:
    query = f"SELECT * FROM users WHERE name = '{name}'"
    return list(db.execute(text(query)))
''', expect=FAIL, name="endpoint-param-through-local"),
        Example(_DB + '''
TABLE = "users"


def count_rows(db: Session, table) -> int:
    return db.execute(text("SELECT count(*) FROM %s" % table)).scalar_one()


@app.get("/count")
def count(db: Session = Depends(get_db)) -> int:
    return db.execute(text(f"SELECT count(*) FROM {TABLE}")).scalar_one()
''', expect=WARN, name="constants-and-helper-params"),
    ]

    def check(self, project: Project) -> CheckResult:
        endpoint_functions = {id(e.function) for e in project.service.endpoints if e.function}
        failing, warning = [], []
        for module, site in project.iter_calls():
            sink = _sink(site.call)
            if sink is None:
                continue
            built = self._built_string(module, site.scope, site.call, sink)
            if built is None:
                continue
            tainted = self._tainted(module, site.scope, built, endpoint_functions)
            where = f"{sink}()"
            if tainted:
                failing.append(project.evidence(
                    module.path, site.call.line, f"SQL for {where} is built from `{tainted}`, "
                    "which the client controls", end_line=site.call.end_line, scope=site.scope))
            else:
                warning.append(project.evidence(
                    module.path, site.call.line, f"SQL for {where} is built by string "
                    "interpolation", end_line=site.call.end_line, scope=site.scope))
        metric = {"tainted": len(failing), "interpolated": len(failing) + len(warning)}
        if failing:
            return self.failed(failing + warning, metric)
        if warning:
            return self.warned(warning, metric)
        return self.passed([project.absence("no SQL built by string interpolation reaches "
                                            "text()/execute()")], metric)

    @staticmethod
    def _built_string(module: ModuleFacts, scope: str, call: Call, sink: str) -> list[Expr] | None:
        argument = call.arg(0, "statement")
        if argument is None:
            argument = call.kwargs.get("sql", call.kwargs.get("query"))
        candidates = [argument]
        if isinstance(argument, Name) and "." not in argument.dotted:
            candidates = [a.value for a in local_assignments(module, scope, argument.dotted,
                                                              call.line)] or candidates
        for candidate in candidates:
            parts = interpolated_parts(candidate)
            if parts is None:
                continue
            if sink == "text" or _SQL_WORDS.search(string_text(candidate)):
                return parts
        return None

    @staticmethod
    def _tainted(module: ModuleFacts, scope: str, parts: list[Expr],
                 endpoint_functions: set[int], depth: int = 0) -> str | None:
        function = enclosing_function(module, scope)
        if function is None or depth > 3:
            return None
        for part in parts:
            for name in names_in(part):
                if name == "request":
                    return name
                param = function.param(name)
                if param is not None and _client_param(param, id(function) in endpoint_functions):
                    return name
                if param is None:
                    values = [a.value for a in local_assignments(module, function.qualname, name)]
                    if values and Sec009NoSqlFromStrings._tainted(
                            module, function.qualname, values, endpoint_functions, depth + 1):
                        return name
        return None


def _client_param(param, in_endpoint: bool) -> bool:
    if is_special_param(param):
        return any(isinstance(p, Name) and last_part(p.dotted) in ("Request", "WebSocket")
                   for p in unwrap_annotation(param.annotation))
    if in_endpoint:
        return param_dependency(param) is None
    return any(isinstance(p, Name) and p.dotted == "str"
               for p in unwrap_annotation(param.annotation))


# ---- SEC-010 ----------------------------------------------------------------------------
_SCANNERS = {
    "pip-audit": tool_pattern("pip-audit"),
    "safety": re.compile(r"(?<![\w.-])safety\s+(?:check|scan)\b", re.IGNORECASE),
    "osv-scanner": tool_pattern("osv-scanner"),
    "snyk": tool_pattern("snyk"),
    "bandit": tool_pattern("bandit"),
    "semgrep": tool_pattern("semgrep"),
    "codeql": tool_pattern("codeql"),
}
_SCANNER_ACTIONS = re.compile(r"codeql-action|pip-audit|snyk|semgrep|osv-scanner|bandit|"
                              r"safety", re.IGNORECASE)


class Sec010VulnerabilityScanning(Rule):
    """Detects whether CI scans dependencies/code for vulnerabilities or a bot updates them."""

    id = "SEC-010"
    title = "Vulnerability scanning"
    dimension = "security"
    priority = "P1"
    tags = ("sec10#10", "p1")
    rationale = (
        "Most vulnerabilities arrive through dependencies that were fine when added. A "
        "scanner in CI or an update bot notices new advisories without anyone having to look."
    )
    remediation = (
        "Run `pip-audit` (or osv-scanner, Snyk, Safety) and a static analyser such as Bandit "
        "or CodeQL in CI, and/or enable Dependabot or Renovate for the dependency manifests."
    )
    example_before = "# .github/workflows/ci.yml\n- run: pytest"
    example_after = "# .github/workflows/ci.yml\n- run: pytest\n- run: pip-audit"
    _CI = "name: ci\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
    VALID = [
        Example({"app/main.py": APP_PY, ".github/workflows/ci.yml": _CI +
                 "      - run: pytest\n      - run: pip-audit -r requirements.txt\n"},
                name="pip-audit-in-ci"),
        Example({"app/main.py": APP_PY, ".github/dependabot.yml": (
            "version: 2\nupdates:\n  - package-ecosystem: pip\n    directory: /\n"
            "    schedule:\n      interval: weekly\n")}, name="dependabot"),
    ]
    INVALID = [
        Example({"app/main.py": APP_PY, ".github/workflows/ci.yml": _CI + "      - run: pytest\n"},
                expect=FAIL, name="ci-without-scanner"),
        Example({"app/main.py": APP_PY, ".github/dependabot.yml.disabled": "version: 2\n"},
                expect=FAIL, name="disabled-dependabot"),
    ]

    def check(self, project: Project) -> CheckResult:
        artifacts = project.artifacts
        if artifacts is None:
            return self.unknown([project.absence("repository artefacts were not collected")])
        found = [project.evidence(c.path, None, f"{c.tool} configuration")
                 for c in artifacts.vulnscan.configs]
        for tool, pattern in _SCANNERS.items():
            for run in artifacts.ci.runs_tool(pattern):
                found.append(project.evidence(run.ci.path, run.ci.line,
                                              f"CI runs {tool} ({run.via})"))
        for action in artifacts.ci.actions_matching(_SCANNER_ACTIONS):
            found.append(project.evidence(action.path, action.line,
                                          f"CI uses {action.action}"))
        if found:
            return self.passed(found)
        if artifacts.ci.errors:  # an unreadable CI file may hold the scan: do not fail on it
            return self.unknown([project.absence(f"CI configuration could not be read: {e}")
                                 for e in artifacts.ci.errors])
        bots = artifacts.looked_in("vulnscan")
        if not artifacts.ci.files:
            return self.failed([project.absence(
                "no CI configuration and no dependabot/renovate configuration, so nothing scans "
                f"dependencies for vulnerabilities (looked for CI files and {bots})")])
        ci_files = ", ".join(f.path for f in artifacts.ci.files)
        return self.failed([project.absence(
            "no vulnerability scanner (pip-audit, safety, osv-scanner, snyk, bandit, semgrep, "
            f"CodeQL) runs in CI ({ci_files}) and no dependabot/renovate configuration "
            f"(looked for {bots})")])


__all__ = ["Sec005CorsPerEnvironment", "Sec007HttpsEnforced", "Sec008SecurityHeaders",
           "Sec009NoSqlFromStrings", "Sec010VulnerabilityScanning"]
