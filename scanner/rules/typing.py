"""Type safety checks (TYP): request bodies, response declarations and Pydantic usage.

Bodies are found by FastAPI's own rules: a parameter that is not in the path, not injected
(`Request`, `BackgroundTasks`...), not declared `Query`/`Path`/`Header`/`Cookie`/`Depends`
and whose type is a model or a mapping is read from the body; an explicit `Body()` always is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from ..fastapi_model import Endpoint
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
    FunctionFact,
    ModuleFacts,
    Name,
    Param,
    Seq,
    Subscript,
)
from .base import FAIL, WARN, Evidence, Example, Rule, share_status
from .matchers import (
    PYDANTIC_BASES,
    calls_in,
    expand_annotation_alias,
    is_collection_annotation,
    is_special_param,
    is_table_model,
    last_part,
    param_source,
    path_params,
    unwrap_annotation,
    walk_expr,
)

# ---- shared helpers ----------------------------------------------------------------------
MAPPING_TYPES = {"dict", "Dict", "Mapping", "MutableMapping"}
ANY_TYPES = {"Any", "object"}
NON_SCHEMA_RESPONSES = {
    "HTMLResponse", "PlainTextResponse", "RedirectResponse", "StreamingResponse",
    "FileResponse", "EventSourceResponse",
}
ClassRef = tuple[ModuleFacts, ClassFact]


def _head_name(expr: Expr | None) -> str:
    """`dict` for `dict`, `dict[str, Any]` and `typing.Dict[...]`; "" for anything else."""
    if isinstance(expr, Subscript):
        expr = expr.value
    return last_part(expr.dotted) if isinstance(expr, Name) else ""


def type_parts(project: Project, annotation: Expr | None, _depth: int = 0) -> list[Expr]:
    """The types an annotation names, through Optional/list/Annotated and module aliases."""
    parts: list[Expr] = []
    for part in unwrap_annotation(annotation):
        if isinstance(part, Name) and _depth < 4:
            resolved = project.resolve(part)
            if resolved is not part and isinstance(resolved, Subscript | BinOp | Name):
                parts.extend(type_parts(project, resolved, _depth + 1))
                continue
        parts.append(part)
    return parts


def is_pydantic_like(project: Project, module: ModuleFacts, cls: ClassFact) -> bool:
    """A Pydantic model of the tree, SQLModel tables included (FastAPI validates both)."""
    return project.is_subclass(module, cls, PYDANTIC_BASES)


def classes_named(project: Project, annotation: Expr | None) -> list[ClassRef]:
    """Classes of the tree named by an annotation, generic wrappers (`Page[Item]`) included."""
    found: list[ClassRef] = []
    for part in type_parts(project, annotation):
        if isinstance(part, Subscript):
            for index in part.index:
                found.extend(classes_named(project, index))
            part = part.value
        cls = project.class_of(part) if isinstance(part, Name) else None
        if cls is not None:
            found.append(cls)
    return found


def pydantic_classes(project: Project, annotation: Expr | None) -> list[ClassRef]:
    return [c for c in classes_named(project, annotation) if is_pydantic_like(project, *c)]


def _is_page_name(part: Expr) -> bool:
    """An outside class known only by name: `Page`/`Paginated...` is a page model (3.9)."""
    name = _head_name(part)
    return "Page" in name or "Paginated" in name


def is_mapping_or_any(project: Project, annotation: Expr | None) -> bool:
    """Every type the annotation names is a plain mapping or `Any` (no model in it)."""
    parts = type_parts(project, annotation)
    return bool(parts) and all(_head_name(p) in MAPPING_TYPES | ANY_TYPES for p in parts)


def has_model_annotation(project: Project, annotation: Expr | None) -> bool:
    """The annotation is a Pydantic model (or list/optional/page of one)."""
    if pydantic_classes(project, annotation):
        return True
    return any(_is_page_name(p) for p in type_parts(project, annotation))


def response_model_kw(endpoint: Endpoint) -> tuple[bool, Expr | None]:
    """(given, value) of `response_model=`; `response_model=None` is given but empty."""
    if "response_model" not in endpoint.route_call.kwargs:
        return False, None
    value = endpoint.kw("response_model")
    return True, None if isinstance(value, Const) and value.value is None else value


def effective_response_types(project: Project, endpoint: Endpoint) -> Expr | None:
    """What FastAPI validates the output against: `response_model=` or a model annotation."""
    return endpoint_types(project, endpoint).response


def _declared_response(project: Project, endpoint: Endpoint) -> tuple[Expr | None, str | None]:
    """(the response types, where they are written: "response_model" or "annotation")."""
    given, value = response_model_kw(endpoint)
    if given:
        return value, "response_model" if value is not None else None
    returns = endpoint.function.returns if endpoint.function else None
    if has_model_annotation(project, returns):
        return returns, "annotation"
    return None, None


def has_response_model(project: Project, endpoint: Endpoint) -> bool:
    return effective_response_types(project, endpoint) is not None


@dataclass(slots=True)
class BodyParam:
    endpoint: Endpoint
    param: Param
    explicit: bool  # declared with Body()


def _implicit_body(project: Project, annotation: Expr | None) -> bool:
    """FastAPI reads an undeclared parameter from the body when its type is complex."""
    for part in type_parts(project, annotation):
        if _head_name(part) in MAPPING_TYPES:
            return True
        if isinstance(part, Subscript):
            part = part.value
        cls = project.class_of(part) if isinstance(part, Name) else None
        if cls is not None and is_pydantic_like(project, *cls):
            return True
    return False


def body_params(project: Project, endpoint: Endpoint) -> list[BodyParam]:
    """The endpoint's parameters FastAPI fills from the request body."""
    return endpoint_types(project, endpoint).bodies


def _find_body_params(project: Project, endpoint: Endpoint) -> list[BodyParam]:
    function = endpoint.function
    if function is None:
        return []
    in_path = path_params(endpoint.path)
    found = []
    for index, written in enumerate(function.params):
        if written.kind in ("star", "starstar") or (function.is_method and index == 0):
            continue
        # `SettingsDep = Annotated[Settings, Depends(...)]`: judge the alias's value
        param = Param(written.name, written.kind,
                      expand_annotation_alias(project, written.annotation), written.default)
        if param.name in in_path or is_special_param(param):
            continue
        source = param_source(param)
        if source == "body":
            found.append(BodyParam(endpoint, written, True))
        elif source is None and _implicit_body(project, param.annotation):
            found.append(BodyParam(endpoint, written, False))
    return found


def untyped_body_reason(project: Project, body: BodyParam) -> str | None:
    """Why TYP-001 counts a body as unvalidated ("has no type", ...), or None when it is not."""
    annotation = body.param.annotation
    if annotation is None:
        return "has no type"
    if is_mapping_or_any(project, annotation):
        return "is typed as a plain dict/Any"
    return None


def endpoint_evidence(project: Project, endpoint: Endpoint, message: str) -> Evidence:
    """Evidence about an endpoint, at its `def` line (RULES.md 3.11)."""
    return project.evidence(endpoint.module.path, endpoint.line, message,
                            scope=endpoint.name, snippet_lines=1)


def parse_error_evidence(project: Project) -> list[Evidence]:
    return [project.absence(f"{path} could not be parsed ({reason}); it was not examined")
            for path, reason in sorted(project.app_parse_errors.items())]


def pass_unless_unparsed(rule: Rule, project: Project, evidence=(), metric=None):
    """pass, or unknown when app files could not be parsed (never a silent pass, 3.6)."""
    if project.app_parse_errors:
        return rule.unknown(parse_error_evidence(project), metric)
    return rule.passed(evidence, metric)


