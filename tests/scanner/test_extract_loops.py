"""`for` statements become loop bindings (target, iterable, lines), kept apart from
assignments: the target is one item of the iterable, not the iterable."""

from __future__ import annotations

from scanner.python.extract import extract_facts
from scanner.python.facts import Call, Name, Seq

SOURCE = '''\
from fastapi import FastAPI

app = FastAPI()
for router in (a, b):
    app.include_router(router)


async def consume(stream):
    async for event in stream():
        for key, value in event.items():
            print([k for k in key])
'''


def test_each_for_statement_is_a_loop_binding_with_its_lines():
    facts = extract_facts("app/main.py", SOURCE)
    shapes = [(b.scope, b.line, b.end_line, b.kind) for b in facts.loop_bindings]
    assert shapes == [("", 4, 5, "for"), ("consume", 9, 11, "for"), ("consume", 10, 11, "for")]
    first, awaited, nested = facts.loop_bindings
    assert first.targets == [Name("router", "router")]
    assert isinstance(first.value, Seq) and [i.dotted for i in first.value.items] == ["a", "b"]
    assert isinstance(awaited.value, Call)
    assert isinstance(nested.targets[0], Seq)  # `key, value`


def test_loop_targets_are_not_assignments():
    facts = extract_facts("app/main.py", SOURCE)
    bound = {t.dotted for a in facts.assignments for t in a.targets if isinstance(t, Name)}
    assert bound == {"app"}  # comprehension variables are neither
