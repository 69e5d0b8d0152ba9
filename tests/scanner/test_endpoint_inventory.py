"""What each endpoint takes and returns in the route inventory (docs/scan-report.md).

The fields come from the same decisions as TYP-001 (bodies) and TYP-002/TYP-003 (response
models and pages), so the last tests hold the inventory against those checks' findings on
the hand-labelled fixture services.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from scanner.engine import analyse, scan_tree

from .rule_harness import write_tree as write

SERVICES = Path(__file__).resolve().parents[1] / "fixtures" / "services"


def endpoints_of(root: Path, files: dict[str, str]) -> dict[str, dict[str, Any]]:
    """"METHOD /path" -> the endpoint item of the JSON report."""
    report = scan_tree(write(root, files), jobs=1)
    return {f"{e['method']} {e['path']}": e for e in report["endpoints"]}


ORDERS = {
    "app/__init__.py": "",
    "app/schemas.py": """from pydantic import BaseModel

class OrderIn(BaseModel):
    sku: str

class OrderOut(BaseModel):
    id: int

class OrderPublic(BaseModel):
    id: int
""",
    "app/main.py": """from typing import Any, Optional

from fastapi import Depends, FastAPI, Header, status

from app import schemas
from app.schemas import OrderIn, OrderOut

app = FastAPI()

def current_user():
    return None

@app.get("/orders", response_model=list[schemas.OrderOut])
def list_orders(limit: int = 10):
    return []

@app.post("/orders", status_code=status.HTTP_201_CREATED)
def create_order(payload: OrderIn) -> OrderOut:
    return OrderOut(id=1)

@app.get("/orders/{order_id}", response_model=schemas.OrderPublic)
def read_order(order_id: int, q: str | None = None, user=Depends(current_user),
               x_token: str = Header()) -> OrderOut:
    return OrderOut(id=order_id)

@app.get("/orders/{order_id}/maybe")
def maybe_order(order_id: int) -> Optional[OrderOut]:
    return None

@app.put("/orders/{order_id}/raw", status_code=202)
def put_raw(order_id: int, body: dict[str, Any]):
    return {"ok": True}

@app.delete("/orders/{order_id}", status_code=204)
def delete_order(order_id: int):
    return None

@app.get("/stats", response_model=None)
def stats():
    return {"orders": 1}
""",
}


@pytest.fixture(scope="module")
def orders(tmp_path_factory) -> dict[str, dict[str, Any]]:
    return endpoints_of(tmp_path_factory.mktemp("orders"), ORDERS)


def test_it_names_a_model_from_another_module_as_written(orders):
    listed = orders["GET /orders"]

    assert listed["response_model"] == {"name": "list[OrderOut]", "source": "response_model"}
    assert listed["response_kind"] == "model"
    assert listed["request_body"] is None


def test_it_reads_a_model_body_and_a_model_return_annotation(orders):
    created = orders["POST /orders"]

    assert created["request_body"] == {"name": "OrderIn", "kind": "model", "param": "payload"}
    assert created["response_model"] == {"name": "OrderOut", "source": "annotation"}


def test_it_resolves_a_status_constant_and_a_literal_status(orders):
    assert orders["POST /orders"]["status_code"] == 201
    assert orders["PUT /orders/{order_id}/raw"]["status_code"] == 202
    assert orders["GET /orders"]["status_code"] is None


def test_response_model_wins_over_the_return_annotation(orders):
    read = orders["GET /orders/{order_id}"]

    assert read["response_model"] == {"name": "OrderPublic", "source": "response_model"}


def test_path_query_header_and_dependency_parameters_are_not_bodies(orders):
    assert orders["GET /orders/{order_id}"]["request_body"] is None


def test_an_optional_annotation_is_shown_as_written(orders):
    maybe = orders["GET /orders/{order_id}/maybe"]

    assert maybe["response_model"] == {"name": "Optional[OrderOut]", "source": "annotation"}


def test_a_dict_body_is_marked_dict_and_its_untyped_response_untyped(orders):
    raw = orders["PUT /orders/{order_id}/raw"]

    assert raw["request_body"] == {"name": "dict[str, Any]", "kind": "dict", "param": "body"}
    assert raw["response_model"] is None
    assert raw["response_kind"] == "untyped"


def test_no_content_is_empty_and_response_model_none_is_untyped(orders):
    assert orders["DELETE /orders/{order_id}"]["response_kind"] == "empty"
    assert orders["DELETE /orders/{order_id}"]["status_code"] == 204
    assert orders["GET /stats"]["response_model"] is None
    assert orders["GET /stats"]["response_kind"] == "untyped"


def test_template_redirect_and_html_responses_are_pages(tmp_path):
    found = endpoints_of(tmp_path, {"main.py": """from typing import Any
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

