"""Helpers shared by the security checks: value origins, JWT calls, middleware, names."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...project import Project
from ...python.facts import (
    Assignment,
    Attr,
    BinOp,
    Call,
    CallSite,
    Const,
    Expr,
    FStr,
    FunctionFact,
    ModuleFacts,
    Name,
    Other,
    Param,
    Subscript,
)
from ..matchers import annotated_metadata, function_by_qualname, is_depends, last_part

APP_PY = "from fastapi import FastAPI\n\napp = FastAPI()\n"

JWT_CALLS = {
    "jwt.encode": "encode", "jwt.decode": "decode",
    "jwt.api_jwt.encode": "encode", "jwt.api_jwt.decode": "decode",
    "jose.jwt.encode": "encode", "jose.jwt.decode": "decode",
    "authlib.jose.jwt.encode": "encode", "authlib.jose.jwt.decode": "decode",
    "joserfc.jwt.encode": "encode", "joserfc.jwt.decode": "decode",
}
# The key's position differs: authlib/joserfc take (header, payload, key) when encoding.
_KEY_INDEX = {"authlib.jose.jwt.encode": 2, "joserfc.jwt.encode": 2}
JWT_AUTH_LIBRARIES = ("fastapi_jwt_auth", "async_fastapi_jwt_auth", "fastapi_jwt_auth2")
CONFIG_READERS = {"os.getenv", "os.environ.get", "decouple.config", "config", "getenv",
                  "starlette.config.Config"}
_WRAPPERS = {"SecretStr", "SecretBytes", "Secret", "str", "bytes"}
_IDENTIFIER_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def name_tokens(name: str) -> list[str]:
    """`ACCESS_TOKEN_EXPIRE_MINUTES` / `accessTokenTtl` -> ["access", "token", ...]."""
    return [t for t in _IDENTIFIER_SPLIT.split(_CAMEL.sub("_", name).lower()) if t]


def jwt_kind(call: Call) -> str | None:
    """"encode" / "decode" when the call is a JWT library's encode/decode function."""
    if not isinstance(call.func, Name):
        return None
    return JWT_CALLS.get(call.func.qname)


def jwt_key_argument(call: Call) -> Expr | None:
    name = call.func.qname if isinstance(call.func, Name) else ""
    return call.arg(_KEY_INDEX.get(name, 1), "key")


def jwt_calls(project: Project) -> list[tuple[ModuleFacts, CallSite, str]]:
    return [(module, site, kind) for module, site in project.call_index.named(JWT_CALLS)
            if (kind := jwt_kind(site.call)) is not None]


def uses_jwt_auth_library(project: Project) -> list[tuple[ModuleFacts, str]]:
    """Modules importing fastapi-jwt-auth (or its async fork)."""
    return [(module, qualified) for module in project.app_modules
            for qualified in module.imports.values()
            if qualified.split(".")[0] in JWT_AUTH_LIBRARIES]


# ---- values inside a function ----------------------------------------------------------
def enclosing_function(module: ModuleFacts, scope: str) -> FunctionFact | None:
    """The function a scope belongs to (the scope itself, or the nearest def around it)."""
    while scope:
        function = function_by_qualname(module, scope)
        if function is not None:
            return function
        scope = scope.rpartition(".")[0]
    return None


def local_assignments(module: ModuleFacts, scope: str, name: str,
                      before_line: int | None = None) -> list[Assignment]:
    """Assignments to `name` inside exactly `scope` (before a line when given)."""
    return [a for a in module.assignments
            if a.scope == scope and (before_line is None or a.line <= before_line)
            and any(isinstance(t, Name) and t.dotted == name for t in a.targets)]


def function_param(module: ModuleFacts, scope: str, name: str) -> tuple[FunctionFact, Param] | None:
    function = enclosing_function(module, scope)
    if function is None:
        return None
    param = function.param(name)
    return (function, param) if param is not None else None


def root_name(expr: Expr | None) -> str | None:
    """The leading plain name of `a.b.c`, `a["x"]`, `a.get(...)`, `a.b()`."""
    while True:
        if isinstance(expr, Name):
            return expr.dotted.split(".")[0]
        if isinstance(expr, Attr | Subscript):
            expr = expr.value
        elif isinstance(expr, Call):
            expr = expr.func
        else:
            return None


