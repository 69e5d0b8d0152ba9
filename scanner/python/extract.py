"""One walk over one libcst tree, producing `ModuleFacts`.

The walk visits every node that can hold a fact once, in source order (so positions from
`positions.py` line up), keeps track of the enclosing function/class, and records the facts
rules read: imports, definitions, calls, assignments, raises and returns, with summarised
expressions.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
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

# Fields that never hold nodes we care about (whitespace, punctuation, flags), besides
# every field whose name starts with "whitespace": the walk never looks at them.
_SKIPPED_FIELDS = {
    "lpar", "rpar", "comma", "semicolon", "header", "footer", "newline", "leading_lines",
    "lines_after_decorators", "leading_whitespace", "trailing_whitespace", "equal", "colon",
    "dot", "arrow", "lbrace", "rbrace", "lbracket", "rbracket", "first_line", "last_line",
    "empty_lines", "default_indent", "default_newline", "encoding", "has_trailing_newline",
    "asynchronous", "operator", "star", "indent", "first_colon", "second_colon",
    "posonly_ind", "trailing_comma", "relative", "separator", "comment",
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
# Leaves: no handler, not statements, and no node below them but whitespace and brackets.
# Most nodes of a tree are these; the walk skips them without a call.
_LEAF_TYPES = frozenset({
    cst.Name, cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary,
    cst.FormattedStringText, cst.Ellipsis,
})
_SEQUENCE = object()  # the plan of a tuple or list of children

_BINOPS = {
    cst.Add: "+", cst.Subtract: "-", cst.Multiply: "*", cst.Divide: "/", cst.FloorDivide: "//",
    cst.Modulo: "%", cst.Power: "**", cst.BitOr: "|", cst.BitAnd: "&", cst.BitXor: "^",
    cst.LeftShift: "<<", cst.RightShift: ">>", cst.MatrixMultiply: "@",
}
_UNARY = {cst.Minus: "-", cst.Plus: "+", cst.Not: "not", cst.BitInvert: "~"}
_NAME_CONSTANTS = {"True": True, "False": False, "None": None}


def _walked_fields(node_type: type) -> tuple[str, ...]:
    names = _SOURCE_ORDER.get(node_type) or tuple(f.name for f in dataclasses.fields(node_type))
    return tuple(
        name for name in names
        if name not in _SKIPPED_FIELDS and not name.startswith("whitespace")
    )


class _WalkPlans(dict):
    """What the walk does with a value of each type, decided once per type.

    None: nothing (not a node, or a leaf); `_SEQUENCE`: walk each item; otherwise a
    node's (handler, is a statement, fields to walk). Testing `CSTNode`, an ABC, per node
    would cost more than the rest of the walk."""

    def __missing__(self, value_type: type) -> object:
        plan: object = None
        if value_type is tuple or value_type is list:
            plan = _SEQUENCE
        elif (isinstance(value_type, type) and issubclass(value_type, cst.CSTNode)
              and value_type not in _LEAF_TYPES):
            statement_types = cst.BaseSmallStatement | cst.BaseCompoundStatement
            plan = (_HANDLERS.get(value_type), issubclass(value_type, statement_types),
                    _walked_fields(value_type))
        self[value_type] = plan
        return plan


_WALK_PLANS = _WalkPlans()


def _child_nodes(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The children the walk would visit, in source order (leaves left out)."""
    plans = _WALK_PLANS
    plan = plans[node.__class__]
    if plan is None or plan is _SEQUENCE:
        return
    for name in plan[2]:
        value = getattr(node, name, None)
        value_plan = plans[value.__class__]
        if value_plan is _SEQUENCE:
            for item in value:
                item_plan = plans[item.__class__]
                if item_plan is not None and item_plan is not _SEQUENCE:
                    yield item
        elif value_plan is not None:
            yield value


