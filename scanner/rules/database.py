"""Database checks (DB-001 .. DB-006): async access, migrations, pool tuning, ORM use.

Shared helpers used by other dimensions live here too: `uses_database` (all DB checks are
`na` without a database) and `db_handle_of` / `is_sync_session_expr`, which tell whether a
name in a function is a sync or async SQLAlchemy session, engine or connection (DB-001,
DB-004 and PERF-001 all need that).
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass

from ..fastapi_model import Endpoint, merged_kwargs
from ..project import Project
from ..python.facts import (
    Attr,
    Await,
    BinOp,
    Call,
    CallSite,
    Const,
    Expr,
    FStr,
    FunctionFact,
    ModuleFacts,
    Name,
    Param,
)
from .base import FAIL, NA, PASS, UNKNOWN, WARN, CheckResult, Evidence, Example, Rule
from .matchers import (
    calls_in,
    dependency_target,
    expand_annotation_alias,
    first_use,
    function_by_qualname,
    last_part,
    resolved_dependency_functions,
    resolved_param_dependency,
    unwrap_annotation,
    walk_expr,
)

# ---- what counts as a database -----------------------------------------------------------
SQL_LIBRARIES = (
    "sqlalchemy", "sqlmodel", "asyncpg", "databases", "tortoise", "psycopg", "psycopg2",
    "psycopg_pool", "peewee", "piccolo", "aiosqlite", "sqlite3", "pymysql", "MySQLdb",
    "mysql.connector", "aiomysql", "asyncmy", "aiopg", "ormar", "gino", "pony", "edgedb",
    "prisma", "oracledb", "cx_Oracle", "pyodbc",
)
DOCUMENT_LIBRARIES = ("motor", "pymongo", "beanie", "odmantic", "mongoengine")
ASYNC_LIBRARIES = (
    "sqlalchemy.ext.asyncio", "sqlmodel.ext.asyncio", "asyncpg", "databases", "motor",
    "tortoise", "beanie", "odmantic", "piccolo", "aiosqlite", "aiomysql", "asyncmy", "aiopg",
    "ormar", "gino", "prisma",
)
SYNC_LIBRARIES = ("psycopg2", "pymysql", "MySQLdb", "sqlite3", "pymongo", "peewee",
                  "mongoengine", "pyodbc", "mysql.connector")

# ---- SQLAlchemy / SQLModel sessions, engines and connections -----------------------------
SYNC, ASYNC = "sync", "async"
SESSION, ENGINE, CONNECTION, FACTORY = "session", "engine", "connection", "factory"

_TYPES = {
    **dict.fromkeys((
        "sqlalchemy.orm.Session", "sqlalchemy.orm.session.Session", "sqlmodel.Session",
        "sqlmodel.orm.session.Session", "sqlalchemy.orm.scoped_session",
        "sqlalchemy.orm.scoping.scoped_session",
    ), (SYNC, SESSION)),
    **dict.fromkeys((
        "sqlalchemy.Engine", "sqlalchemy.engine.Engine", "sqlalchemy.engine.base.Engine",
    ), (SYNC, ENGINE)),
    **dict.fromkeys((
        "sqlalchemy.Connection", "sqlalchemy.engine.Connection",
        "sqlalchemy.engine.base.Connection",
    ), (SYNC, CONNECTION)),
    **dict.fromkeys((
        "sqlalchemy.ext.asyncio.AsyncSession", "sqlalchemy.ext.asyncio.session.AsyncSession",
        "sqlmodel.ext.asyncio.session.AsyncSession", "sqlmodel.ext.asyncio.AsyncSession",
        "sqlalchemy.ext.asyncio.async_scoped_session",
        "sqlalchemy.ext.asyncio.scoping.async_scoped_session",
    ), (ASYNC, SESSION)),
    **dict.fromkeys((
        "sqlalchemy.ext.asyncio.AsyncEngine", "sqlalchemy.ext.asyncio.engine.AsyncEngine",
    ), (ASYNC, ENGINE)),
    **dict.fromkeys((
        "sqlalchemy.ext.asyncio.AsyncConnection",
        "sqlalchemy.ext.asyncio.engine.AsyncConnection",
    ), (ASYNC, CONNECTION)),
}
SYNC_ENGINE_FACTORIES = {"sqlalchemy.create_engine", "sqlalchemy.engine.create_engine",
                         "sqlmodel.create_engine", "sqlalchemy.engine.create.create_engine"}
ASYNC_ENGINE_FACTORIES = {"sqlalchemy.ext.asyncio.create_async_engine",
                          "sqlalchemy.ext.asyncio.engine.create_async_engine",
                          "sqlmodel.ext.asyncio.create_async_engine"}
SESSION_MAKERS = {"sqlalchemy.orm.sessionmaker", "sqlalchemy.orm.session.sessionmaker"}
ASYNC_SESSION_MAKERS = {"sqlalchemy.ext.asyncio.async_sessionmaker",
                        "sqlalchemy.ext.asyncio.session.async_sessionmaker"}
ASYNCPG_POOLS = {"asyncpg.create_pool", "asyncpg.pool.create_pool"}
# Session/connection methods that talk to the database (DB-004 lists the common ones; the
# fixtures' labels count `scalar`, `refresh`... too, so the whole data-access family is here).
DATA_METHODS = {
    "execute", "exec", "query", "add", "add_all", "delete", "commit", "scalars", "scalar",
    "get", "get_one", "refresh", "flush", "merge", "rollback", "stream", "stream_scalars",
    "exec_driver_sql", "bulk_save_objects", "bulk_insert_mappings", "bulk_update_mappings",
    "connection",
}
# Methods that block on I/O when the session/engine is sync (PERF-001, DB-001 "uses").
BLOCKING_METHODS = (DATA_METHODS - {"add", "add_all"}) | {"connect", "begin", "run_sync"}


@dataclass(frozen=True, slots=True)
class DbHandle:
    """What a name holds: a sync/async session, engine, connection or session factory."""

    mode: str  # SYNC or ASYNC
    kind: str  # SESSION, ENGINE, CONNECTION or FACTORY
    line: int = 0
    path: str = ""

    @property
    def is_sync_data(self) -> bool:
        return self.mode == SYNC and self.kind != FACTORY


_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _cache(project: Project) -> dict:
    found = _CACHE.get(project)
    if found is None:
        found = {}
        _CACHE[project] = found
    return found


# ---- public helpers shared with other dimensions -----------------------------------------
@dataclass(slots=True)
class DatabaseUse:
    sql: list[str]  # libraries seen, e.g. "sqlalchemy"
    document: list[str]

    @property
    def used(self) -> bool:
        return bool(self.sql or self.document)

    @property
    def document_only(self) -> bool:
        return bool(self.document) and not self.sql


def _library_of(project: Project, imported: str, libraries: tuple[str, ...]) -> str | None:
    top = imported.split(".")[0]
    if project.module_named(top) is not None and project.module_named(top).module == top:
        return None  # a package of the tree that happens to share the name
    for library in libraries:
        if imported == library or imported.startswith(library + "."):
            return library
    return None


def imported_libraries(project: Project, libraries: tuple[str, ...],
                       modules: list[ModuleFacts] | None = None) -> dict[str, ModuleFacts]:
    """Libraries of `libraries` imported by app code, with the first module importing each."""
    found: dict[str, ModuleFacts] = {}
    library_of: dict[str, str | None] = {}  # modules import the same names over and over
    for module in project.app_modules if modules is None else modules:
        for imported in sorted(module.imported_modules):
            if imported not in library_of:
                library_of[imported] = _library_of(project, imported, libraries)
            library = library_of[imported]
            if library is not None:
                found.setdefault(library, module)
    return found


def library_evidence(project: Project, library: str, module: ModuleFacts,
                     message: str) -> Evidence:
    """Evidence that app code uses `library`, at its first use in `module` (the first module
    importing it) or, when that module only imports it, in the next module that uses it."""
    importers = [other for other in project.app_modules if other is not module
                 and any(_library_of(project, name, (library,)) for name in other.imported_modules)]
    for candidate in (module, *importers):
        use = first_use(candidate, library)
        if use is not None:
            return project.evidence(candidate.path, use.line, message, end_line=use.end_line,
                                    scope=use.scope, snippet_lines=2)
    return project.evidence(module.path, None, message)


def database_use(project: Project) -> DatabaseUse:
    """Which database libraries app code imports (Redis is a cache, not a database here)."""
    cache = _cache(project)
    if "use" not in cache:
        cache["use"] = DatabaseUse(sorted(imported_libraries(project, SQL_LIBRARIES)),
                                   sorted(imported_libraries(project, DOCUMENT_LIBRARIES)))
    return cache["use"]


def uses_database(project: Project) -> bool:
    return database_use(project).used


def _type_handle(qualified: str) -> DbHandle | None:
    found = _TYPES.get(qualified)
    return DbHandle(*found) if found else None


def _annotation_handle(project: Project, annotation: Expr | None) -> DbHandle | None:
    """`Session`, `Annotated[Session, ...]`, `SessionDep`, `Generator[AsyncSession, None]`."""
    expanded = expand_annotation_alias(project, annotation)
    for part in unwrap_annotation(expanded):
        for node in walk_expr(part):
            if isinstance(node, Name):
                found = _type_handle(node.qname)
                if found is not None:
                    return found
    return None


def _call_qname(call: Call) -> str:
    return call.func.qname if isinstance(call.func, Name) else ""


def _sessionmaker_mode(project: Project, call: Call) -> str:
    """`sessionmaker(class_=AsyncSession)` makes async sessions; plain `sessionmaker` sync."""
    cls = call.kwargs.get("class_")
    if isinstance(cls, Name):
        found = _type_handle(cls.qname)
        if found is not None:
            return found.mode
    return SYNC


def db_handle_of(project: Project, module: ModuleFacts, scope: str, expr: Expr | None,
                 _depth: int = 0) -> DbHandle | None:
    """The session/engine/connection an expression evaluates to, when code alone tells."""
    if expr is None or _depth > 8:
        return None
    if isinstance(expr, Await):
        expr = expr.value
    if isinstance(expr, Name):
        return handle_of_name(project, module, scope, expr, _depth + 1)
    if isinstance(expr, Call):
        return _handle_of_call(project, module, scope, expr, _depth + 1)
    return None


def _handle_of_call(project, module, scope, call: Call, depth: int) -> DbHandle | None:
    name = _call_qname(call)
    place = {"line": call.line, "path": module.path}
    if name in SYNC_ENGINE_FACTORIES:
        return DbHandle(SYNC, ENGINE, **place)
    if name in ASYNC_ENGINE_FACTORIES:
        return DbHandle(ASYNC, ENGINE, **place)
    if name in SESSION_MAKERS:
        return DbHandle(_sessionmaker_mode(project, call), FACTORY, **place)
    if name in ASYNC_SESSION_MAKERS:
        return DbHandle(ASYNC, FACTORY, **place)
    typed = _type_handle(name)
    if typed is not None:  # Session(engine), AsyncSession(engine), scoped_session(...)
        return DbHandle(typed.mode, typed.kind, **place)
    func = call.func
    if isinstance(func, Name) and func.dotted == "next" and call.args:
        inner = call.args[0]  # next(get_db())
        if isinstance(inner, Call) and isinstance(inner.func, Name):
            return _function_result_handle(project, module, inner.func, depth)
        return None
    if isinstance(func, Name) and "." in func.dotted:
        receiver, _, method = func.dotted.rpartition(".")
        if method in ("connect", "begin"):
            owner = handle_of_name(project, module, scope, Name(receiver, _qualify(func, receiver)),
                                   depth)
            if owner is not None and owner.kind == ENGINE:
                return DbHandle(owner.mode, CONNECTION, **place)
            if owner is not None and owner.kind == SESSION and method == "begin":
                return owner
            return None
    if isinstance(func, Name):
        callee = handle_of_name(project, module, scope, func, depth)
        if callee is not None and callee.kind == FACTORY:  # SessionLocal()
            return DbHandle(callee.mode, SESSION, **place)
        if callee is not None and callee.kind == SESSION:  # scoped_session registry()
            return callee
        return _function_result_handle(project, module, func, depth)
    return None


def _qualify(func: Name, receiver: str) -> str:
    """The qualified name of the receiver part of `func` (`db.engine` of `db.engine.connect`)."""
    suffix = func.dotted[len(receiver):]
    return func.qname[: len(func.qname) - len(suffix)] if func.qname.endswith(suffix) else receiver


def _function_result_handle(project, module, func: Name, depth: int) -> DbHandle | None:
    """A function of the tree that returns/yields a session (e.g. `get_db`, `get_engine()`)."""
    found = _function_named(project, module, func)
    return dependency_handle(project, *found, _depth=depth) if found else None


def _function_named(project: Project, module: ModuleFacts, func: Expr | None):
    if not isinstance(func, Name):
        return None
    for function in module.functions:
        if function.qualname == func.dotted and function.parent == "":
            return module, function
    definition = project.definition_of(func)
    if definition is not None and definition.kind == "function":
        return definition.module, definition.node
    if definition is not None and definition.kind == "class":
        call = function_by_qualname(definition.module, f"{definition.node.qualname}.__call__")
        if call is not None:
            return definition.module, call
    return None


def dependency_handle(project: Project, module: ModuleFacts, function: FunctionFact,
                      _depth: int = 0) -> DbHandle | None:
    """What a dependency function (`get_db`) hands out: from its return annotation, or the
    session it creates (`db = SessionLocal()`, `with Session(engine) as s`) and returns/yields."""
    key = ("dep", id(function))
    cache = _cache(project)
    if key in cache:
        return cache[key]
    cache[key] = None  # recursion guard
    found = _annotation_handle(project, function.returns)
    if found is None and _depth <= 8:
        scope = function.qualname
        # A function that returns a value hands out that value; one that only yields
        # (`db = SessionLocal(); yield db`) hands out the session it binds.
        values = [s.value for s in module.returns if s.scope == scope and s.value is not None]
        if not values:
            values = [a.value for a in module.assignments if a.scope == scope]
        for value in values:
            handle = db_handle_of(project, module, scope, value, _depth + 1)
            if handle is not None and handle.kind != FACTORY:
                found = handle
                break
    cache[key] = found
    return found


def _scope_functions(module: ModuleFacts, scope: str) -> list[FunctionFact]:
    """The function `scope` names and the functions enclosing it, innermost first."""
    functions = []
    while scope:
        function = function_by_qualname(module, scope)
        if function is not None:
            functions.append(function)
        scope = scope.rpartition(".")[0]
    return functions


def param_handle(project: Project, module: ModuleFacts, param: Param) -> DbHandle | None:
    """A parameter that receives a session: by its annotation or through `Depends(get_db)`."""
    dependency = resolved_param_dependency(project, param)
    if dependency is not None:
        target = _function_named(project, module, dependency_target(dependency))
        if target is not None:
            handle = dependency_handle(project, *target)
            if handle is not None:
                return handle
    return _annotation_handle(project, param.annotation)


def handle_of_name(project: Project, module: ModuleFacts, scope: str, name: Name,
                   _depth: int = 0) -> DbHandle | None:
    """Resolve a plain or module-qualified name: parameter, local binding, module global."""
    if _depth > 8:
        return None
    key = ("name", module.path, scope, name.dotted)
    cache = _cache(project)
    if key in cache:
        return cache[key]
    cache[key] = None
    found = _resolve_name(project, module, scope, name, _depth)
    cache[key] = found
    return found


def _resolve_name(project, module, scope, name: Name, depth: int) -> DbHandle | None:
    if "." not in name.dotted:
        for function in _scope_functions(module, scope):
            param = function.param(name.dotted)
            if param is not None:
                return param_handle(project, module, param)
            local = _local_binding(module, function.qualname, name.dotted)
            if local is not None:
                handle = _annotation_handle(project, local.annotation)
                return handle or db_handle_of(project, module, function.qualname, local.value,
                                              depth + 1)
    definition = project.lookup(name.qname)
    if definition is None or definition.kind != "assignment":
        return None
    node = definition.node
    return (_annotation_handle(project, node.annotation)
            or db_handle_of(project, definition.module, "", node.value, depth + 1))


def _local_binding(module: ModuleFacts, scope: str, name: str):
    found = None
    for assignment in module.assignments:
        if assignment.scope == scope and any(
            isinstance(t, Name) and t.dotted == name for t in assignment.targets
        ):
            found = assignment
    return found


def receiver_handle(project: Project, module: ModuleFacts, site: CallSite
                    ) -> tuple[DbHandle, str] | None:
    """For `x.method(...)`, the handle `x` holds and the method name."""
    func = site.call.func
    if isinstance(func, Name) and "." in func.dotted:
        receiver, _, method = func.dotted.rpartition(".")
        if receiver.startswith("self.") or receiver == "self":
            return None
        handle = handle_of_name(project, module, site.scope,
                                Name(receiver, _qualify(func, receiver)))
        return (handle, method) if handle is not None else None
    return None


def is_sync_session_expr(project: Project, module: ModuleFacts, scope: str,
                         expr: Expr | None) -> bool:
    """True when `expr` (in `scope` of `module`) is a sync session, engine or connection."""
    handle = db_handle_of(project, module, scope, expr)
    return handle is not None and handle.is_sync_data


def sync_data_calls(project: Project, module: ModuleFacts, function: FunctionFact,
                    methods: set[str] = BLOCKING_METHODS) -> list[CallSite]:
    """Calls in `function` of a sync session/engine/connection method (blocking I/O)."""
    found = []
    for site in calls_in(module, function, nested=False):
        resolved = receiver_handle(project, module, site)
        if resolved is not None and resolved[0].is_sync_data and resolved[1] in methods:
            found.append(site)
    return found


def session_calls(project: Project, module: ModuleFacts, function: FunctionFact
                  ) -> list[CallSite]:
    """Calls in `function` of a session/connection data method, sync or async (DB-004)."""
    found = []
    for site in calls_in(module, function):
        resolved = receiver_handle(project, module, site)
        if (resolved is not None and resolved[0].kind in (SESSION, CONNECTION)
                and resolved[1] in DATA_METHODS):
            found.append(site)
    return found


def unique_endpoints(project: Project) -> list[Endpoint]:
    """Endpoints with a handler in the tree, once per handler (a router included twice)."""
    seen: set[int] = set()
    endpoints = []
    for endpoint in project.service.endpoints:
        if endpoint.function is None or id(endpoint.function) in seen:
            continue
        seen.add(id(endpoint.function))
        endpoints.append(endpoint)
    return endpoints


def received_handles(project: Project, module: ModuleFacts, function: FunctionFact
                     ) -> list[tuple[Param, DbHandle]]:
    found = []
    for param in function.params:
        handle = param_handle(project, module, param)
        if handle is not None and handle.kind != FACTORY:
            found.append((param, handle))
    return found


def _no_database(rule: Rule, project: Project) -> CheckResult | None:
    if uses_database(project):
        return None
    return rule.not_applicable(
        "no database use found in app code (no SQLAlchemy/SQLModel, asyncpg, databases, "
        "Tortoise, Piccolo, peewee, psycopg, MongoDB driver or ODM imported)")


def _dependency_functions_of(project: Project, endpoints: list[Endpoint]
                             ) -> list[tuple[ModuleFacts, FunctionFact]]:
    seen: set[int] = set()
    found = []
    for endpoint in endpoints:
        for module, function in resolved_dependency_functions(project, endpoint):
            if id(function) not in seen:
                seen.add(id(function))
                found.append((module, function))
    return found


def _call_sites_named(project: Project, names: set[str]) -> list[tuple[ModuleFacts, CallSite]]:
    return project.call_index.named(names)


def _site_evidence(project: Project, module: ModuleFacts, site: CallSite, message: str):
    return project.evidence(module.path, site.call.line, message, end_line=site.call.end_line,
                            scope=site.scope)


# ---- DB-001 ------------------------------------------------------------------------------
class Db001AsyncAccess(Rule):
    """Detects async endpoints and dependencies that receive or use a sync session/engine."""

    id = "DB-001"
    title = "Async database access"
    dimension = "database"
    priority = "P0"
    tags = ("health", "mistake#1")
    rationale = (
        "A sync SQLAlchemy session called from an `async def` handler blocks the event loop "
        "for the whole round trip to the database, so one slow query stalls every other "
        "request on that worker. An async engine lets the loop serve others while waiting.")
    remediation = (
        "Create the engine with `create_async_engine` (asyncpg/aiosqlite driver), hand out "
        "`AsyncSession`s from an `async_sessionmaker` dependency and `await` every query. "
        "If you must stay sync, keep the handlers that touch the session plain `def`.")
    example_before = (
        "engine = create_engine(URL)\nSessionLocal = sessionmaker(bind=engine)\n\n"
        "@app.get('/items')\nasync def items(db: Session = Depends(get_db)):\n"
        "    return db.query(Item).all()")
    example_after = (
        "engine = create_async_engine(URL)\nSessionLocal = async_sessionmaker(engine)\n\n"
        "@app.get('/items')\nasync def items(db: AsyncSession = Depends(get_db)):\n"
        "    return (await db.scalars(select(Item))).all()")

    def check(self, project: Project) -> CheckResult:
        if (na := _no_database(self, project)) is not None:
            return na
        endpoints = unique_endpoints(project)
        roles = [(e.module, e.function, "endpoint") for e in endpoints]
        roles += [(m, f, "dependency") for m, f in _dependency_functions_of(project, endpoints)]
        offending: list[Evidence] = []
        async_receivers = sync_receivers = 0
        for module, function, role in roles:
            received = received_handles(project, module, function)
            if function.is_async and role == "endpoint" and received:
                async_receivers += 1
            if not function.is_async:
                sync_receivers += any(h.is_sync_data for _, h in received)
                continue
            finding = self._async_finding(project, module, function, role, received)
            if finding is not None:
                offending.append(finding)
        if offending:
            return self.failed(offending)
        return self._overall(project, async_receivers, sync_receivers)

    def _async_finding(self, project, module, function, role, received) -> Evidence | None:
        sync_params = [p.name for p, h in received if h.is_sync_data]
        if sync_params:
            return project.evidence(
                module.path, function.line,
                f"async {role} `{function.name}` receives a sync session/engine "
                f"(`{sync_params[0]}`): its queries block the event loop",
                scope=function.qualname, snippet_lines=2)
        uses = sync_data_calls(project, module, function)
        if uses:
            site = uses[0]
            return _site_evidence(project, module, site,
                                  f"async {role} `{function.name}` calls a sync session/engine "
                                  "method, which blocks the event loop")
        return None

    def _overall(self, project: Project, async_receivers: int, sync_receivers: int):
        async_sites = _call_sites_named(
            project, ASYNC_ENGINE_FACTORIES | ASYNC_SESSION_MAKERS | ASYNCPG_POOLS)
        async_libraries = imported_libraries(project, ASYNC_LIBRARIES)
        if (async_sites or async_libraries) and (async_receivers or not sync_receivers):
            if async_sites:
                module, site = async_sites[0]
                evidence = _site_evidence(project, module, site,
                                          "async engine/session factory serves the endpoints")
            else:
                library, module = next(iter(async_libraries.items()))
                evidence = library_evidence(project, library, module,
                                            f"async driver `{library}` used")
            return self.passed([evidence])
        sync_sites = _call_sites_named(project, SYNC_ENGINE_FACTORIES | SESSION_MAKERS)
        sync_libraries = imported_libraries(project, SYNC_LIBRARIES)
        if sync_sites or sync_libraries or sync_receivers:
            if sync_sites:
                module, site = sync_sites[0]
                evidence = _site_evidence(
                    project, module, site,
                    "sync engine; no async endpoint receives a session (a sync app)")
            elif sync_libraries:
                library, module = next(iter(sync_libraries.items()))
                evidence = library_evidence(project, library, module,
                                            f"sync driver `{library}` used (a sync app)")
            else:
                evidence = project.absence("def endpoints receive a sync session (a sync app)")
            return self.warned([evidence])
        return self.unknown([project.absence(
            "a database library is used but no engine, session or async driver could be "
            "identified in app code")])


# ---- migrations (DB-002, DB-003) ----------------------------------------------------------
SCHEMA_AT_STARTUP = ("create_all", "generate_schemas")


@dataclass(slots=True)
class Revision:
    path: str
    module: ModuleFacts | None  # None when the file could not be parsed
    downgrade: FunctionFact | None


def _top_function(module: ModuleFacts, name: str) -> FunctionFact | None:
    return next((f for f in module.functions if f.parent == "" and f.name == name), None)


def migration_revisions(project: Project) -> list[Revision]:
    """Python revision files: Alembic/aerich modules with `upgrade()`, Piccolo `forwards()`,
    plus the revision files the artefact scan listed (also those that did not parse)."""
    cache = _cache(project)
    if "revisions" in cache:
        return cache["revisions"]
    found: dict[str, Revision] = {}
    for module in project.migration_modules:
        if _top_function(module, "upgrade") is not None:
            found[module.path] = Revision(module.path, module, _top_function(module, "downgrade"))
    for path, module in sorted(project.modules.items()):
        if "piccolo_migrations/" in path and _top_function(module, "forwards") is not None:
            found.setdefault(path, Revision(path, module, None))
    listed = project.artifacts.migrations.revision_files if project.artifacts else []
    for path in listed:
        module = project.modules.get(path)
        if path in found:
            continue
        if module is None:
            found[path] = Revision(path, None, None)
        elif _top_function(module, "upgrade") is not None:
            found[path] = Revision(path, module, _top_function(module, "downgrade"))
    cache["revisions"] = [found[p] for p in sorted(found)]
    return cache["revisions"]


def _schema_at_startup_sites(project: Project) -> list[tuple[ModuleFacts, CallSite]]:
    """`Base.metadata.create_all(...)`, `run_sync(SQLModel.metadata.create_all)`,
    Tortoise `generate_schemas`: tables made by the app instead of migrations."""
    found = []
    for module, site in project.iter_calls():
        names = [n for n in walk_expr(site.call) if isinstance(n, Name)]
        if any(last_part(n.dotted) in SCHEMA_AT_STARTUP for n in names[:1]) or any(
            last_part(n.dotted) == "create_all" and "metadata" in n.dotted for n in names
        ) or _kw_true(site.call, "generate_schemas"):
            found.append((module, site))
    return found


def _kw_true(call: Call, name: str) -> bool:
    value = call.kwargs.get(name)
    return isinstance(value, Const) and value.value is True


class Db002Migrations(Rule):
    """Detects a database without migration revisions (e.g. tables made by `create_all`)."""

    id = "DB-002"
    title = "Schema changes go through migrations"
    dimension = "database"
    priority = "P0"
    tags = ("p0",)
    rationale = (
        "Without versioned migrations the schema of each environment is whatever the last "
        "`create_all` happened to build: columns added later never reach existing databases, "
        "and nobody can say which schema production runs.")
    remediation = (
        "Set up Alembic (`alembic init`), point `env.py` at your metadata and settings, "
        "generate a first revision with `alembic revision --autogenerate`, and run "
        "`alembic upgrade head` on deploy instead of `create_all` at start-up.")
    example_before = (
        "@asynccontextmanager\nasync def lifespan(app):\n    async with engine.begin() as conn:\n"
        "        await conn.run_sync(Base.metadata.create_all)\n    yield")
    example_after = (
        "# alembic/versions/0001_create_users.py\ndef upgrade():\n"
        "    op.create_table('users', sa.Column('id', sa.Integer, primary_key=True))\n\n"
        "def downgrade():\n    op.drop_table('users')")

    def check(self, project: Project) -> CheckResult:
        if (na := _no_database(self, project)) is not None:
            return na
        revisions = migration_revisions(project)
        if revisions:
            evidence = [self._revision_evidence(project, r) for r in revisions[:5]]
            return self.passed(evidence, {"revisions": len(revisions)})
        evidence = [_site_evidence(project, m, s, "tables created by the app at start-up, "
                                   "not by migrations")
                    for m, s in _schema_at_startup_sites(project)]
        setups = project.artifacts.migrations.setups if project.artifacts else []
        for setup in setups:
            evidence.append(project.evidence(
                setup.config_path or setup.path, None,
                f"{setup.tool} is configured but has no revision (looked in {setup.path})"))
        if not setups and database_use(project).document_only and not evidence:
            return self.unknown([project.absence(
                "document database without a migration tool: whether its schema needs "
                "versioned migrations cannot be told from code")], {"revisions": 0})
        if not setups:
            where = (project.artifacts.looked_in("migrations") if project.artifacts
                     else "alembic/versions, migrations/versions")
            evidence.append(project.absence(f"no migration revisions found (looked for {where})"))
        return self.failed(evidence, {"revisions": 0})

    @staticmethod
    def _revision_evidence(project: Project, revision: Revision) -> Evidence:
        line = None
        if revision.module is not None:
            marker = project.module_assignment(revision.module, "revision")
            upgrade = (_top_function(revision.module, "upgrade")
                       or _top_function(revision.module, "forwards"))
            line = marker.line if marker else (upgrade.line if upgrade else None)
        return project.evidence(revision.path, line, "migration revision", snippet_lines=1)


_NOT_WORK_CALLS = {"print", "pass"}
_LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "getLogger"}
_LOG_HEADS = ("logger.", "logging.", "log.", "warnings.", "_logger.", "LOGGER.")


def downgrade_does_work(module: ModuleFacts, function: FunctionFact) -> bool:
    """A downgrade does work when it calls something (not just raising or logging) or returns
    non-empty SQL (aerich); `pass`, `...`, a docstring or `raise NotImplementedError` do not."""
    raised = {id(node) for statement in module.raises
              if statement.scope.startswith(function.qualname)
              for node in walk_expr(statement.value)}
    for site in calls_in(module, function):
        if id(site.call) in raised:
            continue
        func = site.call.func
        name = func.dotted if isinstance(func, Name) else ""
        method = last_part(name) if name else (func.attr if isinstance(func, Attr) else "")
        if name in _NOT_WORK_CALLS or name.startswith(_LOG_HEADS) or method in _LOG_METHODS:
            continue
        return True
    for statement in module.returns:
        if statement.scope == function.qualname and isinstance(statement.value, Const | FStr):
            text = statement.value.value if isinstance(statement.value, Const) else "x"
            if isinstance(text, str) and text.strip():
                return True
    return False


class Db003ReversibleMigrations(Rule):
    """Detects migration revisions whose `downgrade()` does nothing."""

    id = "DB-003"
    title = "Migrations can be rolled back"
    dimension = "database"
    priority = "P1"
    tags = ()
    rationale = (
        "When a deploy goes wrong the quickest way back is `alembic downgrade -1`. A revision "
        "whose downgrade only says `pass` turns that rollback into a manual repair of the "
        "production schema under pressure.")
    remediation = (
        "Give every revision a `downgrade()` that undoes its `upgrade()` (drop what was "
        "created, restore what was changed), and try `downgrade`/`upgrade` in CI or staging.")
    example_before = (
        "def upgrade():\n    op.add_column('users', sa.Column('tags', sa.String(500)))\n\n"
        "def downgrade():\n    pass")
    example_after = (
        "def upgrade():\n    op.add_column('users', sa.Column('tags', sa.String(500)))\n\n"
        "def downgrade():\n    op.drop_column('users', 'tags')")

    def check(self, project: Project) -> CheckResult:
        if (na := _no_database(self, project)) is not None:
            return na
        revisions = migration_revisions(project)
        if not revisions:
            return self.not_applicable("no migration revisions to examine")
        unparsed = [r for r in revisions if r.module is None]
        judged = [r for r in revisions if r.module is not None]
        reversible = [r for r in judged
                      if r.downgrade is not None and downgrade_does_work(r.module, r.downgrade)]
        metric = {"reversible": len(reversible), "revisions": len(judged)}
        bad = [self._evidence(project, r) for r in judged if r not in reversible]
        if unparsed and not bad:
            return self.unknown([project.evidence(r.path, None, "revision could not be parsed")
                                 for r in unparsed], metric)
        share = len(reversible) / len(judged) if judged else 0.0
        if share >= 1.0:
            return self.passed([project.evidence(r.path, r.downgrade.line,
                                                 "downgrade() undoes the revision",
                                                 snippet_lines=2) for r in reversible[:5]],
                               metric)
        return (self.warned if share >= 0.8 else self.failed)(bad, metric)

    @staticmethod
    def _evidence(project: Project, revision: Revision) -> Evidence:
        if revision.downgrade is None:
            return project.evidence(revision.path, None, "revision has no downgrade()")
        return project.evidence(revision.path, revision.downgrade.line,
                                "downgrade() does no work, so this revision cannot be rolled "
                                "back", end_line=revision.downgrade.end_line,
                                scope=revision.downgrade.qualname)


# ---- DB-004 ------------------------------------------------------------------------------
class Db004DataAccessOutsideRouters(Rule):
    """Detects endpoints that call session methods directly instead of a service/repository."""

    id = "DB-004"
    title = "Data access lives outside the routers"
    dimension = "database"
    priority = "P0"
    tags = ("arch#2", "mistake#2")
    rationale = (
        "Queries written inside route handlers mix HTTP concerns with persistence: the same "
        "query gets copied between endpoints, cannot be unit-tested without a client, and a "
        "schema change means hunting through every router.")
    remediation = (
        "Move queries into a repository or service module that takes the session as an "
        "argument; endpoints receive the session (or the service) through `Depends` and only "
        "call it.")
    example_before = (
        "@router.get('/users/{user_id}')\nasync def get_user(user_id: int, db: SessionDep):\n"
        "    return await db.get(User, user_id)")
    example_after = (
        "@router.get('/users/{user_id}')\nasync def get_user(user_id: int, db: SessionDep):\n"
        "    return await users_repo.get(db, user_id)")

    def check(self, project: Project) -> CheckResult:
        if (na := _no_database(self, project)) is not None:
            return na
        direct: list[Evidence] = []
        db_using = 0
        for endpoint in unique_endpoints(project):
            module, function = endpoint.module, endpoint.function
            calls = session_calls(project, module, function)
            if not calls and not received_handles(project, module, function):
                continue
            db_using += 1
            if calls:
                direct.append(project.evidence(
                    module.path, function.line,
                    f"endpoint `{function.name}` queries the session directly "
                    f"(line {calls[0].call.line})", scope=function.qualname, snippet_lines=2))
        metric = {"direct": len(direct), "db_endpoints": db_using}
        if not direct:
            return self.passed(metric=metric)
        if len(direct) / db_using <= 0.25:
            return self.warned(direct, metric)
        return self.failed(direct, metric)


# ---- DB-005 ------------------------------------------------------------------------------
POOL_SIZE_KNOBS = ("pool_size", "max_overflow", "pool_timeout", "pool_recycle")
ASYNCPG_SIZE_KNOBS = ("min_size", "max_size")
ASYNCPG_LIFETIME_KNOBS = ("max_inactive_connection_lifetime", "command_timeout", "timeout")
_STATUS_ORDER = {FAIL: 0, WARN: 1, UNKNOWN: 2, PASS: 3}


def _field_default(project: Project, expr: Expr) -> Expr | None:
    """`Settings().database_url` -> the field's default value expression."""
    if isinstance(expr, Attr) and isinstance(expr.value, Call):
        owner = project.instance_class(expr.value)
        if owner is not None:
            field = project.class_field(owner[0], owner[1], expr.attr)
            if field is not None:
                value = field.value
                if isinstance(value, Call) and last_part(_call_qname(value)) == "Field":
                    value = value.kwargs.get("default", value.args[0] if value.args else None)
                return value
    return None


