"""Security checks about who may call what: auth dependencies, passwords, rate limits, roles."""

from __future__ import annotations

import re

from ...project import Project
from ...python.facts import Assignment, Call, Const, Expr, FunctionFact, ModuleFacts, Name
from ..base import FAIL, WARN, CheckResult, Evidence, Example, Rule
from ..matchers import is_table_model, last_part, walk_expr
from ._authmodel import (
    AuthModel,
    EndpointAuth,
    Verdict,
    annotate_endpoint_auth,
    auth_model,
)
from ._shared import middleware_registrations, param_dependencies

OAUTH_APP = '''from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi.security import OAuth2PasswordBearer

app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
'''


def _endpoint_evidence(project: Project, item: EndpointAuth, message: str) -> Evidence:
    endpoint = item.endpoint
    return project.evidence(endpoint.module.path, endpoint.line, message,
                            end_line=endpoint.line, scope=endpoint.name)


def _verdict_evidence(project: Project, verdict: Verdict, fallback: EndpointAuth,
                      message: str) -> Evidence:
    if verdict.module is not None and verdict.line:
        return project.evidence(verdict.module.path, verdict.line, message,
                                end_line=verdict.line)
    return _endpoint_evidence(project, fallback, message)


def _distinct_auth(model: AuthModel, role_only: bool = False) -> list[tuple[Verdict, EndpointAuth]]:
    seen: dict[str, tuple[Verdict, EndpointAuth]] = {}
    for item in model.endpoints:
        for verdict in item.auth:
            if role_only and not verdict.role:
                continue
            seen.setdefault(verdict.label, (verdict, item))
    return list(seen.values())


def authentication_exists(model: AuthModel) -> bool:
    return bool(any(item.auth or item.body_reads for item in model.endpoints)
                or model.schemes or model.middleware)


def _how_read(what: str) -> str:
    """How the header was read, for the message: nothing for a plain read."""
    return "" if what == "reads the header" else f" (through {what})"


