"""One walk over one libcst tree, producing `ModuleFacts`.

The walk visits every node once, in source order (so positions from `positions.py` line
up), keeps track of the enclosing function/class, and records the facts rules read:
imports, definitions, calls, assignments, raises and returns, with summarised expressions.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator

import libcst as cst

from . import positions as pos
from .facts import (
    AssertFact,
    Assignment,
    Attr,
    Await,
    BinOp,
    Call,
    CallSite,
    ClassFact,
    ClassField,
    Comparison,
    Const,
    DictExpr,
    ExceptClause,
    Expr,
    FStr,
    FunctionFact,
    IfExp,
    ModuleFacts,
    Name,
    Other,
    Param,
    Seq,
    Statement,
    Subscript,
    UnaryOp,
)

MAX_EXPR_DEPTH = 24
DEFAULT_RECURSION_LIMIT = 1000
MAX_BRACKET_DEPTH = 200  # CPython itself refuses deeper nesting
MAX_CST_DEPTH = 2500  # libcst's native parser overflows its stack past ~5,000 levels
MAX_STRING = 2000
SHORT_STRING = 120

# Fields that never hold nodes we care about: skipping them makes the generic walk cheap.
_SKIPPED_FIELDS = {
    "whitespace", "lpar", "rpar", "comma", "semicolon", "header", "footer", "newline",
    "leading_lines", "lines_after_decorators", "leading_whitespace", "trailing_whitespace",
    "whitespace_before", "whitespace_after", "equal", "colon", "dot", "arrow", "lbrace",
    "rbrace", "lbracket", "rbracket", "first_line", "empty_lines", "default_indent",
    "default_newline", "encoding", "has_trailing_newline", "asynchronous", "operator",
    "star", "whitespace_before_colon", "whitespace_after_at", "indent",
}
# Types whose dataclass field order differs from the order in the source.
_SOURCE_ORDER = {
    cst.FunctionDef: ("decorators", "name", "type_parameters", "params", "returns", "body"),
    cst.ClassDef: ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    cst.IfExp: ("body", "test", "orelse"),
    cst.Parameters: ("posonly_params", "params", "star_arg", "kwonly_params", "star_kwarg"),
    cst.ExceptHandler: ("type", "name", "body"),
    cst.ExceptStarHandler: ("type", "name", "body"),
    cst.MatchCase: ("pattern", "guard", "body"),
    cst.Arg: ("keyword", "value"),
}
_child_fields_cache: dict[type, tuple[str, ...]] = {}

_BINOPS = {
    cst.Add: "+", cst.Subtract: "-", cst.Multiply: "*", cst.Divide: "/", cst.FloorDivide: "//",
    cst.Modulo: "%", cst.Power: "**", cst.BitOr: "|", cst.BitAnd: "&", cst.BitXor: "^",
    cst.LeftShift: "<<", cst.RightShift: ">>", cst.MatrixMultiply: "@",
}
_UNARY = {cst.Minus: "-", cst.Plus: "+", cst.Not: "not", cst.BitInvert: "~"}


def _child_fields(node_type: type) -> tuple[str, ...]:
    cached = _child_fields_cache.get(node_type)
    if cached is None:
        cached = _SOURCE_ORDER.get(node_type) or tuple(
            f.name for f in dataclasses.fields(node_type) if f.name not in _SKIPPED_FIELDS
        )
        _child_fields_cache[node_type] = cached
    return cached


_statement_types: dict[type, bool] = {}
_node_types: dict[type, bool] = {}


def _is_node_type(value_type: type) -> bool:
    """Whether values of this type are CST nodes (cached: CSTNode is an ABC, slow to test)."""
    known = _node_types.get(value_type)
    if known is None:
        known = issubclass(value_type, cst.CSTNode)
        _node_types[value_type] = known
    return known


def _is_statement(node_type: type) -> bool:
    """Statement kinds, cached per type (the ABC isinstance check is slow per node)."""
    known = _statement_types.get(node_type)
    if known is None:
        known = issubclass(node_type, cst.BaseSmallStatement | cst.BaseCompoundStatement)
        _statement_types[node_type] = known
    return known


def _children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    for name in _child_fields(type(node)):
        value = getattr(node, name, None)
        if isinstance(value, cst.CSTNode):
            yield value
        elif isinstance(value, tuple | list):
            for item in value:
                if isinstance(item, cst.CSTNode):
                    yield item


def dotted_name(node: cst.BaseExpression) -> str | None:
    """`a.b.c` for a chain of names and attributes, else None."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def module_name_for(path: str) -> tuple[str, bool]:
    """Dotted module name for a relative path, and whether it is a package `__init__`."""
    stem = path[:-3] if path.endswith(".py") else path
    parts = [p for p in stem.split("/") if p]
    is_package = bool(parts) and parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join(parts), is_package


