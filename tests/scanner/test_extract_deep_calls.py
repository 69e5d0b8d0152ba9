"""Calls nested deeper than expression summaries go are call sites all the same."""

from __future__ import annotations

from scanner.python.extract import MAX_EXPR_DEPTH, extract_facts
from scanner.python.facts import Call, Other

NESTING = MAX_EXPR_DEPTH + 6
DEEP = "x = " + "f(" * NESTING + "1" + ")" * NESTING + "\n"


def test_every_nested_call_is_a_call_site_with_its_line():
    facts = extract_facts("deep.py", DEEP)
    assert len(facts.calls) == NESTING
    assert all(isinstance(site.call, Call) and site.call.line == 1 for site in facts.calls)


def test_the_enclosing_expression_keeps_the_cut():
    value = extract_facts("deep.py", DEEP).assignments[0].value
    depth = 0
    while isinstance(value, Call):
        value, depth = value.args[0], depth + 1
    assert isinstance(value, Other) and value.kind == "deep"
    assert depth == MAX_EXPR_DEPTH + 1


def test_the_innermost_call_site_has_its_argument():
    innermost = extract_facts("deep.py", DEEP).calls[-1].call
    assert innermost.args[0].value == 1
