"""Text and SARIF renderings of one sample JSON report."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import jsonschema
import pytest

from scanner.report import render_sarif, render_text
from scanner.report.text import bar

SCHEMA_PATH = Path(__file__).with_name("sarif-2.1.0-subset.schema.json")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
LONG_MESSAGE = "request body parsed by hand " * 8


def evidence(path, line, message, *, end_line=None, snippet="", fingerprint="fp"):
    return {
        "path": path,
        "line": line,
        "end_line": end_line,
        "snippet": snippet,
        "message": message,
        "fingerprint": fingerprint,
    }


def check(check_id, dimension, status, items=(), *, waived=False, reason=""):
    return {
        "id": check_id,
        "title": f"Title of {check_id}",
        "dimension": dimension,
        "priority": "P0",
        "tags": ["health"],
        "status": status,
        "metric": None,
        "waived": waived,
        "waiver_reason": reason,
        "evidence": list(items),
    }


def dimension(score, level, weight, rungs, included=True):
    return {"score": score, "level": level, "weight": weight, "included": included, "rungs": rungs}


def sample_report():
    """A scored service with one check of every interesting shape."""
    checks = [
        check(
            "TYP-001",
            "type_safety",
            "fail",
            [
                evidence(
                    "app/main.py",
                    10,
                    "body typed dict",
                    end_line=12,
                    snippet="@app.post('/items')\nasync def create(item: dict):",
                    fingerprint="aaaa1111",
                ),
                evidence("app/routes/users.py", 33, LONG_MESSAGE, fingerprint="bbbb2222"),
            ],
        ),
        check("TYP-002", "type_safety", "warn", [evidence("app/main.py", 20, "no response model")]),
        check("TYP-003", "type_safety", "pass", [evidence("app/main.py", 5, "filtered output")]),
        check("SEC-007", "security", "unknown", [evidence(None, None, "no proxy config found")]),
        check("SEC-010", "security", "fail"),  # failing without any evidence
        check("DB-001", "database", "na"),
        check(
            "DEP-001",
            "deployment",
            "fail",
            [evidence(None, None, "no Dockerfile found (looked in ., ..)")],
            waived=True,
            reason="deployed as a zip to a platform",
        ),
        check("DOC-001", "documentation", "warn", [evidence("my app/main.py", 3, "no version")]),
        check("ARC-001", "architecture", "pass"),
    ]
    return {
        "schema_version": 1,
        "scanner_version": "0.1.0",
        "rules_version": "3.1",
        "root": "/srv/checkouts/orders",
        "app_root": ".",
        "app_roots": [{"path": ".", "endpoints": 12}],
        "status": "scored",
        "overall": 73.4,
        "band": "solid",
        "health16": {
            "score": 12,
            "max": 16,
            "critical": False,
            "signals": {"type_safety": 1, "auth": 2},
        },
        "dimensions": {
            "type_safety": dimension(62.5, 50, 15, [1.0, 1.0, 0.5, 0.0]),
            "security": dimension(87.5, 75, 15, [1.0, 1.0, 1.0, 0.5]),
            "database": dimension(None, None, 10, [1.0, 1.0, 1.0, 1.0], included=False),
        },
        "groups": {
            "architecture": {"passed": 3, "total": 5, "rate": 0.6},
            "configuration": {"passed": 0, "total": 0, "rate": None},
            "documentation": {"passed": 1, "total": 2, "rate": 0.5},
        },
        "checks": checks,
        "endpoints": [],
        "files": {
            "scanned": 10,
            "skipped": [{"path": "big.py", "reason": "too large"}],
            "errors": [{"path": "broken.py", "reason": "syntax error at line 3"}],
        },
        "timings": {"total": 0.4},
    }


def not_applicable_report():
    report = sample_report()
    report.update(
        status="not_applicable",
        overall=None,
        band=None,
        health16=None,
        dimensions={},
        groups={},
        checks=[],
        app_roots=[],
        app_root=None,
    )
    report["files"]["errors"] = []
    return report


def rules_meta():
    ids = ["TYP-001", "TYP-002", "TYP-003", "SEC-007", "SEC-010", "DEP-001", "DOC-001"]
    return [
        {
            "id": check_id,
            "title": f"Title of {check_id}",
            "rationale": f"Why {check_id} matters.",
            "remediation": f"How to fix {check_id}.",
            "priority": "P1",
            "tags": ["health", "p0"],
            "dimension": "type_safety",
        }
        for check_id in ids
    ]


# --- SARIF ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )


@pytest.fixture
def sarif():
    return render_sarif(sample_report(), rules_meta())


def results_for(sarif_log, rule_id):
    return [r for r in sarif_log["runs"][0]["results"] if r["ruleId"] == rule_id]


def test_it_writes_sarif_that_validates_against_the_schema(sarif_validator, sarif):
    sarif_validator.validate(sarif)
    json.dumps(sarif)  # plain JSON types only


def test_it_writes_valid_sarif_for_a_report_with_nothing_scored(sarif_validator):
    sarif_log = render_sarif(not_applicable_report(), rules_meta())
    sarif_validator.validate(sarif_log)
    assert sarif_log["runs"][0]["results"] == []


def test_it_has_a_schema_strict_enough_to_catch_mistakes(sarif_validator, sarif):
    broken = copy.deepcopy(sarif)
    broken["runs"][0]["results"][0]["level"] = "fatal"
    assert not sarif_validator.is_valid(broken)
    misspelt = copy.deepcopy(sarif)
    misspelt["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["regoin"] = {}
    assert not sarif_validator.is_valid(misspelt)


def test_it_names_the_schema_version_and_tool(sarif):
    assert sarif["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert sarif["version"] == "2.1.0"
    assert len(sarif["runs"]) == 1
    driver = sarif["runs"][0]["tool"]["driver"]
    assert driver["name"] == "readyboard"
    assert driver["version"] == "0.1.0"


def test_it_describes_every_rule_from_its_metadata(sarif):
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [m["id"] for m in rules_meta()]
    assert rules[0] == {
        "id": "TYP-001",
        "shortDescription": {"text": "Title of TYP-001"},
        "fullDescription": {"text": "Why TYP-001 matters."},
        "help": {"text": "How to fix TYP-001."},
        "properties": {"tags": ["health", "p0"], "priority": "P1", "dimension": "type_safety"},
    }


def test_it_emits_one_result_per_evidence_item_with_a_level_per_status(sarif):
    assert [r["level"] for r in results_for(sarif, "TYP-001")] == ["error", "error"]
    assert [r["level"] for r in results_for(sarif, "TYP-002")] == ["warning"]
    assert [r["level"] for r in results_for(sarif, "SEC-007")] == ["note"]


def test_it_emits_nothing_for_passing_and_na_checks(sarif):
    assert results_for(sarif, "TYP-003") == []
    assert results_for(sarif, "DB-001") == []
    assert results_for(sarif, "ARC-001") == []


def test_it_points_a_result_at_the_relative_path_and_lines(sarif):
    first = results_for(sarif, "TYP-001")[0]
    assert first["message"] == {"text": "body typed dict"}
    assert first["ruleIndex"] == 0
    assert first["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "app/main.py", "uriBaseId": "%SRCROOT%"},
                "region": {
                    "startLine": 10,
                    "endLine": 12,
                    "snippet": {"text": "@app.post('/items')\nasync def create(item: dict):"},
                },
            }
        }
    ]


def test_it_leaves_out_the_end_line_when_unknown(sarif):
    region = results_for(sarif, "TYP-001")[1]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 33}


def test_it_gives_evidence_without_a_path_no_location(sarif):
    (result,) = results_for(sarif, "SEC-007")
    assert "locations" not in result
    assert result["message"] == {"text": "no proxy config found"}


def test_it_still_reports_a_failure_that_has_no_evidence(sarif):
    (result,) = results_for(sarif, "SEC-010")
    assert result["level"] == "error"
    assert "Title of SEC-010" in result["message"]["text"]
    assert "locations" not in result
    assert result["partialFingerprints"]["readyboard/v1"]


def test_it_carries_the_evidence_fingerprint(sarif):
    fingerprints = [r["partialFingerprints"] for r in results_for(sarif, "TYP-001")]
    assert fingerprints == [{"readyboard/v1": "aaaa1111"}, {"readyboard/v1": "bbbb2222"}]


def test_it_marks_a_waived_check_as_suppressed(sarif):
    (result,) = results_for(sarif, "DEP-001")
    assert result["suppressions"] == [
        {"kind": "external", "justification": "deployed as a zip to a platform"}
    ]
    assert "suppressions" not in results_for(sarif, "TYP-002")[0]


def test_it_percent_encodes_paths_into_uris(sarif):
    (result,) = results_for(sarif, "DOC-001")
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location["uri"] == "my%20app/main.py"


def test_it_leaves_out_the_rule_index_for_a_check_without_metadata():
    (result,) = render_sarif(sample_report(), [])["runs"][0]["results"][:1]
    assert "ruleIndex" not in result
    assert result["ruleId"] == "TYP-001"


# --- text -------------------------------------------------------------------------------


@pytest.fixture
def text():
    return render_text(sample_report())


def lines_of(rendered):
    return rendered.splitlines()


def test_it_opens_with_root_status_overall_band_and_health(text):
    head = "\n".join(lines_of(text)[:6])
    assert "/srv/checkouts/orders" in head
    assert "App root: ." in head
    assert "scored" in head
    assert "73.4/100  solid" in head
    assert "Health:   12/16" in head


def test_it_writes_one_line_per_dimension_with_score_level_and_bar(text):
    (type_safety,) = [line for line in lines_of(text) if line.startswith("  type_safety")]
    assert " 62.5 " in type_safety
    assert "level  50" in type_safety
    assert "[" + "#" * 12 + "." * 8 + "]" in type_safety  # 62.5 % of 20 cells, rounded down
    assert "weight 15" in type_safety


def test_it_fills_the_bar_only_for_a_full_score():
    assert bar(100.0) == "#" * 20
    assert bar(99.9) == "#" * 19 + "."
    assert bar(0.0) == "." * 20


def test_it_shows_an_excluded_dimension_as_not_applicable(text):
    (database,) = [line for line in lines_of(text) if line.startswith("  database")]
    assert "n/a" in database
    assert "excluded" in database


def test_it_shows_group_pass_rates(text):
    assert "  architecture    3/5 passed  60%" in lines_of(text)
    assert "  configuration   no checks apply" in lines_of(text)


def test_it_lists_findings_by_dimension_with_path_line_and_message(text):
    findings = text[text.index("Findings") :]
    assert findings.index("type_safety") < findings.index("TYP-001") < findings.index("security")
    assert "FAIL    TYP-001  Title of TYP-001" in findings
    assert "app/main.py:10  body typed dict" in findings
    assert "WARN    TYP-002" in findings
    assert "UNKNOWN SEC-007" in findings
    assert "          no proxy config found" in lines_of(findings)
    assert "FAIL    SEC-010  Title of SEC-010" in findings


def test_it_indents_snippets_under_their_evidence(text):
    lines = lines_of(text)
    where = lines.index("          app/main.py:10  body typed dict")
    assert lines[where + 1] == "              @app.post('/items')"
    assert lines[where + 2] == "              async def create(item: dict):"


def test_it_leaves_passing_na_and_waived_checks_out_of_the_findings(text):
    findings = text[text.index("Findings") : text.index("Waived")]
    assert "TYP-003" not in findings
    assert "DB-001" not in findings
    assert "DEP-001" not in findings
    assert "DEP-001   deployed as a zip to a platform" in text[text.index("Waived") :]


def test_it_lists_files_that_could_not_be_read(text):
    assert "  broken.py: syntax error at line 3" in lines_of(text)


def test_it_ends_with_one_line_counting_statuses_and_files(text):
    assert lines_of(text)[-1] == (
        "2 pass, 2 warn, 2 fail, 1 unknown, 1 na, 1 waived"
        " | files: 10 scanned, 1 skipped, 1 errors"
    )


def test_it_keeps_every_line_within_100_characters(text):
    assert max(len(line) for line in lines_of(text)) <= 100
    # The long evidence message is wrapped onto indented continuation lines, not cut.
    message = "request body parsed by hand"
    wrapped = [line for line in lines_of(text) if message in line]
    assert len(wrapped) >= 2 and all(not line.endswith("...") for line in wrapped)


def test_it_uses_no_colour_unless_asked(text):
    assert "\x1b[" not in text
    coloured = render_text(sample_report(), color=True)
    assert "\x1b[31m" in coloured
    assert ANSI.sub("", coloured) == text


def test_it_says_plainly_that_nothing_was_scored_without_a_fastapi_app():
    text = render_text(not_applicable_report())
    assert "No FastAPI app was found in this tree, so nothing was scored." in text
    assert "Overall" not in text
    assert "Findings" not in text
    assert lines_of(text)[-1] == "Files: 10 scanned, 1 skipped, 0 errors"


def test_it_rescales_health_to_sixteen_when_some_signals_do_not_apply():
    report = sample_report()
    report["health16"] = {"score": 6, "max": 14, "critical": True, "signals": {}}
    assert "Health:   6.9/16 (6/14 over applicable signals)  CRITICAL" in render_text(report)


def test_it_says_when_no_check_needs_attention():
    report = sample_report()
    report["checks"] = [c for c in report["checks"] if c["status"] in ("pass", "na")]
    assert "No failing, warning or unknown checks." in render_text(report)


def test_it_names_the_other_app_roots_of_a_monorepo():
    report = sample_report()
    report["app_roots"].append({"path": "services/billing", "endpoints": 3})
    assert "App root: .  (also found: services/billing)" in render_text(report)
