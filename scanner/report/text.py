"""The terminal report: what a person reads after `python -m scanner PATH`.

Rendered from the JSON report dict only. Lines stay within 100 visible characters; colour
(ANSI) is opt-in so that piped output and CI logs stay plain.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from typing import Any

from scanner.scoring import DIMENSION_NAMES, GROUPS

WIDTH = 100
BAR_WIDTH = 20
SNIPPET_LINES = 5
# Evidence sits under the check id (after a two-space margin and an 8-wide status label).
EVIDENCE_INDENT = " " * 10
SNIPPET_INDENT = EVIDENCE_INDENT + " " * 4
MESSAGE_INDENT = EVIDENCE_INDENT + " " * 2  # continuation lines of a wrapped message
MESSAGE_LINES = 4
LISTED_FILE_PROBLEMS = 10

# Statuses that make a finding, most serious first (also the listing order).
FINDING_STATUSES = ("fail", "warn", "unknown")
SUMMARY_STATUSES = ("pass", "warn", "fail", "unknown", "na")

_ANSI = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "magenta": "35",
    "cyan": "36",
}
_STATUS_STYLE = {"fail": "red", "warn": "yellow", "unknown": "magenta", "pass": "green"}
_BAND_STYLE = {
    "critical": "red",
    "needs_work": "yellow",
    "solid": "cyan",
    "production_grade": "green",
}


def render_text(report: dict[str, Any], *, color: bool = False) -> str:
    """The whole terminal report as one string ending in a newline."""
    paint = _painter(color)
    lines = _header(report, paint)
    if report.get("status") == "scored":
        lines += _dimensions(report, paint)
        lines += _groups(report, paint)
        lines += _findings(report, paint)
        lines += _waived(report)
    elif report.get("status") == "not_applicable":
        lines += ["", "No FastAPI app was found in this tree, so nothing was scored."]
    lines += _file_problems(report)
    lines += ["", _summary(report)]
    return "\n".join(lines) + "\n"


# --- pieces -----------------------------------------------------------------------------


def _header(report: dict[str, Any], paint) -> list[str]:
    lines = [paint("bold", fit(f"Readyboard report for {report.get('root', '?')}"))]
    lines.append(fit(f"App root: {report.get('app_root') or '-'}{_other_roots(report)}"))
    lines.append(f"Status:   {report.get('status', '?')}")
    if report.get("status") != "scored":
        return lines
    band = report.get("band")
    overall = report.get("overall")
    overall_text = "n/a (no dimension applies)" if overall is None else f"{overall:.1f}/100"
    band_text = paint(_BAND_STYLE.get(band, "bold"), band) if band else ""
    lines.append(f"Overall:  {overall_text}  {band_text}".rstrip())
    lines.append(f"Health:   {_health_text(report.get('health16'), paint)}")
    return lines


def _other_roots(report: dict[str, Any]) -> str:
    roots = [r.get("path") for r in report.get("app_roots") or []]
    others = [r for r in roots if r != report.get("app_root")]
    return f"  (also found: {', '.join(others)})" if others else ""


def _health_text(health: dict[str, Any] | None, paint) -> str:
    if not health or not health.get("max"):
        return "n/a (no signal applies)"
    score, most = health["score"], health["max"]
    # Rescale to /16 when some signals do not apply, so services stay comparable.
    if most == 16:
        text = f"{score}/16"
    else:
        text = f"{score * 16 / most:.1f}/16 ({score}/{most} over applicable signals)"
    return f"{text}  {paint('red', 'CRITICAL')}" if health.get("critical") else text


def _dimensions(report: dict[str, Any], paint) -> list[str]:
    dimensions = report.get("dimensions") or {}
    lines = ["", paint("bold", "Dimensions")]
    for name in _ordered(dimensions, DIMENSION_NAMES):
        lines.append(_dimension_line(name, dimensions[name]))
    return lines


def _dimension_line(name: str, dimension: dict[str, Any]) -> str:
    weight = dimension.get("weight")
    if not dimension.get("included") or dimension.get("score") is None:
        return f"  {name:<15}   n/a  excluded: none of its checks applies (weight {weight})"
    score = dimension["score"]
    return (
        f"  {name:<15} {score:5.1f}  level {dimension.get('level', 0):>3}  "
        f"[{bar(score)}]  weight {weight}"
    )


def bar(score: float, width: int = BAR_WIDTH) -> str:
    """`#` for the share earned, `.` for the rest; rounded down so only 100 looks full."""
    filled = int(max(0.0, min(score, 100.0)) * width / 100)
    return "#" * filled + "." * (width - filled)


def _groups(report: dict[str, Any], paint) -> list[str]:
    groups = report.get("groups") or {}
    lines = ["", paint("bold", "Groups (unweighted)")]
    for name in _ordered(groups, [g for g, _ in GROUPS]):
        group = groups[name]
        if not group.get("total"):
            lines.append(f"  {name:<15} no checks apply")
            continue
        rate = group.get("rate") or 0.0
        lines.append(f"  {name:<15} {group['passed']}/{group['total']} passed  {rate:.0%}")
    return lines


def _findings(report: dict[str, Any], paint) -> list[str]:
    findings = [c for c in report.get("checks") or [] if is_finding(c)]
    if not findings:
        return ["", "No failing, warning or unknown checks."]
    lines = ["", paint("bold", "Findings")]
    known_order = (*DIMENSION_NAMES, *(g for g, _ in GROUPS))
    by_dimension: dict[str, list[dict[str, Any]]] = {}
    for check in findings:
        by_dimension.setdefault(check.get("dimension") or "other", []).append(check)
    for name in _ordered(by_dimension, known_order):
        lines += ["", paint("bold", name)]
        for check in sorted(by_dimension[name], key=_severity):
            lines += _check_lines(check, paint)
    return lines


def is_finding(check: dict[str, Any]) -> bool:
    """A check a person should look at: failing, partly met or undecided, and not waived."""
    return check.get("status") in FINDING_STATUSES and not check.get("waived")


def _severity(check: dict[str, Any]) -> int:
    return FINDING_STATUSES.index(check["status"])


def _check_lines(check: dict[str, Any], paint) -> list[str]:
    status = check["status"]
    label = paint(_STATUS_STYLE[status], f"{status.upper():<8}")
    title = fit(f"{check.get('id', '?')}  {check.get('title', '')}", WIDTH - len(EVIDENCE_INDENT))
    lines = [f"  {label}{title}"]
    for evidence in check.get("evidence") or []:
        lines += _evidence_lines(evidence, paint)
    return lines


def _evidence_lines(evidence: dict[str, Any], paint) -> list[str]:
    # The message says what is wrong or what was looked for where: wrap it, do not cut it.
    lines = textwrap.wrap(f"{location(evidence)}{evidence.get('message', '')}", WIDTH,
                          initial_indent=EVIDENCE_INDENT, subsequent_indent=MESSAGE_INDENT,
                          break_on_hyphens=False, max_lines=MESSAGE_LINES, placeholder=" ...")
    lines = lines or [EVIDENCE_INDENT]
    snippet = (evidence.get("snippet") or "").rstrip("\n").splitlines()
    for row in snippet[:SNIPPET_LINES]:
        lines.append(paint("dim", fit(SNIPPET_INDENT + row.expandtabs(4))))
    if len(snippet) > SNIPPET_LINES:
        hidden = len(snippet) - SNIPPET_LINES
        lines.append(paint("dim", f"{SNIPPET_INDENT}... ({hidden} more lines)"))
    return lines


def location(evidence: dict[str, Any]) -> str:
    """`path:line  ` for a place, `path  ` for a whole file, nothing for an absence."""
    path = evidence.get("path")
    if not path:
        return ""
    line = evidence.get("line")
    return f"{path}:{line}  " if line else f"{path}  "


def _waived(report: dict[str, Any]) -> list[str]:
    waived = [c for c in report.get("checks") or [] if c.get("waived")]
    if not waived:
        return []
    lines = ["", "Waived (counted as met)"]
    for check in waived:
        reason = check.get("waiver_reason") or "no reason given"
        lines.append(fit(f"  {check.get('id', '?'):<9} {reason}"))
    return lines


def _file_problems(report: dict[str, Any]) -> list[str]:
    errors = (report.get("files") or {}).get("errors") or []
    if not errors:
        return []
    lines = ["", "Files that could not be read or parsed"]
    for error in errors[:LISTED_FILE_PROBLEMS]:
        lines.append(fit(f"  {error.get('path', '?')}: {error.get('reason', '')}"))
    if len(errors) > LISTED_FILE_PROBLEMS:
        lines.append(f"  ... and {len(errors) - LISTED_FILE_PROBLEMS} more")
    return lines


def _summary(report: dict[str, Any]) -> str:
    checks = report.get("checks") or []
    # Waived checks are counted apart, so the fail count matches the findings listed above.
    counts = {
        s: sum(1 for c in checks if c.get("status") == s and not c.get("waived"))
        for s in SUMMARY_STATUSES
    }
    parts = [f"{counts[s]} {s}" for s in SUMMARY_STATUSES]
    parts.append(f"{sum(1 for c in checks if c.get('waived'))} waived")
    files = report.get("files") or {}
    skipped = len(files.get("skipped") or [])
    errors = len(files.get("errors") or [])
    file_counts = f"{files.get('scanned', 0)} scanned, {skipped} skipped, {errors} errors"
    if report.get("status") != "scored":
        return fit(f"Files: {file_counts}")
    return fit(f"{', '.join(parts)} | files: {file_counts}")


# --- helpers ----------------------------------------------------------------------------


def fit(line: str, width: int = WIDTH) -> str:
    """Cut a line to `width` characters, marking the cut."""
    return line if len(line) <= width else line[: width - 3] + "..."


def _ordered(names: Iterable[str], preferred: Iterable[str]) -> list[str]:
    """Known names in their canonical order, then any others as they came."""
    present = list(names)
    known = [n for n in preferred if n in present]
    return known + [n for n in present if n not in known]


def _painter(color: bool):
    def paint(style: str, text: str) -> str:
        if not color or style not in _ANSI:
            return text
        return f"\x1b[{_ANSI[style]}m{text}\x1b[0m"

    return paint
