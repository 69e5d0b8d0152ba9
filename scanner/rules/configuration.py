"""Configuration checks (CFG-001 .. CFG-006): typed settings, secrets, caching, environment.

A settings class is a Pydantic `BaseSettings` subclass of the app code, also through a base
settings class in another module; its fields include inherited ones. Classes named for tests
(`TestSettings`) are not the service's settings (RULES.md 3.4). CFG-002..CFG-005 look inside
the settings classes and are `na` without one; CFG-001 is the check that fails for it (3.3).
"""

from __future__ import annotations

import posixpath
import re
import weakref
from collections.abc import Iterator

from ..project import Project
from ..python.facts import (
    Call,
    ClassFact,
    ClassField,
    Const,
    Expr,
    FunctionFact,
    ModuleFacts,
    Name,
    Subscript,
)
from .base import FAIL, WARN, CheckResult, Evidence, Example, Rule
from .matchers import (
    annotated_metadata,
    calls_in,
    dependency_target,
    function_by_qualname,
    is_settings_class,
    last_part,
    resolved_dependency_functions,
    resolved_param_dependency,
    walk_expr_outside_calls,
)
from .security.secrets import is_secret_like, secret_literal
from .typing import parse_error_evidence, type_parts

ClassRef = tuple[ModuleFacts, ClassFact]
FieldRef = tuple[ModuleFacts, ClassFact, ClassField]  # declaring module and class

APP = """from fastapi import FastAPI

app = FastAPI()


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
"""

SETTINGS = """from functools import lru_cache
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env")

    environment: Literal["development", "staging", "production"] = "development"
    database_url: str = "sqlite:///./app.db"
    jwt_secret: SecretStr


@lru_cache
def get_settings() -> Settings:
    return Settings()
"""

MAIN_WITH_SETTINGS = """from typing import Annotated

from fastapi import Depends, FastAPI

from app.config import Settings, get_settings

app = FastAPI()


@app.get("/info")
async def info(settings: Annotated[Settings, Depends(get_settings)]) -> dict[str, str]:
    return {"environment": settings.environment}
"""


# ---- settings classes and fields -------------------------------------------------------
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NOT_FIELDS = {"model_config", "Config", "__slots__"}


def _named_for_tests(name: str) -> bool:
    """`TestSettings`, `TestingConfig`, `settings_test`: not the service's settings (3.4)."""
    tokens = re.split(r"[^a-z0-9]+", _CAMEL.sub("_", name).lower())
    return any(t in ("test", "tests", "testing") for t in tokens)


def settings_classes(project: Project) -> list[ClassRef]:
    """Pydantic `BaseSettings` subclasses in app code, except classes named for tests."""
    return [(module, cls) for module, cls in project.iter_classes()
            if is_settings_class(project, module, cls) and not _named_for_tests(cls.name)]


def _is_class_var(annotation: Expr | None) -> bool:
    head = annotation.value if isinstance(annotation, Subscript) else annotation
    return isinstance(head, Name) and last_part(head.dotted) == "ClassVar"


def _is_field(field: ClassField) -> bool:
    return not (field.name.startswith("_") or field.name in _NOT_FIELDS
                or _is_class_var(field.annotation))


def class_fields(project: Project, module: ModuleFacts, cls: ClassFact, _depth: int = 0
                 ) -> list[FieldRef]:
    """Own and inherited fields (own first, by name) with the module and class declaring each."""
    found: dict[str, FieldRef] = {f.name: (module, cls, f) for f in cls.fields if _is_field(f)}
    if _depth < 12:
        for base in cls.bases:
            parent = project.class_of(base)
            if parent is not None and parent[1] is not cls:
                for ref in class_fields(project, parent[0], parent[1], _depth + 1):
                    found.setdefault(ref[2].name, ref)
    return list(found.values())


def settings_fields(project: Project, classes: list[ClassRef]) -> list[FieldRef]:
    """Fields of every settings class, each declaration once (a base shared by two counts once)."""
    seen: set[tuple[str, int]] = set()
    fields = []
    for module, cls in classes:
        for ref in class_fields(project, module, cls):
            key = (ref[0].path, ref[2].line)
            if key not in seen:
                seen.add(key)
                fields.append(ref)
    return fields


def field_evidence(project: Project, ref: FieldRef, message: str) -> Evidence:
    module, cls, field = ref
    return project.evidence(module.path, field.line, message, end_line=field.end_line,
                            scope=cls.qualname, snippet_lines=2)


def _class_list(classes: list[ClassRef]) -> str:
    return ", ".join(f"{cls.name} ({module.path}:{cls.line})" for module, cls in classes[:5])


def _secret_fields_or_na(rule: Rule, project: Project):
    """The secret-like settings fields CFG-002/003 judge, or the `na` result when none."""
    classes = settings_classes(project)
    if not classes:
        return [], _no_settings(rule)
    fields = secret_like_fields(project, classes)
    if not fields:
        return [], rule.not_applicable(f"no secret-like fields in {_class_list(classes)}")
    return fields, None


