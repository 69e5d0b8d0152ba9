"""Line numbers for the nodes that become facts, without libcst's whole-module metadata.

libcst's PositionProvider regenerates the whole module to compute a range for every node,
several times the cost of parsing. We only need lines for a handful of node kinds, so we
take them from the standard library's `ast` (a C parser, a fraction of libcst's parse time):
nodes of one kind, sorted by where they start, come in the same order as libcst's
pre-order walk visits them. The position of each definition and call is checked against
its name, and every position must be taken exactly once; any disagreement (or source `ast`
cannot parse) makes the caller fall back to libcst's provider for that one file.
"""

from __future__ import annotations

import ast

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

# Kinds index plain lists (cheaper than a dict per `take`). The first three carry a name
# hint (see `_position`); the others have none to compare.
DEF, CLASS, CALL, RAISE, RETURN, ASSIGN, WITH, EXCEPT, ASSERT, FOR = range(10)
KIND_NAMES = ("def", "class", "call", "raise", "return", "assign", "with", "except", "assert",
              "for")
_HINTED = (DEF, CLASS, CALL)

_AST_KINDS: dict[type, int] = {
    ast.FunctionDef: DEF,
    ast.AsyncFunctionDef: DEF,
    ast.ClassDef: CLASS,
    ast.Call: CALL,
    ast.Raise: RAISE,
    ast.Return: RETURN,
    ast.Assign: ASSIGN,
    ast.AnnAssign: ASSIGN,
    ast.AugAssign: ASSIGN,
    ast.With: WITH,
    ast.AsyncWith: WITH,
    ast.For: FOR,
    ast.AsyncFor: FOR,
    ast.ExceptHandler: EXCEPT,
    ast.Assert: ASSERT,
}


class PositionMismatch(Exception):
    """The ordered positions disagree with the libcst walk: use the slow, exact provider."""


def cst_hint(node: cst.CSTNode) -> str:
    """The name hint `_position` takes from `ast`, computed on the libcst side."""
    node_type = node.__class__  # exact types: libcst's concrete node classes have no subclasses
    if node_type is cst.FunctionDef or node_type is cst.ClassDef:
        return node.name.value
    if node_type is cst.Call:
        func = node.func
        func_type = func.__class__
        if func_type is cst.Name:
            return func.value
        if func_type is cst.Attribute:
            return func.attr.value
    return ""


def _flat_chain_length(node: ast.AST) -> int:
    """Nesting that libcst builds where `ast` keeps a flat list: `a and b and c` is one
    `BoolOp` but a chain of binary `BooleanOperation`s, and `import a.b.c` one string but
    nested `Attribute`s. libcst's native parser recurses on those chains and overflows its
    stack (a segfault, not an exception) somewhere past 5,000 links."""
    if isinstance(node, ast.BoolOp):
        return len(node.values) - 1
    if isinstance(node, ast.alias):
        return node.name.count(".")
    if isinstance(node, ast.ImportFrom):
        return (node.module or "").count(".")
    return 0


_CHAIN_TYPES = (ast.BoolOp, ast.alias, ast.ImportFrom)

# Fields that hold only leaf nodes (`Load`, `Add`, `Eq`): not walked, their one level of
# depth is counted directly.
_LEAF_FIELDS = frozenset({"ctx", "op", "ops"})
# Fields that never hold a node (identifiers, numbers, comments): not even looked at.
_SCALAR_FIELDS = frozenset({
    "id", "attr", "arg", "asname", "module", "level", "kind", "conversion", "simple",
    "is_async", "type_comment",
})
# Lists of identifiers (strings, not nodes): left out, as a string in a list is walked like
# a node without children, one level down. The other non-node list items, the `None` of a
# `**` dict entry or of a keyword-only argument without default, always sit beside a node.
_IDENTIFIER_LISTS = frozenset({
    (ast.Global, "names"), (ast.Nonlocal, "names"), (ast.MatchClass, "kwd_attrs"),
})
_NO_CHILDREN = ((), -1, 0, False)


class _AstPlans(dict):
    """Per ast node type: (fields to walk, kind or -1, leaf depth below it, is a chain).

    Filled on first sight, so node types of newer Pythons are walked like any other;
    values that are not nodes (the `None` key of a `**` dict entry) get an empty plan."""

    def __missing__(self, node_type: type) -> tuple:
        plan = _NO_CHILDREN
        if isinstance(node_type, type) and issubclass(node_type, ast.AST):
            names = node_type._fields
            plan = (
                tuple(
                    n for n in names
                    if n not in _LEAF_FIELDS and n not in _SCALAR_FIELDS
                    and (node_type, n) not in _IDENTIFIER_LISTS
                ),
                _AST_KINDS.get(node_type, -1),
                1 if _LEAF_FIELDS.intersection(names) else 0,
                node_type in _CHAIN_TYPES,
            )
        self[node_type] = plan
        return plan


