"""`manage.py runembedded` (what `./dev serve` runs): the whole product on one machine.

Migrates, makes sure an `admin` login exists, builds and registers the demo services and
queues their first scans, then supervises three children — a Celery worker, Celery beat
and the Django dev server — until Ctrl-C or SIGTERM, when it stops them all. With no
DATABASE_URL/REDIS_URL this is SQLite plus kombu's filesystem broker under the data folder.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from dashboard.celery import READY_FILE_ENV
from dashboard.demo.build import set_up_demo
from dashboard.models import ACTIVE_STATES, Scan, ScanState
from dashboard.scans.pipeline import enqueue_scan

ADMIN = "admin"
STOP_GRACE_SECONDS = 10


class Command(BaseCommand):
    help = "Run Readyboard on embedded defaults: worker, beat, web server and demo services."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-demo", action="store_true", help="Skip the demo services.")

    def handle(self, *args, port: int, no_demo: bool, **options) -> None:
        _require_free_port(port)
        data_dir = Path(settings.DATA_DIR)
        self.stdout.write(f"Data folder: {data_dir}")
        call_command("migrate", interactive=False, verbosity=0)
        password = ensure_admin(data_dir / "admin-password.txt")
        requeued = requeue_interrupted()
        if requeued:
            self.stdout.write(f"Queued again {requeued} scan(s) interrupted by the last stop.")
        if not no_demo:
            repositories = set_up_demo(data_dir / "demo-repos")
            self.stdout.write(f"Demo services: {', '.join(r.name for r in repositories)}")
        Supervisor(self.stdout, port, data_dir).run(banner=_banner(port, password, data_dir))


def ensure_admin(password_file: Path) -> str:
    """The admin's password: kept in `password_file`, created (or reset) when missing."""
    user_model = get_user_model()
    password = password_file.read_text().strip() if password_file.is_file() else ""
    user = user_model.objects.filter(username=ADMIN).first()
    if user and password and user.check_password(password):
        return password
    password = secrets.token_urlsafe(12)
    if user is None:
        user_model.objects.create_superuser(ADMIN, "admin@localhost", password)
    else:
        user.set_password(password)
        user.save(update_fields=["password"])
    password_file.write_text(password + "\n")
    password_file.chmod(0o600)
    return password


def requeue_interrupted() -> int:
    """Scans the previous run's worker was busy with go back to the queue.

    Safe only here: the embedded worker is the only one, and it is not running yet.
    """
    running = [state for state in ACTIVE_STATES if state != ScanState.QUEUED]
    ids = list(Scan.objects.filter(state__in=running).values_list("pk", flat=True))
    for scan_id in ids:
        if Scan.objects.transition(scan_id, running, ScanState.QUEUED, heartbeat_at=None):
            enqueue_scan(scan_id)
    queued = Scan.objects.filter(state=ScanState.QUEUED).values_list("pk", flat=True)
    for scan_id in queued:
        if scan_id not in ids:
            enqueue_scan(scan_id)  # a lost message is harmless to resend: runs are CAS-claimed
    return len(ids)


def _require_free_port(port: int) -> None:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise CommandError(
                f"Port {port} on 127.0.0.1 is in use (another Readyboard?); try --port."
            ) from None


def _banner(port: int, password: str, data_dir: Path) -> str:
    line = "=" * 64
    return (
        f"\n{line}\n  Readyboard is running at http://127.0.0.1:{port}/\n"
        f"  Log in as: {ADMIN} / {password}\n"
        f"  (password kept in {data_dir / 'admin-password.txt'})\n"
        f"  A Celery worker and beat run in the background. Ctrl-C stops everything.\n"
        f"{line}\n"
    )


class Supervisor:
    """Starts the children, waits, and stops them all on a signal or when one dies."""

    def __init__(self, out, port: int, data_dir: Path) -> None:
        self.out = out
        self.port = port
        self.data_dir = data_dir
        self.children: dict[str, subprocess.Popen] = {}
        self.stopping = False

    def commands(self) -> dict[str, list[str]]:
        celery = [sys.executable, "-m", "celery", "-A", "dashboard", "--quiet"]
        return {
            # prefork: the only pool where Celery's time limits work; two scans side by side.
            "worker": [*celery, "worker", "--pool=prefork", "--concurrency=2",
                       "--loglevel=INFO", "--hostname=embedded@%h", "--without-gossip",
                       "--without-mingle"],
            "beat": [*celery, "beat", "--loglevel=INFO",
                     f"--schedule={self.data_dir / 'celerybeat-schedule'}"],
            "web": [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "runserver",
                    f"127.0.0.1:{self.port}", "--noreload"],
        }  # fmt: skip

    def run(self, *, banner: str) -> None:
        previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            self.ready_file.unlink(missing_ok=True)
            env = {**os.environ, READY_FILE_ENV: str(self.ready_file)}
            for name, command in self.commands().items():
                self.children[name] = _spawn(command, env)
            self._wait_until_ready()
            if not self.stopping:
                self.out.write(banner)
            self._watch()
        finally:
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _on_signal(self, signum, _frame) -> None:
        self.stopping = True

    @property
    def ready_file(self) -> Path:
        return self.data_dir / "worker.ready"

    def _wait_until_ready(self) -> None:
        # The banner goes last, so the login is not buried under the children's start-up logs.
        deadline = time.monotonic() + 60
        while not self.stopping and time.monotonic() < deadline and self._all_alive():
            if self.ready_file.exists() and _listening(self.port):
                return
            time.sleep(0.2)

    def _watch(self) -> None:
        while not self.stopping:
            if not self._all_alive():
                dead = [n for n, p in self.children.items() if p.poll() is not None]
                self.out.write(f"{', '.join(dead)} stopped unexpectedly; shutting down.")
                raise CommandError("a background process died", returncode=1)
            time.sleep(0.5)
        self.out.write("\nStopping worker, beat and web server...")

    def _all_alive(self) -> bool:
        return all(p.poll() is None for p in self.children.values())

    def stop(self) -> None:
        """SIGTERM every child (a warm shutdown); SIGKILL its group after the grace period."""
        for child in self.children.values():
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in self.children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(child, signal.SIGKILL)
                child.wait()
        self.out.write("Stopped.")


def _spawn(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    # Own session: Ctrl-C reaches only us, and we stop each child (with its pool) ourselves.
    return subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, start_new_session=True)


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    if child.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signum)