def returns_of(module: ModuleFacts, function: FunctionFact):
    return [s for s in module.returns if s.scope == function.qualname]


def local_values(module: ModuleFacts, scope: str, name: str) -> list[Expr | None]:
    """Values bound to a plain local name in one scope (assignments, `with ... as`)."""
    return [a.value for a in module.assignments
            if a.scope == scope and a.kind != "augassign"
            and any(isinstance(t, Name) and t.dotted == name for t in a.targets)]


def class_evidence(project: Project, ref: ClassRef, message: str) -> Evidence:
    module, cls = ref
    return project.evidence(module.path, cls.line, message, scope=cls.qualname,
                            snippet_lines=1)


def _class_key(ref: ClassRef) -> tuple[str, str]:
    return ref[0].path, ref[1].qualname


APP = """from fastapi import FastAPI
from pydantic import BaseModel, Field

app = FastAPI()
"""


# ---- TYP-001 -----------------------------------------------------------------------------
class Typ001BodiesAreModels(Rule):
    """Detects request bodies taken as dict/Any/untyped and request bodies parsed by hand."""

    id = "TYP-001"
    title = "Request bodies are models"
    dimension = "type_safety"
    priority = "P0"
    tags = ("pyd#6", "mistake#3", "health")
    rationale = (
        "A body received as a plain dict, or read with `await request.json()`, reaches the "
        "handler unchecked: missing keys, wrong types and oversized values surface deep in "
        "business code as 500s instead of a clear 422, and the OpenAPI schema says nothing "
        "about what the endpoint accepts."
    )
    remediation = (
        "Describe each request body with a Pydantic model and use it as the parameter type; "
        "FastAPI then validates, documents and converts the payload before your code runs."
    )
    example_before = (
        "@app.post('/orders')\nasync def create(payload: dict):\n    return save(payload)"
    )
    example_after = (
        "class OrderIn(BaseModel):\n    sku: str\n    quantity: int = Field(gt=0)\n\n"
        "@app.post('/orders')\nasync def create(payload: OrderIn) -> OrderOut:\n"
        "    return save(payload)"
    )
    VALID = [
        Example(APP + """
class OrderIn(BaseModel):
    sku: str

@app.post("/orders/{shop_id}")
async def create(shop_id: int, order: OrderIn, limit: int = 10, q=None):
    return order
"""),
        Example({
            "app/main.py": """from typing import Annotated, Any
from fastapi import Depends, FastAPI, Query, Request
from app.schemas import Payload

app = FastAPI()

def current_user(request: Request) -> dict:
    return {}

@app.put("/things")
def put(body: Payload, user: Annotated[dict, Depends(current_user)],
        tags: Annotated[list[str], Query()] = [], extra: Any = None):
    return body
""",
            "app/schemas.py": "from pydantic import BaseModel\n\nclass Payload(BaseModel):\n"
                              "    name: str\n",
        }, name="cross-module-model-and-dependency"),
    ]
    INVALID = [
        Example(APP + """
@app.post("/orders")
async def create(payload: dict):
    return payload
""", expect=FAIL),
        Example(APP + """from fastapi import Request

@app.post("/orders")
async def create(request: Request):
    data = await request.json()
    return data
""", expect=FAIL, name="request-json"),
        Example(APP + """from typing import Any
from fastapi import Body

@app.post("/hooks")
def hook(event: Any = Body(...)):
    return {}
""", expect=FAIL, name="explicit-body-any"),
    ]

    def check(self, project: Project) -> object:
        offending: list[Evidence] = []
        for endpoint in project.service.endpoints:
            offending += self._untyped_bodies(project, endpoint)
            offending += self._hand_parsed(project, endpoint)
        if offending:
            return self.failed(offending)
        return pass_unless_unparsed(self, project)

    @staticmethod
    def _untyped_bodies(project: Project, endpoint: Endpoint) -> list[Evidence]:
        found = []
        for body in body_params(project, endpoint):
            what = untyped_body_reason(project, body)
            if what is None:
                continue
            found.append(endpoint_evidence(
                project, endpoint,
                f"{endpoint.label()}: body parameter `{body.param.name}` {what}, so the "
                "payload is not validated"))
        return found

    @staticmethod
    def _hand_parsed(project: Project, endpoint: Endpoint) -> list[Evidence]:
        function = endpoint.function
        if function is None:
            return []
        requests = {p.name for p in function.params if _is_request_param(p)}
        found = []
        for site in calls_in(endpoint.module, function):
            func = site.call.func
            if isinstance(func, Name) and "." in func.dotted:
                receiver, _, method = func.dotted.rpartition(".")
                if receiver in requests and method in ("json", "body"):
                    found.append(project.evidence(
                        endpoint.module.path, site.call.line,
                        f"{endpoint.label()}: the body is read with `{func.dotted}()` instead "
                        "of a model parameter", end_line=site.call.end_line, scope=site.scope))
        return found


def _is_request_param(param: Param) -> bool:
    return any(isinstance(p, Name) and last_part(p.dotted) == "Request"
               for p in unwrap_annotation(param.annotation))


# ---- TYP-002 -----------------------------------------------------------------------------
def _false(project: Project, expr: Expr | None) -> bool:
    return expr is not None and project.constant(expr) is False


def _hidden_from_schema(project: Project, endpoint: Endpoint) -> bool:
    if _false(project, endpoint.kw("include_in_schema")):
        return True
    owner = endpoint.owner
    if _false(project, owner.kwargs.get("include_in_schema")):
        return True
    includes = owner.includes
    return bool(includes) and all(
        _false(project, i.call.kwargs.get("include_in_schema")) for i in includes)


STATUS_CONSTANT = re.compile(r"HTTP_(\d{3})(?:_\w+)?")


def status_code_of(project: Project, expr: Expr | None) -> int | None:
    """A `status_code=` as a number: `201`, a constant, `status.HTTP_201_CREATED` or
    `HTTPStatus.CREATED`; None when not given or not known."""
    if expr is None:
        return None
    value = project.constant(expr)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(expr, Name):
        return None
    name = last_part(expr.dotted)
    matched = STATUS_CONSTANT.fullmatch(name)
    if matched:
        return int(matched.group(1))
    if expr.dotted.rpartition(".")[0].endswith("HTTPStatus") and name in HTTPStatus.__members__:
        return HTTPStatus[name].value
    return None


def _is_204(project: Project, expr: Expr | None) -> bool:
    return status_code_of(project, expr) == 204


def _is_non_schema_response(project: Project, expr: Expr | None) -> bool:
    """HTML, plain text, redirect, streaming or file responses (also tree subclasses)."""
    if not isinstance(expr, Name):
        return False
    if last_part(expr.dotted) in NON_SCHEMA_RESPONSES:
        return True
    found = project.class_of(expr)
    return found is not None and any(
        last_part(b) in NON_SCHEMA_RESPONSES for b in project.base_names(*found))


def is_counted_for_schema(project: Project, endpoint: Endpoint) -> bool:
    """Endpoints whose response a schema can describe (TYP-002's counted endpoints)."""
    if _hidden_from_schema(project, endpoint) or _is_204(project, endpoint.kw("status_code")):
        return False
    return not sends_non_schema_response(project, endpoint)


def sends_non_schema_response(project: Project, endpoint: Endpoint) -> bool:
    """The endpoint answers with HTML, text, a redirect, a stream or a file, by its
    `response_class` (route, router or app default), its return annotation, or what every
    one of its `return`s builds (a template response, a RedirectResponse, ...)."""
    return endpoint_types(project, endpoint).sends_page


