"""Profiling/benchmark setups (PERF-006) and API contract-test setups (TST-007)."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from scanner.artifacts import kinds, locate
from scanner.artifacts.locate import ANY_FILE_KIND
from scanner.artifacts.view import RepoView, read_artifact

PROFILING_PACKAGES = ("pyinstrument", "py-spy", "pytest-benchmark", "locust", "scalene",
                      "pytest-codspeed", "asv")
CONTRACT_PACKAGES = ("schemathesis", "dredd-hooks", "pact-python", "openapi-spec-validator")
_K6_IMPORT = re.compile(r"""from\s+['"]k6(?:/[\w-]+)?['"]|require\(\s*['"]k6""")
_BENCH_FOLDERS = frozenset({"benchmarks", "benchmark", "bench", "perf", "load-tests",
                            "loadtests", "load_tests", "locust"})
MAX_SCRIPT_READS = 200


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
    eligible = locate.candidates(view, ANY_FILE_KIND)
    for path in eligible:
        name = posixpath.basename(path)
        if re.fullmatch(r"locustfile[\w.-]*\.py", name):
            facts.profiling.append(SetupEvidence(path, None, "locust", name))
        elif re.fullmatch(r"\.?pyinstrument[\w.-]*|\.?py-spy[\w.-]*", name):
            facts.profiling.append(SetupEvidence(path, None, name.split(".")[0].lstrip("."), name))
    facts.profiling += _benchmark_folders(eligible)
    facts.profiling += _k6_scripts(view, eligible)
    for path in locate.candidates(view, kinds.POSTMAN):
        tool = "dredd" if "dredd" in posixpath.basename(path) else "postman"
        facts.contract.append(SetupEvidence(path, None, tool, posixpath.basename(path)))
    return facts


def _benchmark_folders(eligible: list[str]) -> list[SetupEvidence]:
    seen: dict[str, SetupEvidence] = {}
    for path in eligible:
        parts = path.split("/")[:-1]
        for index, part in enumerate(parts):
            if part.lower() in _BENCH_FOLDERS and path.endswith((".py", ".js", ".ts")):
                folder = "/".join(parts[: index + 1])
                seen.setdefault(folder, SetupEvidence(path, None, "benchmarks", folder + "/"))
    return list(seen.values())


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
