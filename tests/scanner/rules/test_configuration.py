"""Focused tests of the configuration checks (CFG-001..CFG-006)."""

from __future__ import annotations

import pytest

from scanner.rules import configuration as cfg

from ..rule_harness import run_rule

APP = cfg.APP
BASE = "from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n"


def _check(rule_class, tmp_path, files):
    return run_rule(rule_class(), tmp_path, files)


def _settings(body: str, tail: str = "\n\nsettings = Settings()\n") -> str:
    return BASE + body + tail


# ---- na conditions and settings classes ------------------------------------------------
@pytest.mark.parametrize("rule_class", [cfg.Cfg002SecretStr, cfg.Cfg003FailFastSecrets,
                                        cfg.Cfg004SettingsCached,
                                        cfg.Cfg005EnvironmentValidated], ids=lambda c: c.id)
def test_checks_inside_settings_are_na_without_a_settings_class(rule_class, tmp_path):
    files = {"app/main.py": APP, "app/config.py": "import os\n\nDEBUG = os.getenv('DEBUG')\n"}
    result = _check(rule_class, tmp_path, files)
    assert result.status == "na"
    assert "no Pydantic BaseSettings class" in result.evidence[0].message


@pytest.mark.parametrize("rule_class", [cfg.Cfg002SecretStr, cfg.Cfg003FailFastSecrets],
                         ids=lambda c: c.id)
def test_secret_checks_are_na_without_secret_like_fields(rule_class, tmp_path):
    body = ("    token_url: str = '/token'\n    access_token_expire_minutes: int = 30\n"
            "    jwt_algorithm: str = 'HS256'\n    password_min_length: int = 8\n")
    result = _check(rule_class, tmp_path, {"app/main.py": APP, "app/config.py": _settings(body)})
    assert result.status == "na"
    assert "no secret-like fields" in result.evidence[0].message


def test_a_settings_class_named_for_tests_is_not_the_services_settings(tmp_path):
    files = {"app/main.py": APP, "app/testing_support.py": BASE.replace(
        "class Settings", "class TestSettings") + "    secret_key: str = 'x'\n"}
    assert _check(cfg.Cfg001TypedSettings, tmp_path, files).status == "fail"
    assert _check(cfg.Cfg002SecretStr, tmp_path, files).status == "na"


def test_pydantic_v1_base_settings_counts(tmp_path):
    files = {"app/main.py": APP, "app/config.py": "from pydantic import BaseSettings\n\n\n"
             "class Settings(BaseSettings):\n    debug: bool = False\n"}
    result = _check(cfg.Cfg001TypedSettings, tmp_path, files)
    assert (result.status, result.evidence[0].path, result.evidence[0].line) == (
        "pass", "app/config.py", 4)


def test_cfg001_dynaconf_is_a_helper(tmp_path):
    files = {"app/main.py": APP, "app/config.py": "from dynaconf import Dynaconf\n\n"
             "settings = Dynaconf(settings_files=['settings.toml'])\n"}
    result = _check(cfg.Cfg001TypedSettings, tmp_path, files)
    assert (result.status, result.evidence[0].line) == ("warn", 3)


def test_cfg001_reads_inside_functions_are_not_module_constants(tmp_path):
    files = {"app/main.py": APP + "\n\nimport os\n\n\ndef region() -> str:\n"
             "    return os.environ['REGION']\n"}
    result = _check(cfg.Cfg001TypedSettings, tmp_path, files)
    assert result.status == "fail"
    assert result.evidence[0].path is None  # the absence of a settings class, not a constant


def test_cfg001_unparsable_app_file_makes_a_missing_class_unknown(tmp_path):
    files = {"app/main.py": APP, "app/config.py": "class Settings(BaseSettings:\n"}
    assert _check(cfg.Cfg001TypedSettings, tmp_path, files).status == "unknown"


# ---- CFG-002 / CFG-003 -----------------------------------------------------------------
def test_cfg002_metric_and_one_evidence_per_plain_field(tmp_path):
    body = ("    secret_key: str\n    api_key: SecretStr\n    github_token: Optional[str] = None\n"
            "    db_password: Annotated[str, Field(min_length=8)]\n")
    head = ("from typing import Annotated, Optional\n\nfrom pydantic import Field, SecretStr\n")
    files = {"app/main.py": APP, "app/config.py": head + _settings(body)}
    result = _check(cfg.Cfg002SecretStr, tmp_path, files)
    assert result.status == "fail"
    assert result.metric == {"secret_str": 1, "secret_like": 4}
    assert [e.line for e in result.evidence] == [8, 10, 11]


