"""Every rule's VALID and INVALID examples, scanned as real trees."""

from __future__ import annotations

import pytest

from scanner.results import PASS
from scanner.rules import rule_classes

from .rule_harness import run_rule


def _cases():
    for cls in rule_classes():
        for kind, examples in (("valid", cls.VALID), ("invalid", cls.INVALID)):
            for index, example in enumerate(examples):
                yield pytest.param(cls, example, id=f"{cls.id}-{kind}-{example.name or index}")


@pytest.mark.parametrize(("rule_class", "example"), list(_cases()))
def test_it_gives_each_example_its_expected_status(rule_class, example, tmp_path):
    result = run_rule(rule_class(), tmp_path, example.tree())
    assert result.status == example.expect, [e.message for e in result.evidence]


@pytest.mark.parametrize("rule_class", rule_classes(), ids=lambda c: c.id)
def test_it_has_at_least_two_valid_and_two_invalid_examples(rule_class):
    assert len(rule_class.VALID) >= 2
    assert len(rule_class.INVALID) >= 2
    assert all(e.expect == PASS for e in rule_class.VALID)
    assert all(e.expect != PASS for e in rule_class.INVALID)


@pytest.mark.parametrize("rule_class", rule_classes(), ids=lambda c: c.id)
def test_it_points_failures_at_evidence(rule_class, tmp_path):
    """A failing or warning example must say where (or what is missing)."""
    for index, example in enumerate(rule_class.INVALID):
        result = run_rule(rule_class(), tmp_path / str(index), example.tree())
        assert result.evidence, f"{rule_class.id} {example.name or index} gave no evidence"
        assert all(e.message for e in result.evidence)
