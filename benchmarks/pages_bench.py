"""Page server times on a big fleet: 1,000 services x 52 weekly scans (targets in DESIGN.md).

    .venv/bin/python benchmarks/pages_bench.py [--services 1000] [--weeks 52] [--runs 40]

Builds a throwaway PostgreSQL database `readyboard_pages_bench` on the server DATABASE_URL
names (default postgres://postgres@127.0.0.1:5432/postgres), migrates it, loads synthetic
results with COPY (77 check results and 8 dimension scores per scan, evidence for each
service's latest scan), then times pages in-process with Django's test Client, signed in,
asking for gzip as browsers do: median and p95 server time, median CPU time of the process
(steadier than wall time on a shared, loaded machine), query count, HTML size and bytes sent
(plotly.js as served: gzip). Pages that do not exist yet print "not available yet".

One service (a quarter of the way down the list) fails BIG_CHECK in its latest scan with
BIG_EVIDENCE evidence rows, as TYP-003 does on a service with well over a thousand
endpoints: its drill-down is measured beside the ordinary one.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import random
import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/postgres"
BENCH_DB = "readyboard_pages_bench"
BIG_CHECK = "TYP-003"
BIG_EVIDENCE = 2000
PLACES_PER_FILE = 10  # the big check's evidence: 200 files of 10 places each
TARGETS_MS = {
    "leaderboard": 60,
    "service page": 100,
    "drill-down": 60,
    f"drill-down, {BIG_EVIDENCE:,} places": 60,
}
WEIGHTS = {
    "type_safety": ("TYP", 15),
    "error_handling": ("ERR", 15),
    "testing": ("TST", 15),
    "security": ("SEC", 15),
    "performance": ("PERF", 10),
    "observability": ("OBS", 10),
    "database": ("DB", 10),
    "deployment": ("DEP", 10),
}
BANDS = ((80, "production_grade"), (60, "solid"), (40, "needs_work"), (0, "critical"))
CREDIT = {"pass": 1.0, "warn": 0.5, "fail": 0.0, "unknown": 0.0}


def prepare_environment(name: str, *, reuse: bool) -> bool:
    """A fresh bench database (or the existing one with --reuse); production-like settings
    (no DEBUG, quiet logs). Returns whether the data must be loaded."""
    import psycopg

    server = urlsplit(os.environ.get("DATABASE_URL") or DEFAULT_URL)
    admin_url = urlunsplit(server._replace(scheme="postgresql"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not (reuse and exists):
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = urlunsplit(server._replace(path=f"/{name}"))
    os.environ["READYBOARD_DEBUG"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["DJANGO_SETTINGS_MODULE"] = "dashboard.settings"
    return not (reuse and exists)


# --- synthetic data ---------------------------------------------------------------------------


def all_check_ids() -> list[str]:
    """The 77 check ids of RULES.md (the registry may still be missing some)."""
    from scanner.rules import rules_meta

    ids = [meta["id"] for meta in rules_meta()]
    rules_md = ROOT.parent / "shared" / "spec" / "RULES.md"
    if rules_md.exists():
        for found in re.findall(r"\b[A-Z]{2,4}-\d{3}\b", rules_md.read_text()):
            if found not in ids:
                ids.append(found)
    return ids[:77]


def draw_statuses(rng: random.Random, check_ids: list[str], quality: float) -> list[str]:
    weights = (quality, (1 - quality) * 0.7, (1 - quality) * 0.2, 0.08, 0.02)
    return rng.choices(("pass", "fail", "warn", "na", "unknown"), weights, k=len(check_ids))


def score(check_ids: list[str], statuses: list[str]) -> dict:
    """Dimension scores, levels, overall and band: RULES.md 2.1 simplified (own checks)."""
    by_prefix: dict[str, list[float]] = {}
    for check_id, status in zip(check_ids, statuses, strict=True):
        if status in CREDIT:
            by_prefix.setdefault(check_id.split("-")[0], []).append(CREDIT[status])
    dimensions = {}
    for name, (prefix, weight) in WEIGHTS.items():
        credits = by_prefix.get(prefix)
        value = round(100 * sum(credits) / len(credits), 1) if credits else None
        level = None if value is None else int(value // 25) * 25
        dimensions[name] = {"score": value, "level": level, "weight": weight}
    included = [d for d in dimensions.values() if d["score"] is not None]
    total = sum(d["weight"] for d in included)
    overall = round(sum(d["score"] * d["weight"] for d in included) / total, 1) if total else None
    band = next(b for low, b in BANDS if overall is None or overall >= low)
    return {"overall": overall, "band": band, "dimensions": dimensions}


def tsv(value) -> str:
    """One COPY text-format field."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        value = json.dumps(value, separators=(",", ":"))
    elif isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class Copier:
    """COPY rows of one model: missing columns get the model field's default."""

    def __init__(self, model):
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields]
        self.columns = [f.column for f in self.fields]
        now = datetime.now(UTC)
        self.defaults = {}
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.defaults[f.attname] = now
            elif f.has_default():
                self.defaults[f.attname] = f.get_default()
            else:
                self.defaults[f.attname] = None if f.null else ""
        self.buffer = io.StringIO()
        self.count = 0

    def add(self, **values) -> None:
        row = [tsv(values.get(f.attname, self.defaults[f.attname])) for f in self.fields]
        self.buffer.write("\t".join(row))
        self.buffer.write("\n")
        self.count += 1
        if self.count % 200_000 == 0:
            self.flush()

    def fast(self, *names: str):
        """A row writer for plain values (ints, simple ids) given in `names` order: other
        columns are baked into a format string, so 4 million rows stay cheap."""
        slots = {name: i for i, name in enumerate(names)}
        parts = [
            f"{{{slots[f.attname]}}}"
            if f.attname in slots
            else tsv(self.defaults[f.attname]).replace("{", "{{").replace("}", "}}")
            for f in self.fields
        ]
        template = "\t".join(parts) + "\n"
        write = self.buffer.write

        def add(*values) -> None:
            nonlocal write
            write(template.format(*values))
            self.count += 1
            if self.count % 200_000 == 0:
                self.flush()
                write = self.buffer.write

        return add

    def flush(self) -> None:
        from django.db import connection

        data = self.buffer.getvalue()
        if not data:
            return
        table = self.model._meta.db_table
        with connection.cursor() as cursor:
            raw = cursor.cursor
            cols = ", ".join(f'"{c}"' for c in self.columns)
            with raw.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                copy.write(data)
        self.buffer = io.StringIO()