class Sec001AuthDependencies(Rule):
    """Detects endpoints that authenticate inside their body, or a service with no auth."""

    id = "SEC-001"
    title = "Authentication through dependencies"
    dimension = "security"
    priority = "P0"
    tags = ("health",)
    rationale = (
        "When authentication is a dependency (a security scheme or a `get_current_user`-style "
        "function), every route states in its signature that it needs credentials, the "
        "OpenAPI document shows it, and tests can swap it out. Credentials checked by hand in "
        "a handler body are easy to forget on the next route and invisible to reviewers."
    )
    remediation = (
        "Declare a security scheme (`OAuth2PasswordBearer`, `HTTPBearer`, `APIKeyHeader`), "
        "wrap the token check in a dependency that returns the caller, and attach it with "
        "`Depends`/`Security` on the route, or once on the router/app via `dependencies=`."
    )
    example_before = (
        "@app.get('/orders')\n"
        "async def orders(request: Request):\n"
        "    token = request.headers.get('Authorization')\n"
        "    user = decode(token)\n"
    )
    example_after = (
        "bearer = HTTPBearer()\n\n"
        "async def current_user(creds = Depends(bearer)) -> User:\n"
        "    return decode(creds.credentials)\n\n"
        "@app.get('/orders')\n"
        "async def orders(user: Annotated[User, Depends(current_user)]): ...\n"
    )
    VALID = [
        Example(OAUTH_APP + '''

async def get_current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> str:
    return token


@app.get("/me")
async def me(user: Annotated[str, Depends(get_current_user)]) -> dict:
    return {"user": user}
''', name="scheme-through-dependency"),
        Example({
            "app/main.py": '''from fastapi import FastAPI

from app.routers import items

app = FastAPI()
app.include_router(items.router, prefix="/items")
''',
            "app/deps.py": '''from fastapi import Depends
from fastapi.security import APIKeyHeader

api_key_header = APIKeyHeader(name="X-API-Key")


def verify_api_key(key: str = Depends(api_key_header)) -> None:
    if key != "x":
        raise ValueError
''',
            "app/routers/__init__.py": "",
            "app/routers/items.py": '''from fastapi import APIRouter, Depends

from app.deps import verify_api_key

router = APIRouter(dependencies=[Depends(verify_api_key)])


@router.get("/")
def list_items() -> list[str]:
    return []
''',
        }, name="router-level-dependency-cross-module"),
    ]
    INVALID = [
        Example('''from fastapi import FastAPI, Request

import jwt

app = FastAPI()


@app.get("/orders")
async def orders(request: Request) -> list:
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    claims = jwt.decode(token, "k", algorithms=["HS256"])
    return [claims]
''', expect=FAIL, name="header-parsed-in-endpoint"),
        Example('''from fastapi import FastAPI

app = FastAPI()


@app.get("/items")
def items() -> list[str]:
    return []
''', expect=FAIL, name="no-authentication"),
    ]

    def check(self, project: Project) -> CheckResult:
        annotate_endpoint_auth(project)
        model = auth_model(project)
        total = len(model.endpoints)
        guarded = [item for item in model.endpoints if item.auth]
        metric = {"authenticated": len(guarded), "endpoints": total}
        in_body = [
            project.evidence(read.module.path, read.line,
                             f"{item.endpoint.label()} reads the Authorization header in the "
                             f"handler{_how_read(read.what)} instead of through a dependency",
                             end_line=read.end_line, scope=read.scope)
            for item in model.endpoints if not item.auth for read in item.body_reads
        ]
        if in_body:
            return self.failed(in_body, metric)
        if guarded:
            evidence = [_verdict_evidence(project, verdict, item,
                                          f"auth dependency `{verdict.label}` guards endpoints")
                        for verdict, item in _distinct_auth(model)]
            return self.passed(evidence, metric)
        return self._without_guarded_endpoints(project, model, metric)

    def _without_guarded_endpoints(self, project: Project, model: AuthModel,
                                   metric: dict) -> CheckResult:
        if model.schemes or model.middleware:
            places = [project.evidence(p.module.path, p.line,
                                       f"{p.what} is set up, but no endpoint was found "
                                       "depending on it", end_line=p.end_line, scope=p.scope)
                      for p in [*model.schemes, *model.middleware]]
            return self.unknown(places, metric)
        if project.app_parse_errors:
            return self.unknown([project.absence(
                "no authentication found, but some app files could not be parsed: "
                + ", ".join(sorted(project.app_parse_errors)))], metric)
        return self.failed([project.absence(
            f"no authentication found: {_unguarded(metric['endpoints'])} (looked at route, "
            "router, include and app `dependencies`, and for Authorization-header handling in "
            "app code)")], metric)


def _unguarded(endpoints: int) -> str:
    if endpoints == 0:
        return "no endpoints were found and no security scheme or auth dependency is set up"
    if endpoints == 1:
        return "the one endpoint has no security scheme or auth dependency"
    return f"none of the {endpoints} endpoints has a security scheme or auth dependency"


# ---- SEC-004 ----------------------------------------------------------------------------
_GOOD_HASH_PREFIXES = ("passlib.", "pwdlib.", "bcrypt.", "argon2.", "fastapi_users.password")
# fastapi-users' manager hashes and verifies passwords through its PasswordHelper (pwdlib)
_HASHING_USER_MANAGERS = {"fastapi_users.BaseUserManager", "fastapi_users.manager.BaseUserManager"}
_GOOD_HASH_CALLS = {"hashlib.pbkdf2_hmac", "hashlib.scrypt",
                    "werkzeug.security.generate_password_hash"}
_WEAK_HASHES = {"hashlib.md5", "hashlib.sha1", "hashlib.sha256", "hashlib.sha224",
                "hashlib.sha384", "hashlib.sha512"}
_PASSWORD = re.compile(r"passw(?:or)?d|(?:^|_)pwd(?:$|_)", re.IGNORECASE)
_NOT_A_PASSWORD = re.compile(r"(?:_url|_uri|_type|_header|_name|_length|_min|_max|_token|"
                             r"_expire\w*|_minutes|_seconds|_days|_hours|_field|_regex|"
                             r"_pattern|_policy|_rules?)$", re.IGNORECASE)


