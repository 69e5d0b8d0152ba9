"""Focused tests of the documentation checks (DOC-001..DOC-005)."""

from __future__ import annotations

import pytest

from scanner.rules import documentation as doc

from ..rule_harness import run_rule

IMPORTS = "from fastapi import FastAPI\nfrom pydantic import BaseModel, Field\n\n"
SETTINGS = ("from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n"
            "    PROJECT_NAME: str = 'Shop'\n    DOCS_URL: str = '/docs'\n"
            "    OPENAPI_URL: str | None = '/openapi.json'\n\n\nsettings = Settings()\n")


def _check(rule_class, tmp_path, files):
    return run_rule(rule_class(), tmp_path, files)


def _endpoints(decorations: list[str]) -> str:
    """An app with one GET endpoint per entry: `(kwargs, docstring)` joined as text."""
    code = IMPORTS + "app = FastAPI()\n"
    for index, extra in enumerate(decorations):
        kwargs, _, docstring = extra.partition("|")
        body = f'    """{docstring}"""\n' if docstring else "    return {}\n"
        code += f"\n\n@app.get('/e{index}'{kwargs})\ndef e{index}():\n{body}"
    return code


# ---- DOC-001 ---------------------------------------------------------------------------
def test_doc001_title_from_settings_and_description_only(tmp_path):
    main = ("from fastapi import FastAPI\n\nfrom app.config import settings\n\n"
            "app = FastAPI(title=settings.PROJECT_NAME, description='Shop backend')\n")
    result = _check(doc.Doc001ApiMetadata, tmp_path, {"app/main.py": main,
                                                      "app/config.py": SETTINGS})
    assert (result.status, result.evidence[0].line) == ("pass", 5)


def test_doc001_description_only_warns(tmp_path):
    main = "from fastapi import FastAPI\n\napp = FastAPI(\n    description='Shop backend',\n)\n"
    result = _check(doc.Doc001ApiMetadata, tmp_path, {"app/main.py": main})
    assert (result.status, result.evidence[0].line) == ("warn", 3)


def test_doc001_empty_title_is_not_a_title(tmp_path):
    main = "from fastapi import FastAPI\n\nTITLE = ''\napp = FastAPI(title=TITLE, version='1')\n"
    assert _check(doc.Doc001ApiMetadata, tmp_path, {"app/main.py": main}).status == "warn"


def test_doc001_unreadable_kwargs_dict_is_unknown(tmp_path):
    main = ("from fastapi import FastAPI\n\nfrom app.meta import build_kwargs\n\n"
            "app = FastAPI(**build_kwargs())\n")
    files = {"app/main.py": main, "app/meta.py": "def build_kwargs():\n    return {}\n"}
    assert _check(doc.Doc001ApiMetadata, tmp_path, files).status == "unknown"


def test_doc001_custom_openapi_metadata_counts(tmp_path):
    main = ("from fastapi import FastAPI\nfrom fastapi.openapi.utils import get_openapi\n\n"
            "app = FastAPI()\n\n\ndef custom_openapi():\n"
            "    return get_openapi(title='Shop', version='2.0', routes=app.routes)\n\n\n"
            "app.openapi = custom_openapi\n")
    assert _check(doc.Doc001ApiMetadata, tmp_path, {"app/main.py": main}).status == "pass"


def test_doc001_metadata_on_the_app_that_mounts_the_primary(tmp_path):
    main = ("from fastapi import FastAPI\n\napi = FastAPI()\n\n\n@api.get('/items')\n"
            "def items():\n    return []\n\n\n"
            "app = FastAPI(title='Shop', version='3')\napp.mount('/api', api)\n")
    assert _check(doc.Doc001ApiMetadata, tmp_path, {"app/main.py": main}).status == "pass"


