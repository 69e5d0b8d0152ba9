"""Security checks about secret material: JWT signing keys, token lifetimes, literals."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...project import Project
from ...python.facts import (
    Assignment,
    Call,
    ClassFact,
    Const,
    DictExpr,
    Expr,
    ModuleFacts,
    Name,
    Seq,
    Subscript,
)
from ..base import FAIL, CheckResult, Evidence, Example, Rule
from ..matchers import calls_in, function_by_qualname, is_literal_string, last_part, walk_expr
from ._shared import (
    config_reader_default,
    field_default,
    is_config_reader,
    is_secret_wrapper,
    jwt_calls,
    jwt_key_argument,
    name_tokens,
    settings_field_of,
    uses_jwt_auth_library,
    value_source,
)

JWT_APP = '''from datetime import datetime, timedelta, timezone

from fastapi import FastAPI
from jose import jwt

app = FastAPI()
'''
SETTINGS = '''from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    SECRET_KEY: str
    ACCESS_TOKEN_EXPIRE_MINUTES: int = 15


settings = Settings()
'''
_LIBRARY_JWT = {"JWTStrategy": ("secret", "lifetime_seconds"),
                "JwtAccessBearer": ("secret_key", "access_expires_delta"),
                "JwtAccessBearerCookie": ("secret_key", "access_expires_delta"),
                "JwtAuthorizationCredentials": ("", "")}


def _library_jwt_calls(project: Project) -> list[tuple[ModuleFacts, Call, str]]:
    """fastapi-users `JWTStrategy(...)`, fastapi-jwt `JwtAccessBearer(...)`."""
    found = []
    for module, site in project.call_index.ending_with(_LIBRARY_JWT):
        func = site.call.func
        if isinstance(func, Name) and last_part(func.dotted) in _LIBRARY_JWT and \
                func.qname.startswith(("fastapi_users", "fastapi_jwt")):
            found.append((module, site.call, last_part(func.dotted)))
    return found


def _authjwt_fields(project: Project, name: str) -> list[tuple[ModuleFacts, ClassFact, object]]:
    """fastapi-jwt-auth reads its key/lifetimes from `authjwt_*` fields of a settings class."""
    return [(module, cls, field) for module, cls in project.iter_classes()
            for field in cls.fields if field.name.lower() == name]


def uses_jwt(project: Project) -> bool:
    return bool(jwt_calls(project) or _library_jwt_calls(project)
                or uses_jwt_auth_library(project))


# ---- SEC-002 ----------------------------------------------------------------------------
class Sec002SigningKeyFromConfig(Rule):
    """Detects JWT signing keys written into the code or defaulted to a literal."""

    id = "SEC-002"
    title = "JWT signing key from configuration"
    dimension = "security"
    priority = "P0"
    tags = ("sec10#1",)
    rationale = (
        "Whoever knows the signing key can mint a valid token for any user. A key in the "
        "source (or as a settings default) is shared by every checkout, CI log and fork, is "
        "the same in every environment, and cannot be rotated without a release."
    )
    remediation = (
        "Read the key from the environment or a secret store through the settings class, "
        "with no default, so the service refuses to start without it: "
        "`SECRET_KEY: SecretStr` and `jwt.encode(..., settings.SECRET_KEY.get_secret_value())`."
    )
    example_before = (
        'SECRET_KEY = "super-secret"\n'
        'jwt.encode(claims, SECRET_KEY, algorithm="HS256")'
    )
    example_after = (
        "class Settings(BaseSettings):\n    secret_key: SecretStr\n\n"
        "jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm='HS256')"
    )
    VALID = [
        Example({"app/config.py": SETTINGS, "app/main.py": JWT_APP + '''
from app.config import settings


def create_token(sub: str) -> str:
    return jwt.encode({"sub": sub}, settings.SECRET_KEY, algorithm="HS256")
'''}, name="settings-field-without-default"),
        Example('''import os

import jwt
from fastapi import FastAPI

app = FastAPI()
SECRET_KEY = os.environ["JWT_SECRET"]


def decode(token: str) -> dict:
    return jwt.decode(token, SECRET_KEY, algorithms=["HS256"])
''', name="environment"),
    ]
    INVALID = [
        Example(JWT_APP + '''
SECRET_KEY = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7"


def create_token(sub: str) -> str:
    return jwt.encode({"sub": sub}, SECRET_KEY, algorithm="HS256")
''', expect=FAIL, name="module-constant"),
        Example({"app/config.py": SETTINGS.replace("SECRET_KEY: str",
                                                   'SECRET_KEY: str = "changethis"'),
                 "app/main.py": JWT_APP + '''
from app.config import settings


def create_token(sub: str) -> str:
    return jwt.encode({"sub": sub}, settings.SECRET_KEY, algorithm="HS256")
'''}, expect=FAIL, name="settings-default-literal"),
    ]

    def check(self, project: Project) -> CheckResult:
        if not uses_jwt(project):
            return self.not_applicable("no JWT is used (no python-jose, PyJWT, authlib, "
                                       "fastapi-jwt-auth or fastapi-users JWT in app code)")
        literal, config, unknown = [], [], []
        fields_shown: set[tuple[str, int]] = set()
        for module, scope, line, end_line, key in self._key_sites(project):
            kind, where = value_source(project, module, scope, key, line)
            bucket = {"literal": literal, "config": config}.get(kind, unknown)
            field = settings_field_of(project, module, scope, key)
            if kind == "literal" and field is not None:
                bucket.append(project.evidence(
                    module.path, line, "the JWT signing key is a settings field whose default "
                    "is a literal", end_line=end_line, scope=scope))
                place = (field[0].path, field[1].line)
                if place not in fields_shown:  # one item for the field, however often used
                    fields_shown.add(place)
                    bucket.append(project.evidence(field[0].path, field[1].line, "the settings "
                                                   "field behind the key defaults to a literal",
                                                   end_line=field[1].end_line))
                continue
            bucket.append(self._evidence(project, module, scope, line, end_line, kind, where))
        literal += self._authjwt_literals(project, config)
        if literal:
            return self.failed(literal)
        if config:
            return self.passed(config)
        return self.unknown(unknown or [project.absence(
            "JWT is used, but no signing key argument could be found")])

    @staticmethod
    def _key_sites(project: Project):
        for module, site, _kind in jwt_calls(project):
            key = jwt_key_argument(site.call)
            if key is not None:
                yield module, site.scope, site.call.line, site.call.end_line, key
        for module, call, name in _library_jwt_calls(project):
            keyword = _LIBRARY_JWT[name][0]
            key = call.kwargs.get(keyword) if keyword else None
            if key is not None:
                yield module, "", call.line, call.end_line, key

    @staticmethod
    def _evidence(project: Project, module: ModuleFacts, scope: str, line: int, end_line: int,
                  kind: str, where: Expr | None) -> Evidence:
        messages = {
            "literal": "the JWT signing key is a string literal (or falls back to one)",
            "config": "the JWT signing key comes from settings/environment",
        }
        message = messages.get(kind, "the JWT signing key could not be traced to settings or "
                                     "a literal")
        return project.evidence(module.path, line, message, end_line=end_line, scope=scope)

    @staticmethod
    def _authjwt_literals(project: Project, config: list[Evidence]) -> list[Evidence]:
        found = []
        for module, _cls, field in _authjwt_fields(project, "authjwt_secret_key"):
            default = field_default(field.value)  # type: ignore[attr-defined]
            evidence = project.evidence(module.path, field.line, "fastapi-jwt-auth signing "  # type: ignore[attr-defined]
                                        "key", end_line=field.end_line)  # type: ignore[attr-defined]
            kind = value_source(project, module, "", default)[0] if default is not None else ""
            if kind == "literal":
                evidence.message = "the fastapi-jwt-auth signing key defaults to a literal"
                found.append(evidence)
            else:
                evidence.message = "the fastapi-jwt-auth signing key comes from settings"
                config.append(evidence)
        return found


# ---- SEC-003 ----------------------------------------------------------------------------
LIMIT_MINUTES = 30
_UNITS = {"minutes": 1, "minute": 1, "mins": 1, "min": 1, "seconds": 1 / 60, "second": 1 / 60,
          "secs": 1 / 60, "sec": 1 / 60, "hours": 60, "hour": 60, "hrs": 60, "days": 1440,
          "day": 1440, "weeks": 10080}
_TIMEDELTA_ORDER = ("days", "seconds", "microseconds", "milliseconds", "minutes", "hours", "weeks")
_TIMEDELTA_MINUTES = {"days": 1440, "seconds": 1 / 60, "microseconds": 1 / 60e6,
                      "milliseconds": 1 / 60e3, "minutes": 1, "hours": 60, "weeks": 10080}
_EXPIRY_WORDS = {"expire", "expires", "expiry", "expiration", "exp", "lifetime", "ttl", "age",
                 "duration", "validity", "life", "lifespan"}
_TOKEN_WORDS = {"access", "token", "jwt", "authjwt", "auth"}
_OTHER_TOKENS = {"refresh", "reset", "verify", "verification", "email", "invite", "invitation",
                 "confirm", "confirmation", "password", "otp", "magic", "cookie", "session",
                 "cache", "link", "csrf", "code", "remember"}


@dataclass(slots=True)
class Lifetime:
    minutes: float | None
    module: ModuleFacts
    line: int
    end_line: int
    what: str


def _whole(minutes: float) -> float | int | str:
    if minutes == float("inf"):
        return "never expires"
    return int(minutes) if float(minutes).is_integer() else round(minutes, 2)


def is_access_lifetime_name(name: str) -> bool:
    tokens = set(name_tokens(name))
    return bool(tokens & _EXPIRY_WORDS and tokens & _TOKEN_WORDS and not tokens & _OTHER_TOKENS)


def _unit_of(name: str) -> float | None:
    tokens = name_tokens(name)
    return _UNITS.get(tokens[-1]) if tokens else None


def timedelta_minutes(project: Project, call: Call) -> float | None:
    """Minutes of a `timedelta(...)` with constant arguments, else None."""
    total = 0.0
    pairs = list(zip(_TIMEDELTA_ORDER, call.args, strict=False)) + list(call.kwargs.items())
    if not pairs or "**" in call.kwargs:
        return None
    for unit, value in pairs:
        number = project.constant(value)
        if unit not in _TIMEDELTA_MINUTES or not isinstance(number, int | float) or \
                isinstance(number, bool):
            return None
        total += number * _TIMEDELTA_MINUTES[unit]
    return total


def _names_other_token(call: Call) -> bool:
    """`timedelta(days=REFRESH_TOKEN_TTL_DAYS)`: the lifetime of another token (refresh,
    reset, ...) issued by the same function, not the access token's."""
    names = [n for arg in [*call.args, *call.kwargs.values()] for n in walk_expr(arg)
             if isinstance(n, Name)]
    return any(set(name_tokens(last_part(n.dotted))) & _OTHER_TOKENS for n in names)