def _sends_page(project: Project, endpoint: Endpoint) -> bool:
    classes = [endpoint.kw("response_class"),
               endpoint.owner.kwargs.get("default_response_class")]
    if endpoint.app is not None:
        classes.append(endpoint.app.kwargs.get("default_response_class"))
    if any(_is_non_schema_response(project, c) for c in classes):
        return True
    returns = endpoint.function.returns if endpoint.function else None
    if any(_is_non_schema_response(project, p) for p in type_parts(project, returns)):
        return True
    return _returns_only_pages_or_files(project, endpoint)


TEMPLATE_RESPONSES = {"TemplateResponse", "_TemplateResponse"}


def _returns_only_pages_or_files(project: Project, endpoint: Endpoint) -> bool:
    """Every `return` hands back a rendered template (`templates.TemplateResponse(...)`) or
    an HTML/redirect/stream/file response it builds: a page, not a JSON payload."""
    function = endpoint.function
    if function is None:
        return False
    return _all_returns_build_pages(project, endpoint.module, function, follow_helpers=True)


def _all_returns_build_pages(project: Project, module: ModuleFacts, function: FunctionFact,
                             follow_helpers: bool) -> bool:
    values = [s.value for s in returns_of(module, function)]
    return bool(values) and all(
        _builds_page_or_file(project, module, function.qualname, v, follow_helpers)
        for v in values)


def _builds_page_or_file(project: Project, module: ModuleFacts, scope: str,
                         expr: Expr | None, follow_helpers: bool, follow_names: bool = True
                         ) -> bool:
    if isinstance(expr, Await):
        expr = expr.value
    if isinstance(expr, Call):
        func = expr.func
        if isinstance(func, Attr):  # get_templates().TemplateResponse(...)
            return func.attr in TEMPLATE_RESPONSES
        if not isinstance(func, Name):
            return False
        if last_part(func.dotted) in TEMPLATE_RESPONSES or _is_non_schema_response(project,
                                                                                 func):
            return True
        return follow_helpers and _helper_builds_pages(project, func)
    if follow_names and isinstance(expr, Name) and "." not in expr.dotted:  # page = ...
        values = local_values(module, scope, expr.dotted)
        return bool(values) and all(
            _builds_page_or_file(project, module, scope, v, follow_helpers, follow_names=False)
            for v in values)
    return False


def _helper_builds_pages(project: Project, func: Name) -> bool:
    """`return redirect(request, "list")` where the tree's `redirect` helper returns a
    RedirectResponse (by annotation or by every return); followed one level only."""
    definition = project.definition_of(func)
    if definition is None or definition.kind != "function":
        return False
    helper = definition.node
    assert isinstance(helper, FunctionFact)
    if any(_is_non_schema_response(project, p) for p in type_parts(project, helper.returns)):
        return True
    return _all_returns_build_pages(project, definition.module, helper, follow_helpers=False)


# ---- what an endpoint takes and returns (the TYP checks and the route inventory) --------
@dataclass(slots=True)
class EndpointTypes:
    """One endpoint's request bodies and response, decided once for every reader."""

    bodies: list[BodyParam]
    response: Expr | None  # what FastAPI validates the output against
    response_source: str | None  # "response_model" or "annotation"
    sends_page: bool  # HTML, text, a redirect, a stream or a file
    status_code: int | None


def endpoint_types(project: Project, endpoint: Endpoint) -> EndpointTypes:
    """Kept on the endpoint: the TYP and DOC checks and the report all ask, and must agree."""
    if endpoint.types is None:
        response, source = _declared_response(project, endpoint)
        endpoint.types = EndpointTypes(
            _find_body_params(project, endpoint), response, source,
            _sends_page(project, endpoint), status_code_of(project, endpoint.kw("status_code")))
    return endpoint.types


def annotate_endpoint_types(project: Project) -> None:
    """Add each endpoint's body, response model and status code to the route inventory."""
    for endpoint in project.service.endpoints:
        endpoint.extra.update(endpoint_types_json(project, endpoint))


def endpoint_types_json(project: Project, endpoint: Endpoint) -> dict[str, Any]:
    """The route inventory's view of the types (docs/scan-report.md, `endpoints` items)."""
    types = endpoint_types(project, endpoint)
    response = None
    if types.response is not None:
        response = {"name": type_text(types.response), "source": types.response_source}
    return {
        "request_body": _body_json(project, types.bodies[0]) if types.bodies else None,
        "response_model": response,
        "response_kind": _response_kind(endpoint, types),
        "status_code": types.status_code,
    }


def _body_json(project: Project, body: BodyParam) -> dict[str, Any]:
    annotation = body.param.annotation
    if untyped_body_reason(project, body) is not None:
        kind = "dict"  # what TYP-001 fails: a dict, Any or no type at all
    elif has_model_annotation(project, annotation):
        kind = "model"
    else:
        kind = "other"
    return {"name": type_text(annotation), "kind": kind, "param": body.param.name}


def _response_kind(endpoint: Endpoint, types: EndpointTypes) -> str | None:
    """model, page, empty (204), untyped; None when the handler was not found."""
    if types.response is not None:
        return "model"
    if types.sends_page:
        return "page"
    if types.status_code == 204:
        return "empty"
    return "untyped" if endpoint.function is not None else None


def type_text(expr: Expr | None) -> str | None:
    """An annotation as written, each dotted name cut to its last part
    (`list[schemas.OrderOut]` -> "list[OrderOut]"); `Annotated[X, ...]` shows X."""
    if expr is None:
        return None
    if isinstance(expr, Name):
        return expr.last
    if isinstance(expr, Subscript):
        if _head_name(expr) == "Annotated" and expr.index:
            return type_text(expr.index[0])
        inside = ", ".join(type_text(item) or "?" for item in expr.index)
        return f"{type_text(expr.value)}[{inside}]"
    if isinstance(expr, BinOp) and expr.op == "|":
        return f"{type_text(expr.left)} | {type_text(expr.right)}"
    if isinstance(expr, Seq):
        return "[" + ", ".join(type_text(item) or "?" for item in expr.items) + "]"
    if isinstance(expr, Const):  # a forward reference "OrderOut", or None
        return expr.value if isinstance(expr.value, str) else repr(expr.value)
    if isinstance(expr, Attr):
        return expr.attr
    return "?"


