"""The embedded default: the same pipeline on SQLite, driven through manage.py."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]


def manage(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(READYBOARD_DATA_DIR=str(data_dir), READYBOARD_ALLOW_LOCAL_REPOS="1")
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_a_scan_succeeds_on_sqlite_without_redis(tmp_path, make_origin):
    data_dir = tmp_path / "data"
    origin = make_origin("billing-api")
    catalogue = tmp_path / "services.yaml"
    catalogue.write_text(f"- name: billing-api\n  url: {origin.as_uri()}\n  team: Payments\n")

    migrate = manage("migrate", "--no-input", data_dir=data_dir)
    imported = manage("import_repos", str(catalogue), data_dir=data_dir)
    scanned = manage("scan", "billing-api", data_dir=data_dir)
    again = manage("scan", "billing-api", "--trigger", "scheduled", data_dir=data_dir)

    assert migrate.returncode == 0, migrate.stderr
    assert imported.returncode == 0, imported.stderr
    assert scanned.returncode == 0, scanned.stdout + scanned.stderr
    assert scanned.stdout.startswith("billing-api: succeeded  commit ")
    assert "reused from scan #1" in again.stdout
    with sqlite3.connect(data_dir / "readyboard.sqlite3") as db:
        states = db.execute("SELECT state, trigger FROM dashboard_scan ORDER BY id").fetchall()
    assert states == [("succeeded", "manual"), ("succeeded", "scheduled")]


def test_a_failed_scan_on_sqlite_exits_1_with_its_category(tmp_path):
    data_dir = tmp_path / "data"
    missing = (tmp_path / "nowhere").as_uri()
    manage("migrate", "--no-input", data_dir=data_dir)
    # Registration refuses a missing path; the repository may vanish after it, though.
    register = (
        "from dashboard.models import Repository\n"
        f"Repository.objects.create(name='ghost', url={missing!r})"
    )
    manage("shell", "-c", register, data_dir=data_dir)

    scanned = manage("scan", "ghost", data_dir=data_dir)

    assert scanned.returncode == 1
    assert scanned.stdout.startswith("ghost: failed  repo:not-found")
