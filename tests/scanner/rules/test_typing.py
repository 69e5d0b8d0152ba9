"""Focused decisions of the type-safety checks (TYP-001..TYP-008)."""

from __future__ import annotations

from scanner.results import FAIL, NA, PASS, UNKNOWN, WARN
from scanner.rules.typing import (
    Typ001BodiesAreModels,
    Typ002ResponseDeclared,
    Typ003NoUntypedDictResponses,
    Typ004PydanticV2,
    Typ005SeparateSchemas,
    Typ006NoSecretsInResponses,
    Typ007InputConstraints,
    Typ008StrictTyping,
)

from ..rule_harness import run_rule

HEAD = """from typing import Annotated, Any
from fastapi import Body, Depends, FastAPI, Query
from pydantic import BaseModel, Field

app = FastAPI()
"""


def run(rule, tmp_path, code: str | dict[str, str]):
    files = {"app/main.py": code} if isinstance(code, str) else code
    return run_rule(rule, tmp_path, files)


# ---- TYP-001 -----------------------------------------------------------------------------
def test_untyped_and_any_parameters_are_query_parameters_not_bodies(tmp_path):
    result = run(Typ001BodiesAreModels(), tmp_path, HEAD + """
@app.get("/search")
def search(q, filters: Any = None, tags: Annotated[list[str], Query()] = []):
    return []
""")
    assert result.status == PASS


def test_dict_body_points_at_the_def_line(tmp_path):
    result = run(Typ001BodiesAreModels(), tmp_path, HEAD + """
@app.post("/a/{item_id}")
def create(item_id: int,
           payload: dict[str, Any] | None = None):
    return payload
""")
    assert result.status == FAIL
    assert [e.line for e in result.evidence] == [8]
    assert "payload" in result.evidence[0].message


def test_dependency_alias_is_not_a_body(tmp_path):
    result = run(Typ001BodiesAreModels(), tmp_path, HEAD + """
def get_claims() -> dict:
    return {}

Claims = Annotated[dict, Depends(get_claims)]

@app.get("/me")
def me(claims: Claims):
    return claims
""")
    assert result.status == PASS


def test_explicit_untyped_body_fails(tmp_path):
    result = run(Typ001BodiesAreModels(), tmp_path, HEAD + """
@app.post("/hook")
def hook(event=Body(...)):
    return None
""")
    assert result.status == FAIL
    assert "has no type" in result.evidence[0].message


def test_unparsable_app_file_turns_a_pass_into_unknown(tmp_path):
    result = run(Typ001BodiesAreModels(), tmp_path, {
        "app/main.py": HEAD, "app/broken.py": "def broken(:\n    pass\n"})
    assert result.status == UNKNOWN


# ---- TYP-002 -----------------------------------------------------------------------------
def _endpoints(declared: int, undeclared: int) -> str:
    code = HEAD + "\nclass Out(BaseModel):\n    id: int\n"
    for index in range(declared):
        code += f"\n@app.get('/d{index}', response_model=Out)\ndef d{index}():\n    return None\n"
    for index in range(undeclared):
        code += f"\n@app.get('/u{index}')\ndef u{index}():\n    return None\n"
    return code


def test_ninety_percent_declared_passes_inclusively(tmp_path):
    result = run(Typ002ResponseDeclared(), tmp_path, _endpoints(9, 1))
    assert result.status == PASS
    assert result.metric == {"declared": 9, "endpoints": 10}


def test_half_declared_warns_and_below_half_fails(tmp_path):
    assert run(Typ002ResponseDeclared(), tmp_path / "a", _endpoints(1, 1)).status == WARN
    result = run(Typ002ResponseDeclared(), tmp_path / "b", _endpoints(1, 2))
    assert result.status == FAIL
    assert len(result.evidence) == 2


def test_response_model_none_is_not_a_declaration(tmp_path):
    result = run(Typ002ResponseDeclared(), tmp_path, HEAD + """
class Out(BaseModel):
    id: int

@app.get("/x", response_model=None)
def x() -> Out:
    return Out(id=1)
""")
    assert result.status == FAIL