def is_timedelta(call: Call | Expr | None) -> bool:
    return isinstance(call, Call) and isinstance(call.func, Name) and \
        last_part(call.func.qname) == "timedelta"


class Sec003ShortLivedTokens(Rule):
    """Detects access tokens that live longer than 30 minutes."""

    id = "SEC-003"
    title = "Short-lived access tokens"
    dimension = "security"
    priority = "P0"
    tags = ("sec10#2",)
    rationale = (
        "A JWT cannot be revoked once issued: a stolen access token works until it expires. "
        "Keeping access tokens short (minutes, not days) bounds the damage, while refresh "
        "tokens keep sessions long."
    )
    remediation = (
        "Set the access-token lifetime to 30 minutes or less (e.g. "
        "`ACCESS_TOKEN_EXPIRE_MINUTES: int = 15`) and issue a refresh token for longer "
        "sessions."
    )
    example_before = "ACCESS_TOKEN_EXPIRE_MINUTES = 60 * 24 * 8  # eight days"
    example_after = "ACCESS_TOKEN_EXPIRE_MINUTES = 15"
    VALID = [
        Example({"app/config.py": SETTINGS, "app/main.py": JWT_APP + '''
from app.config import settings


def create_access_token(sub: str) -> str:
    expire = datetime.now(timezone.utc) + timedelta(minutes=settings.ACCESS_TOKEN_EXPIRE_MINUTES)
    return jwt.encode({"sub": sub, "exp": expire}, settings.SECRET_KEY, algorithm="HS256")
'''}, name="settings-minutes"),
        Example(JWT_APP + '''import os


def create_access_token(sub: str) -> str:
    expire = datetime.now(timezone.utc) + timedelta(seconds=900)
    return jwt.encode({"sub": sub, "exp": expire}, os.environ["KEY"], algorithm="HS256")
''', name="inline-timedelta-seconds"),
    ]
    INVALID = [
        Example(JWT_APP + '''import os

ACCESS_TOKEN_EXPIRE_MINUTES = 60 * 24 * 8


def create_access_token(sub: str) -> str:
    expire = datetime.now(timezone.utc) + timedelta(minutes=ACCESS_TOKEN_EXPIRE_MINUTES)
    return jwt.encode({"sub": sub, "exp": expire}, os.environ["KEY"], algorithm="HS256")
''', expect=FAIL, name="eight-days"),
        Example(JWT_APP + '''import os

JWT_LIFETIME = timedelta(hours=2)


def create_access_token(sub: str) -> str:
    expire = datetime.now(timezone.utc) + JWT_LIFETIME
    return jwt.encode({"sub": sub, "exp": expire}, os.environ["KEY"], algorithm="HS256")
''', expect=FAIL, name="timedelta-constant-hours"),
    ]

    def check(self, project: Project) -> CheckResult:
        if not uses_jwt(project):
            return self.not_applicable("no JWT is used (no python-jose, PyJWT, authlib, "
                                       "fastapi-jwt-auth or fastapi-users JWT in app code)")
        lifetimes = self._named(project) + self._timedelta_uses(project) + self._library(project)
        if not any(item.minutes is not None for item in lifetimes):
            lifetimes += self._in_token_functions(project)
        lifetimes = list({(i.module.path, i.line): i for i in lifetimes}.values())
        decided = [item for item in lifetimes if item.minutes is not None]
        too_long = [item for item in decided if item.minutes > LIMIT_MINUTES]  # type: ignore[operator]
        if too_long:
            return self.failed([self._evidence(project, item) for item in too_long],
                               {"minutes": _whole(max(i.minutes for i in too_long))})  # type: ignore[type-var]
        if decided:
            return self.passed([self._evidence(project, item) for item in decided],
                               {"minutes": _whole(max(i.minutes for i in decided))})  # type: ignore[type-var]
        return self.unknown([self._evidence(project, item) for item in lifetimes] or [
            project.absence("JWT is used, but the access-token lifetime could not be resolved "
                            "(looked for *_EXPIRE_MINUTES-style constants and settings, and "
                            "timedelta(...) in token-creating functions)")])

    @staticmethod
    def _evidence(project: Project, item: Lifetime) -> Evidence:
        if item.minutes is None:
            message = f"{item.what}: lifetime could not be resolved"
        else:
            verdict = "longer than" if item.minutes > LIMIT_MINUTES else "within"
            message = f"{item.what}: {item.minutes:g} minutes ({verdict} {LIMIT_MINUTES})"
        return project.evidence(item.module.path, item.line, message, end_line=item.end_line)

    def _named(self, project: Project) -> list[Lifetime]:
        """Module constants and settings fields such as ACCESS_TOKEN_EXPIRE_MINUTES."""
        found = []
        for module in project.app_modules:
            for assignment in module.assignments:
                for target in assignment.targets:
                    name = last_part(target.dotted) if isinstance(target, Name) else ""
                    if name and is_access_lifetime_name(name):
                        found.append(self._lifetime(project, module, assignment, name))
        return found

    @staticmethod
    def _lifetime(project: Project, module: ModuleFacts, assignment: Assignment,
                  name: str) -> Lifetime:
        value = field_default(assignment.value)
        minutes = None
        if is_timedelta(value):
            minutes = timedelta_minutes(project, value)  # type: ignore[arg-type]
        else:
            unit = _unit_of(name)
            if name.lower().startswith("authjwt_"):
                unit = unit or 1 / 60  # fastapi-jwt-auth counts seconds
            number = project.constant(value)
            if number is False:  # fastapi-jwt-auth: tokens that never expire
                minutes = float("inf")
            elif unit is not None and isinstance(number, int | float):
                minutes = number * unit
        return Lifetime(minutes, module, assignment.line, assignment.end_line, name)

    @staticmethod
    def _timedelta_uses(project: Project) -> list[Lifetime]:
        """`timedelta(seconds=settings.JWT_TTL)`: the unit comes from the timedelta."""
        found = []
        for module, site in project.iter_calls():
            call = site.call
            if not is_timedelta(call):
                continue
            names = [n for arg in [*call.args, *call.kwargs.values()] for n in walk_expr(arg)
                     if isinstance(n, Name)]
            if any(is_access_lifetime_name(last_part(n.dotted)) for n in names):
                found.append(Lifetime(timedelta_minutes(project, call), module, call.line,
                                      call.end_line, "access-token timedelta"))
        return found

    @staticmethod
    def _library(project: Project) -> list[Lifetime]:
        found = []
        for module, call, name in _library_jwt_calls(project):
            keyword = _LIBRARY_JWT[name][1]
            value = call.kwargs.get(keyword) if keyword else None
            if value is None:
                continue
            if is_timedelta(value):
                minutes = timedelta_minutes(project, value)  # type: ignore[arg-type]
            else:
                number = project.constant(value)
                minutes = number / 60 if isinstance(number, int | float) else None
            found.append(Lifetime(minutes, module, call.line, call.end_line,
                                  f"{name}({keyword}=...)"))
        return found

    @staticmethod
    def _in_token_functions(project: Project) -> list[Lifetime]:
        """Constant timedeltas inside the functions that issue access tokens."""
        found = []
        for module, site, kind in jwt_calls(project):
            if kind != "encode":
                continue
            function = function_by_qualname(module, site.scope)
            if function is None or set(name_tokens(function.name)) & _OTHER_TOKENS:
                continue
            for inner in calls_in(module, function):
                if is_timedelta(inner.call) and not _names_other_token(inner.call):
                    found.append(Lifetime(timedelta_minutes(project, inner.call), module,
                                          inner.call.line, inner.call.end_line,
                                          f"token lifetime in {function.name}()"))
        return found


