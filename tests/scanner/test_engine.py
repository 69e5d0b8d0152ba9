"""The engine end to end on real trees: nothing executed, cache, parallel path, determinism."""

from __future__ import annotations

import copy
import os
import shutil
from pathlib import Path

import pytest

from scanner.engine import scan_tree
from scanner.parsing import EXTRACTOR_VERSION, PARALLEL_MIN_FILES

from .rule_harness import write_tree as write

SERVICE = {
    "app/__init__.py": "",
    "app/main.py": '''\
from fastapi import FastAPI

from app.routes import router

app = FastAPI(title="orders")
app.include_router(router, prefix="/api")


@app.get("/health")
def health():
    return {"ok": True}
''',
    "app/routes.py": '''\
from fastapi import APIRouter

router = APIRouter()


@router.get("/orders")
def list_orders():
    return {"orders": []}


@router.post("/orders")
def create_order(payload: dict):
    return {"id": 1}
''',
    "app/broken.py": "def broken(:\n    pass\n",
}


def without_timings(report: dict) -> dict:
    report = copy.deepcopy(report)
    report.pop("timings")
    return report


def findings(report: dict) -> list[tuple]:
    return [
        (check["id"], check["status"], e["path"], e["line"], e["snippet"], e["message"],
         e["fingerprint"])
        for check in report["checks"] for e in check["evidence"]
    ]


def fingerprints_at(report: dict, check_id: str, path: str) -> dict[str, int]:
    check = next(c for c in report["checks"] if c["id"] == check_id)
    return {e["fingerprint"]: e["line"] for e in check["evidence"] if e["path"] == path}


# ---- nothing from the tree is imported or executed ------------------------------------
def hostile_module(marker: Path, tail: str) -> str:
    return f'open({str(marker)!r}, "w").write("ran")\n{tail}\n'


def test_it_never_imports_or_runs_code_from_the_tree(tmp_path):
    markers = tmp_path / "markers"
    markers.mkdir()
    tree = tmp_path / "tree"
    write(tree, {
        "app/__init__.py": hostile_module(markers / "init", "raise SystemExit(3)"),
        "app/main.py": (
            "import os\n" + hostile_module(markers / "main", "os._exit(4)")
            + "from fastapi import FastAPI\napp = FastAPI()\n\n\n@app.get('/')\n"
            "def root():\n    return 1\n"
        ),
        "app/models.py": hostile_module(markers / "models", "raise RuntimeError('imported')"),
        "conftest.py": hostile_module(markers / "conftest", "raise SystemExit(5)"),
        "setup.py": hostile_module(markers / "setup", "import os\nos._exit(6)"),
        "tests/test_main.py": hostile_module(markers / "test", "raise SystemExit(7)"),
        "app/__main__.py": hostile_module(markers / "dunder_main", "raise SystemExit(8)"),
    })
    report = scan_tree(tree, jobs=1)
    assert report["status"] == "scored"
    assert [e["path"] for e in report["endpoints"]] == ["/"]
    assert list(markers.iterdir()) == []


# ---- cache -------------------------------------------------------------------------------
def touch_all(tree: Path) -> None:
    """New modification times, same bytes: the whole-report cache misses, the per-file
    facts cache (keyed by content) still hits."""
    for item in tree.rglob("*.py"):
        stat = item.stat()
        os.utime(item, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000_000))


def test_it_parses_nothing_on_a_second_scan_with_a_cache(tmp_path):
    tree = write(tmp_path / "tree", SERVICE)
    cache = tmp_path / "cache"
    first = scan_tree(tree, cache_dir=cache, jobs=1)
    second = scan_tree(tree, cache_dir=cache, jobs=1)
    assert first["timings"]["files_parsed"] == len(SERVICE)
    assert second["timings"].get("files_parsed", 0) == 0
    assert without_timings(second) == without_timings(first)


