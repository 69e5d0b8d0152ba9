"""Focused tests of the security checks (SEC-001..SEC-012) and the endpoint auth posture."""

from __future__ import annotations

import pytest

from scanner.engine import analyse
from scanner.rules.security import RULES, annotate_endpoint_auth
from scanner.rules.security.auth import (
    Sec001AuthDependencies,
    Sec004PasswordHashing,
    Sec006RateLimitAuth,
    Sec011RoleChecks,
)
from scanner.rules.security.secrets import (
    Sec002SigningKeyFromConfig,
    Sec003ShortLivedTokens,
    Sec012NoHardcodedSecrets,
    is_secret_like,
)
from scanner.rules.security.web import (
    Sec005CorsPerEnvironment,
    Sec008SecurityHeaders,
    Sec009NoSqlFromStrings,
    Sec010VulnerabilityScanning,
    regex_matches_everything,
)

from ..rule_harness import run_rule, write_tree

APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"


def _examples():
    for cls in RULES:
        for kind, examples in (("valid", cls.VALID), ("invalid", cls.INVALID)):
            for index, example in enumerate(examples):
                yield pytest.param(cls, example, id=f"{cls.id}-{kind}-{example.name or index}")


@pytest.mark.parametrize(("rule_class", "example"), list(_examples()))
def test_examples(rule_class, example, tmp_path):
    result = run_rule(rule_class(), tmp_path, example.tree())
    assert result.status == example.expect, [e.message for e in result.evidence]


def test_rules_are_in_catalogue_order_with_security_dimension():
    assert [cls.id for cls in RULES] == [f"SEC-{n:03d}" for n in range(1, 13)]
    assert {cls.dimension for cls in RULES} == {"security"}
    priorities = {cls.id: cls.priority for cls in RULES}
    assert [i for i, p in priorities.items() if p == "P1"] == ["SEC-008", "SEC-010", "SEC-011"]


def _check(rule_class, tmp_path, files):
    return run_rule(rule_class(), tmp_path, files if isinstance(files, dict) else
                    {"app/main.py": files})


# ---- auth model and the route inventory -------------------------------------------------
TEMPLATE = {
    "app/api/deps.py": '''from typing import Annotated

from fastapi import Depends, HTTPException
from fastapi.security import OAuth2PasswordBearer

reusable_oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/login/access-token")
TokenDep = Annotated[str, Depends(reusable_oauth2)]


def get_db():
    yield None


SessionDep = Annotated[object, Depends(get_db)]


def get_current_user(session: SessionDep, token: TokenDep) -> dict:
    return {"token": token}


CurrentUser = Annotated[dict, Depends(get_current_user)]


def get_current_active_superuser(current_user: CurrentUser) -> dict:
    if not current_user.get("is_superuser"):
        raise HTTPException(status_code=403, detail="not enough privileges")
    return current_user
''',
    "app/api/routes/items.py": '''from fastapi import APIRouter

from app.api.deps import CurrentUser, SessionDep

router = APIRouter(prefix="/items")


@router.get("/")
def read_items(session: SessionDep, current_user: CurrentUser) -> list:
    return []
''',
    "app/api/routes/admin.py": '''from fastapi import APIRouter, Depends

from app.api.deps import get_current_active_superuser

router = APIRouter(prefix="/admin", dependencies=[Depends(get_current_active_superuser)])


@router.get("/stats")
def stats() -> dict:
    return {}
''',
    "app/api/routes/login.py": '''from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

router = APIRouter()


@router.post("/login/access-token")
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> dict:
    return {}
''',
    "app/main.py": '''from fastapi import FastAPI

from app.api.routes import admin, items, login

app = FastAPI()
app.include_router(items.router, prefix="/api/v1")
app.include_router(admin.router, prefix="/api/v1")
app.include_router(login.router, prefix="/api/v1")


@app.get("/health")
def health() -> dict:
    return {}


@app.get("/utils/version")
def version() -> dict:
    return {}
''',
}


def _inventory(tmp_path, files):
    write_tree(tmp_path, files if isinstance(files, dict) else {"app/main.py": files})
    analysis = analyse(tmp_path, rules=[], jobs=1)
    annotate_endpoint_auth(analysis.project)
    annotate_endpoint_auth(analysis.project)  # idempotent
    return {e.label(): e.extra for e in analysis.project.service.endpoints}


