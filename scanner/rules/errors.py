"""Error handling checks (ERR): exception hierarchy, global handlers, error bodies, leaks.

Handlers are found on every app of the service: `app.add_exception_handler(...)`,
`@app.exception_handler(...)` and `FastAPI(exception_handlers={...})`; middleware that
catches `Exception` and returns a response counts as a global handler.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field

from ..project import Project
from ..python.facts import (
    Attr,
    Await,
    BinOp,
    Call,
    ClassFact,
    Const,
    DictExpr,
    Expr,
    FStr,
    FunctionFact,
    ModuleFacts,
    Name,
    Seq,
    Statement,
    Subscript,
)
from .base import FAIL, WARN, Evidence, Example, Rule, counted
from .matchers import calls_in, function_by_qualname, last_part, walk_expr
from .typing import local_values, pass_unless_unparsed, returns_of

ClassRef = tuple[ModuleFacts, ClassFact]
FunctionRef = tuple[ModuleFacts, FunctionFact]

BUILTIN_EXCEPTION_ROOTS = {"Exception", "BaseException", "StopIteration", "KeyboardInterrupt",
                           "GeneratorExit", "SystemExit", "Warning"}
HTTP_EXCEPTIONS = {"HTTPException", "RequestValidationError", "WebSocketRequestValidationError",
                   "ValidationError", "StarletteHTTPException", "ResponseValidationError"}
GLOBAL_EXCEPTIONS = {"Exception", "BaseException"}


def _is_exception_base(name: str) -> bool:
    last = last_part(name)
    return last in BUILTIN_EXCEPTION_ROOTS or last.endswith(("Error", "Exception"))


def is_exception_class(project: Project, module: ModuleFacts, cls: ClassFact) -> bool:
    """A class deriving (through the tree) from Exception or an outside exception class."""
    return any(_is_exception_base(b) for b in project.base_names(module, cls))


def own_exception_classes(project: Project) -> list[ClassRef]:
    return [(m, c) for m, c in project.iter_classes() if is_exception_class(project, m, c)]


def _key(ref: ClassRef | FunctionRef) -> tuple[str, str]:
    return ref[0].path, ref[1].qualname


def _function_ref(project: Project, module: ModuleFacts, expr: Expr | None) -> FunctionRef | None:
    if not isinstance(expr, Name):
        return None
    local = function_by_qualname(module, expr.dotted)
    if local is not None:
        return module, local
    definition = project.definition_of(expr)
    if definition is not None and definition.kind == "function":
        return definition.module, definition.node  # type: ignore[return-value]
    return None


# ---- handlers ----------------------------------------------------------------------------
@dataclass(slots=True)
class Handler:
    """One registered exception handler: what it catches and the function that answers."""

    caught: Expr | None
    module: ModuleFacts  # where it is registered
    line: int
    end_line: int
    function: FunctionRef | None
    kind: str = ""  # "own", "global", "http", "other", "unresolved"


@dataclass(slots=True)
class ErrorHandling:
    handlers: list[Handler] = field(default_factory=list)
    middleware: list[FunctionRef] = field(default_factory=list)  # exception -> response

    @property
    def exists(self) -> bool:
        return bool(self.handlers or self.middleware)


def _classify(project: Project, module: ModuleFacts, caught: Expr | None,
              own: set[tuple[str, str]]) -> str:
    if caught is None:
        return "other"
    value = project.constant(caught)
    if isinstance(value, int) and not isinstance(value, bool):
        return "global" if value == 500 else "http"
    if not isinstance(caught, Name):
        return "other"
    if last_part(caught.dotted).startswith("HTTP_500"):
        return "global"
    if last_part(caught.dotted).startswith("HTTP_"):
        return "http"
    if caught.qname in GLOBAL_EXCEPTIONS:
        return "global"
    cls = project.class_of(caught)
    if cls is not None and _key(cls) in own:
        return "own"
    if last_part(caught.dotted) in HTTP_EXCEPTIONS:
        return "http"
    if _unbound_name(project, module, caught):
        return "unresolved"
    return "other"


def _unbound_name(project: Project, module: ModuleFacts, name: Name) -> bool:
    """A loop variable or parameter (`for exc, handler in handlers.items(): ...`), or an
    attribute of one (`for h in HANDLERS: ...(h.exception_class, ...)`): its head is neither
    imported, defined in the module nor a builtin, so what it catches is not known."""
    head = name.dotted.split(".")[0]
    if head in module.imports or hasattr(builtins, head):
        return False
    return "." not in name.qname or project.lookup(f"{module.module}.{head}") is None


def find_error_handling(project: Project) -> ErrorHandling:
    """Exception handlers on every app of the service, and exception-catching middleware."""
    found = ErrorHandling()
    service = project.service
    for module, site in service.app_calls(project, "add_exception_handler"):
        call = site.call
        handler = _function_ref(project, module, call.arg(1, "handler"))
        found.handlers.append(Handler(call.arg(0, "exc_class_or_status_code"), module,
                                      call.line, call.end_line, handler))
    for module, site in service.app_calls(project, "exception_handler"):
        decorated = next((f for f in module.functions
                          if any(d is site.call for d in f.decorators)), None)
        found.handlers.append(Handler(site.call.arg(0, "exc_class_or_status_code"), module,
                                      site.call.line, site.call.end_line,
                                      (module, decorated) if decorated else None))
    for app in service.apps:
        handlers = project.resolve(app.kwargs.get("exception_handlers"))
        if isinstance(handlers, DictExpr):
            for key, value in zip(handlers.keys, handlers.values, strict=False):
                if key is not None:
                    found.handlers.append(Handler(key, app.module, app.call.line,
                                                  app.call.end_line,
                                                  _function_ref(project, app.module, value)))
    own = {_key(ref) for ref in own_exception_classes(project)}
    for handler in found.handlers:
        handler.kind = _classify(project, handler.module, handler.caught, own)
    found.middleware = _exception_middleware(project)
    return found


def _middleware_functions(project: Project) -> list[FunctionRef]:
    service = project.service
    functions: list[FunctionRef] = []
    for module, site in service.app_calls(project, "middleware"):
        decorated = next((f for f in module.functions
                          if any(d is site.call for d in f.decorators)), None)
        if decorated is not None:
            functions.append((module, decorated))
    for _module, site in service.app_calls(project, "add_middleware"):
        cls = project.class_of(site.call.arg(0, "middleware_class"))
        if cls is None:
            continue
        for method in ("dispatch", "__call__"):
            function = function_by_qualname(cls[0], f"{cls[1].qualname}.{method}")
            if function is not None:
                functions.append((cls[0], function))
    return functions


def _catches_everything(types: Expr | None) -> bool:
    if types is None:
        return True
    items = types.items if isinstance(types, Seq) else [types]
    return any(isinstance(t, Name) and t.qname in GLOBAL_EXCEPTIONS for t in items)


def _in_scope(scope: str, function: FunctionFact) -> bool:
    return scope == function.qualname or scope.startswith(function.qualname + ".")


def _except_returns(module: ModuleFacts, function: FunctionFact,
                    catch_all_only: bool = True) -> list[Statement]:
    """Return statements written inside the function's `except` clauses."""
    clauses = [c for c in module.excepts if _in_scope(c.scope, function)
               and (not catch_all_only or _catches_everything(c.types))]
    return [r for r in module.returns if _in_scope(r.scope, function) and any(
        c.line <= r.line <= c.end_line for c in clauses)]


