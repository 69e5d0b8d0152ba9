"""PERF-001 .. PERF-006: examples plus the tricky decisions."""

from __future__ import annotations

import pytest

from scanner.rules import performance

from ..rule_harness import run_rule


def _examples():
    for cls in performance.RULES:
        for example in [*cls.VALID, *cls.INVALID]:
            yield pytest.param(cls, example, id=f"{cls.id}-{example.name}")


@pytest.mark.parametrize(("rule_class", "example"), list(_examples()))
def test_examples_give_their_expected_status(rule_class, example, tmp_path):
    result = run_rule(rule_class(), tmp_path, example.tree())
    assert result.status == example.expect, [e.message for e in result.evidence]


def test_rules_are_listed_in_rules_md_order():
    assert [r.id for r in performance.RULES] == [f"PERF-00{i}" for i in range(1, 7)]
    assert all(r.dimension == "performance" for r in performance.RULES)


from scanner.results import FAIL, NA, PASS, WARN  # noqa: E402
from scanner.rules.performance import (  # noqa: E402
    Perf001NoBlockingInAsync,
    Perf002Pagination,
    Perf003BackgroundWork,
    Perf006Profiling,
)

HEAD = "from fastapi import FastAPI\n\napp = FastAPI()\n"


def test_perf001_points_at_each_call_and_ignores_a_local_named_requests(tmp_path):
    main = HEAD + '''import subprocess


@app.get("/x")
async def x(requests: list[str]):
    requests.get(0)
    subprocess.run(["ls"])
    return subprocess.check_output(
        ["ls"],
    )
'''
    result = run_rule(Perf001NoBlockingInAsync(), tmp_path, {"app/main.py": main})
    assert result.status == FAIL
    assert [e.line for e in result.evidence] == [10, 11]
    assert result.metric == {"blocking_calls": 2}


def test_perf001_nested_sync_def_and_awaited_calls_are_not_on_the_loop(tmp_path):
    main = HEAD + '''import asyncio
import time


@app.get("/x")
async def x():
    def work():
        time.sleep(1)
    await asyncio.to_thread(work)
    return 1
'''
    assert run_rule(Perf001NoBlockingInAsync(), tmp_path, {"app/main.py": main}).status == PASS


def test_perf001_helper_called_from_async_is_not_followed(tmp_path):
    tree = {"app/rates.py": "import requests\n\n\ndef rate():\n"
                            "    return requests.get('https://x', timeout=5)\n",
            "app/main.py": HEAD + "from app.rates import rate\n\n\n@app.get('/r')\n"
                                  "async def r():\n    return rate()\n"}
    assert run_rule(Perf001NoBlockingInAsync(), tmp_path, tree).status == PASS


def test_perf002_na_without_list_endpoints_and_post_lists_ignored(tmp_path):
    main = HEAD + '''

@app.post("/bulk")
async def bulk() -> list[int]:
    return []


@app.get("/one")
async def one() -> dict:
    return {}
'''
    assert run_rule(Perf002Pagination(), tmp_path, {"app/main.py": main}).status == NA


def test_perf002_outside_page_model_by_name_and_path_param_is_not_pagination(tmp_path):
    main = HEAD + '''from fastapi_pagination import Page as LibPage
from some_lib import PaginatedItems


@app.get("/a", response_model=LibPage[int])
async def a():
    return []


@app.get("/pages/{page_id}/items", response_model=PaginatedItems)
async def b(page_id: int):
    return []
'''
    result = run_rule(Perf002Pagination(), tmp_path, {"app/main.py": main})
    assert result.status == WARN
    assert result.metric == {"paginated": 1, "list_endpoints": 2}
    assert result.evidence[0].line == 14  # the def line of `b`


def test_perf002_customised_library_page_brings_its_own_parameters(tmp_path):
    main = HEAD + '''from fastapi import Query
from fastapi_pagination import Page, add_pagination, paginate

ShortPage = Page.with_custom_options(size=Query(10, le=50))


@app.get("/tags", response_model=ShortPage[str])
async def tags():
    return paginate(["a", "b"])


add_pagination(app)
'''
    result = run_rule(Perf002Pagination(), tmp_path, {"app/main.py": main})
    assert result.status == PASS
    assert result.metric == {"paginated": 1, "list_endpoints": 1}


def test_perf002_pydantic_query_model_counts(tmp_path):
    main = HEAD + '''from typing import Annotated

from fastapi import Query
from pydantic import BaseModel


class Filters(BaseModel):
    limit: int = 20
    name: str | None = None


@app.get("/items")
async def items(filters: Annotated[Filters, Query()]) -> list[int]:
    return []
'''
    assert run_rule(Perf002Pagination(), tmp_path, {"app/main.py": main}).status == PASS


def test_perf003_response_subclass_taking_a_background_task_is_no_background_work(tmp_path):
    main = HEAD + '''from fastapi.responses import JSONResponse
from starlette.background import BackgroundTask


class TimedResponse(JSONResponse):
    def __init__(self, content, status_code: int = 200,
                 background: BackgroundTask | None = None) -> None:
        super().__init__(content, status_code, background=background)


@app.get("/items")
async def items():
    return TimedResponse([])
'''
    assert run_rule(Perf003BackgroundWork(), tmp_path, {"app/main.py": main}).status == NA


def test_perf003_na_when_no_background_work_and_no_email(tmp_path):
    main = HEAD + "\n\n@app.get('/x')\nasync def x():\n    return 1\n"
    assert run_rule(Perf003BackgroundWork(), tmp_path, {"app/main.py": main}).status == NA


def test_perf006_ignores_a_sibling_services_locustfile(tmp_path):
    tree = {"services/a/pyproject.toml": "[project]\nname='a'\nversion='0'\n",
            "services/a/app/main.py": HEAD + "\n\n@app.get('/x')\nasync def x():\n    return 1\n",
            "services/b/pyproject.toml": "[project]\nname='b'\nversion='0'\n",
            "services/b/locustfile.py": "from locust import HttpUser\n"}
    from scanner.engine import analyse

    from ..rule_harness import write_tree
    write_tree(tmp_path, tree)
    analysis = analyse(tmp_path, app_root="services/a", rules=[Perf006Profiling()], jobs=1)
    assert analysis.results[0].status == FAIL


def test_perf004_points_at_the_first_use_of_a_cache_client_only_annotated(tmp_path):
    code = HEAD + ("from redis.asyncio import Redis\n\n\n"
                   "class Cache:\n    client: Redis\n")
    result = run_rule(performance.Perf004Caching(), tmp_path, {"app/main.py": code})
    assert result.status == PASS
    evidence = result.evidence[0]
    assert (evidence.path, evidence.line, evidence.message) == ("app/main.py", 8, "`redis` used")


def test_perf003_task_queue_evidence_skips_a_module_that_only_imports_it(tmp_path):
    files = {
        "app/main.py": HEAD,
        "app/a_types.py": "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
                          "    from dramatiq import Actor\n",
        "app/tasks.py": "import dramatiq\n\n\n@dramatiq.actor\ndef send(to):\n    return to\n",
    }
    result = run_rule(Perf003BackgroundWork(), tmp_path, files)
    assert [(e.path, e.line) for e in result.evidence] == [("app/tasks.py", 5)]
