"""Waivers written in the scanned repository itself, and applying them to check results.

Two sources, both read through the engine's guarded `TreeReader` (never the syntax tree):

- the repo config (`[[tool.readyboard.waivers]]` in pyproject.toml, or `[[waivers]]` in
  `.readyboard.toml`): `check = "SEC-005"`, `reason = "..."`, `expires = 2027-03-01`,
  optionally `kind = "attest"` (for a check code cannot decide, status `unknown`);
- in-code comments on the offending line (or the line just above it):
  `# readyboard: ignore[SEC-005] reason="..." expires=2027-03-01`.

A waiver counts only with a reason, a known check id and an expiry that has not passed
(it expires *on* its date); every waiver found is reported with its status, so a person
can see why one did not count. A config waiver waives the whole check; in-code waivers
waive a check when they cover every located finding of it.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from .files import TreeReader
from .results import FAIL, NA, PASS, UNKNOWN, WARN, CheckResult

APPLIED = "applied"
EXPIRED = "expired"
MISSING_REASON = "missing-reason"
UNKNOWN_CHECK = "unknown-check"
INVALID_EXPIRY = "invalid-expiry"
STATUSES = (APPLIED, EXPIRED, MISSING_REASON, UNKNOWN_CHECK, INVALID_EXPIRY)

WAIVE = "waive"
ATTEST = "attest"

MARKER = b"readyboard:"
_COMMENT = re.compile(r"#\s*readyboard:\s*ignore\[(?P<ids>[^\]]*)\](?P<rest>.*)$", re.IGNORECASE)
_FIELD = re.compile(r'(?P<key>reason|expires|kind)\s*=\s*(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|'
                    r"(?P<bare>[^\s\"]+))", re.IGNORECASE)
_CHECK_ID = re.compile(r"^[A-Z]{2,5}-\d{3}$")
MAX_REASON = 500
_FINDINGS = (FAIL, WARN, UNKNOWN)


@dataclass(slots=True)
class RepoWaiver:
    """One waiver found in the repository, with why it counts or not."""

    check_id: str
    source: str  # "config" or "comment"
    path: str | None
    line: int | None
    reason: str
    expires: str | None
    kind: str = WAIVE
    status: str = APPLIED
    used: bool = False  # did it change a check's result

    def to_json(self) -> dict[str, Any]:
        return {
            "check_id": self.check_id, "source": self.source, "path": self.path,
            "line": self.line, "reason": self.reason, "expires": self.expires,
            "kind": self.kind, "status": self.status, "used": self.used,
        }


# --- reading ----------------------------------------------------------------------------


def from_config(entries: Iterable[dict[str, Any]], source_path: str | None) -> list[RepoWaiver]:
    """Waivers from the repo config's `waivers` list (malformed entries are reported too)."""
    found = []
    for entry in entries:
        check_id = str(entry.get("check", entry.get("id", entry.get("check_id", ""))) or "")
        kind = str(entry.get("kind", WAIVE)).strip().lower()
        found.append(RepoWaiver(
            check_id=check_id.strip().upper(), source="config", path=source_path, line=None,
            reason=_clean_reason(entry.get("reason")), expires=_expiry_text(entry.get("expires")),
            kind=kind if kind in (WAIVE, ATTEST) else WAIVE,
        ))
    return found


def from_comments(reader: TreeReader, paths: Iterable[str]) -> list[RepoWaiver]:
    """In-code waivers in the given Python files, read through the guarded reader."""
    found: list[RepoWaiver] = []
    for path in paths:
        data = reader.read_bytes(path, _max_python_bytes())
        if not data or MARKER not in data.lower():
            continue
        found.extend(comments_in(path, data))
    return found


def comments_in(path: str, data: bytes) -> list[RepoWaiver]:
    """Waiver comments of one file; real comments only (tokenize), lines as a fallback."""
    found = []
    for line, text in _comments(data):
        match = _COMMENT.search(text)
        if not match:
            continue
        fields = _fields(match["rest"])
        for check_id in (part.strip().upper() for part in match["ids"].split(",")):
            if check_id:
                found.append(RepoWaiver(
                    check_id=check_id, source="comment", path=path, line=line,
                    reason=_clean_reason(fields.get("reason")), expires=fields.get("expires"),
                    kind=ATTEST if fields.get("kind", "").lower() == ATTEST else WAIVE,
                ))
    return found