def dotted_name(node: cst.BaseExpression) -> str | None:
    """`a.b.c` for a chain of names and attributes, else None."""
    parts: list[str] = []
    while node.__class__ is cst.Attribute:
        parts.append(node.attr.value)
        node = node.value
    if node.__class__ is cst.Name:
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
    """A function or class being walked. `def_fact` is the nearest enclosing function
    (itself for a function): statements count towards it, and it decides `in_async`."""

    __slots__ = ("def_fact", "fact", "in_async", "kind", "qualname")

    def __init__(self, kind: str, qualname: str, fact: object, parent: _Scope | None) -> None:
        self.kind = kind
        self.qualname = qualname
        self.fact = fact
        if kind == "def":
            self.def_fact, self.in_async = fact, fact.is_async
        elif parent is not None:
            self.def_fact, self.in_async = parent.def_fact, parent.in_async
        else:
            self.def_fact, self.in_async = None, False


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
        # The innermost scope's, kept up to date on entering and leaving (read per node).
        self.scope_name = ""
        self.def_fact: FunctionFact | None = None
        self.in_async = False
        self.call_summaries: dict[int, Expr] = {}
        self.awaited: set[int] = set()

    # ---- entry -------------------------------------------------------------------------
    def run(self) -> ModuleFacts:
        self._prescan(self.module.body)
        self.facts.docstring = _docstring(self.module.body)
        for statement in self.module.body:
            self.facts.top_level_kinds.append(self._top_level_kind(statement))
        self._walk_node(self.module)
        self.positions.finish()
        return self.facts

    # ---- names -------------------------------------------------------------------------
    def _prescan(self, body) -> None:
        """Module-level imports and definitions, so names resolve before they are walked."""
        # Exact type tests here and below: libcst's concrete node classes have no subclasses,
        # and a failing isinstance against them goes through the slow ABC check.
        for statement in body:
            statement_type = statement.__class__
            if statement_type is cst.SimpleStatementLine:
                for small in statement.body:
                    small_type = small.__class__
                    if small_type is cst.Import or small_type is cst.ImportFrom:
                        self._record_import(small)
                    elif small_type is cst.Assign:
                        for target in small.targets:
                            self._note_local(target.target)
                    elif small_type is cst.AnnAssign:
                        self._note_local(small.target)
            elif statement_type is cst.FunctionDef or statement_type is cst.ClassDef:
                self.local_names.add(statement.name.value)
            elif statement_type is cst.If or statement_type is cst.Try:
                self._prescan(statement.body.body)
                orelse = getattr(statement, "orelse", None)
                if orelse.__class__ is cst.Else:
                    self._prescan(orelse.body.body)
                for handler in getattr(statement, "handlers", ()):
                    self._prescan(handler.body.body)

    def _note_local(self, target: cst.BaseExpression) -> None:
        if target.__class__ is cst.Name:
            self.local_names.add(target.value)

    def _record_import(self, node: cst.Import | cst.ImportFrom) -> None:
        imports = self.facts.imports
        if node.__class__ is cst.Import:
            for alias in node.names:
                full = dotted_name(alias.name) or ""
                self.facts.imported_modules.add(full)
                if alias.asname is not None and alias.asname.name.__class__ is cst.Name:
                    imports[alias.asname.name.value] = full
                else:
                    head = full.split(".")[0]
                    imports.setdefault(head, head)
            return
        base = self._from_module(node)
        self.facts.imported_modules.add(base)
        if node.names.__class__ is cst.ImportStar:
            imports.setdefault("*" + base, base)
            return
        for alias in node.names:
            name = dotted_name(alias.name) or ""
            local = name
            if alias.asname is not None and alias.asname.name.__class__ is cst.Name:
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
        node_type = node.__class__
        if node_type is cst.Call:
            return self._call_summary(node, depth)
        if depth > MAX_EXPR_DEPTH:
            return Other("deep")
        summarizer = _SUMMARIZERS.get(node_type)
        if summarizer is None:
            return Other(node_type.__name__)
        return summarizer(self, node, depth + 1)

    def _call_summary(self, node: cst.Call, depth: int) -> Expr:
        """One summary object per call, whether reached inside an enclosing expression or
        visited as a call site, which sets its line. Any other node is summarised once,
        from its parent or from the one statement it belongs to, so needs no such cache."""
        key = id(node)
        summary = self.call_summaries.get(key)
        if summary is None:
            summary = Other("deep") if depth > MAX_EXPR_DEPTH else self._call(node, depth + 1)
            self.call_summaries[key] = summary
        return summary

    # Each summarizer gets the depth of the node's children (see `_SUMMARIZERS`).
    def _name(self, node: cst.Name, _depth: int) -> Expr:
        value = node.value
        if value in _NAME_CONSTANTS:
            return Const(_NAME_CONSTANTS[value])
        return Name(value, self.resolve(value))

    def _attribute(self, node: cst.Attribute, depth: int) -> Expr:
        dotted = dotted_name(node)
        if dotted is not None:
            return Name(dotted, self.resolve(dotted))
        return Attr(self.summarize(node.value, depth), node.attr.value)

    def _number(self, node: cst.Integer | cst.Float | cst.Imaginary, _depth: int) -> Expr:
        value = _plain_number_value(node)
        if value is not None:
            return Const(value)
        try:
            return Const(node.evaluated_value)
        except (ValueError, SyntaxError):
            return Other("number")

    def _sequence(self, node: cst.List | cst.Tuple | cst.Set, depth: int) -> Expr:
        kind = node.__class__.__name__.lower()
        return Seq(kind, [self.summarize(e.value, depth) for e in node.elements])

    def _binary(self, node: cst.BinaryOperation, depth: int) -> Expr:
        op = _BINOPS.get(node.operator.__class__, "?")
        return BinOp(op, self.summarize(node.left, depth), self.summarize(node.right, depth))

    def _subscript(self, node: cst.Subscript, depth: int) -> Expr:
        index = [
            self.summarize(el.slice.value, depth)
            for el in node.slice
            if el.slice.__class__ is cst.Index
        ]
        return Subscript(self.summarize(node.value, depth), index)

    def _await(self, node: cst.Await, depth: int) -> Expr:
        return Await(self.summarize(node.expression, depth))

    def _annotation(self, node: cst.Annotation, depth: int) -> Expr:
        return self.summarize(node.annotation, depth - 1)  # transparent: no level of its own

    def _if_exp(self, node: cst.IfExp, depth: int) -> Expr:
        return IfExp("IfExp", [], self.summarize(node.test, depth),
                     self.summarize(node.body, depth), self.summarize(node.orelse, depth))

    def _string_const(self, node: cst.SimpleString, _depth: int) -> Expr:
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
            part_type = part.__class__
            if part_type is cst.FormattedStringText:
                text.append(part.value)
            elif part_type is cst.FormattedStringExpression:
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
            if element.__class__ is cst.DictElement:
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
    def _qualname(self, name: str) -> str:
        return f"{self.scope_name}.{name}" if self.scopes else name

    def _enter(self, kind: str, fact: FunctionFact | ClassFact) -> None:
        scope = _Scope(kind, fact.qualname, fact, self.scopes[-1] if self.scopes else None)
        self.scopes.append(scope)
        self._set_innermost(scope)

    def _leave(self) -> None:
        self.scopes.pop()
        self._set_innermost(self.scopes[-1] if self.scopes else None)

    def _set_innermost(self, scope: _Scope | None) -> None:
        if scope is None:
            self.scope_name, self.def_fact, self.in_async = "", None, False
        else:
            self.scope_name, self.def_fact, self.in_async = (
                scope.qualname, scope.def_fact, scope.in_async)

    def _walk_node(self, node: cst.CSTNode) -> None:
        plan = _WALK_PLANS[node.__class__]
        if plan is not None and plan is not _SEQUENCE:
            self._walk(node, plan)

    def _walk(self, node: cst.CSTNode, plan: tuple) -> None:
        """Visit `node` (its plan from `_WALK_PLANS`) and the nodes below it, in source order.

        This runs for every node of every file: children are looked up and leaves skipped
        inline rather than through helper calls."""
        handler, is_statement, fields = plan
        if handler is not None and handler(self, node):
            return
        if is_statement and self.def_fact is not None:
            self.def_fact.statements += 1
        plans = _WALK_PLANS
        for name in fields:
            value = getattr(node, name, None)
            child_plan = plans[value.__class__]
            if child_plan is None:
                continue
            if child_plan is _SEQUENCE:
                for item in value:
                    item_plan = plans[item.__class__]
                    if item_plan is not None and item_plan is not _SEQUENCE:
                        self._walk(item, item_plan)
            else:
                self._walk(value, child_plan)

    def _count_statement(self) -> None:
        if self.def_fact is not None:
            self.def_fact.statements += 1

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
            docstring=_docstring(node.body),
            statements=0,
            class_name=class_name,
            parent=self.scope_name,
            is_method=class_name is not None,
        )
        self.facts.functions.append(fact)
        if parent is not None and parent.kind == "class":
            parent.fact.methods.append(fact.name)
        for decorator in node.decorators:
            self._walk_node(decorator)
        self._walk_node(node.params)
        if node.returns is not None:
            self._walk_node(node.returns)
        self._enter("def", fact)
        self._walk_node(node.body)
        self._leave()
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
        if params.star_arg.__class__ is cst.Param:
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
            docstring=_docstring(node.body),
            parent=self.scope_name,
        )
        self.facts.classes.append(fact)
        if self.scopes and self.scopes[-1].kind == "class":
            self.scopes[-1].fact.nested_classes.append(fact.name)
        for decorator in node.decorators:
            self._walk_node(decorator)
        for arg in (*node.bases, *node.keywords):
            self._walk_node(arg)
        self._enter("class", fact)
        self._walk_node(node.body)
        self._leave()
        return True

    def _visit_call(self, node: cst.Call) -> bool:
        summary = self.summarize(node)
        if summary.__class__ is not Call:
            # Cut off as too deep inside an enclosing expression; as a call site of its
            # own it is summarised from here, and its enclosing expression keeps the cut.
            summary = self._call(node, 1)
            self.call_summaries[id(node)] = summary
        summary.line, summary.end_line = self.positions.take(pos.CALL, node)
        self.facts.calls.append(
            CallSite(summary, self.scope_name, id(node) in self.awaited, self.in_async)
        )
        # Below a call: its function and argument values (an `Arg` only wraps its value;
        # its keyword is a plain name), walked here to spare a visit per argument.
        self._walk_node(node.func)
        for arg in node.args:
            self._walk_node(arg.value)
        return True

    def _visit_await(self, node: cst.Await) -> bool:
        if node.expression.__class__ is cst.Call:
            self.awaited.add(id(node.expression))
        return False

    def _visit_assign(self, node: cst.Assign | cst.AnnAssign | cst.AugAssign) -> bool:
        line, end_line = self.positions.take(pos.ASSIGN, node)
        node_type = node.__class__
        if node_type is cst.Assign:
            targets = [self.summarize(t.target) for t in node.targets]
            annotation, kind = None, "assign"
        elif node_type is cst.AnnAssign:
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

    def _visit_for(self, node: cst.For) -> bool:
        line, end_line = self.positions.take(pos.FOR, node)
        self.facts.loop_bindings.append(
            Assignment([self.summarize(node.target)], self.summarize(node.iter), None, line,
                       end_line, self.scope_name, "for")
        )
        return False  # the target, iterable and body are walked as usual

    def _visit_raise(self, node: cst.Raise) -> bool:
        line, end_line = self.positions.take(pos.RAISE, node)
        self.facts.raises.append(Statement(self.summarize(node.exc), line, end_line,
                                           self.scope_name))
        return False

    def _visit_except(self, node: cst.ExceptHandler | cst.ExceptStarHandler) -> bool:
        line, end_line = self.positions.take(pos.EXCEPT, node)
        name = node.name.name.value if (
            node.name is not None and node.name.name.__class__ is cst.Name) else None
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
        statement_type = statement.__class__
        if statement_type is cst.FunctionDef:
            return "def"
        if statement_type is cst.ClassDef:
            return "class"
        if statement_type is cst.If:
            return "main" if _is_main_guard(statement.test) else "if"
        if statement_type is cst.SimpleStatementLine:
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
        if current.__class__ is cst.Comparison:
            found.append(current)
        stack.extend(reversed(list(_child_nodes(current))))
    return found


