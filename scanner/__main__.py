"""`python -m scanner PATH`: scan a tree from the command line.

Exit codes: 0 scanned (or not a FastAPI service), 1 `--fail-under` not met, 2 usage or
I/O error (message on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .engine import scan_tree
from .errors import ScanInputError
from .report import render_sarif, render_text
from .rules import rules_meta


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scanner",
        description="Score a FastAPI code tree against Readyboard's production-readiness rules.",
    )
    parser.add_argument("path", help="folder to scan (a checkout of the repository)")
    parser.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    parser.add_argument("--app-root", help="sub-path of the service inside the tree")
    parser.add_argument("--fail-under", type=float, metavar="N",
                        help="exit 1 when the overall score is below N")
    parser.add_argument("--cache-dir", type=Path, help="reuse per-file results from here")
    parser.add_argument("--jobs", type=int, help="worker processes (default: all cores)")
    parser.add_argument("--color", action="store_true", help="ANSI colours in text output")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.jobs is not None and args.jobs < 1:
        print("error: --jobs must be at least 1", file=sys.stderr)
        return 2
    try:
        report = scan_tree(Path(args.path), app_root=args.app_root, cache_dir=args.cache_dir,
                           jobs=args.jobs)
    except ScanInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot read {args.path}: {exc}", file=sys.stderr)
        return 2
    _emit(report, args.format, args.color)
    if _misses_gate(report, args.fail_under):
        print(f"overall score {report['overall']} is below {args.fail_under}", file=sys.stderr)
        return 1
    return 0


def _misses_gate(report: dict, fail_under: float | None) -> bool:
    """A scored report under `--fail-under` (a tree that is not a service passes the gate)."""
    if fail_under is None or report["status"] != "scored":
        return False
    return report["overall"] is None or report["overall"] < fail_under


def _emit(report: dict, fmt: str, color: bool) -> None:
    if fmt == "json":
        _write_json(report)
    elif fmt == "sarif":
        _write_json(render_sarif(report, rules_meta()))
    else:
        sys.stdout.write(render_text(report, color=color))
        if not report.get("status"):
            sys.stdout.write("\n")


def _write_json(document: dict) -> None:
    # One string, one write: `json.dump` would stream ~200k small writes for a big report.
    sys.stdout.write(json.dumps(document, indent=2))
    sys.stdout.write("\n")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