class Typ002ResponseDeclared(Rule):
    """Detects endpoints that declare neither a response_model nor a model return type."""

    id = "TYP-002"
    title = "Endpoints declare their response"
    dimension = "type_safety"
    priority = "P0"
    tags = ("pyd#4", "mistake#4", "health")
    rationale = (
        "Without a declared response type FastAPI serialises whatever the handler returns: "
        "the OpenAPI schema is empty for clients, fields added to an ORM object leak out "
        "silently, and a changed return shape breaks consumers without any test noticing."
    )
    remediation = (
        "Give every JSON endpoint a `response_model=` or a return annotation that is a "
        "Pydantic model (or a list of one). Endpoints returning HTML, files, streams, "
        "redirects or 204 need none."
    )
    example_before = "@router.get('/users/{user_id}')\nasync def read(user_id: int):\n" \
                     "    return await repo.get(user_id)"
    example_after = "@router.get('/users/{user_id}', response_model=UserOut)\n" \
                    "async def read(user_id: int) -> UserOut:\n    return await repo.get(user_id)"
    VALID = [
        Example(APP + """from fastapi import status
from fastapi.responses import HTMLResponse

class UserOut(BaseModel):
    id: int

@app.get("/users", response_model=list[UserOut])
def users():
    return []

@app.get("/users/{user_id}")
def user(user_id: int) -> UserOut | None:
    return None

@app.delete("/users/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete(user_id: int):
    return None

@app.get("/page", response_class=HTMLResponse)
def page():
    return "<p>hi</p>"

@app.get("/internal", include_in_schema=False)
def internal():
    return {"ok": True}
"""),
        Example({
            "app/main.py": """from fastapi import FastAPI
from app.api import router

app = FastAPI()
app.include_router(router, prefix="/api")
""",
            "app/api.py": """from fastapi import APIRouter
from app.schemas import ItemList, Item

router = APIRouter()

@router.get("/items", response_model=ItemList)
async def items():
    return []

@router.post("/items")
async def create(item: Item) -> Item:
    return item
""",
            "app/schemas.py": """from pydantic import BaseModel

class Item(BaseModel):
    name: str

ItemList = list[Item]
""",
        }, name="router-in-other-module"),
    ]
    INVALID = [
        Example(APP + """
@app.get("/users")
def users():
    return []

@app.get("/users/{user_id}")
def user(user_id: int) -> dict:
    return {}
""", expect=FAIL),
        Example(APP + """
class Out(BaseModel):
    id: int

@app.get("/a", response_model=Out)
def a():
    return {"id": 1}

@app.get("/b")
def b():
    return {"id": 1}
""", expect=WARN, name="half-declared"),
    ]

    def check(self, project: Project) -> object:
        counted = [e for e in project.service.endpoints if is_counted_for_schema(project, e)]
        declared, undeclared = [], []
        for endpoint in counted:
            if has_response_model(project, endpoint):
                declared.append(endpoint)
            elif endpoint.function is not None:
                undeclared.append(endpoint)
        # a handler we could not find is neither counted as declared nor as undeclared
        total = len(declared) + len(undeclared)
        metric = {"declared": len(declared), "endpoints": total}
        if total == 0:
            return self.not_applicable("no endpoint with a JSON response to declare", metric)
        status = share_status(len(declared), total, 0.9, 0.5)
        if status == "pass":
            return pass_unless_unparsed(self, project, [], metric)
        evidence = [endpoint_evidence(project, e, f"{e.label()} declares no response model")
                    for e in undeclared]
        return self.result(status, evidence, metric)


# ---- TYP-003 -----------------------------------------------------------------------------
JSON_LOADERS = {"json.loads", "orjson.loads", "ujson.loads"}
JSON_RESPONSES = {"JSONResponse", "ORJSONResponse", "UJSONResponse"}


def _is_dict_value(project: Project, module: ModuleFacts, scope: str, expr: Expr | None,
                   follow: bool = True) -> bool:
    """A dict literal or `json.loads(...)`, also through a local name bound only to such."""
    if isinstance(expr, Await):
        expr = expr.value
    if isinstance(expr, DictExpr):
        return True
    if isinstance(expr, Call) and isinstance(expr.func, Name) and expr.func.qname in JSON_LOADERS:
        return True
    if follow and isinstance(expr, Name) and "." not in expr.dotted:
        values = local_values(module, scope, expr.dotted)
        return bool(values) and all(
            _is_dict_value(project, module, scope, v, follow=False) for v in values)
    return False


def _json_response_of_dict(project: Project, module: ModuleFacts, scope: str,
                           expr: Expr | None) -> bool:
    if isinstance(expr, Name) and "." not in expr.dotted:
        values = local_values(module, scope, expr.dotted)
        return len(values) == 1 and _json_response_of_dict(project, module, scope, values[0])
    if not (isinstance(expr, Call) and isinstance(expr.func, Name)
            and last_part(expr.func.dotted) in JSON_RESPONSES):
        return False
    return _is_dict_value(project, module, scope, expr.arg(0, "content"))


class Typ003NoUntypedDictResponses(Rule):
    """Detects endpoints without a response model that return plain dicts or parsed JSON."""

    id = "TYP-003"
    title = "No untyped dict responses"
    dimension = "type_safety"
    priority = "P0"
    tags = ("health",)
    rationale = (
        "A handler that returns a hand-built dict has no contract: typos in keys, missing "
        "fields and accidentally included internals go straight to clients, and the API "
        "documentation cannot describe the payload."
    )
    remediation = (
        "Return a Pydantic model (or declare `response_model=`) so the output is validated, "
        "filtered and documented; keep hand-built dicts out of endpoint returns."
    )
    example_before = "@app.get('/stats')\ndef stats() -> dict:\n    return {'users': n, 'ok': True}"
    example_after = "class Stats(BaseModel):\n    users: int\n    ok: bool\n\n" \
                    "@app.get('/stats')\ndef stats() -> Stats:\n    return Stats(users=n, ok=True)"
    VALID = [
        Example(APP + """
class Stats(BaseModel):
    users: int

@app.get("/stats", response_model=Stats)
def stats():
    return {"users": 1}

@app.get("/stats2")
def stats2() -> Stats:
    data = {"users": 2}
    return data
"""),
        Example(APP + """from fastapi.responses import JSONResponse

class Out(BaseModel):
    id: int

@app.get("/one")
async def one() -> Out:
    return Out(id=1)

@app.get("/two", response_model=Out)
async def two():
    return JSONResponse(content={"id": 2})
""", name="model-or-response-model"),
    ]
    INVALID = [
        Example(APP + """
@app.get("/health")
def health():
    return {"status": "ok"}
""", expect=FAIL),
        Example(APP + """import json
from typing import Any
from fastapi.responses import JSONResponse

@app.get("/a")
def a() -> dict[str, Any]:
    return load()

@app.get("/b")
def b():
    return json.loads("{}")

@app.get("/c")
def c():
    body = {"x": 1}
    return JSONResponse(body)
""", expect=FAIL, name="annotation-loads-jsonresponse"),
    ]

    def check(self, project: Project) -> object:
        offending: list[Evidence] = []
        endpoints = [e for e in project.service.endpoints if e.function is not None]
        untyped = 0
        for endpoint in endpoints:
            found = self._findings(project, endpoint)
            untyped += bool(found)
            offending += found
        metric = {"untyped": untyped, "endpoints": len(endpoints)}
        if offending:
            return self.failed(offending, metric)
        return pass_unless_unparsed(self, project, [], metric)

    @staticmethod
    def _findings(project: Project, endpoint: Endpoint) -> list[Evidence]:
        # An HTML/file/stream endpoint annotated `-> Any` sends no dict to type.
        if has_response_model(project, endpoint) or sends_non_schema_response(project,
                                                                              endpoint):
            return []
        function = endpoint.function
        assert function is not None
        module = endpoint.module
        found = []
        if function.returns is not None and is_mapping_or_any(project, function.returns):
            found.append(endpoint_evidence(
                project, endpoint, f"{endpoint.label()} is annotated to return an untyped "
                "dict/Any and has no response model"))
        for statement in returns_of(module, function):
            value = statement.value
            if _is_dict_value(project, module, function.qualname, value):
                what = "a plain dict"
            elif _json_response_of_dict(project, module, function.qualname, value):
                what = "a JSONResponse built from a dict"
            else:
                continue
            found.append(project.evidence(
                module.path, statement.line, f"{endpoint.label()} returns {what} without a "
                "response model", end_line=statement.end_line, scope=function.qualname))
        return found