def test_inventory_follows_type_aliases_router_dependencies_and_forms(tmp_path):
    endpoints = _inventory(tmp_path, TEMPLATE)
    assert endpoints["GET /api/v1/items/"]["auth"] == {
        "dependencies": ["get_current_user"], "authenticated": True}
    assert endpoints["GET /api/v1/items/"]["public"] is False
    assert endpoints["GET /api/v1/admin/stats"]["auth"]["dependencies"] == [
        "get_current_active_superuser"]
    login = endpoints["POST /api/v1/login/access-token"]
    assert login["auth"] == {"dependencies": [], "authenticated": False}
    assert login["public"] is True
    assert endpoints["GET /health"]["public"] is True
    version = endpoints["GET /utils/version"]
    assert version["auth"] == {"dependencies": [], "authenticated": False}
    assert version["public"] is False


def test_template_passes_sec001_and_sec011(tmp_path):
    assert _check(Sec001AuthDependencies, tmp_path / "a", TEMPLATE).status == "pass"
    result = _check(Sec011RoleChecks, tmp_path / "b", TEMPLATE)
    assert result.status == "pass"
    assert result.metric == {"guarded": 1, "endpoints": 5}


def test_unresolvable_outside_dependency_leaves_authentication_undecided(tmp_path):
    endpoints = _inventory(tmp_path, APP + '''from fastapi import Depends
from somelib import gatekeeper


@app.get("/a", dependencies=[Depends(gatekeeper)])
def a() -> dict:
    return {}
''')
    assert endpoints["GET /a"]["auth"] == {"dependencies": [], "authenticated": None}


def test_fastapi_users_current_user_counts_as_auth_and_superuser_as_role(tmp_path):
    files = {"app/main.py": '''from fastapi import Depends, FastAPI
from fastapi_users import FastAPIUsers

fastapi_users = FastAPIUsers(None, [])
current_active_user = fastapi_users.current_user(active=True)
admin_only = fastapi_users.current_user(active=True, superuser=True)
app = FastAPI()


@app.get("/me")
def me(user=Depends(current_active_user)) -> dict:
    return {}


@app.get("/all", dependencies=[Depends(admin_only)])
def everyone() -> list:
    return []
'''}
    endpoints = _inventory(tmp_path / "inv", files)
    assert endpoints["GET /me"]["auth"]["authenticated"] is True
    assert _check(Sec011RoleChecks, tmp_path / "r", files).status == "pass"


def test_header_parameter_in_endpoint_fails_at_def_line(tmp_path):
    result = _check(Sec001AuthDependencies, tmp_path, APP + '''from fastapi import Header


@app.get("/secret")
def secret(authorization: str = Header(...)) -> dict:
    return {"token": authorization}
''')
    assert result.status == "fail"
    assert result.evidence[0].line == 8


def test_endpoint_reading_header_with_auth_dependency_is_fine(tmp_path):
    result = _check(Sec001AuthDependencies, tmp_path, APP + '''from fastapi import Depends, Request
from fastapi.security import HTTPBearer

bearer = HTTPBearer()


@app.post("/logout")
def logout(request: Request, creds=Depends(bearer)) -> dict:
    token = request.headers["Authorization"]
    return {"revoked": token}
''')
    assert result.status == "pass"


def test_middleware_authentication_is_unknown_not_fail(tmp_path):
    result = _check(Sec001AuthDependencies, tmp_path, APP + '''from fastapi import Request
import jwt


@app.middleware("http")
async def authenticate(request: Request, call_next):
    jwt.decode(request.headers.get("Authorization"), "k", algorithms=["HS256"])
    return await call_next(request)


@app.get("/x")
def x() -> dict:
    return {}
''')
    assert result.status == "unknown"


def test_sec011_na_without_any_authentication(tmp_path):
    result = _check(Sec011RoleChecks, tmp_path, APP + '''

@app.get("/x")
def x() -> dict:
    return {}
''')
    assert result.status == "na"


def test_sec011_security_scopes_are_a_permission_guard(tmp_path):
    result = _check(Sec011RoleChecks, tmp_path, APP + '''from fastapi import Depends, Security
from fastapi.security import OAuth2PasswordBearer

oauth2 = OAuth2PasswordBearer(tokenUrl="token")


def get_current_user(token: str = Depends(oauth2)) -> str:
    return token


@app.get("/items")
def items(user: str = Security(get_current_user, scopes=["items:read"])) -> list:
    return []
''')
    assert result.status == "pass"