def url_text(project: Project, expr: Expr | None, _depth: int = 0) -> str | None:
    """The database URL (or its literal start) an expression resolves to, when known."""
    if expr is None or _depth > 6:
        return None
    if isinstance(expr, Call) and isinstance(expr.func, Name):
        if expr.func.dotted.endswith((".get_secret_value", ".unicode_string")):
            owner = expr.func.dotted.rsplit(".", 1)[0]
            return url_text(project, Name(owner, expr.func.qname.rsplit(".", 1)[0]), _depth + 1)
        if expr.func.dotted == "str" and expr.args:
            return url_text(project, expr.args[0], _depth + 1)
    if isinstance(expr, Attr):
        return url_text(project, _field_default(project, expr), _depth + 1)
    value = project.constant(expr)
    if isinstance(value, str):
        return value
    resolved = project.resolve(expr)
    if isinstance(resolved, FStr):
        return resolved.text
    if isinstance(resolved, BinOp) and resolved.op == "+":
        return url_text(project, resolved.left, _depth + 1)
    if resolved is not expr and resolved is not None:
        return url_text(project, resolved, _depth + 1)
    return None


def _is_sqlite(project: Project, call: Call, kwargs: dict[str, Expr]) -> bool:
    url = url_text(project, call.arg(0, "url") or kwargs.get("dsn"))
    if url is not None and url.strip().lower().startswith("sqlite"):
        return True
    connect_args = project.resolve(kwargs.get("connect_args"))
    return any(isinstance(n, Const) and n.value == "check_same_thread"
               for n in walk_expr(connect_args))


