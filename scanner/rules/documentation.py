"""Documentation checks (DOC-001 .. DOC-005): API metadata, documented endpoints, schema
examples, docs exposure in production and the README.

App keyword arguments are read merged from `**dict` (also a dict filled key by key before
the app is built) and resolved through module constants and settings-field defaults, so
`FastAPI(title=settings.PROJECT_NAME, **app_configs)` is understood (RULES.md 3.1).
"""

from __future__ import annotations

from ..fastapi_model import Endpoint, WebObject
from ..project import Project
from ..python.facts import (
    Attr,
    BinOp,
    Call,
    ClassFact,
    Const,
    DictExpr,
    Expr,
    FStr,
    IfExp,
    ModuleFacts,
    Name,
    Subscript,
)
from .base import FAIL, WARN, CheckResult, Evidence, Example, Rule
from .database import unique_endpoints
from .matchers import annotated_metadata, expand_annotation_alias, last_part, unwrap_annotation
from .security._shared import local_assignments, settings_field_of
from .typing import (
    body_params,
    class_evidence,
    effective_response_types,
    endpoint_evidence,
    pass_unless_unparsed,
    pydantic_classes,
)

ClassRef = tuple[ModuleFacts, ClassFact]

APP = """from fastapi import FastAPI

app = FastAPI(title="Orders API", version="1.4.0")


@app.get("/health", summary="Liveness probe")
async def health() -> dict[str, str]:
    return {"status": "ok"}
"""


# ---- app keyword arguments -------------------------------------------------------------
def _scope_chain(scope: str) -> list[str]:
    chain = [scope]
    while scope:
        scope = scope.rpartition(".")[0]
        chain.append(scope)
    return chain


def _spread(project: Project, app: WebObject) -> tuple[Expr | None, bool]:
    """The `**x` given to the app and whether it resolved to a dict the scanner can read."""
    given = app.call.kwargs.get("**")
    if given is None:
        return None, True
    resolved = project.resolve(given)
    readable = isinstance(resolved, DictExpr) or (
        isinstance(resolved, Call) and isinstance(resolved.func, Name)
        and resolved.func.dotted == "dict")
    return given, readable


def _spread_items(project: Project, app: WebObject) -> list[tuple[str, Expr | None, ModuleFacts,
                                                                  int]]:
    """`app_configs["openapi_url"] = None` written into the dict later given as `**app_configs`
    (in the app's module or the module the dict is imported from): (key, value, module, line)."""
    given = app.call.kwargs.get("**")
    if not isinstance(given, Name):
        return []
    places = [(app.module, given.dotted, _scope_chain(app.scope))]
    definition = project.lookup(given.qname)
    if definition is not None and definition.kind == "assignment":
        places.append((definition.module, definition.name, [""]))
    found = []
    for module, name, scopes in places:
        for assignment in module.assignments:
            if assignment.scope not in scopes:
                continue
            for target in assignment.targets:
                if isinstance(target, Subscript) and isinstance(target.value, Name) and \
                        target.value.dotted == name and target.index and \
                        isinstance(target.index[0], Const) and isinstance(target.index[0].value,
                                                                          str):
                    found.append((target.index[0].value, assignment.value, module,
                                  assignment.line))
    return found


def related_apps(project: Project) -> list[WebObject]:
    """The primary app, apps mounted into it or it into, and other apps built under the same
    name (`app = FastAPI(docs_url=None)` in one branch, `app = FastAPI()` in the other)."""
    service = project.service
    primary = service.primary
    if primary is None:
        return []
    found = [primary]
    found += [parent for parent, _ in primary.mounted_into]
    found += [a for a in service.apps if any(p is primary for p, _ in a.mounted_into)]
    found += [a for a in service.apps if a.module is primary.module and a.var == primary.var
              and a.scope == primary.scope]
    unique: list[WebObject] = []
    for app in found:
        if all(app is not seen for seen in unique):
            unique.append(app)
    return unique


def app_evidence(project: Project, app: WebObject, message: str) -> Evidence:
    """Evidence at the first line of the app's construction (RULES.md 3.11)."""
    return project.evidence(app.module.path, app.call.line or app.line, message,
                            end_line=app.call.end_line, scope=app.scope)