def test_cfg002_secret_like_names_that_hold_no_text_do_not_fail(tmp_path):
    body = "    google_credentials: dict = {}\n    api_key: SecretStr\n"
    files = {"app/main.py": APP,
             "app/config.py": "from pydantic import SecretStr\n" + _settings(body)}
    result = _check(cfg.Cfg002SecretStr, tmp_path, files)
    assert (result.status, result.metric) == ("pass", {"secret_str": 1, "secret_like": 2})


def test_cfg002_shared_base_field_is_counted_once(tmp_path):
    files = {"app/main.py": APP,
             "app/base.py": BASE.replace("class Settings", "class Common") + "    api_key: str\n",
             "app/config.py": "from app.base import Common\n\n\nclass Api(Common):\n"
                              "    port: int = 1\n\n\nclass Worker(Common):\n"
                              "    queue: str = 'q'\n"}
    result = _check(cfg.Cfg002SecretStr, tmp_path, files)
    assert result.status == "fail"
    assert [(e.path, e.line) for e in result.evidence] == [("app/base.py", 5)]


@pytest.mark.parametrize(("field", "status"), [
    ("    secret_key: str = os.getenv('SECRET_KEY', 'dev')\n", "fail"),
    ("    secret_key: str = os.getenv('SECRET_KEY', '')\n", "pass"),
    ("    secret_key: str = Field(default='x' * 0 or 'changethis')\n", "pass"),  # not a literal
    ("    secret_key: SecretStr = SecretStr('changethis')\n", "fail"),
    ("    secret_key: str = Field('changethis', min_length=8)\n", "fail"),
    ("    secret_key: str | None = None\n", "pass"),
])
def test_cfg003_literal_defaults(field, status, tmp_path):
    head = "import os\n\nfrom pydantic import Field, SecretStr\n"
    files = {"app/main.py": APP, "app/config.py": head + _settings(field)}
    assert _check(cfg.Cfg003FailFastSecrets, tmp_path, files).status == status


# ---- CFG-004 ---------------------------------------------------------------------------
SETTINGS_CLASS = BASE + "    debug: bool = False\n"


def test_cfg004_settings_class_as_a_dependency_is_built_per_request(tmp_path):
    main = ("from typing import Annotated\n\nfrom fastapi import Depends, FastAPI\n\n"
            "from app.config import Settings\n\napp = FastAPI()\n\n\n@app.get('/')\n"
            "def root(s: Annotated[Settings, Depends()]):\n    return {'debug': s.debug}\n")
    result = _check(cfg.Cfg004SettingsCached, tmp_path,
                    {"app/main.py": main, "app/config.py": SETTINGS_CLASS})
    assert result.status == "fail"
    assert (result.evidence[0].path, result.evidence[0].line) == ("app/main.py", 11)


def test_cfg004_uncached_getter_called_inside_an_endpoint(tmp_path):
    config = SETTINGS_CLASS + "\n\ndef get_settings() -> Settings:\n    return Settings()\n"
    main = ("from fastapi import FastAPI\n\nfrom app.config import get_settings\n\n"
            "app = FastAPI()\n\n\n@app.get('/')\nasync def root():\n"
            "    return {'debug': get_settings().debug}\n")
    result = _check(cfg.Cfg004SettingsCached, tmp_path,
                    {"app/main.py": main, "app/config.py": config})
    assert result.status == "fail"
    assert (result.evidence[0].path, result.evidence[0].line) == ("app/config.py", 9)
    assert result.metric == {"per_request": 1, "once": 0}


def test_cfg004_built_in_the_app_factory_is_built_once(tmp_path):
    main = ("from fastapi import FastAPI\n\nfrom app.config import Settings\n\n\n"
            "def create_app() -> FastAPI:\n    settings = Settings()\n"
            "    application = FastAPI(debug=settings.debug)\n\n"
            "    @application.get('/')\n    def root():\n        return {}\n\n"
            "    return application\n\n\napp = create_app()\n")
    result = _check(cfg.Cfg004SettingsCached, tmp_path,
                    {"app/main.py": main, "app/config.py": SETTINGS_CLASS})
    assert (result.status, result.metric) == ("pass", {"per_request": 0, "once": 1})


def test_cfg004_functools_cache_with_module_alias(tmp_path):
    config = ("import functools\n\n" + SETTINGS_CLASS +
              "\n\n@functools.lru_cache(maxsize=1)\ndef get_settings() -> Settings:\n"
              "    return Settings()\n")
    main = ("from fastapi import Depends, FastAPI\n\nfrom app.config import get_settings\n\n"
            "app = FastAPI()\n\n\n@app.get('/')\ndef root(s=Depends(get_settings)):\n"
            "    return {}\n")
    result = _check(cfg.Cfg004SettingsCached, tmp_path,
                    {"app/main.py": main, "app/config.py": config})
    assert result.status == "pass"