def test_excluded_endpoints_only_gives_not_applicable(tmp_path):
    result = run(Typ002ResponseDeclared(), tmp_path, HEAD + """from fastapi.responses import \\
    StreamingResponse
from starlette import status

@app.delete("/x", status_code=status.HTTP_204_NO_CONTENT)
def x():
    return None

@app.get("/stream", response_class=StreamingResponse)
def stream():
    return None
""")
    assert result.status == NA


def test_router_hidden_from_schema_is_not_counted(tmp_path):
    result = run(Typ002ResponseDeclared(), tmp_path, HEAD + """from fastapi import APIRouter

internal = APIRouter(include_in_schema=False)

@internal.get("/debug")
def debug():
    return None

app.include_router(internal)

class Out(BaseModel):
    id: int

@app.get("/x")
def x() -> list[Out]:
    return []
""")
    assert result.status == PASS
    assert result.metric == {"declared": 1, "endpoints": 1}


TEMPLATE_PAGES = HEAD + """
from fastapi import Request
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates

pages = Jinja2Templates(directory="templates")

@app.get("/")
def index(request: Request):
    return pages.TemplateResponse(request, "index.html", {"title": "Shop"})

@app.get("/about")
async def about(request: Request):
    page = request.app.state.templates.TemplateResponse(request, "about.html", {})
    page.set_cookie("seen", "1")
    return page

def to_home():
    return RedirectResponse("/")

@app.post("/logout")
def logout():
    return RedirectResponse("/")

@app.post("/forget")
def forget():
    return to_home()

@app.get("/mixed")
def mixed(request: Request, ok: bool):
    if ok:
        return pages.TemplateResponse(request, "ok.html", {})
    return {"error": "nope"}
"""


def test_endpoints_that_only_return_pages_or_redirects_need_no_response_model(tmp_path):
    result = run(Typ002ResponseDeclared(), tmp_path, TEMPLATE_PAGES)
    assert result.metric == {"declared": 0, "endpoints": 1}
    assert [e.message for e in result.evidence] == ["GET /mixed declares no response model"]


# ---- TYP-003 -----------------------------------------------------------------------------
def test_a_page_endpoint_that_may_also_return_a_dict_still_counts_for_typ003(tmp_path):
    result = run(Typ003NoUntypedDictResponses(), tmp_path, TEMPLATE_PAGES)
    assert result.metric == {"untyped": 1, "endpoints": 5}



def test_local_dict_returned_fails_at_the_return_line(tmp_path):
    result = run(Typ003NoUntypedDictResponses(), tmp_path, HEAD + """
@app.get("/x")
def x():
    result = {"a": 1}
    return result
""")
    assert result.status == FAIL
    assert result.evidence[0].line == 10


def test_model_return_annotation_filters_dict_returns(tmp_path):
    result = run(Typ003NoUntypedDictResponses(), tmp_path, HEAD + """
class Out(BaseModel):
    a: int

@app.get("/x")
def x() -> Out:
    return {"a": 1}
""")
    assert result.status == PASS


def test_html_page_annotated_any_is_not_an_untyped_dict_response(tmp_path):
    result = run(Typ003NoUntypedDictResponses(), tmp_path, HEAD + """
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

pages = Jinja2Templates(directory="templates")

@app.get("/", response_class=HTMLResponse)
def index(request: Request) -> Any:
    return pages.TemplateResponse(request, "index.html", {"title": "Shop"})

@app.get("/stats")
def stats() -> Any:
    return load_stats()
""")
    assert result.status == FAIL
    assert [e.message for e in result.evidence] == [
        "GET /stats is annotated to return an untyped dict/Any and has no response model"]


# ---- TYP-004 -----------------------------------------------------------------------------
def test_schema_extra_in_model_config_and_from_orm(tmp_path):
    result = run(Typ004PydanticV2(), tmp_path, HEAD + """
class Out(BaseModel):
    model_config = {"schema_extra": {"example": {}}}

def convert(row):
    return Out.from_orm(row)
""")
    assert result.status == FAIL
    messages = " ".join(e.message for e in result.evidence)
    assert "schema_extra" in messages and "from_orm" in messages


