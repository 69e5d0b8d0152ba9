"""The whole service as the rules see it: every module's facts, indexed and cross-linked.

Names are followed across the tree's modules (imports, re-exports, module-level constants,
settings-field defaults), so `from fastapi import FastAPI as F` in one file and
`settings.SECRET_KEY` defined in another are understood. Nothing here walks syntax trees.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from . import layout
from .python.facts import (
    Assignment,
    BinOp,
    Call,
    CallSite,
    ClassFact,
    Const,
    Expr,
    FunctionFact,
    ModuleFacts,
    Name,
    Seq,
    Subscript,
    UnaryOp,
)
from .results import Evidence

if TYPE_CHECKING:
    from .artifacts import Artifacts
    from .fastapi_model import ServiceModel

MAX_FOLLOW = 12
_ITSELF = Const("<the name itself>")  # a memo marker, never returned
CONFIG_READERS = {
    "os.getenv", "os.environ.get", "decouple.config", "environ.Env", "starlette.config.Config",
}


@dataclass(slots=True)
class Definition:
    """Where a name leads: a function, a class, or a module-level assignment."""

    module: ModuleFacts
    kind: str  # "function", "class", "assignment", "module"
    node: FunctionFact | ClassFact | Assignment | None
    name: str

    @property
    def qualified(self) -> str:
        return f"{self.module.module}.{self.name}" if self.name else self.module.module


class CallIndex:
    """Call sites grouped by what they call, built once, so a rule that looks for a few
    names reads their groups instead of scanning every call. Groups keep the order of
    `Project.iter_calls()`."""

    def __init__(self, sites: list[tuple[ModuleFacts, CallSite]]) -> None:
        self.sites = sites
        self._position = {id(site): i for i, (_, site) in enumerate(sites)}
        self._by_name: dict[str, list[int]] = defaultdict(list)
        self._by_last_part: dict[str, list[int]] = defaultdict(list)
        for i, (_, site) in enumerate(sites):
            func = site.call.func
            if isinstance(func, Name):
                self._by_name[func.qname].append(i)
                self._by_last_part[func.dotted.rpartition(".")[2]].append(i)

    def named(self, names: Iterable[str]) -> list[tuple[ModuleFacts, CallSite]]:
        """Sites calling one of the qualified `names` (a plain name callee: `call_name`)."""
        return self._at(self._by_name.get(name, ()) for name in set(names))

    def named_if(self, wanted: Callable[[str], bool]) -> list[tuple[ModuleFacts, CallSite]]:
        """Sites whose callee's qualified name satisfies `wanted`."""
        return self._at(group for name, group in self._by_name.items() if wanted(name))

    def ending_with(self, parts: Iterable[str]) -> list[tuple[ModuleFacts, CallSite]]:
        """Sites whose callee, as written, ends in one of `parts`: `Middleware(...)`,
        `app.add_middleware(...)` (the last part of a plain or dotted name)."""
        return self._at(self._by_last_part.get(part, ()) for part in set(parts))

    def merged(self, *groups: list[tuple[ModuleFacts, CallSite]]
               ) -> list[tuple[ModuleFacts, CallSite]]:
        """The sites of several groups, each once, in call order."""
        unique = {id(site): (module, site) for group in groups for module, site in group}
        return sorted(unique.values(), key=lambda pair: self._position[id(pair[1])])

    def _at(self, groups: Iterable[Iterable[int]]) -> list[tuple[ModuleFacts, CallSite]]:
        positions = sorted({i for group in groups for i in group})
        return [self.sites[i] for i in positions]