def _knob_set(project: Project, kwargs: dict[str, Expr], name: str) -> bool:
    """A keyword given a value other than None/False (unresolvable values count as set)."""
    if name not in kwargs:
        return False
    resolved = project.resolve(kwargs[name])
    if isinstance(resolved, Const) and resolved.value in (None, False):
        return False
    return project.constant(kwargs[name]) is not False


class Db005ConnectionPool(Rule):
    """Detects engines and pools created with default pool settings and no pre-ping."""

    id = "DB-005"
    title = "Connection pool is tuned"
    dimension = "database"
    priority = "P0"
    tags = ("p0",)
    rationale = (
        "Default pools are sized for a laptop: five connections, no health check. Under load "
        "requests queue for a connection, and after a database restart or failover the pool "
        "hands out dead connections until each one has failed a request.")
    remediation = (
        "Pass `pool_pre_ping=True` and size the pool from settings (`pool_size`, "
        "`max_overflow`, `pool_timeout`, `pool_recycle`); for asyncpg pools set "
        "`min_size`/`max_size` and `max_inactive_connection_lifetime` or `command_timeout`.")
    example_before = "engine = create_async_engine(settings.database_url)"
    example_after = (
        "engine = create_async_engine(\n    settings.database_url,\n    pool_pre_ping=True,\n"
        "    pool_size=settings.db_pool_size,\n    max_overflow=settings.db_max_overflow,\n"
        "    pool_recycle=1800,\n)")

    def check(self, project: Project) -> CheckResult:
        if (na := _no_database(self, project)) is not None:
            return na
        sites = _call_sites_named(project, SYNC_ENGINE_FACTORIES | ASYNC_ENGINE_FACTORIES
                                  | ASYNCPG_POOLS)
        judged: list[tuple[str, Evidence]] = []
        sqlite: list[Evidence] = []
        for module, site in sites:
            kwargs = merged_kwargs(project, site.call)
            if _is_sqlite(project, site.call, kwargs):
                sqlite.append(_site_evidence(project, module, site, "SQLite database"))
                continue
            status, message = self._judge(project, site.call, kwargs)
            judged.append((status, _site_evidence(project, module, site, message)))
        if not judged:
            if sqlite:  # SQLite-only: no server connections to pool
                return self.result(NA, sqlite)
            return self.unknown([project.absence(
                "no create_engine/create_async_engine/asyncpg.create_pool call found in app "
                "code; the pool settings cannot be read")])
        worst = min((status for status, _ in judged), key=_STATUS_ORDER.__getitem__)
        evidence = [e for s, e in judged if s == worst]
        return self.result(worst, evidence)

    def _judge(self, project: Project, call: Call, kwargs: dict[str, Expr]) -> tuple[str, str]:
        if _call_qname(call) in ASYNCPG_POOLS:
            sizes = [k for k in ASYNCPG_SIZE_KNOBS if _knob_set(project, kwargs, k)]
            lifetime = [k for k in ASYNCPG_LIFETIME_KNOBS if _knob_set(project, kwargs, k)]
            if sizes and lifetime:
                return PASS, f"asyncpg pool sized ({', '.join(sizes + lifetime)})"
            if sizes or lifetime:
                return WARN, ("asyncpg pool sets " + ", ".join(sizes + lifetime)
                              + " but not both a size and a lifetime/timeout")
            return FAIL, "asyncpg pool with default size and no connection lifetime/timeout"
        if "poolclass" in kwargs:
            return UNKNOWN, "the pool is replaced by `poolclass=`; whether it is tuned depends " \
                            "on that class"
        pre_ping = _knob_set(project, kwargs, "pool_pre_ping")
        knobs = [k for k in POOL_SIZE_KNOBS if _knob_set(project, kwargs, k)]
        if pre_ping and knobs:
            return PASS, f"pool_pre_ping with {', '.join(knobs)}"
        if knobs:
            return WARN, f"pool sized ({', '.join(knobs)}) but no pool_pre_ping"
        if pre_ping:
            return WARN, "pool_pre_ping but pool size/overflow/timeout/recycle left at defaults"
        return FAIL, "engine created with the default pool and no pool_pre_ping"


