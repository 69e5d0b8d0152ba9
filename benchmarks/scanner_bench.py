"""Scanner speed on a large generated tree, next to its floor and to other tools.

Builds a tree of >= 2,000 Python files assembled from the fixture services (each copy
renamed into its own feature package of one big service), then prints:
  - the libcst floor: one process doing nothing but `libcst.parse_module` on every file
  - `ast.parse` of the same files, and `bandit -r` on the tree, for context
  - a full scan (all cores, no cache), and a rescan with a warm cache
  - peak memory of the scanning process and its workers
Run: .venv/bin/python benchmarks/scanner_bench.py [--files 2000] [--keep DIR] [--repeat 3]
With --repeat N, the floor, the full scan and the rescans run N times each, interleaved, and
the medians are printed (a 2-core machine is noisy; one run can be off by 20%).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "services"
SKIP_NAMES = {"pyproject.toml", "setup.py", "setup.cfg", "requirements.txt", "Pipfile",
              "Dockerfile", "expected.json", "EXPECTED.md"}


def fixture_sources() -> list[tuple[str, str]]:
    sources = []
    for path in sorted(FIXTURES.rglob("*.py")):
        rel = path.relative_to(FIXTURES).as_posix()
        if "flask_app" in rel or path.name == "compute_scores.py":
            continue
        sources.append((rel, path.read_text(encoding="utf-8")))
    return sources


def build_tree(target: Path, wanted: int) -> int:
    """Copies of every fixture module, one feature package per copy, one service root."""
    sources = fixture_sources()
    (target / "app").mkdir(parents=True)
    (target / "app" / "__init__.py").write_text("")
    (target / "pyproject.toml").write_text('[project]\nname = "big-service"\nversion = "1"\n')
    written, copy = 0, 0
    while written < wanted:
        for rel, text in sources:
            dest = target / "app" / f"feature{copy:03d}" / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(text, encoding="utf-8")
            written += 1
        copy += 1
    for folder in (target / "app").rglob("*"):
        if folder.is_dir() and not (folder / "__init__.py").exists():
            (folder / "__init__.py").write_text("")
            written += 1
    return written


def python_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.py"))


def time_libcst_floor(files: list[Path]) -> float:
    code = (
        "import sys, time, libcst\n"
        "paths = sys.argv[1:]\n"
        "start = time.perf_counter()\n"
        "for p in paths:\n"
        "    libcst.parse_module(open(p, encoding='utf-8').read())\n"
        "print(time.perf_counter() - start)\n"
    )
    return _run_timed_python(code, files)


def time_ast(files: list[Path]) -> float:
    start = time.perf_counter()
    for path in files:
        ast.parse(path.read_text(encoding="utf-8"))
    return time.perf_counter() - start


def _run_timed_python(code: str, files: list[Path]) -> float:
    with tempfile.NamedTemporaryFile("w", delete=False, suffix=".txt") as listing:
        listing.write("\n".join(str(f) for f in files))
    wrapper = code.replace("paths = sys.argv[1:]", f"paths = open({listing.name!r}).read().split()")
    out = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True,
                         check=True)
    os.unlink(listing.name)
    return float(out.stdout.strip())


def time_bandit(root: Path) -> float | None:
    bandit = Path(sys.executable).with_name("bandit")
    if not bandit.exists():
        return None
    start = time.perf_counter()
    subprocess.run([str(bandit), "-r", "-q", "-f", "json", "-o", os.devnull, str(root)],
                   capture_output=True, check=False)
    return time.perf_counter() - start


def time_scan(root: Path, cache_dir: Path | None) -> tuple[float, dict, int]:
    """Wall time of `python -m scanner` in a fresh process, its report and peak RSS (KiB)."""
    command = [sys.executable, "-m", "scanner", str(root), "--format", "json"]
    if cache_dir is not None:
        command += ["--cache-dir", str(cache_dir)]
    code = (
        "import resource, subprocess, sys, time, json\n"
        f"cmd = {command!r}\n"
        "start = time.perf_counter()\n"
        "out = subprocess.run(cmd, capture_output=True, text=True, cwd=%r)\n" % str(REPO)
        + "wall = time.perf_counter() - start\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(json.dumps({'wall': wall, 'peak': peak, 'rc': out.returncode, "
        "'report': out.stdout, 'stderr': out.stderr[-2000:]}))\n"
    )
    result = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                       text=True, check=True).stdout)
    if result["rc"] != 0:
        raise SystemExit(f"scanner failed: {result['stderr']}")
    return result["wall"], json.loads(result["report"]), result["peak"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--keep", type=Path, help="build the tree here and keep it")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measure (median)")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="readyboard-bench-"))
    if root.exists() and any(root.iterdir()):
        shutil.rmtree(root)
    count = build_tree(root, args.files)
    files = python_files(root)
    lines = sum(p.read_text(encoding="utf-8").count("\n") for p in files)
    print(f"tree: {root}  python files: {len(files)} ({count} written)  lines: {lines}  "
          f"cores: {os.cpu_count()}")

    ast_time = time_ast(files)
    bandit = time_bandit(root)
    floors, fulls, cacheds, changeds = [], [], [], []
    for _ in range(args.repeat):
        floors.append(time_libcst_floor(files))
        full, report, peak_full = time_scan(root, None)
        fulls.append(full)
        cache_dir = Path(tempfile.mkdtemp(prefix="readyboard-cache-"))
        time_scan(root, cache_dir)  # warm the cache
        cached, cached_report, _ = time_scan(root, cache_dir)
        cacheds.append(cached)
        changed_file = files[len(files) // 2]
        changed_file.write_text(changed_file.read_text(encoding="utf-8") + "\n# edited\n",
                                encoding="utf-8")
        one_changed, changed_report, _ = time_scan(root, cache_dir)
        changeds.append(one_changed)
        shutil.rmtree(cache_dir, ignore_errors=True)
    floor, full = statistics.median(floors), statistics.median(fulls)
    cached, one_changed = statistics.median(cacheds), statistics.median(changeds)
    if args.repeat > 1:
        print("runs (s): floor " + " ".join(f"{x:.2f}" for x in floors)
              + " | full " + " ".join(f"{x:.2f}" for x in fulls))

    rows = [
        ("libcst parse floor (1 process)", floor, ""),
        ("ast.parse (1 process)", ast_time, ""),
        ("bandit -r", bandit, ""),
        ("full scan (all cores, no cache)", full,
         f"{full / floor:.2f}x floor (target <= 1.5x)"),
        ("rescan, warm cache", cached, f"{cached / full:.3f}x full (target <= 0.10x)"),
        ("rescan, one file changed", one_changed,
         f"{one_changed / full:.3f}x full (1 file re-parsed, all rules re-run)"),
    ]
    print(f"\n{'measure':36} {'seconds':>9}  note")
    for name, value, note in rows:
        shown = f"{value:9.2f}" if value is not None else "      n/a"
        print(f"{name:36} {shown}  {note}")
    if bandit:
        print(f"{'full scan vs bandit':36} {full / bandit:9.2f}x (target < 1.0x)")
    print(f"{'peak memory (scan + workers)':36} {peak_full / 1024:9.1f} MiB (target < 1024)")
    timings = report.get("timings", {})
    print(f"\nscan phases: {json.dumps(timings)}")
    print(f"cached phases: {json.dumps(cached_report.get('timings', {}))}")
    print(f"one-changed phases: {json.dumps(changed_report.get('timings', {}))}")
    print(f"status {report['status']}  overall {report['overall']}  "
          f"endpoints {len(report['endpoints'])}  files scanned {report['files']['scanned']}")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    driver_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nmax rss of this driver: {driver_mib:.0f} MiB")


if __name__ == "__main__":
    main()