def strip_accessors(expr: Expr | None) -> Expr | None:
    """`settings.KEY.get_secret_value()`, `str(KEY)`, `KEY.encode()` -> the underlying value."""
    for _ in range(6):
        if isinstance(expr, Call) and isinstance(expr.func, Name):
            dotted, qname = expr.func.dotted, expr.func.qname
            last = last_part(dotted)
            if last in ("get_secret_value", "encode", "strip") and "." in dotted:
                expr = Name(dotted.rpartition(".")[0], qname.rpartition(".")[0])
                continue
            if dotted in ("str", "bytes") and len(expr.args) == 1:
                expr = expr.args[0]
                continue
        if isinstance(expr, Call) and isinstance(expr.func, Attr) and not expr.args and \
                expr.func.attr in ("get_secret_value", "encode"):
            expr = expr.func.value
            continue
        break
    return expr


def is_config_reader(call: Call) -> bool:
    name = call.func.qname if isinstance(call.func, Name) else ""
    dotted = call.func.dotted if isinstance(call.func, Name) else ""
    return (name in CONFIG_READERS or name.endswith((".getenv", ".config"))
            or dotted in ("config", "env", "env.str") or name.startswith("environ.Env"))


def is_secret_wrapper(call: Call) -> bool:
    """`SecretStr("...")`, `Secret("...")`, `str(...)`: a value wrapped, not computed."""
    return (isinstance(call.func, Name) and last_part(call.func.dotted) in _WRAPPERS
            and len(call.args) == 1 and not call.kwargs)


def config_reader_default(call: Call) -> Expr | None:
    return call.kwargs.get("default", call.args[1] if len(call.args) > 1 else None)


def is_environ_subscript(expr: Expr | None) -> bool:
    return (isinstance(expr, Subscript) and isinstance(expr.value, Name)
            and expr.value.qname in ("os.environ", "environ"))


def settings_like(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in ("settings", "config", "conf.", "cfg", "env."))


def field_default(value: Expr | None) -> Expr | None:
    """`Field("x")` / `Field(default="x")` -> "x"; other values unchanged."""
    if isinstance(value, Call) and isinstance(value.func, Name) and last_part(
            value.func.dotted) == "Field":
        return value.kwargs.get("default", value.args[0] if value.args else None)
    return value


def value_source(project: Project, module: ModuleFacts, scope: str, expr: Expr | None,
                 line: int | None = None, depth: int = 0) -> tuple[str, Expr | None]:
    """Where a value comes from: ("literal"|"config"|"unknown", the deciding expression).

    Follows local assignments, parameter defaults, module constants, settings defaults and
    config-reader defaults (RULES.md 3.7/3.9); a literal fallback counts as a literal.
    """
    if depth > 8:
        return "unknown", expr
    expr = strip_accessors(expr)
    nxt = depth + 1
    if isinstance(expr, Const):
        return ("literal", expr) if isinstance(expr.value, str | bytes) else ("unknown", expr)
    if isinstance(expr, Call):
        return _call_source(project, module, scope, expr, line, nxt)
    if is_environ_subscript(expr):
        return "config", expr
    if isinstance(expr, Attr):
        return _attr_source(project, expr)
    if isinstance(expr, Name):
        return _name_source(project, module, scope, expr, line, nxt)
    return "unknown", expr


def _call_source(project, module, scope, call: Call, line, depth) -> tuple[str, Expr | None]:
    if is_config_reader(call):
        default = config_reader_default(call)
        if default is not None and not (isinstance(default, Const) and default.value is None):
            kind, where = value_source(project, module, scope, default, line, depth)
            if kind == "literal":
                return "literal", where
        return "config", call
    if is_secret_wrapper(call):  # SecretStr("x")
        return value_source(project, module, scope, call.args[0], line, depth)
    return "unknown", call