# ---- DB-006 ------------------------------------------------------------------------------
RAW_SQL_FUNCTIONS = {"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text",
                     "sqlmodel.text", "aiosql.from_path", "aiosql.from_str"}
RAW_SQL_METHODS = {"execute", "executemany", "fetch", "fetchrow", "fetchval", "fetch_all",
                   "fetch_one", "fetch_val", "iterate", "executescript"}
ORM_CONSTRUCTS = {
    f"{package}.{name}"
    for package in ("sqlalchemy", "sqlalchemy.sql", "sqlalchemy.future", "sqlmodel",
                    "sqlalchemy.sql.expression", "sqlalchemy.dialects.postgresql",
                    "sqlalchemy.dialects.mysql", "sqlalchemy.dialects.sqlite")
    for name in ("select", "insert", "update", "delete")
}
ORM_SESSION_METHODS = {"query", "get", "get_one"}
ORM_MODEL_BASES = {"tortoise.models.Model", "tortoise.Model", "beanie.Document",
                   "odmantic.Model", "ormar.Model", "piccolo.table.Table", "peewee.Model",
                   "mongoengine.Document"}
ORM_MODEL_METHODS = {"filter", "get", "get_or_none", "all", "create", "find", "find_one",
                     "find_all", "select", "exclude", "insert", "objects", "get_or_create"}
