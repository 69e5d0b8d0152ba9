"""Logging configuration files (`logging.yaml`, `log_config.json`, `logging.ini`...) for OBS-002.

Files are only scanned as text: a file counts as a logging configuration when it declares
formatters/handlers/loggers, and as structured when a formatter names a JSON formatter
(python-json-logger, `JsonFormatter`, ecs-logging, structlog...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scanner.artifacts import locate
from scanner.artifacts.locate import Kind, in_own_folder, name_matches
from scanner.artifacts.view import RepoView, read_artifact

# A "log" word in the file name, not a suffix of another word (changelog, catalog).
LOGCONFIG = Kind(
    "logconfig",
    "logging configuration files (logging*.yaml/json/ini/conf, log_config*...)",
    in_own_folder(name_matches(
        r"(?:[\w-]*[._-])?log(?:ging|ger|s)?(?:[._-][\w.-]*)?\.(?:ini|conf|cfg|ya?ml|json)",
        re.IGNORECASE)),
)
MAX_FILES = 20
_LOGGING_KEYS = re.compile(r"""^\s*(?:\[|["']?)(?:formatters|handlers|loggers)\b""",
                           re.IGNORECASE | re.MULTILINE)
_JSON_FORMATTER = re.compile(
    r"pythonjsonlogger|jsonlogger|json_log_formatter|ecs_logging|structlog"
    r"|json[_-]?formatter|(?:class|\(\))[\"']?\s*[:=].*json",
    re.IGNORECASE)


@dataclass(slots=True, frozen=True)
class LoggingConfigFile:
    path: str
    json_line: int | None  # the line naming a JSON formatter, None for a plain-text config
    json_text: str = ""

    @property
    def structured(self) -> bool:
        return self.json_line is not None


def collect(view: RepoView) -> list[LoggingConfigFile]:
    """Every logging configuration file eligible for the app root, nearest first."""
    found = []
    for path in locate.candidates(view, LOGCONFIG)[:MAX_FILES]:
        text, _error = read_artifact(view, path)
        if text is None or not _LOGGING_KEYS.search(text):
            continue  # unreadable, or a file that is not a logging configuration
        found.append(_describe(path, text))
    return found


def _describe(path: str, text: str) -> LoggingConfigFile:
    for number, line in enumerate(text.splitlines(), start=1):
        if _JSON_FORMATTER.search(line) and not line.lstrip().startswith(("#", ";")):
            return LoggingConfigFile(path, number, line.strip()[:160])
    return LoggingConfigFile(path, None)