def test_it_loads_every_unchanged_file_from_the_facts_cache(tmp_path):
    tree = write(tmp_path / "tree", SERVICE)
    cache = tmp_path / "cache"
    first = scan_tree(tree, cache_dir=cache, jobs=1)
    touch_all(tree)
    second = scan_tree(tree, cache_dir=cache, jobs=1)
    assert second["timings"]["files_parsed"] == 0
    assert second["timings"]["files_cached"] == len(SERVICE)
    assert without_timings(second) == without_timings(first)


def test_it_reparses_exactly_the_changed_file(tmp_path):
    tree = write(tmp_path / "tree", SERVICE)
    cache = tmp_path / "cache"
    scan_tree(tree, cache_dir=cache, jobs=1)
    (tree / "app/routes.py").write_text(SERVICE["app/routes.py"] + "\n# touched\n")
    report = scan_tree(tree, cache_dir=cache, jobs=1)
    assert report["timings"]["files_parsed"] == 1
    assert report["timings"]["files_cached"] == len(SERVICE) - 1


def test_it_gives_the_same_report_with_and_without_a_cache(tmp_path):
    tree = write(tmp_path / "tree", SERVICE)
    uncached = scan_tree(tree, jobs=1)
    scan_tree(tree, cache_dir=tmp_path / "cache", jobs=1)
    touch_all(tree)
    from_facts = scan_tree(tree, cache_dir=tmp_path / "cache", jobs=1)
    from_report = scan_tree(tree, cache_dir=tmp_path / "cache", jobs=1)
    assert without_timings(from_facts) == without_timings(uncached)
    assert without_timings(from_report) == without_timings(uncached)


@pytest.mark.parametrize("damage", [
    pytest.param(b"", id="empty"),
    pytest.param(b"not a pickle at all", id="garbage"),
    pytest.param(b"\x80\x05\x95\x10\x00\x00", id="truncated"),
    # a flipped byte inside a stored string: the unpickler raises UnicodeDecodeError
    pytest.param(b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00\x8c\x03\xff\xfe\xfd\x94.",
                 id="bad-utf8"),
    pytest.param(b"\x80\x04).", id="empty-tuple"),
    pytest.param(b"\x80\x04K\x01\x85\x94.", id="tuple-of-int"),
])
def test_it_ignores_a_corrupt_facts_cache_file(tmp_path, damage):
    tree = write(tmp_path / "tree", SERVICE)
    cache = tmp_path / "cache"
    clean = scan_tree(tree, cache_dir=cache, jobs=1)
    stored = sorted((cache / f"facts-v{EXTRACTOR_VERSION}").rglob("*.pkl"))
    assert len(stored) == len(SERVICE)
    for item in stored:
        item.write_bytes(damage)
    touch_all(tree)
    report = scan_tree(tree, cache_dir=cache, jobs=1)
    assert report["timings"]["files_parsed"] == len(SERVICE)
    assert without_timings(report) == without_timings(clean)


@pytest.mark.parametrize("damage", ['{"schema_version": 1, "che', "[]", '"a string"', "{}"])
def test_it_ignores_a_corrupt_report_cache_file(tmp_path, damage):
    tree = write(tmp_path / "tree", SERVICE)
    cache = tmp_path / "cache"
    clean = scan_tree(tree, cache_dir=cache, jobs=1)
    stored = sorted((cache / "reports").glob("*.json"))
    assert len(stored) == 1
    stored[0].write_text(damage)
    report = scan_tree(tree, cache_dir=cache, jobs=1)
    assert without_timings(report) == without_timings(clean)


def test_it_reports_the_scanned_root_when_the_report_comes_from_the_cache(tmp_path):
    tree = write(tmp_path / "tree", SERVICE)
    cache = tmp_path / "cache"
    scan_tree(tree, cache_dir=cache, jobs=1)
    copy_of_tree = tmp_path / "copy"
    shutil.copytree(tree, copy_of_tree)  # copies modification times too
    report = scan_tree(copy_of_tree, cache_dir=cache, jobs=1)
    assert report["root"] == str(copy_of_tree)


def test_it_scans_when_the_cache_folder_cannot_be_written(tmp_path):
    tree = write(tmp_path / "tree", SERVICE)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should go")
    report = scan_tree(tree, cache_dir=blocker, jobs=1)
    assert report["status"] == "scored"


