"""Run one rule over a small tree written to a temporary folder."""

from __future__ import annotations

from pathlib import Path

from scanner.engine import analyse
from scanner.results import CheckResult
from scanner.rules.base import Rule


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


def run_rule(rule: Rule, root: Path, files: dict[str, str]) -> CheckResult:
    write_tree(root, files)
    analysis = analyse(root, rules=[rule], jobs=1)
    assert analysis.project is not None and analysis.project.service.has_app, (
        f"example for {rule.id} has no FastAPI app, so nothing would be checked"
    )
    (result,) = analysis.results
    return result