_SQL_START = re.compile(
    r"^\s*(select|insert|update|delete|with|create|alter|drop|truncate|merge|upsert|replace)\b",
    re.IGNORECASE)


def _sql_text(project: Project, expr: Expr | None) -> bool:
    """A string (literal, f-string, concatenation or named constant) that starts like SQL."""
    resolved = project.resolve(expr)
    if isinstance(resolved, Const) and isinstance(resolved.value, str):
        return bool(_SQL_START.match(resolved.value))
    if isinstance(resolved, FStr):
        return bool(_SQL_START.match(resolved.text))
    if isinstance(resolved, BinOp) and resolved.op in ("+", "%"):
        return _sql_text(project, resolved.left)
    return False


def _is_cursor(module: ModuleFacts, scope: str, receiver: str) -> bool:
    """A name bound to `x.cursor()` (also `with conn.cursor() as cur`)."""
    for function in [*_scope_functions(module, scope), None]:
        local = _local_binding(module, function.qualname if function else "", receiver)
        if local is None:
            continue
        value = local.value
        if isinstance(value, Await):
            value = value.value
        if isinstance(value, Call):
            func = value.func
            return ((isinstance(func, Name) and func.dotted.endswith(".cursor"))
                    or (isinstance(func, Attr) and func.attr == "cursor"))
        return False
    return False