def _password_named(name: str) -> bool:
    last = last_part(name)
    return bool(_PASSWORD.search(last)) and not _NOT_A_PASSWORD.search(last)


def _mentions_password(dotted: str) -> bool:
    """`body.password.encode` mentions a password; `password_hash` does not."""
    return any(_password_named(part) and "hash" not in part.lower()
               for part in dotted.split("."))


def _weak_hash_over_password(call: Call) -> bool:
    name = call.func.qname if isinstance(call.func, Name) else ""
    args: list[Expr] = list(call.args)
    if name == "hashlib.new" and args:
        algorithm = args[0]
        if not (isinstance(algorithm, Const) and str(algorithm.value).lower() in (
                "md5", "sha1", "sha256", "sha224", "sha384", "sha512")):
            return False
        args = args[1:]
    elif name not in _WEAK_HASHES:
        return False
    return any(isinstance(node, Name) and _mentions_password(node.dotted)
               for arg in args for node in walk_expr(arg))


def _weak_update_sites(module: ModuleFacts) -> list[Call]:
    """`h = hashlib.md5(); h.update(password.encode())`."""
    hashers = {(a.scope, t.dotted) for a in module.assignments
               if isinstance(a.value, Call) and isinstance(a.value.func, Name)
               and a.value.func.qname in _WEAK_HASHES
               for t in a.targets if isinstance(t, Name)}
    found = []
    for site in module.calls:
        func = site.call.func
        if isinstance(func, Name) and func.dotted.endswith(".update") and (
                site.scope, func.dotted[:-7]) in hashers and any(
                isinstance(n, Name) and _mentions_password(n.dotted)
                for arg in site.call.args for n in walk_expr(arg)):
            found.append(site.call)
    return found