# ---- SEC-002 / SEC-003 --------------------------------------------------------------------
JWT = "import jwt\n" + APP


def test_sec002_na_without_jwt(tmp_path):
    assert _check(Sec002SigningKeyFromConfig, tmp_path, APP).status == "na"


def test_sec002_getenv_with_literal_fallback_fails(tmp_path):
    result = _check(Sec002SigningKeyFromConfig, tmp_path, JWT + '''import os

KEY = os.getenv("JWT_KEY", "dev")


def token() -> str:
    return jwt.encode({}, KEY, algorithm="HS256")
''')
    assert result.status == "fail"
    assert result.evidence[0].line == 11


def test_sec002_cached_settings_with_secret_str(tmp_path):
    result = _check(Sec002SigningKeyFromConfig, tmp_path, {
        "app/core/config.py": '''from functools import lru_cache

from pydantic import SecretStr
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    jwt_secret: SecretStr


@lru_cache
def get_settings() -> Settings:
    return Settings()
''',
        "app/main.py": JWT + '''from app.core.config import get_settings


def token() -> str:
    return jwt.encode({}, get_settings().jwt_secret.get_secret_value(), algorithm="HS256")
'''})
    assert result.status == "pass"


def test_sec002_settings_default_is_shown_once_however_often_the_key_is_used(tmp_path):
    result = _check(Sec002SigningKeyFromConfig, tmp_path, {
        "app/config.py": """from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    secret_key: str = "dev-secret"


settings = Settings()
""",
        "app/main.py": JWT + """from app.config import settings


def encode(claims: dict) -> str:
    return jwt.encode(claims, settings.secret_key, algorithm="HS256")


def decode(token: str) -> dict:
    return jwt.decode(token, settings.secret_key, algorithms=["HS256"])
"""})
    assert result.status == "fail"
    assert [(e.path, e.line) for e in result.evidence] == [
        ("app/main.py", 9), ("app/config.py", 5), ("app/main.py", 13)]


def test_sec002_literal_passed_directly(tmp_path):
    result = _check(Sec002SigningKeyFromConfig, tmp_path, JWT + '''

def decode(token: str) -> dict:
    return jwt.decode(token, key="x", algorithms=["HS256"])
''')
    assert result.status == "fail"


@pytest.mark.parametrize(("lifetime", "status"), [
    ("ACCESS_TOKEN_EXPIRE_MINUTES = 30", "pass"),
    ("ACCESS_TOKEN_EXPIRE_MINUTES = 31", "fail"),
    ("ACCESS_TOKEN_EXPIRE_SECONDS = 1800", "pass"),
    ("ACCESS_TOKEN_EXPIRE_HOURS = 1", "fail"),
    ("ACCESS_TOKEN_EXPIRE_DAYS = 1", "fail"),
    ("ACCESS_TOKEN_EXPIRE_MINUTES = int(os.getenv('TTL', '45'))", "fail"),
    ("ACCESS_TOKEN_EXPIRE_MINUTES = int(os.environ['TTL'])", "unknown"),
    ("ACCESS_TOKEN_EXPIRE_MINUTES = 15\nREFRESH_TOKEN_EXPIRE_DAYS = 30", "pass"),
])
def test_sec003_thresholds_and_units(tmp_path, lifetime, status):
    result = _check(Sec003ShortLivedTokens, tmp_path, JWT + "import os\n\n" + lifetime + '''


def token() -> str:
    return jwt.encode({}, os.environ["K"], algorithm="HS256")
''')
    assert result.status == status, [e.message for e in result.evidence]


def test_sec003_metric_and_unknown_without_a_lifetime(tmp_path):
    result = _check(Sec003ShortLivedTokens, tmp_path / "a", JWT + '''import os
ACCESS_TOKEN_EXPIRE_MINUTES = 60 * 24


def token() -> str:
    return jwt.encode({}, os.environ["K"], algorithm="HS256")
''')
    assert result.metric == {"minutes": 1440}
    result = _check(Sec003ShortLivedTokens, tmp_path / "b", JWT + '''import os


def token(claims: dict) -> str:
    return jwt.encode(claims, os.environ["K"], algorithm="HS256")
''')
    assert result.status == "unknown"
    assert _check(Sec003ShortLivedTokens, tmp_path / "c", APP).status == "na"


