"""Performance checks (PERF-001 .. PERF-006): blocking calls, pagination, background work,
caching, compression and profiling.

Whether a name is a sync SQLAlchemy session/engine comes from `database.receiver_handle`
(shared with DB-001), so both dimensions agree on what "sync session" means.
"""

from __future__ import annotations

import re

from .. import layout
from ..fastapi_model import Endpoint
from ..project import Project
from ..python.facts import (
    Attr,
    Call,
    CallSite,
    ClassFact,
    Const,
    Expr,
    ModuleFacts,
    Name,
    Other,
    Subscript,
)
from .base import FAIL, WARN, CheckResult, Evidence, Example, Rule
from .database import (
    ASYNC_TREE,
    BLOCKING_METHODS,
    imported_libraries,
    library_evidence,
    receiver_handle,
    unique_endpoints,
)
from .matchers import (
    calls_in,
    dependency_target,
    expand_annotation_alias,
    first_use,
    function_by_qualname,
    is_collection_annotation,
    is_special_param,
    last_part,
    param_source,
    path_params,
    resolved_param_dependency,
    walk_expr,
)

# ---- PERF-001 ----------------------------------------------------------------------------
BLOCKING_FUNCTIONS = {
    "time.sleep", "subprocess.run", "subprocess.call", "subprocess.check_output",
    "urllib.request.urlopen", "urllib.request.urlretrieve",
}
HTTP_VERBS = {"get", "post", "put", "patch", "delete", "head", "options", "request"}
SYNC_HTTP_CLIENTS = {"requests.Session", "requests.session", "requests.sessions.Session",
                     "httpx.Client"}
CLIENT_METHODS = HTTP_VERBS | {"send", "stream"}
OFFLOADERS = {"run_in_executor", "to_thread", "run_in_threadpool", "run_sync", "defer_to_thread"}


def imported_name(module: ModuleFacts, func: Expr) -> str:
    """The qualified name of a called name, only when its head was imported (a local
    variable called `requests` is not the library)."""
    if not isinstance(func, Name):
        return ""
    head = func.dotted.split(".")[0]
    return func.qname if head in module.imports else ""


def _sync_client_expr(module: ModuleFacts, scope: str, expr: Expr | None) -> bool:
    """`httpx.Client()` / `requests.Session()` or a name bound to one in this scope chain."""
    if isinstance(expr, Call):
        return imported_name(module, expr.func) in SYNC_HTTP_CLIENTS
    if not isinstance(expr, Name) or "." in expr.dotted:
        return False
    scopes = [scope]
    while scope:
        scope = scope.rpartition(".")[0]
        scopes.append(scope)
    for candidate in scopes:
        binding = None
        for assignment in module.assignments:
            if assignment.scope == candidate and any(
                isinstance(t, Name) and t.dotted == expr.dotted for t in assignment.targets
            ):
                binding = assignment
        if binding is not None:
            return isinstance(binding.value, Call) and (
                imported_name(module, binding.value.func) in SYNC_HTTP_CLIENTS)
    return False


def blocking_reason(project: Project, module: ModuleFacts, site: CallSite) -> str | None:
    """Why a call blocks the event loop (None when it does not, as far as code tells)."""
    call = site.call
    if site.awaited:
        return None
    name = imported_name(module, call.func)
    if name in BLOCKING_FUNCTIONS:
        return f"`{name}` blocks the event loop"
    library, _, verb = name.rpartition(".")
    if library in ("requests", "requests.api") and verb in HTTP_VERBS:
        return f"`requests.{verb}` is a blocking HTTP call"
    if library == "httpx" and verb in HTTP_VERBS | {"stream"}:
        return f"`httpx.{verb}` is a sync HTTP call"
    func = call.func
    if isinstance(func, Attr) and func.attr in CLIENT_METHODS and _sync_client_expr(
            module, site.scope, func.value):
        return "a sync HTTP client call"
    if isinstance(func, Name) and "." in func.dotted:
        receiver, _, method = func.dotted.rpartition(".")
        if method in CLIENT_METHODS and _sync_client_expr(
                module, site.scope, Name(receiver, receiver)):
            return f"`{func.dotted}` on a sync HTTP client"
    resolved = receiver_handle(project, module, site)
    if resolved is not None and resolved[0].is_sync_data and resolved[1] in BLOCKING_METHODS:
        return f"`{func.dotted}` on a sync SQLAlchemy {resolved[0].kind}"  # type: ignore[union-attr]
    return None


