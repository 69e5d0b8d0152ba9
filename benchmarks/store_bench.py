"""Time `store_report` for a scan with 60 checks and 2,000 evidence rows (target < 0.5 s),
and, on PostgreSQL, one fixture service scanned end to end through a real Celery worker.

    .venv/bin/python benchmarks/store_bench.py            # PostgreSQL (DATABASE_URL's server)
    .venv/bin/python benchmarks/store_bench.py --sqlite   # the embedded SQLite default

PostgreSQL runs in a throwaway database `readyboard_bench` on the server DATABASE_URL names
(default postgres://postgres@127.0.0.1:5432/postgres); SQLite in a temporary data folder.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/postgres"
BENCH_DB = "readyboard_bench"


def use_postgres() -> None:
    """Point DATABASE_URL at a fresh bench database on the same server."""
    import psycopg

    server = urlsplit(os.environ.get("DATABASE_URL") or DEFAULT_URL)
    admin_url = urlunsplit(server._replace(scheme="postgresql"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")
    os.environ["DATABASE_URL"] = urlunsplit(server._replace(path=f"/{BENCH_DB}"))


def use_sqlite() -> None:
    os.environ.pop("DATABASE_URL", None)
    os.environ["READYBOARD_DATA_DIR"] = tempfile.mkdtemp(prefix="readyboard-bench-")


def synthetic_report(checks: int = 60, evidence: int = 2000) -> dict:
    """A report shaped like the scanner's, with `evidence` findings spread over failing checks."""
    failing = checks // 2
    per_check, extra = divmod(evidence, failing)
    items = []
    for i in range(checks):
        count = per_check + (1 if i < extra else 0) if i < failing else 0
        items.append(
            {
                "id": f"BEN-{i:03d}",
                "status": "fail" if count else "pass",
                "metric": {"checked": 40, "failing": count} if count else None,
                "waived": False,
                "waiver_reason": "",
                "evidence": [
                    {
                        "path": f"app/module_{n % 50}.py",
                        "line": 10 + n,
                        "end_line": 12 + n,
                        "snippet": f"def handler_{n}(request):\n    return do_{n}(request)\n",
                        "message": f"handler_{n} has no response model",
                        "fingerprint": f"{i:04x}{n:012x}",
                    }
                    for n in range(count)
                ],
            }
        )
    dims = ("type_safety", "error_handling", "testing", "security", "performance")
    return {
        "schema_version": 1,
        "scanner_version": "0.1.0",
        "rules_version": "3.1",
        "status": "scored",
        "overall": 61.5,
        "band": "solid",
        "health16": {"score": 10, "max": 16, "critical": False, "signals": {}},
        "dimensions": {
            d: {"score": 50.0, "level": 25, "weight": 15, "included": True} for d in dims
        },
        "groups": {},
        "checks": items,
        "endpoints": [{"method": "GET", "path": f"/items/{n}"} for n in range(40)],
        "files": {"scanned": 300, "skipped": [], "errors": []},
        "timings": {"total": 4.2},
    }


def run(runs: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from dashboard.models import CheckResult, Evidence, Repository, Scan, ScanState
    from dashboard.scans.store import store_report

    call_command("migrate", verbosity=0)
    repo = Repository.objects.create(name="bench-api", url="https://github.com/acme/bench.git")
    report = synthetic_report()
    times = []
    for _ in range(runs):
        scan = Scan.objects.create(repository=repo, state=ScanState.SAVING, commit_sha="f" * 40)
        start = time.perf_counter()
        store_report(scan, report)
        times.append(time.perf_counter() - start)
    last = Scan.objects.latest()
    evidence = Evidence.objects.filter(check_result__scan=last).count()
    checks = CheckResult.objects.filter(scan=last).count()
    p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 2 else times[0]
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    print(f"rows per scan: {checks} check results, {evidence} evidence, 5 dimension scores")
    print(f"runs: {runs} (retention keeps evidence of the newest 12; older runs are pruned)")
    print(
        f"store_report: median {statistics.median(times):.3f} s, p95 {p95:.3f} s, "
        f"min {min(times):.3f} s, max {max(times):.3f} s  (target < 0.5 s)"
    )
    print(f"evidence rows in table: {Evidence.objects.count()}")


BENCH_REDIS = "redis://127.0.0.1:6379/14"
FIXTURE = ROOT / "tests" / "fixtures" / "services" / "startup"


def start_worker(data_dir: str):
    """A real worker process on the bench database and a Redis database of its own."""
    import subprocess

    env = {**os.environ, "READYBOARD_DATA_DIR": data_dir, "READYBOARD_ALLOW_LOCAL_REPOS": "1"}
    log = open(Path(data_dir) / "worker.log", "w")  # noqa: SIM115 - lives as long as the worker
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "dashboard", "worker", "--pool=solo",
         "--without-gossip", "--without-mingle", "-l", "info"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if "ready." in (Path(data_dir) / "worker.log").read_text():
            return worker
        time.sleep(0.2)
    worker.kill()
    raise SystemExit("the Celery worker did not start within 60 s")


def end_to_end(runs: int = 3) -> None:
    """request_scan -> worker clones, scans, stores -> final state, for fresh commits."""
    from datetime import UTC, datetime, timedelta

    from dashboard.git.local import commit_files, commit_tree, init_repository
    from dashboard.models import Repository, Scan
    from dashboard.scans.pipeline import request_scan

    data_dir = tempfile.mkdtemp(prefix="readyboard-e2e-")
    origin = Path(data_dir) / "origin"
    init_repository(origin)
    when = datetime(2026, 1, 5, tzinfo=UTC)
    commit_tree(origin, FIXTURE, "fixture service", when)
    repo = Repository.objects.create(name="e2e-startup", url=origin.as_uri(), branch="main")
    worker = start_worker(data_dir)
    times = []
    try:
        for index in range(runs):
            commit_files(origin, {f"notes/run{index}.txt": "x\n"}, f"run {index}",
                         when + timedelta(days=index + 1))
            start = time.perf_counter()
            scan = request_scan(repo, "manual")
            while not Scan.objects.get(pk=scan.pk).is_final:
                if time.perf_counter() - start > 120:
                    raise SystemExit("the scan did not finish within 120 s")
                time.sleep(0.05)
            times.append(time.perf_counter() - start)
            state = Scan.objects.get(pk=scan.pk)
            print(f"  scan {scan.pk}: {state.state}, overall {state.overall}")
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    print(f"end to end through the worker (fixture 'startup', {runs} fresh commits): median "
          f"{statistics.median(times):.2f} s, max {max(times):.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", action="store_true", help="use the embedded SQLite default")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    if args.sqlite:
        use_sqlite()
        run(args.runs)
        return
    use_postgres()
    os.environ["REDIS_URL"] = BENCH_REDIS
    try:
        run(args.runs)
        end_to_end()
    finally:
        drop_bench_database()


def drop_bench_database() -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    server = urlsplit(os.environ["DATABASE_URL"])
    admin_url = urlunsplit(server._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


if __name__ == "__main__":
    main()