@pytest.mark.parametrize(("access", "status"), [
    ("int(os.environ['ACCESS_TTL_MINUTES'])", "unknown"),
    ("45", "fail"),
    ("15", "pass"),
])
def test_sec003_refresh_lifetime_in_the_same_function_is_not_the_access_one(
        tmp_path, access, status):
    result = _check(Sec003ShortLivedTokens, tmp_path, JWT + f'''import os
from datetime import datetime, timedelta, timezone

REFRESH_TOKEN_TTL_DAYS = 14


def issue_tokens(sub: str) -> tuple[str, str]:
    now = datetime.now(timezone.utc)
    access = jwt.encode({{"exp": now + timedelta(minutes={access})}}, os.environ["K"])
    refresh = jwt.encode({{"exp": now + timedelta(days=REFRESH_TOKEN_TTL_DAYS)}},
                         os.environ["K"])
    return access, refresh
''')
    assert result.status == status, [e.message for e in result.evidence]


def test_sec003_fastapi_users_strategy_seconds(tmp_path):
    result = _check(Sec003ShortLivedTokens, tmp_path, APP + '''import os

from fastapi_users.authentication import JWTStrategy


def get_jwt_strategy() -> JWTStrategy:
    return JWTStrategy(secret=os.environ["K"], lifetime_seconds=3600)
''')
    assert result.status == "fail"
    assert result.metric == {"minutes": 60}


# ---- SEC-004 ------------------------------------------------------------------------------
def test_sec004_na_when_only_config_passwords(tmp_path):
    result = _check(Sec004PasswordHashing, tmp_path, APP + '''
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    postgres_password: str
''')
    assert result.status == "na"


def test_sec004_hashlib_new_sha256_over_password(tmp_path):
    result = _check(Sec004PasswordHashing, tmp_path, APP + '''import hashlib


def hash_pw(password: str) -> str:
    return hashlib.new("sha256", password.encode()).hexdigest()
''')
    assert result.status == "fail"
    assert result.evidence[0].line == 8


def test_sec004_sha256_over_other_data_is_not_password_hashing(tmp_path):
    result = _check(Sec004PasswordHashing, tmp_path, APP + '''import hashlib


def etag(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()
''')
    assert result.status == "na"


def test_sec004_a_fastapi_users_manager_hashes_passwords_through_the_library(tmp_path):
    result = _check(Sec004PasswordHashing, tmp_path, APP + '''import uuid

from fastapi_users import BaseUserManager, UUIDIDMixin


class Accounts(UUIDIDMixin, BaseUserManager[dict, uuid.UUID]):
    async def validate_password(self, password: str, user: dict) -> None:
        return None
''')
    assert result.status == "pass"
    assert result.evidence[0].line == 9
    assert "fastapi-users user manager" in result.evidence[0].message


# ---- SEC-005 ------------------------------------------------------------------------------
CORS = APP + "from fastapi.middleware.cors import CORSMiddleware\n"


@pytest.mark.parametrize(("options", "status"), [
    ('allow_origins=["*"]', "warn"),
    ('allow_origin_regex=".*", allow_credentials=True', "fail"),
    ('allow_origin_regex=r"https://.*\\.example\\.com", allow_credentials=True', "warn"),
    ("allow_credentials=True", "pass"),
    # a conditional is not summarised by the extractor: undecided rather than guessed
    ('allow_origins=["*"] if settings.debug else [], allow_credentials=True', "unknown"),
])
def test_sec005_decisions(tmp_path, options, status):
    code = CORS + "from app.config import settings\n" + \
        f"app.add_middleware(CORSMiddleware, {options})\n"
    result = _check(Sec005CorsPerEnvironment, tmp_path, {
        "app/main.py": code,
        "app/config.py": "class S:\n    debug = False\n\n\nsettings = S()\n"})
    assert result.status == status, [e.message for e in result.evidence]


def test_sec005_settings_default_wildcard_with_credentials_fails(tmp_path):
    result = _check(Sec005CorsPerEnvironment, tmp_path, {
        "app/config.py": '''from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    cors_origins: list[str] = ["*"]


settings = Settings()
''',
        "app/main.py": CORS + '''from app.config import settings


def create_app() -> FastAPI:
    application = FastAPI()
    application.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=True,
    )
    return application
'''})
    assert result.status == "fail"
    assert result.evidence[0].line == 10  # first line of the multi-line call


