"""Architecture checks (ARC-001 .. ARC-005): app factory and lifespan, module size, thin
routers, dependency injection and a consistent async style. An unweighted group, all P1.

Whether a module-level name holds a database session comes from `database.db_handle_of`
and whether a call does blocking I/O from `performance.blocking_reason`, so these checks
agree with the DB and PERF dimensions.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from ..fastapi_model import Endpoint, WebObject, resolve_object
from ..project import Project
from ..python.facts import (
    Assignment,
    Call,
    CallSite,
    Const,
    Expr,
    FunctionFact,
    ModuleFacts,
    Name,
    Seq,
)
from .base import FAIL, WARN, CheckResult, Evidence, Example, Rule
from .database import (
    CONNECTION,
    SESSION,
    db_handle_of,
    received_handles,
    unique_endpoints,
)
from .matchers import call_names, calls_in, function_by_qualname, walk_expr
from .performance import blocking_reason

MAX_MODULE_ROUTES = 20
MAX_MODULE_LINES = 800
MAX_ENDPOINT_STATEMENTS = 30
EVENT_METHODS = ("on_event", "add_event_handler")
EVENT_KWARGS = ("on_startup", "on_shutdown")
SERVICE_SUFFIXES = ("Service", "Repository", "Repo")


def _endpoint_evidence(project: Project, module: ModuleFacts, function: FunctionFact,
                       message: str) -> Evidence:
    """An endpoint finding points at its `def` line (RULES.md 3.11)."""
    return project.evidence(module.path, function.line, message, scope=function.qualname,
                            snippet_lines=2)


# ---- ARC-001 -----------------------------------------------------------------------------
def _event_receiver(project: Project, module: ModuleFacts, site: CallSite
                    ) -> WebObject | None:
    """The app/router of `X.on_event(...)`, `X.add_event_handler(...)` or `X.router.on_event`."""
    func = site.call.func
    if not isinstance(func, Name) or "." not in func.dotted:
        return None
    receiver, _, method = func.dotted.rpartition(".")
    if method not in EVENT_METHODS:
        return None
    if receiver.endswith(".router"):
        receiver = receiver[: -len(".router")]
    return resolve_object(project, project.service.objects, module, site.scope, receiver)


def event_handler_sites(project: Project) -> list[Evidence]:
    """Start-up/shutdown hooks registered the pre-lifespan way, on any app or router."""
    service = project.service
    seen: set[int] = set()
    found = []
    for method in EVENT_METHODS:
        for module, site in service.app_calls(project, method):
            seen.add(id(site))
            found.append((module, site))
    for module, site in project.iter_calls():
        if id(site) not in seen and _event_receiver(project, module, site) is not None:
            seen.add(id(site))
            found.append((module, site))
    evidence = [project.evidence(module.path, site.call.line,
                                 f"`{site.call.func.dotted}` registers an event handler "  # type: ignore[union-attr]
                                 "instead of a lifespan", end_line=site.call.end_line,
                                 scope=site.scope)
                for module, site in sorted(found, key=lambda f: (f[0].path, f[1].call.line))]
    for obj in service.objects:
        for name in EVENT_KWARGS:
            value = obj.kwargs.get(name)
            if value is not None and not _empty(value):
                evidence.append(project.evidence(
                    obj.module.path, obj.call.line, f"`{name}=` handlers on `{obj.var}` instead "
                    "of a lifespan", end_line=obj.call.end_line, scope=obj.scope))
    return evidence


def _empty(expr: Expr) -> bool:
    return (isinstance(expr, Const) and expr.value is None) or (
        isinstance(expr, Seq) and not expr.items)


class Arc001FactoryAndLifespan(Rule):
    """Detects `on_event` start-up hooks and whether the app is built by a factory function."""

    id = "ARC-001"
    title = "App factory and lifespan"
    dimension = "architecture"
    priority = "P1"
    tags = ("arch",)
    rationale = (
        "A `create_app()` factory lets tests and scripts build a fresh, differently configured "
        "app without import-time side effects. A `lifespan` context manager keeps start-up "
        "and shutdown in one place with shared state; `on_event` hooks are deprecated and "
        "cannot be combined with a lifespan.")
    remediation = (
        "Move start-up/shutdown code into an `@asynccontextmanager async def lifespan(app)` "
        "(code before `yield` runs at start, after it at shutdown), pass `lifespan=lifespan` "
        "to `FastAPI(...)`, and build the app inside `def create_app() -> FastAPI`.")
    example_before = (
        "app = FastAPI()\n\n@app.on_event('startup')\nasync def startup():\n"
        "    await database.connect()")
    example_after = (
        "@asynccontextmanager\nasync def lifespan(app: FastAPI):\n    await database.connect()\n"
        "    yield\n    await database.disconnect()\n\n"
        "def create_app() -> FastAPI:\n    app = FastAPI(lifespan=lifespan)\n"
        "    app.include_router(items.router)\n    return app")

    def check(self, project: Project) -> CheckResult:
        events = event_handler_sites(project)
        if events:
            return self.failed(events)
        primary = project.service.primary
        if primary is None:  # not scored in practice: a service without an app is n/a
            return self.unknown([project.absence("no FastAPI app found")])
        if primary.scope:
            factory = function_by_qualname(primary.module, primary.scope)
            line = factory.line if factory is not None else primary.line
            return self.passed([project.evidence(
                primary.module.path, line, f"the app is built by the factory `{primary.scope}`",
                scope=primary.scope, snippet_lines=1)])
        return self.warned([project.evidence(
            primary.module.path, primary.line,
            f"the app `{primary.var}` is created at module level, not by a factory function",
            end_line=primary.call.end_line)])


# ---- ARC-002 -----------------------------------------------------------------------------
def routes_by_module(project: Project) -> dict[str, list[Endpoint]]:
    """Route declarations per module of the handler (a router included twice counts once)."""
    found: dict[str, list[Endpoint]] = defaultdict(list)
    seen: set[int] = set()
    for endpoint in project.service.endpoints:
        if id(endpoint.route_call) in seen:
            continue
        seen.add(id(endpoint.route_call))
        found[endpoint.module.path].append(endpoint)
    return found


def line_count(project: Project, module: ModuleFacts) -> int:
    """Lines of a module as an editor shows them. `ModuleFacts.lines` counts newlines + 1,
    one too many for a file ending in a newline; near the threshold the source decides."""
    if module.lines <= MAX_MODULE_LINES:
        return module.lines
    lines = project.source_lines(module.path)
    return len(lines) if lines else module.lines


class Arc002FeatureModules(Rule):
    """Detects oversized modules: more than 20 routes or more than 800 lines."""

    id = "ARC-002"
    title = "Feature modules"
    dimension = "architecture"
    priority = "P1"
    tags = ("arch#1",)
    rationale = (
        "Code grouped by feature (users, orders, billing), each with its own router, schemas "
        "and service, stays small enough to read and change safely. One huge `main.py` or "
        "`routes.py` collects every concern, invites merge conflicts and hides coupling.")
    remediation = (
        "Split large modules by domain: one package per feature with `router.py`, "
        "`schemas.py`, `service.py` and `models.py`, each router included from the app "
        "factory with its own prefix.")
    example_before = "app/main.py  # 1,400 lines, 35 routes for users, orders and billing"
    example_after = (
        "app/users/router.py    # 6 routes\napp/orders/router.py   # 9 routes\n"
        "app/billing/router.py  # 5 routes")

    def check(self, project: Project) -> CheckResult:
        routes = routes_by_module(project)
        findings = []
        for path, endpoints in sorted(routes.items()):
            if len(endpoints) > MAX_MODULE_ROUTES:
                over = sorted(endpoints, key=lambda e: e.line)[MAX_MODULE_ROUTES]
                findings.append(project.evidence(
                    path, over.line, f"{len(endpoints)} routes in one module (more than "
                    f"{MAX_MODULE_ROUTES}); route {MAX_MODULE_ROUTES + 1} starts here",
                    scope=over.name, snippet_lines=1))
        sizes = {m.path: line_count(project, m) for m in project.app_modules}
        for path, lines in sizes.items():
            if lines > MAX_MODULE_LINES:
                findings.append(project.evidence(
                    path, None, f"{lines} lines in one module (more than {MAX_MODULE_LINES})"))
        metric = {
            "most_routes": max((len(e) for e in routes.values()), default=0),
            "most_lines": max(sizes.values(), default=0),
        }
        return self.warned(findings, metric) if findings else self.passed(metric=metric)


# ---- ARC-003 -----------------------------------------------------------------------------
class Arc003ThinRouters(Rule):
    """Detects endpoint functions whose bodies have more than 30 statements."""

    id = "ARC-003"
    title = "Thin routers"
    dimension = "architecture"
    priority = "P1"
    tags = ("arch#5", "mistake#2")
    rationale = (
        "An endpoint should translate HTTP to a service call and back. Business rules written "
        "inline in long handlers cannot be reused from jobs or other endpoints and can only "
        "be tested through HTTP.")
    remediation = (
        "Move the logic into a service function or class that takes plain arguments and "
        "returns domain objects; keep the handler to validation, one service call and the "
        "response.")
    example_before = (
        "@router.post('/orders')\nasync def create_order(data: OrderIn, db: SessionDep):\n"
        "    # 60 lines: stock checks, pricing, discounts, payment, e-mail ...")
    example_after = (
        "@router.post('/orders')\nasync def create_order(data: OrderIn, orders: OrderServiceDep):\n"
        "    return await orders.place(data)")

    def check(self, project: Project) -> CheckResult:
        endpoints = unique_endpoints(project)
        findings = [
            _endpoint_evidence(project, e.module, e.function,
                               f"`{e.function.name}` body has {e.function.statements} statements "
                               f"(more than {MAX_ENDPOINT_STATEMENTS})")
            for e in endpoints
            if e.function is not None and e.function.statements > MAX_ENDPOINT_STATEMENTS
        ]
        metric = {"fat_endpoints": len(findings), "endpoints": len(endpoints)}
        return self.warned(findings, metric) if findings else self.passed(metric=metric)


# ---- ARC-004 -----------------------------------------------------------------------------
@dataclass(slots=True)
class Singleton:
    """A module-level session or service instance: `db = SessionLocal()`, `svc = UserService()`."""

    kind: str  # "session" or "service"
    module: ModuleFacts
    assignment: Assignment
    name: str


def module_singletons(project: Project) -> dict[str, Singleton]:
    """Module-level sessions and service instances of app code, by qualified name."""
    found: dict[str, Singleton] = {}
    for module in project.app_modules:
        for assignment in module.assignments:
            if assignment.scope or len(assignment.targets) != 1:
                continue
            target = assignment.targets[0]
            if not isinstance(target, Name) or "." in target.dotted:
                continue
            kind = _singleton_kind(project, module, assignment)
            if kind is not None:
                found[f"{module.module}.{target.dotted}"] = Singleton(kind, module, assignment,
                                                                     target.dotted)
    return found


def _singleton_kind(project: Project, module: ModuleFacts, assignment: Assignment) -> str | None:
    value = assignment.value
    if value is None:
        return None
    handle = db_handle_of(project, module, "", value)
    if handle is not None and handle.kind in (SESSION, CONNECTION):
        return "session"
    if isinstance(value, Call):
        found = project.class_of(value.func)
        if found is not None and found[1].name.endswith(SERVICE_SUFFIXES):
            return "service"
    return None


def _local_names(module: ModuleFacts, function: FunctionFact) -> set[str]:
    """Parameters and names bound inside the function (they shadow module globals)."""
    names = {p.name for p in function.params}
    prefix = function.qualname + "."
    for assignment in module.assignments:
        if assignment.scope == function.qualname or assignment.scope.startswith(prefix):
            for target in assignment.targets:
                for node in walk_expr(target):
                    if isinstance(node, Name) and "." not in node.dotted:
                        names.add(node.dotted)
    return names


def _names_used(project: Project, module: ModuleFacts, function: FunctionFact
                ) -> list[tuple[Name, int]]:
    """Dotted names read in the function body, with the line they are read on."""
    used = [(node, site.call.line) for site in calls_in(module, function)
            for node in call_names(project, site.call)]
    prefix = function.qualname + "."
    for statement in [*module.assignments, *module.returns]:
        if statement.scope == function.qualname or statement.scope.startswith(prefix):
            used += [(node, statement.line) for node in walk_expr(statement.value)
                     if isinstance(node, Name)]
    return used


def _singleton_of(project: Project, singletons: dict[str, Singleton], name: Name
                  ) -> Singleton | None:
    """The singleton a name refers to: `db`, `deps.db`, `user_service.create` (qualified)."""
    parts = name.qname.split(".")
    for cut in range(len(parts), 0, -1):
        qualified = ".".join(parts[:cut])
        if qualified in singletons:
            return singletons[qualified]
        definition = project.lookup(qualified)
        if definition is not None and definition.kind == "assignment" and \
                definition.qualified in singletons:
            return singletons[definition.qualified]
    return None


def direct_singleton_uses(project: Project, endpoint: Endpoint,
                          singletons: dict[str, Singleton]) -> list[tuple[Singleton, int]]:
    function = endpoint.function
    if function is None:
        return []
    local = _local_names(endpoint.module, function)
    found: dict[int, tuple[Singleton, int]] = {}
    for name, line in _names_used(project, endpoint.module, function):
        if name.dotted.split(".")[0] in local:
            continue
        singleton = _singleton_of(project, singletons, name)
        if singleton is not None and id(singleton) not in found:
            found[id(singleton)] = (singleton, line)
    return list(found.values())


class Arc004DependencyInjection(Rule):
    """Detects endpoints that use module-level sessions or service singletons instead of Depends."""

    id = "ARC-004"
    title = "Dependency injection"
    dimension = "architecture"
    priority = "P1"
    tags = ("arch#3",)
    rationale = (
        "A session or service handed in through `Depends` is created per request, closed "
        "afterwards and replaceable in tests with `dependency_overrides`. A module-level "
        "session is shared by every concurrent request, keeps failed transactions around and "
        "ties tests to the real database.")
    remediation = (
        "Provide the session from a `get_db()` dependency that yields one per request "
        "(`SessionDep = Annotated[Session, Depends(get_db)]`) and build services in "
        "dependencies that receive it, instead of importing module-level instances.")
    example_before = (
        "db = SessionLocal()\n\n@app.get('/items')\ndef items():\n"
        "    return db.query(Item).all()")
    example_after = (
        "def get_db():\n    with SessionLocal() as db:\n        yield db\n\n"
        "@app.get('/items')\ndef items(db: Annotated[Session, Depends(get_db)]):\n"
        "    return db.query(Item).all()")

    def check(self, project: Project) -> CheckResult:
        singletons = module_singletons(project)
        endpoints = unique_endpoints(project)
        findings = []
        for endpoint in endpoints:
            for singleton, _line in direct_singleton_uses(project, endpoint, singletons):
                where = f"{singleton.module.path}:{singleton.assignment.line}"
                findings.append(_endpoint_evidence(
                    project, endpoint.module, endpoint.function,  # type: ignore[arg-type]
                    f"`{endpoint.function.name}` uses the module-level {singleton.kind} "  # type: ignore[union-attr]
                    f"`{singleton.name}` ({where}) directly instead of receiving it "
                    "through Depends"))
        metric = {"direct": len(findings), "endpoints": len(endpoints)}
        if findings:
            return self.failed(findings, metric)
        return self.passed(self._injected(project, endpoints), metric)

    def _injected(self, project: Project, endpoints: list[Endpoint]) -> list[Evidence]:
        for endpoint in endpoints:
            received = received_handles(project, endpoint.module, endpoint.function)  # type: ignore[arg-type]
            if received:
                param = received[0][0]
                return [_endpoint_evidence(project, endpoint.module, endpoint.function,  # type: ignore[arg-type]
                                           f"the session reaches `{endpoint.function.name}` "  # type: ignore[union-attr]
                                           f"through the parameter `{param.name}`")]
        return []


# ---- ARC-005 -----------------------------------------------------------------------------
def _io_reason(project: Project, module: ModuleFacts, function: FunctionFact
               ) -> tuple[int, str] | None:
    """The first blocking I/O call written in the function (line, why)."""
    for site in calls_in(module, function, nested=False):
        reason = blocking_reason(project, module, site)
        if reason is not None:
            return site.call.line, reason
    return None


class Arc005ConsistentAsync(Rule):
    """Detects `def` endpoints doing I/O in an app whose endpoints are mostly `async def`."""

    id = "ARC-005"
    title = "Consistent async style"
    dimension = "architecture"
    priority = "P1"
    tags = ("arch#7",)
    rationale = (
        "In an async service, a stray `def` endpoint doing I/O runs in the limited thread "
        "pool with a sync client, so it behaves differently under load from its neighbours "
        "and usually means a second, blocking client for the same backend.")
    remediation = (
        "Make the endpoint `async def` and use the async client the rest of the service uses "
        "(`httpx.AsyncClient`, `AsyncSession`), awaiting each call.")
    example_before = (
        "@router.get('/avatar')\ndef avatar(user: CurrentUser):\n"
        "    return httpx.get(user.avatar_url).content")
    example_after = (
        "@router.get('/avatar')\nasync def avatar(user: CurrentUser, http: HttpClientDep):\n"
        "    return (await http.get(user.avatar_url)).content")

    def check(self, project: Project) -> CheckResult:
        endpoints = unique_endpoints(project)
        styles = Counter(e.is_async for e in endpoints)
        metric = {"async": styles[True], "endpoints": len(endpoints)}
        if styles[True] * 2 <= len(endpoints):
            return self.passed(metric=metric)  # not an async app: `def` is the house style
        findings = []
        for endpoint in endpoints:
            if endpoint.is_async or endpoint.function is None:
                continue
            found = _io_reason(project, endpoint.module, endpoint.function)
            if found is not None:
                findings.append(_endpoint_evidence(
                    project, endpoint.module, endpoint.function,
                    f"`def {endpoint.function.name}` does I/O ({found[1]}, line {found[0]}) in "
                    "an app whose endpoints are mostly async"))
        return self.warned(findings, metric) if findings else self.passed(metric=metric)


# ---- examples ----------------------------------------------------------------------------
_APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"
_LIFESPAN_FACTORY = '''from contextlib import asynccontextmanager

from fastapi import FastAPI


@asynccontextmanager
async def lifespan(app: FastAPI):
    yield


def create_app() -> FastAPI:
    application = FastAPI(lifespan=lifespan)

    @application.get("/health")
    async def health():
        return {"status": "ok"}

    return application


app = create_app()
'''

Arc001FactoryAndLifespan.VALID = [
    Example(_LIFESPAN_FACTORY, name="factory-with-lifespan"),
    Example({"app/factory.py": '''import fastapi

from app.routes import router


def build() -> fastapi.FastAPI:
    api = fastapi.FastAPI()
    api.include_router(router)
    return api
''', "app/routes.py": '''from fastapi import APIRouter

router = APIRouter()


@router.get("/items")
async def items():
    return []
''', "app/main.py": "from app.factory import build\n\napp = build()\n"},
        name="factory-in-another-module"),
]
Arc001FactoryAndLifespan.INVALID = [
    Example(_APP + '''

@app.on_event("startup")
async def startup():
    pass
''', expect=FAIL, name="on-event"),
    Example(_LIFESPAN_FACTORY.replace(
        "    return application", "    application.add_event_handler(\"shutdown\", lambda: None)\n"
        "    return application"), expect=FAIL, name="add-event-handler-in-factory"),
    Example(_APP + '''

@app.get("/items")
async def items():
    return []
''', expect=WARN, name="module-level-app"),
]


def _many_routes(count: int) -> str:
    return _APP + "".join(
        f'\n\n@app.get("/r{i}")\nasync def r{i}():\n    return {i}\n' for i in range(count))


Arc002FeatureModules.VALID = [
    Example(_many_routes(20), name="twenty-routes"),
    Example({"app/main.py": _APP + "from app.users import router\n\napp.include_router(router)\n",
             "app/users.py": "from fastapi import APIRouter\n\nrouter = APIRouter()\n" + "".join(
                 f'\n\n@router.get("/u{i}")\nasync def u{i}():\n    return {i}\n'
                 for i in range(8))}, name="split-by-feature"),
]
Arc002FeatureModules.INVALID = [
    Example(_many_routes(21), expect=WARN, name="twenty-one-routes"),
    Example({"app/main.py": _APP, "app/legacy.py": "\n".join(
        f"VALUE_{i} = {i}" for i in range(801)) + "\n"}, expect=WARN, name="801-lines"),
]

_THIN = '''

@app.post("/orders")
async def create_order(order: dict):
    total = sum(order.values())
    return {"total": total}
'''


def _fat_endpoint(statements: int) -> str:
    body = "".join(f"    step_{i} = {i}\n" for i in range(statements - 1))
    return _APP + f'\n\n@app.post("/orders")\nasync def create_order():\n{body}    return 1\n'


Arc003ThinRouters.VALID = [
    Example(_APP + _THIN, name="thin"),
    Example(_fat_endpoint(30), name="exactly-thirty"),
]
Arc003ThinRouters.INVALID = [
    Example(_fat_endpoint(31), expect=WARN, name="thirty-one"),
    Example(_APP + '''

@app.post("/import")
def import_rows(rows: list[dict]):
    created = 0
    for row in rows:
        if not row:
            continue
        name = row.get("name")
        if name is None:
            continue
        name = name.strip()
        price = row.get("price", 0)
        if price < 0:
            price = 0
        stock = row.get("stock", 0)
        if stock < 0:
            stock = 0
        sku = row.get("sku") or name.lower()
        sku = sku.replace(" ", "-")
        tags = row.get("tags", [])
        tags = [t.strip() for t in tags]
        if "sale" in tags:
            price = price * 0.9
        if "clearance" in tags:
            price = price * 0.5
        record = {"name": name, "price": price, "stock": stock, "sku": sku}
        record["tags"] = tags
        record["active"] = stock > 0
        record["featured"] = "featured" in tags
        record["low_stock"] = stock < 5
        if record["low_stock"]:
            record["reorder"] = True
        created += 1
    return {"created": created}
''', expect=WARN, name="nested-blocks-count"),
]

_SYNC_DB = '''from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql://app@db/app")
SessionLocal = sessionmaker(bind=engine)


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()
'''
_SERVICE = '''class OrderService:
    def list(self, db):
        return []
'''
Arc004DependencyInjection.VALID = [
    Example({"app/db.py": _SYNC_DB, "app/main.py": _APP + '''from typing import Annotated

from fastapi import Depends
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.db import get_db

SessionDep = Annotated[Session, Depends(get_db)]


@app.get("/items")
def items(db: SessionDep):
    return db.execute(text("SELECT 1")).all()
'''}, name="session-dependency"),
    Example({"app/db.py": _SYNC_DB, "app/services.py": _SERVICE, "app/main.py": _APP + '''
from fastapi import Depends

from app.db import get_db
from app.services import OrderService


def get_order_service() -> OrderService:
    return OrderService()


@app.get("/orders")
def orders(service: OrderService = Depends(get_order_service), db=Depends(get_db)):
    return service.list(db)
'''}, name="service-dependency"),
]
Arc004DependencyInjection.INVALID = [
    Example({"app/db.py": _SYNC_DB, "app/main.py": _APP + '''from sqlalchemy import text

from app.db import SessionLocal

db = SessionLocal()


@app.get("/items")
def items():
    return db.execute(text("SELECT 1")).all()
'''}, expect=FAIL, name="module-level-session"),
    Example({"app/db.py": _SYNC_DB, "app/services.py": _SERVICE + "\n\norder_service = "
             "OrderService()\n", "app/main.py": _APP + '''from fastapi import Depends

from app import services
from app.db import get_db


@app.get("/orders")
def orders(db=Depends(get_db)):
    return services.order_service.list(db)
'''}, expect=FAIL, name="service-singleton-in-other-module"),
]

Arc005ConsistentAsync.VALID = [
    Example(_APP + '''import httpx


@app.get("/rate")
async def rate():
    async with httpx.AsyncClient() as client:
        return (await client.get("https://rates.example.com")).json()


@app.get("/version")
def version():
    return {"version": "1.0"}
''', name="def-without-io"),
    Example(_APP + '''import requests


@app.get("/rate")
def rate():
    return requests.get("https://rates.example.com", timeout=5).json()


@app.get("/other")
def other():
    return requests.get("https://other.example.com", timeout=5).json()


@app.get("/version")
async def version():
    return {"version": "1.0"}
''', name="sync-app"),
]
Arc005ConsistentAsync.INVALID = [
    Example(_APP + '''import httpx


@app.get("/items")
async def items():
    return []


@app.get("/users")
async def users():
    return []


@app.get("/avatar")
def avatar(url: str):
    return httpx.get(url).content
''', expect=WARN, name="httpx-get-in-def"),
    Example({"app/db.py": _SYNC_DB, "app/main.py": _APP + '''from fastapi import Depends
from sqlalchemy import text

from app.db import get_db


@app.get("/a")
async def a():
    return 1


@app.get("/b")
async def b():
    return 2


@app.get("/report")
def report(db=Depends(get_db)):
    return db.execute(text("SELECT count(*) FROM items")).scalar()
'''}, expect=WARN, name="sync-session-in-def"),
]


RULES = (
    Arc001FactoryAndLifespan, Arc002FeatureModules, Arc003ThinRouters, Arc004DependencyInjection,
    Arc005ConsistentAsync,
)