def _no_settings(rule: Rule) -> CheckResult:
    return rule.not_applicable("no Pydantic BaseSettings class found in app code, so there are "
                               "no settings fields to examine")


def _head(part: Expr) -> str:
    if isinstance(part, Subscript):
        part = part.value
    if isinstance(part, Call):
        part = part.func
    return last_part(part.dotted) if isinstance(part, Name) else ""


# ---- environment reads (CFG-001, CFG-006) ----------------------------------------------
ENV_WRITES = {"setdefault", "update", "pop", "popitem", "clear", "putenv", "unsetenv",
              "__setitem__", "__delitem__"}


def _reads_env_name(name: Name) -> bool:
    qname = name.qname
    if qname in ("os.getenv", "os.getenvb", "os.environ", "os.environb"):
        return True
    if qname.startswith(("os.environ.", "os.environb.")):
        return last_part(qname) not in ENV_WRITES
    return False


def _env_names_outside_calls(expr: Expr | None) -> Iterator[Name]:
    """Environment reads in an expression, not inside its calls (each call is a site)."""
    for node in walk_expr_outside_calls(expr):
        if isinstance(node, Name) and _reads_env_name(node):
            yield node


_ENV_READS: weakref.WeakKeyDictionary[Project, dict[str, list[tuple[int, int, str, str]]]] = \
    weakref.WeakKeyDictionary()


def project_env_reads(project: Project, module: ModuleFacts) -> list[tuple[int, int, str, str]]:
    """`env_reads(module)`, found once per module for the checks that ask (CFG-001, CFG-006)."""
    memo = _ENV_READS.setdefault(project, {})
    if module.path not in memo:
        memo[module.path] = env_reads(module)
    return memo[module.path]


def env_reads(module: ModuleFacts) -> list[tuple[int, int, str, str]]:
    """(line, end_line, scope, what) for each place the module reads the process environment."""
    found: dict[int, tuple[int, int, str, str]] = {}

    def add(line: int, end_line: int, scope: str, name: Name) -> None:
        if line and line not in found:
            found[line] = (line, end_line or line, scope, name.dotted)

    for site in module.calls:
        call = site.call
        if isinstance(call.func, Name) and _reads_env_name(call.func):
            add(call.line, call.end_line, site.scope, call.func)
        for value in (*call.args, *call.kwargs.values()):
            for name in _env_names_outside_calls(value):
                add(call.line, call.end_line, site.scope, name)
    for assignment in module.assignments:
        for name in _env_names_outside_calls(assignment.value):
            add(assignment.line, assignment.end_line, assignment.scope, name)
    for statement in module.returns:
        for name in _env_names_outside_calls(statement.value):
            add(statement.line, statement.end_line, statement.scope, name)
    return [found[line] for line in sorted(found)]


# ---- CFG-001 ---------------------------------------------------------------------------
CONFIG_HELPERS = {
    "decouple.config": "python-decouple", "decouple.AutoConfig": "python-decouple",
    "decouple.Config": "python-decouple", "decouple.RepositoryEnv": "python-decouple",
    "environ.Env": "django-environ", "environ.FileAwareEnv": "django-environ",
    "environs.Env": "environs", "starlette.config.Config": "Starlette's Config",
}


def _helper_library(call: Call) -> str | None:
    if not isinstance(call.func, Name):
        return None
    qname = call.func.qname
    if qname.startswith("dynaconf."):
        return "dynaconf"
    return CONFIG_HELPERS.get(qname)


