"""DB-001 .. DB-006: examples plus the tricky decisions (na, thresholds, aliases)."""

from __future__ import annotations

import pytest

from scanner.results import FAIL, NA, PASS, UNKNOWN, WARN
from scanner.rules import database
from scanner.rules.database import (
    ASYNC_TREE,
    SYNC_IN_ASYNC_TREE,
    Db001AsyncAccess,
    Db002Migrations,
    Db003ReversibleMigrations,
    Db004DataAccessOutsideRouters,
    Db005ConnectionPool,
    Db006OrmPrimary,
)

from ..rule_harness import run_rule

NO_DB_APP = "from fastapi import FastAPI\n\napp = FastAPI()\n\n@app.get('/x')\nasync def x():\n    return 1\n"


def _examples():
    for cls in database.RULES:
        for example in [*cls.VALID, *cls.INVALID]:
            yield pytest.param(cls, example, id=f"{cls.id}-{example.name}")


@pytest.mark.parametrize(("rule_class", "example"), list(_examples()))
def test_examples_give_their_expected_status(rule_class, example, tmp_path):
    result = run_rule(rule_class(), tmp_path, example.tree())
    assert result.status == example.expect, [e.message for e in result.evidence]


def test_rules_are_listed_in_rules_md_order():
    assert [r.id for r in database.RULES] == [f"DB-00{i}" for i in range(1, 7)]
    assert all(r.dimension == "database" for r in database.RULES)


@pytest.mark.parametrize("rule_class", database.RULES, ids=lambda c: c.id)
def test_every_check_is_na_without_a_database(rule_class, tmp_path):
    assert run_rule(rule_class(), tmp_path, {"app/main.py": NO_DB_APP}).status == NA


def test_redis_alone_is_not_a_database(tmp_path):
    app = "import redis\n" + NO_DB_APP
    assert run_rule(Db002Migrations(), tmp_path, {"app/main.py": app}).status == NA