def _offloaded_lines(module: ModuleFacts, scope: str) -> list[tuple[int, int]]:
    """Line ranges of `run_in_executor(None, lambda: ...)`-style calls: their lambdas run in
    a thread, so calls inside them are not on the event loop."""
    ranges = []
    for site in module.calls:
        if site.scope != scope:
            continue
        func = site.call.func
        method = last_part(func.dotted) if isinstance(func, Name) else (
            func.attr if isinstance(func, Attr) else "")
        if method in OFFLOADERS and any(
                isinstance(a, Other) and a.kind == "Lambda" for a in site.call.args):
            ranges.append((site.call.line, site.call.end_line or site.call.line))
    return ranges


class Perf001NoBlockingInAsync(Rule):
    """Detects blocking calls (sync HTTP, sleep, subprocess, sync DB) inside `async def`."""

    id = "PERF-001"
    title = "No blocking calls in async code"
    dimension = "performance"
    priority = "P0"
    tags = ("mistake#1",)
    rationale = (
        "An `async def` handler runs on the event loop itself. A `requests.get`, `time.sleep` "
        "or sync database query inside it freezes every other request on that worker until "
        "it returns, so latency collapses under modest load.")
    remediation = (
        "Use async clients (`httpx.AsyncClient`, `asyncio.sleep`, an `AsyncSession`, "
        "`asyncio.create_subprocess_exec`), or move the blocking work to a thread with "
        "`await asyncio.to_thread(...)` / `run_in_threadpool`, or make the handler a plain "
        "`def` so FastAPI runs it in its thread pool.")
    example_before = (
        "@app.get('/rate')\nasync def rate():\n"
        "    return requests.get(RATES_URL, timeout=5).json()")
    example_after = (
        "@app.get('/rate')\nasync def rate(client: HttpClientDep):\n"
        "    return (await client.get(RATES_URL)).json()")

    def check(self, project: Project) -> CheckResult:
        findings: list[Evidence] = []
        offloaded: dict[tuple[str, str], list[tuple[int, int]]] = {}
        for module, site in project.iter_calls():
            if not site.in_async:
                continue
            reason = blocking_reason(project, module, site)
            if reason is None:
                continue
            key = (module.path, site.scope)
            if key not in offloaded:
                offloaded[key] = _offloaded_lines(module, site.scope)
            if any(start <= site.call.line <= end for start, end in offloaded[key]):
                continue
            findings.append(project.evidence(
                module.path, site.call.line, f"{reason} inside `async def {site.scope}`",
                end_line=site.call.end_line, scope=site.scope))
        if findings:
            return self.failed(findings, {"blocking_calls": len(findings)})
        if project.app_parse_errors:
            return self.unknown([project.evidence(p, None, f"could not parse: {r}")
                                 for p, r in sorted(project.app_parse_errors.items())])
        return self.passed(metric={"blocking_calls": 0})


# ---- PERF-002 ----------------------------------------------------------------------------
PAGE_FIELD_MARKERS = ("count", "total", "next", "has_more", "cursor")
PAGINATION_PARAM = re.compile(r"limit|offset|page|size|cursor|skip", re.IGNORECASE)
PAGE_NAME = re.compile(r"Page|Paginated")


def _response_annotation(project: Project, endpoint: Endpoint) -> Expr | None:
    """`response_model=` when given (and not None), else the return annotation."""
    declared = endpoint.kw("response_model")
    if declared is None or (isinstance(declared, Const) and declared.value is None):
        declared = endpoint.function.returns if endpoint.function else None
    return expand_annotation_alias(project, declared)


def _is_list(expr: Expr | None) -> bool:
    if isinstance(expr, Name) and last_part(expr.dotted) in ("list", "List", "Sequence"):
        return True
    return is_collection_annotation(expr)


def _page_class(project: Project, module: ModuleFacts, cls: ClassFact) -> bool:
    """A model with a list field and a count/total/next/has_more/cursor field."""
    fields = project.all_fields(module, cls)
    has_list = any(_is_list(f.annotation) for f in fields)
    has_marker = any(m in f.name.lower() for f in fields for m in PAGE_FIELD_MARKERS)
    if has_list and has_marker:
        return True
    outside_bases = [b for b in project.base_names(module, cls) if project.lookup(b) is None]
    return any(PAGE_NAME.search(last_part(b)) for b in outside_bases)