def _plain_string_value(literal: str) -> str | None:
    """The value of a `str` literal without escapes, read directly.

    libcst's `evaluated_value` compiles every literal with `ast.literal_eval`, a
    noticeable cost per file; most literals need no unescaping at all.
    """
    if literal[:1] in ("'", '"'):  # no prefix, as most literals
        prefix, body = "", literal
    else:
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


_PLAIN_INTEGER = re.compile(r"[1-9][0-9]{0,17}|0+")  # no prefix, underscore or leading zero
_PLAIN_FLOAT = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _plain_number_value(node: cst.Integer | cst.Float | cst.Imaginary) -> int | float | None:
    """The value of a plain decimal `int` or `float` literal, read directly (as for strings,
    `evaluated_value` compiles each one); None for anything else, which takes that path."""
    node_type = node.__class__
    text = node.value
    if node_type is cst.Integer:
        return int(text) if _PLAIN_INTEGER.fullmatch(text) else None
    if node_type is cst.Float and _PLAIN_FLOAT.fullmatch(text):
        return float(text)  # the same correctly rounded conversion the compiler uses
    return None


_SUITES = (cst.SimpleStatementLine, cst.IndentedBlock, cst.SimpleStatementSuite)


def _docstring(body) -> str | None:
    """libcst's `get_docstring()` (the same steps), reading a plain literal directly."""
    if body.__class__ is tuple or body.__class__ is list:
        if not body:
            return None
        body = body[0]
    while body.__class__ in _SUITES:
        if len(body.body) == 0:
            return None
        body = body.body[0]
    if body.__class__ is not cst.Expr:
        return None
    literal = body.value
    if literal.__class__ is cst.SimpleString:
        value = _plain_string_value(literal.value)
        if value is None:
            value = literal.evaluated_value
    elif literal.__class__ is cst.ConcatenatedString:
        value = literal.evaluated_value
    else:
        return None
    if isinstance(value, bytes) or value is None:
        return None
    return inspect.cleandoc(value)


