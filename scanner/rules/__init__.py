"""The explicit, ordered rule registry (RULES.md order drives the checklists).

Each module lists its checks in a `RULES` tuple; add a new module here, never by
import-time magic.
"""

from __future__ import annotations

import importlib

from .base import Rule

RULE_MODULES = (
    "typing", "errors", "security", "testing", "database", "observability", "deployment",
    "performance", "architecture", "configuration", "documentation",
)


def rule_classes() -> list[type[Rule]]:
    classes: list[type[Rule]] = []
    for name in RULE_MODULES:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue  # a dimension whose checks are not written yet
            raise
        classes.extend(module.RULES)
    return classes


def all_rules() -> list[Rule]:
    return [cls() for cls in rule_classes()]


def rules_meta() -> list[dict]:
    return [cls.meta() for cls in rule_classes()]