# ---- DOC-001 ---------------------------------------------------------------------------
def _given(project: Project, value: Expr | None) -> bool:
    """A metadata value that is set: anything but None or an empty string."""
    resolved = project.resolve(value)
    return not (isinstance(resolved, Const) and resolved.value in (None, ""))


def metadata_state(project: Project, app: WebObject, key: str) -> str:
    """"set", "unset" or "unknown" (given through a `**dict` the scanner cannot read)."""
    if key in app.kwargs:
        return "set" if _given(project, app.kwargs[key]) else "unset"
    if any(k == key and _given(project, v) for k, v, _, _ in _spread_items(project, app)):
        return "set"
    given, readable = _spread(project, app)
    return "unknown" if given is not None and not readable else "unset"


def _custom_openapi_keys(project: Project) -> set[str]:
    """Metadata given to `get_openapi(...)` for a custom `app.openapi`."""
    keys: set[str] = set()
    for _, site in project.iter_calls():
        func = site.call.func
        if isinstance(func, Name) and func.qname in ("fastapi.openapi.utils.get_openapi",
                                                     "get_openapi"):
            keys |= {k for k, v in site.call.kwargs.items() if _given(project, v)}
    return keys


class Doc001ApiMetadata(Rule):
    """Detects whether the app sets a title and a version or description for its OpenAPI
    document."""

    id = "DOC-001"
    title = "API metadata"
    dimension = "documentation"
    priority = "P1"
    tags = ("health",)
    rationale = (
        "The title, version and description head the interactive docs and the OpenAPI "
        "document that clients and code generators consume. Left at FastAPI's defaults "
        "(\"FastAPI\", 0.1.0), consumers cannot tell which service or which release they are "
        "looking at."
    )
    remediation = (
        "Pass `title=` and `version=` (and a short `description=`) to `FastAPI(...)`, "
        "for example from the settings or the package version."
    )
    example_before = "app = FastAPI()"
    example_after = ('app = FastAPI(title="Orders API", version=settings.version,\n'
                     '              description="Create and track customer orders.")')
    VALID = [
        Example(APP, name="title-and-version"),
        Example({"app/config.py": "from pydantic_settings import BaseSettings\n\n\n"
                 "class Settings(BaseSettings):\n    PROJECT_NAME: str = 'Shop'\n\n\n"
                 "settings = Settings()\n\napp_configs = {'title': settings.PROJECT_NAME}\n",
                 "app/main.py": "from fastapi import FastAPI\n\n"
                 "from app.config import app_configs\n\n"
                 "app = FastAPI(**app_configs, description='Shop backend')\n"},
                name="kwargs-dict-and-settings"),
    ]
    INVALID = [
        Example("from fastapi import FastAPI\n\napp = FastAPI()\n", expect=FAIL,
                name="defaults-only"),
        Example("from fastapi import FastAPI\n\napp = FastAPI(title='Orders API')\n",
                expect=WARN, name="title-only"),
    ]

    def check(self, project: Project) -> CheckResult:
        apps = related_apps(project)
        if not apps:
            return self.not_applicable("no FastAPI app found")
        custom = _custom_openapi_keys(project)
        states = {key: self._state(project, apps, key, custom)
                  for key in ("title", "version", "description")}
        title = states["title"]
        other = "set" if "set" in (states["version"], states["description"]) else (
            "unknown" if "unknown" in (states["version"], states["description"]) else "unset")
        said = ", ".join(f"{k} {v}" for k, v in states.items())
        evidence = [app_evidence(project, apps[0], f"app metadata: {said}")]
        if title == "set" and other == "set":
            return self.passed(evidence)
        if "unknown" in (title, other):
            return self.unknown(evidence)
        if title == "set" or other == "set":
            return self.warned(evidence)
        return self.failed(evidence)

    @staticmethod
    def _state(project: Project, apps: list[WebObject], key: str, custom: set[str]) -> str:
        if key in custom:
            return "set"
        states = [metadata_state(project, app, key) for app in apps]
        return "set" if "set" in states else ("unknown" if "unknown" in states else "unset")


# ---- DOC-002 ---------------------------------------------------------------------------
def _false(project: Project, expr: Expr | None) -> bool:
    return expr is not None and project.constant(expr) is False