# ---- parallel path -----------------------------------------------------------------------
def many_handlers() -> dict[str, str]:
    files = dict(SERVICE)
    assert PARALLEL_MIN_FILES < 60
    for index in range(60):
        files[f"app/handlers/h{index}.py"] = (
            "from app.routes import router\n\n\n"
            f"@router.get('/h{index}')\n"
            f"async def handler_{index}(limit: int = 10):\n"
            f"    return {{'n': {index}, 'limit': limit}}\n"
        )
    files["app/handlers/__init__.py"] = ""
    return files


def test_it_gives_the_same_report_in_parallel_and_serially(tmp_path):
    files = many_handlers()
    tree = write(tmp_path / "tree", files)
    serial = scan_tree(tree, jobs=1)
    parallel = scan_tree(tree, jobs=2)
    assert parallel["timings"]["files_parsed"] == len(files)
    assert len(serial["endpoints"]) == 3 + 60
    assert without_timings(parallel) == without_timings(serial)


def test_parallel_workers_share_the_facts_cache_and_skip_damaged_entries(tmp_path):
    files = many_handlers()
    files["app/handlers/h7.py"] += "# readyboard: ignore[TYP-003] reason=\"generated\"\n"
    tree = write(tmp_path / "tree", files)
    cache = tmp_path / "cache"
    serial = scan_tree(tree, jobs=1)
    first = scan_tree(tree, cache_dir=cache, jobs=2)
    stored = sorted((cache / f"facts-v{EXTRACTOR_VERSION}").rglob("*.pkl"))
    assert len(stored) == len(files)
    stored[0].write_bytes(b"not a pickle at all")
    touch_all(tree)
    second = scan_tree(tree, cache_dir=cache, jobs=2)
    assert first["timings"]["files_parsed"] == len(files)
    assert second["timings"]["files_parsed"] == 1  # only the damaged entry
    assert second["timings"]["files_cached"] == len(files) - 1
    assert without_timings(second) == without_timings(first) == without_timings(serial)
    assert any(w["path"] == "app/handlers/h7.py" for w in serial["waivers"])


# ---- determinism and fingerprints --------------------------------------------------------
def test_it_gives_identical_findings_on_two_scans(tmp_path):
    tree = write(tmp_path / "tree", SERVICE)
    first, second = scan_tree(tree, jobs=1), scan_tree(tree, jobs=1)
    assert findings(first)
    assert findings(first) == findings(second)
    assert without_timings(first) == without_timings(second)


def test_it_keeps_fingerprints_when_code_moves_down(tmp_path):
    tree = write(tmp_path / "tree", SERVICE)
    before = scan_tree(tree, jobs=1)
    moved = "# a comment\n\n\n# and another\n\n" + SERVICE["app/routes.py"]
    (tree / "app/routes.py").write_text(moved)
    after = scan_tree(tree, jobs=1)
    old = fingerprints_at(before, "TYP-003", "app/routes.py")
    new = fingerprints_at(after, "TYP-003", "app/routes.py")
    assert old
    assert set(new) == set(old)
    assert all(new[key] == old[key] + 5 for key in old)
    assert sorted(f[6] for f in findings(after)) == sorted(f[6] for f in findings(before))


def test_it_changes_the_fingerprint_when_the_offending_code_changes(tmp_path):
    tree = write(tmp_path / "tree", SERVICE)
    before = scan_tree(tree, jobs=1)
    changed = SERVICE["app/routes.py"].replace(
        'return {"orders": []}', 'return {"orders": [], "total": 0}')
    (tree / "app/routes.py").write_text(changed)
    after = scan_tree(tree, jobs=1)
    old = fingerprints_at(before, "TYP-003", "app/routes.py")
    new = fingerprints_at(after, "TYP-003", "app/routes.py")
    assert len(new) == len(old)
    assert set(new) != set(old)
    # the untouched endpoint's finding keeps its identity
    assert set(new) & set(old)
