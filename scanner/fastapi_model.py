"""The FastAPI side of a service: apps, routers, includes, mounts and endpoints.

Only objects that resolve to `fastapi.FastAPI` / `fastapi.APIRouter` (or classes of the
tree derived from them) count; look-alike decorators of other frameworks do not
(RULES.md 3.5). Router prefixes and `include_router` prefixes are applied to paths, and
dependencies declared on routers, includes and the app are attached to each endpoint.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .loop_bindings import per_iteration
from .python.facts import (
    Assignment,
    Call,
    ClassFact,
    Const,
    DictExpr,
    Expr,
    FunctionFact,
    ModuleFacts,
    Name,
    Seq,
)

if TYPE_CHECKING:
    from .project import Project

FASTAPI_CLASSES = {"fastapi.FastAPI", "fastapi.applications.FastAPI"}
ROUTER_CLASSES = {"fastapi.APIRouter", "fastapi.routing.APIRouter"}
HTTP_METHODS = ("get", "post", "put", "patch", "delete", "options", "head", "trace")
ROUTE_METHODS = {*HTTP_METHODS, "api_route"}


@dataclass(slots=True, eq=False)
class WebObject:
    """A FastAPI app or an APIRouter instance, created by `call` and bound to `var`."""

    kind: str  # "app" or "router"
    module: ModuleFacts
    scope: str
    var: str
    call: Call
    kwargs: dict[str, Expr]
    line: int
    includes: list[Include] = field(default_factory=list)  # where this router is included
    mounted_into: list[tuple[WebObject, str]] = field(default_factory=list)
    # Further names bound by the same statement: `core.app = app = App()`.
    aliases: tuple[str, ...] = ()
    # `self._router = APIRouter()` in a method: the class whose methods all see it.
    owner_class: str | None = None

    @property
    def label(self) -> str:
        return f"{self.module.path}:{self.line} {self.var}"

    def bound_to(self, dotted: str) -> bool:
        return dotted == self.var or dotted in self.aliases

    def visible_from(self, module: ModuleFacts, scope: str) -> bool:
        """Bound in `module` in `scope` or a scope around it; an attribute of `self`
        anywhere in the methods of its class."""
        if self.module is not module:
            return False
        chain = _scope_chain(scope)
        return self.scope in chain or (self.owner_class is not None
                                       and self.owner_class in chain)


@dataclass(slots=True)
class Include:
    parent: WebObject
    prefix: str
    dependencies: list[Expr]
    call: Call
    module: ModuleFacts


@dataclass(slots=True, eq=False)
class Endpoint:
    """One HTTP route of the service (a route registered on a router included twice is two)."""

    methods: list[str]
    path: str
    owner: WebObject
    app: WebObject | None
    function: FunctionFact | None
    module: ModuleFacts  # where the handler is defined
    route_call: Call  # the decorator / add_api_route call with its keyword arguments
    dependencies: list[Expr]  # route, router, include and app level, outermost last
    route_dependencies: list[Expr]
    extra: dict[str, Any] = field(default_factory=dict)  # filled by rules (auth, tests, ...)
    # What it takes and returns, decided once (`scanner.rules.typing.endpoint_types`).
    types: Any = field(default=None, repr=False)

    def kw(self, name: str) -> Expr | None:
        return self.route_call.kwargs.get(name)

    @property
    def line(self) -> int:
        return self.function.line if self.function else self.route_call.line

    @property
    def end_line(self) -> int:
        return self.function.end_line if self.function else self.route_call.end_line

    @property
    def name(self) -> str:
        return self.function.qualname if self.function else "<unknown handler>"

    @property
    def is_async(self) -> bool:
        return bool(self.function and self.function.is_async)

    def label(self) -> str:
        return f"{'/'.join(self.methods)} {self.path}"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "methods": self.methods,
            "method": self.methods[0] if self.methods else "",
            "path": self.path,
            "handler": self.name,
            "file": self.module.path,
            "line": self.line,
            "is_async": self.is_async,
        }
        data.update(self.extra)
        return data


@dataclass(slots=True)
class ServiceModel:
    objects: list[WebObject]
    apps: list[WebObject]
    primary: WebObject | None
    endpoints: list[Endpoint]

    @property
    def has_app(self) -> bool:
        return bool(self.apps)

    def app_calls(self, project: Project, method: str):
        """Calls `X.<method>(...)` (and decorators `@X.<method>`) on any app of the service."""
        found = []
        for module, site in _calls_ending_with(project, method):
            func = site.call.func
            if isinstance(func, Name) and func.dotted.endswith("." + method):
                receiver = func.dotted[: -len(method) - 1]
                obj = resolve_object(project, self.objects, module, site.scope, receiver)
                if (obj is not None and obj.kind == "app") or (
                        obj is None and _is_app_parameter(project, module, site.scope,
                                                          receiver)):
                    found.append((module, site))
        return found


def _calls_ending_with(project: Project, method: str):
    """App call sites that may call `x.<method>`: those whose callee ends in `method`
    (for a dotted `method`, every site)."""
    if "." in method:
        return project.iter_calls()
    return project.call_index.ending_with([method])


def _is_app_parameter(project: Project, module: ModuleFacts, scope: str, name: str) -> bool:
    """`def register_handlers(app: FastAPI): app.add_exception_handler(...)`: a helper that
    configures whichever app it is given (the service's, in practice)."""
    function = next((f for f in module.functions if f.qualname == scope), None)
    param = function.param(name) if function is not None else None
    annotation = param.annotation if param is not None else None
    if not isinstance(annotation, Name):
        return False
    if annotation.qname in FASTAPI_CLASSES:
        return True
    found = project.class_of(annotation)
    return found is not None and bool(project.base_names(*found) & FASTAPI_CLASSES)


# ---- discovery ---------------------------------------------------------------------------
def constructed_kind(project: Project, module: ModuleFacts, call: Call) -> str | None:
    """"app" / "router" when the call builds a FastAPI app / APIRouter (or a subclass)."""
    func = call.func
    if not isinstance(func, Name):
        return None
    if func.qname in FASTAPI_CLASSES:
        return "app"
    if func.qname in ROUTER_CLASSES:
        return "router"
    found = project.class_of(func)
    if found is not None:
        bases = project.base_names(*found)
        if bases & FASTAPI_CLASSES:
            return "app"
        if bases & ROUTER_CLASSES:
            return "router"
    return None


def find_objects(project: Project, modules: list[ModuleFacts]) -> list[WebObject]:
    objects: list[WebObject] = []
    for module in modules:
        for assignment in module.assignments:
            obj = _object_from_assignment(project, module, assignment)
            if obj is not None:
                objects.append(obj)
    return objects


def _object_from_assignment(project: Project, module: ModuleFacts,
                            assignment: Assignment) -> WebObject | None:
    value = assignment.value
    if not isinstance(value, Call) or not assignment.targets:
        return None
    names = [t.dotted for t in assignment.targets if isinstance(t, Name)]
    if not isinstance(assignment.targets[0], Name):
        return None
    kind = constructed_kind(project, module, value)
    if kind is None:
        value = _built_through_helper(project, module, value)
        kind = constructed_kind(project, module, value) if value is not None else None
    if kind is None or value is None:
        return None
    kwargs = merged_kwargs(project, value)
    return WebObject(kind, module, assignment.scope, names[0], value, kwargs,
                     assignment.line, aliases=tuple(names[1:]),
                     owner_class=_self_attribute_class(module, assignment.scope, names[0]))


def _self_attribute_class(module: ModuleFacts, scope: str, dotted: str) -> str | None:
    """The class whose instance attribute `self.<attr>` a method assigns, else None."""
    head, _, attr = dotted.partition(".")
    if head != "self" or not attr or "." in attr:
        return None
    method = next((f for f in module.functions if f.qualname == scope), None)
    if method is None or method.class_name is None or not method.params \
            or method.params[0].name != "self":
        return None
    return method.parent


def _built_through_helper(project: Project, module: ModuleFacts, call: Call) -> Call | None:
    """`router = include_routers(APIRouter())`: a helper of the tree that configures the
    router it is given and returns it; the bound name is that inline construction."""
    called = _tree_function_called(project, call)
    if called is None:
        return None
    definition, helper = called
    for returned in _returned_values(definition, helper):
        if isinstance(returned, Name) and helper.param(returned.dotted) is not None:
            index = _positional_index(helper, returned.dotted)
            argument = call.arg(index, returned.dotted) if index >= 0 else call.kwargs.get(
                returned.dotted)
            return argument if isinstance(argument, Call) else None
    return None


def merged_kwargs(project: Project, call: Call) -> dict[str, Expr]:
    """Keyword arguments including those passed as `**some_dict` when it resolves."""
    kwargs = {k: v for k, v in call.kwargs.items() if k != "**"}
    spread = project.resolve(call.kwargs.get("**"))
    if isinstance(spread, DictExpr):
        for key, value in zip(spread.keys, spread.values, strict=False):
            if isinstance(key, Const) and isinstance(key.value, str):
                kwargs.setdefault(key.value, value)
    elif (isinstance(spread, Call) and isinstance(spread.func, Name)
          and spread.func.dotted == "dict"):
        for key, value in spread.kwargs.items():
            if key != "**":
                kwargs.setdefault(key, value)
    return kwargs


def _scope_chain(scope: str) -> list[str]:
    chain = [scope]
    while scope:
        scope = scope.rpartition(".")[0]
        chain.append(scope)
    return chain


def resolve_object(project: Project, objects: list[WebObject], module: ModuleFacts, scope: str,
                   dotted: str, _depth: int = 0) -> WebObject | None:
    """The app/router a name used in `module` at `scope` refers to, across modules."""
    if _depth > 8:
        return None
    for candidate_scope in _scope_chain(scope):
        for obj in objects:
            if obj.module is module and obj.scope == candidate_scope and obj.bound_to(dotted):
                return obj
    for obj in objects:
        if obj.owner_class is not None and obj.bound_to(dotted) \
                and obj.visible_from(module, scope):
            return obj
    found = _attribute_of_typed_parameter(project, objects, module, scope, dotted)
    if found is not None:
        return found
    helper = _function_taking(module, scope, dotted)
    if helper is not None:
        return _passed_argument(project, objects, module, helper, dotted, _depth)
    definition = project.lookup(_qualify(module, dotted))
    if definition is None:
        return _alias_in_scope(project, objects, module, scope, dotted, _depth)
    return _object_defined_by(project, objects, definition, _depth)


def _object_defined_by(project, objects, definition, depth: int) -> WebObject | None:
    """The app/router a module-level definition binds (directly or via a factory)."""
    if definition.kind != "assignment":
        return None
    for obj in objects:
        if obj.module is definition.module and obj.scope == "" and obj.bound_to(definition.name):
            return obj
    return _factory_result(project, objects, definition.module, definition.node, depth)


def _qualify(module: ModuleFacts, dotted: str) -> str:
    head, _, rest = dotted.partition(".")
    target = module.imports.get(head)
    if target is None:
        target = f"{module.module}.{head}"
    return f"{target}.{rest}" if rest else target


def _alias_in_scope(project, objects, module, scope, dotted, depth) -> WebObject | None:
    """`app = create_app()` inside a function, or any local alias of a factory result or
    of another name (`router = self._router`)."""
    for assignment in module.assignments:
        if assignment.scope in _scope_chain(scope) and any(
            isinstance(t, Name) and t.dotted == dotted for t in assignment.targets
        ):
            value = assignment.value
            if isinstance(value, Name) and value.dotted != dotted:
                return resolve_object(project, objects, module, assignment.scope,
                                      value.dotted, depth + 1)
            return _factory_result(project, objects, module, assignment, depth)
    return None


def _attribute_of_typed_parameter(project, objects, module, scope: str,
                                  dotted: str) -> WebObject | None:
    """`def register_routes(api: "RESTfulAPI"): api._router...`: the parameter's annotation
    names a class of the tree, and `_router` is that class's `self._router` object."""
    head, _, attr = dotted.partition(".")
    function = _function_taking(module, scope, head) if attr and "." not in attr else None
    param = function.param(head) if function is not None else None
    found = _annotated_class(project, module, param.annotation if param else None)
    if found is None:
        return None
    class_module, cls = found
    return next((obj for obj in objects if obj.module is class_module
                 and obj.owner_class == cls.qualname and obj.bound_to(f"self.{attr}")), None)


def _annotated_class(project: Project, module: ModuleFacts, annotation: Expr | None):
    """The tree's class an annotation names, also as a string (a forward reference)."""
    if isinstance(annotation, Const) and isinstance(annotation.value, str) \
            and annotation.value.isidentifier():
        annotation = Name(annotation.value, _qualify(module, annotation.value))
    return project.class_of(annotation) if isinstance(annotation, Name) else None


def _function_taking(module: ModuleFacts, scope: str, name: str) -> FunctionFact | None:
    """The innermost function around `scope` that has a parameter called `name`."""
    if not scope or "." in name:
        return None
    for candidate_scope in _scope_chain(scope):
        function = next((f for f in module.functions if f.qualname == candidate_scope), None)
        if function is not None and function.param(name) is not None:
            return function
    return None


def _passed_argument(project, objects, module, helper: FunctionFact, name: str,
                     depth: int) -> WebObject | None:
    """The first app or router a helper's parameter is given (see `_passed_arguments`)."""
    return next(_passed_arguments(project, objects, module, helper, name, depth), None)


def _passed_arguments(project, objects, module, helper: FunctionFact, name: str,
                      depth: int) -> Iterator[WebObject]:
    """`def add_routes(app): app.include_router(...)` (a common set-up helper): the apps or
    routers given for that parameter where the helper is called in the tree, or the app
    whose `lifespan=` it is (FastAPI passes the app to its lifespan)."""
    if _positional_index(helper, name) == 0:
        for obj in objects:
            lifespan = obj.kwargs.get("lifespan") if obj.kind == "app" else None
            if isinstance(lifespan, Name) and _calls_function(project, obj.module, lifespan,
                                                              module, helper):
                yield obj
    for site_module, site, index in _calls_of_helper(project, module, helper, name):
        argument = site.call.arg(index, name) if index >= 0 else site.call.kwargs.get(name)
        if isinstance(argument, Name):
            found = resolve_object(project, objects, site_module, site.scope, argument.dotted,
                                   depth + 1)
        else:
            found = _object_built_by(objects, site_module, argument)
        if found is not None:
            yield found


def _object_built_by(objects: list[WebObject], module: ModuleFacts,
                     call: Expr | None) -> WebObject | None:
    """The object an inline construction passed to a helper became (`_built_through_helper`)."""
    if not isinstance(call, Call):
        return None
    return next((obj for obj in objects if obj.module is module and obj.call == call), None)


def _calls_of_helper(project, module: ModuleFacts, helper: FunctionFact, name: str):
    """Call sites of `helper` with the position its parameter `name` takes there (-1: only
    by keyword). A method called as `self.helper(...)` is not passed `self`."""
    position = _positional_index(helper, name)
    for site_module, site in project.call_index.ending_with([helper.name]):
        func = site.call.func
        if not isinstance(func, Name):
            continue
        if func.dotted == f"self.{helper.name}" and helper.class_name is not None:
            if site_module is module and site.scope.startswith(helper.parent + "."):
                yield site_module, site, position - 1 if position > 0 else -1
        elif _calls_function(project, site_module, func, module, helper):
            yield site_module, site, position


def _positional_index(function: FunctionFact, name: str) -> int:
    positional = [p.name for p in function.params if p.kind in ("posonly", "pos")]
    return positional.index(name) if name in positional else -1


def _calls_function(project, site_module: ModuleFacts, func: Name, module: ModuleFacts,
                    function: FunctionFact) -> bool:
    if site_module is module and func.dotted == function.qualname:
        return True
    definition = project.definition_of(func)
    return definition is not None and definition.node is function


def _factory_result(project, objects, module, assignment, depth) -> WebObject | None:
    """`app = create_app()`: the object the factory builds and returns."""
    if not isinstance(assignment, Assignment):
        return None
    return _returned_object(project, objects, assignment.value, depth)


def _returned_object(project, objects, call: Expr | None, depth: int) -> WebObject | None:
    """The app or router a factory of the tree builds and returns, for a call of it."""
    called = _tree_function_called(project, call) if isinstance(call, Call) else None
    if called is None:
        return None
    definition, function = called
    for returned in _returned_values(definition, function):
        if isinstance(returned, Name):
            return resolve_object(project, objects, definition.module, function.qualname,
                                  returned.dotted, depth + 1)
    return None


def _tree_function_called(project, call: Call):
    """(definition, function) of the tree's function that `call` calls, or None."""
    definition = project.definition_of(call.func)
    if definition is None or definition.kind != "function":
        return None
    assert isinstance(definition.node, FunctionFact)
    return definition, definition.node


def _returned_values(definition, function: FunctionFact) -> Iterator[Expr | None]:
    """What `return` statements written directly in `function` return, in source order."""
    return (statement.value for statement in definition.module.returns
            if statement.scope == function.qualname)


# ---- routes ------------------------------------------------------------------------------
@dataclass(slots=True)
class _Route:
    owner: WebObject
    methods: list[str]
    path: str
    function: FunctionFact | None
    module: ModuleFacts
    call: Call


def _route_methods(project: Project, method: str, call: Call) -> list[str]:
    if method != "api_route":
        return [method.upper()]
    methods = project.constant(call.kwargs.get("methods"))
    if isinstance(methods, list) and all(isinstance(m, str) for m in methods):
        return [m.upper() for m in methods]
    return ["GET"]


def _path_of(project: Project, call: Call, index: int = 0) -> str:
    value = project.constant(call.arg(index, "path"))
    return value if isinstance(value, str) else "{dynamic}"


def _receiver_method(func: Expr) -> tuple[str, str] | None:
    if isinstance(func, Name) and "." in func.dotted:
        receiver, _, method = func.dotted.rpartition(".")
        return receiver, method
    return None


def _function_named(project: Project, module: ModuleFacts, scope: str, expr: Expr | None
                    ) -> tuple[ModuleFacts, FunctionFact] | None:
    """The handler a route call names: a function nested in the calling scope (a route
    registered inside a set-up helper), one of the module, or an imported one."""
    if not isinstance(expr, Name):
        return None
    for candidate_scope in _scope_chain(scope):
        qualname = f"{candidate_scope}.{expr.dotted}" if candidate_scope else expr.dotted
        for function in module.functions:
            if function.qualname == qualname:
                return module, function
    definition = project.definition_of(expr)
    if definition is not None and definition.kind == "function":
        return definition.module, definition.node  # type: ignore[return-value]
    return None


def find_routes(project: Project, objects: list[WebObject], modules: list[ModuleFacts]
                ) -> list[_Route]:
    routes: list[_Route] = []
    for module in modules:
        for function in module.functions:
            for decorator in function.decorators:
                route = _decorator_route(project, objects, module, function, decorator)
                if route is not None:
                    routes.append(route)
        for site in module.calls:
            route = _call_route(project, objects, module, site.scope, site.call)
            if route is not None:
                routes.append(route)
    return routes


def _decorator_route(project, objects, module, function, decorator) -> _Route | None:
    if not isinstance(decorator, Call):
        return None
    split = _receiver_method(decorator.func)
    if split is None or split[1] not in ROUTE_METHODS:
        return None
    owner = resolve_object(project, objects, module, function.parent, split[0])
    if owner is None:
        return None
    methods = _route_methods(project, split[1], decorator)
    return _Route(owner, methods, _path_of(project, decorator), function, module, decorator)


def _call_route(project, objects, module, scope, call: Call) -> _Route | None:
    """`router.add_api_route(path, func, ...)` and `router.post(path)(func)`."""
    split = _receiver_method(call.func)
    if split is not None and split[1] == "add_api_route":
        owner = resolve_object(project, objects, module, scope, split[0])
        if owner is None:
            return None
        handler = _function_named(project, module, scope, call.arg(1, "endpoint"))
        methods = project.constant(call.kwargs.get("methods"))
        methods = [m.upper() for m in methods] if isinstance(methods, list) else ["GET"]
        return _Route(owner, methods, _path_of(project, call), handler[1] if handler else None,
                      handler[0] if handler else module, call)
    inner = call.func
    if isinstance(inner, Call):
        split = _receiver_method(inner.func)
        if split is not None and split[1] in ROUTE_METHODS:
            owner = resolve_object(project, objects, module, scope, split[0])
            if owner is None:
                return None
            handler = _function_named(project, module, scope, call.arg(0))
            return _Route(owner, _route_methods(project, split[1], inner),
                          _path_of(project, inner), handler[1] if handler else None,
                          handler[0] if handler else module, inner)
    return None


# ---- includes and mounts -----------------------------------------------------------------
def link_objects(project: Project, objects: list[WebObject], modules: list[ModuleFacts]) -> None:
    for module in modules:
        for site in module.calls:
            split = _receiver_method(site.call.func)
            if split is None or split[1] not in ("include_router", "mount"):
                continue
            for parent in _receivers(project, objects, module, site.scope, split[0]):
                if split[1] == "include_router":
                    _link_include(project, objects, module, site, parent)
                else:
                    _link_mount(project, objects, module, site, parent)


def _receivers(project, objects, module, scope: str, dotted: str) -> list[WebObject]:
    """What `dotted.include_router(...)` includes into: inside a helper called with several
    routers (`include_routers(APIRouter())`, `include_routers(APIRouter(prefix=...))`), each
    of them; elsewhere the one object the name resolves to."""
    helper = None
    if not any(obj.bound_to(dotted) and obj.visible_from(module, scope) for obj in objects):
        helper = _function_taking(module, scope, dotted)
    if helper is None:
        found = resolve_object(project, objects, module, scope, dotted)
        return [found] if found is not None else []
    unique: dict[int, WebObject] = {}
    for obj in _passed_arguments(project, objects, module, helper, dotted, 0):
        unique.setdefault(id(obj), obj)
    return list(unique.values())


def _link_include(project, objects, module, site, parent: WebObject) -> None:
    deps = _dependency_list(project, site.call.kwargs.get("dependencies"))
    arguments = [site.call.arg(0, "router"), site.call.kwargs.get("prefix")]
    for router, prefix in _each_iteration(project, module, site, arguments):
        child = _object_argument(project, objects, module, site, router)
        if child is None or child is parent:
            continue
        prefix = project.constant(prefix)
        child.includes.append(Include(parent, prefix if isinstance(prefix, str) else "", deps,
                                      site.call, module))


def _link_mount(project, objects, module, site, parent: WebObject) -> None:
    arguments = [site.call.arg(0, "path"), site.call.arg(1, "app")]
    for path, app in _each_iteration(project, module, site, arguments):
        child = _object_argument(project, objects, module, site, app)
        if child is not None and child.kind == "app" and child is not parent:
            path = project.constant(path)
            child.mounted_into.append((parent, path if isinstance(path, str) else ""))


def _each_iteration(project, module, site, arguments: list[Expr | None]):
    """The call's arguments, once per iteration of a `for` loop over a literal that binds
    them (`for r in (a, b): app.include_router(r)`), else once as written."""
    return per_iteration(project, module, site.scope, site.call.line, arguments)


def _object_argument(project, objects, module, site, expr: Expr | None) -> WebObject | None:
    """The router or app handed to `include_router`/`mount`: a name, or a factory call
    (`app.include_router(create_v1_router())`)."""
    if isinstance(expr, Name):
        found = resolve_object(project, objects, module, site.scope, expr.dotted)
        if found is None:  # a name written in another module, e.g. a loop's constant list
            definition = project.lookup(expr.qname)
            found = _object_defined_by(project, objects, definition, 0) if definition else None
        return found
    return _returned_object(project, objects, expr, 0)


def _dependency_list(project: Project, expr: Expr | None) -> list[Expr]:
    resolved = project.resolve(expr)
    if isinstance(resolved, Seq):
        return list(resolved.items)
    return []


def object_dependencies(project: Project, obj: WebObject) -> list[Expr]:
    return _dependency_list(project, obj.kwargs.get("dependencies"))


def _placements(project: Project, obj: WebObject, depth: int = 0
                ) -> list[tuple[WebObject | None, str, list[Expr]]]:
    """Where a router ends up: (app, full prefix, dependencies from routers/includes/app)."""
    own_prefix = project.constant(obj.kwargs.get("prefix")) if obj.kind == "router" else ""
    own_prefix = own_prefix if isinstance(own_prefix, str) else ""
    own_deps = object_dependencies(project, obj)
    if obj.kind == "app":
        if not obj.mounted_into or depth >= 8:
            return [(obj, "", own_deps)]
        # A mounted app serves its routes under the mount path only.
        placements = []
        for parent, mount_path in obj.mounted_into:
            for app, prefix, deps in _placements(project, parent, depth + 1):
                placements.append((app, _concat(prefix, mount_path), own_deps + deps))
        return placements
    if not obj.includes or depth > 8:
        return [(None, own_prefix, own_deps)]
    placements = []
    for include in obj.includes:
        for app, prefix, deps in _placements(project, include.parent, depth + 1):
            placements.append((app, _concat(prefix, include.prefix, own_prefix),
                               own_deps + include.dependencies + deps))
    return placements


def _concat(*prefixes: str) -> str:
    """Prefixes one after another; a mount at "/" followed by "/api" is "/api", not "//api"."""
    joined = ""
    for prefix in prefixes:
        joined = joined[:-1] + prefix if joined.endswith("/") and prefix.startswith("/") \
            else joined + prefix
    return joined


def _join(prefix: str, path: str) -> str:
    joined = (prefix.rstrip("/") + "/" + path.lstrip("/")) if prefix else path
    return joined or "/"


def _served_placements(placements: list[tuple[WebObject | None, str, list[Expr]]]
                       ) -> list[tuple[WebObject | None, str, list[Expr]]]:
    """Where an app serves the route; placements through a router that no app includes
    (one gathering routers only to build an OpenAPI schema) count only when no app does."""
    served = [placement for placement in placements if placement[0] is not None]
    return served or placements


def build_endpoints(project: Project, routes: list[_Route]) -> list[Endpoint]:
    endpoints: list[Endpoint] = []
    for route in routes:
        route_deps = _dependency_list(project, route.call.kwargs.get("dependencies"))
        placements = _served_placements(_placements(project, route.owner))
        seen: set[str] = set()
        for app, prefix, deps in placements:
            path = _join(prefix, route.path) if route.path != "" else (prefix or "/")
            key = f"{id(app)}:{path}"
            if key in seen:
                continue
            seen.add(key)
            endpoints.append(Endpoint(route.methods, path, route.owner, app, route.function,
                                      route.module, route.call, route_deps + deps, route_deps))
    endpoints.sort(key=lambda e: (e.module.path, e.line, e.path))
    return endpoints


def build_service_model(project: Project) -> ServiceModel:
    modules = project.app_modules
    objects = find_objects(project, modules)
    link_objects(project, objects, modules)
    routes = find_routes(project, objects, modules)
    endpoints = build_endpoints(project, routes)
    apps = [o for o in objects if o.kind == "app"]
    counts = {id(a): 0 for a in apps}
    for endpoint in endpoints:
        if endpoint.app is not None and id(endpoint.app) in counts:
            counts[id(endpoint.app)] += 1
    primary = max(apps, key=lambda a: (counts[id(a)], -a.line), default=None)
    return ServiceModel(objects, apps, primary, endpoints)


def app_classes(project: Project) -> set[str]:
    """Qualified names of classes in the tree derived from FastAPI (for detection)."""
    names: set[str] = set()
    for module in project.app_modules:
        for cls in module.classes:
            if project.is_subclass(module, cls, FASTAPI_CLASSES):
                names.add(f"{module.module}.{cls.qualname}")
    return names


__all__ = [
    "ClassFact", "Endpoint", "Include", "ServiceModel", "WebObject", "build_service_model",
    "constructed_kind", "merged_kwargs", "resolve_object",
]