# ---- DOC-002 ---------------------------------------------------------------------------
@pytest.mark.parametrize(("decorations", "status", "metric"), [
    ([", summary='a'", "|Doc.", ", description='c'", "|Doc.", ""], "pass", (4, 5)),  # 80 %
    ([", summary='a'", "|Doc.", "", "", ""], "warn", (2, 5)),  # 40 %
    ([", summary='a'", "", ""], "fail", (1, 3)),  # 33 %
    ([", summary=''", "|   ", ""], "fail", (0, 3)),  # empty text is no documentation
])
def test_doc002_thresholds(decorations, status, metric, tmp_path):
    result = _check(doc.Doc002EndpointsDocumented, tmp_path,
                    {"app/main.py": _endpoints(decorations)})
    assert result.status == status
    assert result.metric == {"documented": metric[0], "endpoints": metric[1]}


def test_doc002_points_at_each_undocumented_def_line(tmp_path):
    result = _check(doc.Doc002EndpointsDocumented, tmp_path,
                    {"app/main.py": _endpoints(["", "|Doc."])})
    assert result.status == "warn"
    assert [(e.path, e.line) for e in result.evidence] == [("app/main.py", 8)]


def test_doc002_router_included_twice_counts_once_and_hidden_routes_not(tmp_path):
    routes = ("from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n@router.get('/a')\n"
              "def a():\n    return {}\n\n\n@router.get('/b', include_in_schema=False)\n"
              "def b():\n    return {}\n\n\n@router.get('/c', summary='C')\ndef c():\n"
              "    return {}\n")
    main = ("from fastapi import FastAPI\n\nfrom app.routes import router\n\napp = FastAPI()\n"
            "app.include_router(router, prefix='/v1')\napp.include_router(router, prefix='/v2')\n")
    result = _check(doc.Doc002EndpointsDocumented, tmp_path,
                    {"app/main.py": main, "app/routes.py": routes})
    assert result.metric == {"documented": 1, "endpoints": 2}


# ---- DOC-003 ---------------------------------------------------------------------------
def test_doc003_exactly_a_quarter_passes_and_nested_models_are_not_counted(tmp_path):
    code = IMPORTS + (
        "from fastapi import Body\n\napp = FastAPI()\n\n\nclass Line(BaseModel):\n"
        "    sku: str\n\n\n"
        "class OrderIn(BaseModel):\n    lines: list[Line]\n\n\nclass OrderOut(BaseModel):\n"
        "    id: int\n\n\nclass Refund(BaseModel):\n    amount: int\n\n\n"
        "class Page(BaseModel):\n    total: int\n\n\n@app.post('/orders')\n"
        "def create(order: OrderIn = Body(openapi_examples={'one': {'value': {}}})) -> OrderOut:\n"
        "    return OrderOut(id=1)\n\n\n@app.post('/refunds', response_model=Page)\n"
        "def refund(body: Refund):\n    return Page(total=0)\n")
    result = _check(doc.Doc003SchemaExamples, tmp_path, {"app/main.py": code})
    assert (result.status, result.metric) == ("pass", {"with_examples": 1, "models": 4})


def test_doc003_examples_inherited_from_a_base_model(tmp_path):
    code = IMPORTS + (
        "app = FastAPI()\n\n\nclass Base(BaseModel):\n    model_config = {'json_schema_extra': "
        "{'examples': [{'x': 1}]}}\n\n\nclass Item(Base):\n    x: int\n\n\n@app.get('/i')\n"
        "def item() -> Item:\n    return Item(x=1)\n")
    result = _check(doc.Doc003SchemaExamples, tmp_path, {"app/main.py": code})
    assert (result.status, result.metric) == ("pass", {"with_examples": 1, "models": 1})


def test_doc003_example_none_and_other_extras_are_not_examples(tmp_path):
    code = IMPORTS + (
        "app = FastAPI()\n\n\nclass Item(BaseModel):\n    model_config = {'json_schema_extra': "
        "{'title': 'An item'}}\n    x: int = Field(example=None, description='x')\n\n\n"
        "@app.post('/i')\ndef item(body: Item) -> Item:\n    return body\n")
    result = _check(doc.Doc003SchemaExamples, tmp_path, {"app/main.py": code})
    assert (result.status, result.evidence[0].line) == ("fail", 7)


