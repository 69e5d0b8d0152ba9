"""Parsing without libcst's node re-validation gives the same facts, and validation is
back in force after the in-process block (other libcst users in the process keep it)."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from scanner.python import libcst_validation
from scanner.python.extract import ParseFailure, extract_facts

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def fixture_sources() -> list[tuple[str, str]]:
    found = []
    for path in sorted(FIXTURES.rglob("*.py")):
        try:
            found.append((path.relative_to(FIXTURES).as_posix(), path.read_text("utf-8")))
        except UnicodeDecodeError:
            continue
    return found


def facts_or_failure(rel: str, source: str):
    try:
        return extract_facts(rel, source)
    except ParseFailure as exc:
        return f"failure: {exc}"


def test_the_installed_libcst_allows_skipping():
    # If a libcst upgrade changes the shape, skipping silently turns off; this says so.
    assert libcst_validation.can_skip()


def test_facts_are_identical_without_revalidation():
    sources = fixture_sources()
    assert len(sources) > 50
    validated = [facts_or_failure(rel, source) for rel, source in sources]
    with libcst_validation.skipped():
        trusted = [facts_or_failure(rel, source) for rel, source in sources]
    assert trusted == validated


def invalid_node():
    # A bare name with a space in it: only validation rejects this.
    return cst.Name("not valid")


def test_validation_is_restored_after_the_block():
    with libcst_validation.skipped():
        invalid_node()  # accepted while skipped
    with pytest.raises(cst.CSTValidationError):
        invalid_node()


def test_validation_is_restored_when_the_block_fails():
    with pytest.raises(RuntimeError), libcst_validation.skipped():
        raise RuntimeError("parse loop failed")
    with pytest.raises(cst.CSTValidationError):
        invalid_node()