def collection_kind(project: Project, endpoint: Endpoint) -> str | None:
    """"list" / "page" when the endpoint declares a collection response, else None."""
    annotation = _response_annotation(project, endpoint)
    if annotation is None:
        return None
    if _is_list(annotation):
        return "list"
    head = annotation
    if isinstance(head, Subscript) and isinstance(head.value, Name):
        if last_part(head.value.dotted) in ("Optional", "Annotated") and head.index:
            head = head.index[0]
            if _is_list(head):
                return "list"
        head = head.value if isinstance(head, Subscript) else head  # Page[Item] -> Page
    if not isinstance(head, Name):
        return None
    found = project.class_of(head)
    if found is not None:
        return "page" if _page_class(project, *found) else None
    return "page" if PAGE_NAME.search(last_part(head.dotted)) else None


def _library_paginated(project: Project, endpoint: Endpoint) -> bool:
    """fastapi-pagination's `Page[...]` response models bring their own parameters, also
    when customised first (`CustomPage = Page.with_custom_options(size=...)`)."""
    annotation = _response_annotation(project, endpoint)
    return any(isinstance(n, Name) and (_from_pagination_library(n) or any(
        isinstance(m, Name) and _from_pagination_library(m)
        for m in walk_expr(project.resolve(n)))) for n in walk_expr(annotation))


def _from_pagination_library(name: Name) -> bool:
    return name.qname.startswith("fastapi_pagination")


def _class_param_names(project: Project, module: ModuleFacts, cls: ClassFact) -> list[str]:
    init = function_by_qualname(module, f"{cls.qualname}.__init__")
    if init is not None:
        return [p.name for p in init.params if p.name != "self"]
    return [f.name for f in project.all_fields(module, cls)]


def _dependency_param_names(project: Project, module: ModuleFacts, target: Expr | None,
                            depth: int = 0) -> list[str]:
    """Parameter names a `Depends(target)` contributes: a function's (and its own
    dependencies'), a class's `__init__` or fields; a `Params` model of a library counts."""
    if depth > 3:
        return []
    if isinstance(target, Call):
        target = target.func
    if not isinstance(target, Name):
        return []
    if target.qname.startswith("fastapi_pagination"):
        return ["page"]
    found = project.class_of(target)
    if found is not None:
        return _class_param_names(project, *found)
    definition = project.definition_of(target)
    function = next((f for f in module.functions if f.qualname == target.dotted), None)
    if function is None and definition is not None and definition.kind == "function":
        module, function = definition.module, definition.node
    if function is None:
        return []
    names = []
    for param in function.params:
        names.append(param.name)
        dependency = resolved_param_dependency(project, param)
        if dependency is not None:
            target = _dependency_of(project, param, dependency)
        names += _dependency_param_names(project, module, target, depth + 1)
    return names


def _dependency_of(project: Project, param, dependency: Call) -> Expr | None:
    """`Depends(x)` -> x; a bare `Depends()` depends on the annotated class."""
    target = dependency_target(dependency)
    if target is not None:
        return target
    annotation = expand_annotation_alias(project, param.annotation)
    if isinstance(annotation, Subscript) and annotation.index:  # Annotated[Cls, Depends()]
        annotation = annotation.index[0]
    return annotation


def takes_pagination(project: Project, endpoint: Endpoint) -> bool:
    function, module = endpoint.function, endpoint.module
    if function is None:
        return False
    in_path = path_params(endpoint.path)
    for param in function.params:
        dependency = resolved_param_dependency(project, param)
        if dependency is not None:
            target = _dependency_of(project, param, dependency)
            names = _dependency_param_names(project, module, target)
            if any(PAGINATION_PARAM.search(n) for n in names):
                return True
            continue
        if param.name in in_path or is_special_param(param) or param_source(param) == "body":
            continue
        if PAGINATION_PARAM.search(param.name):
            return True
        annotation = expand_annotation_alias(project, param.annotation)
        for node in walk_expr(annotation):  # Annotated[ListParams, Query()] query models
            if isinstance(node, Name):
                names = _dependency_param_names(project, module, node)
                if any(PAGINATION_PARAM.search(n) for n in names):
                    return True
    return any(
        any(PAGINATION_PARAM.search(n)
            for n in _dependency_param_names(project, module, dependency_target(d)))
        for d in endpoint.dependencies if isinstance(d, Call))