def hidden_from_docs(project: Project, endpoint: Endpoint) -> bool:
    """`include_in_schema=False` on the route, its router, or every include of it."""
    if _false(project, endpoint.kw("include_in_schema")) or _false(
            project, endpoint.owner.kwargs.get("include_in_schema")):
        return True
    includes = endpoint.owner.includes
    return bool(includes) and all(_false(project, i.call.kwargs.get("include_in_schema"))
                                  for i in includes)


def documented_endpoints(project: Project) -> list[Endpoint]:
    """Endpoints shown in the docs, once per handler."""
    return [e for e in unique_endpoints(project) if not hidden_from_docs(project, e)]


def _text_given(project: Project, value: Expr | None) -> bool:
    if value is None:
        return False
    resolved = project.resolve(value)
    if isinstance(resolved, Const):
        return isinstance(resolved.value, str) and bool(resolved.value.strip())
    return True  # built text (f-string, settings, i18n call): written on purpose


def endpoint_documentation(project: Project, endpoint: Endpoint) -> str | None:
    """How the endpoint is described ("summary", "description", "docstring") or None."""
    for key in ("summary", "description"):
        if _text_given(project, endpoint.kw(key)):
            return key
    docstring = endpoint.function.docstring if endpoint.function else None
    return "docstring" if docstring and docstring.strip() else None


class Doc002EndpointsDocumented(Rule):
    """Detects the share of endpoints without a summary, description or docstring."""

    id = "DOC-002"
    title = "Endpoints documented"
    dimension = "documentation"
    priority = "P1"
    tags = ("health",)
    rationale = (
        "The generated docs show the function name and parameters, not what an operation is "
        "for, what it changes or when it fails. A summary or docstring is what turns the "
        "OpenAPI page into documentation a client developer can work from."
    )
    remediation = (
        "Give each route a `summary=` (or `description=`) or a docstring; FastAPI puts the "
        "docstring into the operation's description."
    )
    example_before = ("@router.post('/orders')\n"
                      "async def create(order: OrderIn) -> OrderOut:\n    ...")
    example_after = ("@router.post('/orders', summary='Place an order')\nasync def create("
                     "order: OrderIn) -> OrderOut:\n    \"\"\"Reserve stock and charge the "
                     "customer; 409 when out of stock.\"\"\"")
    VALID = [
        Example(APP, name="summary"),
        Example({"app/main.py": "from fastapi import FastAPI\n\nfrom app.routes import router\n\n"
                 "app = FastAPI()\napp.include_router(router)\n",
                 "app/routes.py": "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n"
                 "@router.get('/a')\ndef a():\n    \"\"\"List the things.\"\"\"\n\n\n"
                 "@router.get('/b', description='One thing')\ndef b():\n    return {}\n\n\n"
                 "@router.get('/internal', include_in_schema=False)\ndef internal():\n"
                 "    return {}\n"}, name="docstring-description-hidden-route"),
    ]
    INVALID = [
        Example("from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get('/a')\n"
                "def a():\n    return {}\n\n\n@app.get('/b')\ndef b():\n    return {}\n",
                expect=FAIL, name="none-documented"),
        Example("from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get('/a', summary='A')\n"
                "def a():\n    return {}\n\n\n@app.get('/b')\ndef b():\n    return {}\n",
                expect=WARN, name="half-documented"),
    ]

    def check(self, project: Project) -> CheckResult:
        endpoints = documented_endpoints(project)
        if not endpoints:
            return self.not_applicable("no endpoints shown in the API docs")
        missing = [e for e in endpoints if endpoint_documentation(project, e) is None]
        documented = len(endpoints) - len(missing)
        metric = {"documented": documented, "endpoints": len(endpoints)}
        share = documented / len(endpoints)
        if share >= 0.8:
            return pass_unless_unparsed(self, project, [project.absence(
                f"{_how_many_documented(documented, len(endpoints))} a summary, description "
                "or docstring")], metric)
        evidence = [endpoint_evidence(project, e, f"{e.label()} has no summary, description "
                                      "or docstring") for e in missing]
        return (self.warned if share >= 0.4 else self.failed)(evidence, metric)