# ---- SEC-012 ----------------------------------------------------------------------------
_SECRET_WORDS = ("secret", "password", "passwd", "token", "api_key", "apikey", "private_key",
                 "credentials")
_NOT_SECRET_SUFFIX = re.compile(
    r"(?:_url|_uri|_prefix|_type|_header|_name|_length|_min|_max|_algorithm|_expire\w*|"
    r"_minutes|_seconds|_days)$")
# Precision: message and label constants (`INVALID_TOKEN_MESSAGE = "Invalid token"`) name
# a secret-like thing but hold prose, not a secret.
_PROSE_NAME = re.compile(r"(?:_msg|_message|_error|_detail|_description|_label|_text|_title|"
                         r"_help|_hint|_field)$|^(?:msg|message|error|err|invalid|incorrect|"
                         r"missing|wrong)_")
_TOKENIZER = re.compile(r"tokeni[sz][a-z]*")
# `errors["api_key"] = "Set an API key first"`: a message filed under a field's name.
_PROSE_CONTAINER = re.compile(r"^(?:errors?|messages?|msgs?|details?|labels?|hints?|"
                              r"descriptions?|help_texts?)$")
# A dict key that is no name (`"code id_token"`, an OAuth response type) names no secret.
_KEY_LIKE = re.compile(r"^[A-Za-z_][\w.-]*$")
_EXAMPLE_KEYS = {"example", "examples", "json_schema_extra", "schema_extra", "openapi_examples"}
_ENUM_BASES = {"enum.Enum", "enum.StrEnum", "enum.IntEnum", "Enum", "StrEnum"}