class Sec004PasswordHashing(Rule):
    """Detects passwords hashed with fast digests (md5/sha*) or stored as given."""

    id = "SEC-004"
    title = "Passwords hashed with a slow hash"
    dimension = "security"
    priority = "P0"
    tags = ("sec10#3",)
    rationale = (
        "A leaked user table is only as safe as its password hashes. General-purpose digests "
        "such as MD5 or SHA-256 are built to be fast, so stolen hashes can be brute-forced in "
        "bulk; bcrypt and Argon2 are deliberately slow and salted."
    )
    remediation = (
        "Hash passwords with pwdlib/passlib (Argon2 or bcrypt) or the bcrypt/argon2 packages, "
        "store only the hash, and compare with the library's verify function."
    )
    example_before = "hashed = hashlib.sha256(password.encode()).hexdigest()"
    example_after = (
        "from pwdlib import PasswordHash\n\n"
        "password_hash = PasswordHash.recommended()\n"
        "hashed = password_hash.hash(password)\n"
    )
    VALID = [
        Example('''from fastapi import FastAPI
from passlib.context import CryptContext
from pydantic import BaseModel

app = FastAPI()
pwd_context = CryptContext(schemes=["bcrypt"], deprecated="auto")


class SignUp(BaseModel):
    email: str
    password: str


@app.post("/signup")
def signup(body: SignUp) -> dict:
    return {"hash": pwd_context.hash(body.password)}
''', name="passlib"),
        Example('''import bcrypt
from fastapi import FastAPI

app = FastAPI()


def hash_password(password: str) -> bytes:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt())


@app.get("/")
def root() -> dict:
    return {}
''', name="bcrypt"),
    ]
    INVALID = [
        Example('''import hashlib

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class SignUp(BaseModel):
    email: str
    password: str


@app.post("/signup")
def signup(body: SignUp) -> dict:
    return {"hash": hashlib.md5(body.password.encode()).hexdigest()}
''', expect=FAIL, name="md5"),
        Example('''from fastapi import FastAPI
from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import declarative_base

app = FastAPI()
Base = declarative_base()


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    password = Column(String)


@app.post("/users")
def create(email: str, password: str) -> dict:
    user = User(email=email, password=password)
    return {"id": user.id}
''', expect=FAIL, name="stored-as-given"),
    ]

    def check(self, project: Project) -> CheckResult:
        weak = self._weak_sites(project)
        if weak:
            return self.failed(weak)
        good = self._good_sites(project)
        if good:
            return self.passed(good[:5])
        stored = self._stored_as_given(project)
        if stored:
            return self.failed(stored)
        handled = self._password_handling(project)
        if handled:
            return self.unknown([project.evidence(
                m.path, line, "passwords are handled here, but no password hashing was found "
                "(hashing may happen in another service)") for m, line in handled[:3]])
        return self.not_applicable("the service handles no passwords (no password fields, "
                                   "parameters or hashing in app code)")

    @staticmethod
    def _weak_sites(project: Project) -> list[Evidence]:
        found = []
        for module, site in project.iter_calls():
            if _weak_hash_over_password(site.call):
                found.append(project.evidence(
                    module.path, site.call.line, "a fast digest hashes a password; use "
                    "bcrypt/Argon2", end_line=site.call.end_line, scope=site.scope))
        for module in project.app_modules:
            for call in _weak_update_sites(module):
                found.append(project.evidence(module.path, call.line, "a password is fed to a "
                                              "fast digest; use bcrypt/Argon2",
                                              end_line=call.end_line))
        return found

    @staticmethod
    def _good_sites(project: Project) -> list[Evidence]:
        found = []
        for module, site in project.iter_calls():
            func = site.call.func
            name = func.qname if isinstance(func, Name) else ""
            if name.startswith(_GOOD_HASH_PREFIXES) or name in _GOOD_HASH_CALLS:
                found.append(project.evidence(module.path, site.call.line,
                                              f"password hashing with `{name}`",
                                              end_line=site.call.end_line, scope=site.scope))
        for module, cls in project.iter_classes():
            if project.base_names(module, cls) & _HASHING_USER_MANAGERS:
                found.append(project.evidence(
                    module.path, cls.line, f"`{cls.name}` is a fastapi-users user manager: the "
                    "library hashes passwords with pwdlib (Argon2/bcrypt)", scope=cls.qualname,
                    snippet_lines=1))
        return found

    @staticmethod
    def _stored_as_given(project: Project) -> list[Evidence]:
        found = []
        for module, site in project.iter_calls():
            call = site.call
            cls = project.class_of(call.func)
            if cls is None or not is_table_model(project, *cls):
                continue
            for key, value in call.kwargs.items():
                if _password_named(key) and _plain_password_value(value):
                    found.append(project.evidence(
                        module.path, call.line, f"`{key}` is stored as given, without hashing",
                        end_line=call.end_line, scope=site.scope))
        for module in project.app_modules:
            for assignment in module.assignments:
                if _stores_plain_attribute(assignment):
                    found.append(project.evidence(
                        module.path, assignment.line, "a password is stored as given, "
                        "without hashing", end_line=assignment.end_line, scope=assignment.scope))
        return found

    @staticmethod
    def _password_handling(project: Project) -> list[tuple[ModuleFacts, int]]:
        found = []
        for module, function in project.iter_functions():
            if any(_password_named(p.name) for p in function.params) or any(
                    isinstance(p.annotation, Name) and "PasswordRequestForm" in p.annotation.dotted
                    for p in function.params):
                found.append((module, function.line))
        for module, cls in project.iter_classes():
            if any(_password_named(f.name) for f in cls.fields) and not _is_settings(
                    project, module, cls):
                found.append((module, cls.line))
        return found


def _is_settings(project: Project, module: ModuleFacts, cls) -> bool:
    from ..matchers import is_settings_class

    return is_settings_class(project, module, cls) or "settings" in cls.name.lower()


def _plain_password_value(value: Expr | None) -> bool:
    return (isinstance(value, Name) and _password_named(value.dotted)
            and "hash" not in value.dotted.lower())