def _how_many_documented(documented: int, endpoints: int) -> str:
    if documented == endpoints:
        return "the one endpoint has" if endpoints == 1 else f"all {endpoints} endpoints have"
    return f"{documented} of {endpoints} endpoints have"


# ---- DOC-003 ---------------------------------------------------------------------------
EXAMPLE_KEYS = {"example", "examples", "openapi_examples"}
EXTRA_KEYS = {"json_schema_extra", "schema_extra"}


def _dict_keys(expr: Expr | None) -> set[str]:
    if isinstance(expr, DictExpr):
        return {k.value for k in expr.keys if isinstance(k, Const) and isinstance(k.value, str)}
    if isinstance(expr, Call) and isinstance(expr.func, Name) and expr.func.dotted == "dict":
        return set(expr.kwargs)
    return set()


def _extra_has_examples(project: Project, expr: Expr | None) -> bool:
    """`{"examples": [...]}` given as json_schema_extra / schema_extra."""
    return bool(_dict_keys(project.resolve(expr)) & EXAMPLE_KEYS)


def _config_has_examples(project: Project, expr: Expr | None) -> bool:
    """`model_config = ConfigDict(json_schema_extra={"examples": ...})` or the dict form."""
    resolved = project.resolve(expr)
    if isinstance(resolved, Call):
        return any(_extra_has_examples(project, resolved.kwargs.get(k)) for k in EXTRA_KEYS)
    if isinstance(resolved, DictExpr):
        return any(isinstance(k, Const) and k.value in EXTRA_KEYS and
                   _extra_has_examples(project, v)
                   for k, v in zip(resolved.keys, resolved.values, strict=False))
    return False


def _declares_examples(project: Project, expr: Expr | None) -> bool:
    """`Field(examples=[...])`, `Field(example=...)`, `Body(openapi_examples=...)`,
    `Field(json_schema_extra={"example": ...})`."""
    if not isinstance(expr, Call):
        return False
    if any(k in EXAMPLE_KEYS and not (isinstance(v, Const) and v.value is None)
           for k, v in expr.kwargs.items()):
        return True
    return _extra_has_examples(project, expr.kwargs.get("json_schema_extra"))


def model_has_examples(project: Project, module: ModuleFacts, cls: ClassFact,
                       _depth: int = 0) -> bool:
    """Examples on the model, its fields, its v1 `Config`, or a model it inherits from."""
    for field in cls.fields:
        if field.name == "model_config" and _config_has_examples(project, field.value):
            return True
        if _declares_examples(project, field.value) or any(
                _declares_examples(project, m) for m in annotated_metadata(field.annotation)):
            return True
    config = next((c for c in module.classes if c.qualname == f"{cls.qualname}.Config"), None)
    if config is not None and any(f.name in EXTRA_KEYS and _extra_has_examples(project, f.value)
                                  for f in config.fields):
        return True
    if _depth < 12:
        for base in cls.bases:
            parent = project.class_of(base)
            if parent is not None and parent[1] is not cls and model_has_examples(
                    project, parent[0], parent[1], _depth + 1):
                return True
    return False


def _key(ref: ClassRef) -> tuple[str, str]:
    return ref[0].path, ref[1].qualname


def schema_models(project: Project) -> tuple[list[ClassRef], set[tuple[str, str]]]:
    """Body and response models of documented endpoints (each once), and the bodies given
    examples at the endpoint (`Body(openapi_examples=...)`)."""
    models: dict[tuple[str, str], ClassRef] = {}
    endpoint_examples: set[tuple[str, str]] = set()
    for endpoint in documented_endpoints(project):
        for body in body_params(project, endpoint):
            param = body.param
            annotation = expand_annotation_alias(project, param.annotation)
            refs = pydantic_classes(project, annotation)
            for ref in refs:
                models.setdefault(_key(ref), ref)
            if _declares_examples(project, param.default) or any(
                    _declares_examples(project, m) for m in annotated_metadata(annotation)):
                endpoint_examples |= {_key(ref) for ref in refs}
        for ref in pydantic_classes(project, effective_response_types(project, endpoint)):
            models.setdefault(_key(ref), ref)
    return list(models.values()), endpoint_examples


