"""The rule API: one small class per check, the single source of its product text.

A rule reads the `Project` (facts of every module, the FastAPI model and the repository
artefacts) and returns a `CheckResult`. Rules never parse or walk code themselves and
never compute scores. Each rule carries VALID and INVALID examples that the test-suite
scans as small trees, so every check is exercised both ways.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from ..results import FAIL, NA, PASS, UNKNOWN, WARN, CheckResult, Evidence

if TYPE_CHECKING:
    from ..project import Project

DIMENSIONS = (
    "type_safety", "error_handling", "testing", "security", "performance", "observability",
    "database", "deployment", "architecture", "configuration", "documentation",
)


@dataclass(slots=True)
class Example:
    """A small tree for a rule's self-test: `files` maps relative paths to their text.

    A plain string is shorthand for `{"app/main.py": code}`. `expect` is the status the
    rule must give on this tree.
    """

    files: dict[str, str] | str
    expect: str = PASS
    name: str = ""

    def tree(self) -> dict[str, str]:
        return {"app/main.py": self.files} if isinstance(self.files, str) else dict(self.files)


class Rule:
    """Base class of every check. Subclasses set the class attributes and `check`."""

    id: ClassVar[str]
    title: ClassVar[str]
    dimension: ClassVar[str]
    priority: ClassVar[str] = "P0"
    tags: ClassVar[tuple[str, ...]] = ()
    rationale: ClassVar[str]
    remediation: ClassVar[str]
    example_before: ClassVar[str] = ""
    example_after: ClassVar[str] = ""
    VALID: ClassVar[list[Example]] = []
    INVALID: ClassVar[list[Example]] = []

    def check(self, project: Project) -> CheckResult:
        raise NotImplementedError

    # ---- helpers for subclasses --------------------------------------------------------
    def result(self, status: str, evidence: Iterable[Evidence] = (),
               metric: dict | None = None) -> CheckResult:
        return CheckResult(self.id, status, list(evidence), metric)

    def passed(self, evidence: Iterable[Evidence] = (), metric: dict | None = None):
        return self.result(PASS, evidence, metric)

    def failed(self, evidence: Iterable[Evidence] = (), metric: dict | None = None):
        return self.result(FAIL, evidence, metric)

    def warned(self, evidence: Iterable[Evidence] = (), metric: dict | None = None):
        return self.result(WARN, evidence, metric)

    def not_applicable(self, reason: str, metric: dict | None = None):
        return self.result(NA, [Evidence(message=reason)], metric)

    def unknown(self, evidence: Iterable[Evidence] = (), metric: dict | None = None):
        return self.result(UNKNOWN, evidence, metric)

    @classmethod
    def meta(cls) -> dict:
        """Product text of the rule, for SARIF `rules[]`, pages and docs."""
        return {
            "id": cls.id,
            "title": cls.title,
            "dimension": cls.dimension,
            "priority": cls.priority,
            "tags": list(cls.tags),
            "rationale": cls.rationale,
            "remediation": cls.remediation,
            "example_before": cls.example_before,
            "example_after": cls.example_after,
        }


def share_status(part: int, whole: int, pass_at: float, warn_at: float) -> str:
    """pass when part/whole >= pass_at, warn when >= warn_at, else fail (inclusive)."""
    if whole == 0:
        return PASS
    share = part / whole
    if share >= pass_at:
        return PASS
    if share >= warn_at:
        return WARN
    return FAIL


def counted(number: int, noun: str) -> str:
    """"no routes", "1 route", "3 routes": a count that reads well in evidence text."""
    if number == 0:
        return f"no {noun}s"
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


__all__ = [
    "DIMENSIONS", "FAIL", "NA", "PASS", "UNKNOWN", "WARN", "CheckResult", "Evidence",
    "Example", "Rule", "counted", "field", "share_status",
]