def _stores_plain_attribute(assignment: Assignment) -> bool:
    if not assignment.scope or assignment.scope.endswith("__init__"):
        return False
    return any(isinstance(t, Name) and "." in t.dotted and not t.dotted.startswith("self.")
               and _password_named(t.dotted) and "hash" not in t.dotted.lower()
               for t in assignment.targets) and _plain_password_value(assignment.value)


# ---- SEC-006 ----------------------------------------------------------------------------
_LOGIN_ROUTE = re.compile(r"log-?in|sign-?in|sign_in|token|authenticat", re.IGNORECASE)
_LIMIT_NAME = re.compile(r"rate_?limit|throttl|limiter", re.IGNORECASE)
_LIMITER_LIBRARIES = ("slowapi", "fastapi_limiter", "limits", "ratelimit", "asgi_ratelimit",
                      "fastapi_throttle", "aiolimiter")


def _is_login_route(item: EndpointAuth) -> bool:
    endpoint = item.endpoint
    text = endpoint.path + " " + (endpoint.function.name if endpoint.function else "")
    return bool(_LOGIN_ROUTE.search(text)) and "GET" not in endpoint.methods


def _limit_decorator(function: FunctionFact | None) -> bool:
    if function is None:
        return False
    for decorator in function.decorators:
        if isinstance(decorator, Call) and isinstance(decorator.func, Name):
            dotted = decorator.func.dotted
            if dotted.endswith(".limit") or dotted.endswith(".shared_limit") or \
                    _LIMIT_NAME.search(last_part(dotted)):
                return True
    return False


def _limit_dependency(project: Project, item: EndpointAuth) -> bool:
    endpoint = item.endpoint
    calls = [d for d in endpoint.dependencies if isinstance(d, Call)]
    if endpoint.function is not None:
        for param in endpoint.function.params:
            calls.extend(param_dependencies(project, param))
    for call in calls:
        for node in walk_expr(call.args[0] if call.args else call.kwargs.get("dependency")):
            if isinstance(node, Name) and _names_limiter(project, node):
                return True
    return False


def _names_limiter(project: Project, name: Name) -> bool:
    """`rate_limiter`, or a name bound to a limiter instance: `register_limit =
    RateLimit(times=10, seconds=3600)` (a callable class used as a dependency)."""
    if _LIMIT_NAME.search(last_part(name.dotted)):
        return True
    value = project.resolve(name)
    if isinstance(value, Call) and isinstance(value.func, Name):
        return bool(_LIMIT_NAME.search(last_part(value.func.dotted))) or \
            value.func.qname.split(".")[0] in _LIMITER_LIBRARIES
    return False


def _limiter_library_call(module: ModuleFacts, func: Expr) -> bool:
    """A call into a limiter library imported by the module; `limits.strip()` on a local
    variable that happens to share the `limits` library's name is not one."""
    if not isinstance(func, Name) or func.dotted.split(".")[0] not in module.imports:
        return False
    return func.qname.split(".")[0] in _LIMITER_LIBRARIES