class Cfg001TypedSettings(Rule):
    """Detects whether configuration is a typed Pydantic settings class, an untyped helper, or
    module constants read from the environment."""

    id = "CFG-001"
    title = "Typed settings class"
    dimension = "configuration"
    priority = "P1"
    tags = ("cfg", "arch#6")
    rationale = (
        "A `BaseSettings` class declares every configuration value with its type in one place "
        "and validates them all when the process starts. Values read ad hoc with "
        "`os.getenv` are untyped strings, scattered, and only fail when first used; untyped "
        "helpers such as decouple or dynaconf centralise reading but still leave types and "
        "validation to each call site."
    )
    remediation = (
        "Declare the configuration as a `pydantic_settings.BaseSettings` subclass (one field "
        "per value, with its type and no default for required secrets) and read it through a "
        "cached getter or a module-level instance."
    )
    example_before = 'DATABASE_URL = os.getenv("DATABASE_URL")\nDEBUG = os.getenv("DEBUG") == "1"'
    example_after = ("class Settings(BaseSettings):\n    database_url: PostgresDsn\n"
                     "    debug: bool = False")
    VALID = [
        Example({"app/config.py": SETTINGS, "app/main.py": MAIN_WITH_SETTINGS},
                name="settings-class"),
        Example({"app/core/base.py": "from pydantic_settings import BaseSettings as B\n\n\n"
                 "class AppSettings(B):\n    debug: bool = False\n",
                 "app/core/config.py": "from app.core.base import AppSettings\n\n\n"
                 "class Settings(AppSettings):\n    port: int = 8000\n\n\nsettings = Settings()\n",
                 "app/main.py": APP}, name="base-class-in-another-module"),
    ]
    INVALID = [
        Example({"app/config.py": "import os\n\nDATABASE_URL = os.getenv('DATABASE_URL')\n"
                 "DEBUG = os.environ.get('DEBUG', '0') == '1'\n", "app/main.py": APP},
                expect=FAIL, name="module-constants"),
        Example({"app/config.py": "from decouple import config\n\n"
                 "DATABASE_URL = config('DATABASE_URL')\n"
                 "DEBUG = config('DEBUG', default=False, cast=bool)\n", "app/main.py": APP},
                expect=WARN, name="decouple-helper"),
        Example(APP, expect=FAIL, name="no-configuration-at-all"),
    ]

    def check(self, project: Project) -> CheckResult:
        classes = settings_classes(project)
        if classes:
            return self.passed([project.evidence(m.path, c.line, f"settings class `{c.name}` "
                                                 "(Pydantic BaseSettings)", scope=c.qualname,
                                                 snippet_lines=1) for m, c in classes])
        helpers = self._helper_calls(project)
        if helpers:
            return self.warned(helpers)
        constants = self._env_constants(project)
        if constants:
            return self.failed(constants)
        if project.app_parse_errors:
            return self.unknown(parse_error_evidence(project))
        return self.failed([project.absence(
            "no Pydantic BaseSettings class found in app code (looked in every app module "
            "for a subclass of pydantic_settings.BaseSettings)")])

    @staticmethod
    def _helper_calls(project: Project) -> list[Evidence]:
        found, lines = [], set()
        for module, site in project.iter_calls():
            library = _helper_library(site.call)
            if library is not None and (module.path, site.call.line) not in lines:
                lines.add((module.path, site.call.line))
                found.append(project.evidence(
                    module.path, site.call.line, f"configuration read with {library}: values "
                    "are untyped and unvalidated until used", end_line=site.call.end_line,
                    scope=site.scope))
        return found

    @staticmethod
    def _env_constants(project: Project) -> list[Evidence]:
        """Environment reads at module (or class-body) level: untyped settings constants."""
        return [project.evidence(module.path, line, f"setting read with `{what}` into an untyped "
                                 "module constant", end_line=end_line, scope=scope)
                for module in project.app_modules
                for line, end_line, scope, what in project_env_reads(project, module)
                if not _enclosing_functions(module, scope)]


# ---- CFG-002 ---------------------------------------------------------------------------
SECRET_TYPES = {"SecretStr", "SecretBytes", "Secret"}
STR_TYPES = {"str", "constr", "bytes", "conbytes"}


def secret_field_type(project: Project, annotation: Expr | None) -> tuple[str, str]:
    """("secret" | "str" | "other" | "unknown", the type's name) of a field annotation."""
    if annotation is None:
        return "unknown", "no annotation"
    heads = [_head(part) for part in type_parts(project, annotation)]
    for kind, names in (("secret", SECRET_TYPES), ("str", STR_TYPES)):
        named = [h for h in heads if h in names]
        if named:
            return kind, named[0]
    return "other", next((h for h in heads if h), "another type")


def secret_like_fields(project: Project, classes: list[ClassRef]) -> list[FieldRef]:
    return [ref for ref in settings_fields(project, classes) if is_secret_like(ref[2].name)]