# ---- TYP-004 -----------------------------------------------------------------------------
V1_CONFIG_KEYS = {"orm_mode", "schema_extra"}
V1_METHODS = {"dict", "json", "parse_obj", "from_orm"}
V1_CLASS_METHODS = {"parse_obj", "from_orm"}


def _nested_class(module: ModuleFacts, cls: ClassFact, name: str) -> ClassFact | None:
    qualname = f"{cls.qualname}.{name}"
    return next((c for c in module.classes if c.qualname == qualname), None)


def _config_keys(expr: Expr | None) -> list[str]:
    """Keys given to `model_config = ConfigDict(...)` or `model_config = {...}`."""
    if isinstance(expr, Call):
        return list(expr.kwargs)
    if isinstance(expr, DictExpr):
        return [k.value for k in expr.keys if isinstance(k, Const) and isinstance(k.value, str)]
    return []


def _is_v1_validator(decorator: Expr) -> bool:
    target = decorator.func if isinstance(decorator, Call) else decorator
    if not isinstance(target, Name):
        return False
    qname = target.qname
    return qname.startswith(("pydantic", "sqlmodel")) and last_part(qname) in (
        "validator", "root_validator")


class Typ004PydanticV2(Rule):
    """Detects Pydantic v1 idioms (class Config, @validator, .dict()/.parse_obj()...)."""

    id = "TYP-004"
    title = "Pydantic v2 idioms"
    dimension = "type_safety"
    priority = "P1"
    tags = ("pyd",)
    rationale = (
        "Pydantic v1 spellings still run under v2 only through a deprecation layer: they "
        "emit warnings, are slower, and will break when that layer is removed. Each one is "
        "a blocker for a clean upgrade."
    )
    remediation = (
        "Use `model_config = ConfigDict(...)` (`from_attributes`, `json_schema_extra`), "
        "`@field_validator`/`@model_validator`, and `model_dump()`, `model_dump_json()`, "
        "`model_validate()` instead of the v1 names."
    )
    example_before = "class UserOut(BaseModel):\n    class Config:\n        orm_mode = True\n" \
                     "\nUserOut.from_orm(user).dict()"
    example_after = "class UserOut(BaseModel):\n" \
                    "    model_config = ConfigDict(from_attributes=True)\n\n" \
                    "UserOut.model_validate(user).model_dump()"
    VALID = [
        Example(APP + """from pydantic import ConfigDict, field_validator

class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": []})
    name: str

    @field_validator("name")
    @classmethod
    def strip(cls, value: str) -> str:
        return value.strip()

@app.post("/users")
def create(user: UserOut):
    data = user.model_dump()
    return UserOut.model_validate(data)
"""),
        Example(APP + """import httpx

@app.get("/proxy")
async def proxy(payload: dict | None = None):
    response = httpx.get("https://example.org")
    return {"data": response.json(), "keys": payload.keys() if payload else []}
""", name="json-on-non-models"),
    ]
    INVALID = [
        Example(APP + """
class UserOut(BaseModel):
    name: str

    class Config:
        orm_mode = True
""", expect=FAIL),
        Example({
            "app/main.py": APP + """from app.schemas import Item

@app.post("/items")
def create(item: Item):
    return Item.parse_obj(item.dict())
""",
            "app/schemas.py": """from pydantic import BaseModel, validator

class Item(BaseModel):
    name: str

    @validator("name")
    def strip(cls, value):
        return value.strip()
""",
        }, expect=FAIL, name="validator-dict-parse-obj"),
    ]

    def check(self, project: Project) -> object:
        found: list[Evidence] = []
        models = [(m, c) for m, c in project.iter_classes() if is_pydantic_like(project, m, c)]
        for module, cls in models:
            found += self._config_findings(project, module, cls)
        for module, function in project.iter_functions():
            if any(_is_v1_validator(d) for d in function.decorators):
                found.append(project.evidence(
                    module.path, function.line, f"`{function.qualname}` uses the v1 "
                    "`@validator`/`@root_validator` decorator", scope=function.qualname,
                    snippet_lines=1))
        found += self._method_findings(project)
        if found:
            return self.failed(found)
        return pass_unless_unparsed(self, project)

    @staticmethod
    def _config_findings(project: Project, module: ModuleFacts, cls: ClassFact) -> list[Evidence]:
        found = []
        config = _nested_class(module, cls, "Config")
        if config is not None:
            found.append(project.evidence(
                module.path, config.line, f"`{cls.qualname}` configures itself with a v1 "
                "`class Config`", scope=cls.qualname, snippet_lines=1))
            for field in config.fields:
                if field.name in V1_CONFIG_KEYS:
                    found.append(project.evidence(
                        module.path, field.line, f"`{cls.qualname}` sets the v1 key "
                        f"`{field.name}`", scope=config.qualname))
        for field in cls.fields:
            if field.name == "model_config":
                for key in sorted(set(_config_keys(field.value)) & V1_CONFIG_KEYS):
                    found.append(project.evidence(
                        module.path, field.line, f"`{cls.qualname}` sets the v1 key `{key}` "
                        "in model_config", end_line=field.end_line, scope=cls.qualname))
        return found

    def _method_findings(self, project: Project) -> list[Evidence]:
        found = []
        for module, site in project.iter_calls():
            method = self._v1_method_on_model(project, module, site.scope, site.call.func)
            if method is not None:
                found.append(project.evidence(
                    module.path, site.call.line, f"`.{method}()` is the v1 name (use the "
                    "`model_*` method)", end_line=site.call.end_line, scope=site.scope))
        return found

    @staticmethod
    def _v1_method_on_model(project: Project, module: ModuleFacts, scope: str,
                            func: Expr) -> str | None:
        if isinstance(func, Attr) and func.attr in V1_METHODS - V1_CLASS_METHODS:
            inner = func.value.value if isinstance(func.value, Await) else func.value
            if isinstance(inner, Call) and _constructs_model(project, inner):
                return func.attr
            return None
        if not isinstance(func, Name) or "." not in func.dotted:
            return None
        receiver, _, method = func.dotted.rpartition(".")
        if method not in V1_METHODS:
            return None
        receiver_qname = func.qname.rpartition(".")[0]
        cls = project.class_of(Name(receiver, receiver_qname))
        if cls is not None:  # Model.parse_obj(...): called on the class itself
            return method if method in V1_CLASS_METHODS and is_pydantic_like(project, *cls) \
                else None
        if method in V1_CLASS_METHODS or "." in receiver:
            return None
        return method if _is_model_instance(project, module, scope, receiver) else None


def _constructs_model(project: Project, call: Call) -> bool:
    cls = project.class_of(call.func)
    return cls is not None and is_pydantic_like(project, *cls)


def _is_model_instance(project: Project, module: ModuleFacts, scope: str, name: str) -> bool:
    """`name` is a parameter annotated with a model, a local built from one, or `self`."""
    function = next((f for f in module.functions if f.qualname == scope), None)
    if function is None:
        return False
    if name == "self" and function.class_name:
        cls = next((c for c in module.classes if c.qualname == function.class_name), None)
        return cls is not None and is_pydantic_like(project, module, cls)
    param = function.param(name)
    if param is not None:
        return (not is_collection_annotation(param.annotation)
                and bool(pydantic_classes(project, param.annotation)))
    values = local_values(module, scope, name)
    return bool(values) and all(isinstance(v, Call) and _constructs_model(project, v)
                                for v in values)