def _is_response_call(expr: Expr | None) -> bool:
    if isinstance(expr, Await):
        expr = expr.value
    return isinstance(expr, Call) and isinstance(expr.func, Name) and \
        last_part(expr.func.dotted).endswith("Response")


def _exception_middleware(project: Project) -> list[FunctionRef]:
    """Middleware that catches every exception and answers with a response itself."""
    return [(module, function) for module, function in _middleware_functions(project)
            if any(_is_response_call(r.value) or _response_name(module, function, r.value)
                   for r in _except_returns(module, function))]


def _response_name(module: ModuleFacts, function: FunctionFact, expr: Expr | None) -> bool:
    if not isinstance(expr, Name) or "." in expr.dotted:
        return False
    return any(_is_response_call(v) for v in local_values(module, function.qualname, expr.dotted))


def _handler_evidence(project: Project, handler: Handler, message: str) -> Evidence:
    return project.evidence(handler.module.path, handler.line, message,
                            end_line=handler.end_line)


def _caught_label(handler: Handler) -> str:
    caught = handler.caught
    if isinstance(caught, Name):
        return caught.dotted
    if isinstance(caught, Const):
        return repr(caught.value)
    return "?"


APP = """from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse

app = FastAPI()
"""
ERRORS = """

class AppError(Exception):
    def __init__(self, message: str, code: str, status_code: int = 400):
        self.message, self.code, self.status_code = message, code, status_code


class NotFoundError(AppError):
    def __init__(self, what: str):
        super().__init__(f"{what} not found", "NOT_FOUND", 404)
"""