def test_sec005_na_without_cors(tmp_path):
    assert _check(Sec005CorsPerEnvironment, tmp_path, APP).status == "na"


def test_regex_catch_all():
    assert regex_matches_everything(".*")
    assert regex_matches_everything("https?://.*")
    assert not regex_matches_everything(r"https://.*\.example\.com")


# ---- SEC-006 / SEC-008 / SEC-010 ------------------------------------------------------------
def test_sec006_app_wide_slowapi_middleware(tmp_path):
    result = _check(Sec006RateLimitAuth, tmp_path, APP + '''from slowapi import Limiter
from slowapi.middleware import SlowAPIMiddleware
from slowapi.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=["100/minute"])
app.state.limiter = limiter
app.add_middleware(SlowAPIMiddleware)


@app.post("/login")
def login() -> dict:
    return {}
''')
    assert result.status == "pass"


def test_sec006_dependency_bound_to_a_limiter_instance(tmp_path):
    files = {"app/limits.py": '''from fastapi import Request


class RateLimit:
    def __init__(self, times: int, seconds: int) -> None:
        self.times, self.seconds = times, seconds

    async def __call__(self, request: Request) -> None:
        ...


register_limit = RateLimit(times=10, seconds=3600)
''', "app/main.py": APP + '''from fastapi import Depends

from app.limits import register_limit


@app.post("/register", dependencies=[Depends(register_limit)])
def register() -> dict:
    return {}


@app.post("/token")
def login() -> dict:
    return {}
'''}
    result = _check(Sec006RateLimitAuth, tmp_path / "warn", files)
    assert result.status == "warn", [e.message for e in result.evidence]
    assert result.metric == {"limited": 0, "auth_routes": 1}
    files["app/main.py"] = files["app/main.py"].replace(
        '@app.post("/token")', '@app.post("/token", dependencies=[Depends(register_limit)])')
    assert _check(Sec006RateLimitAuth, tmp_path / "pass", files).status == "pass"


def test_sec006_limiter_without_login_routes_passes(tmp_path):
    result = _check(Sec006RateLimitAuth, tmp_path, APP + '''from fastapi import Request
from slowapi import Limiter
from slowapi.util import get_remote_address

limiter = Limiter(key_func=get_remote_address)


@app.get("/search")
@limiter.limit("5/minute")
def search(request: Request) -> list:
    return []
''')
    assert result.status == "pass"


def test_sec006_a_local_variable_named_like_a_limiter_library_is_no_limiter(tmp_path):
    result = _check(Sec006RateLimitAuth, tmp_path, APP + '''

@app.post("/quota")
def quota(limits: str) -> dict:
    return {"limits": limits.strip()}
''')
    assert result.status == "fail", [e.message for e in result.evidence]


def test_sec008_hsts_only_warns(tmp_path):
    result = _check(Sec008SecurityHeaders, tmp_path, APP + '''from fastapi import Request


@app.middleware("http")
async def hsts(request: Request, call_next):
    response = await call_next(request)
    response.headers["Strict-Transport-Security"] = "max-age=31536000"
    return response
''')
    assert result.status == "warn"
    assert result.evidence[0].line == 10


def test_sec008_raw_asgi_middleware_with_byte_header_names(tmp_path):
    result = _check(Sec008SecurityHeaders, tmp_path, APP + '''

class Headers:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append(
                    (b"strict-transport-security", b"max-age=31536000")
                )
                message["headers"] += [(b"X-Frame-Options", b"DENY")]
            await send(message)

        await self.app(scope, receive, send_with_headers)


app.add_middleware(Headers)
''')
    assert result.status == "pass", [e.message for e in result.evidence]
    assert sorted(e.line for e in result.evidence) == [13, 16]


def test_sec008_byte_strings_that_are_not_header_names_do_not_count(tmp_path):
    result = _check(Sec008SecurityHeaders, tmp_path, APP + '''
BANNER = b"strict-transport-security is set at the proxy"
''')
    assert result.status == "fail"


def test_sec010_scanner_through_precommit_and_codeql_action(tmp_path):
    ci = ("on: push\njobs:\n  analyze:\n    runs-on: ubuntu-latest\n    steps:\n"
          "      - uses: github/codeql-action/analyze@v3\n")
    result = _check(Sec010VulnerabilityScanning, tmp_path, {
        "app/main.py": APP, ".github/workflows/codeql.yml": ci})
    assert result.status == "pass"
    assert result.evidence[0].line == 6