def is_raw_sql_site(project: Project, module: ModuleFacts, site: CallSite) -> bool:
    call = site.call
    if _call_qname(call) in RAW_SQL_FUNCTIONS:
        return True
    func = call.func
    method = func.attr if isinstance(func, Attr) else (
        func.dotted.rpartition(".")[2] if isinstance(func, Name) and "." in func.dotted else "")
    if method == "exec_driver_sql":
        return True
    if method not in RAW_SQL_METHODS:
        return False
    if isinstance(func, Name) and _is_cursor(module, site.scope, func.dotted.rpartition(".")[0]):
        return True
    return _sql_text(project, call.arg(0, "query"))


def is_orm_site(project: Project, module: ModuleFacts, site: CallSite) -> bool:
    call = site.call
    if _call_qname(call) in ORM_CONSTRUCTS:
        return True
    resolved = receiver_handle(project, module, site)
    if resolved is not None:
        return resolved[0].kind == SESSION and resolved[1] in ORM_SESSION_METHODS
    func = call.func
    if isinstance(func, Name) and "." in func.dotted:
        owner, _, method = func.dotted.rpartition(".")
        if method in ORM_MODEL_METHODS:
            found = project.class_of(Name(owner, _qualify(func, owner)))
            return found is not None and project.is_subclass(*found, ORM_MODEL_BASES)
    return False


