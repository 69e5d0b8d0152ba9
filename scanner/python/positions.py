"""Line numbers for the nodes that become facts, without libcst's whole-module metadata.

libcst's PositionProvider regenerates the whole module to compute a range for every node,
several times the cost of parsing. We only need lines for a handful of node kinds, so we
take them from the standard library's `ast` (a C parser, a fraction of libcst's parse time):
nodes of one kind, sorted by where they start, come in the same order as libcst's
pre-order walk visits them. Each position handed out is checked against a name hint; any
disagreement (or source `ast` cannot parse) makes the caller fall back to libcst's provider
for that one file.
"""

from __future__ import annotations

import ast
from collections import defaultdict

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

DEF, CLASS, CALL, RAISE, RETURN = "def", "class", "call", "raise", "return"
ASSIGN, WITH = "assign", "with"
EXCEPT = "except"
ASSERT = "assert"

_AST_KINDS: dict[type, str] = {
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
    ast.ExceptHandler: EXCEPT,
    ast.Assert: ASSERT,
}


class PositionMismatch(Exception):
    """The ordered positions disagree with the libcst walk: use the slow, exact provider."""


def _ast_hint(node: ast.AST) -> str:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return node.name
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name):
            return func.id
        if isinstance(func, ast.Attribute):
            return func.attr
    return ""


def cst_hint(node: cst.CSTNode) -> str:
    """The same hint as `_ast_hint`, computed on the libcst side."""
    if isinstance(node, cst.FunctionDef | cst.ClassDef):
        return node.name.value
    if isinstance(node, cst.Call):
        func = node.func
        if isinstance(func, cst.Name):
            return func.value
        if isinstance(func, cst.Attribute):
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


class OrderedPositions:
    """Hands out (line, end_line) per kind in source order, taken from `ast`.

    `depth` is the deepest nesting libcst will build for this source (see
    `_flat_chain_length`), so the caller can refuse a file before libcst crashes on it.
    """

    def __init__(self, tree: ast.AST) -> None:
        buckets: dict[str, list[tuple[int, int, int, int, str]]] = defaultdict(list)
        deepest = 0
        stack: list[tuple[ast.AST, int]] = [(tree, 0)]
        ast_type = ast.AST
        # A hand-rolled walk: `ast.iter_child_nodes` costs a generator per node, and this
        # loop visits every node of every file.
        while stack:
            node, depth = stack.pop()
            node_type = type(node)
            depth += 1
            if node_type in _CHAIN_TYPES:
                depth += _flat_chain_length(node)
            if depth > deepest:
                deepest = depth
            for name in node._fields:
                value = getattr(node, name, None)
                if isinstance(value, ast_type):
                    stack.append((value, depth))
                elif value.__class__ is list:
                    for item in value:
                        if isinstance(item, ast_type):
                            stack.append((item, depth))
            kind = _AST_KINDS.get(node_type)
            if kind is None:
                continue
            end_line = node.end_lineno or node.lineno
            end_col = node.end_col_offset or 0
            buckets[kind].append(
                (node.lineno, node.col_offset, -end_line, -end_col, _ast_hint(node))
            )
        self._queues = {kind: sorted(items) for kind, items in buckets.items()}
        self._next = dict.fromkeys(self._queues, 0)
        self.depth = deepest

    def take(self, kind: str, node: cst.CSTNode) -> tuple[int, int]:
        queue = self._queues.get(kind)
        index = self._next.get(kind, 0)
        if queue is None or index >= len(queue):
            raise PositionMismatch(kind)
        line, _col, neg_end, _neg_end_col, hint = queue[index]
        if hint != cst_hint(node):
            raise PositionMismatch(f"{kind}: {hint!r} != {cst_hint(node)!r}")
        self._next[kind] = index + 1
        return line, -neg_end

    def finish(self) -> None:
        """Every ast node of every kind must have been matched once."""
        for kind, queue in self._queues.items():
            if self._next.get(kind, 0) != len(queue):
                raise PositionMismatch(f"{kind}: {len(queue) - self._next.get(kind, 0)} unmatched")


class ExactPositions:
    """libcst's own provider: exact for any syntax, slower; used per file when needed."""

    def __init__(self, module: cst.Module) -> None:
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        self._ranges = wrapper.resolve(PositionProvider)

    def take(self, kind: str, node: cst.CSTNode) -> tuple[int, int]:
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