_PLANS = _AstPlans()


def _position(node: ast.AST, kind: int) -> tuple[int, int, int, int, str]:
    """Sort key and payload: nested nodes starting at one spot sort outermost first."""
    if kind == CALL:
        func = node.func
        func_type = func.__class__
        hint = func.id if func_type is ast.Name else (
            func.attr if func_type is ast.Attribute else "")
    elif kind in _HINTED:
        hint = node.name
    else:
        hint = ""
    end_line = node.end_lineno or node.lineno
    return node.lineno, node.col_offset, -end_line, -(node.end_col_offset or 0), hint


def _index(tree: ast.AST) -> tuple[list[list[tuple]], int]:
    """One walk over the tree, level by level: the positions of each kind, and the deepest
    nesting libcst will build (ast depth, plus the chains `_flat_chain_length` counts).

    Level by level, a node's depth is its level, so no depth is carried per node; a chain
    pushes its children down as many extra levels as it has links."""
    buckets: list[list[tuple]] = [[] for _ in KIND_NAMES]
    plans = _PLANS
    ast_type = ast.AST
    deferred: dict[int, list[ast.AST]] = {}
    level: list[ast.AST] = [tree]
    depth = deepest = 0
    while level or deferred:
        depth += 1
        if deferred:
            level.extend(deferred.pop(depth, ()))
        below: list[ast.AST] = []
        for node in level:
            fields, kind, leaf_depth, is_chain = plans[node.__class__]
            children = below
            if is_chain and (links := _flat_chain_length(node)):
                children = deferred.setdefault(depth + links + 1, [])
                deepest = max(deepest, depth + links + leaf_depth)
            elif leaf_depth and depth >= deepest:
                deepest = depth + 1
            for name in fields:
                value = getattr(node, name)
                if value.__class__ is list:
                    children.extend(value)
                elif isinstance(value, ast_type):
                    children.append(value)
            if kind >= 0:
                buckets[kind].append(_position(node, kind))
        if level and depth > deepest:
            deepest = depth
        level = below
    for bucket in buckets:
        bucket.sort()
    return buckets, deepest


class OrderedPositions:
    """Hands out (line, end_line) per kind in source order, taken from `ast`.

    `depth` is the deepest nesting libcst will build for this source (see
    `_flat_chain_length`), so the caller can refuse a file before libcst crashes on it.
    """

    def __init__(self, tree: ast.AST) -> None:
        self._queues, self.depth = _index(tree)
        self._next = [0] * len(self._queues)

    def take(self, kind: int, node: cst.CSTNode) -> tuple[int, int]:
        queue = self._queues[kind]
        index = self._next[kind]
        if index >= len(queue):
            raise PositionMismatch(KIND_NAMES[kind])
        line, _col, neg_end, _neg_end_col, hint = queue[index]
        if kind in _HINTED and hint != cst_hint(node):
            raise PositionMismatch(f"{KIND_NAMES[kind]}: {hint!r} != {cst_hint(node)!r}")
        self._next[kind] = index + 1
        return line, -neg_end

    def finish(self) -> None:
        """Every ast node of every kind must have been matched once."""
        for kind, queue in enumerate(self._queues):
            if self._next[kind] != len(queue):
                unmatched = len(queue) - self._next[kind]
                raise PositionMismatch(f"{KIND_NAMES[kind]}: {unmatched} unmatched")


class ExactPositions:
    """libcst's own provider: exact for any syntax, slower; used per file when needed."""

    def __init__(self, module: cst.Module) -> None:
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        self._ranges = wrapper.resolve(PositionProvider)

    def take(self, kind: int, node: cst.CSTNode) -> tuple[int, int]:
        code_range = self._ranges.get(node)
        if code_range is None:
            return 0, 0
        start = code_range.start.line
        if isinstance(node, cst.FunctionDef | cst.ClassDef):
            # Evidence about a definition points at its `def`/`class` line, not a decorator.
            name_range = self._ranges.get(node.name)
            if name_range is not None:
                start = name_range.start.line
        return start, code_range.end.line

    def finish(self) -> None:
        return None


def ordered_positions_or_raise(source: str) -> OrderedPositions:
    """Positions from `ast`; its SyntaxError/RecursionError reach the caller."""
    return OrderedPositions(ast.parse(source))


def ordered_positions(source: str) -> OrderedPositions | None:
    """Positions from `ast`, or None when `ast` cannot read this source."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return OrderedPositions(tree)
