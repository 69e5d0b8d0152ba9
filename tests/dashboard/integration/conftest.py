"""Integration fixtures: a real Celery worker process on Redis and the pytest database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import kombu.pools
import pytest
import redis
from django.conf import settings

from dashboard import celery_app
from dashboard.celery import READY_FILE_ENV
from dashboard.git.local import commit_tree, init_repository

ROOT = Path(__file__).resolve().parents[3]
TREES = ROOT / "dashboard" / "demo" / "trees"
REDIS_DB = 13  # the app and other suites use 0; this one is ours to flush
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"
T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
WORKER_START_SECONDS = 60


@pytest.fixture(scope="module")
def worker_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("worker")


@pytest.fixture(scope="module")
def celery_worker_process(django_db_setup, django_db_blocker, worker_dir):
    """A `celery worker` subprocess on Redis db 13 and the test database; the app sends there.

    The worker gets its own DATABASE_URL naming the database pytest-django created, so
    tests using it must be `django_db(transaction=True)` for it to see their rows.
    """
    redis.Redis.from_url(REDIS_URL).flushdb()
    with django_db_blocker.unblock():
        env = _worker_env(worker_dir)
    ready = worker_dir / "ready"
    env[READY_FILE_ENV] = str(ready)
    log = (worker_dir / "worker.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "dashboard", "--quiet", "worker",
         "--pool=prefork", "--concurrency=1", "--loglevel=INFO", "--without-gossip",
         "--without-mingle", "--without-heartbeat", f"--hostname=itest-{uuid.uuid4().hex[:8]}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait_for(ready, proc, worker_dir / "worker.log")
        with _app_sending_to(REDIS_URL):
            yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _worker_env(worker_dir: Path) -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": REDIS_URL,
        "READYBOARD_DATA_DIR": str(worker_dir / "data"),
        "READYBOARD_GIT_CACHE_DIR": str(worker_dir / "git-cache"),
        "READYBOARD_ALLOW_LOCAL_REPOS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def _wait_for(ready: Path, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + WORKER_START_SECONDS
    while not ready.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"celery worker did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


class _app_sending_to:
    """Point this process's Celery app at `url` for the block (settings said filesystem)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.saved = {}

    def __enter__(self):
        for key in ("broker_url", "broker_transport_options"):
            self.saved[key] = celery_app.conf[key]
        self._switch(self.url, {"visibility_timeout": 3600})

    def __exit__(self, *exc):
        self._switch(self.saved["broker_url"], self.saved["broker_transport_options"])

    @staticmethod
    def _switch(url: str, options: dict) -> None:
        celery_app.conf.broker_url = url
        celery_app.conf.broker_transport_options = options
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
            celery_app._pool = None
        celery_app.amqp._producer_pool = None
        kombu.pools.reset()  # connections pooled for the previous broker are closed


@pytest.fixture
def make_origin(tmp_path):
    """An upstream repository holding one of the demo trees, on branch main."""

    def make(tree: str = "billing-api") -> Path:
        path = tmp_path / "origin" / tree
        init_repository(path)
        commit_tree(path, TREES / tree, f"{tree} first version", T0)
        return path

    return make
