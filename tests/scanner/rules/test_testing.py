"""Focused tests of the testing checks (TST-001..TST-009) and the endpoint test mapping."""

from __future__ import annotations

import pytest

from scanner.engine import analyse
from scanner.rules import testing
from scanner.rules.testing import RULES, annotate_endpoint_tests

from ..rule_harness import run_rule, write_tree

APP = testing.APP


def _examples():
    for cls in RULES:
        for kind, examples in (("valid", cls.VALID), ("invalid", cls.INVALID)):
            for index, example in enumerate(examples):
                yield pytest.param(cls, example, id=f"{cls.id}-{kind}-{example.name or index}")


@pytest.mark.parametrize(("rule_class", "example"), list(_examples()))
def test_examples(rule_class, example, tmp_path):
    result = run_rule(rule_class(), tmp_path, example.tree())
    assert result.status == example.expect, [e.message for e in result.evidence]


def _check(rule_class, tmp_path, files):
    return run_rule(rule_class(), tmp_path, files)


ROUTES = """from fastapi import APIRouter, FastAPI

router = APIRouter(prefix="/users")


@router.get("/me")
def me() -> dict:
    return {}


@router.get("/{user_id}")
def get_user(user_id: int) -> dict:
    return {}


@router.patch("/{user_id}")
def patch_user(user_id: int) -> dict:
    return {}


app = FastAPI()
app.include_router(router, prefix="/api")


@app.get("/items/{item_id}/files/{name:path}")
def get_file(item_id: int, name: str) -> dict:
    return {}
"""

MAPPING_TESTS = """import pytest
from httpx import ASGITransport, AsyncClient

from app.main import app

BASE = "/api/users"


@pytest.fixture
async def api():
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as ac:
        yield ac


async def test_me(api):
    await api.get("/api/users/me")


async def test_user(api):
    uid = 7
    await api.get(f"{BASE}/{uid}")


async def test_patch(api):
    await api.request("PATCH", "/api/users/3?x=1")


async def test_file(api):
    await api.get("/items/1/files/a/b.txt")


def test_not_a_client(redis):
    redis.get("/api/users/me")
"""


def _project(tmp_path, files):
    write_tree(tmp_path, files)
    return analyse(tmp_path, rules=[], jobs=1).project


def test_endpoint_mapping_by_method_and_path_template(tmp_path):
    project = _project(tmp_path, {"app/main.py": ROUTES, "tests/test_users.py": MAPPING_TESTS})
    annotate_endpoint_tests(project)
    annotate_endpoint_tests(project)  # idempotent
    by_label = {e.label(): e.extra["tested_by"] for e in project.service.endpoints}
    assert by_label == {
        "GET /api/users/me": ["tests/test_users.py:16"],
        "GET /api/users/{user_id}": ["tests/test_users.py:21"],
        "PATCH /api/users/{user_id}": ["tests/test_users.py:25"],
        "GET /items/{item_id}/files/{name:path}": ["tests/test_users.py:29"],
    }


def test_a_request_to_a_wholly_unknown_path_maps_to_no_endpoint(tmp_path):
    parametrized = """import pytest
from fastapi.testclient import TestClient

from app.main import app

client = TestClient(app)


@pytest.mark.parametrize("path", ["/api/users/me", "/api/users/7"])
def test_query_string(path):
    client.get(f"{path}?verbose=1")


def test_me():
    client.get("/api/users/me")
"""
    project = _project(tmp_path, {"app/main.py": ROUTES, "tests/test_users.py": parametrized})
    annotate_endpoint_tests(project)
    tested = {e.label(): e.extra["tested_by"] for e in project.service.endpoints
              if e.extra["tested_by"]}
    assert tested == {"GET /api/users/me": ["tests/test_users.py:15"]}


def test_untested_endpoints_get_an_empty_list(tmp_path):
    project = _project(tmp_path, {"app/main.py": ROUTES})
    annotate_endpoint_tests(project)
    assert all(e.extra["tested_by"] == [] for e in project.service.endpoints)


NO_TESTS = {"app/main.py": APP, ".github/workflows/ci.yml": testing.GH_PYTEST}


@pytest.mark.parametrize("rule_class", RULES[1:], ids=lambda c: c.id)
def test_everything_after_tst001_is_na_without_tests(rule_class, tmp_path):
    result = _check(rule_class, tmp_path, NO_TESTS)
    assert result.status == "na"
    assert "no test functions found" in result.evidence[0].message


def test_tst009_is_na_without_ci(tmp_path):
    files = {"app/main.py": APP, "tests/test_items.py": testing.CLIENT_TEST}
    assert _check(testing.Tst009CiRunsTests, tmp_path, files).status == "na"


