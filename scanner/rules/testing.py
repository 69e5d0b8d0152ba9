"""Testing checks (TST-001 .. TST-009) and the inventory's endpoint -> test mapping.

Every check here reads the test code (`project.test_modules`) and the test tooling
artefacts (pytest/coverage config, CI), never the app code. A small static model of the
test suite (test functions, fixtures, HTTP clients and the requests they make) is built
once per project and shared by the checks and by `annotate_endpoint_tests`.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
import weakref
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import NamedTuple

from ..artifacts import Artifacts
from ..artifacts.ci import program_calls
from ..artifacts.pyconfig import fail_under_in
from ..project import Project
from ..python.facts import (
    Assignment,
    Attr,
    Await,
    BinOp,
    Call,
    Const,
    Expr,
    FStr,
    FunctionFact,
    ModuleFacts,
    Name,
    Seq,
    Subscript,
    UnaryOp,
)
from .base import Evidence, Example, Rule, counted
from .matchers import call_name, calls_in, last_part, walk_expr

# ---- the static model of the test suite --------------------------------------------------

CLIENT_CLASSES = {"TestClient", "AsyncClient"}
HTTPX_SYNC_CLIENTS = {"httpx.Client", "httpx._client.Client"}
REQUEST_METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}
GENERIC_REQUESTS = {"request", "stream"}  # method given as the first argument
# Parameter names that, in FastAPI test suites, almost always hold a test client; used only
# when the request's target also looks like a URL path (a fixture from a plugin or a
# conftest outside the tree).
CONVENTIONAL_CLIENT_NAMES = {
    "client", "test_client", "async_client", "aclient", "ac", "api_client", "app_client",
    "http_client", "async_test_client", "authorized_client", "auth_client",
    "authenticated_client", "logged_in_client", "admin_client", "user_client",
    "superuser_client", "normal_user_client",
}
WILDCARD = "{}"


@dataclass(slots=True)
class RequestSite:
    """One HTTP request a test-side client makes: `client.get("/items/1")`."""

    module: ModuleFacts
    call: Call
    scope: str
    method: str | None  # upper case; None when not a constant
    url: str | None  # path template, WILDCARD for unknown parts; None when unresolved
    any_prefix: bool = False  # the URL starts with an unresolved part (e.g. a base constant)

    @property
    def location(self) -> str:
        return f"{self.module.path}:{self.call.line}"


@dataclass(slots=True)
class TestSuite:
    files: list[ModuleFacts] = field(default_factory=list)  # files pytest collects
    tests: list[tuple[ModuleFacts, FunctionFact]] = field(default_factory=list)
    fixtures: dict[str, list[tuple[ModuleFacts, FunctionFact]]] = field(default_factory=dict)
    client_fixtures: set[str] = field(default_factory=set)
    requests: list[RequestSite] = field(default_factory=list)

    def test_of_scope(self, module: ModuleFacts, scope: str) -> FunctionFact | None:
        """The test function a scope belongs to (itself or the test it is nested in)."""
        for test_module, test in self.tests:
            if test_module is module and (scope == test.qualname
                                          or scope.startswith(test.qualname + ".")):
                return test
        return None


_SUITES: weakref.WeakKeyDictionary[Project, TestSuite] = weakref.WeakKeyDictionary()


def test_suite(project: Project) -> TestSuite:
    """The test suite model of a project, built once."""
    suite = _SUITES.get(project)
    if suite is None:
        suite = _build_suite(project)
        _SUITES[project] = suite
    return suite


def _build_suite(project: Project) -> TestSuite:
    suite = TestSuite()
    patterns = python_files(project)
    for module in _test_side_modules(project, patterns):
        name = posixpath.basename(module.path)
        collected = name != "conftest.py" and any(fnmatch.fnmatch(name, p) for p in patterns)
        if collected:
            suite.files.append(module)
        for function in module.functions:
            fixture_name = _fixture_name(function)
            if fixture_name is not None:
                suite.fixtures.setdefault(fixture_name, []).append((module, function))
            elif collected and _is_test_function(module, function):
                suite.tests.append((module, function))
    suite.client_fixtures = _client_fixtures(project, suite)
    for module in _test_side_modules(project, patterns):
        suite.requests.extend(_requests_in(project, suite, module))
    return suite


def python_files(project: Project) -> tuple[str, ...]:
    """The file patterns pytest collects: `python_files` from its config, else the defaults."""
    config = project.artifacts.pyconfig.pytest if project.artifacts is not None else None
    if config is not None and config.python_files:
        return tuple(config.python_files)
    return project.test_patterns or ("test_*.py", "*_test.py")


def _test_side_modules(project: Project, patterns: tuple[str, ...]) -> list[ModuleFacts]:
    """Test modules, plus files under the app root matching custom `python_files` patterns."""
    modules = list(project.test_modules)
    known = {id(m) for m in modules}
    for module in project.app_modules:
        name = posixpath.basename(module.path)
        if id(module) not in known and any(fnmatch.fnmatch(name, p) for p in patterns):
            modules.append(module)
    return modules


def _fixture_name(function: FunctionFact) -> str | None:
    """The name a pytest fixture is requested by, or None when the function is no fixture."""
    for decorator in function.decorators:
        call = decorator if isinstance(decorator, Call) else None
        target = call.func if call is not None else decorator
        if isinstance(target, Name) and last_part(target.qname) == "fixture":
            alias = call.kw("name") if call is not None else None
            if isinstance(alias, Const) and isinstance(alias.value, str):
                return alias.value
            return function.name
    return None


def _is_test_function(module: ModuleFacts, function: FunctionFact) -> bool:
    """`test*` functions at module level or methods of `Test*`/TestCase classes."""
    if not function.name.startswith("test"):
        return False
    if function.parent == "":
        return True
    if function.class_name is None or function.parent != function.class_name:
        return False  # nested inside another function
    cls = next((c for c in module.classes if c.qualname == function.class_name), None)
    if cls is None or cls.parent != "":
        return False
    bases = [last_part(b.dotted) for b in cls.bases if isinstance(b, Name)]
    return cls.name.startswith("Test") or any(b.endswith("TestCase") for b in bases)


def _is_client_construction(expr: Expr | None) -> bool:
    """`TestClient(app)`, `httpx.AsyncClient(transport=...)`, `httpx.Client(app=app)`."""
    if isinstance(expr, Await):
        expr = expr.value
    if not isinstance(expr, Call) or not isinstance(expr.func, Name):
        return False
    qname = expr.func.qname
    if last_part(qname) in CLIENT_CLASSES:
        return True
    return qname in HTTPX_SYNC_CLIENTS and ("app" in expr.kwargs or "transport" in expr.kwargs)


def _mentions_client_class(annotation: Expr | None) -> bool:
    return any(isinstance(node, Name) and last_part(node.dotted) in CLIENT_CLASSES
               for node in walk_expr(annotation))


def _client_fixtures(project: Project, suite: TestSuite) -> set[str]:
    """Fixtures that give a test client: they build one, are annotated so, or wrap one."""
    found: set[str] = set()
    for name, definitions in suite.fixtures.items():
        for module, function in definitions:
            builds = any(_is_client_construction(site.call) for site in calls_in(module, function))
            if builds or _mentions_client_class(function.returns):
                found.add(name)
    for _ in range(3):  # `authorized_client(client, token)` wraps the client fixture
        for name, definitions in suite.fixtures.items():
            if name in found or "client" not in name:
                continue
            if any(p.name in found for _m, f in definitions for p in f.params):
                found.add(name)
    return found


@dataclass(slots=True)
class _Binding:
    name: str
    scope: str  # visible in this scope and scopes nested in it ("" = whole module)
    conventional: bool = False  # known only by its conventional name


def _client_bindings(project: Project, suite: TestSuite, module: ModuleFacts) -> list[_Binding]:
    bindings: list[_Binding] = []
    for assignment in module.assignments:
        if _is_client_construction(assignment.value):
            bindings.extend(_bindings_of_targets(module, assignment))
    for local, qualified in module.imports.items():
        definition = project.lookup(qualified) if "." in qualified else None
        if definition is not None and definition.kind == "assignment" and \
                _is_client_construction(definition.node.value):  # type: ignore[union-attr]
            bindings.append(_Binding(local, ""))
    for function in module.functions:
        for param in function.params:
            if param.name in suite.client_fixtures or _mentions_client_class(param.annotation):
                bindings.append(_Binding(param.name, function.qualname))
            elif param.name in CONVENTIONAL_CLIENT_NAMES:
                bindings.append(_Binding(param.name, function.qualname, conventional=True))
    return bindings


def _bindings_of_targets(module: ModuleFacts, assignment: Assignment) -> list[_Binding]:
    bindings = []
    for target in assignment.targets:
        if not isinstance(target, Name):
            continue
        scope = assignment.scope
        if target.dotted.startswith(("self.", "cls.")):
            # `self.client = TestClient(app)` in setUp: visible in the whole class
            method = next((f for f in module.functions if f.qualname == scope), None)
            scope = method.class_name or scope if method is not None else scope
        bindings.append(_Binding(target.dotted, scope))
    return bindings


def _visible(binding: _Binding, scope: str) -> bool:
    return binding.scope == "" or scope == binding.scope or scope.startswith(binding.scope + ".")


def _requests_in(project: Project, suite: TestSuite, module: ModuleFacts) -> list[RequestSite]:
    bindings = _client_bindings(project, suite, module)
    sites = []
    for site in module.calls:
        call = site.call
        receiver, method_name = _receiver_and_method(call)
        if receiver is None:
            continue
        binding = None
        if receiver != "<client>":
            binding = next((b for b in bindings if b.name == receiver and _visible(b, site.scope)),
                           None)
            if binding is None:
                continue
        request = _request_site(project, module, site.scope, call, method_name)
        if binding is not None and binding.conventional and not _looks_like_path(request):
            continue
        sites.append(request)
    return sites


def _receiver_and_method(call: Call) -> tuple[str | None, str]:
    """`client.get` -> ("client", "get"); `TestClient(app).get` -> ("<client>", "get")."""
    func = call.func
    if isinstance(func, Name) and "." in func.dotted:
        receiver, _, method = func.dotted.rpartition(".")
        if method in REQUEST_METHODS or method in GENERIC_REQUESTS:
            return receiver, method
    if isinstance(func, Attr) and func.attr in REQUEST_METHODS | GENERIC_REQUESTS and \
            _is_client_construction(func.value):
        return "<client>", func.attr
    return None, ""


def _looks_like_path(request: RequestSite) -> bool:
    return request.url is not None and (request.url.startswith("/") or request.any_prefix)


def _request_site(project: Project, module: ModuleFacts, scope: str, call: Call,
                  method_name: str) -> RequestSite:
    if method_name in GENERIC_REQUESTS:
        method_expr, url_expr = call.arg(0, "method"), call.arg(1, "url")
        method_value = project.constant(method_expr)
        method = method_value.upper() if isinstance(method_value, str) else None
    else:
        method, url_expr = method_name.upper(), call.arg(0, "url")
    template = _url_template(project, module, scope, url_expr, call.line)
    if template is None:
        return RequestSite(module, call, scope, method, None)
    path, any_prefix = _normalise_path(template)
    return RequestSite(module, call, scope, method, path, any_prefix)


def _url_template(project: Project, module: ModuleFacts, scope: str, expr: Expr | None,
                  line: int, depth: int = 0) -> str | None:
    """The URL a request targets, with WILDCARD where a value is only known at run time."""
    if expr is None or depth > 6:
        return None
    if isinstance(expr, Const):
        return expr.value if isinstance(expr.value, str) else None
    if isinstance(expr, FStr):
        return _fill_fstring(project, module, scope, expr, line, depth)
    if isinstance(expr, BinOp) and expr.op == "+":
        left = _url_template(project, module, scope, expr.left, line, depth + 1)
        right = _url_template(project, module, scope, expr.right, line, depth + 1)
        return (left if left is not None else WILDCARD) + (right if right is not None else WILDCARD)
    if isinstance(expr, BinOp) and expr.op == "%":
        left = _url_template(project, module, scope, expr.left, line, depth + 1)
        return re.sub(r"%[sdir]", WILDCARD, left) if left is not None else None
    if isinstance(expr, Call) and isinstance(expr.func, Attr) and expr.func.attr == "format":
        base = _url_template(project, module, scope, expr.func.value, line, depth + 1)
        return re.sub(r"{[^{}]*}", WILDCARD, base) if base is not None else None
    if isinstance(expr, Name):
        value = project.constant(expr)
        if isinstance(value, str):
            return value
        local = _local_value(module, scope, expr.dotted, line)
        if local is not None:
            return _url_template(project, module, scope, local, line, depth + 1)
    return None


def _fill_fstring(project: Project, module: ModuleFacts, scope: str, expr: FStr, line: int,
                  depth: int) -> str:
    pieces = expr.text.split(WILDCARD)
    out = [pieces[0]]
    for part, piece in zip(expr.parts, pieces[1:], strict=False):
        value = None
        if isinstance(part, Name):  # a base URL constant or a settings prefix
            value = _url_template(project, module, scope, part, line, depth + 1)
        out.append(value if value is not None and WILDCARD not in value else WILDCARD)
        out.append(piece)
    return "".join(out)


def _local_value(module: ModuleFacts, scope: str, name: str, line: int) -> Expr | None:
    """The last value bound to a local name in `scope` before `line`."""
    found = None
    for assignment in module.assignments:
        if assignment.scope != scope or assignment.line > line or assignment.kind == "augassign":
            continue
        if any(isinstance(t, Name) and t.dotted == name for t in assignment.targets):
            found = assignment.value
    return found


def _normalise_path(template: str) -> tuple[str, bool]:
    """Drop scheme, host, query and fragment; mark an unresolved leading part."""
    text = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]*", "", template)
    text = re.split(r"[?#]", text, maxsplit=1)[0]
    any_prefix = text.startswith(WILDCARD)
    if any_prefix:
        text = text[len(WILDCARD):]
    if not text.startswith("/"):
        text = "/" + text
    return text, any_prefix


# ---- mapping requests to endpoints -------------------------------------------------------

def _segments(path: str) -> list[str]:
    return [part for part in path.strip("/").split("/") if part]


_PATH_CONVERTER = re.compile(r"{\w+:path}")


def _match_score(request: list[str], endpoint: list[str], any_prefix: bool) -> int | None:
    """How well request segments fit an endpoint path template (None: they do not)."""
    if endpoint and _PATH_CONVERTER.fullmatch(endpoint[-1]) and len(request) >= len(endpoint):
        request = [*request[: len(endpoint) - 1], "/".join(request[len(endpoint) - 1:])]
    if any_prefix:
        if len(request) > len(endpoint):
            return None
        endpoint = endpoint[len(endpoint) - len(request):]
    if len(request) != len(endpoint):
        return None
    score = 0
    for asked, declared in zip(request, endpoint, strict=True):
        asked_wild, declared_param = WILDCARD in asked, "{" in declared
        if declared_param:
            score += 2 if asked_wild else 1
        elif asked_wild:
            score += 0
        elif asked == declared:
            score += 3
        else:
            return None
    return score


class _RouteShape(NamedTuple):
    endpoint: object
    methods: set[str]  # upper case
    segments: list[str]
    open_tail: bool  # ends with a `{name:path}` segment that takes any number of parts


class _RouteTable:
    """The endpoints with their methods and path segments, computed once for all requests.

    For a request of a known length (no unresolved prefix), only endpoints that can match
    it are tried: the same segment count (or an open `{x:path}` tail) and, when the
    request's first segment is literal, a parameter or that same literal first. The
    others would get no score from `_match_score` anyway. Inventory order is kept.
    """

    def __init__(self, endpoints: list) -> None:
        self.shapes: list[_RouteShape] = []
        for endpoint in endpoints:
            segments = _segments(endpoint.path)
            open_tail = bool(segments) and _PATH_CONVERTER.fullmatch(segments[-1]) is not None
            self.shapes.append(_RouteShape(endpoint, {m.upper() for m in endpoint.methods},
                                           segments, open_tail))
        self._by_key: dict[tuple[int, str | None], list[_RouteShape]] = {}

    def candidates(self, asked: list[str], any_prefix: bool) -> list[_RouteShape]:
        if any_prefix:
            return self.shapes
        first = asked[0] if asked and WILDCARD not in asked[0] else None
        key = (len(asked), first)
        if key not in self._by_key:
            self._by_key[key] = [s for s in self.shapes if self._may_match(s, *key)]
        return self._by_key[key]

    @staticmethod
    def _may_match(shape: _RouteShape, length: int, first: str | None) -> bool:
        if not shape.open_tail and len(shape.segments) != length:
            return False
        if first is None or not shape.segments or "{" in shape.segments[0]:
            return True
        return shape.segments[0] == first


def _endpoints_for(request: RequestSite, table: _RouteTable) -> list:
    if request.url is None:
        return []
    asked = _segments(request.url)
    if request.any_prefix and all(WILDCARD in part for part in asked):
        return []  # `client.get(f"{path}?q=1")`: nothing known, so it maps to no endpoint
    best: list = []
    best_score = -1
    for endpoint, methods, declared, _ in table.candidates(asked, request.any_prefix):
        if request.method is not None and request.method not in methods and not (
                request.method == "HEAD" and "GET" in methods):
            continue
        score = _match_score(asked, declared, request.any_prefix)
        if score is None:
            continue
        if score > best_score:
            best, best_score = [endpoint], score
        elif score == best_score:
            best.append(endpoint)
    return best


def annotate_endpoint_tests(project: Project) -> None:
    """Set `extra["tested_by"]` ("path:line" of each test-side request) on every endpoint."""
    endpoints = list(project.service.endpoints)
    tested_by: dict[int, list[str]] = {id(e): [] for e in endpoints}
    table = _RouteTable(endpoints)
    for request in test_suite(project).requests:
        for endpoint in _endpoints_for(request, table):
            if request.location not in tested_by[id(endpoint)]:
                tested_by[id(endpoint)].append(request.location)
    for endpoint in endpoints:
        endpoint.extra["tested_by"] = tested_by[id(endpoint)]


# ---- shared helpers of the checks --------------------------------------------------------

def _artifacts(project: Project) -> Artifacts:
    return project.artifacts if project.artifacts is not None else Artifacts(project.app_root)


def _where_tests_were_looked_for(project: Project) -> str:
    patterns = ", ".join(python_files(project))
    root = project.app_root if project.app_root not in ("", ".") else "the repository root"
    return f"looked for test_* functions in files matching {patterns} and in tests/ folders " \
           f"under {root}"


def _no_tests(rule: Rule, project: Project):
    if test_suite(project).tests:
        return None
    return rule.not_applicable(f"no test functions found ({_where_tests_were_looked_for(project)})")


def _endpoint_tests(project: Project) -> dict[int, tuple[ModuleFacts, FunctionFact]]:
    """Test functions that make at least one HTTP request through a test client."""
    suite = test_suite(project)
    found: dict[int, tuple[ModuleFacts, FunctionFact]] = {}
    for request in suite.requests:
        test = suite.test_of_scope(request.module, request.scope)
        if test is not None:
            found.setdefault(id(test), (request.module, test))
    return found


def _test_evidence(project: Project, module: ModuleFacts, function: FunctionFact,
                   message: str) -> Evidence:
    return project.evidence(module.path, function.line, message, scope=function.qualname,
                            snippet_lines=1)


# ---- TST-001 -----------------------------------------------------------------------------
APP = """from fastapi import FastAPI

