"""Finding the FastAPI app, its routers and endpoints across modules (RULES.md 3.1, 3.5)."""

from __future__ import annotations

import pytest

from scanner.engine import analyse, scan_tree
from scanner.errors import ScanInputError
from scanner.python.facts import Call, Name

from .rule_harness import write_tree as write


def routes(report: dict) -> list[tuple[str, str]]:
    return sorted((e["method"], e["path"]) for e in report["endpoints"])


def dependency_names(endpoint) -> set[str]:
    names = set()
    for dep in endpoint.dependencies:
        if isinstance(dep, Call) and dep.args and isinstance(dep.args[0], Name):
            names.add(dep.args[0].dotted)
    return names


def test_it_finds_an_app_imported_under_another_name(tmp_path):
    write(tmp_path, {"main.py": (
        "from fastapi import FastAPI as F\n\napi = F()\n\n\n"
        "@api.post('/orders')\ndef create():\n    return 1\n"
    )})
    report = scan_tree(tmp_path, jobs=1)
    assert report["status"] == "scored"
    assert routes(report) == [("POST", "/orders")]


def test_it_finds_an_app_built_through_the_module_attribute(tmp_path):
    write(tmp_path, {"main.py": (
        "import fastapi\n\napp = fastapi.FastAPI()\n\n\n"
        "@app.get('/ping')\ndef ping():\n    return 'pong'\n"
    )})
    assert routes(scan_tree(tmp_path, jobs=1)) == [("GET", "/ping")]


FACTORY_TREE = {
    "app/__init__.py": "",
    "app/deps.py": "def verify_token():\n    return True\n\n\ndef audit():\n    return True\n",
    "app/main.py": '''\
from fastapi import Depends, FastAPI

from app.deps import verify_token
from app.routers import items, users


def create_app() -> FastAPI:
    application = FastAPI(title="shop")
    application.include_router(items.router, prefix="/api/v1")
    application.include_router(
        users.router, prefix="/api/v1", dependencies=[Depends(verify_token)]
    )
    return application


app = create_app()
''',
    "app/routers/__init__.py": "",
    "app/routers/items.py": '''\
from fastapi import APIRouter, Depends

from app.deps import audit

router = APIRouter(prefix="/items", dependencies=[Depends(audit)])


@router.get("/")
async def list_items() -> list[str]:
    return []


@router.get(
    "/{item_id}",
)
async def get_item(item_id: int) -> str:
    return "x"


async def create_item() -> str:
    return "x"


router.add_api_route("/", create_item, methods=["POST"])


async def delete_item(item_id: int) -> None:
    return None


router.delete("/{item_id}")(delete_item)
''',
    "app/routers/users.py": '''\
from fastapi import APIRouter

router = APIRouter(prefix="/users")


@router.get("/me")
def me() -> dict:
    return {}
''',
}


def test_it_follows_a_factory_and_routers_across_modules_with_prefixes(tmp_path):
    report = scan_tree(write(tmp_path, FACTORY_TREE), jobs=1)
    assert routes(report) == [
        ("DELETE", "/api/v1/items/{item_id}"),
        ("GET", "/api/v1/items/"),
        ("GET", "/api/v1/items/{item_id}"),
        ("GET", "/api/v1/users/me"),
        ("POST", "/api/v1/items/"),
    ]


def test_it_attaches_router_and_include_dependencies_to_endpoints(tmp_path):
    analysis = analyse(write(tmp_path, FACTORY_TREE), jobs=1)
    by_handler = {e.name: e for e in analysis.project.service.endpoints}
    assert dependency_names(by_handler["list_items"]) == {"audit"}
    assert dependency_names(by_handler["create_item"]) == {"audit"}
    assert dependency_names(by_handler["me"]) == {"verify_token"}


def test_it_registers_add_api_route_and_called_decorators(tmp_path):
    report = scan_tree(write(tmp_path, FACTORY_TREE), jobs=1)
    handlers = {(e["method"], e["handler"]) for e in report["endpoints"]}
    assert ("POST", "create_item") in handlers
    assert ("DELETE", "delete_item") in handlers


def test_it_reads_app_arguments_passed_as_a_kwargs_dict(tmp_path):
    write(tmp_path, {"main.py": (
        "from fastapi import FastAPI\n\nSETTINGS = {'title': 'd', 'docs_url': None}\n"
        "app = FastAPI(**SETTINGS)\n\n\n@app.get('/d')\ndef d():\n    return 1\n"
    )})
    analysis = analyse(tmp_path, jobs=1)
    service = analysis.project.service
    assert service.primary is not None
    assert set(service.primary.kwargs) == {"title", "docs_url"}
    assert routes(scan_tree(tmp_path, jobs=1)) == [("GET", "/d")]


