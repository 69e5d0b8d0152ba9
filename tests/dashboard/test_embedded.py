"""`manage.py runembedded` as a new user runs it: SQLite, filesystem broker, demo services."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
BANNER = re.compile(r"Log in as: admin / (\S+)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Embedded:
    """One `runembedded` run in its own process group, its output collected in a file."""

    def __init__(self, data_dir: Path, port: int) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        env.update(READYBOARD_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
        self.log = data_dir.parent / f"embedded-{port}.log"
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "runembedded", "--port", str(port)],
            cwd=ROOT, env=env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_banner(self, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            match = BANNER.search(self.output())
            if match:
                return match.group(1)
            time.sleep(0.3)
        raise AssertionError(f"no banner:\n{self.output()[-4000:]}")

    def children(self) -> list[int]:
        found = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True)
        return [int(pid) for pid in found.stdout.split()]

    def interrupt(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=60)


def scans(data_dir: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(data_dir / "readyboard.sqlite3") as db:
        return db.execute(
            "SELECT r.name, s.state FROM dashboard_scan s"
            " JOIN dashboard_repository r ON r.id = s.repository_id ORDER BY r.name"
        ).fetchall()


def wait_until_all_final(data_dir: Path, timeout: float = 180) -> list[tuple[str, str]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = scans(data_dir)
        if rows and all(state in ("succeeded", "failed", "not_applicable") for _, state in rows):
            return rows
        time.sleep(0.5)
    raise AssertionError(f"demo scans not final: {scans(data_dir)}")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "Z" not in _state(pid)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return "Z"


def test_it_serves_scans_the_demo_and_stops_cleanly_twice(tmp_path):
    data_dir = tmp_path / "var"
    port = free_port()
    run = Embedded(data_dir, port)
    try:
        password = run.wait_for_banner()
        login = urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/", timeout=10)
        rows = wait_until_all_final(data_dir)
        children = run.children()
    finally:
        code = run.interrupt()

    assert login.status == 200
    assert (data_dir / "admin-password.txt").read_text().strip() == password
    assert f"http://127.0.0.1:{port}/" in run.output()
    assert len(rows) >= 2
    assert all(state != "failed" for _, state in rows), rows
    assert len(children) == 3  # worker, beat, web
    assert code == 0
    assert "Stopped." in run.output()
    assert not [pid for pid in children if alive(pid)]

    again = Embedded(data_dir, port)
    try:
        assert again.wait_for_banner() == password
    finally:
        assert again.interrupt() == 0
    assert scans(data_dir) == rows  # nothing registered or scanned twice