def test_tst009_is_unknown_for_an_unfollowable_test_target(tmp_path):
    files = {"app/main.py": APP, "tests/test_items.py": testing.CLIENT_TEST,
             ".github/workflows/ci.yml": testing.GH_PYTEST.replace("pytest -q", "hatch run test")}
    assert _check(testing.Tst009CiRunsTests, tmp_path, files).status == "unknown"


def _sad_suite(sad: int, total: int) -> str:
    lines = ["from fastapi.testclient import TestClient", "from app.main import app",
             "client = TestClient(app)"]
    for index in range(total):
        code = 404 if index < sad else 200
        lines += [f"def test_{index}():",
                  f"    assert client.get('/items/{index}').status_code == {code}"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("sad", "total", "status"), [(3, 10, "pass"), (2, 10, "warn"),
                                                      (0, 4, "fail")])
def test_tst004_threshold_is_inclusive(sad, total, status, tmp_path):
    files = {"app/main.py": APP, "tests/test_items.py": _sad_suite(sad, total)}
    result = _check(testing.Tst004SadPathsTested, tmp_path, files)
    assert result.status == status
    assert result.metric == {"sad_path": sad, "endpoint_tests": total}


def test_tst004_is_na_without_endpoint_tests(tmp_path):
    files = {"app/main.py": APP, "tests/test_x.py": "def test_x():\n    assert 1\n"}
    assert _check(testing.Tst004SadPathsTested, tmp_path, files).status == "na"


def test_tst004_counts_pytest_raises_and_unittest_asserts(tmp_path):
    suite = (
        "import pytest\nimport unittest\nfrom fastapi.testclient import TestClient\n"
        "from app.main import app\n\n\ndef test_raise():\n    with pytest.raises(ValueError):\n"
        "        TestClient(app).get('/items/1')\n\n\nclass TestX(unittest.TestCase):\n"
        "    def setUp(self):\n        self.client = TestClient(app)\n\n"
        "    def test_missing(self):\n        r = self.client.get('/items/x')\n"
        "        self.assertEqual(r.status_code, 422)\n")
    files = {"app/main.py": APP, "tests/test_items.py": suite}
    result = _check(testing.Tst004SadPathsTested, tmp_path, files)
    assert (result.status, result.metric) == ("pass", {"sad_path": 2, "endpoint_tests": 2})


def test_tst006_is_na_without_a_database(tmp_path):
    files = {"app/main.py": APP, "tests/test_items.py": testing.CLIENT_TEST}
    assert _check(testing.Tst006IsolatedTestDatabase, tmp_path, files).status == "na"


def test_tst006_local_compose_host_is_a_test_database(tmp_path):
    rule = testing.Tst006IsolatedTestDatabase
    files = {"app/main.py": rule.DB_APP, "tests/test_items.py": testing.CLIENT_TEST,
             "tests/conftest.py": "TEST_DB = 'postgresql+asyncpg://u:p@db:5432/app_test'\n"}
    result = _check(rule, tmp_path, files)
    assert result.status == "pass"
    assert result.evidence[0].path == "tests/conftest.py" and result.evidence[0].line == 1


def test_tst003_fails_pointing_at_unmarked_async_tests(tmp_path):
    files = {"app/main.py": APP, "tests/test_a.py": "async def test_a():\n    assert 1\n"}
    result = _check(testing.Tst003AsyncTests, tmp_path, files)
    assert result.status == "fail"
    assert (result.evidence[0].path, result.evidence[0].line) == ("tests/test_a.py", 1)


def test_tst005_picks_the_highest_gate_and_reports_it(tmp_path):
    files = {"app/main.py": APP, "tests/test_items.py": testing.CLIENT_TEST,
             "setup.cfg": "[coverage:report]\nfail_under = 70\n",
             "pytest.ini": "[pytest]\naddopts = --cov-fail-under=80\n"}
    result = _check(testing.Tst005CoverageGate, tmp_path, files)
    assert (result.status, result.metric) == ("pass", {"fail_under": 80.0})


def test_tst006_example_com_host_is_remote_but_test_tld_is_local(tmp_path):
    rule = testing.Tst006IsolatedTestDatabase
    remote = {"app/main.py": rule.DB_APP, "tests/test_items.py": testing.CLIENT_TEST,
              "tests/conftest.py": "URL = 'postgresql://u@db.staging.example.com/app'\n"}
    assert _check(rule, tmp_path / "a", remote).status == "fail"
    local = dict(remote, **{"tests/conftest.py": "URL = 'postgresql://u@db.ci.test/app'\n"})
    assert _check(rule, tmp_path / "b", local).status == "pass"
