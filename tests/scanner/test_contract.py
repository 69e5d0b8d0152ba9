"""The JSON report contract of docs/scan-report.md, and SARIF/text rendered from a real scan."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from scanner import RULES_VERSION, SCHEMA_VERSION, __version__, scoring
from scanner.__main__ import main
from scanner.engine import scan_tree
from scanner.results import STATUSES

SARIF_SCHEMA = json.loads(
    Path(__file__).with_name("sarif-2.1.0-subset.schema.json").read_text(encoding="utf-8"))
DOC = Path(__file__).parents[2] / "docs" / "scan-report.md"

TOP_LEVEL_KEYS = {
    "schema_version", "scanner_version", "rules_version", "root", "app_root", "app_roots",
    "status", "overall", "band", "health16", "dimensions", "groups", "checks", "endpoints",
    "files", "timings",
}
# Added after the first contract without a schema bump (additive keys never bump it).
ADDITIVE_KEYS = {"waivers"}
CHECK_KEYS = {"id", "title", "dimension", "priority", "tags", "status", "metric", "waived",
              "waiver_reason", "evidence"}
EVIDENCE_KEYS = {"path", "line", "end_line", "snippet", "message", "fingerprint"}
BANDS = {name for _, name in scoring.BANDS}

SERVICE = {
    "app/__init__.py": "",
    "app/main.py": '''\
from fastapi import FastAPI

from app.routes import router

app = FastAPI()
app.include_router(router)
''',
    "app/routes.py": '''\
from fastapi import APIRouter

router = APIRouter()


@router.post("/orders")
def create_order(payload: dict):
    return {"id": 1}
''',
    "app/broken.py": "def broken(:\n",
    "Dockerfile": "FROM python:3.12\nCOPY . /app\n",
}


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("service")
    for rel, content in SERVICE.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(content)
    (root / "link.py").symlink_to("/etc/hostname")
    return root


@pytest.fixture(scope="module")
def report(tree) -> dict:
    return scan_tree(tree, jobs=1)


def cli_output(capsys, *args: str) -> str:
    assert main([*args, "--jobs", "1"]) == 0
    return capsys.readouterr().out


def test_it_has_exactly_the_contract_keys(report):
    assert TOP_LEVEL_KEYS <= set(report) <= TOP_LEVEL_KEYS | ADDITIVE_KEYS


def test_it_names_its_versions(report):
    assert report["schema_version"] == SCHEMA_VERSION
    assert isinstance(report["schema_version"], int)
    assert report["scanner_version"] == __version__
    assert report["rules_version"] == RULES_VERSION


def test_it_types_the_score_fields(report):
    assert report["status"] == "scored"
    assert isinstance(report["overall"], int | float)
    assert 0 <= report["overall"] <= 100
    assert report["band"] in BANDS
    health = report["health16"]
    assert set(health) == {"score", "max", "critical", "signals"}
    assert 0 <= health["score"] <= health["max"] <= 16
    assert set(report["dimensions"]) == {d.name for d in scoring.DIMENSIONS}
    for dimension in report["dimensions"].values():
        assert set(dimension) == {"score", "level", "weight", "included", "rungs"}
    for group in report["groups"].values():
        assert {"passed", "total", "rate"} <= set(group)


def test_it_gives_every_check_the_contract_keys(report):
    assert report["checks"]
    for check in report["checks"]:
        assert set(check) == CHECK_KEYS
        assert check["status"] in STATUSES
        assert isinstance(check["tags"], list)
        assert isinstance(check["waived"], bool)
        assert check["metric"] is None or isinstance(check["metric"], dict)
        for evidence in check["evidence"]:
            assert set(evidence) == EVIDENCE_KEYS
            assert isinstance(evidence["fingerprint"], str) and evidence["fingerprint"]


def test_it_gives_relative_paths_everywhere(report, tree):
    paths = [e["path"] for c in report["checks"] for e in c["evidence"] if e["path"]]
    paths += [e["file"] for e in report["endpoints"]]
    paths += [item["path"] for item in report["files"]["skipped"] + report["files"]["errors"]]
    paths += [root["path"] for root in report["app_roots"]]
    assert "app/routes.py" in paths
    assert all(not p.startswith("/") and str(tree) not in p for p in paths)


def test_it_gives_located_evidence_a_line_and_absences_none(report):
    for check in report["checks"]:
        for evidence in check["evidence"]:
            if evidence["path"] is None:
                assert evidence["line"] is None
            elif evidence["line"] is not None:
                assert evidence["end_line"] >= evidence["line"] >= 1


def test_it_reports_files_scanned_skipped_and_errors(report):
    files = report["files"]
    assert files["scanned"] == 3
    assert [item["path"] for item in files["errors"]] == ["app/broken.py"]
    assert [item["path"] for item in files["skipped"]] == ["link.py"]
    assert all(set(item) == {"path", "reason"} for item in files["skipped"] + files["errors"])


def test_it_keeps_the_contract_keys_when_not_applicable(tmp_path):
    (tmp_path / "app.py").write_text("import flask\n")
    report = scan_tree(tmp_path, jobs=1)
    assert TOP_LEVEL_KEYS <= set(report) <= TOP_LEVEL_KEYS | ADDITIVE_KEYS
    assert report["status"] == "not_applicable"
    assert (report["overall"], report["band"], report["health16"]) == (None, None, None)
    assert report["checks"] == [] and report["dimensions"] == {}


def test_it_prints_the_same_contract_from_the_cli(tree, report, capsys):
    printed = json.loads(cli_output(capsys, str(tree), "--format", "json"))
    printed.pop("timings")
    expected = dict(report)
    expected.pop("timings")
    assert printed == expected


def test_it_prints_valid_sarif(tree, report, capsys):
    sarif = json.loads(cli_output(capsys, str(tree), "--format", "sarif"))
    jsonschema.validate(sarif, SARIF_SCHEMA)
    run = sarif["runs"][0]
    rule_ids = {rule["id"] for rule in run["tool"]["driver"]["rules"]}
    assert {check["id"] for check in report["checks"]} <= rule_ids
    failing = {c["id"] for c in report["checks"] if c["status"] in ("fail", "warn")}
    assert failing <= {result["ruleId"] for result in run["results"]}
    located = [r for r in run["results"] if r.get("locations")]
    assert located
    for result in located:
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert not uri.startswith("/")


def test_it_prints_the_score_and_failing_checks_as_text(tree, report, capsys):
    text = cli_output(capsys, str(tree))
    assert f"{report['overall']:.1f}/100" in text
    failing = [c for c in report["checks"] if c["status"] == "fail"
               and any(e["path"] and e["line"] for e in c["evidence"])]
    assert failing
    for check in failing[:5]:
        assert check["id"] in text
    assert "app/routes.py:7" in text


def test_it_documents_every_contract_key():
    text = DOC.read_text(encoding="utf-8")
    for key in TOP_LEVEL_KEYS | ADDITIVE_KEYS | CHECK_KEYS | EVIDENCE_KEYS:
        assert f"`{key}`" in text, key
    for status in (*STATUSES, "scored", "not_applicable"):
        assert f"`{status}`" in text, status