# ---- ERR-001 -----------------------------------------------------------------------------
class Err001ErrorHierarchy(Rule):
    """Detects whether the app defines its own base exception with subclasses."""

    id = "ERR-001"
    title = "Application error hierarchy"
    dimension = "error_handling"
    priority = "P0"
    tags = ("err#2",)
    rationale = (
        "A small tree of domain exceptions (`AppError` -> `NotFoundError`, `ConflictError`) "
        "lets business code say what went wrong without knowing about HTTP, and lets one "
        "handler turn every such error into a consistent response."
    )
    remediation = (
        "Define a base exception for the application carrying a code and message, derive "
        "specific errors from it, and raise those from services instead of HTTP errors."
    )
    example_before = "raise HTTPException(404, 'user not found')"
    example_after = "class AppError(Exception): ...\nclass NotFoundError(AppError): ...\n\n" \
                    "raise NotFoundError('user', user_id)"
    VALID = [
        Example(APP + ERRORS),
        Example({"app/main.py": APP + "from app.errors import ConflictError\n",
                 "app/errors.py": "from app.base import DomainError\n\n"
                                  "class ConflictError(DomainError):\n    pass\n",
                 "app/base.py": "class DomainError(RuntimeError):\n    pass\n"},
                name="across-modules"),
    ]
    INVALID = [
        Example(APP + "\nclass AppError(Exception):\n    pass\n", expect=WARN,
                name="single-class"),
        Example(APP + """
@app.get("/x")
def x():
    raise HTTPException(status_code=404, detail="missing")
""", expect=FAIL, name="none"),
        Example(APP + """
class NotFound(HTTPException):
    pass

class Conflict(HTTPException):
    pass
""", expect=WARN, name="library-base-only"),
    ]

    def check(self, project: Project) -> object:
        own = own_exception_classes(project)
        by_key = {_key(ref): ref for ref in own}
        children: dict[tuple[str, str], list[ClassRef]] = {}
        for ref in own:
            for base in ref[1].bases:
                parent = project.class_of(base.value if isinstance(base, Subscript) else base)
                if parent is not None and _key(parent) in by_key and _key(parent) != _key(ref):
                    children.setdefault(_key(parent), []).append(ref)
        metric = {"exception_classes": len(own)}
        if children:
            evidence = [self._class_evidence(project, by_key[key], "base of " + ", ".join(
                c[1].qualname for c in subs)) for key, subs in children.items()]
            return self.passed(evidence, metric)
        if own:
            evidence = [self._class_evidence(project, ref, "an exception class with no "
                                             "subclass of its own in the tree")
                        for ref in own[:10]]
            return self.warned(evidence, metric)
        if project.app_parse_errors:
            return self.unknown([project.absence("no exception class found, but some app "
                                                 "files could not be parsed")], metric)
        return self.failed([project.absence(
            "no exception class defined in app code (looked in "
            f"{counted(len(project.app_modules), 'module')})")], metric)

    @staticmethod
    def _class_evidence(project: Project, ref: ClassRef, message: str) -> Evidence:
        module, cls = ref
        return project.evidence(module.path, cls.line, f"`{cls.qualname}`: {message}",
                                scope=cls.qualname, snippet_lines=1)


# ---- ERR-002 -----------------------------------------------------------------------------
class Err002GlobalHandler(Rule):
    """Detects an exception handler for own errors or Exception (or catching middleware)."""

    id = "ERR-002"
    title = "Global handler"
    dimension = "error_handling"
    priority = "P0"
    tags = ("err#3",)
    rationale = (
        "Without a handler for the application's errors every raise site must build its own "
        "HTTP response, and anything unexpected becomes Starlette's bare 500 text. One "
        "registered handler keeps status codes and bodies consistent across the API."
    )
    remediation = (
        "Register handlers in the app factory: `app.add_exception_handler(AppError, "
        "app_error_handler)` for domain errors and one for `Exception` that logs and "
        "returns a generic 500 body."
    )
    example_before = "app = FastAPI()  # no exception handlers"
    example_after = "app = FastAPI()\napp.add_exception_handler(AppError, app_error_handler)\n" \
                    "app.add_exception_handler(Exception, unhandled_error_handler)"
    VALID = [
        Example(APP + ERRORS + """

@app.exception_handler(AppError)
async def on_app_error(request: Request, exc: AppError):
    return JSONResponse(status_code=exc.status_code,
                        content={"code": exc.code, "message": exc.message})
"""),
        Example({"app/main.py": """from fastapi import FastAPI
from app.handlers import on_crash

def create_app() -> FastAPI:
    application = FastAPI(exception_handlers={Exception: on_crash})
    return application

app = create_app()
""", "app/handlers.py": """from fastapi.responses import JSONResponse

async def on_crash(request, exc):
    return JSONResponse(status_code=500, content={"code": "internal", "message": "oops"})
"""}, name="factory-kwarg-dict"),
        Example(APP + """
@app.middleware("http")
async def errors(request: Request, call_next):
    try:
        return await call_next(request)
    except Exception:
        return JSONResponse(status_code=500, content={"code": "internal", "message": "x"})
""", name="middleware"),
    ]
    INVALID = [
        Example(APP + """from fastapi.exceptions import RequestValidationError

async def on_validation(request, exc):
    return JSONResponse(status_code=422, content={"detail": exc.errors()})

app.add_exception_handler(RequestValidationError, on_validation)
""", expect=WARN, name="validation-only"),
        Example(APP + """
@app.get("/x")
def x():
    return {}
""", expect=FAIL, name="none"),
    ]

    def check(self, project: Project) -> object:
        handling = find_error_handling(project)
        broad = [h for h in handling.handlers if h.kind in ("own", "global")]
        if broad or handling.middleware:
            evidence = [_handler_evidence(project, h, f"handler for {_caught_label(h)}")
                        for h in broad]
            evidence += [project.evidence(m.path, f.line, f"middleware `{f.qualname}` turns "
                                          "exceptions into responses", scope=f.qualname,
                                          snippet_lines=1) for m, f in handling.middleware]
            return self.passed(evidence)
        unresolved = [h for h in handling.handlers if h.kind == "unresolved"]
        if unresolved:
            return self.unknown([_handler_evidence(
                project, h, f"a handler is registered for `{_caught_label(h)}`, whose "
                "exception class cannot be told from the code") for h in unresolved])
        if handling.handlers:
            return self.warned([_handler_evidence(
                project, h, f"only a handler for {_caught_label(h)}; no handler for the "
                "app's own errors or Exception") for h in handling.handlers])
        if project.app_parse_errors:
            return self.unknown([project.absence("no exception handler found, but some app "
                                                 "files could not be parsed")])
        return self.failed([project.absence(
            "no exception handler (add_exception_handler, @exception_handler, "
            "exception_handlers=) or exception-catching middleware on any app")])