class Perf002Pagination(Rule):
    """Detects GET endpoints returning a collection without limit/offset/page/cursor params."""

    id = "PERF-002"
    title = "List endpoints are paginated"
    dimension = "performance"
    priority = "P0"
    tags = ("mistake#9", "p0")
    rationale = (
        "A list endpoint without a limit returns the whole table. It works with test data "
        "and then times out, exhausts memory or overloads the database once the table grows.")
    remediation = (
        "Take `limit`/`offset` (or `page`/`size`, or a cursor) with an upper bound, ideally "
        "through one shared dependency, and return a page model with the items and a total "
        "or next cursor.")
    example_before = (
        "@router.get('/items', response_model=list[ItemOut])\n"
        "async def list_items(session: SessionDep):\n    return await repo.all(session)")
    example_after = (
        "@router.get('/items', response_model=Page[ItemOut])\n"
        "async def list_items(session: SessionDep, page: PaginationDep):\n"
        "    return await repo.page(session, page.limit, page.offset)")

    def check(self, project: Project) -> CheckResult:
        listed = [e for e in unique_endpoints(project)
                  if "GET" in e.methods and collection_kind(project, e) is not None]
        if not listed:
            return self.not_applicable(
                "no GET endpoint declares a list or page response (by response model or "
                "annotation)")
        unpaginated = [e for e in listed if not (_library_paginated(project, e)
                                                 or takes_pagination(project, e))]
        metric = {"paginated": len(listed) - len(unpaginated), "list_endpoints": len(listed)}
        if not unpaginated:
            return self.passed([self._evidence(project, e, "takes pagination parameters")
                                for e in listed[:5]], metric)
        evidence = [self._evidence(project, e, "returns a collection without "
                                   "limit/offset/page/size/cursor parameters")
                    for e in unpaginated]
        share = metric["paginated"] / len(listed)
        return (self.warned if share >= 0.5 else self.failed)(evidence, metric)

    @staticmethod
    def _evidence(project: Project, endpoint: Endpoint, message: str) -> Evidence:
        return project.evidence(endpoint.module.path, endpoint.line,
                                f"{endpoint.label()} {message}",
                                scope=endpoint.function.qualname if endpoint.function else "",
                                snippet_lines=2)


# ---- PERF-003 ----------------------------------------------------------------------------
TASK_QUEUES = ("celery", "arq", "rq", "dramatiq", "taskiq", "huey", "saq", "procrastinate")
BACKGROUND_NAMES = {"BackgroundTasks", "BackgroundTask"}
EMAIL_LIBRARIES = ("smtplib", "aiosmtplib", "fastapi_mail", "sendgrid", "yagmail", "emails",
                   "resend", "postmarker", "mailjet_rest", "redmail")
SEND_MAIL_NAME = re.compile(r"^_*send_(?:\w+_)?e?mail$")


def _background_evidence(project: Project) -> Evidence | None:
    """Where BackgroundTasks or a task queue is used in app code."""
    for module, function in project.iter_functions():
        for param in function.params:
            # Only the injected `BackgroundTasks`: a `background: BackgroundTask` parameter
            # is Starlette's Response signature (a Response subclass), not work queued.
            if any(isinstance(n, Name) and last_part(n.dotted) == "BackgroundTasks"
                   and n.qname.startswith(("fastapi", "starlette"))
                   for n in walk_expr(param.annotation)):
                return project.evidence(module.path, function.line,
                                        f"`{function.name}` takes BackgroundTasks",
                                        scope=function.qualname, snippet_lines=2)
    for module, site in project.iter_calls():
        name = imported_name(module, site.call.func)
        if last_part(name) in BACKGROUND_NAMES and name.startswith(("fastapi", "starlette")):
            return project.evidence(module.path, site.call.line, "background task",
                                    end_line=site.call.end_line, scope=site.scope)
    queues = imported_libraries(project, TASK_QUEUES)
    if queues:
        library, module = next(iter(queues.items()))
        return library_evidence(project, library, module, f"task queue `{library}`")
    return None


def _email_library_call(module: ModuleFacts, site: CallSite) -> str | None:
    name = imported_name(module, site.call.func)
    if name.split(".")[0] in EMAIL_LIBRARIES:
        return name
    func = site.call.func
    if isinstance(func, Name) and "." in func.dotted:  # fm = FastMail(conf); fm.send_message()
        receiver = func.dotted.rpartition(".")[0]
        for assignment in module.assignments:
            if (assignment.scope == site.scope and isinstance(assignment.value, Call)
                    and any(isinstance(t, Name) and t.dotted == receiver
                            for t in assignment.targets)):
                bound = imported_name(module, assignment.value.func)
                if bound.split(".")[0] in EMAIL_LIBRARIES:
                    return func.dotted
    return None


