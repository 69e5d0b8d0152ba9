"""Focused decisions of the error-handling checks (ERR-001..ERR-006)."""

from __future__ import annotations

from scanner.results import FAIL, NA, PASS, UNKNOWN, WARN
from scanner.rules.errors import (
    Err001ErrorHierarchy,
    Err002GlobalHandler,
    Err003StructuredErrorBody,
    Err004DomainErrors,
    Err005NoInternalsInResponses,
    Err006ErrorMonitoring,
)

from ..rule_harness import run_rule

HEAD = """from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse

app = FastAPI()
"""
ERRORS = """
class AppError(Exception):
    code = "error"
    message = "error"


class NotFoundError(AppError):
    pass
"""


def run(rule, tmp_path, code: str | dict[str, str]):
    files = {"app/main.py": code} if isinstance(code, str) else code
    return run_rule(rule, tmp_path, files)


def test_hierarchy_in_other_module_passes(tmp_path):
    result = run(Err001ErrorHierarchy(), tmp_path, {
        "app/main.py": HEAD, "app/core/errors.py": ERRORS})
    assert result.status == PASS
    assert result.evidence[0].path == "app/core/errors.py"


def test_exception_classes_in_tests_do_not_count(tmp_path):
    result = run(Err001ErrorHierarchy(), tmp_path, {
        "app/main.py": HEAD, "tests/test_errors.py": ERRORS})
    assert result.status == FAIL


def test_handler_registered_in_helper_taking_the_app(tmp_path):
    result = run(Err002GlobalHandler(), tmp_path, {
        "app/main.py": HEAD + "from app.errors import register\n\nregister(app)\n",
        "app/errors.py": ERRORS + """
from fastapi import FastAPI
from fastapi.responses import JSONResponse


async def on_error(request, exc: AppError):
    return JSONResponse(status_code=400, content={"code": exc.code, "message": exc.message})


def register(application: FastAPI) -> None:
    application.add_exception_handler(AppError, on_error)
"""})
    assert result.status == PASS


def test_handlers_registered_in_a_loop_are_undecided_not_a_warning(tmp_path):
    result = run(Err002GlobalHandler(), tmp_path, {
        "app/main.py": HEAD + """from app.errors import HANDLERS

for error_class, handler in HANDLERS.items():
    app.add_exception_handler(error_class, handler)
""",
        "app/errors.py": ERRORS + """
from fastapi.responses import JSONResponse


async def on_not_found(request, exc):
    return JSONResponse(status_code=404, content={"code": "not_found", "message": "x"})


HANDLERS = {NotFoundError: on_not_found}
"""})
    assert result.status == UNKNOWN
    assert [e.message for e in result.evidence] == [
        "a handler is registered for `error_class`, whose exception class cannot be told "
        "from the code"]


def test_handler_registered_from_an_attribute_of_a_loop_variable_is_unknown(tmp_path):
    result = run(Err002GlobalHandler(), tmp_path, HEAD + """
class Registration:
    def __init__(self, error_class, answer):
        self.error_class, self.answer = error_class, answer


REGISTRATIONS = []

for entry in REGISTRATIONS:
    app.add_exception_handler(entry.error_class, entry.answer)
""")
    assert result.status == UNKNOWN
    assert [e.message for e in result.evidence] == [
        "a handler is registered for `entry.error_class`, whose exception class cannot be "
        "told from the code"]


def test_handler_for_a_builtin_error_only_warns(tmp_path):
    result = run(Err002GlobalHandler(), tmp_path, HEAD + """
async def on_value_error(request, exc):
    return JSONResponse(status_code=400, content={"code": "bad", "message": "x"})

app.add_exception_handler(ValueError, on_value_error)
""")
    assert result.status == WARN


def test_status_500_handler_counts_as_global(tmp_path):
    result = run(Err002GlobalHandler(), tmp_path, HEAD + """
async def on_500(request, exc):
    return JSONResponse(status_code=500, content={"code": "internal", "message": "x"})

app.add_exception_handler(500, on_500)
""")
    assert result.status == PASS


def test_middleware_that_catches_only_value_error_is_not_global(tmp_path):
    result = run(Err002GlobalHandler(), tmp_path, HEAD + """
@app.middleware("http")
async def errors(request: Request, call_next):
    try:
        return await call_next(request)
    except ValueError:
        return JSONResponse(status_code=400, content={})
""")
    assert result.status == FAIL