def without_indexes(table: str):
    """Drop a table's secondary indexes and constraints; return the SQL that restores them."""
    from django.db import connection

    restore = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('u', 'f')",
            [table],
        )
        for name, definition in cursor.fetchall():
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            restore.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
            "AND indexname NOT LIKE %s",
            [table, "%_pkey"],
        )
        for name, definition in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
            restore.insert(0, definition)
    return restore


def big_service_index(services: int) -> int:
    """The service whose latest scan fails BIG_CHECK with BIG_EVIDENCE places."""
    return max(1, services // 4)


def evidence_fields(check_id: str, repo: int, i: int, per_file: int) -> dict:
    """Evidence place `i` of a check: `per_file` places in each file, a handler snippet."""
    path = f"app/routers/{check_id.lower()}_{i // per_file}.py"
    line = 10 + (i % per_file) * 7
    return {
        "path": path,
        "line": line,
        "end_line": line + 2,
        "snippet": f"@router.get('/items/{i}')\nasync def item_{i}(request):\n"
        f"    return {{'id': {i}}}",
        "message": f"{check_id}: item_{i} at {path}",
        "fingerprint": f"{check_id}-{repo}-{i}",
    }


def load(services: int, weeks: int, seed: int = 7) -> dict:
    """Teams, services, weekly scans with all their rows; returns names for the page runs."""
    from django.db import connection

    from dashboard.models import CheckResult, DimensionScore, Evidence, Repository, Scan, Team

    rng = random.Random(seed)
    check_ids = all_check_ids()
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    teams = Copier(Team)
    for t in range(1, 26):
        teams.add(id=t, name=f"Team {t:02d}", slug=f"team-{t:02d}")
    teams.flush()

    restore = [*without_indexes(CheckResult._meta.db_table)]
    restore += without_indexes(DimensionScore._meta.db_table)
    repos, scans = Copier(Repository), Copier(Scan)
    dims, checks, evidence = Copier(DimensionScore), Copier(CheckResult), Copier(Evidence)
    add_dim = dims.fast("id", "scan_id", "dimension", "score", "level", "weight")
    add_check = checks.fast("id", "scan_id", "check_id", "status", "evidence_count")
    tags = ("tier-1", "tier-2", "public", "internal", "pci", "batch")
    scan_id = check_id_seq = dim_id = ev_id = 0
    latest: dict[int, int] = {}
    endpoints = [
        {"method": m, "path": f"/v1/items/{i}", "auth": "required", "tested": i % 3 != 0}
        for i, m in enumerate(("GET", "POST", "PUT", "DELETE") * 4)
    ]
    for r in range(1, services + 1):
        repos.add(
            id=r,
            name=f"svc-{r:04d}",
            url=f"https://github.com/acme/svc-{r:04d}.git",
            team_id=(r % 25) + 1,
            tags=rng.sample(tags, rng.randint(0, 2)),
            web_url=f"https://github.com/acme/svc-{r:04d}",
        )
        quality = rng.uniform(0.25, 0.95)
        for w in range(weeks):
            quality = min(0.98, max(0.1, quality + rng.uniform(-0.04, 0.05)))
            statuses = draw_statuses(rng, check_ids, quality)
            is_latest = w == weeks - 1
            big = is_latest and r == big_service_index(services)
            if big:
                statuses[check_ids.index(BIG_CHECK)] = "fail"
            result = score(check_ids, statuses)
            scan_id += 1
            queued = now - timedelta(weeks=weeks - 1 - w, hours=r % 24)
            scans.add(
                id=scan_id,
                repository_id=r,
                state="succeeded",
                trigger="scheduled",
                commit_sha=f"{r:08x}{w:032x}",
                rules_version="3.1",
                scanner_version="0.1.0",
                queued_at=queued,
                started_at=queued,
                finished_at=queued + timedelta(seconds=30),
                duration_ms=30_000,
                overall=result["overall"],
                band=result["band"],
                health_score=rng.randint(4, 16),
                health_max=16,
                score_json=result,
                endpoints=endpoints,
                evidence_pruned=not is_latest,
            )
            for name, d in result["dimensions"].items():
                dim_id += 1
                add_dim(dim_id, scan_id, name, tsv(d["score"]), tsv(d["level"]), d["weight"])
            for cid, status in zip(check_ids, statuses, strict=True):
                check_id_seq += 1
                findings = 2 if status in ("fail", "warn") else 0
                per_file = 1
                if big and cid == BIG_CHECK:
                    findings, per_file = BIG_EVIDENCE, PLACES_PER_FILE
                add_check(check_id_seq, scan_id, cid, status, findings)
                if is_latest:
                    for i in range(findings):
                        ev_id += 1
                        evidence.add(
                            id=ev_id,
                            check_result_id=check_id_seq,
                            **evidence_fields(cid, r, i, per_file),
                        )
        latest[r] = scan_id
    for copier in (repos, scans, dims, checks, evidence):
        copier.flush()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE dashboard_repository r SET latest_scan_id = %s * r.id", [weeks]
        )  # ids were assigned repo by repo: the last scan of repo r is weeks * r
        # A few services have a newer failed or queued scan (the scan-state column).
        extra = services * weeks
        for i, r in enumerate(range(7, services + 1, 20)):
            state = "failed" if i % 2 else "queued"
            cursor.execute(
                "INSERT INTO dashboard_scan (id, repository_id, state, trigger, commit_sha, "
                "branch, rules_version, scanner_version, queued_at, error_code, error_message, "
                "attempts, band, score_json, app_root, app_roots, endpoints, files, timings, "
                "evidence_pruned) VALUES (%s, %s, %s, 'manual', '', '', '', '', now(), %s, %s, "
                "0, '', '{}', '', '[]', '[]', '{}', '{}', false)",
                [extra + i + 1, r, state, "repo:auth" if state == "failed" else "", ""],
            )
        for statement in restore:
            cursor.execute(statement)
        for model in (Team, Repository, Scan, DimensionScore, CheckResult, Evidence):
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        cursor.execute("ANALYZE")
    return {"scans": scans.count, "checks": checks.count, "evidence": evidence.count}