app = FastAPI()


@app.get("/items/{item_id}")
async def read_item(item_id: int) -> dict[str, int]:
    return {"id": item_id}
"""

CLIENT_TEST = """from fastapi.testclient import TestClient

from app.main import app

client = TestClient(app)


def test_read_item():
    response = client.get("/items/1")
    assert response.status_code == 200


def test_unknown_item_is_404():
    response = client.get("/items/abc")
    assert response.status_code == 422
"""

GH_PYTEST = """name: ci
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install -r requirements.txt
      - run: pytest -q
"""


class Tst001TestsExist(Rule):
    """Detects whether the service has any test functions pytest would collect."""

    id = "TST-001"
    title = "Tests exist"
    dimension = "testing"
    priority = "P0"
    tags = ("health", "p0")
    rationale = (
        "Without automated tests every change is verified by hand, if at all, and regressions "
        "reach users first. A test suite is the cheapest way to keep a service releasable."
    )
    remediation = (
        "Add a `tests/` folder with `test_*.py` files and start with the endpoints that matter "
        "most; drive them through FastAPI's `TestClient` or `httpx.AsyncClient`."
    )
    example_before = "# no tests/ folder, nothing for pytest to collect"
    example_after = (
        "# tests/test_health.py\n"
        "def test_health(client):\n"
        "    assert client.get('/health').status_code == 200"
    )
    VALID = [
        Example({"app/main.py": APP, "tests/test_items.py": CLIENT_TEST}, name="client-tests"),
        Example({"app/main.py": APP, "tests/unit/check_prices.py":
                 "def test_price_is_positive():\n    assert 1 > 0\n",
                 "pytest.ini": "[pytest]\npython_files = check_*.py\n"},
                name="custom-python-files"),
    ]
    INVALID = [
        Example(APP, expect="fail", name="no-tests"),
        Example({"app/main.py": APP, "tests/conftest.py":
                 "import pytest\n\n\n@pytest.fixture\ndef test_data():\n    return {}\n"},
                expect="fail", name="only-fixtures"),
    ]

    def check(self, project: Project):
        suite = test_suite(project)
        if not suite.tests:
            return self.failed([project.absence(
                f"no test functions found ({_where_tests_were_looked_for(project)})")],
                metric={"tests": 0})
        files = sorted({module.path for module, _ in suite.tests})
        evidence = []
        for path in files[:10]:
            module, first = next((m, f) for m, f in suite.tests if m.path == path)
            count = sum(1 for m, _ in suite.tests if m.path == path)
            evidence.append(_test_evidence(project, module, first, counted(count, "test function")))
        return self.passed(evidence, metric={"tests": len(suite.tests), "files": len(files)})


# ---- TST-002 -----------------------------------------------------------------------------
class Tst002EndpointTests(Rule):
    """Detects tests that call the API through a test client (TestClient/httpx.AsyncClient)."""

    id = "TST-002"
    title = "Endpoint tests"
    dimension = "testing"
    priority = "P0"
    tags = ()
    rationale = (
        "Unit tests of helpers miss what breaks most often in an API: routing, validation, "
        "dependencies and serialisation. Requests through a test client exercise all of them."
    )
    remediation = (
        "Write tests that send requests through `fastapi.testclient.TestClient` (sync) or "
        "`httpx.AsyncClient` with `ASGITransport` (async), ideally from a `client` fixture."
    )
    example_before = "def test_total():\n    assert compute_total([1, 2]) == 3"
    example_after = (
        "def test_create_order(client):\n"
        "    response = client.post('/orders', json={'items': [1, 2]})\n"
        "    assert response.status_code == 201"
    )
    VALID = [
        Example({"app/main.py": APP, "tests/test_items.py": CLIENT_TEST}, name="module-client"),
        Example({"app/main.py": APP, "tests/conftest.py": (
            "import pytest\nfrom httpx import ASGITransport, AsyncClient\n\n"
            "from app.main import app\n"
            "\n\n@pytest.fixture\nasync def api(anyio_backend):\n"
            "    transport = ASGITransport(app=app)\n"
            "    async with AsyncClient(transport=transport, base_url='http://t') as c:\n"
            "        yield c\n"),
            "tests/test_items.py": (
            "import pytest\n\n\n@pytest.mark.anyio\nasync def test_read(api):\n"
            "    response = await api.get('/items/1')\n    assert response.status_code == 200\n")},
            name="async-fixture"),
    ]
    INVALID = [
        Example({"app/main.py": APP, "tests/test_logic.py":
                 "def test_sum():\n    assert sum([1, 2]) == 3\n"}, expect="fail",
                name="unit-only"),
        Example({"app/main.py": APP, "tests/test_cache.py": (
            "def test_cache(redis_client):\n    redis_client.get('key')\n"
            "    assert True\n")}, expect="fail", name="other-client"),
    ]

    def check(self, project: Project):
        skipped = _no_tests(self, project)
        if skipped is not None:
            return skipped
        endpoint_tests = _endpoint_tests(project)
        if not endpoint_tests:
            return self.failed([project.absence(
                "no test makes a request through a TestClient/httpx.AsyncClient (or a fixture "
                "giving one)")], metric={"endpoint_tests": 0})
        evidence = [_test_evidence(project, m, f, "requests the API through a test client")
                    for m, f in list(endpoint_tests.values())[:10]]
        return self.passed(evidence, metric={"endpoint_tests": len(endpoint_tests),
                                             "tests": len(test_suite(project).tests)})


# ---- TST-003 -----------------------------------------------------------------------------
ASYNC_MARKERS = {"asyncio", "anyio"}


def _marker_names(expr: Expr | None) -> set[str]:
    """`pytest.mark.asyncio`, `pytest.mark.anyio(...)`, or lists of marks."""
    names = set()
    for node in walk_expr(expr):
        if isinstance(node, Name):
            parts = node.qname.split(".")
            if len(parts) >= 2 and parts[-2] == "mark":
                names.add(parts[-1])
    return names


def _module_marks(module: ModuleFacts, scope: str = "") -> set[str]:
    marks = set()
    for assignment in module.assignments:
        if assignment.scope == scope and any(
                isinstance(t, Name) and t.dotted == "pytestmark" for t in assignment.targets):
            marks |= _marker_names(assignment.value)
    return marks


def _async_marked(module: ModuleFacts, function: FunctionFact) -> bool:
    marks = _module_marks(module)
    for decorator in function.decorators:
        marks |= _marker_names(decorator)
    if function.class_name:
        cls = next((c for c in module.classes if c.qualname == function.class_name), None)
        if cls is not None:
            for decorator in cls.decorators:
                marks |= _marker_names(decorator)
            marks |= _module_marks(module, cls.qualname)
    return bool(marks & ASYNC_MARKERS)


class Tst003AsyncTests(Rule):
    """Detects async tests that run: an asyncio/anyio marker or pytest-asyncio auto mode."""

    id = "TST-003"
    title = "Async tests"
    dimension = "testing"
    priority = "P0"
    tags = ("test#6",)
    rationale = (
        "An async service is best tested with async tests: the same event loop, async database "
        "sessions and `httpx.AsyncClient`. Async test functions without a marker or auto mode "
        "are not awaited by pytest and pass without running."
    )
    remediation = (
        "Set `asyncio_mode = \"auto\"` in the pytest configuration, or mark async tests with "
        "`@pytest.mark.asyncio` / `@pytest.mark.anyio` (or a module-level `pytestmark`)."
    )
    example_before = "async def test_read(client):\n    r = await client.get('/items/1')"
    example_after = (
        "# pyproject.toml\n[tool.pytest.ini_options]\nasyncio_mode = \"auto\"\n\n"
        "async def test_read(client):\n    r = await client.get('/items/1')"
    )
    VALID = [
        Example({"app/main.py": APP, "tests/test_items.py": (
            "import pytest\n\npytestmark = pytest.mark.asyncio\n\n\n"
            "async def test_read():\n    assert True\n")}, name="pytestmark"),
        Example({"app/main.py": APP, "tests/test_items.py":
                 "async def test_read():\n    assert True\n",
                 "pyproject.toml": "[tool.pytest.ini_options]\nasyncio_mode = \"auto\"\n"},
                name="auto-mode"),
        Example({"app/main.py": APP, "tests/test_items.py": (
            "import pytest\n\n\n@pytest.mark.anyio\nasync def test_read():\n    assert True\n")},
            name="anyio-marker"),
    ]
    INVALID = [
        Example({"app/main.py": APP, "tests/test_items.py": CLIENT_TEST}, expect="fail",
                name="sync-only"),
        Example({"app/main.py": APP, "tests/test_items.py":
                 "async def test_read():\n    assert True\n"}, expect="fail",
                name="unmarked-async"),
    ]

    def check(self, project: Project):
        skipped = _no_tests(self, project)
        if skipped is not None:
            return skipped
        pytest_config = _artifacts(project).pyconfig.pytest
        mode = pytest_config.effective_asyncio_mode if pytest_config else None
        suite = test_suite(project)
        async_tests = [(m, f) for m, f in suite.tests if f.is_async]
        marked = [(m, f) for m, f in async_tests if _async_marked(m, f)]
        metric = {"async_tests": len(async_tests), "marked": len(marked)}
        if mode == "auto":
            line = (pytest_config.asyncio_mode_line or pytest_config.addopts_line
                    or pytest_config.line)
            return self.passed([project.evidence(pytest_config.path, line,
                                                 "pytest-asyncio runs in auto mode")], metric)
        if marked:
            return self.passed([_test_evidence(project, m, f, "async test with an asyncio/anyio "
                                               "marker") for m, f in marked[:10]], metric)
        if async_tests:
            return self.failed([_test_evidence(project, m, f, "async test without an asyncio/"
                                               "anyio marker and no asyncio_mode = auto: pytest "
                                               "does not await it") for m, f in async_tests],
                               metric)
        return self.failed([project.absence(
            "no async test functions (all tests are sync) and no asyncio_mode = \"auto\" in the "
            "pytest configuration")], metric)


# ---- TST-004 -----------------------------------------------------------------------------
_STATUS_NAME = re.compile(r"HTTP_(\d{3})(?:_|$)")


def _status_value(project: Project, expr: Expr | None) -> int | None:
    """An HTTP status written as 404, `status.HTTP_404_NOT_FOUND` or `HTTPStatus.NOT_FOUND`."""
    if isinstance(expr, Const) and isinstance(expr.value, int) and not isinstance(expr.value, bool):
        return expr.value
    if isinstance(expr, Name):
        match = _STATUS_NAME.search(expr.dotted)
        if match:
            return int(match.group(1))
        head, _, member = expr.dotted.rpartition(".")
        if head and last_part(head) in ("HTTPStatus", "codes") and \
                member.upper() in HTTPStatus.__members__:
            return HTTPStatus[member.upper()].value
        value = project.constant(expr)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _is_status_expr(expr: Expr | None) -> bool:
    if isinstance(expr, Name):
        return last_part(expr.dotted) in ("status_code", "status")
    if isinstance(expr, Attr):
        return expr.attr in ("status_code", "status")
    return False


def _error_statuses(project: Project, expr: Expr | None) -> bool:
    if isinstance(expr, Seq):
        return any(_error_statuses(project, item) for item in expr.items)
    value = _status_value(project, expr)
    return value is not None and 400 <= value <= 599


def _asserts_error_status(project: Project, comparison) -> bool:
    left, rest = comparison.left, comparison.comparators
    for op, right in zip(comparison.ops, rest, strict=False):
        status_side, other = (left, right) if _is_status_expr(left) else (right, left)
        if _is_status_expr(status_side):
            if op in ("==", "in") and _error_statuses(project, other):
                return True
            if op in (">=", ">") and status_side is left:
                value = _status_value(project, other)
                if value is not None and value >= 399:
                    return True
        left = right
    return False


_ERROR_FLAGS = {"is_error", "is_client_error", "is_server_error"}
_SUCCESS_FLAGS = {"is_success", "ok"}


def _asserts_error_flag(test: Expr | None) -> bool:
    if isinstance(test, Name):
        return last_part(test.dotted) in _ERROR_FLAGS
    if isinstance(test, UnaryOp) and test.op == "not" and isinstance(test.operand, Name):
        return last_part(test.operand.dotted) in _SUCCESS_FLAGS
    return False


def _unittest_error_assert(project: Project, call: Call) -> bool:
    """`self.assertEqual(response.status_code, 404)` and friends."""
    if not isinstance(call.func, Name) or not last_part(call.func.dotted).startswith("assert"):
        return False
    if not any(_is_status_expr(arg) for arg in call.args):
        return False
    return any(_error_statuses(project, arg) for arg in call.args if not _is_status_expr(arg))


def _parametrized_error_status(project: Project, function: FunctionFact) -> bool:
    """`@pytest.mark.parametrize(..., [(..., 404)])` feeding `status_code == expected`."""
    for decorator in function.decorators:
        if isinstance(decorator, Call) and isinstance(decorator.func, Name) and \
                last_part(decorator.func.dotted) == "parametrize":
            for node in walk_expr(decorator):
                value = _status_value(project, node) if isinstance(node, Const | Name) else None
                if value is not None and 400 <= value <= 599:
                    return True
    return False


def _is_sad_path_test(project: Project, module: ModuleFacts, function: FunctionFact) -> bool:
    prefix = function.qualname + "."
    inside = [a for a in module.asserts
              if a.scope == function.qualname or a.scope.startswith(prefix)]
    for statement in inside:
        if _asserts_error_flag(statement.test):
            return True
        if any(_asserts_error_status(project, c) for c in statement.comparisons):
            return True
    parametrized = _parametrized_error_status(project, function)
    for site in calls_in(module, function):
        if _unittest_error_assert(project, site.call):
            return True
        if isinstance(site.call.func, Name) and site.call.func.qname == "pytest.raises":
            return True  # an expected raise in a test that makes requests
    if parametrized:
        return any(any(_is_status_expr(e) for e in (c.left, *c.comparators))
                   for a in inside for c in a.comparisons)
    return False


class Tst004SadPathsTested(Rule):
    """Detects how many endpoint tests assert an error status (>= 400) or an expected raise."""

    id = "TST-004"
    title = "Sad paths tested"
    dimension = "testing"
    priority = "P0"
    tags = ("test#4",)
    rationale = (
        "Happy-path tests show the API works when everything is right; production traffic is "
        "full of missing records, bad input and expired tokens. Error responses are part of "
        "the contract and deserve tests of their own."
    )
    remediation = (
        "For each endpoint, add tests for its failure modes: unknown ids (404), invalid input "
        "(422), missing or wrong credentials (401/403), conflicts (409), and assert the status."
    )
    example_before = (
        "def test_get_user(client):\n    assert client.get('/users/1').status_code == 200"
    )
    example_after = (
        "def test_unknown_user_is_404(client):\n"
        "    assert client.get('/users/999').status_code == 404"
    )
    VALID = [
        Example({"app/main.py": APP, "tests/test_items.py": CLIENT_TEST}, name="half-sad"),
        Example({"app/main.py": APP, "tests/test_items.py": (
            "from fastapi import status\nfrom fastapi.testclient import TestClient\n\n"
            "from app.main import app\n\n\nclass TestItems:\n"
            "    def test_missing(self):\n        client = TestClient(app)\n"
            "        r = client.get('/items/x')\n"
            "        assert r.status_code == status.HTTP_422_UNPROCESSABLE_ENTITY\n")},
            name="status-constant"),
    ]
    INVALID = [
        Example({"app/main.py": APP, "tests/test_items.py": (
            "from fastapi.testclient import TestClient\n\nfrom app.main import app\n\n"
            "client = TestClient(app)\n\n\ndef test_read():\n"
            "    assert client.get('/items/1').status_code == 200\n")}, expect="fail",
            name="happy-only"),
        Example({"app/main.py": APP, "tests/test_items.py": (
            "from fastapi.testclient import TestClient\n\nfrom app.main import app\n\n"
            "client = TestClient(app)\n\n\n"
            "def test_a():\n    assert client.get('/items/1').status_code == 200\n\n\n"
            "def test_b():\n    assert client.get('/items/2').status_code == 200\n\n\n"
            "def test_c():\n    assert client.get('/items/3').status_code == 200\n\n\n"
            "def test_d():\n    assert client.get('/items/x').status_code in (400, 422)\n")},
            expect="warn", name="few-sad"),
    ]

    def check(self, project: Project):
        skipped = _no_tests(self, project)
        if skipped is not None:
            return skipped
        endpoint_tests = list(_endpoint_tests(project).values())
        if not endpoint_tests:
            return self.not_applicable("no endpoint tests (no test requests the API through a "
                                       "test client)")
        sad = [(m, f) for m, f in endpoint_tests if _is_sad_path_test(project, m, f)]
        sad_ids = {id(f) for _, f in sad}
        happy = [(m, f) for m, f in endpoint_tests if id(f) not in sad_ids]
        metric = {"sad_path": len(sad), "endpoint_tests": len(endpoint_tests)}
        share = len(sad) / len(endpoint_tests)
        if share >= 0.30:
            return self.passed([_test_evidence(project, m, f, "asserts an error status")
                                for m, f in sad[:10]], metric)
        evidence = [_test_evidence(project, m, f, "endpoint test asserts no error status "
                                   "(>= 400) and expects no raise") for m, f in happy]
        if sad:
            return self.warned(evidence, metric)
        return self.failed(evidence, metric)


# ---- TST-005 -----------------------------------------------------------------------------
_CI_FAIL_UNDER = re.compile(r"--(?:cov-)?fail-under\b")


@dataclass(slots=True)
class _Gate:
    path: str
    line: int | None
    threshold: float
    how: str


def _coverage_gates(project: Project) -> list[_Gate]:
    artifacts = _artifacts(project)
    gates = [_Gate(g.path, g.line, g.fail_under,
                   "fail_under in coverage config" if g.source == "config"
                   else "--cov-fail-under in pytest addopts")
             for g in artifacts.pyconfig.coverage_gates]
    for run in artifacts.ci.runs_tool(_CI_FAIL_UNDER):
        source = run.followed or run.ci
        threshold = fail_under_in(source.text)
        if threshold is not None:
            how = "coverage gate in a CI command" + (f" (via {run.via})" if run.followed else "")
            gates.append(_Gate(source.path, source.line, threshold, how))
    return gates


class Tst005CoverageGate(Rule):
    """Detects a coverage threshold that fails the test run (config, pytest addopts or CI)."""

    id = "TST-005"
    title = "Coverage gate >= 80 %"
    dimension = "testing"
    priority = "P0"
    tags = ("health",)
    rationale = (
        "Coverage that is only reported erodes quietly; a threshold that fails the build keeps "
        "new code tested and makes a drop visible in the pull request that causes it."
    )
    remediation = (
        "Fail the test run below 80 % coverage: `fail_under = 80` under "
        "`[tool.coverage.report]`, `--cov-fail-under=80` in pytest `addopts`, or "
        "`coverage report --fail-under=80` in CI."
    )
    example_before = "[tool.pytest.ini_options]\naddopts = \"--cov=app\""
    example_after = "[tool.pytest.ini_options]\naddopts = \"--cov=app --cov-fail-under=85\""
    VALID = [
        Example({"app/main.py": APP, "tests/test_items.py": CLIENT_TEST, "pyproject.toml":
                 "[tool.coverage.report]\nfail_under = 90\n"}, name="coverage-config"),
        Example({"app/main.py": APP, "tests/test_items.py": CLIENT_TEST,
                 ".github/workflows/ci.yml": GH_PYTEST.replace(
                     "pytest -q", "coverage run -m pytest && coverage report --fail-under=80")},
                name="ci-command"),
    ]
    INVALID = [
        Example({"app/main.py": APP, "tests/test_items.py": CLIENT_TEST, "pytest.ini":
                 "[pytest]\naddopts = --cov=app --cov-fail-under=60\n"}, expect="warn",
                name="low-gate"),
        Example({"app/main.py": APP, "tests/test_items.py": CLIENT_TEST, "pyproject.toml":
                 "[tool.pytest.ini_options]\naddopts = \"--cov=app\"\n"}, expect="fail",
                name="no-gate"),
    ]

    def check(self, project: Project):
        skipped = _no_tests(self, project)
        if skipped is not None:
            return skipped
        gates = _coverage_gates(project)
        if not gates:
            artifacts = _artifacts(project)
            read = [*artifacts.pyconfig.files, *(f.path for f in artifacts.ci.files)]
            where = f"read {', '.join(read)}" if read else \
                "found no Python tool configuration and no CI"
            return self.failed([project.absence(
                "no coverage gate: no fail_under in coverage config, no --cov-fail-under in "
                f"pytest addopts and no --fail-under in a CI command ({where})")])
        best = max(gates, key=lambda g: g.threshold)
        metric = {"fail_under": best.threshold}
        evidence = [project.evidence(g.path, g.line, f"{g.how}: {g.threshold:g} %")
                    for g in sorted(gates, key=lambda g: -g.threshold)]
        if best.threshold >= 80:
            return self.passed(evidence, metric)
        return self.warned(evidence, metric)


# ---- TST-006 -----------------------------------------------------------------------------
DATABASE_PACKAGES = {
    "sqlalchemy", "sqlmodel", "databases", "asyncpg", "psycopg", "psycopg2", "aiomysql",
    "pymysql", "MySQLdb", "aiosqlite", "sqlite3", "tortoise", "peewee", "pony", "ormar",
    "piccolo", "motor", "pymongo", "beanie", "odmantic", "mongoengine", "edgedb", "prisma",
    "gino", "aiopg", "asyncmy", "oracledb", "pyodbc", "sqlalchemy_utils", "supabase",
}
_DB_URL = re.compile(
    r"^(?P<scheme>postgres(?:ql)?|mysql|mariadb|sqlite|mssql|oracle|mongodb(?:\+srv)?"
    r"|cockroachdb|timescaledb)(?:\+\w+)?://(?P<rest>.*)$", re.IGNORECASE)
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "0.0.0.0", "::1", "[::1]", "host.docker.internal"}
# Reserved for testing and local use (RFC 2606/6761); `example.com` is a real, remote host.
_PLACEHOLDER_DOMAINS = re.compile(r"\.(?:invalid|test|local|localhost|localdomain)$",
                                  re.IGNORECASE)
_DB_ENV_KEY = re.compile(r"DATABASE|(?:^|_)DB(?:_|$)|DSN|SQLALCHEMY|POSTGRES|MYSQL|MONGO",
                         re.IGNORECASE)


def uses_database(project: Project) -> ModuleFacts | None:
    """The first app module importing a database library (None: the service has no DB)."""
    for module in project.app_modules:
        if any(name.split(".")[0] in DATABASE_PACKAGES for name in module.imported_modules):
            return module
    return None


def _db_host(url: str) -> str | None:
    """The host of a database URL ('' for sqlite and socket URLs), None when not a DB URL."""
    match = _DB_URL.match(url.strip())
    if match is None:
        return None
    if match.group("scheme").lower() == "sqlite":
        return ""
    authority = match.group("rest").split("/", 1)[0].split("?", 1)[0]
    host = authority.rpartition("@")[2]
    host = host.split(",")[0]  # mongodb seed lists
    if host.startswith("["):
        return host.split("]")[0] + "]"
    return host.split(":")[0]


def _is_local_host(host: str) -> bool:
    if host in ("",) or host.lower() in _LOCAL_HOSTS or host.startswith("127."):
        return True
    if "{" in host or "$" in host:
        return True  # filled in at run time, not hardcoded
    if "." not in host:
        return True  # a compose/CI service name such as `db` or `postgres`
    return _PLACEHOLDER_DOMAINS.search(host) is not None


def _expr_sites(module: ModuleFacts):
    """(line, expression) for every assignment value and call argument of a module."""
    for assignment in module.assignments:
        yield assignment.line, assignment.value, assignment.scope
    for site in module.calls:
        for arg in [*site.call.args, *site.call.kwargs.values()]:
            yield site.call.line, arg, site.scope


def _database_urls(project: Project):
    seen = set()
    for module in project.test_modules:
        for line, expr, scope in _expr_sites(module):
            for node in walk_expr(expr):
                if isinstance(node, Const) and isinstance(node.value, str):
                    host = _db_host(node.value)
                    if host is not None and (module.path, line, node.value) not in seen:
                        seen.add((module.path, line, node.value))
                        yield module, line, scope, node.value, host


def _override_sites(project: Project):
    for module in project.test_modules:
        for assignment in module.assignments:
            for target in assignment.targets:
                owner = target.value if isinstance(target, Subscript) else target
                if isinstance(owner, Name) and last_part(owner.dotted) == "dependency_overrides":
                    yield module, assignment.line, assignment.scope
        for site in module.calls:
            func = site.call.func
            if isinstance(func, Name) and func.dotted.endswith(".dependency_overrides.update"):
                yield module, site.call.line, site.scope


def _test_db_env_sites(project: Project):
    """`os.environ["DATABASE_URL"] = ...`, `monkeypatch.setenv("DB_URL", ...)`, setdefault."""
    for module in project.test_modules:
        for assignment in module.assignments:
            for target in assignment.targets:
                if isinstance(target, Subscript) and isinstance(target.value, Name) and \
                        target.value.qname in ("os.environ",) and _db_key(target.index):
                    yield module, assignment.line, assignment.scope
        for site in module.calls:
            func = site.call.func
            if isinstance(func, Name) and (func.dotted.endswith((".setenv", "environ.setdefault",
                                                                 "environ.__setitem__"))) \
                    and site.call.args and _db_key([site.call.args[0]]):
                yield module, site.call.line, site.scope


def _db_key(index: list[Expr]) -> bool:
    return any(isinstance(i, Const) and isinstance(i.value, str) and _DB_ENV_KEY.search(i.value)
               for i in index)


def _isolation_fixtures(project: Project, suite: TestSuite):
    """Fixtures that roll back each test's transaction or start a throwaway database."""
    for definitions in suite.fixtures.values():
        for module, function in definitions:
            for site in calls_in(module, function):
                name = call_name(site.call) or (
                    site.call.func.dotted if isinstance(site.call.func, Name) else "")
                last = last_part(name)
                if last in ("rollback", "begin_nested") or name.startswith("testcontainers."):
                    yield module, site.call.line, function, last
                    break