class Db006OrmPrimary(Rule):
    """Detects services whose data access is mostly or only raw SQL strings."""

    id = "DB-006"
    title = "ORM is the primary data access"
    dimension = "database"
    priority = "P0"
    tags = ("health",)
    rationale = (
        "Hand-written SQL strings escape the type checker and the models: a renamed column "
        "breaks at run time, and every string built with f-strings is one step away from "
        "injection. An ORM or query builder keeps queries typed and parameterised.")
    remediation = (
        "Express queries with SQLAlchemy/SQLModel `select()` (or your ORM's query API) and "
        "keep raw `text()` for the rare statement the ORM cannot express, always with bound "
        "parameters.")
    example_before = "rows = db.execute(text(f\"SELECT * FROM users WHERE name = '{name}'\"))"
    example_after = "rows = await db.scalars(select(User).where(User.name == name))"

    def check(self, project: Project) -> CheckResult:
        if (na := _no_database(self, project)) is not None:
            return na
        raw: list[Evidence] = []
        orm: list[Evidence] = []
        for module, site in project.iter_calls():
            if is_raw_sql_site(project, module, site):
                raw.append(_site_evidence(project, module, site, "raw SQL"))
            elif is_orm_site(project, module, site):
                orm.append(_site_evidence(project, module, site, "ORM query"))
        metric = {"raw": len(raw), "orm": len(orm)}
        if raw and not orm:
            return self.failed(raw, metric)
        if not raw or len(raw) / (len(raw) + len(orm)) <= 0.2:
            return self.passed(orm[:5], metric)
        return self.warned(raw, metric)


# ---- examples ----------------------------------------------------------------------------
_ASYNC_DB = '''from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine(
    "postgresql+asyncpg://app@db/app", pool_pre_ping=True, pool_size=10, max_overflow=5,
)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)


async def get_session() -> AsyncIterator[AsyncSession]:
    async with SessionLocal() as session:
        yield session
'''
_SYNC_DB = '''from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql://app@db/app")
SessionLocal = sessionmaker(bind=engine)


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()
'''
_MODELS = '''from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Item(Base):
    __tablename__ = "items"
    id = Column(Integer, primary_key=True)
    name = Column(String)
'''
_REPO = '''from sqlalchemy import select

from app.models import Item


async def list_items(session, limit: int):
    return (await session.scalars(select(Item).limit(limit))).all()
'''
_ASYNC_APP = '''from typing import Annotated

from fastapi import Depends, FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app import repo
from app.db import get_session

app = FastAPI()
SessionDep = Annotated[AsyncSession, Depends(get_session)]


@app.get("/items")
async def items(session: SessionDep, limit: int = 20):
    return await repo.list_items(session, limit)
'''
_SYNC_ASYNC_APP = '''from fastapi import Depends, FastAPI
from sqlalchemy.orm import Session

from app.db import get_db
from app.models import Item

app = FastAPI()


@app.get("/items")
async def items(db: Session = Depends(get_db)):
    return db.query(Item).all()
'''
_REVISION = '''"""create items"""
import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = {down}


def upgrade():
    op.create_table("items_{rev}", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
{body}
'''