# ---- ERR-003 -----------------------------------------------------------------------------
CODE_KEYS = {"code", "type", "error_code", "errorcode", "error_type", "errortype"}
MESSAGE_KEYS = {"message", "detail", "msg", "title", "description", "error_message",
                "errormessage", "error_description"}
JSON_RESPONSES = {"JSONResponse", "ORJSONResponse", "UJSONResponse"}
TEXT_RESPONSES = {"PlainTextResponse", "HTMLResponse", "Response"}  # text unless JSON-dumped
DEFAULT_HANDLERS = {"http_exception_handler", "request_validation_exception_handler"}
BARE = "bare"


class _BodyJudge:
    """Decides the keys of the JSON an error handler returns, or that it is a bare string."""

    def __init__(self, project: Project, module: ModuleFacts, function: FunctionFact):
        self.project, self.module, self.function = project, module, function

    def of_return(self, expr: Expr | None, depth: int = 0) -> set[str] | str | None:
        if depth > 6 or expr is None:
            return None
        if isinstance(expr, Await):
            return self.of_return(expr.value, depth + 1)
        if isinstance(expr, Name) and "." not in expr.dotted:
            return self._single(self.of_return, expr, depth)
        if not isinstance(expr, Call) or not isinstance(expr.func, Name):
            return None
        name = last_part(expr.func.dotted)
        if name in DEFAULT_HANDLERS:
            return {"detail"}  # FastAPI's own handlers answer {"detail": ...}
        if name in JSON_RESPONSES:
            return self.of_content(expr.arg(0, "content"), depth + 1)
        if name in TEXT_RESPONSES:
            content = expr.arg(0, "content")
            keys = self.of_content(content, depth + 1)  # Response(json.dumps({...}))
            if isinstance(keys, set):
                return keys
            return BARE if name != "Response" or _stringish(content) else None
        return None

    def of_content(self, expr: Expr | None, depth: int = 0) -> set[str] | str | None:
        if depth > 6 or expr is None:
            return None
        if _stringish(expr):
            return BARE
        if isinstance(expr, DictExpr):
            return _dict_keys(expr)
        if isinstance(expr, Name) and "." not in expr.dotted:
            return self._single(self.of_content, expr, depth)
        if isinstance(expr, Attr) and isinstance(expr.value, Call):  # Model(...).model_dump
            return self.of_content(expr.value, depth + 1)
        if not isinstance(expr, Call):
            return None
        if isinstance(expr.func, Name) and last_part(expr.func.dotted) in (
                "jsonable_encoder", "dumps") and expr.args:
            return self.of_content(expr.args[0], depth + 1)
        if isinstance(expr.func, Attr | Name) and _method_name(expr.func) in (
                "model_dump", "dict", "model_dump_json", "json"):
            return self.of_content(_receiver(expr.func), depth + 1)
        cls = self.project.class_of(expr.func)
        if cls is not None:
            return {f.name.lower() for f in self.project.all_fields(*cls)}
        return self._method_result(expr, depth)

    def _single(self, judge, name: Name, depth: int):
        values = local_values(self.module, self.function.qualname, name.dotted)
        if len(values) != 1:
            return None
        return judge(values[0], depth + 1)

    def _method_result(self, call: Call, depth: int) -> set[str] | str | None:
        """`exc.to_dict()` where `exc` is typed with a class of the tree: its returned dict."""
        if not isinstance(call.func, Name) or call.func.dotted.count(".") != 1:
            return None
        receiver, method = call.func.dotted.split(".")
        param = self.function.param(receiver)
        cls = self.project.class_of(param.annotation) if param is not None else None
        if cls is None:
            return None
        target = function_by_qualname(cls[0], f"{cls[1].qualname}.{method}")
        if target is None:
            return None
        judge = _BodyJudge(self.project, cls[0], target)
        results = [judge.of_content(r.value, depth + 1) for r in returns_of(cls[0], target)]
        return results[0] if len(results) == 1 else None


def _method_name(func: Expr) -> str:
    if isinstance(func, Attr):
        return func.attr
    return last_part(func.dotted) if isinstance(func, Name) and "." in func.dotted else ""


def _receiver(func: Expr) -> Expr | None:
    if isinstance(func, Attr):
        return func.value
    if isinstance(func, Name):
        head = func.dotted.rpartition(".")[0]
        return Name(head, func.qname.rpartition(".")[0])
    return None


def _stringish(expr: Expr | None) -> bool:
    if isinstance(expr, Const):
        return isinstance(expr.value, str)
    if isinstance(expr, FStr):
        return True
    if isinstance(expr, Call) and isinstance(expr.func, Name) and expr.func.dotted in (
            "str", "repr"):
        return True
    return isinstance(expr, BinOp) and (_stringish(expr.left) or _stringish(expr.right))


def _dict_keys(expr: DictExpr) -> set[str]:
    """String keys of a dict literal and of the dicts nested in it (`{"error": {...}}`)."""
    keys: set[str] = set()
    for key, value in zip(expr.keys, expr.values, strict=False):
        if isinstance(key, Const) and isinstance(key.value, str):
            keys.add(key.value.lower())
        if isinstance(value, DictExpr):
            keys |= _dict_keys(value)
    return keys