def test_it_finds_an_app_of_a_fastapi_subclass_defined_in_the_tree(tmp_path):
    write(tmp_path, {
        "core/__init__.py": "",
        "core/base.py": "from fastapi import FastAPI\n\n\nclass ShopApp(FastAPI):\n    pass\n",
        "main.py": (
            "from core.base import ShopApp\n\napp = ShopApp()\n\n\n"
            "@app.get('/e')\ndef e():\n    return 1\n"
        ),
    })
    report = scan_tree(tmp_path, jobs=1)
    assert report["status"] == "scored"
    assert routes(report) == [("GET", "/e")]


def test_it_does_not_take_other_frameworks_decorators_for_routes(tmp_path):
    write(tmp_path, {
        "main.py": (
            "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
            "@app.get('/real')\ndef real():\n    return 1\n"
        ),
        "cli.py": (
            "import typer\n\napp = typer.Typer()\n\n\n@app.command()\ndef hello():\n    pass\n"
        ),
        "bot.py": (
            "from slack_bolt import App\n\napp = App()\n\n\n"
            "@app.event('app_mention')\ndef mention(event):\n    pass\n\n\n"
            "@app.command('/deploy')\ndef deploy(ack):\n    ack()\n"
        ),
        "web.py": (
            "from flask import Flask\n\napp = Flask(__name__)\n\n\n"
            "@app.route('/')\ndef index():\n    return 'hi'\n\n\n"
            "@app.get('/flask-get')\ndef flask_get():\n    return 'hi'\n\n\n"
            "@app.post('/flask-post')\ndef flask_post():\n    return 'hi'\n"
        ),
    })
    report = scan_tree(tmp_path, jobs=1)
    assert routes(report) == [("GET", "/real")]
    assert report["app_roots"][0]["apps"] == ["main.py:app"]


def test_it_says_not_applicable_for_a_flask_only_tree(tmp_path):
    write(tmp_path, {
        "requirements.txt": "flask\n",
        "app.py": (
            "from flask import Flask\n\napp = Flask(__name__)\n\n\n"
            "@app.get('/')\ndef index():\n    return 'hi'\n"
        ),
    })
    report = scan_tree(tmp_path, jobs=1)
    assert report["status"] == "not_applicable"
    assert report["checks"] == []
    assert report["endpoints"] == []
    assert report["overall"] is None
    assert report["band"] is None
    assert report["health16"] is None
    assert report["app_roots"] == []


MONOREPO = {
    "README.md": "# two services\n",
    "services/a/pyproject.toml": "[project]\nname = 'a'\n",
    "services/a/a/__init__.py": "",
    "services/a/a/main.py": (
        "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
        "@app.get('/a')\ndef only_a():\n    return 1\n"
    ),
    "services/b/pyproject.toml": "[project]\nname = 'b'\n",
    "services/b/b/__init__.py": "",
    "services/b/b/main.py": (
        "from fastapi import APIRouter, FastAPI\n\napp = FastAPI()\nrouter = APIRouter()\n\n\n"
        "@router.get('/b1')\ndef b1():\n    return 1\n\n\n"
        "@router.get('/b2')\ndef b2():\n    return 2\n\n\n"
        "app.include_router(router)\n"
    ),
}


def test_it_lists_every_app_root_of_a_monorepo_most_endpoints_first(tmp_path):
    report = scan_tree(write(tmp_path, MONOREPO), jobs=1)
    assert [(r["path"], r["endpoints"]) for r in report["app_roots"]] == [
        ("services/b", 2), ("services/a", 1),
    ]
    assert report["app_root"] == "services/b"


def test_it_scans_only_the_app_root_it_is_given(tmp_path):
    write(tmp_path, MONOREPO)
    only_a = scan_tree(tmp_path, app_root="services/a", jobs=1)
    only_b = scan_tree(tmp_path, app_root="services/b/", jobs=1)
    assert only_a["app_root"] == "services/a"
    assert routes(only_a) == [("GET", "/a")]
    assert only_b["app_root"] == "services/b"
    assert routes(only_b) == [("GET", "/b1"), ("GET", "/b2")]
    evidence_paths = {e["path"] for c in only_b["checks"] for e in c["evidence"] if e["path"]}
    assert not any(path.startswith("services/a/") for path in evidence_paths)