class Tst006IsolatedTestDatabase(Rule):
    """Detects whether tests run against an isolated database rather than a shared one."""

    id = "TST-006"
    title = "Isolated test database"
    dimension = "testing"
    priority = "P0"
    tags = ("test#2", "mistake#10")
    rationale = (
        "Tests that share the app's configured database leak state between runs, fail at "
        "random and can damage real data. A separate or rolled-back database per test keeps "
        "them repeatable and harmless."
    )
    remediation = (
        "Override the session dependency in tests (`app.dependency_overrides[get_db] = ...`) "
        "with a test database (SQLite, a container, or a `_test` database), or wrap each test "
        "in a transaction that a fixture rolls back."
    )
    example_before = "engine = create_engine('postgresql://app@db.prod.internal.corp/app')"
    example_after = "app.dependency_overrides[get_session] = override_session  # test DB"
    DB_APP = APP.replace("from fastapi import FastAPI\n",
                         "from fastapi import FastAPI\nfrom sqlalchemy import create_engine\n\n"
                         "engine = create_engine('postgresql://app@localhost/app')\n")
    VALID = [
        Example({"app/main.py": DB_APP, "tests/conftest.py": (
            "import pytest\n\nfrom app.main import app\n\n\ndef get_test_db():\n    yield None\n"
            "\n\n@pytest.fixture(autouse=True)\ndef overrides():\n"
            "    app.dependency_overrides[object] = get_test_db\n"),
            "tests/test_items.py": CLIENT_TEST}, name="dependency-overrides"),
        Example({"app/main.py": DB_APP, "tests/conftest.py": (
            "import pytest\nfrom sqlalchemy import create_engine\n\n"
            "engine = create_engine('sqlite:///./test.db')\n\n\n@pytest.fixture\ndef session():\n"
            "    connection = engine.connect()\n    transaction = connection.begin()\n"
            "    yield connection\n    transaction.rollback()\n"),
            "tests/test_items.py": CLIENT_TEST}, name="rollback-fixture"),
    ]
    INVALID = [
        Example({"app/main.py": DB_APP, "tests/test_items.py": CLIENT_TEST}, expect="warn",
                name="app-database"),
        Example({"app/main.py": DB_APP, "tests/conftest.py": (
            "import os\n\nos.environ['DATABASE_URL'] = "
            "'postgresql://qa:pw@shared-db.corp.acme.io:5432/app'\n"),
            "tests/test_items.py": CLIENT_TEST}, expect="fail", name="remote-host"),
    ]

    def check(self, project: Project):
        skipped = _no_tests(self, project)
        if skipped is not None:
            return skipped
        if uses_database(project) is None:
            return self.not_applicable("the service uses no database (no database library "
                                       "imported in app code)")
        remote, local = [], []
        for module, line, scope, _url, host in _database_urls(project):
            (local if _is_local_host(host) else remote).append((module, line, scope, host))
        if remote:
            return self.failed([project.evidence(m.path, line, f"tests hardcode the non-local "
                                                 f"database host {host!r}", scope=scope)
                                for m, line, scope, host in remote])
        evidence = [project.evidence(m.path, line, "dependency_overrides assigned in test code",
                                     scope=scope) for m, line, scope in _override_sites(project)]
        evidence += [project.evidence(m.path, line, "a separate database URL for tests",
                                      scope=scope) for m, line, scope, _h in local]
        evidence += [project.evidence(m.path, line, "the test database is set in the environment "
                                      "for tests", scope=scope)
                     for m, line, scope in _test_db_env_sites(project)]
        evidence += [project.evidence(m.path, line, f"fixture `{f.name}` isolates each test "
                                      f"({how})", scope=f.qualname)
                     for m, line, f, how in _isolation_fixtures(project, test_suite(project))]
        if evidence:
            return self.passed(evidence[:20])
        return self.warned([project.absence(
            "no dependency_overrides, test database URL or rolled-back transaction fixture in "
            "test code: tests appear to run on the app's own configured database")])