def _structured(keys: set[str]) -> bool:
    return bool(keys & CODE_KEYS) and bool(keys & MESSAGE_KEYS)


class Err003StructuredErrorBody(Rule):
    """Detects whether the handler for own errors answers with a code and a message."""

    id = "ERR-003"
    title = "Structured error body"
    dimension = "error_handling"
    priority = "P0"
    tags = ("err#1",)
    rationale = (
        "Clients need to branch on what went wrong. A stable machine code next to a human "
        "message lets them do that without parsing English text, and keeps the format the "
        "same for every error the API can produce."
    )
    remediation = (
        "Have the error handler return JSON such as `{\"error\": {\"code\": \"NOT_FOUND\", "
        "\"message\": \"...\", \"details\": {...}}}` (or RFC 9457 problem details) for "
        "every application error."
    )
    example_before = "return JSONResponse(status_code=404, content={'detail': str(exc)})"
    example_after = "return JSONResponse(status_code=exc.status_code,\n" \
                    "    content={'error': {'code': exc.code, 'message': exc.message}})"
    VALID = [
        Example(APP + ERRORS + """

@app.exception_handler(AppError)
async def on_app_error(request: Request, exc: AppError):
    return JSONResponse(status_code=exc.status_code,
                        content={"error": {"code": exc.code, "message": exc.message}})
"""),
        Example(APP + ERRORS + """from pydantic import BaseModel

class Problem(BaseModel):
    type: str
    title: str

async def on_app_error(request: Request, exc: AppError):
    body = Problem(type=exc.code, title=exc.message)
    return JSONResponse(status_code=exc.status_code, content=body.model_dump())

app.add_exception_handler(AppError, on_app_error)
""", name="model-body"),
    ]
    INVALID = [
        Example(APP + ERRORS + """

@app.exception_handler(AppError)
async def on_app_error(request: Request, exc: AppError):
    return JSONResponse(status_code=exc.status_code, content={"detail": exc.message})
""", expect=FAIL, name="detail-only"),
        Example(APP + ERRORS + """from fastapi.responses import PlainTextResponse

async def on_app_error(request: Request, exc: AppError):
    return PlainTextResponse(exc.message, status_code=exc.status_code)

app.add_exception_handler(AppError, on_app_error)
""", expect=FAIL, name="plain-text"),
    ]

    def check(self, project: Project) -> object:
        handling = find_error_handling(project)
        if not handling.exists:
            return self.not_applicable("no exception handler to examine (ERR-002 fails)")
        judged = self._judged_functions(handling)
        if not judged:
            return self.unknown([_handler_evidence(project, h, "the handler function could "
                                                   "not be found in the tree")
                                 for h in handling.handlers])
        good, bad, undecided = [], [], []
        for module, function, statements in judged:
            for statement in statements:
                keys = _BodyJudge(project, module, function).of_return(statement.value)
                place = (module, function, statement)
                if keys is None:
                    undecided.append(place)
                elif keys == BARE or not _structured(keys):  # type: ignore[arg-type]
                    bad.append((place, keys))
                else:
                    good.append(place)
        if bad:
            return self.failed([self._evidence(project, place, self._why(keys))
                                for place, keys in bad])
        if good and not undecided:
            return self.passed([self._evidence(project, place, "returns a code and a message")
                                for place in good])
        return self.unknown([self._evidence(project, place, "the error body could not be "
                                            "determined from the code") for place in undecided]
                            or [project.absence("no return statement in the handlers")])

    @staticmethod
    def _judged_functions(handling: ErrorHandling):
        """Handlers for own errors; else for Exception/500; else any handler or middleware."""
        for kinds in (("own",), ("global",), ("http", "other")):
            functions = {id(h.function[1]): h.function for h in handling.handlers
                         if h.kind in kinds and h.function is not None}
            if functions:
                return [(m, f, returns_of(m, f)) for m, f in functions.values()]
        return [(m, f, _except_returns(m, f)) for m, f in handling.middleware]

    @staticmethod
    def _why(keys) -> str:
        if keys == BARE:
            return "returns a bare string as the error body"
        if keys == {"detail"}:
            return "returns only {\"detail\": ...} (no machine-readable code)"
        return f"returns {sorted(keys)} without both a machine code and a message"

    @staticmethod
    def _evidence(project: Project, place, message: str) -> Evidence:
        module, function, statement = place
        return project.evidence(module.path, statement.line, f"`{function.qualname}` {message}",
                                end_line=statement.end_line, scope=function.qualname)


# ---- ERR-004 -----------------------------------------------------------------------------
HTTP_EXCEPTION_NAMES = {"fastapi.HTTPException", "fastapi.exceptions.HTTPException",
                        "starlette.exceptions.HTTPException", "starlette.HTTPException"}


def _http_exception_kind(project: Project, func: Expr) -> str | None:
    """"direct" for HTTPException itself, "subclass" for a tree class derived from it."""
    if not isinstance(func, Name):
        return None
    if func.qname in HTTP_EXCEPTION_NAMES:
        return "direct"
    cls = project.class_of(func)
    if cls is not None:
        bases = project.base_names(*cls)
        return "subclass" if any(last_part(b) == "HTTPException" for b in bases) else None
    return "direct" if last_part(func.qname) == "HTTPException" and \
        func.qname.startswith(("fastapi", "starlette")) else None