@pytest.mark.parametrize("app_root", ["services/c", "../outside", "services/a/a/main.py"])
def test_it_refuses_an_app_root_that_is_not_a_folder_of_the_tree(tmp_path, app_root):
    write(tmp_path, MONOREPO)
    with pytest.raises(ScanInputError, match="app root"):
        scan_tree(tmp_path, app_root=app_root, jobs=1)


def test_it_refuses_an_app_root_in_a_sibling_folder_sharing_the_name_prefix(tmp_path):
    write(tmp_path / "repo", MONOREPO)
    write(tmp_path / "repo-other", {"main.py": "x = 1\n"})
    with pytest.raises(ScanInputError, match="app root"):
        scan_tree(tmp_path / "repo", app_root="../repo-other", jobs=1)


SETUP_HELPER_TREE = {
    "shop/__init__.py": "",
    "shop/api.py": '''\
from fastapi import APIRouter

orders = APIRouter(prefix="/orders")


@orders.get("/")
async def list_orders() -> list[str]:
    return []
''',
    "shop/routes.py": '''\
from shop.api import orders


def register_routes(app):
    app.include_router(orders, prefix="/api")

    async def ping() -> str:
        return "pong"

    app.add_api_route("/ping", ping)
''',
    "shop/main.py": '''\
from fastapi import FastAPI

from shop.routes import register_routes

app = FastAPI()
register_routes(app)
''',
}


def test_it_follows_an_app_passed_to_a_set_up_helper_in_another_module(tmp_path):
    report = scan_tree(write(tmp_path, SETUP_HELPER_TREE), jobs=1)
    assert routes(report) == [("GET", "/api/orders/"), ("GET", "/ping")]
    assert report["app_roots"][0]["endpoints"] == 2
    handlers = {e["path"]: e["handler"] for e in report["endpoints"]}
    assert handlers["/ping"] == "register_routes.ping"


def test_it_follows_an_app_passed_to_a_set_up_method_of_a_server_class(tmp_path):
    write(tmp_path, {"server.py": '''\
from fastapi import APIRouter, FastAPI

router = APIRouter()


@router.get("/status")
def status() -> str:
    return "ok"


class Server:
    def __init__(self) -> None:
        self.app = FastAPI()
        self.configure(self.app, debug=False)

    def configure(self, app: FastAPI, debug: bool) -> None:
        app.include_router(router, prefix="/api/v1")
'''})
    report = scan_tree(tmp_path, jobs=1)
    assert routes(report) == [("GET", "/api/v1/status")]
    assert report["app_roots"][0]["endpoints"] == 1


def test_it_follows_the_app_a_lifespan_receives(tmp_path):
    write(tmp_path, {"main.py": '''\
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

router = APIRouter(prefix="/jobs")


@router.get("/")
def jobs() -> list[str]:
    return []


@asynccontextmanager
async def lifespan(application: FastAPI):
    application.include_router(router)
    yield


app = FastAPI(lifespan=lifespan)
'''})
    report = scan_tree(tmp_path, jobs=1)
    assert report["app_roots"][0]["endpoints"] == 1
    assert routes(report) == [("GET", "/jobs/")]


def test_a_mounted_app_serves_its_routes_under_the_mount_path_only(tmp_path):
    write(tmp_path, {"main.py": '''\
from fastapi import FastAPI

app = FastAPI()
admin = FastAPI()


@app.get("/home")
def home() -> str:
    return "home"


@admin.get("/users")
def users() -> list[str]:
    return []


app.mount("/admin", admin)
'''})
    report = scan_tree(tmp_path, jobs=1)
    assert routes(report) == [("GET", "/admin/users"), ("GET", "/home")]
    assert report["app_roots"][0]["endpoints"] == 2


INLINE_ROUTER_TREE = {
    "web/__init__.py": "",
    "web/pages.py": '''\
from fastapi import APIRouter

pages = APIRouter()


@pages.get("/login")
def login() -> str:
    return "form"
''',
    "web/wiring.py": '''\
from fastapi import APIRouter

from web.pages import pages


def with_pages(router: APIRouter) -> APIRouter:
    router.include_router(pages, prefix="/ui")
    return router
''',
    "web/main.py": '''\
from fastapi import APIRouter, FastAPI

from web.wiring import with_pages

plain = with_pages(APIRouter())
scoped = with_pages(APIRouter(prefix="/{team}"))

app = FastAPI()
app.include_router(plain)
app.include_router(scoped)
''',
}