def test_dict_method_on_unknown_objects_is_not_judged(tmp_path):
    result = run(Typ004PydanticV2(), tmp_path, HEAD + """
def convert(row, response):
    return row.dict(), response.json()
""")
    assert result.status == PASS


# ---- TYP-005 -----------------------------------------------------------------------------
def test_sqlmodel_table_used_as_body_and_response_fails(tmp_path):
    result = run(Typ005SeparateSchemas(), tmp_path, HEAD + """from sqlmodel import SQLModel

class Hero(SQLModel, table=True):
    id: int | None = None
    name: str

@app.post("/heroes", response_model=Hero)
def create(hero: Hero):
    return hero
""")
    assert result.status == FAIL


# ---- TYP-006 -----------------------------------------------------------------------------
def test_inherited_password_field_points_at_the_base_class(tmp_path):
    result = run(Typ006NoSecretsInResponses(), tmp_path, HEAD + """
class UserBase(BaseModel):
    email: str
    password: str

class UserOut(UserBase):
    id: int

@app.get("/users/{user_id}", response_model=UserOut)
def read(user_id: int):
    return None
""")
    assert result.status == FAIL
    assert result.evidence[0].line == 9
    assert "UserBase.password" in result.evidence[0].message


def test_token_fields_allowed_on_login_endpoints_and_counts_are_not_tokens(tmp_path):
    result = run(Typ006NoSecretsInResponses(), tmp_path, HEAD + """
class Tokens(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int

class Usage(BaseModel):
    prompt_tokens: int
    token_count: int

@app.post("/login", response_model=Tokens)
def sign_in():
    return None

@app.post("/chat")
def chat() -> Usage:
    return Usage(prompt_tokens=1, token_count=1)
""")
    assert result.status == PASS


# ---- TYP-007 -----------------------------------------------------------------------------
def test_half_constrained_input_models_pass_inclusively(tmp_path):
    result = run(Typ007InputConstraints(), tmp_path, HEAD + """from uuid import UUID

class A(BaseModel):
    ref: UUID

class B(BaseModel):
    text: str

@app.post("/a")
def a(body: A, other: B):
    return None
""")
    assert result.status == PASS
    assert result.metric == {"constrained": 1, "input_models": 2}


def test_no_input_models_is_not_applicable(tmp_path):
    result = run(Typ007InputConstraints(), tmp_path, HEAD + """
@app.get("/a")
def a(q: str = Query(max_length=5)):
    return None
""")
    assert result.status == NA


# ---- TYP-008 -----------------------------------------------------------------------------
CI = """on: [push]
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - run: {command}
"""


def test_mypy_strict_flag_in_ci_counts_as_strict(tmp_path):
    result = run(Typ008StrictTyping(), tmp_path, {
        "app/main.py": HEAD, ".github/workflows/ci.yml": CI.format(command="mypy --strict app")})
    assert result.status == PASS


def test_trio_of_flags_is_strict_and_precommit_run_counts(tmp_path):
    result = run(Typ008StrictTyping(), tmp_path, {
        "app/main.py": HEAD,
        "setup.cfg": "[mypy]\ndisallow_untyped_defs = True\ndisallow_any_generics = True\n"
                     "warn_return_any = True\n",
        ".pre-commit-config.yaml": "repos:\n  - repo: https://github.com/pre-commit/mirrors-mypy\n"
                                  "    rev: v1.10.0\n    hooks:\n      - id: mypy\n",
        ".github/workflows/ci.yml": CI.format(command="pre-commit run --all-files"),
    })
    assert result.status == PASS
    assert any("pre-commit" in e.message for e in result.evidence)


def test_ci_run_without_any_configuration_warns(tmp_path):
    result = run(Typ008StrictTyping(), tmp_path, {
        "app/main.py": HEAD, ".github/workflows/ci.yml": CI.format(command="pyright")})
    assert result.status == WARN