def inline_email_sends(project: Project) -> list[Evidence]:
    """Calls in endpoint bodies that send e-mail on the request path."""
    found = []
    for endpoint in unique_endpoints(project):
        module, function = endpoint.module, endpoint.function
        for site in calls_in(module, function):
            func = site.call.func
            called = func.dotted if isinstance(func, Name) else (
                func.attr if isinstance(func, Attr) else "")
            if SEND_MAIL_NAME.match(last_part(called)) or _email_library_call(module, site):
                found.append(project.evidence(
                    module.path, site.call.line,
                    f"endpoint `{function.name}` sends e-mail inline (`{called}`)",
                    end_line=site.call.end_line, scope=site.scope))
                break
    return found


class Perf003BackgroundWork(Rule):
    """Detects e-mail sent inline in endpoints when no background task mechanism is used."""

    id = "PERF-003"
    title = "Slow work runs off the request path"
    dimension = "performance"
    priority = "P1"
    tags = ("p1",)
    rationale = (
        "Sending an e-mail or calling a slow third party inside the handler makes the client "
        "wait for it, and a failure there fails a request whose real work already succeeded.")
    remediation = (
        "Hand slow side effects to `BackgroundTasks.add_task(...)` for light work, or to a task "
        "queue (Celery, ARQ, RQ, Dramatiq, TaskIQ) when it must survive restarts or be retried.")
    example_before = (
        "@router.post('/users')\nasync def register(data: UserIn):\n"
        "    user = await service.create(data)\n    send_welcome_email(user.email)\n"
        "    return user")
    example_after = (
        "@router.post('/users')\nasync def register(data: UserIn, tasks: BackgroundTasks):\n"
        "    user = await service.create(data)\n"
        "    tasks.add_task(send_welcome_email, user.email)\n    return user")

    def check(self, project: Project) -> CheckResult:
        background = _background_evidence(project)
        if background is not None:
            return self.passed([background])
        sends = inline_email_sends(project)
        if sends:
            return self.failed(sends)
        return self.not_applicable(
            "no background tasks or task queue, and no endpoint sends e-mail inline")


# ---- PERF-004 ----------------------------------------------------------------------------
CACHE_LIBRARIES = ("redis", "aioredis", "fastapi_cache", "aiocache", "cachetools", "cashews",
                   "fastapi_redis_cache", "valkey", "pymemcache", "aiomcache", "diskcache")


class Perf004Caching(Rule):
    """Detects services without a caching layer (Redis, fastapi-cache, aiocache, cachetools)."""

    id = "PERF-004"
    title = "A caching layer is in place"
    dimension = "performance"
    priority = "P1"
    tags = ("p1",)
    rationale = (
        "Without a cache every request recomputes or re-reads the same data, so read-heavy "
        "endpoints scale only as far as the database does.")
    remediation = (
        "Cache hot, rarely changing reads: Redis (`redis.asyncio`) with a TTL for shared "
        "caches, fastapi-cache/aiocache decorators, or `cachetools.TTLCache` in process.")
    example_before = (
        "async def get_rates(client):\n    return (await client.get(RATES_URL)).json()")
    example_after = (
        "async def get_rates(client, redis):\n    if cached := await redis.get('rates'):\n"
        "        return json.loads(cached)\n    rates = (await client.get(RATES_URL)).json()\n"
        "    await redis.set('rates', json.dumps(rates), ex=300)\n    return rates")

    def check(self, project: Project) -> CheckResult:
        libraries = imported_libraries(project, CACHE_LIBRARIES)
        if not libraries:
            return self.failed([project.absence(
                "no caching library (redis, aioredis, fastapi-cache, aiocache, cachetools, "
                "memcached clients) imported in app code")])
        return self.passed([library_evidence(project, library, module, f"`{library}` used")
                            for library, module in libraries.items()])


# ---- PERF-005 ----------------------------------------------------------------------------
def _is_compression(expr: Expr | None) -> bool:
    if not isinstance(expr, Name):
        return False
    name = last_part(expr.dotted)
    return name == "GZipMiddleware" or ("Brotli" in name and "Middleware" in name) or (
        expr.qname.startswith(("brotli_asgi", "starlette_compress", "brotli_middleware")))