class Sec006RateLimitAuth(Rule):
    """Detects login/token routes that no rate limiter protects."""

    id = "SEC-006"
    title = "Rate limiting on authentication routes"
    dimension = "security"
    priority = "P0"
    tags = ("sec10#5", "p0")
    rationale = (
        "Login and token endpoints are where credential stuffing and password guessing "
        "happen. Without a limit per client, an attacker can try thousands of passwords a "
        "minute, and the hashing work itself becomes a denial-of-service lever."
    )
    remediation = (
        "Add a limiter (slowapi, fastapi-limiter, or a rate-limit middleware at the proxy or "
        "app) and apply a tight limit to the login/token routes, e.g. 5 requests a minute "
        "per IP and account."
    )
    example_before = "@router.post('/token')\nasync def login(form = Depends()): ..."
    example_after = (
        "limiter = Limiter(key_func=get_remote_address)\n\n"
        "@router.post('/token')\n@limiter.limit('5/minute')\n"
        "async def login(request: Request, form = Depends()): ..."
    )
    VALID = [
        Example('''from fastapi import FastAPI, Request
from slowapi import Limiter
from slowapi.util import get_remote_address

limiter = Limiter(key_func=get_remote_address)
app = FastAPI()
app.state.limiter = limiter


@app.post("/login")
@limiter.limit("5/minute")
async def login(request: Request) -> dict:
    return {}
''', name="slowapi-decorator"),
        Example('''from fastapi import Depends, FastAPI
from fastapi_limiter.depends import RateLimiter

app = FastAPI()


@app.post("/auth/token", dependencies=[Depends(RateLimiter(times=5, seconds=60))])
async def token() -> dict:
    return {}
''', name="fastapi-limiter-dependency"),
    ]
    INVALID = [
        Example('''from fastapi import FastAPI

app = FastAPI()


@app.post("/login")
async def login() -> dict:
    return {}
''', expect=FAIL, name="no-limiter"),
        Example('''from fastapi import FastAPI, Request
from slowapi import Limiter
from slowapi.util import get_remote_address

limiter = Limiter(key_func=get_remote_address)
app = FastAPI()


@app.post("/login")
async def login() -> dict:
    return {}


@app.get("/search")
@limiter.limit("10/minute")
async def search(request: Request) -> list:
    return []
''', expect=WARN, name="limiter-not-on-login"),
    ]

    def check(self, project: Project) -> CheckResult:
        model = auth_model(project)
        app_wide = self._app_wide(project)
        if app_wide:
            return self.passed(app_wide)
        limited = [item for item in model.endpoints
                   if _limit_decorator(item.endpoint.function) or _limit_dependency(project, item)]
        limiter_present = limited or self._limiter_setup(project)
        if not limiter_present:
            return self.failed([project.absence(
                "no rate limiter found (looked for slowapi, fastapi-limiter, rate-limit "
                "dependencies and middleware in app code)")])
        login = [item for item in model.endpoints if _is_login_route(item)]
        limited_ids = {id(item) for item in limited}
        unprotected = [item for item in login if id(item) not in limited_ids]
        metric = {"limited": len(login) - len(unprotected), "auth_routes": len(login)}
        if unprotected:
            return self.warned([_endpoint_evidence(project, item, f"{item.endpoint.label()} has "
                                                   "no rate limit") for item in unprotected],
                               metric)
        evidence = [_endpoint_evidence(project, item, f"{item.endpoint.label()} is rate "
                                       "limited") for item in (login or limited)]
        if not evidence:
            evidence = self._limiter_setup(project)
        return self.passed(evidence, metric)

    @staticmethod
    def _app_wide(project: Project) -> list[Evidence]:
        found = []
        has_defaults = any(
            isinstance(site.call.func, Name) and site.call.func.qname.startswith("slowapi")
            and ("default_limits" in site.call.kwargs or "application_limits" in site.call.kwargs)
            for _, site in project.iter_calls())
        for name in ("SlowAPIMiddleware", "SlowAPIASGIMiddleware"):
            if has_defaults:
                found += [project.evidence(m.path, c.line, f"{name} applies default limits to "
                                           "every route", end_line=c.end_line)
                          for m, c, _ in middleware_registrations(project, name)]
        for module, site in project.iter_calls():
            func = site.call.func
            if isinstance(func, Name) and last_part(func.dotted) in ("add_middleware",
                                                                       "Middleware"):
                target = site.call.arg(0)
                if isinstance(target, Name) and _LIMIT_NAME.search(last_part(target.dotted)) \
                        and not last_part(target.dotted).startswith("SlowAPI"):
                    found.append(project.evidence(module.path, site.call.line,
                                                  "rate-limit middleware on the whole app",
                                                  end_line=site.call.end_line))
        return found

    @staticmethod
    def _limiter_setup(project: Project) -> list[Evidence]:
        found = []
        for module, site in project.iter_calls():
            func = site.call.func
            if _limiter_library_call(module, func):
                found.append(project.evidence(module.path, site.call.line,
                                              f"rate limiter `{last_part(func.qname)}` is set up",
                                              end_line=site.call.end_line, scope=site.scope))
        return found[:3]