def _is_main_guard(test: cst.BaseExpression) -> bool:
    return (
        test.__class__ is cst.Comparison
        and test.left.__class__ is cst.Name
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
    cst.For: Extractor._visit_for,
    cst.Raise: Extractor._visit_raise,
    cst.Return: Extractor._visit_return,
    cst.Assert: Extractor._visit_assert,
    cst.ExceptHandler: Extractor._visit_except,
    cst.ExceptStarHandler: Extractor._visit_except,
    cst.Import: Extractor._visit_import,
    cst.ImportFrom: Extractor._visit_import,
    cst.If: Extractor._visit_if,
}

# Expression summarizers by exact node type (calls: see `_call_summary`); anything else
# becomes `Other(<type name>)`.
_SUMMARIZERS = {
    cst.Name: Extractor._name,
    cst.Attribute: Extractor._attribute,
    cst.SimpleString: Extractor._string_const,
    cst.Integer: Extractor._number,
    cst.Float: Extractor._number,
    cst.Imaginary: Extractor._number,
    cst.ConcatenatedString: Extractor._concatenated,
    cst.FormattedString: Extractor._fstring,
    cst.List: Extractor._sequence,
    cst.Tuple: Extractor._sequence,
    cst.Set: Extractor._sequence,
    cst.Dict: Extractor._dict,
    cst.BinaryOperation: Extractor._binary,
    cst.UnaryOperation: Extractor._unary,
    cst.Subscript: Extractor._subscript,
    cst.Await: Extractor._await,
    cst.Annotation: Extractor._annotation,
    cst.IfExp: Extractor._if_exp,
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