# ---- TST-007 -----------------------------------------------------------------------------
CONTRACT_IMPORTS = ("schemathesis", "pact")
_CONTRACT_CI = re.compile(r"(?<![\w-])(?:newman|dredd|schemathesis|st\s+run)(?![\w-])")
_SNAPSHOT_PARAMS = {"snapshot", "snapshot_json", "json_snapshot", "data_regression",
                    "file_regression", "snapshottest", "openapi_snapshot"}
_FILE_READS = {"open", "read_text", "load", "loads", "assert_match", "assert_snapshot"}


def _contract_imports(project: Project) -> list[Evidence]:
    found = []
    for module in project.test_modules:
        names = [n for n in module.imported_modules if n.split(".")[0] in CONTRACT_IMPORTS]
        if names:
            site = next((s for s in module.calls if call_name(s.call).split(".")[0]
                         in CONTRACT_IMPORTS), None)
            line = site.call.line if site is not None else None
            tool = names[0].split(".")[0]
            found.append(project.evidence(module.path, line, f"{tool} contract tests"))
    return found


def _schema_snapshot_tests(project: Project) -> list[Evidence]:
    suite = test_suite(project)
    fetches = {id(test): (module, test) for module, test in suite.tests
               if any(call_name(s.call).endswith(".openapi") or (
                   isinstance(s.call.func, Name) and s.call.func.dotted.endswith(".openapi"))
                   for s in calls_in(module, test))}
    for request in suite.requests:
        test = suite.test_of_scope(request.module, request.scope)
        if test is not None and request.url and request.url.rstrip("/").endswith("openapi.json"):
            fetches[id(test)] = (request.module, test)
    found = []
    for module, test in fetches.values():
        compares = any(p.name in _SNAPSHOT_PARAMS for p in test.params) or any(
            isinstance(s.call.func, Name) and last_part(s.call.func.dotted) in _FILE_READS
            for s in calls_in(module, test))
        if compares:
            found.append(_test_evidence(project, module, test, "OpenAPI schema snapshot test"))
    return found