class Project:
    """Facts of every Python module in the tree plus the artefacts of one app root."""

    def __init__(self, root: str, modules: dict[str, ModuleFacts], app_root: str = ".",
                 artifacts: Artifacts | None = None, reader=None,
                 test_patterns: tuple[str, ...] = layout.DEFAULT_TEST_FILES,
                 parse_errors: dict[str, str] | None = None) -> None:
        self.root = root
        self.modules = modules  # by relative path
        self.app_root = app_root
        self.artifacts = artifacts
        self.reader = reader
        self.test_patterns = test_patterns
        self.parse_errors = parse_errors or {}
        self._kinds = {p: layout.classify(m, test_patterns) for p, m in modules.items()}
        self._by_name: dict[str, ModuleFacts] = {}
        self._by_suffix: dict[str, list[ModuleFacts]] = defaultdict(list)
        for facts in modules.values():
            self._index_module(facts)
        self._lines_cache: dict[str, list[str]] = {}
        self._lookup_cache: dict[str, Definition | None] = {}
        self._split_cache: dict[str, tuple[ModuleFacts, list[str]] | None] = {}
        self._resolve_cache: dict[str, Expr | None] = {}

    # ---- module sets -------------------------------------------------------------------
    def _index_module(self, facts: ModuleFacts) -> None:
        self._by_name[facts.module] = facts
        parts = facts.module.split(".")
        for start in range(1, len(parts)):
            self._by_suffix[".".join(parts[start:])].append(facts)

    def kind_of(self, path: str) -> str:
        return self._kinds.get(path, layout.APP)

    def _under_app_root(self, path: str) -> bool:
        return layout.is_under(path, self.app_root)

    @cached_property
    def app_modules(self) -> list[ModuleFacts]:
        """App code under the app root: no tests, migrations or scripts (RULES.md 3.4)."""
        return [m for p, m in sorted(self.modules.items())
                if self._under_app_root(p) and self._kinds[p] == layout.APP]

    @cached_property
    def test_modules(self) -> list[ModuleFacts]:
        return [m for p, m in sorted(self.modules.items())
                if self._under_app_root(p) and self._kinds[p] == layout.TEST]

    @cached_property
    def migration_modules(self) -> list[ModuleFacts]:
        return [m for p, m in sorted(self.modules.items())
                if self._under_app_root(p) and self._kinds[p] == layout.MIGRATION]

    @cached_property
    def app_parse_errors(self) -> dict[str, str]:
        """Unparsable files that would have been app code (a check may end `unknown`)."""
        return {p: r for p, r in self.parse_errors.items()
                if self._under_app_root(p) and not layout.is_test_path(p, self.test_patterns)
                and not layout.is_migration_path(p) and not layout.is_script_path(p)}

    def iter_functions(self, modules: list[ModuleFacts] | None = None
                       ) -> Iterator[tuple[ModuleFacts, FunctionFact]]:
        for module in self.app_modules if modules is None else modules:
            for function in module.functions:
                yield module, function

    def iter_classes(self, modules: list[ModuleFacts] | None = None
                     ) -> Iterator[tuple[ModuleFacts, ClassFact]]:
        for module in self.app_modules if modules is None else modules:
            for cls in module.classes:
                yield module, cls

    def iter_calls(self, modules: list[ModuleFacts] | None = None):
        for module in self.app_modules if modules is None else modules:
            for site in module.calls:
                yield module, site

    @cached_property
    def call_index(self) -> CallIndex:
        """App call sites grouped by callee, for rules that look for a few names."""
        return CallIndex(list(self.iter_calls()))

    # ---- modules and definitions -------------------------------------------------------
    def module_named(self, dotted: str) -> ModuleFacts | None:
        found = self._by_name.get(dotted)
        if found is not None:
            return found
        candidates = self._by_suffix.get(dotted, [])
        return candidates[0] if len(candidates) == 1 else None

    def split_qualified(self, qualified: str) -> tuple[ModuleFacts, list[str]] | None:
        """The tree module a qualified name lives in, and the attribute path inside it."""
        if qualified not in self._split_cache:
            self._split_cache[qualified] = self._split_qualified(qualified)
        return self._split_cache[qualified]

    def _split_qualified(self, qualified: str) -> tuple[ModuleFacts, list[str]] | None:
        parts = qualified.split(".")
        for cut in range(len(parts), 0, -1):
            module = self.module_named(".".join(parts[:cut]))
            if module is not None:
                return module, parts[cut:]
        return None

    def lookup(self, qualified: str, _depth: int = 0) -> Definition | None:
        """Follow a qualified name to its definition in the tree (imports, re-exports)."""
        if _depth == 0:
            # Rules ask about the same names over and over; the answer never changes.
            cache = self._lookup_cache
            if qualified not in cache:
                cache[qualified] = self._lookup(qualified, 0)
            return cache[qualified]
        return self._lookup(qualified, _depth)

    def _lookup(self, qualified: str, _depth: int) -> Definition | None:
        if _depth > MAX_FOLLOW:
            return None
        split = self.split_qualified(qualified)
        if split is None:
            return None
        module, rest = split
        if not rest:
            return (self._package_attribute(module, _depth)
                    or Definition(module, "module", None, ""))
        definition = self._local_definition(module, rest[0], _depth)
        if definition is None or len(rest) == 1:
            return definition
        if definition.kind == "class" and isinstance(definition.node, ClassFact):
            return self._class_member(definition, rest[1:])
        return None

    def _package_attribute(self, module: ModuleFacts, depth: int) -> Definition | None:
        """`from pkg import sub` reads the attribute `sub` of the package first: when
        `pkg/__init__.py` rebinds it (`from pkg.sub import sub`), that object, not the
        submodule, is what the name holds."""
        package_name, _, name = module.module.rpartition(".")
        package = self._by_name.get(package_name) if package_name else None
        if package is None or not package.path.endswith("__init__.py"):
            return None
        return self._local_definition(package, name, depth + 1)

    def _local_definition(self, module: ModuleFacts, name: str, depth: int) -> Definition | None:
        for cls in module.classes:
            if cls.parent == "" and cls.name == name:
                return Definition(module, "class", cls, name)
        for function in module.functions:
            if function.parent == "" and function.name == name:
                return Definition(module, "function", function, name)
        assignment = self.module_assignment(module, name)
        if assignment is not None:
            return Definition(module, "assignment", assignment, name)
        imported = module.imports.get(name)
        if imported is not None and imported != f"{module.module}.{name}":
            return self.lookup(imported, depth + 1)
        return None

    def _class_member(self, definition: Definition, rest: list[str]) -> Definition | None:
        cls = definition.node
        assert isinstance(cls, ClassFact)
        member = rest[0]
        for function in definition.module.functions:
            if function.class_name == cls.qualname and function.name == member:
                return Definition(definition.module, "function", function,
                                  f"{cls.qualname}.{member}")
        return None

    @staticmethod
    def module_assignment(module: ModuleFacts, name: str) -> Assignment | None:
        """The last module-level assignment to `name` (what importers see)."""
        found = None
        for assignment in module.assignments:
            if assignment.scope != "":
                continue
            for target in assignment.targets:
                if isinstance(target, Name) and target.dotted == name:
                    found = assignment
        return found

    def definition_of(self, expr: Expr | None) -> Definition | None:
        if isinstance(expr, Name):
            return self.lookup(expr.qname)
        return None

    def class_of(self, expr: Expr | None) -> tuple[ModuleFacts, ClassFact] | None:
        definition = self.definition_of(expr)
        if definition is not None and definition.kind == "class":
            return definition.module, definition.node  # type: ignore[return-value]
        return None

    # ---- class hierarchy ---------------------------------------------------------------
    def base_names(self, module: ModuleFacts, cls: ClassFact, _depth: int = 0) -> set[str]:
        """Qualified names of all bases, transitively through classes of the tree.

        Bases from outside the tree are known only by their (import-resolved) name.
        """
        names: set[str] = set()
        if _depth > MAX_FOLLOW:
            return names
        for base in cls.bases:
            if isinstance(base, Subscript):
                base = base.value
            if not isinstance(base, Name):
                continue
            names.add(base.qname)
            found = self.class_of(base)
            if found is not None and found[1] is not cls:
                names |= self.base_names(found[0], found[1], _depth + 1)
        return names

    def is_subclass(self, module: ModuleFacts, cls: ClassFact, targets: set[str]) -> bool:
        bases = self.base_names(module, cls)
        return any(_matches(base, targets) for base in bases)

    # ---- values ------------------------------------------------------------------------
    def resolve(self, expr: Expr | None, _depth: int = 0) -> Expr | None:
        """Follow a name to the value it was assigned (module constants, settings defaults)."""
        if _depth > MAX_FOLLOW or not isinstance(expr, Name):
            return expr
        if _depth == 0:
            return self._resolve_name(expr)
        return self._follow(expr, _depth)

    def _resolve_name(self, name: Name) -> Expr | None:
        """`resolve` from the top, memoised: the answer depends only on the qualified name.

        Where the name leads nowhere, `resolve` hands back the very expression it was given;
        a fresh probe tells those cases apart (it cannot be reached through the tree), and
        the memo stores `_ITSELF` for them."""
        cache = self._resolve_cache
        if name.qname not in cache:
            probe = Name(name.dotted, name.qname)
            found = self._follow(probe, 0)
            cache[name.qname] = _ITSELF if found is probe else found
        found = cache[name.qname]
        return name if found is _ITSELF else found

    def _follow(self, expr: Name, _depth: int) -> Expr | None:
        definition = self.lookup(expr.qname)
        if definition is None:
            return self._settings_default(expr, _depth)
        if definition.kind == "assignment" and isinstance(definition.node, Assignment):
            value = definition.node.value
            return self.resolve(value, _depth + 1) if isinstance(value, Name) else value
        return expr

    def _settings_default(self, expr: Name, depth: int) -> Expr | None:
        """`settings.FIELD` where `settings = Settings()`: the field's default value."""
        owner, _, field_name = expr.qname.rpartition(".")
        if not owner:
            return expr
        cls = self.instance_class(Name(owner, owner), depth)
        if cls is None:
            return expr
        field = self.class_field(cls[0], cls[1], field_name)
        if field is None or field.value is None:
            return expr
        value = field.value
        if isinstance(value, Call) and _call_name(value) in ("Field", "pydantic.Field"):
            value = value.kwargs.get("default", value.args[0] if value.args else None)
        return self.resolve(value, depth + 1) if isinstance(value, Name) else value

    def instance_class(self, expr: Expr | None, depth: int = 0
                       ) -> tuple[ModuleFacts, ClassFact] | None:
        """The class an expression is an instance of: `Settings()`, `get_settings()`."""
        if depth > MAX_FOLLOW:
            return None
        if isinstance(expr, Name):
            definition = self.lookup(expr.qname)
            if definition is None or definition.kind != "assignment":
                return None
            return self.instance_class(definition.node.value, depth + 1)  # type: ignore[union-attr]
        if not isinstance(expr, Call):
            return None
        found = self.class_of(expr.func)
        if found is not None:
            return found
        definition = self.definition_of(expr.func)
        if definition is not None and definition.kind == "function":
            return self._returned_class(definition, depth)
        return None

    def _returned_class(self, definition: Definition, depth: int):
        function = definition.node
        assert isinstance(function, FunctionFact)
        if function.returns is not None:
            found = self.class_of(function.returns)
            if found is not None:
                return found
        for statement in definition.module.returns:
            if statement.scope == function.qualname and isinstance(statement.value, Call):
                found = self.instance_class(statement.value, depth + 1)
                if found is not None:
                    return found
        return None

    def class_field(self, module: ModuleFacts, cls: ClassFact, name: str, _depth: int = 0):
        """A field of a class or of its bases in the tree (inherited fields count)."""
        for field in cls.fields:
            if field.name == name:
                return field
        if _depth > MAX_FOLLOW:
            return None
        for base in cls.bases:
            found = self.class_of(base)
            if found is not None and found[1] is not cls:
                inherited = self.class_field(found[0], found[1], name, _depth + 1)
                if inherited is not None:
                    return inherited
        return None

    def all_fields(self, module: ModuleFacts, cls: ClassFact, _depth: int = 0) -> list:
        """Own and inherited fields (own first), by name."""
        seen: dict[str, Any] = {f.name: f for f in cls.fields}
        if _depth <= MAX_FOLLOW:
            for base in cls.bases:
                found = self.class_of(base)
                if found is not None and found[1] is not cls:
                    for field in self.all_fields(found[0], found[1], _depth + 1):
                        seen.setdefault(field.name, field)
        return list(seen.values())

    def constant(self, expr: Expr | None, _depth: int = 0) -> Any:
        """Fold an expression to a Python constant when code alone decides it, else None."""
        if _depth > MAX_FOLLOW or expr is None:
            return None
        expr = self.resolve(expr)
        nxt = _depth + 1
        if isinstance(expr, Const):
            return expr.value
        if isinstance(expr, UnaryOp) and expr.op == "-":
            value = self.constant(expr.operand, nxt)
            return -value if isinstance(value, int | float) else None
        if isinstance(expr, BinOp):
            return _fold(expr.op, self.constant(expr.left, nxt), self.constant(expr.right, nxt))
        if isinstance(expr, Seq):
            items = [self.constant(item, nxt) for item in expr.items]
            return None if any(item is None for item in items) else items
        if isinstance(expr, Call):
            return self._constant_call(expr, nxt)
        return None

    def _constant_call(self, call: Call, depth: int) -> Any:
        name = _call_name(call)
        if name in ("int", "float", "str") and call.args:
            value = self.constant(call.args[0], depth)
            try:
                if value is None:
                    return None
                return {"int": int, "float": float, "str": str}[name](value)
            except (TypeError, ValueError):
                return None
        if name in CONFIG_READERS or name.endswith(".getenv") or name == "config":
            default = call.kwargs.get("default", call.args[1] if len(call.args) > 1 else None)
            value = self.constant(default, depth)
            cast = call.kwargs.get("cast")
            if isinstance(cast, Name) and cast.dotted in ("int", "float") and value is not None:
                try:
                    return int(value) if cast.dotted == "int" else float(value)
                except (TypeError, ValueError):
                    return None
            return value
        return None

    # ---- evidence ----------------------------------------------------------------------
    def source_lines(self, path: str) -> list[str]:
        cached = self._lines_cache.get(path)
        if cached is None:
            text = None
            if self.reader is not None:
                if path.endswith(".py"):
                    text, _ = self.reader.read_python(path)
                else:
                    text = self.reader.read_text(path)
            cached = (text or "").splitlines()
            self._lines_cache[path] = cached
        return cached

    def snippet(self, path: str, line: int | None, end_line: int | None = None,
                max_lines: int = 4) -> str:
        if not line:
            return ""
        lines = self.source_lines(path)
        last = min(end_line or line, line + max_lines - 1, len(lines))
        chunk = lines[line - 1:last]
        if not chunk:
            return ""
        indent = min((len(x) - len(x.lstrip()) for x in chunk if x.strip()), default=0)
        return "\n".join(x[indent:].rstrip()[:160] for x in chunk)

    def evidence(self, path: str | None, line: int | None, message: str, *,
                 end_line: int | None = None, scope: str = "", snippet_lines: int = 4
                 ) -> Evidence:
        """Evidence at a place in the tree, with the snippet read from the source."""
        snippet = self.snippet(path, line, end_line, snippet_lines) if path else ""
        return Evidence(message=message, path=path, line=line or None,
                        end_line=(end_line or line) or None, snippet=snippet, scope=scope)

    def absence(self, message: str) -> Evidence:
        """Evidence for something missing: what and where it was looked for, no line."""
        return Evidence(message=message)

    # ---- FastAPI -----------------------------------------------------------------------
    @cached_property
    def service(self) -> ServiceModel:
        from .fastapi_model import build_service_model

        return build_service_model(self)


def _call_name(call: Call) -> str:
    return call.func.qname if isinstance(call.func, Name) else ""


def _matches(qualified: str, targets: set[str]) -> bool:
    """A qualified name matches a target by full name or, for outside classes, last part."""
    if qualified in targets:
        return True
    last = qualified.rsplit(".", 1)[-1]
    return any(t.rsplit(".", 1)[-1] == last and "." not in qualified for t in targets)


def _fold(op: str, left: Any, right: Any) -> Any:
    if left is None or right is None:
        return None
    try:
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        if op == "/":
            return left / right
        if op == "//":
            return left // right
        if op == "**" and isinstance(right, int) and abs(right) < 64:
            return left**right
    except (TypeError, ZeroDivisionError, OverflowError):
        return None
    return None
