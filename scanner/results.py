"""What a check decides: its status, the numbers behind it and the evidence.

These plain dataclasses are the boundary between the rules (which produce them) and
scoring/reporting (which only read them). Nothing here knows about syntax trees.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

PASS = "pass"
WARN = "warn"
FAIL = "fail"
NA = "na"
UNKNOWN = "unknown"
STATUSES = (PASS, WARN, FAIL, NA, UNKNOWN)


@dataclass(slots=True)
class Evidence:
    """One place a person can look at: a line range with a snippet, or a named absence."""

    message: str
    path: str | None = None
    line: int | None = None
    end_line: int | None = None
    snippet: str = ""
    scope: str = ""  # enclosing function/class, part of the fingerprint
    fingerprint: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "end_line": self.end_line,
            "snippet": self.snippet,
            "message": self.message,
            "fingerprint": self.fingerprint,
        }


@dataclass(slots=True)
class CheckResult:
    """The verdict of one check on one service."""

    check_id: str
    status: str
    evidence: list[Evidence] = field(default_factory=list)
    metric: dict[str, Any] | None = None
    waived: bool = False  # set by waivers/attestations: counts as credit 1, shown as waived
    waiver_reason: str = ""

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r} for {self.check_id}")


_SPACE = re.compile(r"\s+")


def fingerprint(check_id: str, path: str | None, scope: str, snippet: str, message: str) -> str:
    """A line-number-free identity, so moved code keeps its finding's identity."""
    normalised = _SPACE.sub(" ", snippet).strip() or message
    raw = "\x1f".join((check_id, path or "", scope, normalised))
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]
