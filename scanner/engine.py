"""The scanner's pipeline: collect files -> parse once -> find the service -> run the
rules -> score -> one JSON report (the stable contract documented in README)."""

from __future__ import annotations

import gc
import hashlib
import json
import os
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import RULES_VERSION, SCHEMA_VERSION, __version__, layout
from .errors import ScanInputError
from .files import FileIssue, Inventory, TreeReader, collect
from .forking import can_fork, run_beside
from .parsing import parse_files
from .project import Project
from .results import UNKNOWN, CheckResult, Evidence, fingerprint
from .rules import all_rules
from .rules.base import Rule
from .scoring import score_service
from .waivers import RepoWaiver, waivers_of_tree


@dataclass(slots=True)
class RepoConfig:
    """`[tool.readyboard]` in pyproject.toml, or `.readyboard.toml`, of the scanned repo."""

    app_root: str | None = None
    exclude: list[str] = field(default_factory=list)
    waivers: list[dict[str, Any]] = field(default_factory=list)
    source: str | None = None
    problems: list[str] = field(default_factory=list)


def read_repo_config(root: Path) -> RepoConfig:
    reader = TreeReader(root)
    for name, section in ((".readyboard.toml", None), ("pyproject.toml", ("tool", "readyboard"))):
        text = reader.read_text(name)
        if text is None:
            continue
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            return RepoConfig(source=name, problems=[f"{name}: invalid TOML ({exc})"])
        for key in section or ():
            data = data.get(key, {}) if isinstance(data, dict) else {}
        if data:
            return _config_from(data, name)
    return RepoConfig()


def _config_from(data: dict, source: str) -> RepoConfig:
    config = RepoConfig(source=source)
    app_root = data.get("app_root", data.get("app-root"))
    if isinstance(app_root, str):
        config.app_root = app_root.strip("/") or "."
    exclude = data.get("exclude", [])
    if isinstance(exclude, list):
        config.exclude = [str(x) for x in exclude]
    waivers = data.get("waivers", data.get("waiver", []))
    if isinstance(waivers, list):
        config.waivers = [w for w in waivers if isinstance(w, dict)]
    return config


@dataclass(slots=True)
class Analysis:
    """Everything one scan produced, before it is turned into the JSON report."""

    root: Path
    app_root: str
    app_roots: list[dict[str, Any]]
    project: Project | None
    results: list[CheckResult]
    rules: list[Rule]
    inventory: Inventory
    errors: list[FileIssue]
    timings: dict[str, float]
    config: RepoConfig
    waivers: list[RepoWaiver] = field(default_factory=list)


def _check_root(root: Path, app_root: str | None) -> Path:
    if not root.exists():
        raise ScanInputError(f"{root}: no such file or directory")
    if not root.is_dir():
        raise ScanInputError(f"{root}: not a directory")
    if app_root not in (None, "", "."):
        target = (root / app_root).resolve()
        if not target.is_relative_to(root.resolve()) or not target.is_dir():
            raise ScanInputError(f"app root {app_root!r} is not a folder inside {root}")
    return root


def _normalise_app_root(app_root: str | None) -> str | None:
    if app_root is None:
        return None
    cleaned = app_root.strip().strip("/")
    return cleaned if cleaned not in ("", ".") else "."


def analyse(root: Path, *, app_root: str | None = None, cache_dir: Path | None = None,
            jobs: int | None = None, rules: list[Rule] | None = None) -> Analysis:
    started = time.perf_counter()
    root = _check_root(Path(root), app_root)
    config = read_repo_config(root)
    app_root = _normalise_app_root(app_root) or config.app_root
    _check_root(root, app_root)
    inventory = collect(root, config.exclude)
    collected = time.perf_counter()
    outcome = parse_files(root, inventory.python, cache_dir, jobs, inventory.sizes)
    parsed = time.perf_counter()
    with _facts_out_of_full_collections():
        reader = TreeReader(root)
        whole = Project(str(root), outcome.modules, ".", None, reader,
                        parse_errors=outcome.errors)
        roots = detect_app_roots(whole, set(inventory.paths))
        chosen = app_root or (roots[0]["path"] if roots else ".")
        project = _project_for(root, outcome, chosen, inventory, reader)
        rules = rules if rules is not None else all_rules()
        results = run_rules(project, rules, jobs) if project.service.has_app else []
        if project.service.has_app:
            annotate_inventory(project)
        # Only files whose bytes mention the marker can hold waiver comments.
        commented = [p for p in inventory.python if p in outcome.waiver_candidates]
        waivers = waivers_of_tree(results, config.waivers, config.source, reader,
                                  commented, {rule.id for rule in rules})
    decided = time.perf_counter()
    errors = [FileIssue(p, r) for p, r in sorted(outcome.errors.items())]
    timings = {
        "collect": collected - started, "parse": parsed - collected,
        "rules": decided - parsed, "total": decided - started,
        "files_parsed": outcome.parsed, "files_cached": outcome.cached,
    }
    return Analysis(root, chosen, roots, project, results, rules, inventory, errors, timings,
                    config, waivers)