# ---- SEC-011 ----------------------------------------------------------------------------
class Sec011RoleChecks(Rule):
    """Detects authenticated services where no role/permission dependency guards any route."""

    id = "SEC-011"
    title = "Role or permission checks"
    dimension = "security"
    priority = "P1"
    tags = ()
    rationale = (
        "Knowing who calls is only half of access control: administrative and other "
        "privileged routes also need to know what the caller may do. A dependency such as "
        "`require_role('admin')` makes that requirement visible on the route and testable."
    )
    remediation = (
        "Add a dependency that checks the caller's role, permission or scopes (raising 403) "
        "and attach it to privileged routes or routers, e.g. "
        "`dependencies=[Depends(get_current_active_superuser)]` or "
        "`Security(get_current_user, scopes=['items:write'])`."
    )
    example_before = (
        "@router.delete('/users/{id}')\n"
        "def delete(user = Depends(get_current_user)): ..."
    )
    example_after = (
        "def require_admin(user = Depends(get_current_user)):\n"
        "    if not user.is_admin:\n        raise HTTPException(403)\n    return user\n\n"
        "@router.delete('/users/{id}', dependencies=[Depends(require_admin)])\n"
        "def delete(id: int): ..."
    )
    VALID = [
        Example(OAUTH_APP + '''

def get_current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> str:
    return token


def get_current_active_superuser(user: Annotated[str, Depends(get_current_user)]) -> str:
    return user


@app.delete("/users/{user_id}", dependencies=[Depends(get_current_active_superuser)])
def delete_user(user_id: int) -> None:
    return None
''', name="superuser-dependency"),
        Example(OAUTH_APP + '''from fastapi import HTTPException, Security


def current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> dict:
    return {"role": token}


def check_editor(user: Annotated[dict, Depends(current_user)]) -> dict:
    if user["role"] != "editor":
        raise HTTPException(status_code=403)
    return user


@app.put("/pages/{page_id}")
def edit(page_id: int, user: Annotated[dict, Depends(check_editor)]) -> dict:
    return user
''', name="dependency-raising-403"),
    ]
    INVALID = [
        Example(OAUTH_APP + '''

def get_current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> str:
    return token


@app.delete("/users/{user_id}")
def delete_user(user_id: int, user: Annotated[str, Depends(get_current_user)]) -> None:
    return None
''', expect=FAIL, name="authentication-only"),
        Example('''from fastapi import Depends, FastAPI
from fastapi.security import HTTPBearer

app = FastAPI(dependencies=[Depends(HTTPBearer())])


@app.get("/items")
def items() -> list:
    return []
''', expect=FAIL, name="app-level-bearer-only"),
    ]

    def check(self, project: Project) -> CheckResult:
        model = auth_model(project)
        if not authentication_exists(model):
            return self.not_applicable("no authentication found, so there is nothing to "
                                       "restrict by role")
        guarded = [item for item in model.endpoints if any(v.role for v in item.auth)]
        metric = {"guarded": len(guarded), "endpoints": len(model.endpoints)}
        if guarded:
            return self.passed([_verdict_evidence(project, verdict, item,
                                                  f"`{verdict.label}` checks roles/permissions")
                                for verdict, item in _distinct_auth(model, role_only=True)],
                               metric)
        evidence = [_verdict_evidence(project, verdict, item, f"`{verdict.label}` only "
                                      "authenticates; no route checks a role or permission")
                    for verdict, item in _distinct_auth(model)]
        evidence = evidence or [project.absence(
            "authentication exists, but no role/permission/superuser dependency guards any "
            "route (looked at every endpoint's dependencies)")]
        return self.failed(evidence, metric)


__all__ = [
    "Sec001AuthDependencies", "Sec004PasswordHashing", "Sec006RateLimitAuth",
    "Sec011RoleChecks", "annotate_endpoint_auth",
]
