"""PERF-001 .. PERF-006: examples plus the tricky decisions."""

from __future__ import annotations

import pytest

from scanner.rules import performance

from ..rule_harness import run_rule


def _examples():
    for cls in performance.RULES:
        for example in [*cls.VALID, *cls.INVALID]:
            yield pytest.param(cls, example, id=f"{cls.id}-{example.name}")


@pytest.mark.parametrize(("rule_class", "example"), list(_examples()))
def test_examples_give_their_expected_status(rule_class, example, tmp_path):
    result = run_rule(rule_class(), tmp_path, example.tree())
    assert result.status == example.expect, [e.message for e in result.evidence]


def test_rules_are_listed_in_rules_md_order():
    assert [r.id for r in performance.RULES] == [f"PERF-00{i}" for i in range(1, 7)]
    assert all(r.dimension == "performance" for r in performance.RULES)