def _attr_source(project: Project, expr: Attr) -> tuple[str, Expr | None]:
    """`get_settings().SECRET_KEY`: the settings field's default, or configuration."""
    found = project.instance_class(expr.value)
    if found is not None:
        field = project.class_field(found[0], found[1], expr.attr)
        if field is not None:
            default = field_default(field.value)
            if default is None:
                return "config", expr
            kind, where = value_source(project, found[0], "", default)
            return ("literal", where) if kind == "literal" else ("config", expr)
    text = _expr_text(expr.value)
    return ("config", expr) if settings_like(text) else ("unknown", expr)


def _expr_text(expr: Expr | None) -> str:
    if isinstance(expr, Name):
        return expr.qname
    if isinstance(expr, Call):
        return _expr_text(expr.func)
    if isinstance(expr, Attr):
        return _expr_text(expr.value) + "." + expr.attr
    return ""


def settings_field_of(project: Project, module: ModuleFacts, scope: str, expr: Expr | None):
    """(module, field) when `expr` reads a field of a settings instance, else None.

    Handles `settings.X` (module singleton), `get_settings().X` and a local
    `settings = Settings()` inside the function.
    """
    expr = strip_accessors(expr)
    owner: Expr | None = None
    field_name = ""
    if isinstance(expr, Attr):
        owner, field_name = expr.value, expr.attr
    elif isinstance(expr, Name) and "." in expr.dotted:
        head, _, rest = expr.dotted.rpartition(".")
        field_name = rest
        owner = Name(head, expr.qname.rpartition(".")[0])
        if "." not in head and scope:
            assigned = local_assignments(module, scope, head)
            if assigned and assigned[-1].value is not None:
                owner = assigned[-1].value
    if owner is None:
        return None
    found = project.instance_class(owner)
    if found is None:
        return None
    field = project.class_field(found[0], found[1], field_name)
    return (_field_module(project, found, field_name), field) if field is not None else None


def _field_module(project: Project, found, name: str) -> ModuleFacts:
    """The module that declares an (inherited) field."""
    module, cls = found
    for _ in range(12):
        if any(f.name == name for f in cls.fields):
            return module
        for base in cls.bases:
            parent = project.class_of(base)
            if parent is not None:
                module, cls = parent
                break
        else:
            return module
    return module


def _name_source(project, module, scope, expr: Name, line, depth) -> tuple[str, Expr | None]:
    field = settings_field_of(project, module, scope, expr)
    if field is not None:
        default = field_default(field[1].value)
        if default is None:
            return "config", expr
        kind, where = value_source(project, field[0], "", default, None, depth)
        return ("literal", where) if kind == "literal" else ("config", expr)
    if "." not in expr.dotted and scope:
        assigned = local_assignments(module, scope, expr.dotted, line)
        if assigned and assigned[-1].value is not None:
            return value_source(project, module, scope, assigned[-1].value, line, depth)
        found = function_param(module, scope, expr.dotted)
        if found is not None:
            param = found[1]
            if param.default is not None and not is_depends(param.default):
                return value_source(project, module, "", param.default, None, depth)
            return "unknown", expr
    resolved = project.resolve(expr)
    if resolved is None:
        return "config", expr  # a settings field whose default comes from a factory
    if resolved is not expr and not (isinstance(resolved, Name) and resolved == expr):
        kind, where = value_source(project, module, "", resolved, None, depth)
        if kind == "unknown" and isinstance(resolved, Call):
            return ("config", expr) if _is_settings_field(project, expr) else (kind, where)
        return kind, where
    if _is_settings_field(project, expr) or settings_like(expr.qname):
        return "config", expr
    return "unknown", expr


def _is_settings_field(project: Project, expr: Name) -> bool:
    owner, _, field_name = expr.qname.rpartition(".")
    if not owner:
        return False
    found = project.instance_class(Name(owner, owner))
    return found is not None and project.class_field(found[0], found[1], field_name) is not None


