"""DB-001 .. DB-006: examples plus the tricky decisions (na, thresholds, aliases)."""

from __future__ import annotations

import pytest

from scanner.results import FAIL, NA, PASS, UNKNOWN, WARN
from scanner.rules import database
from scanner.rules.database import (
    ASYNC_TREE,
    Db001AsyncAccess,
    Db002Migrations,
    Db003ReversibleMigrations,
    Db004DataAccessOutsideRouters,
    Db005ConnectionPool,
    Db006OrmPrimary,
    _with_revisions,
)

from ..rule_harness import run_rule

NO_DB_APP = (
    "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
    "@app.get('/x')\nasync def x():\n    return 1\n"
)


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


def test_a_tree_package_named_like_a_driver_is_not_a_database(tmp_path):
    tree = {"databases/__init__.py": "X = 1\n",
            "app/main.py": "from databases import X\n" + NO_DB_APP}
    assert run_rule(Db002Migrations(), tmp_path, tree).status == NA


SYNC_DB = '''from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql://app@db/app")
SessionLocal = sessionmaker(bind=engine)


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()
'''


def test_db001_untyped_depends_on_a_sync_generator_fails_at_the_def_line(tmp_path):
    main = '''from fastapi import Depends, FastAPI

from app.db import get_db

app = FastAPI()


@app.get("/items")
async def items(db=Depends(get_db)):
    return []
'''
    result = run_rule(Db001AsyncAccess(), tmp_path, {"app/db.py": SYNC_DB, "app/main.py": main})
    assert result.status == FAIL
    assert (result.evidence[0].path, result.evidence[0].line) == ("app/main.py", 9)


def test_db001_async_dependency_receiving_a_sync_session_fails(tmp_path):
    main = '''from fastapi import Depends, FastAPI
from sqlalchemy.orm import Session

from app.db import get_db

app = FastAPI()


async def current_user(db: Session = Depends(get_db)):
    return None


@app.get("/me")
def me(user=Depends(current_user)):
    return user
'''
    result = run_rule(Db001AsyncAccess(), tmp_path, {"app/db.py": SYNC_DB, "app/main.py": main})
    assert result.status == FAIL
    assert "dependency" in result.evidence[0].message


def test_db001_sessionmaker_with_async_class_is_async(tmp_path):
    db = '''from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import sessionmaker

engine = create_async_engine("postgresql+asyncpg://app@db/app")
SessionLocal = sessionmaker(engine, class_=AsyncSession)


async def get_db():
    async with SessionLocal() as session:
        yield session
'''
    main = '''from fastapi import Depends, FastAPI

from app.db import get_db

app = FastAPI()


@app.get("/items")
async def items(db=Depends(get_db)):
    return (await db.execute("SELECT 1")).all()
'''
    assert run_rule(Db001AsyncAccess(), tmp_path,
                    {"app/db.py": db, "app/main.py": main}).status == PASS


def test_db002_document_database_without_tool_is_unknown(tmp_path):
    main = "from motor.motor_asyncio import AsyncIOMotorClient\n" + NO_DB_APP
    assert run_rule(Db002Migrations(), tmp_path, {"app/main.py": main}).status == UNKNOWN


def test_db002_metric_counts_revisions(tmp_path):
    result = run_rule(Db002Migrations(), tmp_path, _with_revisions("    op.drop_table('a')",
                                                                  "    op.drop_table('b')"))
    assert result.status == PASS and result.metric == {"revisions": 2}


def test_db003_eighty_percent_is_warn_and_below_is_fail(tmp_path):
    work, idle = "    op.drop_table('a')", "    pass"
    warn = run_rule(Db003ReversibleMigrations(), tmp_path / "w", _with_revisions(
        work, work, work, work, idle))
    assert warn.status == WARN and warn.metric == {"reversible": 4, "revisions": 5}
    assert warn.evidence[0].path == "alembic/versions/0005_step.py"
    fail = run_rule(Db003ReversibleMigrations(), tmp_path / "f", _with_revisions(
        work, work, work, idle, idle))
    assert fail.status == FAIL


def test_db003_logging_only_downgrade_does_no_work(tmp_path):
    result = run_rule(Db003ReversibleMigrations(), tmp_path, _with_revisions(
        "    import logging\n    logging.getLogger(__name__).warning('irreversible')"))
    assert result.status == FAIL


