"""Evidence lines: the fast `ast`-ordered positions equal libcst's exact provider."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from scanner.python import positions as pos
from scanner.python.extract import Extractor, ParseFailure, extract_facts

FIXTURES = Path(__file__).parents[1] / "fixtures" / "services"
SERVICE_FILES = sorted(FIXTURES.rglob("*.py"))

DECORATED = '''\
from fastapi import APIRouter

router = APIRouter()


@router.get(
    "/items/{item_id}",
    response_model=None,
)
@some.other.decorator
async def read_item(item_id: int):
    result = compute(
        item_id,
        flag=True,
    )
    if not result:
        raise LookupError(
            "missing",
        )
    return result


class Model(
    Base,
):
    name: str = field(
        default="x",
    )
'''


def lines_of(facts) -> dict[str, list[tuple]]:
    return {
        "functions": [(f.qualname, f.line, f.end_line) for f in facts.functions],
        "classes": [(c.qualname, c.line, c.end_line) for c in facts.classes],
        "calls": [(s.call.line, s.call.end_line) for s in facts.calls],
        "raises": [(r.line, r.end_line) for r in facts.raises],
        "returns": [(r.line, r.end_line) for r in facts.returns],
        "assignments": [(a.line, a.end_line) for a in facts.assignments],
        "excepts": [(e.line, e.end_line) for e in facts.excepts],
        "asserts": [(a.line, a.end_line) for a in facts.asserts],
    }


def exact_facts(path: str, source: str):
    module = cst.parse_module(source)
    return Extractor(path, source, module, pos.ExactPositions(module)).run()


def ordered_facts(path: str, source: str):
    """The fast path, without its fallback: a PositionMismatch here fails the test."""
    module = cst.parse_module(source)
    return Extractor(path, source, module, pos.ordered_positions(source)).run()


def test_it_has_fixture_service_files_to_compare():
    assert len(SERVICE_FILES) > 50


@pytest.mark.parametrize("path", SERVICE_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_it_gives_the_same_lines_as_libcsts_exact_provider(path):
    source = path.read_text(encoding="utf-8")
    rel = str(path.relative_to(FIXTURES))
    exact = lines_of(exact_facts(rel, source))
    assert lines_of(ordered_facts(rel, source)) == exact
    assert lines_of(extract_facts(rel, source)) == exact


def test_it_points_a_decorated_function_at_its_def_line():
    facts = extract_facts("app/items.py", DECORATED)
    function = next(f for f in facts.functions if f.name == "read_item")
    assert DECORATED.splitlines()[function.line - 1].startswith("async def read_item")
    assert function.line == 11
    assert function.end_line == 20


def test_it_points_a_multi_line_call_at_its_first_line():
    facts = extract_facts("app/items.py", DECORATED)
    compute = next(s.call for s in facts.calls if getattr(s.call.func, "dotted", "") == "compute")
    assert (compute.line, compute.end_line) == (12, 15)
    route = next(s.call for s in facts.calls if getattr(s.call.func, "dotted", "") == "router.get")
    assert (route.line, route.end_line) == (6, 9)
    assert [(r.line, r.end_line) for r in facts.raises] == [(17, 19)]


def test_it_points_a_class_with_multi_line_bases_at_its_class_line():
    facts = extract_facts("app/items.py", DECORATED)
    model = next(c for c in facts.classes if c.name == "Model")
    assert model.line == 23
    field_line = next(a.line for a in facts.assignments if a.scope == "Model")
    assert field_line == 26


def test_it_agrees_with_the_exact_provider_on_decorators_and_multi_line_calls():
    assert lines_of(ordered_facts("a.py", DECORATED)) == lines_of(exact_facts("a.py", DECORATED))


def test_it_points_at_the_real_line_in_a_scan(tmp_path):
    (tmp_path / "main.py").write_text(
        "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
        "@app.get(\n    '/users',\n)\n@cache\ndef list_users():\n    return {'users': []}\n"
    )
    from scanner.engine import scan_tree

    report = scan_tree(tmp_path, jobs=1)
    assert report["endpoints"][0]["line"] == 10
    lines = {e["line"] for c in report["checks"] for e in c["evidence"]
             if e["path"] == "main.py" and e["snippet"].startswith("def list_users")}
    assert lines == {10}


def test_it_reports_a_nesting_failure_as_an_error_not_a_crash():
    with pytest.raises(ParseFailure, match="too deeply nested"):
        extract_facts("deep.py", "x = " + " or ".join(["a"] * 20000) + "\n")
