"""Scan the hand-labelled fixture services and compare with their expected.json.

Each folder under tests/fixtures/services/ is copied on its own into a temporary folder
and scanned there as the repository root, so nothing above it (this project's CI, README,
pyproject) can be seen. The statuses in expected.json are hand labels from RULES.md; the
scores next to them were computed once from those labels by compute_scores.py.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from scanner.engine import scan_tree
from scanner.rules import rule_classes

SERVICES = Path(__file__).resolve().parents[1] / "fixtures" / "services"
STATUSES = {"pass", "warn", "fail", "na", "unknown"}
# Checks that cannot fail: the listed state stands in for the fail/na one.
ONLY = {"SEC-007": "unknown", "ARC-002": "warn", "ARC-003": "warn", "ARC-005": "warn"}


def _expected(service: str) -> dict[str, Any]:
    return json.loads((SERVICES / service / "expected.json").read_text(encoding="utf-8"))


def _services() -> list[str]:
    return sorted(p.parent.name for p in SERVICES.glob("*/expected.json"))


def _app_roots(expected: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """app root -> expected entry (`status`, `checks`, scores)."""
    if "app_roots" in expected:
        return expected["app_roots"]
    return {expected["app_root"]: expected}


def _cases() -> list[Any]:
    return [pytest.param(service, root, entry, id=f"{service}:{root}")
            for service in _services()
            for root, entry in _app_roots(_expected(service)).items()]


def _scored_cases() -> list[Any]:
    return [case for case in _cases() if case.values[2]["status"] == "scored"]


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    """scan(service, app_root) -> report; each service is copied and scanned once per root."""
    copies: dict[str, Path] = {}
    reports: dict[tuple[str, str], dict[str, Any]] = {}

    def run(service: str, app_root: str) -> dict[str, Any]:
        if service not in copies:
            target = tmp_path_factory.mktemp("fixture") / service
            shutil.copytree(SERVICES / service, target,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            copies[service] = target
        key = (service, app_root)
        if key not in reports:
            reports[key] = scan_tree(copies[service], app_root=app_root, jobs=1)
        return reports[key]

    return run


def _first_message(check: dict[str, Any]) -> str:
    evidence = check.get("evidence") or []
    if not evidence:
        return "(no evidence)"
    first = evidence[0]
    where = f" [{first['path']}:{first.get('line') or ''}]" if first.get("path") else ""
    return f"{first.get('message', '')}{where}"


@pytest.mark.parametrize(("service", "app_root", "entry"), _cases())
def test_fixture_service_statuses(scan, service, app_root, entry):
    report = scan(service, app_root)
    assert report["status"] == entry["status"], (
        f"{service}:{app_root} expected {entry['status']} got {report['status']}")
    if entry["status"] != "scored":
        assert report["checks"] == [] and report["overall"] is None
        return
    assert report["app_root"] == app_root
    got = {check["id"]: check for check in report["checks"]}
    mismatches = []
    for check_id, check in got.items():
        want = entry["checks"].get(check_id, "(not labelled)")
        if check["status"] != want:
            mismatches.append(
                f"{check_id} expected {want} got {check['status']}: {_first_message(check)}")
    assert not mismatches, f"{service}:{app_root}: {len(mismatches)} mismatches\n" + \
        "\n".join(mismatches)


@pytest.mark.parametrize(("service", "app_root", "entry"), _scored_cases())
def test_fixture_service_scores(scan, service, app_root, entry):
    report = scan(service, app_root)
    levels = {name: d["level"] for name, d in report["dimensions"].items()}
    health = {"score": report["health16"]["score"], "max": report["health16"]["max"]}
    differences = [f"{name} level expected {level} got {levels.get(name)}"
                   for name, level in entry["dimensions"].items() if levels.get(name) != level]
    if report["overall"] != entry["overall"]:
        differences.append(f"overall expected {entry['overall']} got {report['overall']}")
    if health != entry["health16"]:
        differences.append(f"health16 expected {entry['health16']} got {health} "
                           f"(signals {report['health16']['signals']})")
    assert not differences, (
        f"{service}:{app_root}: scores differ from the ones computed from the hand labels "
        "(the status test names the checks behind it)\n" + "\n".join(differences))


def test_flask_app_is_not_applicable(scan):
    assert _expected("flask_app")["status"] == "not_applicable"
    report = scan("flask_app", ".")
    assert report["status"] == "not_applicable"
    assert report["checks"] == [] and report["overall"] is None and report["health16"] is None


def test_expected_files_label_every_registered_check():
    registry = {cls.id for cls in rule_classes()}
    for case in _scored_cases():
        service, app_root, entry = case.values
        labels = entry["checks"]
        assert registry <= set(labels), (
            f"{service}:{app_root} does not label {sorted(registry - set(labels))}")
        assert set(labels.values()) <= STATUSES, f"{service}:{app_root}: unknown status value"
        assert {"dimensions", "overall", "health16"} <= set(entry), (
            f"{service}:{app_root}: run tests/fixtures/services/compute_scores.py")


def test_registry_implements_every_labelled_check():
    """The labels cover RULES.md section 4; the scan must decide each of them."""
    registry = {cls.id for cls in rule_classes()}
    labelled = {check_id for case in _scored_cases() for check_id in case.values[2]["checks"]}
    assert not labelled - registry, f"not implemented: {sorted(labelled - registry)}"


def test_every_check_occurs_as_pass_and_as_fail_or_na():
    seen: dict[str, set[str]] = defaultdict(set)
    for case in _scored_cases():
        for check_id, status in case.values[2]["checks"].items():
            seen[check_id].add(status)
    missing = []
    for cls in rule_classes():
        statuses = seen[cls.id]
        other = {ONLY[cls.id]} if cls.id in ONLY else {"fail", "na"}
        if "pass" not in statuses or not statuses & other:
            missing.append(f"{cls.id}: {sorted(statuses)} (needs pass and one of "
                           f"{sorted(other)})")
    assert not missing, "\n".join(missing)


def test_exemplary_is_production_grade(scan):
    assert _expected("exemplary")["overall"] >= 85
    assert scan("exemplary", ".")["overall"] >= 85