def is_secret_like(name: str) -> bool:
    """RULES.md 3.8: a secret-like name (case-insensitive), minus the listed suffixes."""
    lowered = name.lower()
    if lowered == "tokenurl" or _NOT_SECRET_SUFFIX.search(lowered):
        return False
    lowered = _TOKENIZER.sub("", lowered)  # a tokenizer splits text; it holds no token
    return any(word in lowered for word in _SECRET_WORDS)


def _flagged_name(name: str, value: Expr | None) -> bool:
    if not is_secret_like(name) or _PROSE_NAME.search(name.lower()):
        return False
    text = value.value if isinstance(value, Const) else None
    return not (isinstance(text, str) and text.lower() == name.lower())  # `PASSWORD = "password"`


def secret_literal(value: Expr | None) -> bool:
    """A literal per RULES.md 3.8: a non-empty string, wrapped, or a config-helper default."""
    value = field_default(value)
    if isinstance(value, Call):
        if is_config_reader(value):
            return is_literal_string(config_reader_default(value))
        return is_secret_wrapper(value) and is_literal_string(value.args[0])
    return is_literal_string(value)


class Sec012NoHardcodedSecrets(Rule):
    """Detects secrets written into app code or committed `.env` files."""

    id = "SEC-012"
    title = "No hardcoded secrets"
    dimension = "security"
    priority = "P0"
    tags = ("cfg#1", "p0")
    rationale = (
        "A secret in the repository is readable by everyone with access to it, stays in git "
        "history after it is removed, and usually ends up deployed unchanged to production. "
        "Placeholders such as `changethis` get deployed too."
    )
    remediation = (
        "Read secrets from the environment or a secret manager through the settings class, "
        "without defaults; commit only a `.env.example` with empty values and keep `.env` in "
        "`.gitignore`. Rotate any secret that was committed."
    )
    example_before = 'DATABASE_PASSWORD = "hunter2"'
    example_after = "class Settings(BaseSettings):\n    database_password: SecretStr"
    VALID = [
        Example({"app/config.py": SETTINGS, "app/main.py": "from fastapi import FastAPI\n\n"
                 "from app.config import settings\n\napp = FastAPI()\n"
                 'TOKEN_TYPE = "bearer"\n'},
                name="settings-without-defaults"),
        Example({"app/main.py": "import os\n\nfrom fastapi import FastAPI\n\napp = FastAPI()\n"
                 'API_KEY = os.getenv("API_KEY")\n',
                 ".env.example": "API_KEY=changeme\n"}, name="env-and-template"),
    ]
    INVALID = [
        Example("from fastapi import FastAPI\nfrom starlette.middleware.sessions import "
                "SessionMiddleware\n\napp = FastAPI()\n"
                'app.add_middleware(SessionMiddleware, secret_key="s3cr3t-value")\n',
                expect=FAIL, name="keyword-argument"),
        Example({"app/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
                 ".env": "DEBUG=1\nSTRIPE_API_KEY=sk_live_123\n"}, expect=FAIL,
                name="committed-env-file"),
    ]

    def check(self, project: Project) -> CheckResult:
        findings = self._assignments(project) + self._keywords(project) + self._env_files(project)
        if findings:
            return self.failed(findings, {"secrets": len(findings)})
        return self.passed([project.absence("no secret-like name is given a literal in app "
                                            "code or a committed .env file")])

    def _assignments(self, project: Project) -> list[Evidence]:
        found = []
        for module in project.app_modules:
            enum_scopes = _enum_scopes(project, module)
            for assignment in module.assignments:
                if assignment.scope in enum_scopes or assignment.kind == "with":
                    continue
                for target in assignment.targets:
                    name = _target_name(target)
                    if name and _flagged_name(name, field_default(assignment.value)) and \
                            secret_literal(assignment.value):
                        found.append(project.evidence(
                            module.path, assignment.line, f"`{name}` is assigned a literal "
                            "secret", end_line=assignment.end_line, scope=assignment.scope))
                found += self._dict_keys(project, module, assignment.value, assignment.line,
                                         assignment.end_line, assignment.scope)
        return found

    def _keywords(self, project: Project) -> list[Evidence]:
        found = []
        for module, site in project.iter_calls():
            for key, value in site.call.kwargs.items():
                if _flagged_name(key, value) and secret_literal(value):
                    found.append(project.evidence(module.path, site.call.line,
                                                  f"keyword `{key}` is given a literal secret",
                                                  end_line=site.call.end_line, scope=site.scope))
        return found

    @staticmethod
    def _dict_keys(project: Project, module: ModuleFacts, value: Expr | None, line: int,
                   end_line: int, scope: str) -> list[Evidence]:
        found = []
        for node in _dicts_outside_examples(value):
            for key, item in zip(node.keys, node.values, strict=False):
                name = key.value if isinstance(key, Const) and isinstance(key.value, str) else ""
                if _KEY_LIKE.match(name) and _flagged_name(name, item) and secret_literal(item):
                    found.append(project.evidence(module.path, line, f"dict key `{name}` holds "
                                                  "a literal secret", end_line=end_line,
                                                  scope=scope))
        return found

    @staticmethod
    def _env_files(project: Project) -> list[Evidence]:
        artifacts = project.artifacts
        found = []
        for env in artifacts.env_files if artifacts is not None else []:
            for entry in env.entries:
                value = entry.value.strip()
                if is_secret_like(entry.key) and value and not value.startswith("$"):
                    found.append(project.evidence(env.path, entry.line,
                                                  f"committed {env.path} sets {entry.key}"))
        return found