def _revision(rev: str, down: str | None = None, body: str = '    op.drop_table("items")'):
    return _REVISION.format(rev=rev, down=repr(down), body=body)


ASYNC_TREE = {"app/db.py": _ASYNC_DB, "app/models.py": _MODELS, "app/repo.py": _REPO,
              "app/main.py": _ASYNC_APP}
SYNC_IN_ASYNC_TREE = {"app/db.py": _SYNC_DB, "app/models.py": _MODELS,
                      "app/main.py": _SYNC_ASYNC_APP}
_ALEMBIC = {"alembic.ini": "[alembic]\nscript_location = alembic\n",
            "alembic/env.py": "from alembic import context\n"}


def _with_revisions(*bodies: str) -> dict[str, str]:
    tree = {**ASYNC_TREE, **_ALEMBIC}
    previous = None
    for index, body in enumerate(bodies, start=1):
        rev = f"000{index}"
        tree[f"alembic/versions/{rev}_step.py"] = _revision(rev, previous, body)
        previous = rev
    return tree


_WORK = '    op.drop_table("items")'
_NO_WORK = "    pass"
_IRREVERSIBLE = '    """Irreversible."""\n    raise NotImplementedError()'

Db001AsyncAccess.VALID = [
    Example(ASYNC_TREE, name="async-engine-annotated-alias"),
    Example({"app/main.py": '''import asyncpg
from fastapi import FastAPI, Request

app = FastAPI()


@app.get("/count")
async def count(request: Request) -> int:
    async with request.app.state.pool.acquire() as conn:
        return await conn.fetchval("SELECT count(*) FROM items")
'''}, name="asyncpg-driver"),
]
Db001AsyncAccess.INVALID = [
    Example(SYNC_IN_ASYNC_TREE, expect=FAIL, name="async-endpoint-receives-sync-session"),
    Example({"app/db.py": _SYNC_DB, "app/models.py": _MODELS,
             "app/main.py": '''from fastapi import FastAPI

from app.db import SessionLocal
from app.models import Item

app = FastAPI()
db = SessionLocal()


@app.get("/items")
async def items():
    return db.query(Item).all()
'''}, expect=FAIL, name="module-level-sync-session-in-async"),
    Example({"app/db.py": _SYNC_DB, "app/models.py": _MODELS,
             "app/main.py": _SYNC_ASYNC_APP.replace("async def", "def")},
            expect=WARN, name="sync-app"),
]

Db002Migrations.VALID = [
    Example(_with_revisions(_WORK), name="alembic-one-revision"),
    Example({**ASYNC_TREE, "migrations/env.py": "from alembic import context\n",
             "migrations/versions/a1b2_init.py": _revision("a1b2")}, name="migrations-folder"),
]
Db002Migrations.INVALID = [
    Example({**ASYNC_TREE, "app/main.py": _ASYNC_APP + '''

@app.on_event("startup")
async def create_tables():
    from app.db import engine
    from app.models import Base
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
'''}, expect=FAIL, name="create-all-at-startup"),
    Example({**ASYNC_TREE, **_ALEMBIC, "alembic/versions/.gitkeep": ""}, expect=FAIL,
            name="alembic-without-revisions"),
]

Db003ReversibleMigrations.VALID = [
    Example(_with_revisions(_WORK, _WORK), name="all-downgrades-work"),
    Example(_with_revisions(_WORK, '    op.execute("DROP INDEX ix_items_name")'),
            name="downgrade-runs-sql"),
]
Db003ReversibleMigrations.INVALID = [
    Example(_with_revisions(_WORK, _NO_WORK), expect=FAIL, name="half-reversible"),
    Example(_with_revisions(*([_WORK] * 4), _IRREVERSIBLE), expect=WARN, name="four-of-five"),
]

Db004DataAccessOutsideRouters.VALID = [
    Example(ASYNC_TREE, name="repository-module"),
    Example({**ASYNC_TREE, "app/main.py": _ASYNC_APP + '''

@app.get("/health")
async def health():
    return {"status": "ok"}
'''}, name="endpoint-without-db"),
]
Db004DataAccessOutsideRouters.INVALID = [
    Example(SYNC_IN_ASYNC_TREE, expect=FAIL, name="query-in-endpoint"),
    Example({**ASYNC_TREE, "app/main.py": _ASYNC_APP + "".join(f'''

@app.get("/items/{i}")
async def items_{i}(session: SessionDep, limit: int = 20):
    return await repo.list_items(session, limit)
''' for i in range(4)) + '''

@app.get("/raw")
async def raw(session: SessionDep):
    return (await session.execute(repo.select(repo.Item))).all()
'''}, expect=WARN, name="one-of-six"),
]

Db005ConnectionPool.VALID = [
    Example(ASYNC_TREE, name="pre-ping-and-size"),
    Example({**ASYNC_TREE, "app/settings.py": '''from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    database_url: str = "postgresql+asyncpg://app@db/app"
    pool_recycle: int = 1800


settings = Settings()
''', "app/db.py": '''from sqlalchemy.ext.asyncio import create_async_engine

from app.settings import settings

ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_recycle": settings.pool_recycle}
engine = create_async_engine(settings.database_url, **ENGINE_OPTIONS)


async def get_session():
    yield engine
'''}, name="knobs-from-settings-dict"),
]
Db005ConnectionPool.INVALID = [
    Example(SYNC_IN_ASYNC_TREE, expect=FAIL, name="defaults"),
    Example({**ASYNC_TREE, "app/db.py": _ASYNC_DB.replace("pool_pre_ping=True, ", "")},
            expect=WARN, name="size-without-pre-ping"),
]

Db006OrmPrimary.VALID = [
    Example(ASYNC_TREE, name="select-only"),
    Example({**ASYNC_TREE, "app/health.py": '''from sqlalchemy import text


async def ping(session):
    await session.execute(text("SELECT 1"))
''', "app/repo.py": _REPO + "".join(f'''

async def list_{i}(session):
    return (await session.scalars(select(Item).where(Item.id > {i}))).all()
''' for i in range(4))}, name="one-raw-in-five"),
]
Db006OrmPrimary.INVALID = [
    Example({**ASYNC_TREE, "app/repo.py": '''from sqlalchemy import text


async def list_items(session, limit: int):
    rows = await session.execute(text("SELECT id, name FROM items LIMIT :n"), {"n": limit})
    return rows.all()
'''}, expect=FAIL, name="raw-only"),
    Example({**ASYNC_TREE, "app/repo.py": (_REPO + '''

async def count_items(session):
    return await session.scalar(text("SELECT count(*) FROM items"))
''').replace("from sqlalchemy import select", "from sqlalchemy import select, text")},
            expect=WARN, name="mixed"),
]


RULES = (
    Db001AsyncAccess, Db002Migrations, Db003ReversibleMigrations,
    Db004DataAccessOutsideRouters, Db005ConnectionPool, Db006OrmPrimary,
)
