"""Counts in evidence text read naturally: no "0 endpoints", "of 0", "1 routes" or "(s)"."""

from __future__ import annotations

import re

import pytest

from scanner.engine import analyse
from scanner.rules.base import counted

from ..rule_harness import write_tree

AWKWARD = re.compile(r"\b0 [a-z]|\bof 0\b|\b1 [a-z]+s\b|\(s\)")

NO_ROUTES = {"app/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n"}
ONE_ROUTE = {
    "app/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
                   "@app.get('/items', summary='Items')\ndef items() -> list[int]:\n"
                   "    return []\n",
    "tests/test_items.py": "def test_items():\n    assert True\n",
}


@pytest.mark.parametrize("tree", [NO_ROUTES, ONE_ROUTE], ids=["no-routes", "one-route"])
def test_no_message_renders_a_count_awkwardly(tree, tmp_path):
    analysis = analyse(write_tree(tmp_path, tree), jobs=1)
    awkward = [f"{result.check_id}: {evidence.message}" for result in analysis.results
               for evidence in result.evidence if AWKWARD.search(evidence.message or "")]
    assert awkward == []


def test_counted_says_none_one_or_many():
    assert [counted(n, "route") for n in (0, 1, 2)] == ["no routes", "1 route", "2 routes"]
