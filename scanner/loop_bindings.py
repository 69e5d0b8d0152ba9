"""What loop variables stand for, where a call inside a `for` loop uses them.

Services often wire their routers in a loop:

    for router in (users.router, orders.router):
        app.include_router(router, prefix="/api")

    for prefix, router in ROUTERS.items():
        app.include_router(router, prefix=prefix)

When the loop runs over a literal list/tuple/dict, or over a module constant holding one,
each iteration's values are known statically; anything else (a function's result, a
comprehension) is not guessed. A loop over a parameter whose default is such a literal
counts when no call in the tree passes that parameter (`def create_app(routers=ROUTERS)`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .python.facts import Assignment, Call, DictExpr, Expr, ModuleFacts, Name, Seq

if TYPE_CHECKING:
    from .project import Project

DICT_VIEWS = ("items", "keys", "values")


def per_iteration(project: Project, module: ModuleFacts, scope: str, line: int,
                  exprs: list[Expr | None]) -> list[list[Expr | None]]:
    """`exprs` once per iteration of the loop around `line` that binds any of them, with
    the loop variables replaced by that iteration's values; `[exprs]` when no loop binds
    them, `[]` when one does but its iterable cannot be read."""
    names = {e.dotted for e in exprs if isinstance(e, Name) and "." not in e.dotted}
    binding = _enclosing_binding(module, scope, line, names) if names else None
    if binding is None:
        return [exprs]
    variables = _target_names(binding.targets[0])
    rows = _rows(project, _unpassed_default(project, module, binding) or binding.value)
    if variables is None or rows is None:
        return []
    environments = [env for row in rows if (env := _bind(variables, row)) is not None]
    return [[_substituted(e, env) for e in exprs] for env in environments]


def _enclosing_binding(module: ModuleFacts, scope: str, line: int,
                       names: set[str]) -> Assignment | None:
    """The innermost `for` of `scope` whose body holds `line` and that binds one of `names`."""
    found = None
    for binding in module.loop_bindings:
        if binding.scope != scope or not binding.line <= line <= binding.end_line:
            continue
        if names & set(_target_names(binding.targets[0]) or ()):
            found = binding  # later loops start later: the last match is the innermost
    return found


def _unpassed_default(project: Project, module: ModuleFacts,
                      binding: Assignment) -> Expr | None:
    """The default of the parameter a loop iterates over, when every call of the function
    in the tree leaves it out (so the default is what the loop runs over)."""
    iterable = binding.value
    if not isinstance(iterable, Name) or "." in iterable.dotted:
        return None
    function = next((f for f in module.functions if f.qualname == binding.scope), None)
    param = function.param(iterable.dotted) if function is not None else None
    if param is None or param.default is None or _rebound(module, binding.scope, param.name):
        return None
    positional = [p.name for p in function.params if p.kind in ("posonly", "pos")]
    index = positional.index(param.name) if param.name in positional else None
    if function.is_method and index is not None:
        index -= 1  # called as `obj.method(...)`: `self` is not written
    for _, site in project.call_index.ending_with([function.name]):
        call = site.call
        if call.has_star_args or "**" in call.kwargs or param.name in call.kwargs \
                or (index is not None and len(call.args) > index):
            return None
    return param.default


def _rebound(module: ModuleFacts, scope: str, name: str) -> bool:
    return any(assignment.scope == scope and any(
        isinstance(t, Name) and t.dotted == name for t in assignment.targets)
        for assignment in module.assignments)


def _target_names(target: Expr) -> list[str | None] | None:
    """`x` -> ["x"]; `(k, v)` -> ["k", "v"] (None for a part that is not a plain name)."""
    if isinstance(target, Name):
        return [target.dotted] if "." not in target.dotted else None
    if isinstance(target, Seq) and target.kind in ("tuple", "list"):
        return [t.dotted if isinstance(t, Name) and "." not in t.dotted else None
                for t in target.items]
    return None


def _rows(project: Project, iterable: Expr | None) -> list[Expr] | None:
    """The values a loop over `iterable` takes, or None when they cannot be known."""
    view = _dict_view(iterable)
    if view is not None:
        owner, method = view
        return _dict_rows(project.resolve(owner), method)
    value = project.resolve(iterable) if isinstance(iterable, Name) else iterable
    if isinstance(value, Seq):
        return list(value.items)
    if isinstance(value, DictExpr):
        return _dict_rows(value, "keys")
    return None


def _dict_view(iterable: Expr | None) -> tuple[Expr, str] | None:
    """`X.items()` / `.keys()` / `.values()`: (X, the view's name)."""
    if not isinstance(iterable, Call) or iterable.args or iterable.kwargs:
        return None
    func = iterable.func
    if isinstance(func, Name) and "." in func.dotted:
        owner_dotted, _, method = func.dotted.rpartition(".")
        if method in DICT_VIEWS:
            return Name(owner_dotted, func.qname.rpartition(".")[0]), method
    return None


def _dict_rows(value: Expr | None, method: str) -> list[Expr] | None:
    if not isinstance(value, DictExpr) or any(key is None for key in value.keys):
        return None  # not a literal dict, or `**other` inside it
    if method == "keys":
        return list(value.keys)
    if method == "values":
        return list(value.values)
    return [Seq("tuple", [key, item]) for key, item in zip(value.keys, value.values, strict=True)]


def _bind(variables: list[str | None], row: Expr) -> dict[str, Expr] | None:
    if len(variables) == 1:
        return {variables[0]: row} if variables[0] else {}
    if not isinstance(row, Seq) or len(row.items) != len(variables):
        return None
    return {name: item for name, item in zip(variables, row.items, strict=True) if name}


def _substituted(expr: Expr | None, env: dict[str, Expr]) -> Expr | None:
    if isinstance(expr, Name) and expr.dotted in env:
        return env[expr.dotted]
    return expr