class _Scope:
    __slots__ = ("fact", "is_async", "kind", "qualname")

    def __init__(self, kind: str, qualname: str, is_async: bool, fact: object) -> None:
        self.kind = kind
        self.qualname = qualname
        self.is_async = is_async
        self.fact = fact


class Extractor:
    """Walks one parsed module once and fills a `ModuleFacts`."""

    def __init__(self, path: str, source: str, module: cst.Module, positions) -> None:
        self.module = module
        self.positions = positions
        name, is_package = module_name_for(path)
        self.package = name if is_package else name.rpartition(".")[0]
        self.facts = ModuleFacts(path=path, module=name, lines=source.count("\n") + 1)
        self.local_names: set[str] = set()
        self.scopes: list[_Scope] = []
        self.summaries: dict[int, Expr] = {}
        self.awaited: set[int] = set()

    # ---- entry -------------------------------------------------------------------------
    def run(self) -> ModuleFacts:
        self._prescan(self.module.body)
        self.facts.docstring = self.module.get_docstring()
        for statement in self.module.body:
            self.facts.top_level_kinds.append(self._top_level_kind(statement))
        self._walk(self.module)
        self.positions.finish()
        return self.facts

    # ---- names -------------------------------------------------------------------------
    def _prescan(self, body) -> None:
        """Module-level imports and definitions, so names resolve before they are walked."""
        for statement in body:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if isinstance(small, cst.Import | cst.ImportFrom):
                        self._record_import(small)
                    elif isinstance(small, cst.Assign):
                        for target in small.targets:
                            self._note_local(target.target)
                    elif isinstance(small, cst.AnnAssign):
                        self._note_local(small.target)
            elif isinstance(statement, cst.FunctionDef | cst.ClassDef):
                self.local_names.add(statement.name.value)
            elif isinstance(statement, cst.If | cst.Try):
                self._prescan(statement.body.body)
                orelse = getattr(statement, "orelse", None)
                if isinstance(orelse, cst.Else):
                    self._prescan(orelse.body.body)
                for handler in getattr(statement, "handlers", ()):
                    self._prescan(handler.body.body)

    def _note_local(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.local_names.add(target.value)

    def _record_import(self, node: cst.Import | cst.ImportFrom) -> None:
        imports = self.facts.imports
        if isinstance(node, cst.Import):
            for alias in node.names:
                full = dotted_name(alias.name) or ""
                self.facts.imported_modules.add(full)
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    imports[alias.asname.name.value] = full
                else:
                    head = full.split(".")[0]
                    imports.setdefault(head, head)
            return
        base = self._from_module(node)
        self.facts.imported_modules.add(base)
        if isinstance(node.names, cst.ImportStar):
            imports.setdefault("*" + base, base)
            return
        for alias in node.names:
            name = dotted_name(alias.name) or ""
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            imports[local] = f"{base}.{name}" if base else name
            self.facts.imported_modules.add(imports[local])

    def _from_module(self, node: cst.ImportFrom) -> str:
        written = dotted_name(node.module) if node.module is not None else ""
        level = len(node.relative)
        if level == 0:
            return written or ""
        package_parts = self.package.split(".") if self.package else []
        if level > 1:
            package_parts = package_parts[: len(package_parts) - (level - 1)]
        base = ".".join(package_parts)
        if written:
            return f"{base}.{written}" if base else written
        return base

    def resolve(self, dotted: str) -> str:
        head, _, rest = dotted.partition(".")
        target = self.facts.imports.get(head)
        if target is None:
            if head in self.local_names and self.facts.module:
                target = f"{self.facts.module}.{head}"
            else:
                return dotted
        return f"{target}.{rest}" if rest else target

    # ---- expressions -------------------------------------------------------------------
    def summarize(self, node: cst.CSTNode | None, depth: int = 0) -> Expr | None:
        if node is None:
            return None
        key = id(node)
        cached = self.summaries.get(key)
        if cached is not None:
            return cached
        summary = self._summarize(node, depth)
        self.summaries[key] = summary
        return summary

    def _summarize(self, node: cst.CSTNode, depth: int) -> Expr:
        if depth > MAX_EXPR_DEPTH:
            return Other("deep")
        nxt = depth + 1
        if isinstance(node, cst.Name):
            if node.value in ("True", "False", "None"):
                return Const({"True": True, "False": False, "None": None}[node.value])
            return Name(node.value, self.resolve(node.value))
        if isinstance(node, cst.Attribute):
            dotted = dotted_name(node)
            if dotted is not None:
                return Name(dotted, self.resolve(dotted))
            return Attr(self.summarize(node.value, nxt), node.attr.value)
        if isinstance(node, cst.SimpleString):
            return self._string_const(node)
        if isinstance(node, cst.Integer | cst.Float | cst.Imaginary):
            try:
                return Const(node.evaluated_value)
            except (ValueError, SyntaxError):
                return Other("number")
        if isinstance(node, cst.ConcatenatedString):
            return self._concatenated(node, nxt)
        if isinstance(node, cst.FormattedString):
            return self._fstring(node, nxt)
        if isinstance(node, cst.Call):
            return self._call(node, nxt)
        if isinstance(node, cst.List | cst.Tuple | cst.Set):
            kind = type(node).__name__.lower()
            return Seq(kind, [self.summarize(e.value, nxt) for e in node.elements])
        if isinstance(node, cst.Dict):
            return self._dict(node, nxt)
        if isinstance(node, cst.BinaryOperation):
            op = _BINOPS.get(type(node.operator), "?")
            return BinOp(op, self.summarize(node.left, nxt), self.summarize(node.right, nxt))
        if isinstance(node, cst.UnaryOperation):
            return self._unary(node, nxt)
        if isinstance(node, cst.Subscript):
            index = [
                self.summarize(el.slice.value, nxt)
                for el in node.slice
                if isinstance(el.slice, cst.Index)
            ]
            return Subscript(self.summarize(node.value, nxt), index)
        if isinstance(node, cst.Await):
            return Await(self.summarize(node.expression, nxt))
        if isinstance(node, cst.Annotation):
            return self.summarize(node.annotation, depth)
        if isinstance(node, cst.IfExp):
            return IfExp("IfExp", [], self.summarize(node.test, nxt),
                         self.summarize(node.body, nxt), self.summarize(node.orelse, nxt))
        return Other(type(node).__name__)

    def _string_const(self, node: cst.SimpleString) -> Expr:
        value = _plain_string_value(node.value)
        if value is None:
            try:
                value = node.evaluated_value
            except (ValueError, SyntaxError, UnicodeDecodeError):
                return Other("string")
        if isinstance(value, str):
            value = value[:MAX_STRING]
            if len(value) <= SHORT_STRING:
                self.facts.strings.add(value)
        return Const(value)

    def _concatenated(self, node: cst.ConcatenatedString, depth: int) -> Expr:
        left = self.summarize(node.left, depth)
        right = self.summarize(node.right, depth)
        if (isinstance(left, Const) and isinstance(right, Const)
                and isinstance(left.value, str) and isinstance(right.value, str)):
            return Const(left.value + right.value)
        parts, text = [], ""
        for piece in (left, right):
            if isinstance(piece, FStr):
                parts.extend(piece.parts)
                text += piece.text
            elif isinstance(piece, Const) and isinstance(piece.value, str):
                text += piece.value
        return FStr(text, parts)

    def _fstring(self, node: cst.FormattedString, depth: int) -> Expr:
        text: list[str] = []
        parts: list[Expr] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                text.append(part.value)
            elif isinstance(part, cst.FormattedStringExpression):
                parts.append(self.summarize(part.expression, depth))
                text.append("{}")
        return FStr("".join(text)[:MAX_STRING], parts)

    def _call(self, node: cst.Call, depth: int) -> Call:
        args: list[Expr] = []
        kwargs: dict[str, Expr] = {}
        star = False
        for arg in node.args:
            value = self.summarize(arg.value, depth)
            if arg.keyword is not None:
                kwargs[arg.keyword.value] = value
            elif arg.star == "**":
                kwargs["**"] = value  # `FastAPI(**settings_kwargs)`: resolved later
            elif arg.star:
                star = True
            else:
                args.append(value)
        return Call(self.summarize(node.func, depth), args, kwargs, has_star_args=star)

    def _dict(self, node: cst.Dict, depth: int) -> DictExpr:
        keys: list[Expr | None] = []
        values: list[Expr] = []
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                keys.append(self.summarize(element.key, depth))
            else:
                keys.append(None)
            values.append(self.summarize(element.value, depth))
        return DictExpr(keys, values)

    def _unary(self, node: cst.UnaryOperation, depth: int) -> Expr:
        op = _UNARY.get(type(node.operator), "?")
        operand = self.summarize(node.expression, depth)
        if op == "-" and isinstance(operand, Const) and isinstance(operand.value, int | float):
            return Const(-operand.value)
        return UnaryOp(op, operand)

    # ---- the walk ----------------------------------------------------------------------
    @property
    def scope_name(self) -> str:
        return self.scopes[-1].qualname if self.scopes else ""

    def _in_async(self) -> bool:
        for scope in reversed(self.scopes):
            if scope.kind == "def":
                return scope.is_async
        return False

    def _qualname(self, name: str) -> str:
        return f"{self.scope_name}.{name}" if self.scopes else name

    def _walk(self, node: cst.CSTNode) -> None:
        node_type = type(node)
        handler = _HANDLERS.get(node_type)
        if handler is not None and handler(self, node):
            return
        if _is_statement(node_type):
            self._count_statement()
        # Inlined child iteration: this loop runs for every node of every file.
        for name in _child_fields(node_type):
            value = getattr(node, name, None)
            value_type = value.__class__
            if value_type is tuple or value_type is list:
                for item in value:
                    if _is_node_type(item.__class__):
                        self._walk(item)
            elif _is_node_type(value_type):
                self._walk(value)

    def _count_statement(self) -> None:
        for scope in reversed(self.scopes):
            if scope.kind == "def":
                scope.fact.statements += 1
                return

    def _visit_function(self, node: cst.FunctionDef) -> bool:
        self._count_statement()
        line, end_line = self.positions.take(pos.DEF, node)
        parent = self.scopes[-1] if self.scopes else None
        class_name = parent.qualname if parent is not None and parent.kind == "class" else None
        fact = FunctionFact(
            name=node.name.value,
            qualname=self._qualname(node.name.value),
            line=line,
            end_line=end_line,
            is_async=node.asynchronous is not None,
            decorators=[self.summarize(d.decorator) for d in node.decorators],
            params=self._params(node.params),
            returns=self.summarize(node.returns.annotation) if node.returns else None,
            docstring=node.get_docstring(),
            statements=0,
            class_name=class_name,
            parent=self.scope_name,
            is_method=class_name is not None,
        )
        self.facts.functions.append(fact)
        if parent is not None and parent.kind == "class":
            parent.fact.methods.append(fact.name)
        for decorator in node.decorators:
            self._walk(decorator)
        self._walk(node.params)
        if node.returns is not None:
            self._walk(node.returns)
        self.scopes.append(_Scope("def", fact.qualname, fact.is_async, fact))
        self._walk(node.body)
        self.scopes.pop()
        return True

    def _params(self, params: cst.Parameters) -> list[Param]:
        result: list[Param] = []

        def add(param: cst.Param, kind: str) -> None:
            annotation = self.summarize(param.annotation.annotation) if param.annotation else None
            result.append(Param(param.name.value, kind, annotation, self.summarize(param.default)))

        for param in params.posonly_params:
            add(param, "posonly")
        for param in params.params:
            add(param, "pos")
        if isinstance(params.star_arg, cst.Param):
            add(params.star_arg, "star")
        for param in params.kwonly_params:
            add(param, "kwonly")
        if params.star_kwarg is not None:
            add(params.star_kwarg, "starstar")
        return result

    def _visit_class(self, node: cst.ClassDef) -> bool:
        self._count_statement()
        line, end_line = self.positions.take(pos.CLASS, node)
        fact = ClassFact(
            name=node.name.value,
            qualname=self._qualname(node.name.value),
            line=line,
            end_line=end_line,
            bases=[self.summarize(a.value) for a in node.bases],
            keywords={a.keyword.value: self.summarize(a.value) for a in node.keywords if a.keyword},
            decorators=[self.summarize(d.decorator) for d in node.decorators],
            fields=[],
            methods=[],
            nested_classes=[],
            docstring=node.get_docstring(),
            parent=self.scope_name,
        )
        self.facts.classes.append(fact)
        if self.scopes and self.scopes[-1].kind == "class":
            self.scopes[-1].fact.nested_classes.append(fact.name)
        for decorator in node.decorators:
            self._walk(decorator)
        for arg in (*node.bases, *node.keywords):
            self._walk(arg)
        self.scopes.append(_Scope("class", fact.qualname, False, fact))
        self._walk(node.body)
        self.scopes.pop()
        return True

    def _visit_call(self, node: cst.Call) -> bool:
        summary = self.summarize(node)
        summary.line, summary.end_line = self.positions.take(pos.CALL, node)
        self.facts.calls.append(
            CallSite(summary, self.scope_name, id(node) in self.awaited, self._in_async())
        )
        return False

    def _visit_await(self, node: cst.Await) -> bool:
        if isinstance(node.expression, cst.Call):
            self.awaited.add(id(node.expression))
        return False

    def _visit_assign(self, node: cst.Assign | cst.AnnAssign | cst.AugAssign) -> bool:
        line, end_line = self.positions.take(pos.ASSIGN, node)
        if isinstance(node, cst.Assign):
            targets = [self.summarize(t.target) for t in node.targets]
            annotation, kind = None, "assign"
        elif isinstance(node, cst.AnnAssign):
            targets = [self.summarize(node.target)]
            annotation, kind = self.summarize(node.annotation.annotation), "annassign"
        else:
            targets = [self.summarize(node.target)]
            annotation, kind = None, "augassign"
        value = self.summarize(node.value)
        record = Assignment(targets, value, annotation, line, end_line, self.scope_name, kind)
        self.facts.assignments.append(record)
        if self.scopes and self.scopes[-1].kind == "class" and kind != "augassign":
            self._add_class_field(self.scopes[-1].fact, record)
        return False

    def _add_class_field(self, cls: ClassFact, record: Assignment) -> None:
        for target in record.targets:
            if isinstance(target, Name) and "." not in target.dotted:
                cls.fields.append(
                    ClassField(target.dotted, record.annotation, record.value, record.line,
                               record.end_line)
                )

    def _visit_with(self, node: cst.With) -> bool:
        line, end_line = self.positions.take(pos.WITH, node)
        for item in node.items:
            if item.asname is not None:
                self.facts.assignments.append(
                    Assignment([self.summarize(item.asname.name)], self.summarize(item.item),
                               None, line, end_line, self.scope_name, "with")
                )
        return False

    def _visit_raise(self, node: cst.Raise) -> bool:
        line, end_line = self.positions.take(pos.RAISE, node)
        self.facts.raises.append(Statement(self.summarize(node.exc), line, end_line,
                                           self.scope_name))
        return False

    def _visit_except(self, node: cst.ExceptHandler | cst.ExceptStarHandler) -> bool:
        line, end_line = self.positions.take(pos.EXCEPT, node)
        name = node.name.name.value if node.name is not None and isinstance(
            node.name.name, cst.Name) else None
        self.facts.excepts.append(ExceptClause(self.summarize(node.type), name, line, end_line,
                                               self.scope_name))
        return False

    def _visit_assert(self, node: cst.Assert) -> bool:
        line, end_line = self.positions.take(pos.ASSERT, node)
        comparisons = [
            Comparison(self.summarize(c.left), [_COMPARISON_OPS.get(type(t.operator), "?")
                                                for t in c.comparisons],
                       [self.summarize(t.comparator) for t in c.comparisons])
            for c in _comparisons_in(node.test)
        ]
        self.facts.asserts.append(AssertFact(self.summarize(node.test), comparisons, line,
                                             end_line, self.scope_name))
        return False

    def _visit_return(self, node: cst.Return) -> bool:
        line, end_line = self.positions.take(pos.RETURN, node)
        self.facts.returns.append(Statement(self.summarize(node.value), line, end_line,
                                            self.scope_name))
        return False

    def _visit_import(self, node: cst.Import | cst.ImportFrom) -> bool:
        if self.scopes:  # module-level imports were recorded by the prescan
            self._record_import(node)
        return True

    def _visit_if(self, node: cst.If) -> bool:
        if not self.scopes and _is_main_guard(node.test):
            self.facts.main_guard = True
        return False

    def _top_level_kind(self, statement: cst.BaseStatement) -> str:
        if isinstance(statement, cst.FunctionDef):
            return "def"
        if isinstance(statement, cst.ClassDef):
            return "class"
        if isinstance(statement, cst.If):
            return "main" if _is_main_guard(statement.test) else "if"
        if isinstance(statement, cst.SimpleStatementLine):
            kinds = {type(s).__name__ for s in statement.body}
            if kinds <= {"Import", "ImportFrom"}:
                return "import"
            if kinds <= {"Assign", "AnnAssign"}:
                return "assign"
            if kinds == {"Expr"}:
                return "expr"
        return "other"


_COMPARISON_OPS = {
    cst.Equal: "==", cst.NotEqual: "!=", cst.LessThan: "<", cst.LessThanEqual: "<=",
    cst.GreaterThan: ">", cst.GreaterThanEqual: ">=", cst.In: "in", cst.NotIn: "not in",
    cst.Is: "is", cst.IsNot: "is not",
}


def _comparisons_in(node: cst.CSTNode) -> list[cst.Comparison]:
    """Comparison nodes inside an assert's test, outermost first (tests are small)."""
    found: list[cst.Comparison] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Comparison):
            found.append(current)
        stack.extend(reversed(list(_children(current))))
    return found