class Cfg002SecretStr(Rule):
    """Detects secret-like settings fields typed as plain `str` instead of `SecretStr`."""

    id = "CFG-002"
    title = "SecretStr for secrets"
    dimension = "configuration"
    priority = "P1"
    tags = ("cfg#1",)
    rationale = (
        "A secret held in a plain `str` is printed in full by `repr()`, logging, tracebacks "
        "and error reporters, and ends up in log files. `SecretStr` masks the value everywhere "
        "except where the code explicitly asks for it with `get_secret_value()`."
    )
    remediation = (
        "Type secret-like settings fields (passwords, tokens, API keys, signing secrets) as "
        "`SecretStr` and call `.get_secret_value()` only where the raw value is handed to the "
        "library that needs it."
    )
    example_before = "class Settings(BaseSettings):\n    jwt_secret: str"
    example_after = ("class Settings(BaseSettings):\n    jwt_secret: SecretStr\n\n"
                     "jwt.encode(payload, settings.jwt_secret.get_secret_value())")
    VALID = [
        Example({"app/config.py": SETTINGS, "app/main.py": MAIN_WITH_SETTINGS},
                name="secretstr"),
        Example({"app/config.py": "from typing import Optional\n\nimport pydantic\n"
                 "from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n"
                 "    smtp_password: Optional[pydantic.SecretStr] = None\n"
                 "    api_key: pydantic.SecretStr\n    token_url: str = '/token'\n"
                 "    access_token_expire_minutes: int = 30\n\n\nsettings = Settings()\n",
                 "app/main.py": APP}, name="optional-secret-and-excluded-names"),
    ]
    INVALID = [
        Example({"app/config.py": "from pydantic_settings import BaseSettings\n\n\n"
                 "class Settings(BaseSettings):\n    SECRET_KEY: str\n"
                 "    DB_PASSWORD: str | None = None\n\n\nsettings = Settings()\n",
                 "app/main.py": APP}, expect=FAIL, name="plain-str"),
        Example({"app/core/base.py": "from pydantic_settings import BaseSettings\n\n\n"
                 "class Base(BaseSettings):\n    stripe_api_key: str\n",
                 "app/core/config.py": "from pydantic import SecretStr\n\n"
                 "from app.core.base import Base\n\n\nclass Settings(Base):\n"
                 "    jwt_secret: SecretStr\n", "app/main.py": APP},
                expect=FAIL, name="inherited-str-field"),
    ]

    def check(self, project: Project) -> CheckResult:
        fields, not_applicable = _secret_fields_or_na(self, project)
        if not_applicable is not None:
            return not_applicable
        typed = [(ref, *secret_field_type(project, ref[2].annotation)) for ref in fields]
        metric = {"secret_str": sum(kind == "secret" for _, kind, _ in typed),
                  "secret_like": len(typed)}
        plain = [field_evidence(project, ref, f"`{ref[2].name}` holds a secret in a plain "
                                f"{name}: repr(), logs and error reports show it")
                 for ref, kind, name in typed if kind == "str"]
        if plain:
            return self.failed(plain, metric)
        # Secret-like names typed int/Path/... (or unannotated) hold no text to mask: not a fail.
        return self.passed([field_evidence(project, ref, f"`{ref[2].name}` is typed {name}")
                            for ref, _, name in typed], metric)


# ---- CFG-003 ---------------------------------------------------------------------------
class Cfg003FailFastSecrets(Rule):
    """Detects secret-like settings fields with a literal default, so a missing secret goes
    unnoticed."""

    id = "CFG-003"
    title = "Fail fast on missing secrets"
    dimension = "configuration"
    priority = "P1"
    tags = ("cfg#2",)
    rationale = (
        "With a literal default, a deployment that forgot to provide the secret still starts "
        "and runs with a value that is in the repository (often a placeholder such as "
        "`changethis`). Without a default, settings validation stops the process at startup "
        "and names the missing variable."
    )
    remediation = (
        "Remove the defaults of secret-like settings fields so they are required; provide "
        "development values through an untracked `.env` file instead."
    )
    example_before = ("class Settings(BaseSettings):\n"
                      '    secret_key: SecretStr = SecretStr("changethis")')
    example_after = "class Settings(BaseSettings):\n    secret_key: SecretStr  # required"
    VALID = [
        Example({"app/config.py": SETTINGS, "app/main.py": MAIN_WITH_SETTINGS},
                name="required-secret"),
        Example({"app/config.py": "from pydantic import Field, SecretStr\n"
                 "from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n"
                 "    api_key: SecretStr | None = None\n    db_password: SecretStr = Field(...)\n"
                 "    redis_password: str = ''\n\n\nsettings = Settings()\n",
                 "app/main.py": APP}, name="none-empty-and-ellipsis"),
    ]
    INVALID = [
        Example({"app/config.py": "from pydantic_settings import BaseSettings\n\n\n"
                 "class Settings(BaseSettings):\n    SECRET_KEY: str = 'changethis'\n\n\n"
                 "settings = Settings()\n", "app/main.py": APP},
                expect=FAIL, name="placeholder"),
        Example({"app/config.py": "from pydantic import Field, SecretStr\n"
                 "from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n"
                 "    jwt_secret: SecretStr = Field(default=SecretStr('dev-secret'))\n\n\n"
                 "settings = Settings()\n", "app/main.py": APP},
                expect=FAIL, name="wrapped-field-default"),
    ]

    def check(self, project: Project) -> CheckResult:
        fields, not_applicable = _secret_fields_or_na(self, project)
        if not_applicable is not None:
            return not_applicable
        defaulted = [ref for ref in fields if secret_literal(ref[2].value)]
        metric = {"with_literal_default": len(defaulted), "secret_like": len(fields)}
        if defaulted:
            return self.failed([field_evidence(
                project, ref, f"`{ref[2].name}` has a literal default: the app starts even when "
                "the secret is not configured") for ref in defaulted], metric)
        return self.passed([field_evidence(project, ref, f"`{ref[2].name}` has no literal "
                                           "default") for ref in fields], metric)


# ---- CFG-004 ---------------------------------------------------------------------------
CACHE_DECORATORS = {"lru_cache", "cache", "alru_cache", "cached", "cached_property"}