# ---- TYP-005 -----------------------------------------------------------------------------
class Typ005SeparateSchemas(Rule):
    """Detects a model class used both as a request body and as a response model."""

    id = "TYP-005"
    title = "Separate input and output schemas"
    dimension = "type_safety"
    priority = "P1"
    tags = ("pyd#1",)
    rationale = (
        "When one class is both what clients send and what they get back, server-owned "
        "fields (ids, timestamps, roles) become writable, write-only fields (passwords) "
        "become readable, and the two contracts can no longer evolve separately."
    )
    remediation = (
        "Split the schema: an input model (`ItemCreate`, `ItemUpdate`) with only what a "
        "client may set, and an output model (`ItemRead`) with what it may see; share "
        "fields through a common base class if needed."
    )
    example_before = "@app.post('/items', response_model=Item)\ndef create(item: Item): ..."
    example_after = "@app.post('/items', response_model=ItemRead)\n" \
                    "def create(item: ItemCreate): ..."
    VALID = [
        Example(APP + """
class ItemBase(BaseModel):
    name: str

class ItemCreate(ItemBase):
    pass

class ItemRead(ItemBase):
    id: int

@app.post("/items", response_model=ItemRead)
def create(item: ItemCreate):
    return ItemRead(id=1, name=item.name)

@app.get("/items")
def items() -> list[ItemRead]:
    return []
"""),
        Example(APP + """
class Query(BaseModel):
    text: str

@app.post("/search")
def search(query: Query) -> dict:
    return {}
""", name="body-only"),
    ]
    INVALID = [
        Example(APP + """
class Item(BaseModel):
    name: str

@app.post("/items", response_model=Item)
def create(item: Item):
    return item
""", expect=FAIL),
        Example({
            "app/main.py": APP + """from app.models import Item

@app.put("/items/{item_id}")
def update(item_id: int, item: Item):
    return item

@app.get("/items")
def items() -> list[Item]:
    return []
""",
            "app/models.py": "from pydantic import BaseModel\n\nclass Item(BaseModel):\n"
                             "    name: str\n",
        }, expect=FAIL, name="across-endpoints-and-modules"),
    ]

    def check(self, project: Project) -> object:
        inputs: dict[tuple[str, str], tuple[ClassRef, list[Endpoint]]] = {}
        outputs: dict[tuple[str, str], list[Endpoint]] = {}
        for endpoint in project.service.endpoints:
            for body in body_params(project, endpoint):
                for ref in pydantic_classes(project, body.param.annotation):
                    inputs.setdefault(_class_key(ref), (ref, []))[1].append(endpoint)
            response = effective_response_types(project, endpoint)
            for ref in pydantic_classes(project, response):
                outputs.setdefault(_class_key(ref), []).append(endpoint)
        shared = [key for key in inputs if key in outputs]
        if not shared:
            return pass_unless_unparsed(self, project)
        evidence = []
        for key in shared:
            ref, readers = inputs[key]
            evidence.append(class_evidence(
                project, ref, f"`{ref[1].qualname}` is the body of {_labels(readers)} and "
                f"the response of {_labels(outputs[key])}"))
        return self.failed(evidence)


def _labels(endpoints: list[Endpoint], limit: int = 3) -> str:
    labels = list(dict.fromkeys(e.label() for e in endpoints))
    more = f" (+{len(labels) - limit} more)" if len(labels) > limit else ""
    return ", ".join(labels[:limit]) + more


# ---- TYP-006 -----------------------------------------------------------------------------
SECRET_FIELDS = {"password", "hashed_password", "password_hash", "secret", "secret_key",
                 "api_key", "private_key"}
TOKEN_ENDPOINT_WORDS = ("login", "token", "auth", "register", "signup", "refresh")
# Not secrets although they contain "token" (RULES.md 3.8 suffixes, and token counts).
NOT_SECRET_SUFFIXES = ("_url", "_uri", "_prefix", "_type", "_header", "_name", "_length",
                       "_min", "_max", "_algorithm", "_minutes", "_seconds", "_days")
HIDDEN_TYPES = {"SecretStr", "SecretBytes"}


def _is_token_field(name: str) -> bool:
    lowered = name.lower()
    if "token" not in lowered or "tokens" in lowered or lowered.endswith(NOT_SECRET_SUFFIXES):
        return False
    return "_expire" not in lowered and not lowered.endswith(("_count", "_limit"))


def _allows_tokens(endpoint: Endpoint) -> bool:
    text = f"{endpoint.path} {endpoint.name}".lower()
    return any(word in text for word in TOKEN_ENDPOINT_WORDS)


def _hidden_field(project: Project, field) -> bool:
    """`Field(exclude=True)` or a SecretStr type: the value never reaches the client."""
    value = field.value
    if isinstance(value, Call) and isinstance(value.func, Name) and \
            last_part(value.func.dotted) == "Field" and project.constant(
                value.kwargs.get("exclude")) is True:
        return True
    return any(_head_name(p) in HIDDEN_TYPES for p in type_parts(project, field.annotation))


def _secret_fields(project: Project, ref: ClassRef, allow_tokens: bool, seen: set,
                   nested: bool = True) -> list[tuple[ClassRef, object]]:
    """Sensitive fields of a model and, through field types, of the models nested in it."""
    key = _class_key(ref)
    if key in seen:
        return []
    seen.add(key)
    found = []
    for field in project.all_fields(*ref):
        name = field.name.lower()
        if field.name == "model_config" or _hidden_field(project, field):
            continue
        if name in SECRET_FIELDS or (not allow_tokens and _is_token_field(name)):
            found.append((_owner_of_field(project, ref, field), field))
        if nested:
            for inner in pydantic_classes(project, field.annotation):
                found += _secret_fields(project, inner, allow_tokens, seen)
    return found


def _owner_of_field(project: Project, ref: ClassRef, field) -> ClassRef:
    """The class (own or inherited) that defines a field, for the evidence line."""
    cls = ref[1]
    if any(f is field for f in cls.fields):
        return ref
    for base in cls.bases:
        found = project.class_of(base)
        if found is not None and any(f is field for f in project.all_fields(*found)):
            return _owner_of_field(project, found, field)
    return ref


def _orm_classes_returned(project: Project, module: ModuleFacts, function: FunctionFact
                          ) -> list[ClassRef]:
    found: list[ClassRef] = []
    for statement in returns_of(module, function):
        value = statement.value
        values = local_values(module, function.qualname, value.dotted) \
            if isinstance(value, Name) and "." not in value.dotted else [value]
        for item in values:
            found += _orm_in(project, item)
    for ref in classes_named(project, function.returns):
        if is_table_model(project, *ref):
            found.append(ref)
    return found


def _orm_in(project: Project, expr: Expr | None, depth: int = 0) -> list[ClassRef]:
    """ORM classes an expression yields: `User(...)`, `db.get(User, id)`, `select(User)`..."""
    if depth > 8 or expr is None:
        return []
    if isinstance(expr, Await):
        return _orm_in(project, expr.value, depth + 1)
    if isinstance(expr, Attr):
        return _orm_in(project, expr.value, depth + 1)
    if not isinstance(expr, Call):
        return []
    cls = project.class_of(expr.func)
    if cls is not None:  # constructing a class: an ORM row, or something else (a model)
        return [cls] if is_table_model(project, *cls) else []
    if isinstance(expr.func, Name) and project.definition_of(expr.func) is not None:
        return []  # a function of the tree: what it returns is not followed (3.7)
    found = []
    for arg in expr.args:
        ref = project.class_of(arg) if isinstance(arg, Name) else None
        if ref is not None and is_table_model(project, *ref):
            found.append(ref)
        elif isinstance(arg, Call | Await):
            found += _orm_in(project, arg, depth + 1)
    return found + _orm_in(project, expr.func, depth + 1)


