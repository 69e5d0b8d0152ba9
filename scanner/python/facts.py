"""Plain, picklable facts about one Python module.

The extractor turns a libcst tree into these once per file; rules only ever read facts,
so a file is parsed and walked exactly once, and facts can be cached by content hash.
Expressions are summarised into a small tree (`Expr`) that keeps what rules need:
constants, dotted names with their import-resolved qualified names, calls with their
arguments, containers, f-strings and operators.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union


@dataclass(slots=True)
class Const:
    value: str | bytes | int | float | complex | bool | None


@dataclass(slots=True)
class Name:
    """A dotted name such as `settings.SECRET_KEY`; `qname` resolves its head via imports."""

    dotted: str
    qname: str

    @property
    def last(self) -> str:
        return self.dotted.rsplit(".", 1)[-1]


@dataclass(slots=True)
class Attr:
    """An attribute of something that is not a plain name, e.g. `get_db().query`."""

    value: Expr
    attr: str


@dataclass(slots=True)
class Call:
    func: Expr
    args: list[Expr]
    kwargs: dict[str, Expr]
    line: int = 0
    end_line: int = 0
    has_star_args: bool = False

    def kw(self, name: str) -> Expr | None:
        return self.kwargs.get(name)

    def arg(self, index: int, keyword: str | None = None) -> Expr | None:
        """The positional argument at `index`, or the keyword argument of that name."""
        if keyword is not None and keyword in self.kwargs:
            return self.kwargs[keyword]
        return self.args[index] if index < len(self.args) else None


@dataclass(slots=True)
class Seq:
    kind: str  # "list", "tuple" or "set"
    items: list[Expr]


@dataclass(slots=True)
class DictExpr:
    keys: list[Expr | None]  # None for `**other`
    values: list[Expr]


@dataclass(slots=True)
class FStr:
    """An f-string: its literal text and the expressions interpolated into it."""

    text: str
    parts: list[Expr]


@dataclass(slots=True)
class BinOp:
    op: str  # "+", "%", "*", ...
    left: Expr
    right: Expr


@dataclass(slots=True)
class UnaryOp:
    op: str
    operand: Expr


@dataclass(slots=True)
class Subscript:
    value: Expr
    index: list[Expr]


@dataclass(slots=True)
class Await:
    value: Expr


@dataclass(slots=True)
class Other:
    """Anything not summarised further (lambda, comprehension, comparison...)."""

    kind: str
    # dotted names read inside, for taint-like checks
    names: list[str] = field(default_factory=list)


@dataclass(slots=True)
class IfExp(Other):
    """`body if test else orelse`. An `Other` of kind "IfExp", so readers that only know
    `Other` see no change; readers that care (e.g. "can this be None?") see both branches."""

    test: Expr | None = None
    body: Expr | None = None
    orelse: Expr | None = None


Expr = Union[  # noqa: UP007 - a runtime alias over forward references, kept as Union
    Const, Name, Attr, Call, Seq, DictExpr, FStr, BinOp, UnaryOp, Subscript, Await, Other
]


@dataclass(slots=True)
class Param:
    name: str
    kind: str  # "posonly", "pos", "star", "kwonly", "starstar"
    annotation: Expr | None
    default: Expr | None


@dataclass(slots=True)
class CallSite:
    """A call anywhere in the module, with the function or class it sits in."""

    call: Call
    scope: str  # qualname of the enclosing function/class, "" at module level
    awaited: bool
    in_async: bool  # the nearest enclosing function is `async def`


@dataclass(slots=True)
class Assignment:
    """`a = v`, `a: T = v`, `a += v`, `with v as a`, `for a in v` bindings."""

    targets: list[Expr]
    value: Expr | None
    annotation: Expr | None
    line: int
    end_line: int
    scope: str
    kind: str = "assign"  # "assign", "annassign", "augassign", "with", "walrus"


@dataclass(slots=True)
class Statement:
    """A `raise` or `return` with its value, inside `scope`."""

    value: Expr | None
    line: int
    end_line: int
    scope: str


@dataclass(slots=True)
class ExceptClause:
    """An `except T as name:` clause: what it catches and the name the exception is bound to."""

    types: Expr | None  # None for a bare `except:`; a Seq for `except (A, B)`
    name: str | None
    line: int
    end_line: int
    scope: str


@dataclass(slots=True)
class Comparison:
    """`left op right [op right ...]`; ops as written ("==", "in", "not in", ">=", "is")."""

    left: Expr
    ops: list[str]
    comparators: list[Expr]


@dataclass(slots=True)
class AssertFact:
    """An `assert` statement: its test, and every comparison written inside the test."""

    test: Expr | None
    comparisons: list[Comparison]
    line: int
    end_line: int
    scope: str


@dataclass(slots=True)
class FunctionFact:
    name: str
    qualname: str
    line: int
    end_line: int
    is_async: bool
    decorators: list[Expr]
    params: list[Param]
    returns: Expr | None
    docstring: str | None
    statements: int
    class_name: str | None
    parent: str  # enclosing scope qualname ("" for module level)
    is_method: bool = False

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


@dataclass(slots=True)
class ClassField:
    name: str
    annotation: Expr | None
    value: Expr | None
    line: int
    end_line: int


@dataclass(slots=True)
class ClassFact:
    name: str
    qualname: str
    line: int
    end_line: int
    bases: list[Expr]
    keywords: dict[str, Expr]
    decorators: list[Expr]
    fields: list[ClassField]
    methods: list[str]
    nested_classes: list[str]
    docstring: str | None
    parent: str


@dataclass(slots=True)
class ModuleFacts:
    """Everything the rules may ask about one module."""

    path: str  # relative to the repository root, posix
    module: str  # dotted module name derived from the path
    lines: int
    imports: dict[str, str] = field(default_factory=dict)  # local name -> qualified name
    imported_modules: set[str] = field(default_factory=set)
    functions: list[FunctionFact] = field(default_factory=list)
    classes: list[ClassFact] = field(default_factory=list)
    calls: list[CallSite] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    raises: list[Statement] = field(default_factory=list)
    returns: list[Statement] = field(default_factory=list)
    excepts: list[ExceptClause] = field(default_factory=list)
    asserts: list[AssertFact] = field(default_factory=list)
    # `for a in v` statements as bindings of a (kind "for"). Kept apart from `assignments`:
    # `a` is one item of v, not v, so only readers that know that may follow them.
    loop_bindings: list[Assignment] = field(default_factory=list)
    strings: set[str] = field(default_factory=set)  # short string constants, for header names etc.
    main_guard: bool = False
    top_level_kinds: list[str] = field(default_factory=list)
    docstring: str | None = None
    source_lines: list[str] = field(default_factory=list)  # kept only where evidence may need it