class Perf005Compression(Rule):
    """Detects apps that register no GZip or Brotli response compression middleware."""

    id = "PERF-005"
    title = "Responses are compressed"
    dimension = "performance"
    priority = "P1"
    tags = ()
    rationale = (
        "JSON compresses very well; sending it uncompressed multiplies transfer time and "
        "bandwidth for every client on a slow network.")
    remediation = (
        "Register `GZipMiddleware` (with a sensible `minimum_size`) or a Brotli middleware; "
        "if a proxy in front already compresses, attest this check.")
    example_before = "app = FastAPI()"
    example_after = (
        "app = FastAPI()\napp.add_middleware(GZipMiddleware, minimum_size=1000)")

    def check(self, project: Project) -> CheckResult:
        for module, site in project.iter_calls():
            call = site.call
            candidates = [call.func, *call.args[:1], call.kwargs.get("middleware_class"),
                          call.kwargs.get("cls")]
            if any(_is_compression(candidate) for candidate in candidates):
                return self.passed([project.evidence(
                    module.path, call.line, "compression middleware registered",
                    end_line=call.end_line, scope=site.scope)])
        return self.failed([project.absence(
            "no GZipMiddleware or Brotli middleware registered in app code")])


# ---- PERF-006 ----------------------------------------------------------------------------
PROFILING_TOOLS = ("pyinstrument", "py-spy", "pytest-benchmark", "locust", "k6")
PROFILING_IMPORTS = ("pyinstrument", "locust", "pytest_benchmark")
_CI_TOOL = re.compile(r"\b(pyinstrument|py-spy|locust|k6\s+run|pytest-benchmark|"
                      r"--benchmark-\w+)\b")


def _declared_line(project: Project, package: str) -> tuple[str, int | None]:
    artifacts = project.artifacts
    for dependency in artifacts.pyconfig.dependencies:
        if dependency.name == package:
            return dependency.path, dependency.line
    for entry in artifacts.deps.entries:
        if entry.name == package:
            return entry.path, entry.line
    return "", None


def profiling_setups(project: Project) -> list[Evidence]:
    """pyinstrument, py-spy, pytest-benchmark, locust or k6 set up anywhere in the repository:
    declared dependencies, locustfiles/k6 scripts, CI commands, imports in any module."""
    found: list[Evidence] = []
    extras = project.artifacts.extras.profiling if project.artifacts else []
    for setup in extras:
        if setup.tool in PROFILING_TOOLS:
            path, line = (setup.path, setup.line) if setup.path else _declared_line(
                project, setup.tool)
            found.append(project.evidence(path or None, line, f"{setup.tool} set up "
                                          f"({setup.text})", snippet_lines=1))
        elif setup.tool == "ci" and _CI_TOOL.search(setup.text):
            found.append(project.evidence(setup.path, setup.line, f"CI runs `{setup.text}`",
                                          snippet_lines=1))
    for path, module in sorted(project.modules.items()):
        if not layout.is_under(path, project.app_root):
            continue  # another service of a monorepo
        tools = [m for m in module.imported_modules if m.split(".")[0] in PROFILING_IMPORTS]
        if tools:
            tool = sorted(tools)[0]
            use = first_use(module, tool)
            found.append(project.evidence(path, use.line if use else None,
                                          f"uses {tool}" if use else f"imports {tool}",
                                          end_line=use.end_line if use else None,
                                          scope=use.scope if use else "", snippet_lines=2))
    return found


class Perf006Profiling(Rule):
    """Detects repositories without profiling or benchmark tooling set up."""

    id = "PERF-006"
    title = "Profiling and benchmarks are set up"
    dimension = "performance"
    priority = "P1"
    tags = ()
    rationale = (
        "Without a profiler or a repeatable benchmark, performance work is guesswork and "
        "regressions are found by users instead of by a number that got worse.")
    remediation = (
        "Add a load test (locust or k6) for the main flows, pytest-benchmark tests for hot "
        "code, and keep pyinstrument or py-spy at hand for profiling a slow endpoint.")
    example_before = "# no load test, no benchmark, no profiler in the repository"
    example_after = (
        "# tests/load/locustfile.py\nclass ApiUser(HttpUser):\n    @task\n"
        "    def list_items(self):\n        self.client.get('/items?limit=20')")

    def check(self, project: Project) -> CheckResult:
        found = profiling_setups(project)
        if found:
            return self.passed(found[:5])
        return self.failed([project.absence(
            "no pyinstrument, py-spy, pytest-benchmark, locust or k6 set up (looked in "
            "declared dependencies, CI commands, locustfiles, k6 scripts and imports)")])


