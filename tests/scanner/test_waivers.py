"""Waivers written in the scanned repository: repo config and in-code comments."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from scanner.engine import scan_tree
from scanner.files import TreeReader
from scanner.results import CheckResult, Evidence
from scanner.waivers import RepoWaiver, apply_waivers, comments_in, from_comments, judge

BILLING = Path(__file__).resolve().parents[2] / "dashboard" / "demo" / "trees" / "billing-api"
ROUTER = "app/routers/invoices.py"
OFFENDING = '        raise HTTPException(status_code=404, detail="invoice not found")'
KNOWN = {"SEC-005", "ERR-004", "DEP-002", "SEC-007"}
TODAY = date(2026, 6, 1)


@pytest.fixture
def tree(tmp_path) -> Path:
    root = tmp_path / "billing-api"
    shutil.copytree(BILLING, root)
    return root


def add_config(root: Path, text: str) -> None:
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n[tool.readyboard]\n" + text)


def comment_offending_line(root: Path, comment: str) -> None:
    path = root / ROUTER
    source = path.read_text()
    assert OFFENDING in source
    path.write_text(source.replace(OFFENDING, f"{OFFENDING}  {comment}"))


def check(report: dict, check_id: str) -> dict:
    return next(c for c in report["checks"] if c["id"] == check_id)


def test_it_reports_no_waivers_for_a_tree_without_any(tree):
    report = scan_tree(tree)

    assert report["waivers"] == []
    assert check(report, "ERR-004")["waived"] is False


def test_it_applies_a_config_waiver_and_counts_it_as_met(tree):
    before = scan_tree(tree)
    add_config(tree, '[[tool.readyboard.waivers]]\ncheck = "DEP-002"\n'
                     'reason = "base image pinned by the platform team"\nexpires = 2999-01-01\n')

    report = scan_tree(tree)

    result = check(report, "DEP-002")
    assert result["status"] == "fail" and result["waived"] is True
    assert "base image pinned by the platform team" in result["waiver_reason"]
    assert report["waivers"] == [{
        "check_id": "DEP-002", "source": "config", "path": "pyproject.toml", "line": None,
        "reason": "base image pinned by the platform team", "expires": "2999-01-01",
        "kind": "waive", "status": "applied", "used": True,
    }]
    assert report["overall"] > before["overall"]


def test_it_applies_an_in_code_waiver_on_the_offending_line(tree):
    comment_offending_line(
        tree, '# readyboard: ignore[ERR-004] reason="404 body is the gateway contract" '
              'expires=2999-03-01')

    report = scan_tree(tree)

    assert check(report, "ERR-004")["waived"] is True
    [waiver] = report["waivers"]
    assert (waiver["source"], waiver["path"], waiver["line"]) == ("comment", ROUTER, 28)
    assert (waiver["status"], waiver["expires"], waiver["used"]) == ("applied", "2999-03-01", True)


@pytest.mark.parametrize(
    ("comment", "status"),
    [
        ('# readyboard: ignore[ERR-004] expires=2999-03-01', "missing-reason"),
        ('# readyboard: ignore[ERR-004] reason="  " expires=2999-03-01', "missing-reason"),
        ('# readyboard: ignore[ERR-004] reason="legacy" expires=2020-01-01', "expired"),
        ('# readyboard: ignore[ERR-004] reason="legacy" expires=next-year', "invalid-expiry"),
        ('# readyboard: ignore[XYZ-999] reason="legacy" expires=2999-01-01', "unknown-check"),
    ],
)
def test_it_ignores_an_in_code_waiver_that_does_not_count_and_says_why(tree, comment, status):
    comment_offending_line(tree, comment)

    report = scan_tree(tree)

    assert check(report, "ERR-004")["waived"] is False
    assert [(w["status"], w["used"]) for w in report["waivers"]] == [(status, False)]


def test_it_ignores_an_expired_config_waiver_and_reports_it(tree):
    add_config(tree, '[[tool.readyboard.waivers]]\ncheck = "DEP-002"\nreason = "old"\n'
                     'expires = 2001-01-01\n')

    report = scan_tree(tree)

    assert check(report, "DEP-002")["waived"] is False
    assert report["waivers"][0]["status"] == "expired"


def test_it_reads_waivers_from_a_dot_readyboard_toml(tree):
    (tree / ".readyboard.toml").write_text(
        '[[waivers]]\ncheck = "SEC-007"\nkind = "attest"\nreason = "TLS ends at the LB"\n'
        'expires = "2999-01-01"\n')

    report = scan_tree(tree)

    assert check(report, "SEC-007")["status"] == "unknown"
    assert check(report, "SEC-007")["waived"] is True
    assert report["waivers"][0]["source"] == "config"
    assert report["waivers"][0]["path"] == ".readyboard.toml"


def test_it_does_not_let_an_attestation_override_a_decided_check():
    result = CheckResult("DEP-002", "fail")
    waiver = RepoWaiver("DEP-002", "config", "pyproject.toml", None, "trust me", None, "attest")

    apply_waivers([result], [waiver], KNOWN, TODAY)

    assert result.waived is False
    assert (waiver.status, waiver.used) == ("applied", False)


def test_it_waives_a_check_only_when_comments_cover_every_finding():
    result = CheckResult("ERR-004", "fail", [
        Evidence("bare detail", "a.py", 10, 10), Evidence("bare detail", "b.py", 5, 6)])
    waiver = RepoWaiver("ERR-004", "comment", "a.py", 10, "ok", None)

    apply_waivers([result], [waiver], KNOWN, TODAY)

    assert result.waived is False
    other = RepoWaiver("ERR-004", "comment", "b.py", 4, "also ok", None)  # the line above
    apply_waivers([result], [waiver, other], KNOWN, TODAY)
    assert result.waived is True


def test_it_treats_the_expiry_date_itself_as_expired():
    waiver = RepoWaiver("SEC-005", "config", None, None, "ok", TODAY.isoformat())

    assert judge(waiver, KNOWN, TODAY) == "expired"
    waiver.expires = "2026-06-02"
    assert judge(waiver, KNOWN, TODAY) == "applied"


def test_it_reads_only_real_comments_not_strings():
    source = (b'text = "# readyboard: ignore[SEC-005] reason=\\"x\\""\n'
              b'value = 1  # readyboard: ignore[SEC-005, err-004] reason="two in one"\n')

    found = comments_in("m.py", source)

    assert [(w.check_id, w.line, w.reason) for w in found] == [
        ("SEC-005", 2, "two in one"), ("ERR-004", 2, "two in one")]


def test_it_finds_comments_in_source_that_does_not_tokenize():
    source = b'def broken(:\n    pass  # readyboard: ignore[SEC-005] reason="odd"\n"""\n'

    assert [w.line for w in comments_in("m.py", source)] == [2]


def test_it_reads_waiver_comments_only_through_the_guarded_reader(tmp_path):
    (tmp_path / "outside.py").write_text('# readyboard: ignore[SEC-005] reason="x"\n')
    root = tmp_path / "tree"
    root.mkdir()
    (root / "link.py").symlink_to(tmp_path / "outside.py")

    assert from_comments(TreeReader(root), ["link.py", "../outside.py"]) == []
