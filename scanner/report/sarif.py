"""SARIF 2.1.0 output, so findings plug into code-scanning tools (rule ids = check ids).

Rendered from the JSON report dict plus the rules' metadata (id, title, rationale,
remediation, priority, tags, dimension), which the check classes own.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import quote

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
TOOL_NAME = "readyboard"
SOURCE_ROOT = "%SRCROOT%"
FINGERPRINT_KEY = "readyboard/v1"

# Only these statuses become results; pass and na say nothing to fix.
LEVEL_BY_STATUS = {"fail": "error", "warn": "warning", "unknown": "note"}


def render_sarif(report: dict[str, Any], rules_meta: list[dict[str, Any]]) -> dict[str, Any]:
    """A SARIF log with one run: every rule described, one result per evidence item."""
    rule_index = {meta["id"]: position for position, meta in enumerate(rules_meta)}
    results = [
        result
        for check in report.get("checks") or []
        for result in check_results(check, rule_index)
    ]
    driver = {
        "name": TOOL_NAME,
        "version": str(report.get("scanner_version", "")),
        "rules": [rule_descriptor(meta) for meta in rules_meta],
    }
    if report.get("rules_version"):
        driver["properties"] = {"rulesVersion": str(report["rules_version"])}
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{"tool": {"driver": driver}, "results": results}],
    }


def rule_descriptor(meta: dict[str, Any]) -> dict[str, Any]:
    """One `reportingDescriptor`; empty texts are left out rather than sent blank."""
    rule: dict[str, Any] = {
        "id": meta["id"],
        "shortDescription": {"text": meta.get("title") or meta["id"]},
    }
    if meta.get("rationale"):
        rule["fullDescription"] = {"text": meta["rationale"]}
    if meta.get("remediation"):
        rule["help"] = {"text": meta["remediation"]}
    rule["properties"] = {
        "tags": list(meta.get("tags") or []),
        "priority": meta.get("priority", ""),
        "dimension": meta.get("dimension", ""),
    }
    return rule


def check_results(check: dict[str, Any], rule_index: dict[str, int]) -> list[dict[str, Any]]:
    """Results for one check: one per evidence item, or a single one when it has none."""
    level = LEVEL_BY_STATUS.get(check.get("status", ""))
    if level is None:
        return []
    evidence = check.get("evidence") or [{"message": _no_evidence_message(check)}]
    return [_result(check, item, level, rule_index) for item in evidence]


def _result(
    check: dict[str, Any], evidence: dict[str, Any], level: str, rule_index: dict[str, int]
) -> dict[str, Any]:
    check_id = check["id"]
    result: dict[str, Any] = {"ruleId": check_id}
    if check_id in rule_index:
        result["ruleIndex"] = rule_index[check_id]
    result["level"] = level
    result["message"] = {"text": evidence.get("message") or _no_evidence_message(check)}
    physical = physical_location(evidence)
    if physical:
        result["locations"] = [{"physicalLocation": physical}]
    result["partialFingerprints"] = {FINGERPRINT_KEY: _fingerprint(check_id, evidence)}
    if check.get("waived"):
        # A waiver lives in the repository's config, outside the flagged code: "external".
        suppression = {"kind": "external"}
        if check.get("waiver_reason"):
            suppression["justification"] = check["waiver_reason"]
        result["suppressions"] = [suppression]
    return result


def physical_location(evidence: dict[str, Any]) -> dict[str, Any] | None:
    """Where the evidence points, or None for an absence (no path to point at)."""
    path = evidence.get("path")
    if not path:
        return None
    physical: dict[str, Any] = {
        "artifactLocation": {"uri": quote(path.replace("\\", "/")), "uriBaseId": SOURCE_ROOT}
    }
    region = _region(evidence)
    if region:
        physical["region"] = region
    return physical


def _region(evidence: dict[str, Any]) -> dict[str, Any] | None:
    line = evidence.get("line")
    if not isinstance(line, int) or line < 1:
        return None
    region: dict[str, Any] = {"startLine": line}
    end_line = evidence.get("end_line")
    if isinstance(end_line, int) and end_line >= line:
        region["endLine"] = end_line
    if evidence.get("snippet"):
        region["snippet"] = {"text": evidence["snippet"]}
    return region


def _no_evidence_message(check: dict[str, Any]) -> str:
    title = check.get("title") or check["id"]
    return f"{title}: {check.get('status', 'fail')}"


def _fingerprint(check_id: str, evidence: dict[str, Any]) -> str:
    """The scanner's line-free fingerprint; a stable stand-in when evidence carries none."""
    if evidence.get("fingerprint"):
        return str(evidence["fingerprint"])
    raw = "\x1f".join((check_id, evidence.get("path") or "", evidence.get("message") or ""))
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]