# ---- examples ----------------------------------------------------------------------------
_HEAD = "from fastapi import FastAPI\n\napp = FastAPI()\n"
_PAGINATION = '''from typing import Annotated

from fastapi import Depends, Query


class ListParams:
    def __init__(self, page: int = Query(1, ge=1), page_size: int = Query(20, le=100)):
        self.offset = (page - 1) * page_size
        self.limit = page_size


PageDep = Annotated[ListParams, Depends()]
'''
_SCHEMAS = '''from pydantic import BaseModel


class ItemOut(BaseModel):
    id: int


class ItemPage(BaseModel):
    items: list[ItemOut]
    total: int
'''

Perf001NoBlockingInAsync.VALID = [
    Example(_HEAD + '''import asyncio

import httpx
import requests


@app.get("/rate")
async def rate():
    async with httpx.AsyncClient() as client:
        await asyncio.sleep(0.1)
        return (await client.get("https://rates.example.com")).json()


@app.get("/sync")
def sync_rate():
    return requests.get("https://rates.example.com", timeout=5).json()
''', name="async-client-and-sync-def"),
    Example(_HEAD + '''import asyncio

import requests


def fetch():
    return requests.get("https://rates.example.com", timeout=5).json()


@app.get("/rate")
async def rate():
    loop = asyncio.get_running_loop()
    first = await asyncio.to_thread(fetch)
    second = await loop.run_in_executor(None, lambda: requests.get("https://x.example.com"))
    return first, second.json()
''', name="offloaded-to-threads"),
]
Perf001NoBlockingInAsync.INVALID = [
    Example(_HEAD + '''import time
from time import sleep as pause

import requests


@app.get("/rate")
async def rate():
    time.sleep(1)
    pause(1)
    return requests.get("https://rates.example.com", timeout=5).json()
''', expect=FAIL, name="requests-and-sleep"),
    Example({**ASYNC_TREE, "app/db.py": ASYNC_TREE["app/db.py"], "app/sync_db.py": \
'''from sqlalchemy import create_engine
from sqlalchemy.orm import Session

engine = create_engine("postgresql://app@db/app")


def get_db():
    with Session(engine) as session:
        yield session
''', "app/main.py": _HEAD + '''import httpx
from fastapi import Depends
from sqlalchemy import select

from app.models import Item
from app.sync_db import get_db


@app.get("/items")
async def items(db=Depends(get_db)):
    with httpx.Client() as client:
        client.post("https://audit.example.com", json={})
    return db.scalars(select(Item)).all()
'''}, expect=FAIL, name="sync-session-and-httpx-client"),
]

Perf002Pagination.VALID = [
    Example({"app/pagination.py": _PAGINATION, "app/schemas.py": _SCHEMAS,
             "app/main.py": _HEAD + '''from app.pagination import PageDep
from app.schemas import ItemOut, ItemPage


@app.get("/items", response_model=ItemPage)
async def items(params: PageDep):
    return ItemPage(items=[], total=0)


@app.get("/tags")
async def tags(limit: int = 50, offset: int = 0) -> list[ItemOut]:
    return []
'''}, name="dependency-and-direct-params"),
    Example({"app/schemas.py": _SCHEMAS, "app/main.py": _HEAD + '''from app.schemas import ItemOut


@app.get("/items/{item_id}", response_model=ItemOut)
async def item(item_id: int):
    return ItemOut(id=item_id)


@app.get("/items", response_model=list[ItemOut])
async def items(cursor: str | None = None, size: int = 20):
    return []
'''}, name="cursor"),
]
Perf002Pagination.INVALID = [
    Example({"app/schemas.py": _SCHEMAS, "app/main.py": _HEAD + '''from app.schemas import ItemOut


@app.get("/items", response_model=list[ItemOut])
async def items():
    return []
'''}, expect=FAIL, name="unbounded-list"),
    Example({"app/pagination.py": _PAGINATION, "app/schemas.py": _SCHEMAS,
             "app/main.py": _HEAD + '''from typing import List

from app.pagination import PageDep
from app.schemas import ItemOut, ItemPage


@app.get("/items", response_model=ItemPage)
async def items(params: PageDep):
    return ItemPage(items=[], total=0)


@app.get("/all-items")
async def all_items() -> List[ItemOut]:
    return []
'''}, expect=WARN, name="one-of-two"),
]