@contextmanager
def _facts_out_of_full_collections() -> Iterator[None]:
    """While the rules run, keep the parsed facts (millions of small objects, no garbage
    among them) out of the collector's full passes, each of which would traverse all of
    them again (~0.2 s per pass on a 2,500-file tree). Left alone when the process
    already freezes objects itself."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _project_for(root: Path, outcome, app_root: str, inventory: Inventory,
                 reader: TreeReader) -> Project:
    artifacts = _collect_artifacts(inventory, reader, app_root)
    patterns = _test_patterns(artifacts)
    return Project(str(root), outcome.modules, app_root, artifacts, reader,
                   test_patterns=patterns, parse_errors=outcome.errors)


def _collect_artifacts(inventory: Inventory, reader: TreeReader, app_root: str):
    from .artifacts import collect_artifacts
    from .artifacts.view import RepoView

    view = RepoView(paths=list(inventory.paths), read_text=reader.read_text, app_root=app_root)
    return collect_artifacts(view)


def _test_patterns(artifacts) -> tuple[str, ...]:
    pytest_config = artifacts.pyconfig.pytest if artifacts.pyconfig else None
    patterns = pytest_config.python_files if pytest_config else None
    if patterns:
        return tuple(patterns)
    return layout.DEFAULT_TEST_FILES


def detect_app_roots(project: Project, all_paths: set[str]) -> list[dict[str, Any]]:
    """App roots of the tree, the one with most endpoints first (RULES.md 3.1)."""
    service = project.service
    roots: dict[str, dict[str, Any]] = {}
    for app in service.apps:
        root = layout.app_root_for(app.module.path, all_paths)
        entry = roots.setdefault(root, {"path": root, "apps": [], "endpoints": 0})
        entry["apps"].append(f"{app.module.path}:{app.var}")
    for endpoint in service.endpoints:
        if endpoint.app is None:
            continue
        root = layout.app_root_for(endpoint.app.module.path, all_paths)
        if root in roots:
            roots[root]["endpoints"] += 1
    _fold_nested_roots(roots)
    return sorted(roots.values(), key=lambda r: (-r["endpoints"], r["path"]))


def _fold_nested_roots(roots: dict[str, dict[str, Any]]) -> None:
    """An app root inside another app root belongs to the outer service."""
    for path in sorted(roots, key=len, reverse=True):
        for other in roots:
            if other != path and other != "." and layout.is_under(path, other):
                roots[other]["apps"].extend(roots[path]["apps"])
                roots[other]["endpoints"] += roots[path]["endpoints"]
                del roots[path]
                break


def annotate_inventory(project: Project) -> None:
    """Add each endpoint's types, auth posture and test callers to the route inventory."""
    from .rules.security import annotate_endpoint_auth
    from .rules.testing import annotate_endpoint_tests
    from .rules.typing import annotate_endpoint_types

    annotate_endpoint_types(project)
    annotate_endpoint_auth(project)
    annotate_endpoint_tests(project)


# Dimensions whose rules run in a forked child on big trees. A dimension's checks share
# per-project caches (the auth model, metric definitions...), so they stay together; these
# four took about half of the rules time on benchmarks/scanner_bench.py's tree.
FORKED_DIMENSIONS = frozenset({"security", "observability", "architecture", "performance"})
# Below this many modules the rules finish in milliseconds and a fork would only cost.
PARALLEL_RULES_MIN_MODULES = 300


def run_rules(project: Project, rules: list[Rule], jobs: int | None = None) -> list[CheckResult]:
    """Every rule's result, in the order of `rules`; on big trees half of them in a child."""
    if not _rules_in_parallel(project, jobs):
        return _run_each(project, rules)
    _warm_shared_indexes(project)
    forked = [rule for rule in rules if rule.dimension in FORKED_DIMENSIONS]
    local = [rule for rule in rules if rule.dimension not in FORKED_DIMENSIONS]
    here, there = run_beside(lambda: _run_each(project, local),
                             lambda: _run_each(project, forked))
    by_id = {result.check_id: result for result in [*here, *there]}
    return [by_id[rule.id] for rule in rules]


def _rules_in_parallel(project: Project, jobs: int | None) -> bool:
    cores = jobs if jobs is not None else (os.cpu_count() or 1)
    return cores > 1 and can_fork() and len(project.modules) >= PARALLEL_RULES_MIN_MODULES


def _warm_shared_indexes(project: Project) -> None:
    """Build the indexes every dimension uses once, before the fork, so both sides share them."""
    _ = project.service, project.call_index, project.app_modules, project.test_modules