def test_structured_body_is_na_without_handlers(tmp_path):
    assert run(Err003StructuredErrorBody(), tmp_path, HEAD).status == NA


def test_structured_body_through_a_method_of_the_error(tmp_path):
    result = run(Err003StructuredErrorBody(), tmp_path, HEAD + """
class AppError(Exception):
    def to_dict(self) -> dict:
        return {"error_code": "x", "message": "y"}


@app.exception_handler(AppError)
async def on_error(request: Request, exc: AppError):
    return JSONResponse(status_code=400, content=exc.to_dict())
""")
    assert result.status == PASS


def test_unreadable_body_is_unknown(tmp_path):
    result = run(Err003StructuredErrorBody(), tmp_path, HEAD + ERRORS + """

@app.exception_handler(AppError)
async def on_error(request: Request, exc: AppError):
    return build_response(exc)
""")
    assert result.status == UNKNOWN


def test_bare_string_share_edges(tmp_path):
    base = HEAD + ERRORS + "\n\ndef f(x):\n"
    three_domain = "    if x == 1:\n        raise NotFoundError()\n" * 3
    bare = "    raise HTTPException(404, 'missing')\n"
    warn = run(Err004DomainErrors(), tmp_path / "warn", base + three_domain + "    if x:\n"
               "        raise NotFoundError()\n" + bare)
    assert warn.status == WARN and warn.metric == {"bare_string": 1, "raises": 5}
    fail = run(Err004DomainErrors(), tmp_path / "fail", base + three_domain + bare)
    assert fail.status == FAIL and fail.metric == {"bare_string": 1, "raises": 4}


def test_detail_keyword_and_string_building(tmp_path):
    result = run(Err004DomainErrors(), tmp_path, HEAD + """
def f(name):
    raise HTTPException(status_code=404, detail="no " + name)
""")
    assert result.status == FAIL
    assert result.evidence[0].line == 7


def test_raise_of_a_module_level_http_exception_is_judged_by_its_construction(tmp_path):
    result = run(Err004DomainErrors(), tmp_path, {
        "app/main.py": HEAD,
        "app/auth.py": """from fastapi import HTTPException

credentials_error = HTTPException(status_code=401, detail="Invalid token")
""",
        "app/deps.py": """from app.auth import credentials_error


def check(token: str) -> None:
    if not token:
        raise credentials_error
""",
    })
    assert result.status == FAIL and result.metric == {"bare_string": 1, "raises": 1}
    assert (result.evidence[0].path, result.evidence[0].line) == ("app/deps.py", 6)


def test_raise_of_a_parameter_is_not_followed_to_a_global_of_that_name(tmp_path):
    result = run(Err004DomainErrors(), tmp_path, HEAD + """
error = HTTPException(status_code=401, detail="Invalid token")


def reraise(error: Exception) -> None:
    raise error
""")
    assert result.status == PASS


def test_str_of_exception_in_a_json_response_of_a_route(tmp_path):
    result = run(Err005NoInternalsInResponses(), tmp_path, HEAD + """
@app.get("/x")
def x():
    try:
        work()
    except Exception as err:
        return JSONResponse(status_code=500, content={"error": str(err)})
""")
    assert result.status == FAIL
    assert result.evidence[0].line == 11


def test_str_of_unrelated_value_is_fine(tmp_path):
    result = run(Err005NoInternalsInResponses(), tmp_path, HEAD + """
@app.get("/x/{item_id}")
def x(item_id: int):
    try:
        work()
    except KeyError:
        raise HTTPException(status_code=404, detail=str(item_id))
""")
    assert result.status == PASS


def test_dockerfile_wrapper_counts_as_reporter(tmp_path):
    result = run(Err006ErrorMonitoring(), tmp_path, {
        "app/main.py": HEAD,
        "Dockerfile": "FROM python:3.12\nCOPY . .\nCMD [\"ddtrace-run\", \"uvicorn\", "
                      "\"app.main:app\"]\n"})
    assert result.status == PASS
    assert result.evidence[0].path == "Dockerfile"


def test_rollbar_init(tmp_path):
    result = run(Err006ErrorMonitoring(), tmp_path, HEAD + "import rollbar\n\n"
                 "rollbar.init('token', environment='prod')\n")
    assert result.status == PASS