class Tst007ContractTests(Rule):
    """Detects API contract tests: schemathesis, an OpenAPI snapshot test or a CI contract suite."""

    id = "TST-007"
    title = "Contract tests"
    dimension = "testing"
    priority = "P1"
    tags = ()
    rationale = (
        "Clients depend on the published OpenAPI schema. Contract tests catch an accidental "
        "breaking change (a renamed field, a new required parameter) before clients do."
    )
    remediation = (
        "Run schemathesis against the app's OpenAPI schema, keep a snapshot of `/openapi.json` "
        "that a test compares against, or run a contract suite (newman, dredd) in CI."
    )
    example_before = "# only hand-written endpoint tests; schema changes go unnoticed"
    example_after = (
        "schema = schemathesis.from_asgi('/openapi.json', app)\n\n@schema.parametrize()\n"
        "def test_api(case):\n    case.call_and_validate()"
    )
    VALID = [
        Example({"app/main.py": APP, "tests/test_contract.py": (
            "import schemathesis\n\nfrom app.main import app\n\n"
            "schema = schemathesis.from_asgi('/openapi.json', app)\n\n\n@schema.parametrize()\n"
            "def test_api(case):\n    case.call_and_validate()\n")}, name="schemathesis"),
        Example({"app/main.py": APP, "tests/test_schema.py": (
            "import json\nfrom pathlib import Path\n\n"
            "from fastapi.testclient import TestClient\n\nfrom app.main import app\n\n\n"
            "def test_schema_unchanged():\n    client = TestClient(app)\n"
            "    expected = json.loads(Path('tests/openapi.json').read_text())\n"
            "    assert client.get('/openapi.json').json() == expected\n")}, name="snapshot"),
    ]
    INVALID = [
        Example({"app/main.py": APP, "tests/test_items.py": CLIENT_TEST}, expect="fail",
                name="no-contract"),
        Example({"app/main.py": APP, "tests/test_items.py": CLIENT_TEST,
                 "tests/test_docs.py": (
                     "from fastapi.testclient import TestClient\n\nfrom app.main import app\n\n\n"
                     "def test_docs_served():\n"
                     "    assert TestClient(app).get('/openapi.json').status_code == 200\n")},
                expect="fail", name="schema-served-only"),
    ]

    def check(self, project: Project):
        skipped = _no_tests(self, project)
        if skipped is not None:
            return skipped
        evidence = _contract_imports(project) + _schema_snapshot_tests(project)
        for run in _artifacts(project).ci.runs_tool(_CONTRACT_CI):
            source = run.followed or run.ci
            evidence.append(project.evidence(source.path, source.line,
                                             "contract suite run in CI"))
        if evidence:
            return self.passed(evidence)
        return self.failed([project.absence(
            "no contract tests: no schemathesis/pact in tests, no OpenAPI schema snapshot test "
            "and no newman/dredd/schemathesis run in CI")])