def _plain_string_value(literal: str) -> str | None:
    """The value of a `str` literal without escapes, read directly.

    libcst's `evaluated_value` compiles every literal with `ast.literal_eval`, a
    noticeable cost per file; most literals need no unescaping at all.
    """
    prefix_end = 0
    while prefix_end < len(literal) and literal[prefix_end] not in "'\"":
        prefix_end += 1
    prefix = literal[:prefix_end].lower()
    if prefix not in ("", "r", "u"):
        return None  # bytes and anything unusual take the exact path
    body = literal[prefix_end:]
    quote = body[:3] if body[:3] in ('"""', "'''") else body[:1]
    if len(body) < 2 * len(quote) or not body.endswith(quote):
        return None
    inner = body[len(quote):-len(quote)]
    if "\\" in inner and prefix != "r":
        return None
    if "\r" in inner:
        return None  # the tokenizer normalises newlines inside literals
    return inner


def _is_main_guard(test: cst.BaseExpression) -> bool:
    return (
        isinstance(test, cst.Comparison)
        and isinstance(test.left, cst.Name)
        and test.left.value == "__name__"
    )


_HANDLERS = {
    cst.FunctionDef: Extractor._visit_function,
    cst.ClassDef: Extractor._visit_class,
    cst.Call: Extractor._visit_call,
    cst.Await: Extractor._visit_await,
    cst.Assign: Extractor._visit_assign,
    cst.AnnAssign: Extractor._visit_assign,
    cst.AugAssign: Extractor._visit_assign,
    cst.With: Extractor._visit_with,
    cst.Raise: Extractor._visit_raise,
    cst.Return: Extractor._visit_return,
    cst.Assert: Extractor._visit_assert,
    cst.ExceptHandler: Extractor._visit_except,
    cst.ExceptStarHandler: Extractor._visit_except,
    cst.Import: Extractor._visit_import,
    cst.ImportFrom: Extractor._visit_import,
    cst.If: Extractor._visit_if,
}


