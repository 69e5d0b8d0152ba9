"""Liveness/readiness probes in Kubernetes manifests and Helm charts (DEP-004)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from scanner.artifacts import kinds, locate
from scanner.artifacts._yaml import YamlList, YamlMap, load_documents
from scanner.artifacts.view import RepoView, read_artifact

PROBE_KEYS = ("livenessProbe", "readinessProbe", "startupProbe")
_PROBE_LINE = re.compile(r"^\s*-?\s*(livenessProbe|readinessProbe|startupProbe)\s*:")
_MAX_WALK = 100_000


@dataclass(slots=True, frozen=True)
class Probe:
    path: str
    line: int
    kind: str  # livenessProbe / readinessProbe / startupProbe


@dataclass(slots=True)
class K8sFacts:
    manifests: list[str] = field(default_factory=list)
    probes: list[Probe] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def probes_of(self, kind: str) -> list[Probe]:
        return [probe for probe in self.probes if probe.kind == kind]


def collect(view: RepoView) -> K8sFacts:
    facts = K8sFacts(manifests=locate.candidates(view, kinds.K8S))
    for path in facts.manifests:
        text, error = read_artifact(view, path)
        if text is None:
            facts.errors.append(error or path)
            continue
        probes, parse_error = find_probes(path, text)
        facts.probes.extend(probes)
        if parse_error:
            facts.errors.append(parse_error)
    return facts


def find_probes(path: str, text: str) -> tuple[list[Probe], str | None]:
    """Probes in one file; Helm templates (`{{ }}`) and broken YAML are scanned by line."""
    if "{{" in text or path.endswith(".tpl"):
        return _scan_lines(path, text), None
    documents, error = load_documents(text)
    if error:
        return _scan_lines(path, text), f"{path}: {error}"
    probes: list[Probe] = []
    for document in documents:
        _walk(path, document.data, probes, [0])
    return probes, None


def _scan_lines(path: str, text: str) -> list[Probe]:
    probes = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _PROBE_LINE.match(line)
        if match and not line.lstrip().startswith("#"):
            probes.append(Probe(path, number, match.group(1)))
    return probes


def _walk(path: str, node: Any, probes: list[Probe], seen: list[int]) -> None:
    seen[0] += 1
    if seen[0] > _MAX_WALK:
        return
    if isinstance(node, YamlMap):
        for key, value in node.items():
            if key in PROBE_KEYS and value:
                probes.append(Probe(path, node.line_of(key), key))
            _walk(path, value, probes, seen)
    elif isinstance(node, YamlList):
        for item in node:
            _walk(path, item, probes, seen)