def _target_name(target: Expr) -> str:
    if isinstance(target, Name):
        return last_part(target.dotted)
    if isinstance(target, Subscript) and target.index and not _prose_container(target.value):
        key = target.index[0]
        return key.value if isinstance(key, Const) and isinstance(key.value, str) else ""
    return ""


def _prose_container(expr: Expr | None) -> bool:
    return isinstance(expr, Name) and bool(_PROSE_CONTAINER.match(last_part(expr.dotted).lower()))


def _enum_scopes(project: Project, module: ModuleFacts) -> set[str]:
    return {cls.qualname for cls in module.classes
            if project.is_subclass(module, cls, _ENUM_BASES)}


def _dicts_outside_examples(value: Expr | None):
    """Dict literals in a value, skipping documentation examples (`json_schema_extra`...)."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, DictExpr):
            yield node
            for key, item in zip(node.keys, node.values, strict=False):
                if not (isinstance(key, Const) and key.value in _EXAMPLE_KEYS):
                    stack.append(item)
        elif isinstance(node, Call):
            stack.extend(v for k, v in node.kwargs.items() if k not in _EXAMPLE_KEYS)
            stack.extend(node.args)
        elif isinstance(node, Seq):
            stack.extend(node.items)


__all__ = ["Sec002SigningKeyFromConfig", "Sec003ShortLivedTokens", "Sec012NoHardcodedSecrets",
           "is_secret_like", "uses_jwt"]