_EMAIL = '''import smtplib


def send_welcome_email(address: str) -> None:
    with smtplib.SMTP("mail.example.com") as smtp:
        smtp.sendmail("hi@example.com", [address], "Welcome")
'''
Perf003BackgroundWork.VALID = [
    Example({"app/mail.py": _EMAIL, "app/main.py": _HEAD + '''from fastapi import BackgroundTasks

from app.mail import send_welcome_email


@app.post("/users")
async def register(email: str, tasks: BackgroundTasks):
    tasks.add_task(send_welcome_email, email)
    return {"email": email}
'''}, name="background-tasks"),
    Example({"app/worker.py": '''from celery import Celery

celery_app = Celery("app", broker="redis://redis:6379/0")


@celery_app.task
def send_welcome_email(address: str) -> None:
    ...
''', "app/main.py": _HEAD + '''from app.worker import send_welcome_email


@app.post("/users")
async def register(email: str):
    send_welcome_email.delay(email)
    return {"email": email}
'''}, name="celery"),
]
Perf003BackgroundWork.INVALID = [
    Example({"app/mail.py": _EMAIL,
             "app/main.py": _HEAD + '''from app.mail import send_welcome_email


@app.post("/users")
async def register(email: str):
    send_welcome_email(email)
    return {"email": email}
'''}, expect=FAIL, name="helper-named-send-email"),
    Example(_HEAD + '''import smtplib


@app.post("/contact")
def contact(message: str):
    with smtplib.SMTP("mail.example.com") as smtp:
        smtp.sendmail("web@example.com", ["team@example.com"], message)
    return {"sent": True}
''', expect=FAIL, name="smtplib-in-endpoint"),
]

Perf004Caching.VALID = [
    Example(_HEAD + '''from redis.asyncio import Redis

redis = Redis.from_url("redis://redis:6379/0")


@app.get("/rates")
async def rates():
    return await redis.get("rates")
''', name="redis"),
    Example(_HEAD + '''from cachetools import TTLCache

prices = TTLCache(maxsize=1024, ttl=300)


@app.get("/prices/{sku}")
async def price(sku: str):
    return prices.get(sku)
''', name="cachetools"),
]
Perf004Caching.INVALID = [
    Example(_HEAD + '''from functools import lru_cache


@lru_cache
def settings():
    return {}


@app.get("/rates")
async def rates():
    return settings()
''', expect=FAIL, name="lru-cache-only"),
    Example({"app/main.py": _HEAD + "\n\n@app.get('/x')\nasync def x():\n    return 1\n",
             "requirements.txt": "fastapi\nredis\n"}, expect=FAIL, name="declared-but-unused"),
]

Perf005Compression.VALID = [
    Example(_HEAD + '''from fastapi.middleware.gzip import GZipMiddleware

app.add_middleware(GZipMiddleware, minimum_size=1000)
''', name="gzip"),
    Example('''from fastapi import FastAPI
from starlette.middleware import Middleware
from brotli_asgi import BrotliMiddleware

app = FastAPI(middleware=[Middleware(BrotliMiddleware, minimum_size=500)])
''', name="brotli-in-constructor"),
]
Perf005Compression.INVALID = [
    Example(_HEAD, expect=FAIL, name="none"),
    Example(_HEAD + '''from fastapi.middleware.cors import CORSMiddleware

app.add_middleware(CORSMiddleware, allow_origins=["https://example.com"])
''', expect=FAIL, name="cors-only"),
]

Perf006Profiling.VALID = [
    Example({"app/main.py": _HEAD, "tests/load/locustfile.py": '''from locust import HttpUser, task


class ApiUser(HttpUser):
    @task
    def health(self):
        self.client.get("/health")
'''}, name="locustfile"),
    Example({"app/main.py": _HEAD, "pyproject.toml": '''[project]
name = "svc"
version = "0"
dependencies = ["fastapi"]

[dependency-groups]
dev = ["pytest", "pytest-benchmark>=4"]
'''}, name="pytest-benchmark-declared"),
]
Perf006Profiling.INVALID = [
    Example({"app/main.py": _HEAD, "requirements.txt": "fastapi\npytest\n"}, expect=FAIL,
            name="none"),
    Example({"app/main.py": _HEAD, "pyproject.toml": '''[project]
name = "svc"
version = "0"
dependencies = ["fastapi", "scalene"]
'''}, expect=FAIL, name="other-tool-only"),
]


RULES = (
    Perf001NoBlockingInAsync, Perf002Pagination, Perf003BackgroundWork, Perf004Caching,
    Perf005Compression, Perf006Profiling,
)