def _is_bare_string(project: Project, expr: Expr | None) -> bool:
    if isinstance(expr, FStr):
        return True
    if isinstance(expr, BinOp) and expr.op in ("+", "%"):
        return _is_bare_string(project, expr.left) or _is_bare_string(project, expr.right)
    if isinstance(expr, Call) and isinstance(expr.func, Attr) and expr.func.attr == "format":
        return _is_bare_string(project, expr.func.value)
    if isinstance(expr, Name):
        expr = project.resolve(expr)  # a module constant such as USER_NOT_FOUND = "..."
    return isinstance(expr, Const) and isinstance(expr.value, str)


def _raised_call(project: Project, module: ModuleFacts, statement: Statement) -> Call | None:
    """The exception constructed by a raise; `raise exc` follows `exc = HTTPException(...)`,
    bound in the raising function or, when the function does not bind the name, at module
    level (also imported: `credentials_error = HTTPException(...)` in another module)."""
    value = statement.value
    if isinstance(value, Name) and "." not in value.dotted:
        values = local_values(module, statement.scope, value.dotted)
        if values:
            value = values[0] if len(values) == 1 else None
        elif _bound_in_function(module, statement.scope, value.dotted):
            value = None
        else:
            value = project.resolve(value)
    return value if isinstance(value, Call) else None


def _bound_in_function(module: ModuleFacts, scope: str, name: str) -> bool:
    """A parameter or `except ... as name` of the raising function shadows a global."""
    function = function_by_qualname(module, scope)
    if function is not None and any(p.name == name for p in function.params):
        return True
    return any(c.name == name and c.scope == scope for c in module.excepts)


class Err004DomainErrors(Rule):
    """Detects raise sites of HTTPException with a bare string detail."""

    id = "ERR-004"
    title = "Domain errors, not bare strings"
    dimension = "error_handling"
    priority = "P0"
    tags = ("err#2", "health")
    rationale = (
        "`raise HTTPException(404, \"user not found\")` ties business code to HTTP and "
        "gives clients free text instead of a code they can rely on; the same condition ends "
        "up worded differently in every module."
    )
    remediation = (
        "Raise domain exceptions (`NotFoundError(\"user\", user_id)`) and let one handler "
        "map them to status codes and structured bodies."
    )
    example_before = "raise HTTPException(status_code=404, detail='User not found')"
    example_after = "raise NotFoundError('user', user_id)"
    VALID = [
        Example(APP + ERRORS + """

@app.get("/users/{user_id}")
def user(user_id: int):
    raise NotFoundError("user")
"""),
        Example(APP + """
@app.get("/x")
def x():
    raise HTTPException(status_code=403, detail={"code": "FORBIDDEN", "message": "no"})

@app.get("/y")
def y():
    raise HTTPException(status_code=404)
""", name="structured-or-no-detail"),
    ]
    INVALID = [
        Example(APP + """
USER_MISSING = "user missing"

@app.get("/users/{user_id}")
def user(user_id: int):
    if user_id < 0:
        raise HTTPException(404, USER_MISSING)
    raise HTTPException(status_code=400, detail=f"bad {user_id}")
""", expect=FAIL),
        Example(APP + ERRORS + """

@app.get("/a")
def a():
    raise NotFoundError("a")

@app.get("/b")
def b():
    raise NotFoundError("b")

@app.get("/c")
def c():
    raise NotFoundError("c")

@app.get("/d")
def d():
    raise NotFoundError("d")

@app.get("/e")
def e():
    error = HTTPException(status_code=409, detail="conflict")
    raise error
""", expect=WARN, name="one-in-five"),
    ]

    def check(self, project: Project) -> object:
        total, bare = 0, []
        for module in project.app_modules:
            for statement in module.raises:
                total += 1
                call = _raised_call(project, module, statement)
                kind = _http_exception_kind(project, call.func) if call else None
                if kind is None:
                    continue
                detail = call.arg(1, "detail") if kind == "direct" else call.kwargs.get("detail")
                if _is_bare_string(project, detail):
                    bare.append(project.evidence(
                        module.path, statement.line, "HTTPException raised with a bare "
                        "string detail", end_line=statement.end_line, scope=statement.scope))
        metric = {"bare_string": len(bare), "raises": total}
        if not bare:
            return pass_unless_unparsed(self, project, [], metric)
        return self.result(FAIL if len(bare) / total >= 0.25 else WARN, bare, metric)


# ---- ERR-005 -----------------------------------------------------------------------------
def _leaks(expr: Expr | None, exception_names: set[str]) -> str | None:
    """What in an expression puts exception internals into output, or None."""
    for node in walk_expr(expr):
        if isinstance(node, Call) and isinstance(node.func, Name):
            name = node.func.qname
            if name in ("str", "repr") and node.args and _is_exc(node.args[0], exception_names):
                return f"{name}({_dotted(node.args[0])})"
            if name.startswith("traceback.format"):
                return f"{node.func.dotted}()"
        if isinstance(node, Name) and node.dotted.endswith(".args") and \
                node.dotted[:-5] in exception_names:
            return node.dotted
        if isinstance(node, FStr) and any(_is_exc(p, exception_names) for p in node.parts):
            return "an f-string of the exception"
    return None