# ---- TST-008 -----------------------------------------------------------------------------
FACTORY_LIBRARIES = ("factory", "polyfactory", "pydantic_factories", "model_bakery",
                     "factory_boy")
_FACTORY_NAME = re.compile(r"^(?:make|create)_(?P<noun>\w+)$|^(?P<noun2>\w+)_factory$")
_NOT_DATA = {"app", "application", "client", "test_client", "async_client", "engine", "session",
             "db", "database", "db_session", "tables", "table", "all", "schema", "token",
             "access_token", "settings", "test_app", "test_db", "test_database", "loop",
             "event_loop", "async_engine", "sessionmaker", "session_factory", "url"}


def _factory_library_uses(project: Project) -> list[Evidence]:
    found = []
    for module in project.test_modules:
        for name in sorted(module.imported_modules):
            head = name.split(".")[0]
            if head in FACTORY_LIBRARIES and project.module_named(head) is None:
                cls = next((c for c in module.classes if any(
                    isinstance(b, Name) and b.qname.split(".")[0] == head
                    for b in (x.value if isinstance(x, Subscript) else x for x in c.bases))),
                    None)
                line = cls.line if cls is not None else None
                found.append(project.evidence(module.path, line, f"{head} test data factories"))
                break
    return found


def _is_factory_name(name: str) -> bool:
    match = _FACTORY_NAME.match(name)
    if match is None:
        return False
    noun = match.group("noun") or match.group("noun2")
    return noun not in _NOT_DATA and not noun.endswith(("_client", "_app", "_engine", "_session"))


