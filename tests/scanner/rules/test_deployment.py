"""Focused tests of the deployment checks (DEP-001..DEP-007)."""

from __future__ import annotations

import pytest

from scanner.rules import deployment
from scanner.rules.deployment import RULES

from ..rule_harness import run_rule

APP = deployment.APP


def _examples():
    for cls in RULES:
        for kind, examples in (("valid", cls.VALID), ("invalid", cls.INVALID)):
            for index, example in enumerate(examples):
                yield pytest.param(cls, example, id=f"{cls.id}-{kind}-{example.name or index}")


@pytest.mark.parametrize(("rule_class", "example"), list(_examples()))
def test_examples(rule_class, example, tmp_path):
    result = run_rule(rule_class(), tmp_path, example.tree())
    assert result.status == example.expect, [e.message for e in result.evidence]


def _check(rule_class, tmp_path, files):
    return run_rule(rule_class(), tmp_path, files)