# --- measuring ---------------------------------------------------------------------------------


def measure(client, url: str, runs: int, *, headers=None, before=None) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    headers = {"Accept-Encoding": "gzip", **(headers or {})}  # as a browser asks
    for _ in range(3):
        if before:
            before()
        client.get(url, headers=headers)
    times, cpu = [], []
    for _ in range(runs):
        if before:
            before()
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    if before:
        before()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    times.sort()
    sent = response.content
    html = gzip.decompress(sent) if response.get("Content-Encoding") == "gzip" else sent
    return {
        "median": statistics.median(times),
        "p95": times[min(len(times) - 1, round(0.95 * len(times)) - 1)],
        "cpu": statistics.median(cpu),
        "queries": len(queries),
        "html": len(html),
        "sent": len(sent),
    }


def resolves(name: str, args: list) -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--db", default=BENCH_DB, help="database name (dropped and recreated)")
    parser.add_argument(
        "--reuse", action="store_true", help="keep an existing database and skip the load"
    )
    options = parser.parse_args()

    must_load = prepare_environment(options.db, reuse=options.reuse)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client

    # No setup_test_environment(): its instrumented template rendering would be timed too.
    if must_load:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        migrated = time.perf_counter()
        counts = load(options.services, options.weeks)
        loaded = time.perf_counter()
        print(
            f"database {options.db}: migrate {migrated - started:.1f} s, load "
            f"{loaded - migrated:.1f} s ({options.services} services, {counts['scans']} scans, "
            f"{counts['checks']:,} check results, {counts['evidence']:,} evidence rows)"
        )
    else:
        options.services = (
            get_user_model()._meta.apps.get_model("dashboard", "Repository").objects.count()
        )
        print(f"database {options.db}: reused ({options.services} services)")

    user = get_user_model().objects.get_or_create(
        username="bench-owner", defaults={"is_staff": True}
    )[0]
    client = Client()
    client.force_login(user)
    name = f"svc-{options.services // 2:04d}"
    failing = (
        __import__("dashboard.models", fromlist=["CheckResult"])
        .CheckResult.objects.filter(scan__repository__name=name, status="fail")
        .values_list("check_id", flat=True)
        .first()
        or "SEC-001"
    )
    big_name = f"svc-{big_service_index(options.services):04d}"
    big_drill_down = resolves("service-check", [big_name, BIG_CHECK])
    pages = [
        ("leaderboard", "/", {}, None),
        ("leaderboard, summary cold", "/", {}, cache.clear),
        (
            "leaderboard htmx: team + sort",
            "/?team=team-03&sort=-dim_security",
            {"HX-Request": "true"},
            None,
        ),
        ("leaderboard htmx: sort by delta", "/?sort=delta_month", {"HX-Request": "true"}, None),
        ("teams", "/teams/", {}, None),
        ("checks", "/checks/", {}, None),
        ("check across fleet", f"/checks/{failing}/", {}, None),
        ("service page", resolves("service", [name]), {}, None),
        ("drill-down", resolves("service-check", [name, failing]), {}, None),
        (f"drill-down, {BIG_EVIDENCE:,} places", big_drill_down, {}, None),
        (f"drill-down, {BIG_EVIDENCE:,}: offset 1000", f"{big_drill_down}?offset=1000", {}, None),
        (
            "drill-down htmx: 50 more",
            f"{big_drill_down}?offset=50&from=0",
            {"HX-Request": "true", "HX-Target": "evidence-more"},  # as "Show more" sends it
            None,
        ),
    ]
    header = (
        f"{'page':34} {'median ms':>10} {'p95 ms':>8} {'CPU ms':>7} {'target':>7} "
        f"{'queries':>8} {'HTML B':>9} {'sent B':>8}"
    )
    print(header)
    print("-" * len(header))
    for label, url, headers, before in pages:
        if url is None:
            print(f"{label:34} not available yet")
            continue
        try:
            r = measure(client, url, options.runs, headers=headers, before=before)
        except Exception as exc:  # a colleague's page still in progress must not hide ours
            print(f"{label:34} error: {type(exc).__name__}: {str(exc)[:60]}")
            continue
        target = TARGETS_MS.get(label)
        mark = "" if target is None else (f"<{target}" + (" ok" if r["median"] < target else " !!"))
        print(
            f"{label:34} {r['median']:10.1f} {r['p95']:8.1f} {r['cpu']:7.1f} {mark:>7} "
            f"{r['queries']:8d} {r['html']:9,d} {r['sent']:8,d}"
        )
    from dashboard.views.fleet_assets import plotly_js_version

    js = client.get(
        resolves("plotly-js", [plotly_js_version()]), headers={"Accept-Encoding": "gzip"}
    )
    print(
        f"\nplotly.js {plotly_js_version()}: {len(js.content):,} bytes transferred "
        f"({js['Content-Encoding']}), Cache-Control: {js['Cache-Control']} "
        "(fetched once per plotly upgrade)"
    )


if __name__ == "__main__":
    main()