class ParseFailure(Exception):
    """The file could not be parsed or walked; the message says why, for `files.errors`."""


def extract_facts(path: str, source: str) -> ModuleFacts:
    """Parse `source` once with libcst and return its facts (raises ParseFailure)."""
    ordered = _screen_and_index(source)
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        raise ParseFailure(f"syntax error at line {exc.raw_line}: {exc.message}") from None
    except RecursionError:
        raise ParseFailure("too deeply nested to parse") from None
    except Exception as exc:  # the native parser reports some failures as other errors
        raise ParseFailure(f"could not parse: {type(exc).__name__}: {exc}"[:300]) from None
    try:
        return _extract(path, source, module, ordered)
    except RecursionError:
        raise ParseFailure("too deeply nested to analyse") from None


def _screen_and_index(source: str) -> pos.OrderedPositions | None:
    """Run the fast `ast` parse first: it indexes positions and screens out pathological
    nesting, on which libcst's native parser can take minutes or overflow its stack."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(DEFAULT_RECURSION_LIMIT)  # ast's own depth guard scales with it
    try:
        ordered = pos.ordered_positions_or_raise(source)
    except RecursionError:
        raise ParseFailure("too deeply nested for Python to compile; not analysed") from None
    except MemoryError:
        raise ParseFailure("too large or deep for Python to compile; not analysed") from None
    except SyntaxError as exc:
        if "too many nested" in str(exc.msg):
            raise ParseFailure(f"{exc.msg} (line {exc.lineno}); not analysed") from None
        if _bracket_depth(source) > MAX_BRACKET_DEPTH:
            raise ParseFailure("brackets nested too deeply; not analysed") from None
        return None  # newer syntax than this Python reads: libcst decides
    except ValueError:
        return None
    finally:
        sys.setrecursionlimit(limit)
    if ordered.depth > MAX_CST_DEPTH:
        raise ParseFailure("too deeply nested for the parser (an `and`/`or` chain or dotted "
                           f"name {ordered.depth} levels deep); not analysed")
    return ordered


def _bracket_depth(source: str) -> int:
    """Deepest bracket nesting, counting brackets inside strings too (an upper bound)."""
    depth = deepest = 0
    for char in source:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth = max(depth - 1, 0)
    return deepest


def _extract(path: str, source: str, module: cst.Module,
             ordered: pos.OrderedPositions | None) -> ModuleFacts:
    if ordered is not None:
        try:
            return Extractor(path, source, module, ordered).run()
        except pos.PositionMismatch:
            pass
    return Extractor(path, source, module, pos.ExactPositions(module)).run()


def raise_recursion_limit() -> None:
    """Deeply nested but valid code needs more than Python's default 1000 frames."""
    if sys.getrecursionlimit() < 20000:
        sys.setrecursionlimit(20000)