class Doc003SchemaExamples(Rule):
    """Detects the share of request and response models that carry examples for the docs."""

    id = "DOC-003"
    title = "Schema examples"
    dimension = "documentation"
    priority = "P1"
    tags = ("pyd#8",)
    rationale = (
        "An example payload in the schema lets a client developer try an endpoint from the "
        "docs page in one click and shows realistic values that field types alone do not "
        "convey (formats, units, typical sizes). Mock servers and contract tests reuse them."
    )
    remediation = (
        "Add examples to the request and response models: `model_config = ConfigDict("
        "json_schema_extra={\"examples\": [...]})` or `Field(examples=[...])` on the fields."
    )
    example_before = "class OrderIn(BaseModel):\n    sku: str\n    quantity: int"
    example_after = ("class OrderIn(BaseModel):\n    model_config = ConfigDict(json_schema_extra="
                     "{\"examples\": [{\"sku\": \"A-100\", \"quantity\": 2}]})\n\n"
                     "    sku: str\n    quantity: int")
    VALID = [
        Example("from fastapi import FastAPI\nfrom pydantic import BaseModel, ConfigDict\n\n"
                "app = FastAPI()\n\n\nclass OrderIn(BaseModel):\n    model_config = ConfigDict("
                "json_schema_extra={'examples': [{'sku': 'A-1'}]})\n\n    sku: str\n\n\n"
                "class OrderOut(BaseModel):\n    id: int\n    sku: str\n\n\n"
                "@app.post('/orders')\ndef create(order: OrderIn) -> OrderOut:\n"
                "    return OrderOut(id=1, sku=order.sku)\n", name="config-dict-examples"),
        Example({"app/schemas.py": "from pydantic import BaseModel, Field\n\n\n"
                 "class Item(BaseModel):\n    name: str = Field(examples=['Lamp'])\n\n\n"
                 "class LegacyItem(BaseModel):\n    name: str\n\n    class Config:\n"
                 "        schema_extra = {'example': {'name': 'Lamp'}}\n",
                 "app/main.py": "from fastapi import FastAPI\n\nfrom app.schemas import Item, "
                 "LegacyItem\n\napp = FastAPI()\n\n\n@app.post('/items', response_model=Item)\n"
                 "def create(item: LegacyItem):\n    return item\n"},
                name="field-examples-and-v1-config"),
    ]
    INVALID = [
        Example("from fastapi import FastAPI\nfrom pydantic import BaseModel\n\napp = FastAPI()"
                "\n\n\nclass OrderIn(BaseModel):\n    sku: str\n\n\n@app.post('/orders')\n"
                "def create(order: OrderIn) -> OrderIn:\n    return order\n",
                expect=FAIL, name="no-examples"),
        Example("from fastapi import FastAPI\nfrom pydantic import BaseModel, Field\n\n"
                "app = FastAPI()\n\n\nclass A(BaseModel):\n    x: int = Field(examples=[1])\n\n\n"
                "class B(BaseModel):\n    x: int\n\n\nclass C(BaseModel):\n    x: int\n\n\n"
                "class D(BaseModel):\n    x: int\n\n\nclass E(BaseModel):\n    x: int\n\n\n"
                "@app.post('/a')\ndef a(body: B) -> A:\n    return A(x=body.x)\n\n\n"
                "@app.post('/c')\ndef c(body: C) -> list[D]:\n    return []\n\n\n"
                "@app.get('/e')\ndef e() -> E:\n    return E(x=1)\n",
                expect=WARN, name="one-in-five"),
    ]

    def check(self, project: Project) -> CheckResult:
        models, endpoint_examples = schema_models(project)
        if not models:
            return self.not_applicable("no request body or response models on the endpoints")
        with_examples = [ref for ref in models if _key(ref) in endpoint_examples
                         or model_has_examples(project, *ref)]
        metric = {"with_examples": len(with_examples), "models": len(models)}
        if len(with_examples) / len(models) >= 0.25:
            return pass_unless_unparsed(self, project, [
                class_evidence(project, ref, f"`{ref[1].name}` has schema examples")
                for ref in with_examples], metric)
        without = [class_evidence(project, ref, f"`{ref[1].name}` has no schema examples")
                   for ref in models if ref not in with_examples]
        return (self.warned if with_examples else self.failed)(without, metric)


