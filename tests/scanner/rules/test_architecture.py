"""ARC-001 .. ARC-005: the tricky decisions (examples run in test_rule_examples.py)."""

from __future__ import annotations

from scanner.results import FAIL, PASS, WARN
from scanner.rules import architecture
from scanner.rules.architecture import (
    Arc001FactoryAndLifespan,
    Arc002FeatureModules,
    Arc003ThinRouters,
    Arc004DependencyInjection,
    Arc005ConsistentAsync,
)

from ..rule_harness import run_rule

HEAD = "from fastapi import FastAPI\n\napp = FastAPI()\n"
SYNC_DB = '''from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql://app@db/app")
SessionLocal = sessionmaker(bind=engine)


def get_db():
    with SessionLocal() as db:
        yield db
'''


def test_rules_are_listed_in_rules_md_order_all_p1():
    assert [r.id for r in architecture.RULES] == [f"ARC-00{i}" for i in range(1, 6)]
    assert all(r.dimension == "architecture" and r.priority == "P1"
               for r in architecture.RULES)
    assert Arc001FactoryAndLifespan.tags == ("arch",)
    assert Arc003ThinRouters.tags == ("arch#5", "mistake#2")


# ---- ARC-001 -----------------------------------------------------------------------------
def test_arc001_router_on_event_and_app_router_hooks_fail(tmp_path):
    main = HEAD + '''from fastapi import APIRouter

router = APIRouter()


@router.on_event("startup")
async def warm():
    pass


app.router.add_event_handler("shutdown", warm)
app.include_router(router)
'''
    result = run_rule(Arc001FactoryAndLifespan(), tmp_path, {"app/main.py": main})
    assert result.status == FAIL
    assert [e.line for e in result.evidence] == [9, 14]


def test_arc001_on_startup_kwarg_is_the_same_event_mechanism(tmp_path):
    main = '''from fastapi import FastAPI


async def connect():
    pass


app = FastAPI(on_startup=[connect])
'''
    result = run_rule(Arc001FactoryAndLifespan(), tmp_path, {"app/main.py": main})
    assert result.status == FAIL and result.evidence[0].line == 8


def test_arc001_on_event_of_another_library_is_not_an_app_hook(tmp_path):
    main = HEAD + '''import socketio

sio = socketio.AsyncServer()
sio.on_event("connect", lambda sid: None)
'''
    result = run_rule(Arc001FactoryAndLifespan(), tmp_path, {"app/main.py": main})
    assert result.status == WARN  # module-level app, no FastAPI event hook
    assert result.evidence[0].line == 3


def test_arc001_on_event_inside_a_factory_on_the_parameter_app_fails(tmp_path):
    events = '''from fastapi import FastAPI


def register_events(app: FastAPI) -> None:
    app.add_event_handler("startup", lambda: None)
'''
    main = '''from fastapi import FastAPI

from app.events import register_events


def create_app() -> FastAPI:
    application = FastAPI()
    register_events(application)
    return application
'''
    result = run_rule(Arc001FactoryAndLifespan(), tmp_path,
                      {"app/events.py": events, "app/main.py": main})
    assert result.status == FAIL and result.evidence[0].path == "app/events.py"


def test_arc001_factory_pass_points_at_the_factory_def(tmp_path):
    main = '''from fastapi import FastAPI


def create_app() -> FastAPI:
    return_value = FastAPI()
    return return_value


app = create_app()
'''
    result = run_rule(Arc001FactoryAndLifespan(), tmp_path, {"app/main.py": main})
    assert result.status == PASS and result.evidence[0].line == 4


# ---- ARC-002 -----------------------------------------------------------------------------
def _routes(count: int, receiver: str = "app") -> str:
    return "".join(f'\n\n@{receiver}.get("/r{i}")\nasync def r{i}():\n    return {i}\n'
                   for i in range(count))


def test_arc002_a_router_included_twice_counts_its_routes_once(tmp_path):
    items = "from fastapi import APIRouter\n\nrouter = APIRouter()\n" + _routes(15, "router")
    main = HEAD + ('from app.items import router\n\napp.include_router(router, prefix="/v1")\n'
                   'app.include_router(router, prefix="/v2")\n')
    files = {"app/items.py": items, "app/main.py": main}
    result = run_rule(Arc002FeatureModules(), tmp_path, files)
    assert result.status == PASS
    assert result.metric["most_routes"] == 15


def test_arc002_exactly_800_lines_passes_and_evidence_names_each_module(tmp_path):
    files = {"app/main.py": HEAD, "app/ok.py": "x = 1\n" * 800,
             "app/big.py": "x = 1\n" * 801, "app/huge.py": "x = 1\n" * 900}
    result = run_rule(Arc002FeatureModules(), tmp_path, files)
    assert result.status == WARN
    assert sorted(e.path for e in result.evidence) == ["app/big.py", "app/huge.py"]