app = FastAPI()
templates = Jinja2Templates(directory="templates")

@app.get("/")
def home(request: Request) -> Any:
    return templates.TemplateResponse(request, "home.html", {})

@app.get("/old")
def old():
    return RedirectResponse("/")

@app.get("/hello", response_class=HTMLResponse)
def hello():
    return "<p>hello</p>"
"""})

    for route in ("GET /", "GET /old", "GET /hello"):
        assert found[route]["response_kind"] == "page", route
        assert found[route]["response_model"] is None


def test_an_untyped_and_an_explicit_body_are_read_like_typ_001(tmp_path):
    found = endpoints_of(tmp_path, {"main.py": """from typing import Annotated
from fastapi import Body, FastAPI

app = FastAPI()

@app.post("/hooks")
def hook(event=Body(...)):
    return None

@app.post("/tags")
def tags(names: Annotated[list[str], Body()]):
    return None
"""})

    assert found["POST /hooks"]["request_body"] == {"name": None, "kind": "dict",
                                                    "param": "event"}
    assert found["POST /tags"]["request_body"] == {"name": "list[str]", "kind": "other",
                                                   "param": "names"}


def test_the_checks_have_decided_the_types_before_the_report_asks(tmp_path):
    write(tmp_path, ORDERS)
    project = analyse(tmp_path, jobs=1).project

    assert all(endpoint.types is not None for endpoint in project.service.endpoints)


# ---- the fixture services: the inventory agrees with TYP-001 and TYP-002 ---------------
FIXTURE_ROOTS = [("exemplary", "."), ("startup", "."), ("legacy_sync", "."),
                 ("insecure_toy", "."), ("monorepo", "services/orders"),
                 ("monorepo", "services/users")]


@pytest.fixture(scope="module")
def fixture_report(tmp_path_factory):
    copies: dict[str, Path] = {}

    def run(service: str, app_root: str) -> dict[str, Any]:
        if service not in copies:
            copies[service] = tmp_path_factory.mktemp("fixture") / service
            shutil.copytree(SERVICES / service, copies[service],
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        return scan_tree(copies[service], app_root=app_root, jobs=1)

    return run


def _check(report: dict[str, Any], check_id: str) -> dict[str, Any]:
    return next(c for c in report["checks"] if c["id"] == check_id)


@pytest.mark.parametrize(("service", "app_root"), FIXTURE_ROOTS)
def test_untyped_responses_are_the_ones_typ_002_reports(fixture_report, service, app_root):
    report = fixture_report(service, app_root)
    typ002 = _check(report, "TYP-002")
    untyped = {(e["file"], e["line"]) for e in report["endpoints"]
               if e["response_kind"] == "untyped"}
    declared = sum(e["response_kind"] == "model" for e in report["endpoints"])

    assert declared == typ002["metric"]["declared"]
    if typ002["status"] != "pass":
        assert untyped == {(ev["path"], ev["line"]) for ev in typ002["evidence"]}


@pytest.mark.parametrize(("service", "app_root"), FIXTURE_ROOTS)
def test_dict_bodies_are_the_ones_typ_001_reports(fixture_report, service, app_root):
    report = fixture_report(service, app_root)
    flagged = {(ev["path"], ev["line"]) for ev in _check(report, "TYP-001")["evidence"]
               if "body parameter" in ev["message"]}
    dict_bodies = {(e["file"], e["line"]) for e in report["endpoints"]
                   if (e["request_body"] or {}).get("kind") == "dict"}

    assert dict_bodies == flagged


def test_the_exemplary_service_declares_every_response(fixture_report):
    report = fixture_report("exemplary", ".")

    assert {e["response_kind"] for e in report["endpoints"]} <= {"model", "empty"}
    assert all(e["request_body"]["kind"] == "model" for e in report["endpoints"]
               if e["request_body"] is not None)