def _factory_helpers(project: Project, suite: TestSuite) -> list[Evidence]:
    called: set[str] = set()
    requested: set[str] = set()
    for module in project.test_modules:
        for site in module.calls:
            if isinstance(site.call.func, Name):
                called.add(last_part(site.call.func.dotted))
        for function in module.functions:
            requested |= {p.name for p in function.params}
    found = []
    for module in project.test_modules:
        for function in module.functions:
            if function.parent not in ("", function.class_name or "") or \
                    not _is_factory_name(function.name):
                continue
            fixture = _fixture_name(function)
            used = (fixture in requested) if fixture is not None else function.name in called
            if used:
                kind = "fixture" if fixture is not None else "helper"
                found.append(_test_evidence(project, module, function,
                                            f"test data factory {kind} `{function.name}`"))
    return found


class Tst008TestDataFactories(Rule):
    """Detects test data factories (factory_boy, polyfactory, model_bakery, make_* helpers)."""

    id = "TST-008"
    title = "Test data factories"
    dimension = "testing"
    priority = "P1"
    tags = ("test#5",)
    rationale = (
        "Building test objects by hand in every test duplicates setup, hides what each test "
        "cares about, and breaks many tests when a model gains a field. Factories give valid "
        "defaults in one place."
    )
    remediation = (
        "Use polyfactory or factory_boy for models, or write `make_user(**overrides)`-style "
        "helpers or fixtures and call them from tests."
    )
    example_before = (
        "def test_order(db):\n    user = User(email='a@b.c', name='A', role='member', active=True)"
    )
    example_after = "class UserFactory(ModelFactory[User]): ...\n\nuser = UserFactory.build()"
    VALID = [
        Example({"app/main.py": APP, "tests/factories.py": (
            "from polyfactory.factories.pydantic_factory import ModelFactory\nfrom pydantic import "
            "BaseModel\n\n\nclass Item(BaseModel):\n    id: int\n\n\n"
            "class ItemFactory(ModelFactory[Item]):\n    pass\n"),
            "tests/test_items.py": CLIENT_TEST}, name="polyfactory"),
        Example({"app/main.py": APP, "tests/conftest.py": (
            "import pytest\n\n\n@pytest.fixture\ndef make_item():\n"
            "    def build(**overrides):\n        return {'id': 1, **overrides}\n\n"
            "    return build\n"),
            "tests/test_items.py":
                "def test_item(make_item):\n    assert make_item(id=2)['id'] == 2\n"},
            name="factory-fixture"),
    ]
    INVALID = [
        Example({"app/main.py": APP, "tests/test_items.py": CLIENT_TEST}, expect="fail",
                name="inline-data"),
        Example({"app/main.py": APP, "tests/conftest.py": (
            "import pytest\nfrom fastapi.testclient import TestClient\n\nfrom app.main import app\n"
            "\n\ndef create_app():\n    return app\n\n\n@pytest.fixture\ndef client():\n"
            "    return TestClient(create_app())\n"),
            "tests/test_items.py": "def test_read(client):\n"
                                   "    assert client.get('/items/1').status_code == 200\n"},
            expect="fail", name="app-factory-is-not-data"),
    ]

    def check(self, project: Project):
        skipped = _no_tests(self, project)
        if skipped is not None:
            return skipped
        evidence = _factory_library_uses(project) + _factory_helpers(project, test_suite(project))
        if evidence:
            return self.passed(evidence[:20])
        return self.failed([project.absence(
            "no test data factories: no factory_boy/polyfactory/model_bakery in tests and no "
            "make_*/create_*/*_factory helper or fixture used by tests")])