def _is_exc(expr: Expr | None, exception_names: set[str]) -> bool:
    return isinstance(expr, Name) and expr.dotted in exception_names


def _dotted(expr: Expr | None) -> str:
    return expr.dotted if isinstance(expr, Name) else "exc"


def _exception_names(module: ModuleFacts, function: FunctionFact, is_handler: bool) -> set[str]:
    names = {c.name for c in module.excepts if c.name and _in_scope(c.scope, function)}
    positional = [p for p in function.params if p.kind in ("posonly", "pos")]
    if function.is_method and positional:
        positional = positional[1:]
    if is_handler and len(positional) >= 2:
        names.add(positional[1].name)  # handler(request, exc)
    return names


class Err005NoInternalsInResponses(Rule):
    """Detects str(exc)/repr(exc)/exc.args/traceback text put into responses or details."""

    id = "ERR-005"
    title = "No internals in responses"
    dimension = "error_handling"
    priority = "P0"
    tags = ("err#4", "err#6", "p0")
    rationale = (
        "Exception text carries SQL statements, file paths, hostnames and library versions. "
        "Echoing it to clients hands attackers a map of the system and confuses users with "
        "messages that were never meant for them."
    )
    remediation = (
        "Log the exception with its traceback on the server and answer with a fixed, "
        "generic message (plus a request id to correlate with the logs)."
    )
    example_before = "except Exception as exc:\n" \
                     "    raise HTTPException(status_code=500, detail=str(exc))"
    example_after = "except Exception:\n    logger.exception('payment failed')\n" \
                    "    raise HTTPException(status_code=500, detail='payment failed')"
    VALID = [
        Example(APP + """import logging

logger = logging.getLogger(__name__)

@app.post("/pay")
def pay():
    try:
        charge()
    except Exception as exc:
        logger.error("charge failed: %s", str(exc))
        raise HTTPException(status_code=502, detail="payment provider unavailable")
    return {"ok": True}

async def on_error(request: Request, exc: Exception):
    logger.exception("unhandled", exc_info=exc)
    return JSONResponse(status_code=500, content={"code": "internal", "message": "error"})

app.add_exception_handler(Exception, on_error)
"""),
        Example(APP + """from fastapi.exceptions import RequestValidationError

@app.exception_handler(RequestValidationError)
async def on_invalid(request: Request, exc: RequestValidationError):
    return JSONResponse(status_code=422, content={"code": "invalid", "errors": exc.errors()})
""", name="validation-errors-are-for-clients"),
    ]
    INVALID = [
        Example(APP + """
@app.post("/pay")
def pay():
    try:
        charge()
    except Exception as e:
        raise HTTPException(status_code=500, detail=f"failed: {e}")
""", expect=FAIL),
        Example(APP + """import traceback

async def on_error(request: Request, exc: Exception):
    return JSONResponse(status_code=500, content={"error": repr(exc),
                                                  "trace": traceback.format_exc()})

app.add_exception_handler(Exception, on_error)
""", expect=FAIL, name="handler-repr-traceback"),
    ]

    def check(self, project: Project) -> object:
        functions: dict[int, tuple[ModuleFacts, FunctionFact, bool]] = {}
        for endpoint in project.service.endpoints:
            if endpoint.function is not None:
                functions[id(endpoint.function)] = (endpoint.module, endpoint.function, False)
        handling = find_error_handling(project)
        for handler in handling.handlers:
            if handler.function is not None:
                functions[id(handler.function[1])] = (*handler.function, True)
        for module, function in handling.middleware:
            functions.setdefault(id(function), (module, function, False))
        found: list[Evidence] = []
        for module, function, is_handler in functions.values():
            found += self._leaks_in(project, module, function, is_handler)
        if found:
            return self.failed(found)
        return pass_unless_unparsed(self, project)

    @staticmethod
    def _leaks_in(project: Project, module: ModuleFacts, function: FunctionFact,
                  is_handler: bool) -> list[Evidence]:
        names = _exception_names(module, function, is_handler)
        if not names:
            return []
        found: list[Evidence] = []
        for statement in returns_of(module, function):
            leak = _leaks(statement.value, names)
            if leak:
                found.append(project.evidence(
                    module.path, statement.line, f"`{function.qualname}` returns {leak} to "
                    "the client", end_line=statement.end_line, scope=function.qualname))
        for site in calls_in(module, function):
            call = site.call
            if not isinstance(call.func, Name):
                continue
            name = last_part(call.func.dotted)
            if name == "HTTPException" or name.endswith("Response"):
                part = call.arg(1, "detail") if name == "HTTPException" else \
                    call.arg(0, "content")
                leak = _leaks(part, names)
                if leak and not any(e.line == call.line for e in found):
                    found.append(project.evidence(
                        module.path, call.line, f"`{function.qualname}` puts {leak} into "
                        f"{'an HTTPException detail' if name == 'HTTPException' else name}",
                        end_line=call.end_line, scope=site.scope))
        return found


