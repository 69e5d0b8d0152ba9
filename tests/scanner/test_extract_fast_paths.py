"""The extractor's shortcuts give exactly what the slow, obvious way gives."""

from __future__ import annotations

import ast
import dataclasses

import libcst as cst
import pytest

from scanner.python import extract
from scanner.python import positions as pos

# ---- the walk skips leaves and whitespace ---------------------------------------------------


@pytest.mark.parametrize("leaf", sorted(extract._LEAF_TYPES, key=lambda t: t.__name__))
def test_a_leaf_has_nothing_below_it_but_whitespace_and_text(leaf):
    types = {f.name: f.type for f in dataclasses.fields(leaf)}
    assert all(types[name] is str for name in extract._walked_fields(leaf))
    assert extract._HANDLERS.get(leaf) is None
    assert not issubclass(leaf, cst.BaseSmallStatement | cst.BaseCompoundStatement)


def test_a_skipped_field_never_holds_a_call():
    source = "x = f(a, *b, **c)[1:g():2]\nfrom . import y\ndef h(a, /, b=k(), *, c): ...\n"
    module = cst.parse_module(source)
    calls_seen = []

    class Calls(cst.CSTVisitor):
        def visit_Call(self, node):
            calls_seen.append(node)

    module.visit(Calls())
    facts = extract.extract_facts("m.py", source)
    assert len(facts.calls) == len(calls_seen) == 3


# ---- literals read directly -----------------------------------------------------------------

NUMBERS = ["0", "00", "7", "42", "1_000", "0x1F", "0o17", "0b101", "123456789012345678901234",
           "1.5", "1.", ".5", "1e5", "1E-3", "2.5e+10", "1_0.5", "1e400", "3j", "1.5J"]


@pytest.mark.parametrize("text", NUMBERS)
def test_a_number_reads_as_libcst_evaluates_it(text):
    node = cst.parse_expression(text)
    fast = extract._plain_number_value(node)
    if fast is not None:
        assert fast == node.evaluated_value
        assert type(fast) is type(node.evaluated_value)
    summary = extract.Extractor("m.py", "", cst.parse_module(""), None).summarize(node)
    assert summary == extract.Const(node.evaluated_value)


def test_a_plain_decimal_skips_literal_eval():
    assert extract._plain_number_value(cst.parse_expression("404")) == 404
    assert extract._plain_number_value(cst.parse_expression("0.25")) == 0.25
    assert extract._plain_number_value(cst.parse_expression("0x10")) is None


STRINGS = [
    '"plain"', "'single'", '""', '"""triple\nlines"""', "'''q'''", 'r"raw \\d"', 'R"RAW"',
    'u"uni"', 'U"UNI"', '"esc\\n"', 'b"bytes"', 'rb"raw bytes"', '"caf\u00e9"', '"a \\\n b"',
]


@pytest.mark.parametrize("literal", STRINGS)
def test_a_string_reads_as_libcst_evaluates_it(literal):
    node = cst.parse_expression(literal)
    fast = extract._plain_string_value(node.value)
    if fast is not None:
        assert fast == node.evaluated_value


def test_a_literal_with_escapes_or_bytes_takes_libcsts_path():
    assert extract._plain_string_value('"plain"') == "plain"
    assert extract._plain_string_value('r"raw \\d"') == "raw \\d"
    assert extract._plain_string_value('"esc\\n"') is None
    assert extract._plain_string_value('b"bytes"') is None


DOCSTRINGS = [
    '"""One line."""',
    '"""\n    Indented\n      more\n    back\n    """',
    "'single'",
    "r'''raw \\d'''",
    '"""escaped \\t tab"""',
    'b"bytes"',
    '"con" "cat"',
    'f"no {x}"',
    "u'unicode'",
    "42",
]


@pytest.mark.parametrize("literal", DOCSTRINGS)
@pytest.mark.parametrize("shape", ["module", "def", "class", "one-line def"])
def test_a_docstring_is_libcsts(literal, shape):
    source = {
        "module": f"{literal}\nx = 1\n",
        "def": f"def f():\n    {literal}\n    return 1\n",
        "class": f"class C:\n    {literal}\n",
        "one-line def": f"def f(): {literal}\n",
    }[shape]
    module = cst.parse_module(source)
    if shape == "module":
        assert extract._docstring(module.body) == module.get_docstring()
    else:
        node = module.body[0]
        assert extract._docstring(node.body) == node.get_docstring()


# ---- the positions index --------------------------------------------------------------------


def _reference_index(tree: ast.AST) -> tuple[list[list[tuple]], int]:
    """The obvious walk: every node with its depth, one at a time."""
    buckets: list[list[tuple]] = [[] for _ in pos.KIND_NAMES]
    deepest = 0
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        depth += 1 + pos._flat_chain_length(node)
        deepest = max(deepest, depth)
        stack.extend((child, depth) for child in ast.iter_child_nodes(node))
        kind = pos._AST_KINDS.get(type(node))
        if kind is not None:
            buckets[kind].append(pos._position(node, kind))
    return [sorted(bucket) for bucket in buckets], deepest


INDEX_SOURCES = [
    "x = a and b or c and (d or e.f(g and h))\n",
    "import a.b.c, d as e\nfrom .x.y import z\n",
    "x = " + " and ".join(["a"] * 300) + "\n",
    "import a" + ".b" * 300 + "\n",
    "@dec(1)\nasync def f(a, *b, c=g(), **d) -> h():\n"
    "    async with i() as j, k():\n        return await l(m)[n:o()]\n",
    "class C(B, metaclass=M):\n    x: int = f(y)\n    z += 1\n"
    "    try:\n        raise E(1) from g()\n    except (A, B) as e:\n        assert e, h()\n",
    "x = [f(i) for i in g() if h(i)]\ny = {k: v() for k, v in z}\nw = lambda: q()\n",
    "match p:\n    case Point(x=0, y=f) if g(f):\n        h()\n"
    "    case [1, *rest]:\n        pass\n",
    "global a, b\nx = {**d, 'k': f()}\ndel x[0]\n",
    "global a\n",
    "def f():\n    nonlocal a\n",
    "def f(*, a): pass\n",
    "{**d}\n",
    "match x:\n    case C(a=1):\n        pass\n",
    "",
]


@pytest.mark.parametrize("source", INDEX_SOURCES)
def test_the_index_equals_the_obvious_walk(source):
    tree = ast.parse(source)
    ordered = pos.OrderedPositions(tree)
    queues, depth = _reference_index(tree)
    assert ordered._queues == queues
    assert ordered.depth == depth


def test_a_hint_mismatch_still_falls_back_to_the_exact_provider():
    source = "f(1)\ng(2)\n"
    module = cst.parse_module(source)
    ordered = pos.ordered_positions("g(2)\nf(1)\n")  # same kinds, other names
    with pytest.raises(pos.PositionMismatch):
        extract.Extractor("m.py", source, module, ordered).run()
    facts = extract._extract("m.py", source, module, pos.ordered_positions("g(2)\nf(1)\n"))
    assert [(s.call.func.dotted, s.call.line) for s in facts.calls] == [("f", 1), ("g", 2)]