def test_db003_na_without_revisions(tmp_path):
    assert run_rule(Db003ReversibleMigrations(), tmp_path, ASYNC_TREE).status == NA


def test_db004_twenty_five_percent_is_warn_edge(tmp_path):
    endpoints = "".join(f'''

@app.get("/ok{i}")
async def ok{i}(session: SessionDep):
    return await repo.list_items(session, 10)
''' for i in range(3))
    direct = '''

@app.get("/direct")
async def direct(session: SessionDep):
    return await session.get(repo.Item, 1)
'''
    tree = {**ASYNC_TREE, "app/main.py": ASYNC_TREE["app/main.py"].replace(
        '@app.get("/items")', '@app.get("/items-all")') + endpoints + direct}
    result = run_rule(Db004DataAccessOutsideRouters(), tmp_path, tree)
    # 1 of 5 DB-using endpoints (items, ok0..ok2, direct) = 20 % <= 25 %
    assert result.status == WARN
    assert result.metric == {"direct": 1, "db_endpoints": 5}


def test_db005_sqlite_only_is_na_and_check_same_thread_means_sqlite(tmp_path):
    db = '''import os

from sqlalchemy import create_engine

engine = create_engine(os.getenv("DB_URL"), connect_args={"check_same_thread": False})
'''
    main = "from app.db import engine\n" + NO_DB_APP
    result = run_rule(Db005ConnectionPool(), tmp_path, {"app/db.py": db, "app/main.py": main})
    assert result.status == NA


def test_db005_url_from_settings_instance_default(tmp_path):
    settings = '''from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    database_url: str = "sqlite+aiosqlite:///./app.db"
'''
    db = '''from sqlalchemy.ext.asyncio import create_async_engine

from app.settings import Settings

engine = create_async_engine(Settings().database_url)
'''
    main = "from app.db import engine\n" + NO_DB_APP
    result = run_rule(Db005ConnectionPool(), tmp_path,
                      {"app/settings.py": settings, "app/db.py": db, "app/main.py": main})
    assert result.status == NA


def test_db005_pre_ping_alone_is_warn_and_asyncpg_pool_rules(tmp_path):
    db = '''import asyncpg
from sqlalchemy import create_engine

engine = create_engine("postgresql://db/app", pool_pre_ping=True)


async def make_pool():
    return await asyncpg.create_pool("postgresql://db/app", min_size=2, max_size=10,
                                     max_inactive_connection_lifetime=300)
'''
    main = "from app.db import engine\n" + NO_DB_APP
    result = run_rule(Db005ConnectionPool(), tmp_path, {"app/db.py": db, "app/main.py": main})
    assert result.status == WARN
    assert [e.line for e in result.evidence] == [4]


def test_db005_unknown_without_an_engine_call(tmp_path):
    main = "from motor.motor_asyncio import AsyncIOMotorClient\n" + NO_DB_APP
    assert run_rule(Db005ConnectionPool(), tmp_path, {"app/main.py": main}).status == UNKNOWN


def test_db006_twenty_percent_raw_passes_and_named_sql_constant_counts(tmp_path):
    repo = '''from sqlalchemy import select

from app.models import Item

COUNT_SQL = "SELECT count(*) FROM items"


async def list_items(session, limit: int):
    return (await session.scalars(select(Item).limit(limit))).all()


async def count(conn):
    return await conn.fetchval(COUNT_SQL)
''' + "".join(f'''

async def by_{i}(session):
    return (await session.scalars(select(Item).where(Item.id == {i}))).all()
''' for i in range(3))
    result = run_rule(Db006OrmPrimary(), tmp_path, {**ASYNC_TREE, "app/repo.py": repo})
    assert result.metric == {"raw": 1, "orm": 4}
    assert result.status == PASS


def test_db001_points_at_the_first_use_of_an_async_orm_not_at_a_bare_file(tmp_path):
    code = ("from fastapi import FastAPI\nfrom tortoise import fields\n"
            "from tortoise.models import Model\n\napp = FastAPI()\n\n\n"
            "class Item(Model):\n    name = fields.CharField(max_length=20)\n\n\n"
            "@app.get('/items')\nasync def items() -> list[str]:\n"
            "    return [i.name for i in await Item.all()]\n")
    result = run_rule(database.Db001AsyncAccess(), tmp_path, {"app/main.py": code})
    evidence = result.evidence[0]
    assert (result.status, evidence.line) == ("pass", 8), evidence.message
