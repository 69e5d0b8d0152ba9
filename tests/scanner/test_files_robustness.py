"""Bad input never crashes a scan: each bad file is reported with a reason, the rest scored.

The scans run `python -m scanner` in a child process with a timeout, so a native crash
(segfault) or a blocking read would fail the test instead of taking pytest down with it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scanner.engine import scan_tree

GOOD_MAIN = '''\
from fastapi import FastAPI

app = FastAPI()


@app.get("/items")
def list_items():
    return {"items": []}
'''


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return root


def scan_in_child(root: Path, *args: str, timeout: float = 120) -> tuple[dict, float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "scanner", str(root), "--format", "json", *args],
        capture_output=True, text=True, timeout=timeout, cwd=Path(__file__).parents[2],
    )
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), elapsed


def reasons(report: dict) -> dict[str, str]:
    files = report["files"]
    return {item["path"]: item["reason"] for item in files["skipped"] + files["errors"]}


@pytest.fixture(scope="module")
def bad_tree(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bad")
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.py").write_text("TOKEN = 'outside the tree'\n")
    write(root, {
        "app/__init__.py": "",
        "app/main.py": GOOD_MAIN,
        "app/syntax_error.py": "def broken(:\n    pass\n",
        "app/latin1_without_cookie.py": b'NAME = "caf\xe9"\n',
        "app/latin1_with_cookie.py": (b'# -*- coding: latin-1 -*-\nNAME = "caf\xe9"\n\n\n'
                                      b"def cafe():\n    return NAME\n"),
        "app/binary.py": b"x = 1\x00\x01\x02\xff\n",
        "app/parens.py": "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n",
        "app/long_sum.py": "x = " + "+".join(["1"] * 20000) + "\n",
        "app/long_and.py": "x = " + " and ".join(["a"] * 20000) + "\n",
        "app/long_import.py": "import a" + ".b" * 20000 + "\n",
        "app/empty.py": "",
        "app/only_comments.py": "# nothing here\n# but comments\n",
    })
    with open(root / "app/huge.py", "wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: 50 MB on paper, instant to create
    os.symlink("/etc/passwd", root / "app/passwd.py")
    os.symlink(outside, root / "app/linked_folder")
    os.mkfifo(root / "app/pipe.py")
    return root


@pytest.fixture(scope="module")
def bad_scan(bad_tree) -> tuple[dict, float]:
    return scan_in_child(bad_tree, "--jobs", "1")


def test_it_reports_a_syntax_error_and_goes_on(bad_scan):
    assert reasons(bad_scan[0])["app/syntax_error.py"].startswith("syntax error at line")


def test_it_reports_non_utf8_bytes_without_a_coding_cookie(bad_scan):
    reason = reasons(bad_scan[0])["app/latin1_without_cookie.py"]
    assert "not valid UTF-8" in reason


def test_it_parses_a_file_with_a_latin1_coding_cookie(bad_tree):
    report = scan_tree(bad_tree, jobs=1)
    assert "app/latin1_with_cookie.py" not in reasons(report)


def test_it_skips_a_50_mb_file_as_too_large_without_reading_it(bad_scan):
    report, elapsed = bad_scan
    assert "too large" in reasons(report)["app/huge.py"]
    assert elapsed < 60


def test_it_reports_nul_bytes_as_binary(bad_scan):
    assert "binary" in reasons(bad_scan[0])["app/binary.py"]


def test_it_does_not_follow_a_symlink_to_a_file_outside_the_tree(bad_scan):
    reason = reasons(bad_scan[0])["app/passwd.py"]
    assert "symlink" in reason
    assert "outside the tree" in reason
    assert "not followed" in reason


def test_it_does_not_follow_a_symlink_to_a_folder_outside_the_tree(bad_scan):
    report = bad_scan[0]
    reason = reasons(report)["app/linked_folder"]
    assert "outside the tree" in reason
    assert "not followed" in reason
    every_path = [item["path"] for item in report["files"]["skipped"] + report["files"]["errors"]]
    assert not any(path.startswith("app/linked_folder/") for path in every_path)


def test_it_does_not_open_a_fifo_named_py(bad_scan):
    assert reasons(bad_scan[0])["app/pipe.py"] == "not a regular file"


@pytest.mark.parametrize("path", [
    "app/parens.py", "app/long_sum.py", "app/long_and.py", "app/long_import.py",
])
def test_it_refuses_pathological_nesting_as_too_deeply_nested(bad_scan, path):
    assert "nested" in reasons(bad_scan[0])[path]


def test_it_finishes_the_bad_tree_in_seconds(bad_scan):
    assert bad_scan[1] < 60


def test_it_counts_empty_and_comment_only_files_as_scanned(bad_scan):
    report = bad_scan[0]
    problems = reasons(report)
    assert "app/empty.py" not in problems
    assert "app/only_comments.py" not in problems
    # main, __init__, the latin-1 file with a cookie, empty and comment-only files
    assert report["files"]["scanned"] == 5


def test_it_still_scores_the_good_files(bad_scan):
    report = bad_scan[0]
    assert report["status"] == "scored"
    assert isinstance(report["overall"], float | int)
    assert [(e["method"], e["path"]) for e in report["endpoints"]] == [("GET", "/items")]


def test_it_survives_the_bad_tree_on_the_parallel_path(bad_tree, tmp_path):
    # Enough good files to go past the parallel threshold: a crashing worker would hang
    # or break the pool, so the timeout guards this one too.
    write(tmp_path, {"tree/app/__init__.py": ""})
    for index in range(60):
        write(tmp_path, {f"tree/app/m{index}.py": f"def f{index}():\n    return {index}\n"})
    for item in (bad_tree / "app").iterdir():
        if item.is_file() and not item.is_symlink() and item.name != "huge.py":
            (tmp_path / "tree/app" / item.name).write_bytes(item.read_bytes())
    report, _ = scan_in_child(tmp_path / "tree", "--jobs", "2")
    problems = reasons(report)
    assert "nested" in problems["app/long_and.py"]
    assert "nested" in problems["app/long_import.py"]
    assert report["status"] == "scored"