class Typ006NoSecretsInResponses(Rule):
    """Detects password/secret/token fields that response models or returned ORM rows expose."""

    id = "TYP-006"
    title = "No secrets in responses"
    dimension = "type_safety"
    priority = "P0"
    tags = ("pyd#2",)
    rationale = (
        "A password hash, API key or token in a response body is copied into browser "
        "caches, logs and third-party tools; once out, it cannot be recalled. Returning "
        "ORM rows directly makes this happen the day someone adds a column."
    )
    remediation = (
        "Return dedicated output models that list only public fields; never return ORM "
        "objects without a response model, and keep tokens to the login/refresh endpoints."
    )
    example_before = "class UserOut(BaseModel):\n    email: str\n    hashed_password: str"
    example_after = "class UserOut(BaseModel):\n    email: str"
    VALID = [
        Example(APP + """
class Token(BaseModel):
    access_token: str
    token_type: str

class UserOut(BaseModel):
    email: str
    total_tokens: int

@app.post("/auth/token", response_model=Token)
def login():
    return Token(access_token="x", token_type="bearer")

@app.get("/me")
def me() -> UserOut:
    return UserOut(email="a", total_tokens=1)
"""),
        Example(APP + """from pydantic import SecretStr
from sqlalchemy.orm import DeclarativeBase, Mapped

class Base(DeclarativeBase):
    pass

class User(Base):
    __tablename__ = "users"
    email: Mapped[str]
    hashed_password: Mapped[str]

class UserOut(BaseModel):
    email: str
    api_key: SecretStr
    password: str = Field(exclude=True)

@app.get("/users/{user_id}", response_model=UserOut)
def read(user_id: int, db=None):
    return db.get(User, user_id)
""", name="orm-behind-response-model"),
    ]
    INVALID = [
        Example(APP + """
class Profile(BaseModel):
    api_key: str

class UserOut(BaseModel):
    email: str
    profile: Profile

@app.get("/me", response_model=UserOut)
def me():
    return None
""", expect=FAIL, name="nested-model"),
        Example(APP + """from sqlmodel import Field as F, Session, SQLModel, select

class User(SQLModel, table=True):
    id: int = F(primary_key=True)
    hashed_password: str

@app.get("/users/{user_id}")
def read(user_id: int, session: Session):
    user = session.exec(select(User).where(User.id == user_id)).first()
    return user
""", expect=FAIL, name="orm-row-returned"),
        Example(APP + """
class Session(BaseModel):
    refresh_token: str

@app.get("/sessions/current", response_model=Session)
def current():
    return None
""", expect=FAIL, name="token-outside-auth"),
    ]

    def check(self, project: Project) -> object:
        hits: dict[tuple[str, int], tuple[ClassRef, object, list[Endpoint]]] = {}
        orm_hits: list[Evidence] = []
        for endpoint in project.service.endpoints:
            allow = _allows_tokens(endpoint)
            response = effective_response_types(project, endpoint)
            seen: set = set()
            for ref in pydantic_classes(project, response):
                for owner, field in _secret_fields(project, ref, allow, seen):
                    key = (owner[0].path, field.line)
                    hits.setdefault(key, (owner, field, []))[2].append(endpoint)
            if response is None and endpoint.function is not None:
                orm_hits += self._orm_findings(project, endpoint, allow)
        evidence = [
            project.evidence(owner[0].path, field.line,
                             f"`{owner[1].qualname}.{field.name}` is sent to clients by "
                             f"{_labels(endpoints)}", scope=owner[1].qualname)
            for owner, field, endpoints in hits.values()
        ] + orm_hits
        if evidence:
            return self.failed(evidence)
        return pass_unless_unparsed(self, project)

    @staticmethod
    def _orm_findings(project: Project, endpoint: Endpoint, allow: bool) -> list[Evidence]:
        function = endpoint.function
        assert function is not None
        found = []
        for ref in {_class_key(r): r for r in _orm_classes_returned(
                project, endpoint.module, function)}.values():
            fields = _secret_fields(project, ref, allow, set(), nested=False)
            if fields:
                names = ", ".join(sorted({f.name for _, f in fields}))
                found.append(endpoint_evidence(
                    project, endpoint, f"{endpoint.label()} returns `{ref[1].qualname}` rows "
                    f"(with {names}) without a response model"))
        return found


# ---- TYP-007 -----------------------------------------------------------------------------
BOUND_KEYWORDS = {"min_length", "max_length", "gt", "ge", "lt", "le", "pattern", "regex",
                  "min_items", "max_items"}
CONSTRAINED_TYPES = {
    "EmailStr", "NameEmail", "HttpUrl", "AnyUrl", "AnyHttpUrl", "UUID", "UUID1", "UUID3",
    "UUID4", "UUID5", "PositiveInt", "NegativeInt", "NonNegativeInt", "NonPositiveInt",
    "PositiveFloat", "NegativeFloat", "NonNegativeFloat", "NonPositiveFloat",
}
CONSTRAINED_CALLS = {"constr", "conint", "confloat", "conlist", "conset", "condecimal",
                     "conbytes", "confrozenset", "condate"}
ANNOTATED_BOUNDS = {"Gt", "Ge", "Lt", "Le", "MinLen", "MaxLen", "Len", "Interval"}


def _bound_call(call: Call) -> bool:
    if not isinstance(call.func, Name):
        return False
    name = last_part(call.func.dotted)
    if name in CONSTRAINED_CALLS or name in ANNOTATED_BOUNDS:
        return True
    return name in ("Field", "StringConstraints") and bool(BOUND_KEYWORDS & set(call.kwargs))


def _constrained_expr(project: Project, expr: Expr | None, depth: int = 0) -> bool:
    for node in walk_expr(expr):
        if isinstance(node, Call) and _bound_call(node):
            return True
        if isinstance(node, Name):
            if last_part(node.dotted) in CONSTRAINED_TYPES:
                return True
            # a module-level alias such as `Name = Annotated[str, Field(max_length=50)]`
            resolved = project.resolve(node)
            if (depth < 4 and resolved is not node and isinstance(resolved, Subscript | Call)
                    and _constrained_expr(project, resolved, depth + 1)):
                return True
    return False


def constrained_fields(project: Project, ref: ClassRef) -> list:
    return [f for f in project.all_fields(*ref) if f.name != "model_config" and (
        _constrained_expr(project, f.annotation) or
        (isinstance(f.value, Call) and _bound_call(f.value)))]