# ---- interpolation ---------------------------------------------------------------------
def interpolated_parts(expr: Expr | None) -> list[Expr] | None:
    """The values spliced into a string built by f-string, `.format`, `%` or `+`.

    None when `expr` is not such a built string (a plain literal or anything else).
    """
    if isinstance(expr, FStr):
        return list(expr.parts) if expr.parts else None
    if isinstance(expr, BinOp) and expr.op == "%" and _stringish(expr.left):
        right = expr.right
        items = getattr(right, "items", None)
        return list(items) if items is not None else [right]
    if isinstance(expr, BinOp) and expr.op == "+" and (_stringish(expr.left) or
                                                      _stringish(expr.right)):
        return [part for part in _concat_operands(expr) if not _plain_string(part)]
    if isinstance(expr, Call) and _is_format_call(expr):
        return [*expr.args, *expr.kwargs.values()]
    return None


def _concat_operands(expr: Expr) -> list[Expr]:
    if isinstance(expr, BinOp) and expr.op == "+":
        return _concat_operands(expr.left) + _concat_operands(expr.right)
    if isinstance(expr, FStr):
        return list(expr.parts)
    return [expr]


def _plain_string(expr: Expr | None) -> bool:
    return isinstance(expr, Const) and isinstance(expr.value, str)


def _stringish(expr: Expr | None) -> bool:
    if isinstance(expr, FStr) or _plain_string(expr):
        return True
    if isinstance(expr, BinOp) and expr.op in ("+", "%"):
        return _stringish(expr.left) or _stringish(expr.right)
    return isinstance(expr, Call) and _is_format_call(expr)


def _is_format_call(call: Call) -> bool:
    func = call.func
    if isinstance(func, Attr) and func.attr == "format":
        return _plain_string(func.value) or isinstance(func.value, FStr)
    return isinstance(func, Name) and func.dotted.endswith(".format")


def string_text(expr: Expr | None) -> str:
    """The literal text of a (possibly built) string, for keyword sniffing."""
    if isinstance(expr, Const) and isinstance(expr.value, str):
        return expr.value
    if isinstance(expr, FStr):
        return expr.text
    if isinstance(expr, BinOp):
        return string_text(expr.left) + " " + string_text(expr.right)
    if isinstance(expr, Call) and isinstance(expr.func, Attr):
        return string_text(expr.func.value)
    return ""


def names_in(expr: Expr | None) -> Iterator[str]:
    """Root names read by an expression (for taint decisions)."""
    from ..matchers import walk_expr

    for node in walk_expr(expr):
        if isinstance(node, Name):
            yield node.dotted.split(".")[0]
        elif isinstance(node, Other):
            for name in node.names:
                yield name.split(".")[0]


# ---- middleware ------------------------------------------------------------------------
def middleware_registrations(project: Project, class_name: str
                             ) -> list[tuple[ModuleFacts, Call, Call]]:
    """(module, site call, the call carrying the options) for every registration.

    `x.add_middleware(C, ...)` (any receiver: factories often take `app` as a parameter),
    `Middleware(C, ...)` in a `middleware=[...]` list, and `C(app, ...)` wrapping.
    """
    found = []
    index = project.call_index
    candidates = index.merged(index.ending_with(("add_middleware", "Middleware")),
                              index.named_if(lambda name: last_part(name) == class_name))
    for module, site in candidates:
        call = site.call
        func = call.func
        if isinstance(func, Name) and last_part(func.dotted) in ("add_middleware", "Middleware"):
            target = call.arg(0, "middleware_class") or call.kwargs.get("cls")
            if _names_class(target, class_name):
                found.append((module, call, call))
        elif _names_class(func, class_name):
            found.append((module, call, call))
    return found


def _names_class(expr: Expr | None, class_name: str) -> bool:
    return isinstance(expr, Name) and last_part(expr.qname) == class_name


def annotation_dependencies(project: Project, annotation: Expr | None) -> list[Call]:
    """`Depends` in `Annotated[...]`, also through a module-level alias (`CurrentUser`)."""
    found = [m for m in annotated_metadata(annotation) if is_depends(m)]
    if not found and isinstance(annotation, Name):
        resolved = project.resolve(annotation)
        if resolved is not annotation and isinstance(resolved, Subscript):
            found = [m for m in annotated_metadata(resolved) if is_depends(m)]
    return found  # type: ignore[return-value]


def param_dependencies(project: Project, param: Param) -> list[Call]:
    if is_depends(param.default):
        return [param.default]  # type: ignore[list-item]
    return annotation_dependencies(project, param.annotation)