# ---- TST-009 -----------------------------------------------------------------------------
_TEST_RUNNERS = re.compile(r"(?<![\w.-])(?:pytest|py\.test|unittest)(?![\w-])", re.IGNORECASE)
_TASK_RUNNERS = {"make", "gmake", "just", "task", "invoke", "inv", "hatch", "pdm", "poetry",
                 "tox", "nox", "rye", "pipenv", "npm", "yarn", "pnpm"}
_TEST_TARGET = re.compile(r"^(?:test|tests|unit|unittest|unit-tests?|check|ci|cov|coverage)"
                          r"(?:[:\-_].*)?$", re.IGNORECASE)


_SCRIPT_RUNNER = re.compile(r"\b(?:hatch|pdm|poetry|rye|pipenv|uv)\s+run\b")


def _opaque_test_commands(project: Project) -> list:
    """CI commands that may run tests through something not followed (`hatch run test`)."""
    found = []
    for command in _artifacts(project).ci.commands:
        for argv in program_calls(command.text):
            program = posixpath.basename(argv[0])
            hatch_test = program == "hatch" and len(argv) > 1 and argv[1] == "test"
            bare_runner = program in ("tox", "nox") and len(argv) == 1
            test_target = program in _TASK_RUNNERS - {"npm", "yarn", "pnpm"} and any(
                _TEST_TARGET.match(arg) for arg in argv[1:] if not arg.startswith("-"))
            script = _TEST_TARGET.match(argv[0]) is not None and _SCRIPT_RUNNER.search(command.text)
            if hatch_test or bare_runner or test_target or script:
                found.append(command)
                break
    return found


class Tst009CiRunsTests(Rule):
    """Detects whether a CI job runs the test suite (directly or one level down)."""

    id = "TST-009"
    title = "CI runs the tests"
    dimension = "testing"
    priority = "P0"
    tags = ("test#7", "p0")
    rationale = (
        "Tests that only run on a developer's machine are skipped exactly when they matter. "
        "Running them in CI on every change makes a red build block the merge."
    )
    remediation = (
        "Add a CI step that runs pytest, directly (`uv run pytest`) or through the Makefile, "
        "tox or nox target the team already uses."
    )
    example_before = "steps:\n  - run: pip install -r requirements.txt\n  - run: docker build ."
    example_after = "steps:\n  - run: pip install -r requirements.txt\n  - run: pytest -q"
    VALID = [
        Example({"app/main.py": APP, "tests/test_items.py": CLIENT_TEST,
                 ".github/workflows/ci.yml": GH_PYTEST}, name="direct"),
        Example({"app/main.py": APP, "tests/test_items.py": CLIENT_TEST,
                 "Makefile": "test:\n\tpython -m pytest -q\n",
                 ".gitlab-ci.yml": "tests:\n  image: python:3.12\n  script:\n    - make test\n"},
                name="via-make"),
    ]
    INVALID = [
        Example({"app/main.py": APP, "tests/test_items.py": CLIENT_TEST,
                 ".github/workflows/ci.yml": GH_PYTEST.replace("pytest -q", "ruff check .")},
                expect="fail", name="lint-only"),
        Example({"app/main.py": APP, "tests/test_items.py": CLIENT_TEST,
                 ".github/workflows/docker.yml": GH_PYTEST.replace(
                     "pytest -q", "docker build -t api .")}, expect="fail", name="build-only"),
    ]

    def check(self, project: Project):
        skipped = _no_tests(self, project)
        if skipped is not None:
            return skipped
        ci = _artifacts(project).ci
        if not ci.has_ci:
            return self.not_applicable(
                f"no CI configuration found (looked in {_artifacts(project).looked_in('ci')})")
        runs = ci.runs_tool(_TEST_RUNNERS)
        if runs:
            evidence = []
            for run in runs[:10]:
                message = "CI runs the tests" + (f" (via {run.via})" if run.followed else "")
                evidence.append(project.evidence(run.ci.path, run.ci.line, message))
                if run.followed:
                    evidence.append(project.evidence(run.followed.path, run.followed.line,
                                                     f"the {run.via} step runs pytest"))
            return self.passed(evidence)
        opaque = _opaque_test_commands(project)
        if opaque:
            return self.unknown([project.evidence(c.path, c.line, "CI calls a test target that "
                                                  "could not be followed; it may run the tests")
                                 for c in opaque])
        if ci.errors:
            return self.unknown([project.absence(f"CI configuration could not be read: {error}")
                                 for error in ci.errors])
        return self.failed([project.evidence(f.path, None, "CI runs no tests (no pytest, "
                                             "directly or through a script, Makefile, tox or nox)")
                            for f in ci.files])


RULES = (
    Tst001TestsExist, Tst002EndpointTests, Tst003AsyncTests, Tst004SadPathsTested,
    Tst005CoverageGate, Tst006IsolatedTestDatabase, Tst007ContractTests,
    Tst008TestDataFactories, Tst009CiRunsTests,
)