def _is_cached(function: FunctionFact) -> bool:
    for decorator in function.decorators:
        target = decorator.func if isinstance(decorator, Call) else decorator
        if isinstance(target, Name) and last_part(target.dotted) in CACHE_DECORATORS:
            return True
    return False


def _enclosing_functions(module: ModuleFacts, scope: str) -> list[FunctionFact]:
    """The functions around a scope, innermost first (a class body is not a function)."""
    chain = []
    while scope:
        function = function_by_qualname(module, scope)
        if function is not None:
            chain.append(function)
        scope = scope.rpartition(".")[0]
    return chain


def _key(module: ModuleFacts, function: FunctionFact) -> tuple[str, str]:
    return module.path, function.qualname


class _RequestTime:
    """Functions that run on every request: endpoints, their dependencies (transitively), and
    functions those call directly by name (one hop, so an uncached getter counts)."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.functions: set[tuple[str, str]] = set()
        self.called: set[tuple[str, str]] = set()
        self.places: list[tuple[ModuleFacts, FunctionFact]] = []
        seen_endpoints: set[int] = set()
        for endpoint in project.service.endpoints:
            if endpoint.function is None or id(endpoint.function) in seen_endpoints:
                continue
            seen_endpoints.add(id(endpoint.function))
            self._add(endpoint.module, endpoint.function)
            for module, function in resolved_dependency_functions(project, endpoint):
                self._add(module, function)
        for module, function in list(self.places):
            for site in calls_in(module, function):
                definition = project.definition_of(site.call.func)
                if definition is not None and definition.kind == "function":
                    self.called.add(_key(definition.module, definition.node))  # type: ignore[arg-type]

    def _add(self, module: ModuleFacts, function: FunctionFact) -> None:
        if _key(module, function) not in self.functions:
            self.functions.add(_key(module, function))
            self.places.append((module, function))

    def when(self, module: ModuleFacts, scope: str) -> str:
        """"import", "cached", "request" or "startup" for code written at `scope`."""
        chain = _enclosing_functions(module, scope)
        if not chain:
            return "import"
        for function in chain:
            if _is_cached(function):
                return "cached"
            if _key(module, function) in self.functions:
                return "request"
        return "request" if _key(module, chain[0]) in self.called else "startup"


def _settings_keys(classes: list[ClassRef]) -> set[tuple[str, str]]:
    return {(module.path, cls.qualname) for module, cls in classes}


class Cfg004SettingsCached(Rule):
    """Detects settings objects built on every request instead of once per process."""

    id = "CFG-004"
    title = "Settings cached"
    dimension = "configuration"
    priority = "P1"
    tags = ("cfg#4",)
    rationale = (
        "Building a settings object reads the environment and `.env` files and validates every "
        "field. Doing it inside endpoints or dependencies repeats that work on every request, "
        "and a change of environment mid-run can give two requests different configurations."
    )
    remediation = (
        "Build the settings once: a module-level `settings = Settings()` or a getter decorated "
        "with `@lru_cache` (`@cache`), injected with `Depends(get_settings)` so tests can "
        "override it."
    )
    example_before = ("@router.get('/info')\ndef info():\n    settings = Settings()\n"
                      "    return {'env': settings.environment}")
    example_after = ("@lru_cache\ndef get_settings() -> Settings:\n    return Settings()\n\n"
                     "@router.get('/info')\ndef info(settings: Annotated[Settings, "
                     "Depends(get_settings)]):\n    return {'env': settings.environment}")
    VALID = [
        Example({"app/config.py": SETTINGS, "app/main.py": MAIN_WITH_SETTINGS},
                name="lru-cache-getter"),
        Example({"app/core/config.py": "from pydantic_settings import BaseSettings\n\n\n"
                 "class Settings(BaseSettings):\n    debug: bool = False\n\n\n"
                 "settings = Settings()\n",
                 "app/main.py": "from fastapi import FastAPI\n\nfrom app.core.config import "
                 "settings\n\napp = FastAPI(debug=settings.debug)\n\n\n@app.get('/')\n"
                 "def root():\n    return {'debug': settings.debug}\n"},
                name="module-singleton"),
    ]
    INVALID = [
        Example({"app/config.py": "from pydantic_settings import BaseSettings\n\n\n"
                 "class Settings(BaseSettings):\n    environment: str = 'dev'\n",
                 "app/main.py": "from fastapi import FastAPI\n\nfrom app.config import "
                 "Settings\n\napp = FastAPI()\n\n\n@app.get('/a')\ndef a():\n"
                 "    return {'env': Settings().environment}\n\n\n@app.get('/b')\nasync def b():\n"
                 "    settings = Settings()\n    return {'env': settings.environment}\n"},
                expect=FAIL, name="built-in-endpoints"),
        Example({"app/config.py": "from pydantic_settings import BaseSettings\n\n\n"
                 "class Settings(BaseSettings):\n    environment: str = 'dev'\n\n\n"
                 "def get_settings() -> Settings:\n    return Settings()\n",
                 "app/main.py": "from typing import Annotated\n\nfrom fastapi import Depends, "
                 "FastAPI\n\nfrom app.config import Settings, get_settings\n\napp = FastAPI()\n"
                 "\n\n@app.get('/')\ndef root(s: Annotated[Settings, Depends(get_settings)]):\n"
                 "    return {'env': s.environment}\n"},
                expect=FAIL, name="uncached-dependency"),
    ]

    def check(self, project: Project) -> CheckResult:
        classes = settings_classes(project)
        if not classes:
            return _no_settings(self)
        keys = _settings_keys(classes)
        timing = _RequestTime(project)
        once: list[Evidence] = []
        per_request: list[Evidence] = []
        for module, site in project.iter_calls():
            found = project.class_of(site.call.func)
            if found is None or (found[0].path, found[1].qualname) not in keys:
                continue
            when = timing.when(module, site.scope)
            target = per_request if when == "request" else once
            target.append(project.evidence(
                module.path, site.call.line, _WHEN_MESSAGES[when].format(found[1].name),
                end_line=site.call.end_line, scope=site.scope))
        per_request += self._class_dependencies(project, timing, keys)
        metric = {"per_request": len(per_request), "once": len(once)}
        if per_request:
            return self.failed(per_request, metric)
        if once:
            return self.passed(once, metric)
        return self.unknown([project.absence(f"{_class_list(classes)} is never instantiated in "
                                             "app code, so how often it is built is not known")],
                            metric)

    @staticmethod
    def _class_dependencies(project: Project, timing: _RequestTime,
                            keys: set[tuple[str, str]]) -> list[Evidence]:
        """`Depends(Settings)` / `Annotated[Settings, Depends()]`: FastAPI builds it per call."""
        found = []
        for module, function in timing.places:
            for param in function.params:
                depends = resolved_param_dependency(project, param)
                if depends is None:
                    continue
                target = dependency_target(depends) or _annotated_type(param.annotation)
                cls = project.class_of(target)
                if cls is not None and (cls[0].path, cls[1].qualname) in keys:
                    found.append(project.evidence(
                        module.path, depends.line or function.line,
                        f"`{cls[1].name}` is a dependency class, so FastAPI builds it on every "
                        "request", scope=function.qualname, snippet_lines=1))
        return found


def _annotated_type(annotation: Expr | None) -> Expr | None:
    if isinstance(annotation, Subscript) and annotated_metadata(annotation):
        return annotation.index[0]
    return annotation


_WHEN_MESSAGES = {
    "import": "`{}` built once at import (module singleton)",
    "cached": "`{}` built in a cached getter",
    "startup": "`{}` built outside request handling",
    "request": "`{}` built at request time (in an endpoint, a dependency or an uncached helper "
               "they call): the environment is re-read and validated on every request",
}


# ---- CFG-005 ---------------------------------------------------------------------------
ENVIRONMENT_NAME = re.compile(
    r"^(?:[a-z0-9]+_)?(?:env|environment|stage)(?:_name|_state|_type)?$")
ENUM_BASES = {"enum.Enum", "enum.StrEnum", "Enum", "StrEnum"}
VALIDATOR_DECORATORS = {"field_validator", "validator"}
VALIDATOR_MARKERS = {"AfterValidator", "BeforeValidator", "PlainValidator", "WrapValidator"}


def is_environment_name(name: str) -> bool:
    """`environment`, `ENV`, `app_env`, `stage`, `deployment_env`, `ENV_STATE`..."""
    return bool(ENVIRONMENT_NAME.match(name.lower()))


def _validators_of(project: Project, module: ModuleFacts, cls: ClassFact, _depth: int = 0
                   ) -> set[str]:
    """Field names named by `@field_validator`/`@validator` in a class and its tree bases."""
    names: set[str] = set()
    for function in module.functions:
        if function.class_name != cls.qualname:
            continue
        for decorator in function.decorators:
            if isinstance(decorator, Call) and isinstance(decorator.func, Name) and \
                    last_part(decorator.func.dotted) in VALIDATOR_DECORATORS:
                names |= {a.value for a in decorator.args
                          if isinstance(a, Const) and isinstance(a.value, str)}
    if _depth < 12:
        for base in cls.bases:
            parent = project.class_of(base)
            if parent is not None and parent[1] is not cls:
                names |= _validators_of(project, parent[0], parent[1], _depth + 1)
    return names


def _constrained(expr: Expr | None) -> bool:
    """`Field(pattern=...)`, `AfterValidator(...)`: a value checked against a rule."""
    if not isinstance(expr, Call) or not isinstance(expr.func, Name):
        return False
    head = last_part(expr.func.dotted)
    return head in VALIDATOR_MARKERS or (head == "Field" and bool(
        {"pattern", "regex"} & set(expr.kwargs)))


def environment_typing(project: Project, owner: ClassRef, ref: FieldRef) -> str:
    """"validated" (Literal, Enum, validator, pattern), "str" (plain) or "unknown"."""
    field = ref[2]
    validated_names = _validators_of(project, *owner)
    if field.name in validated_names or "*" in validated_names:
        return "validated"
    if _constrained(field.value) or any(_constrained(m) for m in annotated_metadata(
            field.annotation)):
        return "validated"
    kinds = {_part_kind(project, part) for part in type_parts(project, field.annotation)}
    if "validated" in kinds:
        return "validated"
    return "str" if kinds == {"str"} else "unknown"


def _part_kind(project: Project, part: Expr) -> str:
    head = _head(part)
    if head == "Literal":
        return "validated"
    if head in ("str", "constr"):
        return "validated" if isinstance(part, Call) and "pattern" in part.kwargs else "str"
    cls = project.class_of(part) if isinstance(part, Name) else None
    if cls is not None and project.is_subclass(cls[0], cls[1], ENUM_BASES):
        return "validated"
    return "unknown"


class Cfg005EnvironmentValidated(Rule):
    """Detects whether the settings declare the deployment environment with a closed set of
    values."""

    id = "CFG-005"
    title = "Environment validated"
    dimension = "configuration"
    priority = "P1"
    tags = ("cfg#3", "cfg#5")
    rationale = (
        "Behaviour such as docs exposure, CORS and debug output usually depends on the "
        "environment name. As a free string, a typo (`prod` for `production`) silently selects "
        "the wrong branch; a `Literal` or an Enum makes settings validation reject it at start."
    )
    remediation = (
        "Declare an environment field typed `Literal['development', 'staging', 'production']` "
        "(or an Enum), or check it with a `@field_validator`."
    )
    example_before = "class Settings(BaseSettings):\n    environment: str = 'development'"
    example_after = ("class Settings(BaseSettings):\n    environment: Literal['development', "
                     "'staging', 'production'] = 'development'")
    VALID = [
        Example({"app/config.py": SETTINGS, "app/main.py": MAIN_WITH_SETTINGS},
                name="literal"),
        Example({"app/enums.py": "from enum import Enum\n\n\nclass Stage(str, Enum):\n"
                 "    dev = 'dev'\n    prod = 'prod'\n",
                 "app/config.py": "from pydantic_settings import BaseSettings\n\n"
                 "from app.enums import Stage\n\n\nclass Settings(BaseSettings):\n"
                 "    APP_ENV: Stage = Stage.dev\n\n\nsettings = Settings()\n",
                 "app/main.py": APP}, name="enum-from-another-module"),
        Example({"app/config.py": "from pydantic import field_validator\n"
                 "from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n"
                 "    environment: str = 'development'\n\n    @field_validator('environment')\n"
                 "    @classmethod\n    def known(cls, value: str) -> str:\n"
                 "        if value not in {'development', 'production'}:\n"
                 "            raise ValueError(value)\n        return value\n\n\n"
                 "settings = Settings()\n", "app/main.py": APP}, name="field-validator"),
    ]
    INVALID = [
        Example({"app/config.py": "from pydantic_settings import BaseSettings\n\n\n"
                 "class Settings(BaseSettings):\n    ENVIRONMENT: str = 'local'\n\n\n"
                 "settings = Settings()\n", "app/main.py": APP},
                expect=WARN, name="plain-str"),
        Example({"app/config.py": "from pydantic_settings import BaseSettings\n\n\n"
                 "class Settings(BaseSettings):\n    debug: bool = False\n\n\n"
                 "settings = Settings()\n", "app/main.py": APP},
                expect=FAIL, name="no-environment-field"),
    ]

    def check(self, project: Project) -> CheckResult:
        classes = settings_classes(project)
        if not classes:
            return _no_settings(self)
        verdicts = []
        for owner in classes:
            for ref in class_fields(project, *owner):
                if is_environment_name(ref[2].name):
                    verdicts.append((ref, environment_typing(project, owner, ref)))
        verdicts = _first_per_declaration(verdicts)
        for wanted, make, message in (
                ("validated", self.passed, "`{}` is limited to known values"),
                ("str", self.warned, "`{}` is a plain str: any value, typos included, is "
                                     "accepted"),
                ("unknown", self.unknown, "`{}` has a type whose values cannot be told from "
                                          "the code")):
            chosen = [ref for ref, kind in verdicts if kind == wanted]
            if chosen:
                return make([field_evidence(project, ref, message.format(ref[2].name))
                             for ref in chosen])
        return self.failed([project.absence(
            f"no environment field (environment, env, app_env, stage...) in "
            f"{_class_list(classes)}")])


def _first_per_declaration(verdicts: list[tuple[FieldRef, str]]) -> list[tuple[FieldRef, str]]:
    """A field inherited by several settings classes: the best verdict for it, once."""
    rank = {"validated": 0, "str": 1, "unknown": 2}
    best: dict[tuple[str, int], tuple[FieldRef, str]] = {}
    for ref, kind in verdicts:
        key = (ref[0].path, ref[2].line)
        if key not in best or rank[kind] < rank[best[key][1]]:
            best[key] = (ref, kind)
    return list(best.values())


# ---- CFG-006 ---------------------------------------------------------------------------
CONFIG_MODULE_NAMES = {"settings", "config", "configs", "configuration", "conf"}


def is_config_module_path(path: str) -> bool:
    """`settings.py`, `config.py`, `core/config.py`, `config/database.py`, `app_settings.py`."""
    parts = path.split("/")
    stem = posixpath.splitext(parts[-1])[0]
    if stem in CONFIG_MODULE_NAMES or stem.endswith(("_settings", "_config")):
        return True
    return any(part in CONFIG_MODULE_NAMES for part in parts[:-1])


def settings_module_paths(project: Project) -> set[str]:
    """Modules that define settings classes, and configuration modules by name."""
    paths = {module.path for module, _ in settings_classes(project)}
    paths |= {module.path for module in project.app_modules if is_config_module_path(module.path)}
    return paths


class Cfg006EnvironmentReadOnce(Rule):
    """Detects `os.environ` / `os.getenv` reads in app code outside the settings module(s)."""

    id = "CFG-006"
    title = "Environment read in one place"
    dimension = "configuration"
    priority = "P1"
    tags = ("mistake#5",)
    rationale = (
        "When any module may read environment variables, nobody can list what the service "
        "needs to run, defaults differ between call sites, and a missing variable is "
        "discovered by the request that first touches it. One settings module makes the "
        "configuration complete, typed and testable."
    )
    remediation = (
        "Move every `os.getenv`/`os.environ` read into the settings class (or the config "
        "module) and pass the typed value to where it is used."
    )
    example_before = ("# app/services/mail.py\nSMTP_HOST = os.getenv('SMTP_HOST', 'localhost')")
    example_after = ("# app/config.py\nclass Settings(BaseSettings):\n    smtp_host: str = "
                     "'localhost'\n\n# app/services/mail.py\nsettings.smtp_host")
    VALID = [
        Example({"app/config.py": SETTINGS, "app/main.py": MAIN_WITH_SETTINGS},
                name="settings-class-only"),
        Example({"app/core/config.py": "import os\n\nDATABASE_URL = os.environ['DATABASE_URL']\n",
                 "app/main.py": "import os\n\nfrom fastapi import FastAPI\n\n"
                 "from app.core.config import DATABASE_URL\n\napp = FastAPI()\n"
                 "os.environ['TZ'] = 'UTC'\nos.environ.setdefault('NO_PROXY', '*')\n"},
                name="config-module-and-writes"),
    ]
    INVALID = [
        Example({"app/config.py": SETTINGS,
                 "app/services/mail.py": "from os import getenv\n\n\ndef send(to: str) -> None:\n"
                 "    host = getenv('SMTP_HOST', 'localhost')\n    print(host, to)\n",
                 "app/main.py": APP}, expect=FAIL, name="getenv-in-service"),
        Example("import os\n\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
                "@app.get('/')\ndef root():\n    return {'region': os.environ['REGION']}\n",
                expect=FAIL, name="environ-in-endpoint"),
    ]

    def check(self, project: Project) -> CheckResult:
        allowed = settings_module_paths(project)
        found = []
        outside = _settings_modules(allowed, named=False)
        for module in project.app_modules:
            if module.path in allowed:
                continue
            for line, end_line, scope, what in project_env_reads(project, module):
                found.append(project.evidence(
                    module.path, line, f"`{what}` read outside {outside}",
                    end_line=end_line, scope=scope))
        if found:
            return self.failed(found, {"reads": len(found)})
        if project.app_parse_errors:
            return self.unknown(parse_error_evidence(project))
        return self.passed([project.absence(
            f"no os.environ/os.getenv reads in app code outside {_settings_modules(allowed)}")])


def _settings_modules(paths: set[str], named: bool = True) -> str:
    """Where environment reads belong: "the settings module (app/config.py)"; one finding
    per read does not repeat the paths."""
    if not paths:
        return "a settings module (there is none)"
    noun = "the settings module" if len(paths) == 1 else "the settings modules"
    return f"{noun} ({', '.join(sorted(paths))})" if named else noun


RULES = (
    Cfg001TypedSettings,
    Cfg002SecretStr,
    Cfg003FailFastSecrets,
    Cfg004SettingsCached,
    Cfg005EnvironmentValidated,
    Cfg006EnvironmentReadOnce,
)

__all__ = [
    "RULES", "class_fields", "env_reads", "is_config_module_path", "is_environment_name",
    "settings_classes", "settings_fields", "settings_module_paths",
]
