"""Profiling/benchmark setups (PERF-006) and API contract-test setups (TST-007)."""

from __future__ import annotations

import functools
import posixpath
import re
from dataclasses import dataclass, field

from scanner.artifacts import kinds, locate
from scanner.artifacts.locate import ANY_FILE_KIND, Kind, in_own_folder, name_matches
from scanner.artifacts.view import RepoView, read_artifact

PROFILING_PACKAGES = ("pyinstrument", "py-spy", "pytest-benchmark", "locust", "scalene",
                      "pytest-codspeed", "asv")
CONTRACT_PACKAGES = ("schemathesis", "dredd-hooks", "pact-python", "openapi-spec-validator")
_K6_IMPORT = re.compile(r"""from\s+['"]k6(?:/[\w-]+)?['"]|require\(\s*['"]k6""")
_BENCH_FOLDERS = frozenset({"benchmarks", "benchmark", "bench", "perf", "load-tests",
                            "loadtests", "load_tests", "locust"})
MAX_SCRIPT_READS = 200
_LOCUSTFILE = re.compile(r"locustfile[\w.-]*\.py")
_PROFILER_CONFIG = re.compile(r"\.?pyinstrument[\w.-]*|\.?py-spy[\w.-]*")
# Both kinds of profiler files in one search, so they keep their nearest-first order.
_PROFILER_FILES = Kind(
    "profiler",
    "locustfile*.py/pyinstrument/py-spy configuration",
    in_own_folder(name_matches(f"{_LOCUSTFILE.pattern}|{_PROFILER_CONFIG.pattern}")),
)


@dataclass(slots=True, frozen=True)
class SetupEvidence:
    path: str
    line: int | None
    tool: str
    text: str


@dataclass(slots=True)
class ExtrasFacts:
    profiling: list[SetupEvidence] = field(default_factory=list)
    contract: list[SetupEvidence] = field(default_factory=list)


def collect(view: RepoView) -> ExtrasFacts:
    """Files only; dependency and CI evidence is added by collect_artifacts."""
    facts = ExtrasFacts()
    for path in locate.candidates(view, _PROFILER_FILES):
        name = posixpath.basename(path)
        if _LOCUSTFILE.fullmatch(name):
            facts.profiling.append(SetupEvidence(path, None, "locust", name))
        else:
            facts.profiling.append(SetupEvidence(path, None, name.split(".")[0].lstrip("."), name))
    eligible = locate.candidates(view, ANY_FILE_KIND)
    facts.profiling += _benchmark_folders(eligible)
    facts.profiling += _k6_scripts(view, eligible)
    for path in locate.candidates(view, kinds.POSTMAN):
        tool = "dredd" if "dredd" in posixpath.basename(path) else "postman"
        facts.contract.append(SetupEvidence(path, None, tool, posixpath.basename(path)))
    return facts


def _benchmark_folders(eligible: list[str]) -> list[SetupEvidence]:
    seen: dict[str, SetupEvidence] = {}
    bench_folders_of = functools.lru_cache(maxsize=None)(_bench_folders_on_path)
    for path in eligible:
        if path.endswith((".py", ".js", ".ts")):
            for folder in bench_folders_of(path.rpartition("/")[0]):
                seen.setdefault(folder, SetupEvidence(path, None, "benchmarks", folder + "/"))
    return list(seen.values())


def _bench_folders_on_path(folder: str) -> list[str]:
    """`folder` and its parents named like a benchmark folder, outermost first (memoised per
    call of _benchmark_folders: thousands of files share a few hundred folders)."""
    parts = folder.split("/") if folder else []
    return ["/".join(parts[: index + 1]) for index, part in enumerate(parts)
            if part.lower() in _BENCH_FOLDERS]


def _k6_scripts(view: RepoView, eligible: list[str]) -> list[SetupEvidence]:
    found = []
    scripts = [path for path in eligible if path.endswith((".js", ".ts"))][:MAX_SCRIPT_READS]
    for path in scripts:
        text, _ = read_artifact(view, path)
        for number, line in enumerate((text or "").splitlines()[:200], start=1):
            if _K6_IMPORT.search(line):
                found.append(SetupEvidence(path, number, "k6", line.strip()))
                break
    return found