class Typ007InputConstraints(Rule):
    """Detects request-body models whose fields carry no length, range or format bounds."""

    id = "TYP-007"
    title = "Input constraints"
    dimension = "type_safety"
    priority = "P1"
    tags = ("pyd#3", "sec10#8")
    rationale = (
        "A type alone accepts a 10 MB string or a negative quantity. Bounds on input fields "
        "stop abuse and bad data at the edge, with a precise 422, instead of in the "
        "database or in business logic."
    )
    remediation = (
        "Constrain body fields: `Field(min_length=1, max_length=100)`, `Field(gt=0)`, "
        "`pattern=`, or types such as `EmailStr`, `HttpUrl` and `UUID`."
    )
    example_before = "class SignUp(BaseModel):\n    email: str\n    name: str"
    example_after = "class SignUp(BaseModel):\n    email: EmailStr\n" \
                    "    name: str = Field(min_length=1, max_length=100)"
    VALID = [
        Example(APP + """from typing import Annotated
from pydantic import EmailStr

Name = Annotated[str, Field(min_length=1, max_length=50)]

class SignUp(BaseModel):
    email: EmailStr

class Rename(BaseModel):
    name: Name

class Note(BaseModel):
    text: str

@app.post("/signup")
def signup(body: SignUp):
    return None

@app.post("/rename")
def rename(body: Rename):
    return None

@app.post("/notes")
def note(body: Note):
    return None
"""),
        Example(APP + """from pydantic import conint

class Base(BaseModel):
    quantity: conint(gt=0)

class Order(Base):
    note: str

@app.post("/orders")
def order(order: Order):
    return None
""", name="inherited-conint"),
    ]
    INVALID = [
        Example(APP + """
class Note(BaseModel):
    text: str
    tags: list[str] = Field(default_factory=list)

@app.post("/notes")
def note(body: Note):
    return None
""", expect=FAIL),
        Example(APP + """
class A(BaseModel):
    text: str = Field(max_length=10)

class B(BaseModel):
    text: str

class C(BaseModel):
    text: str

@app.post("/a")
def a(body: A):
    return None

@app.post("/b")
def b(body: B, other: C):
    return None
""", expect=WARN, name="some-constrained"),
    ]

    def check(self, project: Project) -> object:
        inputs: dict[tuple[str, str], ClassRef] = {}
        for endpoint in project.service.endpoints:
            for body in body_params(project, endpoint):
                for ref in pydantic_classes(project, body.param.annotation):
                    inputs.setdefault(_class_key(ref), ref)
        if not inputs:
            return self.not_applicable("no Pydantic model is used as a request body",
                                       {"constrained": 0, "input_models": 0})
        constrained = {k: r for k, r in inputs.items() if constrained_fields(project, r)}
        metric = {"constrained": len(constrained), "input_models": len(inputs)}
        status = share_status(len(constrained), len(inputs), 0.5, 1e-9)
        if status == "pass":
            evidence = [class_evidence(project, r, f"`{r[1].qualname}` constrains its input "
                                       "fields") for r in constrained.values()]
            return self.passed(evidence, metric)
        evidence = [class_evidence(project, r, f"input model `{r[1].qualname}` has no "
                                   "length, range or format constraint on any field")
                    for k, r in inputs.items() if k not in constrained]
        return self.result(status, evidence, metric)


# ---- TYP-008 -----------------------------------------------------------------------------
class Typ008StrictTyping(Rule):
    """Detects whether a strict mypy/pyright configuration exists and CI runs it."""

    id = "TYP-008"
    title = "Strict typing enforced"
    dimension = "type_safety"
    priority = "P1"
    tags = ("health",)
    rationale = (
        "Type hints only protect code that a checker reads. A strict configuration makes "
        "untyped functions and implicit `Any` errors, and running it in CI keeps every "
        "change honest instead of relying on whoever remembers to run it locally."
    )
    remediation = (
        "Enable `strict = true` under `[tool.mypy]` (or pyright's `typeCheckingMode = "
        "\"strict\"`) and add a CI step that runs the checker, directly or through "
        "pre-commit, make, tox or nox."
    )
    example_before = "[tool.mypy]\nignore_missing_imports = true\n# and no CI step"
    example_after = "[tool.mypy]\nstrict = true\n\n# .github/workflows/ci.yml\n" \
                    "- run: uv run mypy app"
    _CI = """name: ci
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: {command}
"""
    VALID = [
        Example({"app/main.py": APP,
                 "pyproject.toml": "[project]\nname = 'x'\n\n[tool.mypy]\nstrict = true\n",
                 ".github/workflows/ci.yml": _CI.format(command="uv run mypy app")}),
        Example({"app/main.py": APP,
                 "pyrightconfig.json": '{"typeCheckingMode": "strict"}\n',
                 "Makefile": "lint:\n\tpyright app\n",
                 ".github/workflows/ci.yml": _CI.format(command="make lint")},
                name="pyright-through-make"),
    ]
    INVALID = [
        Example({"app/main.py": APP,
                 "pyproject.toml": "[project]\nname = 'x'\n\n[tool.mypy]\nstrict = true\n"},
                expect=WARN, name="strict-not-run"),
        Example({"app/main.py": APP,
                 "pyproject.toml": "[project]\nname = 'x'\n"},
                expect=FAIL, name="nothing"),
        Example({"app/main.py": APP,
                 "mypy.ini": "[mypy]\nignore_missing_imports = True\n",
                 ".github/workflows/ci.yml": _CI.format(command="mypy .")},
                expect=WARN, name="run-not-strict"),
    ]

    def check(self, project: Project) -> object:
        artifacts = project.artifacts
        pyconfig = getattr(artifacts, "pyconfig", None)
        ci = getattr(artifacts, "ci", None)
        if artifacts is None or pyconfig is None or ci is None:
            return self.unknown([project.absence("repository configuration was not collected")])
        strict, runs = {}, {}
        if pyconfig.mypy is not None:
            strict["mypy"] = (pyconfig.mypy.is_strict, pyconfig.mypy)
        if pyconfig.pyright is not None:
            strict["pyright"] = (pyconfig.pyright.is_strict, pyconfig.pyright)
        for tool in ("mypy", "pyright", "basedpyright"):
            found = ci.runs_tool(tool)
            if found:
                runs["pyright" if tool == "basedpyright" else tool] = found
        if not runs and ci.errors:
            # a CI file we could not read may well run the checker: do not guess
            return self.unknown([project.absence(f"CI file not understood: {error}")
                                 for error in ci.errors])
        return self._verdict(project, strict, runs)

    def _verdict(self, project: Project, strict: dict, runs: dict):
        evidence = [self._config_evidence(project, tool, config, is_strict)
                    for tool, (is_strict, config) in strict.items()]
        evidence += [self._run_evidence(project, tool, found[0]) for tool, found in runs.items()]
        strict_tools = {t for t, (is_strict, _) in strict.items() if is_strict}
        strict_tools |= {t for t, found in runs.items() if t == "mypy" and any(
            "--strict" in (r.followed.text if r.followed else r.ci.text) for r in found)}
        if strict_tools & set(runs):
            return self.passed(evidence)
        if strict_tools or runs:
            if not runs:
                evidence.append(project.absence("no CI step runs mypy or pyright (looked in CI "
                                                "files and one level into what they call)"))
            elif not strict:
                evidence.append(project.absence("no mypy/pyright configuration found "
                                                "(pyproject.toml, mypy.ini, setup.cfg, "
                                                "pyrightconfig.json)"))
            return self.warned(evidence)
        evidence.append(project.absence("no strict mypy/pyright configuration and no CI step "
                                        "running a type checker"))
        return self.failed(evidence)

    @staticmethod
    def _config_evidence(project: Project, tool: str, config, is_strict: bool) -> Evidence:
        message = f"{tool} is configured {'strict' if is_strict else 'but not strict'}"
        return project.evidence(config.path, config.line, message, snippet_lines=2)

    @staticmethod
    def _run_evidence(project: Project, tool: str, run) -> Evidence:
        how = "directly" if run.via == "direct" else f"through {run.via}"
        return project.evidence(run.ci.path, run.ci.line, f"CI runs {tool} {how}",
                                snippet_lines=1)


RULES = (
    Typ001BodiesAreModels, Typ002ResponseDeclared, Typ003NoUntypedDictResponses,
    Typ004PydanticV2, Typ005SeparateSchemas, Typ006NoSecretsInResponses,
    Typ007InputConstraints, Typ008StrictTyping,
)