def _comments(data: bytes) -> list[tuple[int, str]]:
    try:
        tokens = tokenize.tokenize(io.BytesIO(data).readline)
        return [(tok.start[0], tok.string) for tok in tokens if tok.type == tokenize.COMMENT]
    except (tokenize.TokenError, SyntaxError, UnicodeDecodeError, LookupError, ValueError):
        # Unparsable source: a `#` anywhere on a line is the best we can do.
        text = data.decode("utf-8", errors="replace")
        return [(n, line[line.index("#"):]) for n, line in enumerate(text.splitlines(), 1)
                if "#" in line]


def _fields(rest: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for match in _FIELD.finditer(rest):
        value = match["quoted"] if match["quoted"] is not None else match["bare"]
        fields[match["key"].lower()] = value.replace('\\"', '"')
    return fields


def _clean_reason(value: Any) -> str:
    return " ".join(str(value).split())[:MAX_REASON] if value is not None else ""


def _expiry_text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()[:10]
    return str(value).strip()


def _max_python_bytes() -> int:
    from .files import MAX_PYTHON_BYTES

    return MAX_PYTHON_BYTES


# --- judging and applying ---------------------------------------------------------------


def waivers_of_tree(results: list[CheckResult], config_waivers: list[dict[str, Any]],
                    config_source: str | None, reader: TreeReader, python_paths: Iterable[str],
                    known_ids: set[str], today: date | None = None) -> list[RepoWaiver]:
    """Read the tree's config and in-code waivers and apply them to `results` (in place)."""
    found = from_config(config_waivers, config_source) + from_comments(reader, python_paths)
    return apply_waivers(results, found, known_ids, today)


def judge(waiver: RepoWaiver, known_ids: set[str], today: date) -> str:
    """Whether the waiver counts: applied, or the first reason it does not."""
    if not _CHECK_ID.match(waiver.check_id) or waiver.check_id not in known_ids:
        return UNKNOWN_CHECK
    if not waiver.reason:
        return MISSING_REASON
    if waiver.expires is None:
        return APPLIED  # no expiry written: in force until someone removes it
    try:
        expires = date.fromisoformat(waiver.expires)
    except ValueError:
        return INVALID_EXPIRY
    return EXPIRED if expires <= today else APPLIED


def apply_waivers(results: list[CheckResult], waivers: list[RepoWaiver], known_ids: set[str],
                  today: date | None = None) -> list[RepoWaiver]:
    """Mark the results the counting waivers cover as waived; every waiver gets its status."""
    today = today or date.today()
    by_id = {result.check_id: result for result in results}
    for waiver in waivers:
        waiver.status = judge(waiver, known_ids, today)
    counting = [w for w in waivers if w.status == APPLIED]
    for waiver in (w for w in counting if w.source == "config"):
        result = by_id.get(waiver.check_id)
        if result is not None and _eligible(result, waiver.kind):
            _waive(result, waiver)
    for check_id, result in by_id.items():
        comments = [w for w in counting if w.source == "comment" and w.check_id == check_id]
        if comments and not result.waived and _eligible(result, WAIVE):
            _apply_comments(result, comments)
    return waivers


def _eligible(result: CheckResult, kind: str) -> bool:
    # A waiver turns a finding into "met"; an attestation only answers what code cannot.
    if result.status in (NA, PASS):
        return False
    return result.status == UNKNOWN if kind == ATTEST else result.status in _FINDINGS


def _waive(result: CheckResult, waiver: RepoWaiver) -> None:
    result.waived = True
    where = waiver.path if waiver.line is None else f"{waiver.path}:{waiver.line}"
    verb = "attested" if waiver.kind == ATTEST else "waived"
    until = f" until {waiver.expires}" if waiver.expires else ""
    result.waiver_reason = f"{waiver.reason} ({verb} in {where}{until})"
    waiver.used = True


def _apply_comments(result: CheckResult, comments: list[RepoWaiver]) -> None:
    located = [e for e in result.evidence if e.path and e.line]
    if not located:
        return
    covering = []
    for item in located:
        match = next((w for w in comments if w.path == item.path
                      and item.line - 1 <= w.line <= (item.end_line or item.line)), None)
        if match is None:
            return  # one finding left unwaived: the check stands
        covering.append(match)
    for waiver in covering:
        waiver.used = True
    first = covering[0]
    _waive(result, first)
    if len({id(w) for w in covering}) > 1:
        result.waiver_reason += f" and {len({id(w) for w in covering}) - 1} more comment(s)"
