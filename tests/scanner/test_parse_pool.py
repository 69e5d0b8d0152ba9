"""A parse worker that dies (native parser crash) costs one file, never the scan: the
crashing file is named in files.errors and every other file is still analysed."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scanner import parse_pool
from scanner.engine import scan_tree
from scanner.forking import can_fork
from scanner.python import extract

from .test_engine import many_handlers, without_timings, write

pytestmark = pytest.mark.skipif(not can_fork(), reason="needs os.fork")


def crash_on(monkeypatch, doomed: set[str], only_in_pool_workers: bool = False):
    """Make parsing `doomed` files kill their process, as a segfault in libcst would (with
    SIGKILL: pytest's faulthandler would print a traceback for every SIGSEGV)."""
    real = extract.extract_facts

    def extract_or_die(path, source):
        in_pool_worker = multiprocessing.parent_process() is not None
        if path in doomed and (in_pool_worker or not only_in_pool_workers):
            os.kill(os.getpid(), signal.SIGKILL)
        return real(path, source)

    monkeypatch.setattr(extract, "extract_facts", extract_or_die)


def test_a_file_that_crashes_the_parser_is_an_error_and_the_rest_is_scanned(
    tmp_path, monkeypatch
):
    files = many_handlers()
    tree = write(tmp_path / "tree", files)
    crash_on(monkeypatch, {"app/handlers/h13.py"})

    report = scan_tree(tree, jobs=2)

    errors = {e["path"]: e["reason"] for e in report["files"]["errors"]}
    assert errors["app/handlers/h13.py"] == (
        "the parser crashed on this file (signal 9 (SIGKILL)); not analysed"
    )
    assert "app/broken.py" in errors  # the ordinary syntax error is still reported
    assert len(report["endpoints"]) == 3 + 60 - 1
    assert report["timings"]["files_parsed"] == len(files)


def test_a_crash_that_does_not_repeat_alone_loses_nothing(tmp_path, monkeypatch):
    files = many_handlers()
    tree = write(tmp_path / "tree", files)
    clean = scan_tree(tree, jobs=2)
    crash_on(monkeypatch, {"app/handlers/h5.py", "app/handlers/h40.py"},
             only_in_pool_workers=True)

    assert without_timings(scan_tree(tree, jobs=2)) == without_timings(clean)


def test_many_crashing_files_end_the_pool_restarts_but_not_the_scan(tmp_path, monkeypatch):
    files = many_handlers()
    tree = write(tmp_path / "tree", files)
    doomed = {f"app/handlers/h{n}.py" for n in (1, 9, 17, 25, 33, 41, 49)}
    crash_on(monkeypatch, doomed)
    monkeypatch.setattr(parse_pool, "MAX_POOL_RESTARTS", 1)

    report = scan_tree(tree, jobs=2)

    crashed = {e["path"] for e in report["files"]["errors"] if "crashed" in e["reason"]}
    assert crashed == doomed
    assert len(report["endpoints"]) == 3 + 60 - len(doomed)


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


HANGING_SCAN = """
import sys, time
from scanner.python import extract
extract.extract_facts = lambda path, source: time.sleep(300)
from scanner.engine import scan_tree
scan_tree(sys.argv[1], jobs=2)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_parse_workers_die_with_a_scanner_that_is_killed(tmp_path):
    tree = write(tmp_path / "tree", many_handlers())
    scanner = subprocess.Popen([sys.executable, "-c", HANGING_SCAN, str(tree)])
    try:
        workers = wait_for(lambda: len(children_of(scanner.pid)) >= 2 and children_of(scanner.pid))
    finally:
        scanner.kill()
        scanner.wait()
    gone = wait_for(lambda: not still_alive(workers))
    for pid in still_alive(workers):
        os.kill(pid, signal.SIGKILL)  # leave no orphan behind, even when failing
    assert gone, workers


def still_alive(pids: list[int]) -> list[int]:
    return [pid for pid in pids if Path(f"/proc/{pid}").exists() and not zombie(pid)]


def zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def wait_for(condition, seconds: float = 20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    return condition()