def test_doc003_na_without_models(tmp_path):
    result = _check(doc.Doc003SchemaExamples, tmp_path, {"app/main.py": _endpoints(["", ""])})
    assert result.status == "na"


# ---- DOC-004 ---------------------------------------------------------------------------
@pytest.mark.parametrize(("kwargs", "status"), [
    ("docs_url=None, redoc_url=None", "pass"),
    ("openapi_url=settings.OPENAPI_URL", "pass"),
    ("docs_url=settings.DOCS_URL", "fail"),
    ("redoc_url=None", "fail"),
    ("docs_url=None if settings.PROJECT_NAME == 'prod' else '/docs'", "pass"),
    ("docs_url='/docs' if settings.PROJECT_NAME else '/swagger'", "fail"),
    ("openapi_url=pick_openapi_url()", "unknown"),
    ("docs_url=DOCS", "fail"),
])
def test_doc004_docs_settings(kwargs, status, tmp_path):
    main = ("from fastapi import FastAPI\n\nfrom app.config import settings\n\nDOCS = '/docs'\n\n\n"
            "def pick_openapi_url():\n    return None\n\n\n"
            f"app = FastAPI(title='Shop', {kwargs})\n")
    result = _check(doc.Doc004DocsGuarded, tmp_path,
                    {"app/main.py": main, "app/config.py": SETTINGS})
    assert result.status == status
    assert (result.evidence[0].path, result.evidence[0].line) == ("app/main.py", 12)


def test_doc004_local_variable_switched_in_the_factory(tmp_path):
    main = ("import os\n\nfrom fastapi import FastAPI\n\n\ndef create_app() -> FastAPI:\n"
            "    docs_url = '/docs'\n    if os.getenv('ENV') == 'production':\n"
            "        docs_url = None\n    return_app = FastAPI(docs_url=docs_url)\n"
            "    return return_app\n\n\napp = create_app()\n")
    result = _check(doc.Doc004DocsGuarded, tmp_path, {"app/main.py": main})
    assert (result.status, result.evidence[0].line) == ("pass", 10)


def test_doc004_kwargs_dict_chosen_by_a_condition(tmp_path):
    main = ("import os\n\nfrom fastapi import FastAPI\n\nPROD = os.getenv('ENV') == 'prod'\n"
            "DOCS_KWARGS = {'docs_url': None, 'openapi_url': None} if PROD else {}\n\n"
            "app = FastAPI(title='Shop', **DOCS_KWARGS)\n")
    assert _check(doc.Doc004DocsGuarded, tmp_path, {"app/main.py": main}).status == "pass"


def test_doc004_app_built_in_two_branches(tmp_path):
    main = ("import os\n\nfrom fastapi import FastAPI\n\nif os.getenv('ENV') == 'production':\n"
            "    app = FastAPI(openapi_url=None)\nelse:\n    app = FastAPI()\n\n\n"
            "@app.get('/')\ndef root():\n    return {}\n")
    assert _check(doc.Doc004DocsGuarded, tmp_path, {"app/main.py": main}).status == "pass"


# ---- DOC-005 ---------------------------------------------------------------------------
def test_doc005_readme_with_run_only_warns_and_says_what_is_missing(tmp_path):
    files = {"app/main.py": _endpoints([""]),
             "README.md": "# Shop\n\n## Getting started\n\n    uvicorn app.main:app\n"}
    result = _check(doc.Doc005Readme, tmp_path, files)
    assert result.status == "warn"
    assert "how to test" in result.evidence[0].message
    assert (result.evidence[1].path, result.evidence[1].line) == ("README.md", 3)


def test_doc005_absence_names_where_it_looked(tmp_path):
    result = _check(doc.Doc005Readme, tmp_path, {"app/main.py": _endpoints([""])})
    assert result.status == "fail"
    assert result.evidence[0].path is None
    assert result.evidence[0].message.startswith("no README found (looked in ")