def test_it_follows_inline_routers_handed_to_a_helper_that_returns_them(tmp_path):
    report = scan_tree(write(tmp_path, INLINE_ROUTER_TREE), jobs=1)
    assert routes(report) == [("GET", "/ui/login"), ("GET", "/{team}/ui/login")]
    assert report["app_roots"][0]["endpoints"] == 2


def test_an_app_mounted_at_the_root_does_not_double_the_slash(tmp_path):
    write(tmp_path, {"main.py": '''\
from fastapi import APIRouter, FastAPI

site = FastAPI()
api = APIRouter(prefix="/api")


@api.get("/items")
def items() -> list[str]:
    return []


site.include_router(api)
app = FastAPI()
app.mount("/", site)
'''})
    assert routes(scan_tree(tmp_path, jobs=1)) == [("GET", "/api/items")]


# The package re-exports the router of its same-named submodule: `from shop.api import
# router` then gets the package's attribute (the APIRouter), not the submodule.
REEXPORTED_ROUTER_TREE = {
    "shop/__init__.py": "",
    "shop/api/__init__.py": "from shop.api.router import router\n",
    "shop/api/router.py": '''\
from fastapi import APIRouter

router = APIRouter(prefix="/api")


@router.get("/carts")
def carts() -> list[str]:
    return []
''',
    "shop/main.py": '''\
from fastapi import FastAPI

from shop.api import router

app = FastAPI()
app.include_router(router)
''',
}


def test_a_name_a_package_rebinds_over_its_submodule_is_the_package_attribute(tmp_path):
    report = scan_tree(write(tmp_path, REEXPORTED_ROUTER_TREE), jobs=1)
    assert routes(report) == [("GET", "/api/carts")]
    assert report["app_roots"][0]["endpoints"] == 1


def test_an_app_bound_to_two_names_at_once_serves_routes_under_either(tmp_path):
    write(tmp_path, {"web/__init__.py": "", "web/state.py": "app = None\n",
                     "web/main.py": '''\
from fastapi import FastAPI

from web import state

state.app = app = FastAPI()


@app.get("/status")
def status() -> str:
    return "up"


@state.app.get("/version")
def version() -> str:
    return "1"
'''})
    report = scan_tree(tmp_path, jobs=1)
    assert routes(report) == [("GET", "/status"), ("GET", "/version")]
    assert report["app_roots"][0]["apps"] == ["web/main.py:state.app"]


FACTORY_CALL_TREE = {
    "crm/__init__.py": "",
    "crm/contacts.py": '''\
from fastapi import APIRouter


def contacts_router(read_only: bool) -> APIRouter:
    router = APIRouter(prefix="/contacts")

    @router.get("")
    def list_contacts() -> list[str]:
        return []

    return router
''',
    "crm/main.py": '''\
from fastapi import FastAPI

from crm.contacts import contacts_router


def admin_app() -> FastAPI:
    admin = FastAPI()

    @admin.get("/stats")
    def stats() -> dict[str, int]:
        return {}

    return admin


app = FastAPI()
app.include_router(contacts_router(read_only=True), prefix="/v1")
app.mount("/admin", admin_app())
''',
}


def test_routers_and_apps_handed_over_as_factory_calls_are_linked(tmp_path):
    report = scan_tree(write(tmp_path, FACTORY_CALL_TREE), jobs=1)
    assert routes(report) == [("GET", "/admin/stats"), ("GET", "/v1/contacts")]
    assert report["app_roots"][0]["endpoints"] == 2


def test_a_router_also_gathered_into_a_router_no_app_includes_is_listed_once(tmp_path):
    write(tmp_path, {"main.py": '''\
from fastapi import APIRouter, FastAPI

notes = APIRouter(prefix="/notes")


@notes.get("")
def list_notes() -> list[str]:
    return []


def schema_routes() -> list:
    everything = APIRouter()
    everything.include_router(notes)
    return everything.routes


app = FastAPI()
app.include_router(notes, prefix="/api")
'''})
    assert routes(scan_tree(tmp_path, jobs=1)) == [("GET", "/api/notes")]


# --- routers wired in a loop ----------------------------------------------------------

LOOP_ROUTES = '''\
from fastapi import APIRouter

users = APIRouter(prefix="/users")
orders = APIRouter(prefix="/orders")


@users.get("/{user_id}")
def get_user(user_id: int) -> dict:
    return {}


@orders.post("")
def create_order() -> dict:
    return {}


VERSIONED = {"/v2": users, "/v3": orders}
ALL = [users, orders]
'''


