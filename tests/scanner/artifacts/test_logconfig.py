"""Logging configuration files found for OBS-002."""

from scanner.artifacts import logconfig
from scanner.artifacts.view import RepoView

_YAML_JSON = """version: 1
formatters:
  json:
    (): pythonjsonlogger.jsonlogger.JsonFormatter
handlers:
  console:
    class: logging.StreamHandler
"""
_INI_TEXT = """[loggers]
keys=root

[formatters]
keys=plain

[formatter_plain]
format=%(asctime)s %(message)s
"""


def test_it_finds_a_json_formatter_and_its_line():
    view = RepoView.from_files({"app/main.py": "", "logging.yaml": _YAML_JSON})
    (found,) = logconfig.collect(view)
    assert found.path == "logging.yaml" and found.structured and found.json_line == 4


def test_a_plain_ini_config_is_a_logging_config_without_json():
    view = RepoView.from_files({"config/logging.ini": _INI_TEXT})
    (found,) = logconfig.collect(view)
    assert not found.structured


def test_files_that_are_not_logging_configs_are_ignored():
    view = RepoView.from_files({"changelog.yaml": _YAML_JSON, "log_levels.json": '{"a": 1}',
                                "blog.yml": _YAML_JSON})
    assert logconfig.collect(view) == []