# ---- ERR-006 -----------------------------------------------------------------------------
REPORTER_CALLS = {
    "sentry_sdk.init": "Sentry",
    "rollbar.init": "Rollbar",
    "bugsnag.configure": "Bugsnag",
    "honeybadger.honeybadger.configure": "Honeybadger",
    "honeybadger.configure": "Honeybadger",
    "pybrake.Notifier": "Airbrake",
    "newrelic.agent.initialize": "New Relic",
    "elasticapm.contrib.starlette.make_apm_client": "Elastic APM",
    "elasticapm.Client": "Elastic APM",
    "ddtrace.patch_all": "Datadog",
    "ddtrace.patch": "Datadog",
    "logfire.configure": "Logfire",
    "raygun4py.raygunprovider.RaygunSender": "Raygun",
    "appsignal.start": "AppSignal",
    "opentelemetry.instrumentation.fastapi.FastAPIInstrumentor.instrument_app":
        "OpenTelemetry",
}
START_WRAPPERS = {"ddtrace-run": "Datadog", "newrelic-admin": "New Relic",
                  "opentelemetry-instrument": "OpenTelemetry"}


class Err006ErrorMonitoring(Rule):
    """Detects an initialised error reporter (Sentry, OpenTelemetry, Rollbar, Bugsnag...)."""

    id = "ERR-006"
    title = "Error monitoring"
    dimension = "error_handling"
    priority = "P1"
    tags = ()
    rationale = (
        "Logs tell you about an error only if someone reads them. An error reporter groups "
        "exceptions, keeps their context and alerts the team, so production failures are "
        "noticed before users report them."
    )
    remediation = (
        "Initialise an error reporter at startup, e.g. `sentry_sdk.init(dsn=settings."
        "SENTRY_DSN, environment=settings.ENV)`, or record exceptions on OpenTelemetry spans "
        "exported to your backend."
    )
    example_before = "app = FastAPI()  # exceptions only go to stderr"
    example_after = "sentry_sdk.init(dsn=settings.sentry_dsn, traces_sample_rate=0.1)\n" \
                    "app = FastAPI()"
    VALID = [
        Example({"app/main.py": APP + "from app.monitoring import setup\n\nsetup()\n",
                 "app/monitoring.py": "import sentry_sdk as sentry\nfrom app.config import "
                                      "DSN\n\ndef setup():\n    if DSN:\n"
                                      "        sentry.init(dsn=DSN)\n",
                 "app/config.py": "import os\n\nDSN = os.getenv('SENTRY_DSN')\n"}),
        Example(APP + """from opentelemetry import trace

tracer = trace.get_tracer(__name__)

@app.get("/work")
def work():
    with tracer.start_as_current_span("work") as span:
        try:
            run()
        except Exception as exc:
            span.record_exception(exc)
            raise
    return {}
""", name="otel-record-exception"),
    ]
    INVALID = [
        Example(APP + "import logging\n\nlogging.basicConfig(level=logging.INFO)\n",
                expect=FAIL),
        Example(APP + "import sentry_sdk\n\n# sentry_sdk.init(dsn='...') disabled for now\n",
                expect=FAIL, name="imported-not-initialised"),
    ]

    def check(self, project: Project) -> object:
        found = []
        for module, site in project.iter_calls():
            reporter = self._reporter(module, site.call)
            if reporter:
                found.append(project.evidence(module.path, site.call.line, f"{reporter} is "
                                              "initialised", end_line=site.call.end_line,
                                              scope=site.scope))
        found += self._start_wrappers(project)
        if found:
            return self.passed(found)
        if project.app_parse_errors:
            return self.unknown([project.absence("no error reporter found, but some app "
                                                 "files could not be parsed")])
        return self.failed([project.absence(
            "no error reporter initialised (sentry_sdk.init, OpenTelemetry exception "
            f"recording, Rollbar, Bugsnag...) in app code "
            f"({counted(len(project.app_modules), 'module')}) "
            "or in the Dockerfile start command")])

    @staticmethod
    def _reporter(module: ModuleFacts, call: Call) -> str | None:
        func = call.func
        if not isinstance(func, Name):
            return None
        reporter = REPORTER_CALLS.get(func.qname)
        if reporter:
            return reporter
        if func.dotted.endswith(".record_exception") and any(
                m.startswith("opentelemetry") for m in module.imported_modules):
            return "OpenTelemetry exception recording"
        if last_part(func.qname) == "instrument_app" and "FastAPIInstrumentor" in func.qname:
            return "OpenTelemetry"
        return None

    @staticmethod
    def _start_wrappers(project: Project) -> list[Evidence]:
        dockerfile = getattr(project.artifacts, "dockerfile", None)
        if dockerfile is None:
            return []
        argv = dockerfile.start_argv
        for word in argv[:3]:
            reporter = START_WRAPPERS.get(word.rsplit("/", 1)[-1])
            if reporter:
                command = dockerfile.entrypoint or dockerfile.cmd
                return [project.evidence(dockerfile.path, command.line if command else None,
                                         f"the container starts under {word} ({reporter})",
                                         snippet_lines=1)]
        return []


RULES = (
    Err001ErrorHierarchy, Err002GlobalHandler, Err003StructuredErrorBody, Err004DomainErrors,
    Err005NoInternalsInResponses, Err006ErrorMonitoring,
)