@pytest.mark.parametrize(("main", "expected"), [
    pytest.param(
        "for r in (routes.users, routes.orders):\n    app.include_router(r, prefix='/v1')\n",
        [("GET", "/v1/users/{user_id}"), ("POST", "/v1/orders")], id="literal-tuple"),
    pytest.param(
        "for r in ALL:\n    app.include_router(r, prefix='/api')\n",
        [("GET", "/api/users/{user_id}"), ("POST", "/api/orders")], id="imported-constant"),
    pytest.param(
        "for prefix, router in VERSIONED.items():\n    app.include_router(router, prefix=prefix)\n",
        [("GET", "/v2/users/{user_id}"), ("POST", "/v3/orders")], id="dict-items-prefix-too"),
    pytest.param(
        "def build():\n    for r in routes.ALL:\n        app.include_router(r, prefix='/in')\n",
        [("GET", "/in/users/{user_id}"), ("POST", "/in/orders")], id="inside-a-function"),
])
def test_it_links_routers_included_in_a_loop_over_known_items(tmp_path, main, expected):
    write(tmp_path, {
        "app/__init__.py": "",
        "app/routes.py": LOOP_ROUTES,
        "app/main.py": "from fastapi import FastAPI\n\nfrom app import routes\n"
                       "from app.routes import ALL, VERSIONED\n\napp = FastAPI()\n" + main,
    })
    report = scan_tree(tmp_path, jobs=1)
    assert routes(report) == expected
    assert report["app_roots"][0]["endpoints"] == len(expected)


def test_a_loop_over_items_it_cannot_read_links_nothing(tmp_path):
    write(tmp_path, {
        "app/__init__.py": "",
        "app/routes.py": LOOP_ROUTES,
        "app/main.py": "from fastapi import FastAPI\n\nfrom app.routes import ALL\n\n"
                       "app = FastAPI()\nfor r in sorted(ALL):\n    app.include_router(r)\n",
    })
    report = scan_tree(tmp_path, jobs=1)
    assert routes(report) == [("GET", "/users/{user_id}"), ("POST", "/orders")]
    assert report["app_roots"][0]["endpoints"] == 0  # found as routes, not guessed as served


# --- routers and apps held on an attribute of an object --------------------------------
SERVER_CLASS = '''\
from fastapi import APIRouter, FastAPI

from app import extra


class Server:
    def __init__(self):
        self._router = APIRouter(prefix="/v1")
        self._app = FastAPI()

    def health(self):
        return "ok"

    def setup(self):
        self._router.add_api_route("/health", self.health)
        extra.register(self)
        self._app.include_router(self._router, prefix="/api")
'''

EXTRA_ROUTES = '''\
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.server import Server


def list_items():
    return []


def register(server: "Server") -> None:
    router = server._router
    router.add_api_route("/items", list_items)
'''


def test_a_router_held_on_self_is_linked_from_the_class_methods_and_typed_helpers(tmp_path):
    write(tmp_path, {"app/__init__.py": "", "app/server.py": SERVER_CLASS,
                     "app/extra.py": EXTRA_ROUTES})
    report = scan_tree(tmp_path, jobs=1)
    assert routes(report) == [("GET", "/api/v1/health"), ("GET", "/api/v1/items")]
    assert report["app_roots"][0]["endpoints"] == 2


# --- a loop over a parameter left at its default ----------------------------------------
@pytest.mark.parametrize(("call", "expected_linked"), [
    pytest.param("create_app()", 2, id="default-used"),
    pytest.param("create_app(routers=[])", 0, id="argument-passed"),
])
def test_a_loop_over_a_parameter_left_at_its_default_links_the_default_items(
        tmp_path, call, expected_linked):
    write(tmp_path, {
        "app/__init__.py": "",
        "app/routes.py": LOOP_ROUTES,
        "app/main.py": "from fastapi import FastAPI\n\nfrom app.routes import ALL\n\n\n"
                       "def create_app(title='shop', routers=ALL):\n"
                       "    application = FastAPI(title=title)\n"
                       "    for router in routers:\n"
                       "        application.include_router(router, prefix='/api')\n"
                       "    return application\n\n\n"
                       f"app = {call}\n",
    })
    report = scan_tree(tmp_path, jobs=1)
    assert report["app_roots"][0]["endpoints"] == expected_linked
    if expected_linked:
        assert routes(report) == [("GET", "/api/users/{user_id}"), ("POST", "/api/orders")]