# ---- DOC-004 ---------------------------------------------------------------------------
DOCS_KEYS = ("docs_url", "openapi_url")
DEFAULT_DOCS = {"docs_url": "/docs", "openapi_url": "/openapi.json"}


def _optional(annotation: Expr | None) -> bool:
    """`X | None`, `Optional[X]`, `Union[X, None]` (also inside `Annotated`)."""
    if isinstance(annotation, Const):
        return annotation.value is None
    if isinstance(annotation, BinOp) and annotation.op == "|":
        return _optional(annotation.left) or _optional(annotation.right)
    if isinstance(annotation, Subscript) and isinstance(annotation.value, Name):
        head = last_part(annotation.value.dotted)
        if head == "Optional":
            return True
        if head in ("Union", "Annotated"):
            items = annotation.index if head == "Union" else annotation.index[:1]
            return any(_optional(item) for item in items)
    return False


class _DocsValue:
    """Whether a docs setting can be None: "off", "conditional", "on" or "unknown"."""

    def __init__(self, project: Project, module: ModuleFacts, scope: str) -> None:
        self.project = project
        self.module = module
        self.scope = scope

    def judge(self, expr: Expr | None, depth: int = 0) -> str:
        if depth > 8:
            return "unknown"
        nxt = depth + 1
        if isinstance(expr, Const):
            return "off" if expr.value is None else "on"
        if isinstance(expr, FStr | BinOp):
            return "on"
        if isinstance(expr, IfExp):
            branches = {self.judge(expr.body, nxt), self.judge(expr.orelse, nxt)}
            if branches & {"off", "conditional"}:
                return "conditional"
            return "on" if branches == {"on"} else "unknown"
        if isinstance(expr, Name | Attr):
            return self._named(expr, nxt)
        return "unknown"

    def _named(self, expr: Name | Attr, depth: int) -> str:
        field = settings_field_of(self.project, self.module, self.scope, expr)
        if field is not None:
            module, declared = field
            if _optional(declared.annotation):
                return "conditional"  # the environment may set it to None
            if declared.annotation is not None and any(
                    isinstance(p, Name) and p.dotted == "str"
                    for p in unwrap_annotation(declared.annotation)):
                return "on"
            return _DocsValue(self.project, module, "").judge(declared.value, depth)
        if isinstance(expr, Name) and "." not in expr.dotted:
            local = self._local_values(expr.dotted)
            if local:
                verdicts = {self.judge(v, depth) for v in local}
                if verdicts & {"off", "conditional"}:
                    return "conditional" if len(local) > 1 or "conditional" in verdicts \
                        else "off"
                return "on" if verdicts == {"on"} else "unknown"
        resolved = self.project.resolve(expr) if isinstance(expr, Name) else expr
        if resolved is not expr and resolved is not None:
            return self.judge(resolved, depth)
        return "unknown"

    def _local_values(self, name: str) -> list[Expr | None]:
        """Values bound to a local name in the scopes around the app (`docs_url = None` in an
        `if` and `"/docs"` otherwise count as a condition)."""
        for scope in _scope_chain(self.scope)[:-1]:
            found = local_assignments(self.module, scope, name)
            if found:
                return [a.value for a in found]
        return []


def _conditional_spread_keys(project: Project, app: WebObject, judge: _DocsValue) -> set[str]:
    """`FastAPI(**({} if debug else {"openapi_url": None}))`: keys one branch sets to None."""
    spread = project.resolve(app.call.kwargs.get("**"))
    if not isinstance(spread, IfExp):
        return set()
    keys = set()
    for branch in (spread.body, spread.orelse):
        branch = project.resolve(branch)
        if isinstance(branch, DictExpr):
            keys |= {k.value for k, v in zip(branch.keys, branch.values, strict=False)
                     if isinstance(k, Const) and judge.judge(v) in ("off", "conditional")}
    return keys