def _run_each(project: Project, rules: list[Rule]) -> list[CheckResult]:
    results = []
    for rule in rules:
        try:
            result = rule.check(project)
        except Exception as exc:  # a bug in one check must not lose the whole scan
            result = CheckResult(rule.id, UNKNOWN, [Evidence(
                message=f"the check could not decide: internal error {type(exc).__name__}: {exc}"
            )])
        for item in result.evidence:
            item.fingerprint = fingerprint(rule.id, item.path, item.scope, item.snippet,
                                           item.message)
        results.append(result)
    return results


def build_report(analysis: Analysis) -> dict[str, Any]:
    project = analysis.project
    applicable = project is not None and project.service.has_app
    report: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "scanner_version": __version__,
        "rules_version": RULES_VERSION,
        "root": str(analysis.root),
        "app_root": analysis.app_root,
        "app_roots": analysis.app_roots,
        "status": "scored" if applicable else "not_applicable",
        "overall": None, "band": None, "health16": None, "dimensions": {}, "groups": {},
        "checks": [], "endpoints": [],
    }
    if applicable:
        by_id = {r.check_id: r for r in analysis.results}
        report.update(score_service(by_id).to_json())
        report["checks"] = [_check_json(rule, by_id[rule.id]) for rule in analysis.rules]
        report["endpoints"] = [e.to_json() for e in project.service.endpoints]
    report["files"] = {
        "scanned": len(analysis.inventory.python) - len(analysis.errors),
        "skipped": [s.to_json() for s in analysis.inventory.skipped],
        "errors": [e.to_json() for e in analysis.errors],
    }
    if analysis.config.problems:
        report["files"]["errors"].extend({"path": analysis.config.source, "reason": p}
                                         for p in analysis.config.problems)
    report["waivers"] = [waiver.to_json() for waiver in analysis.waivers]
    report["timings"] = {k: round(v, 4) if isinstance(v, float) else v
                         for k, v in analysis.timings.items()}
    return report


def _check_json(rule: Rule, result: CheckResult) -> dict[str, Any]:
    return {
        "id": rule.id,
        "title": rule.title,
        "dimension": rule.dimension,
        "priority": rule.priority,
        "tags": list(rule.tags),
        "status": result.status,
        "metric": result.metric,
        "waived": result.waived,
        "waiver_reason": result.waiver_reason,
        "evidence": [e.to_json() for e in result.evidence],
    }


def scan_tree(root: Path | str, *, app_root: str | None = None, cache_dir: Path | None = None,
              jobs: int | None = None) -> dict[str, Any]:
    """Scan a tree and return the JSON report (raises ScanInputError for unusable input).

    With a cache directory, an unchanged tree (same files, sizes and modification times,
    same config, scanner and rules) returns its stored report without any analysis, and
    a changed tree re-parses only the files whose content changed.
    """
    root = Path(root)
    if cache_dir is None:
        return build_report(analyse(root, app_root=app_root, jobs=jobs))
    started = time.perf_counter()
    _check_root(root, app_root)
    config = read_repo_config(root)
    inventory = collect(root, config.exclude)
    key = _tree_key(inventory, _normalise_app_root(app_root) or config.app_root, config)
    report = _load_cached_report(cache_dir, key)
    if report is not None:
        report["root"] = str(root)  # the same tree may be scanned from another folder
        report["timings"] = {"total": round(time.perf_counter() - started, 4),
                             "report_cached": True}
        return report
    report = build_report(analyse(root, app_root=app_root, cache_dir=cache_dir, jobs=jobs))
    _store_cached_report(cache_dir, key, report)
    return report


def _tree_key(inventory: Inventory, app_root: str | None, config: RepoConfig) -> str:
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(f"{__version__}|{RULES_VERSION}|{SCHEMA_VERSION}|{app_root}|".encode())
    digest.update(repr((config.app_root, config.exclude, config.waivers)).encode())
    for path in inventory.paths:
        digest.update(f"\0{path}\0{inventory.sizes[path]}\0{inventory.mtimes[path]}".encode(
            "utf-8", "surrogateescape"))
    return digest.hexdigest()


def _report_file(cache_dir: Path, key: str) -> Path:
    return cache_dir / "reports" / f"{key}.json"


def _load_cached_report(cache_dir: Path, key: str) -> dict[str, Any] | None:
    try:
        with open(_report_file(cache_dir, key), encoding="utf-8") as handle:
            report = json.load(handle)
    except (OSError, ValueError, RecursionError):
        return None
    # Anything but a whole report of this schema is damage: analyse instead.
    if not isinstance(report, dict) or report.get("schema_version") != SCHEMA_VERSION:
        return None
    if not {"status", "checks", "endpoints", "files"} <= report.keys():
        return None
    return report


def _store_cached_report(cache_dir: Path, key: str, report: dict[str, Any]) -> None:
    target = _report_file(cache_dir, key)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(report), encoding="utf-8")
        os.replace(temporary, target)
    except OSError:
        pass  # the cache only saves time
