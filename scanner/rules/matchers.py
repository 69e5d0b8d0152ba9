"""Shared matchers over facts: FastAPI parameters, `Depends`, Pydantic models, calls.

Rules of every dimension use these, so FastAPI's conventions are encoded once.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from ..python.facts import (
    Attr,
    Await,
    BinOp,
    Call,
    CallSite,
    ClassFact,
    Const,
    DictExpr,
    Expr,
    FStr,
    FunctionFact,
    IfExp,
    ModuleFacts,
    Name,
    Other,
    Param,
    Seq,
    Subscript,
    UnaryOp,
)

if TYPE_CHECKING:
    from ..fastapi_model import Endpoint
    from ..project import Project

PYDANTIC_BASES = {
    "pydantic.BaseModel", "pydantic.main.BaseModel", "sqlmodel.SQLModel",
    "pydantic_settings.BaseSettings", "pydantic.BaseSettings", "pydantic.v1.BaseModel",
    "pydantic.v1.BaseSettings", "pydantic.RootModel",
}
SETTINGS_BASES = {
    "pydantic_settings.BaseSettings", "pydantic.BaseSettings", "pydantic.v1.BaseSettings",
}
DEPENDS_NAMES = {"fastapi.Depends", "fastapi.Security", "fastapi.params.Depends",
                 "fastapi.params.Security"}
PARAM_SOURCES = {
    "Query": "query", "Path": "path", "Header": "header", "Cookie": "cookie", "Body": "body",
    "Form": "form", "File": "file", "UploadFile": "file",
}
SPECIAL_PARAM_TYPES = {
    "Request", "Response", "WebSocket", "BackgroundTasks", "HTTPConnection",
    "SecurityScopes", "UploadFile",
}
SCALAR_TYPES = {
    "int", "str", "float", "bool", "bytes", "UUID", "uuid.UUID", "date", "datetime", "time",
    "timedelta", "Decimal", "datetime.date", "datetime.datetime", "EmailStr", "HttpUrl",
}
_PATH_PARAM = re.compile(r"{([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?}")
WRAPPERS = {"list", "List", "Sequence", "Optional", "Iterable", "set", "Set", "tuple",
            "Tuple", "typing.List", "typing.Optional", "typing.Sequence", "Union",
            "collections.abc.Sequence", "Page", "AsyncIterator", "Iterator"}
COLLECTION_WRAPPERS = {"list", "List", "Sequence", "set", "Set", "tuple", "Tuple",
                       "typing.List", "typing.Sequence", "collections.abc.Sequence",
                       "Iterable", "typing.Iterable"}


_E = TypeVar("_E")


# ---- expressions -------------------------------------------------------------------------
def walk_expr(expr: Expr | None) -> Iterator[Expr]:
    """Every sub-expression, outermost first."""
    if expr is None:
        return
    stack: list[Expr] = [expr]
    children_of = _CHILDREN.get
    while stack:
        node = stack.pop()
        if node is None:
            continue
        yield node
        children = children_of(type(node), _sub_expressions)(node)
        if children:
            stack.extend(reversed(children))


def walk_expr_outside_calls(expr: Expr | None) -> Iterator[Expr]:
    """Like `walk_expr`, without entering calls (each call is a `CallSite` of its own, so a
    rule that also looks at call sites sees every sub-expression once)."""
    stack: list[Expr | None] = [expr]
    children_of = _CHILDREN.get
    while stack:
        node = stack.pop()
        if node is None or isinstance(node, Call):
            continue
        yield node
        children = children_of(type(node), _sub_expressions)(node)
        if children:
            stack.extend(reversed(children))


def _sub_expressions(node: Expr) -> list[Expr]:
    if isinstance(node, Call):
        return [node.func, *node.args, *node.kwargs.values()]
    if isinstance(node, Seq):
        return list(node.items)
    if isinstance(node, DictExpr):
        return [k for k in node.keys if k is not None] + list(node.values)
    if isinstance(node, FStr):
        return list(node.parts)
    if isinstance(node, BinOp):
        return [node.left, node.right]
    if isinstance(node, UnaryOp):
        return [node.operand]
    if isinstance(node, Subscript):
        return [node.value, *node.index]
    if isinstance(node, Await):
        return [node.value]
    if isinstance(node, Attr):
        return [node.value]
    if isinstance(node, IfExp):
        return [e for e in (node.test, node.body, node.orelse) if e is not None]
    return []


def _no_children(node: Expr) -> list[Expr]:
    return []


# `_sub_expressions` by exact type, so the walks do one dict look-up per node instead of a
# chain of isinstance checks; any other type (a subclass) goes through `_sub_expressions`.
_CHILDREN: dict[type, Callable[[Expr], list[Expr]]] = {
    Name: _no_children, Const: _no_children, Other: _no_children,
    Call: _sub_expressions, Seq: _sub_expressions, DictExpr: _sub_expressions,
    FStr: _sub_expressions, BinOp: _sub_expressions, UnaryOp: _sub_expressions,
    Subscript: _sub_expressions, Await: _sub_expressions, Attr: _sub_expressions,
    IfExp: _sub_expressions,
}


_CALL_NAMES: weakref.WeakKeyDictionary[Project, dict[int, list[Name]]] = \
    weakref.WeakKeyDictionary()


def call_names(project: Project, call: Call) -> list[Name]:
    """The `Name`s of `walk_expr(call)` in walk order: the callee (also inside `f().g()`
    chains) and the arguments. Walked once per call for all the checks that ask."""
    memo = _CALL_NAMES.setdefault(project, {})
    names = memo.get(id(call))  # the project keeps its calls alive: ids stay theirs
    if names is None:
        names = memo[id(call)] = nodes_of_type(call, Name)
    return names


def nodes_of_type(expr: Expr | None, kind: type[_E]) -> list[_E]:
    """`[n for n in walk_expr(expr) if isinstance(n, kind)]`, without a generator."""
    found: list[_E] = []
    stack: list[Expr | None] = [expr]
    children_of = _CHILDREN.get
    while stack:
        node = stack.pop()
        if node is None:
            continue
        if isinstance(node, kind):
            found.append(node)
        children = children_of(type(node), _sub_expressions)(node)
        if children:
            stack.extend(reversed(children))
    return found


def call_name(call: Call | Expr | None) -> str:
    """The import-resolved qualified name of what is called, or "" when not a plain name."""
    if isinstance(call, Call) and isinstance(call.func, Name):
        return call.func.qname
    return ""


def last_part(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def string_of(expr: Expr | None) -> str | None:
    return expr.value if isinstance(expr, Const) and isinstance(expr.value, str) else None


def is_literal_string(expr: Expr | None) -> bool:
    """A non-empty string constant, also when wrapped (`SecretStr("...")`)."""
    if isinstance(expr, Const):
        return isinstance(expr.value, str) and expr.value != ""
    if isinstance(expr, Call) and len(expr.args) == 1 and not expr.kwargs:
        return is_literal_string(expr.args[0])
    return False


def unwrap_annotation(expr: Expr | None) -> list[Expr]:
    """`Optional[X]`, `list[X]`, `X | None`, `Annotated[X, ...]` -> the X parts."""
    if expr is None:
        return []
    if isinstance(expr, Subscript) and isinstance(expr.value, Name):
        head = last_part(expr.value.dotted)
        if head == "Annotated":
            return unwrap_annotation(expr.index[0]) if expr.index else []
        if expr.value.dotted in WRAPPERS or head in WRAPPERS:
            parts: list[Expr] = []
            for item in expr.index:
                parts.extend(unwrap_annotation(item))
            return parts
        return [expr]
    if isinstance(expr, BinOp) and expr.op == "|":
        return unwrap_annotation(expr.left) + unwrap_annotation(expr.right)
    if isinstance(expr, Seq):
        parts = []
        for item in expr.items:
            parts.extend(unwrap_annotation(item))
        return parts
    if isinstance(expr, Const) and expr.value is None:
        return []
    return [expr]


def is_collection_annotation(expr: Expr | None) -> bool:
    if isinstance(expr, Subscript) and isinstance(expr.value, Name):
        head = last_part(expr.value.dotted)
        if head == "Annotated" and expr.index:
            return is_collection_annotation(expr.index[0])
        if head == "Optional" and expr.index:
            return is_collection_annotation(expr.index[0])
        return expr.value.dotted in COLLECTION_WRAPPERS or head in COLLECTION_WRAPPERS
    if isinstance(expr, BinOp) and expr.op == "|":
        return is_collection_annotation(expr.left) or is_collection_annotation(expr.right)
    return False


def annotated_metadata(expr: Expr | None) -> list[Expr]:
    """The metadata of `Annotated[T, meta1, meta2]` (empty for other annotations)."""
    if (isinstance(expr, Subscript) and isinstance(expr.value, Name)
            and last_part(expr.value.dotted) == "Annotated"):
        return list(expr.index[1:])
    return []


# ---- calls -------------------------------------------------------------------------------
def calls_in(module: ModuleFacts, function: FunctionFact, nested: bool = True
             ) -> list[CallSite]:
    """Calls written inside a function (and, by default, functions nested in it)."""
    name = function.qualname
    prefix = name + "."
    return [s for s in module.calls
            if s.scope == name or (nested and s.scope.startswith(prefix))]


def function_by_qualname(module: ModuleFacts, qualname: str) -> FunctionFact | None:
    return next((f for f in module.functions if f.qualname == qualname), None)


# ---- FastAPI parameters and dependencies -------------------------------------------------
def is_depends(expr: Expr | None) -> bool:
    if not isinstance(expr, Call) or not isinstance(expr.func, Name):
        return False
    if expr.func.qname in DEPENDS_NAMES:
        return True
    return last_part(expr.func.dotted) in ("Depends", "Security")


def param_dependency(param: Param) -> Call | None:
    """The `Depends(...)`/`Security(...)` call of a parameter (default or Annotated)."""
    if is_depends(param.default):
        return param.default  # type: ignore[return-value]
    for meta in annotated_metadata(param.annotation):
        if is_depends(meta):
            return meta  # type: ignore[return-value]
    return None


def dependency_target(call: Call | None) -> Expr | None:
    """What a `Depends(x)` depends on (None for a bare `Depends()`)."""
    if call is None:
        return None
    return call.arg(0, "dependency")


def param_source(param: Param) -> str | None:
    """Where FastAPI takes a parameter from, when declared explicitly."""
    if param_dependency(param) is not None:
        return "depends"
    candidates = [param.default, *annotated_metadata(param.annotation)]
    for candidate in candidates:
        if isinstance(candidate, Call) and isinstance(candidate.func, Name):
            source = PARAM_SOURCES.get(last_part(candidate.func.dotted))
            if source is not None:
                return source
    return None


def path_params(path: str) -> set[str]:
    return set(_PATH_PARAM.findall(path))


def is_special_param(param: Param) -> bool:
    """Request, Response, BackgroundTasks... injected by FastAPI, never from the client."""
    for part in unwrap_annotation(param.annotation):
        if isinstance(part, Name) and last_part(part.dotted) in SPECIAL_PARAM_TYPES:
            return True
    return False


def endpoint_dependency_calls(endpoint: Endpoint) -> list[Call]:
    """Every `Depends`/`Security` reaching the endpoint: its parameters and all levels."""
    calls: list[Call] = []
    if endpoint.function is not None:
        for param in endpoint.function.params:
            dependency = param_dependency(param)
            if dependency is not None:
                calls.append(dependency)
    calls.extend(d for d in endpoint.dependencies if isinstance(d, Call))
    return calls


def dependency_functions(project: Project, endpoint: Endpoint, max_depth: int = 4
                         ) -> list[tuple[ModuleFacts, FunctionFact]]:
    """Functions reached through `Depends`, transitively (sub-dependencies), in the tree."""
    found: list[tuple[ModuleFacts, FunctionFact]] = []
    seen: set[int] = set()
    frontier = [(endpoint.module, c) for c in endpoint_dependency_calls(endpoint)]
    for _ in range(max_depth):
        next_frontier = []
        for module, call in frontier:
            target = dependency_target(call)
            resolved = _function_for(project, module, target)
            if resolved is None or id(resolved[1]) in seen:
                continue
            seen.add(id(resolved[1]))
            found.append(resolved)
            for param in resolved[1].params:
                dependency = param_dependency(param)
                if dependency is not None:
                    next_frontier.append((resolved[0], dependency))
        frontier = next_frontier
    return found


def expand_annotation_alias(project: Project, annotation: Expr | None) -> Expr | None:
    """A module-level alias (`SessionDep = Annotated[Session, Depends(get_db)]`) -> its value."""
    if isinstance(annotation, Name):
        resolved = project.resolve(annotation)
        if isinstance(resolved, Subscript) and isinstance(resolved.value, Name):
            return resolved
    return annotation


def resolved_param_dependency(project: Project, param: Param) -> Call | None:
    """Like `param_dependency`, also through a module-level `Annotated[..., Depends()]` alias."""
    found = param_dependency(param)
    if found is not None:
        return found
    expanded = expand_annotation_alias(project, param.annotation)
    for meta in annotated_metadata(expanded):
        if is_depends(meta):
            return meta  # type: ignore[return-value]
    return None


def resolved_dependency_functions(project: Project, endpoint: Endpoint, max_depth: int = 4
                                  ) -> list[tuple[ModuleFacts, FunctionFact]]:
    """`dependency_functions`, following `Annotated` aliases at every level."""
    found: list[tuple[ModuleFacts, FunctionFact]] = []
    seen: set[int] = set()
    calls = [d for d in endpoint.dependencies if isinstance(d, Call)]
    if endpoint.function is not None:
        calls += [c for p in endpoint.function.params
                  if (c := resolved_param_dependency(project, p)) is not None]
    frontier = [(endpoint.module, c) for c in calls]
    for _ in range(max_depth):
        next_frontier = []
        for module, call in frontier:
            resolved = _function_for(project, module, dependency_target(call))
            if resolved is None or id(resolved[1]) in seen:
                continue
            seen.add(id(resolved[1]))
            found.append(resolved)
            for param in resolved[1].params:
                dependency = resolved_param_dependency(project, param)
                if dependency is not None:
                    next_frontier.append((resolved[0], dependency))
        frontier = next_frontier
    return found


def _function_for(project: Project, module: ModuleFacts, expr: Expr | None):
    if isinstance(expr, Call):  # Depends(RoleChecker("admin")) -> the class's __call__
        expr = expr.func
    if not isinstance(expr, Name):
        return None
    for function in module.functions:
        if function.qualname == expr.dotted and function.parent == "":
            return module, function
    definition = project.definition_of(expr)
    if definition is None:
        return None
    if definition.kind == "function":
        return definition.module, definition.node
    if definition.kind == "class":
        cls = definition.node
        call = function_by_qualname(definition.module, f"{cls.qualname}.__call__")
        if call is not None:
            return definition.module, call
    return None


# ---- Pydantic and models -----------------------------------------------------------------
def is_pydantic_model(project: Project, module: ModuleFacts, cls: ClassFact) -> bool:
    if project.is_subclass(module, cls, PYDANTIC_BASES):
        return not is_table_model(project, module, cls)
    return False


def is_settings_class(project: Project, module: ModuleFacts, cls: ClassFact) -> bool:
    return project.is_subclass(module, cls, SETTINGS_BASES)


def is_table_model(project: Project, module: ModuleFacts, cls: ClassFact) -> bool:
    """A SQLModel `table=True` class or a SQLAlchemy declarative class."""
    table = cls.keywords.get("table")
    if isinstance(table, Const) and table.value is True:
        return True
    if any(f.name == "__tablename__" for f in cls.fields):
        return True
    bases = project.base_names(module, cls)
    return any(last_part(b) in ("DeclarativeBase", "Base", "DeclarativeBaseNoMeta") and
               ("sqlalchemy" in b or b.endswith(".Base") or b == "Base") for b in bases)


def model_classes_in(project: Project, module: ModuleFacts, annotation: Expr | None
                     ) -> list[tuple[ModuleFacts, ClassFact]]:
    """Pydantic models of the tree named in an annotation (unwrapping list/Optional)."""
    models = []
    for part in unwrap_annotation(annotation):
        found = project.class_of(part) if isinstance(part, Name) else None
        if found is not None and is_pydantic_model(project, *found):
            models.append(found)
    return models


def looks_like_model_name(expr: Expr | None) -> bool:
    """An outside class known only by name: a CamelCase name that is not a builtin type."""
    return (isinstance(expr, Name) and last_part(expr.dotted)[:1].isupper()
            and last_part(expr.dotted) not in {"Any", "Dict", "List", "JSONResponse", "Response",
                                               "HTMLResponse", "Optional", "Union"})


@dataclass(slots=True, frozen=True)
class Use:
    """Where a module uses a name: the first line of the construct, and its scope."""

    line: int
    end_line: int
    scope: str


def first_use(module: ModuleFacts, library: str) -> Use | None:
    """The first place `module` uses a name imported from `library` (`redis.asyncio` covers
    `redis.asyncio.Redis`): a call, a base class or decorator, an annotation, a field or an
    assigned value. The facts keep no line for import statements, so evidence that a
    library is used points here; None when the module only imports it."""
    uses = [*_uses_in_calls(module, library), *_uses_in_definitions(module, library),
            *_uses_in_assignments(module, library)]
    return min(uses, key=lambda use: use.line, default=None)


def _from_library(expr: Expr | None, library: str) -> bool:
    return any(isinstance(node, Name) and (node.qname == library
                                           or node.qname.startswith(library + "."))
               for node in walk_expr(expr))


def _uses_in_calls(module: ModuleFacts, library: str) -> Iterator[Use]:
    for site in module.calls:
        if _from_library(site.call, library):
            yield Use(site.call.line, site.call.end_line, site.scope)


def _uses_in_definitions(module: ModuleFacts, library: str) -> Iterator[Use]:
    for cls in module.classes:
        if any(_from_library(part, library)
               for part in (*cls.bases, *cls.keywords.values(), *cls.decorators)):
            yield Use(cls.line, cls.line, cls.qualname)
        for field in cls.fields:
            if _from_library(field.annotation, library) or _from_library(field.value, library):
                yield Use(field.line, field.end_line, cls.qualname)
    for function in module.functions:
        parts = [*function.decorators, function.returns,
                 *(part for param in function.params for part in (param.annotation,
                                                                  param.default))]
        if any(_from_library(part, library) for part in parts):
            yield Use(function.line, function.line, function.qualname)


def _uses_in_assignments(module: ModuleFacts, library: str) -> Iterator[Use]:
    for assignment in module.assignments:
        if _from_library(assignment.value, library) or _from_library(assignment.annotation,
                                                                     library):
            yield Use(assignment.line, assignment.end_line, assignment.scope)


__all__ = [
    "Attr", "Await", "Call", "Const", "DictExpr", "Expr", "FStr", "Name", "Other", "Param",
    "Seq", "Subscript",
]