def docs_state(project: Project, app: WebObject) -> tuple[str, str]:
    """The best docs verdict of an app over docs_url/openapi_url, and which key gave it."""
    judge = _DocsValue(project, app.module, app.scope)
    verdicts: dict[str, str] = {}
    for key in DOCS_KEYS:
        if key in app.kwargs:
            verdicts[key] = judge.judge(app.kwargs[key])
        else:
            _, readable = _spread(project, app)
            verdicts[key] = "on" if readable else "unknown"
        for spread_key, value, module, _ in _spread_items(project, app):
            if spread_key == key and _DocsValue(project, module, "").judge(value) in (
                    "off", "conditional"):
                verdicts[key] = "conditional"  # `app_configs["openapi_url"] = None` under an if
        if key in _conditional_spread_keys(project, app, judge):
            verdicts[key] = "conditional"
    for wanted in ("conditional", "off", "unknown"):
        for key, verdict in verdicts.items():
            if verdict == wanted:
                return verdict, key
    return "on", ""


class Doc004DocsGuarded(Rule):
    """Detects interactive docs and the OpenAPI schema served in every environment."""

    id = "DOC-004"
    title = "Docs off or guarded in production"
    dimension = "documentation"
    priority = "P1"
    tags = ()
    rationale = (
        "A public `/docs` and `/openapi.json` hand anyone a complete map of the API, internal "
        "and admin routes included, with parameter formats ready for probing. Most services "
        "want the docs in development and staging but not on the public production host."
    )
    remediation = (
        "Make `openapi_url` (or at least `docs_url`) depend on the environment, e.g. "
        "`openapi_url=\"/openapi.json\" if settings.environment != \"production\" else None`, "
        "or read it from an optional settings field."
    )
    example_before = "app = FastAPI(title='Orders API')"
    example_after = ("app = FastAPI(title='Orders API',\n              openapi_url=None if "
                     "settings.environment == 'production' else '/openapi.json')")
    VALID = [
        Example({"app/config.py": "from pydantic_settings import BaseSettings\n\n\n"
                 "class Settings(BaseSettings):\n    DEBUG: bool = False\n\n\n"
                 "settings = Settings()\n",
                 "app/main.py": "from fastapi import FastAPI\n\nfrom app.config import "
                 "settings\n\napp = FastAPI(docs_url='/docs' if settings.DEBUG else None, "
                 "redoc_url=None)\n"}, name="conditional-expression"),
        Example({"app/config.py": "from pydantic_settings import BaseSettings\n\n\n"
                 "class Settings(BaseSettings):\n    openapi_url: str | None = '/openapi.json'\n"
                 "\n\nsettings = Settings()\n",
                 "app/main.py": "from fastapi import FastAPI\n\nfrom app.config import settings"
                 "\n\n\ndef create_app() -> FastAPI:\n"
                 "    return FastAPI(openapi_url=settings.openapi_url)\n\n\n"
                 "def build() -> FastAPI:\n    application = FastAPI(openapi_url=settings."
                 "openapi_url)\n    return application\n\n\napp = build()\n"},
                name="optional-settings-field"),
        Example({"app/config.py": "import os\n\nSHOW_DOCS = {'local', 'staging'}\n"
                 "app_configs = {'title': 'Shop'}\n"
                 "if os.environ.get('ENVIRONMENT') not in SHOW_DOCS:\n"
                 "    app_configs['openapi_url'] = None\n",
                 "app/main.py": "from fastapi import FastAPI\n\nfrom app.config import "
                 "app_configs\n\napp = FastAPI(**app_configs)\n"},
                name="kwargs-dict-filled-conditionally"),
    ]
    INVALID = [
        Example("from fastapi import FastAPI\n\napp = FastAPI(title='Orders API')\n",
                expect=FAIL, name="defaults"),
        Example({"app/config.py": "from pydantic_settings import BaseSettings\n\n\n"
                 "class Settings(BaseSettings):\n    API_V1_STR: str = '/api/v1'\n\n\n"
                 "settings = Settings()\n",
                 "app/main.py": "from fastapi import FastAPI\n\nfrom app.config import settings"
                 "\n\napp = FastAPI(openapi_url=f'{settings.API_V1_STR}/openapi.json', "
                 "docs_url='/docs')\n"}, expect=FAIL, name="always-on-f-string"),
    ]

    def check(self, project: Project) -> CheckResult:
        apps = related_apps(project)
        if not apps:
            return self.not_applicable("no FastAPI app found")
        primary = apps[0]
        candidates = [primary] + [a for a in apps[1:] if a.var == primary.var
                                  and a.module is primary.module]
        verdicts = [(app, *docs_state(project, app)) for app in candidates]
        for wanted, message in (("conditional", "`{}` can be None depending on configuration"),
                                ("off", "`{}` is None: the docs are switched off")):
            chosen = [(app, key) for app, verdict, key in verdicts if verdict == wanted]
            if chosen:
                return self.passed([app_evidence(project, app, message.format(key))
                                    for app, key in chosen])
        if any(verdict == "unknown" for _, verdict, _ in verdicts):
            return self.unknown([app_evidence(project, app, "docs_url/openapi_url come from an "
                                              "expression whose value the code does not show")
                                 for app, verdict, _ in verdicts if verdict == "unknown"])
        return self.failed([app_evidence(
            project, app, "docs_url and openapi_url are never None: /docs and the OpenAPI "
            "schema are served in every environment") for app in candidates])