def test_cfg004_never_instantiated_is_unknown(tmp_path):
    result = _check(cfg.Cfg004SettingsCached, tmp_path,
                    {"app/main.py": APP, "app/config.py": SETTINGS_CLASS})
    assert result.status == "unknown"


# ---- CFG-005 ---------------------------------------------------------------------------
@pytest.mark.parametrize(("field", "status"), [
    ("    ENV_STATE: Optional[str] = None\n", "warn"),
    ("    stage: str = Field('dev', pattern='^(dev|prod)$')\n", "pass"),
    ("    app_env: Annotated[str, AfterValidator(check)] = 'dev'\n", "pass"),
    ("    deployment_env: Optional[Literal['dev', 'prod']] = None\n", "pass"),
    ("    environment: ExternalEnvironment = 'dev'\n", "unknown"),
    ("    env_file_path: str = '.env'\n", "fail"),
])
def test_cfg005_environment_fields(field, status, tmp_path):
    head = ("from typing import Annotated, Literal, Optional\n\n"
            "from pydantic import AfterValidator, Field\n\nfrom libenv import ExternalEnvironment"
            "\n\n\ndef check(value: str) -> str:\n    return value\n\n\n")
    files = {"app/main.py": APP, "app/config.py": head + _settings(field)}
    assert _check(cfg.Cfg005EnvironmentValidated, tmp_path, files).status == status


def test_cfg005_validator_in_the_base_class_for_an_inherited_field(tmp_path):
    base = ("from pydantic import validator\n" + BASE.replace("class Settings", "class Common") +
            "    ENVIRONMENT: str = 'dev'\n\n    @validator('ENVIRONMENT')\n"
            "    def known(cls, v):\n        return v\n")
    files = {"app/main.py": APP, "app/base.py": base,
             "app/config.py": "from app.base import Common\n\n\nclass Settings(Common):\n"
                              "    port: int = 1\n"}
    result = _check(cfg.Cfg005EnvironmentValidated, tmp_path, files)
    assert (result.status, result.evidence[0].path, result.evidence[0].line) == (
        "pass", "app/base.py", 6)


def test_cfg005_fail_names_the_classes_it_looked_in(tmp_path):
    files = {"app/main.py": APP, "app/config.py": _settings("    debug: bool = False\n")}
    result = _check(cfg.Cfg005EnvironmentValidated, tmp_path, files)
    assert result.status == "fail"
    assert "Settings (app/config.py:4)" in result.evidence[0].message


# ---- CFG-006 ---------------------------------------------------------------------------
def test_cfg006_one_evidence_per_read_with_aliases(tmp_path):
    service = ("from os import environ\nimport os as operating_system\n\n"
               "REGION = environ['REGION']\n\n\ndef timeout() -> int:\n"
               "    return int(operating_system.getenv('TIMEOUT', '5'))\n\n\n"
               "def flags() -> dict:\n    return dict(environ)\n")
    files = {"app/main.py": APP, "app/services/client.py": service,
             "tests/test_x.py": "import os\n\nos.getenv('X')\n",
             "scripts/seed.py": "import os\n\nos.getenv('X')\n"}
    result = _check(cfg.Cfg006EnvironmentReadOnce, tmp_path, files)
    assert result.status == "fail"
    assert [(e.path, e.line) for e in result.evidence] == [
        ("app/services/client.py", 4), ("app/services/client.py", 8),
        ("app/services/client.py", 12)]
    assert result.metric == {"reads": 3}


@pytest.mark.parametrize("path", ["app/settings.py", "app/core/config.py",
                                  "app/config/database.py", "app/db_settings.py"])
def test_cfg006_configuration_modules_by_name_may_read_the_environment(path, tmp_path):
    files = {"app/main.py": APP, path: "import os\n\nDB = os.getenv('DB')\n"}
    assert _check(cfg.Cfg006EnvironmentReadOnce, tmp_path, files).status == "pass"


def test_cfg006_the_module_of_a_settings_class_may_read_the_environment(tmp_path):
    files = {"app/main.py": APP, "app/app_setup.py": "import os\n\n" + _settings(
        "    name: str = os.getenv('NAME', 'x')\n")}
    assert _check(cfg.Cfg006EnvironmentReadOnce, tmp_path, files).status == "pass"