# ---- SEC-009 ------------------------------------------------------------------------------
DB = APP + "from sqlalchemy import text\n"


def test_sec009_str_annotated_helper_param_fails(tmp_path):
    result = _check(Sec009NoSqlFromStrings, tmp_path, DB + '''

def find(conn, email: str):
    return conn.execute(text("SELECT * FROM users WHERE email = '%s'" % email))
''')
    assert result.status == "fail"
    assert result.evidence[0].line == 8


def test_sec009_request_derived_value_fails(tmp_path):
    result = _check(Sec009NoSqlFromStrings, tmp_path, DB + '''from fastapi import Request


def lookup(cursor, request: Request):
    term = request.query_params.get("q")
    cursor.execute("SELECT * FROM items WHERE name LIKE '%" + term + "%'")
''')
    assert result.status == "fail"
    assert result.metric == {"tainted": 1, "interpolated": 1}


def test_sec009_format_and_non_sql_execute(tmp_path):
    result = _check(Sec009NoSqlFromStrings, tmp_path, DB + '''

def run(executor, conn, table_name):
    executor.execute(f"hello {table_name}")
    conn.execute(text("DELETE FROM {}".format(table_name)))
''')
    assert result.status == "warn"
    assert [e.line for e in result.evidence] == [9]


# ---- SEC-012 ------------------------------------------------------------------------------
def test_secret_like_names_follow_scope_3_8():
    assert is_secret_like("SECRET_KEY") and is_secret_like("db_password")
    assert is_secret_like("githubApiKey")  # case-insensitive: contains "apikey"
    assert is_secret_like("apikey") and is_secret_like("credentials")
    for name in ("tokenUrl", "token_url", "TOKEN_TYPE", "API_KEY_HEADER", "password_min",
                 "ACCESS_TOKEN_EXPIRE_MINUTES", "jwt_secret_algorithm", "api_key_name",
                 "default_tokenizer", "TOKENIZERS_PARALLELISM"):
        assert not is_secret_like(name), name
    assert is_secret_like("tokenizer_api_token")  # a real token next to a tokenizer


def test_sec012_precision_cases_pass(tmp_path):
    result = _check(Sec012NoHardcodedSecrets, tmp_path, {
        "app/main.py": APP + '''import enum

from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel, Field


class TokenKind(str, enum.Enum):
    ACCESS_TOKEN = "access"
    REFRESH_TOKEN = "refresh"


INVALID_TOKEN_MESSAGE = "Invalid token"
PASSWORD = "password"
oauth2 = OAuth2PasswordBearer(tokenUrl="token")


class Login(BaseModel):
    username: str
    password: str = Field(min_length=8)
    model_config = {"json_schema_extra": {"example": {"password": "hunter22"}}}
''',
        ".env": "SECRET_KEY=${SECRET_KEY}\nAPI_TOKEN=\nDEBUG=true\n",
        ".env.example": "SECRET_KEY=changethis\n"})
    assert result.status == "pass", [e.message for e in result.evidence]


def test_sec012_tokenizers_messages_and_response_types_are_no_secrets(tmp_path):
    result = _check(Sec012NoHardcodedSecrets, tmp_path, APP + '''import os

os.environ["TOKENIZERS_PARALLELISM"] = "false"
RESPONSE_MODES = {"code": "query", "code id_token": "fragment"}


def validate(config: dict) -> dict:
    errors = {}
    if not config.get("api_key"):
        errors["api_key"] = "Set an API key to use the search provider."
    return errors
''')
    assert result.status == "pass", [e.message for e in result.evidence]


def test_sec012_literals_in_all_forms_fail(tmp_path):
    result = _check(Sec012NoHardcodedSecrets, tmp_path, APP + '''from decouple import config
from pydantic import SecretStr
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    secret_key: str = "changethis"
    db_password: SecretStr = SecretStr("postgres")


API_TOKEN = config("API_TOKEN", default="abc123")
HEADERS = {"api_key": "k-123"}
app.state.client_secret = "s"
''')
    assert result.status == "fail"
    assert sorted(e.line for e in result.evidence) == [10, 11, 14, 15, 16]