# ---- DOC-005 ---------------------------------------------------------------------------
class Doc005Readme(Rule):
    """Detects whether a README exists and explains how to run and how to test the service."""

    id = "DOC-005"
    title = "README explains run and test"
    dimension = "documentation"
    priority = "P1"
    tags = ()
    rationale = (
        "The README is where a new developer or an on-call engineer starts. Without the "
        "commands to start the service and to run its tests, each person rediscovers them "
        "from CI files and Dockerfiles, or skips running the tests."
    )
    remediation = (
        "Add a README next to the service with at least a \"Run\" section (e.g. `uvicorn "
        "app.main:app --reload` or `docker compose up`) and a \"Test\" section (`pytest`)."
    )
    example_before = "# orders-service\nOrder management backend."
    example_after = ("# orders-service\n\n## Run locally\n    uvicorn app.main:app --reload\n\n"
                     "## Tests\n    pytest")
    VALID = [
        Example({"app/main.py": APP, "README.md": "# Orders\n\n## Running\n\n"
                 "    uvicorn app.main:app --reload\n\n## Testing\n\n    pytest -q\n"},
                name="markdown-sections"),
        Example({"services/api/app/main.py": APP, "services/api/pyproject.toml": "[project]\n"
                 "name = 'api'\n", "README.rst": "API\n===\n\nStart it with ``docker compose "
                 "up``.\n\nRun the tests with ``make test``.\n"},
                name="readme-above-app-root"),
    ]
    INVALID = [
        Example({"app/main.py": APP, "README.md": "# Orders\n\nManages orders.\n"},
                expect=WARN, name="readme-without-instructions"),
        Example({"app/main.py": APP}, expect=FAIL, name="no-readme"),
    ]

    def check(self, project: Project) -> CheckResult:
        artifacts = project.artifacts
        if artifacts is None:
            return self.unknown([project.absence("repository artefacts were not collected")])
        readme = artifacts.readme
        if readme is None:
            return self.failed([project.absence(
                f"no README found (looked in {artifacts.looked_in('readme')})")])
        if readme.error:
            return self.unknown([project.absence(f"{readme.path} could not be read "
                                                 f"({readme.error})")])
        evidence = [project.evidence(e.path, e.line, f"explains how to {what}")
                    for what, lines in (("run", readme.run_evidence),
                                        ("test", readme.test_evidence)) for e in lines[:1]]
        if readme.explains_run and readme.explains_test:
            return self.passed(evidence)
        missing = " and ".join(what for what, ok in (("run", readme.explains_run),
                                                     ("test", readme.explains_test)) if not ok)
        return self.warned([project.evidence(readme.path, 1, f"{readme.path} does not explain "
                                             f"how to {missing} the service"), *evidence])


RULES = (
    Doc001ApiMetadata,
    Doc002EndpointsDocumented,
    Doc003SchemaExamples,
    Doc004DocsGuarded,
    Doc005Readme,
)

__all__ = [
    "RULES", "docs_state", "documented_endpoints", "endpoint_documentation",
    "model_has_examples", "related_apps", "schema_models",
]