def test_arc002_routes_evidence_points_at_the_21st_route(tmp_path):
    result = run_rule(Arc002FeatureModules(), tmp_path, {"app/main.py": HEAD + _routes(22)})
    assert result.status == WARN
    (evidence,) = result.evidence
    assert "22 routes" in evidence.message and evidence.snippet == "async def r20():"


def test_arc002_tests_are_not_app_code(tmp_path):
    files = {"app/main.py": HEAD, "tests/test_big.py": "x = 1\n" * 1000}
    assert run_rule(Arc002FeatureModules(), tmp_path, files).status == PASS


# ---- ARC-003 -----------------------------------------------------------------------------
def test_arc003_evidence_at_the_def_line_with_the_count(tmp_path):
    body = "".join(f"    a{i} = {i}\n" for i in range(31))
    main = HEAD + f'\n\n@app.get("/x")\nasync def fat():\n{body}'
    result = run_rule(Arc003ThinRouters(), tmp_path, {"app/main.py": main})
    assert result.status == WARN
    assert result.evidence[0].line == 7 and "31 statements" in result.evidence[0].message
    assert result.metric == {"fat_endpoints": 1, "endpoints": 1}


def test_arc003_long_helper_functions_are_not_endpoints(tmp_path):
    body = "".join(f"    a{i} = {i}\n" for i in range(40))
    main = HEAD + f'\n\ndef helper():\n{body}\n\n@app.get("/x")\nasync def thin():\n' \
        '    return helper()\n'
    assert run_rule(Arc003ThinRouters(), tmp_path, {"app/main.py": main}).status == PASS


# ---- ARC-004 -----------------------------------------------------------------------------
def test_arc004_a_parameter_named_like_the_global_shadows_it(tmp_path):
    main = HEAD + '''from fastapi import Depends
from sqlalchemy import text

from app.db import SessionLocal, get_db

db = SessionLocal()


@app.get("/items")
def items(db=Depends(get_db)):
    return db.execute(text("SELECT 1")).all()
'''
    result = run_rule(Arc004DependencyInjection(), tmp_path,
                      {"app/db.py": SYNC_DB, "app/main.py": main})
    assert result.status == PASS


def test_arc004_one_finding_per_endpoint_at_its_def_line(tmp_path):
    db = SYNC_DB + "\n\nsession = Session(engine)\n"
    main = HEAD + '''from sqlalchemy import text

from app.db import session


@app.get("/a")
async def a():
    session.execute(text("SELECT 1"))
    return session.execute(text("SELECT 2")).all()


@app.get("/b")
def b():
    return {"ok": True}
'''
    result = run_rule(Arc004DependencyInjection(), tmp_path, {"app/db.py": db, "app/main.py": main})
    assert result.status == FAIL
    assert [e.line for e in result.evidence] == [10]
    assert "app/db.py:13" in result.evidence[0].message
    assert result.metric == {"direct": 1, "endpoints": 2}


def test_arc004_module_level_engine_and_session_factory_are_not_sessions(tmp_path):
    main = HEAD + '''from sqlalchemy import text

from app.db import SessionLocal, engine


@app.get("/a")
def a():
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    with SessionLocal() as session:
        return session.execute(text("SELECT 2")).all()
'''
    result = run_rule(Arc004DependencyInjection(), tmp_path,
                      {"app/db.py": SYNC_DB, "app/main.py": main})
    assert result.status == PASS


def test_arc004_other_module_level_objects_are_not_services(tmp_path):
    main = HEAD + '''

class ConnectionManager:
    def broadcast(self, text):
        return text


manager = ConnectionManager()


@app.get("/a")
async def a():
    return manager.broadcast("x")
'''
    assert run_rule(Arc004DependencyInjection(), tmp_path, {"app/main.py": main}).status == PASS


# ---- ARC-005 -----------------------------------------------------------------------------
def test_arc005_half_async_is_not_an_async_app(tmp_path):
    main = HEAD + '''import requests


@app.get("/a")
async def a():
    return 1


@app.get("/b")
def b():
    return requests.get("https://example.com", timeout=5).json()
'''
    result = run_rule(Arc005ConsistentAsync(), tmp_path, {"app/main.py": main})
    assert result.status == PASS and result.metric == {"async": 1, "endpoints": 2}


def test_arc005_evidence_at_the_def_line_naming_the_call(tmp_path):
    main = HEAD + '''import time


@app.get("/a")
async def a():
    return 1


@app.get("/b")
async def b():
    return 2


@app.get("/slow")
def slow():
    time.sleep(1)
    return 3
'''
    result = run_rule(Arc005ConsistentAsync(), tmp_path, {"app/main.py": main})
    assert result.status == WARN
    assert result.evidence[0].line == 18 and "time.sleep" in result.evidence[0].message
