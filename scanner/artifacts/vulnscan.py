"""Dependency update / vulnerability bot configuration (SEC-010): exact file names only."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from scanner.artifacts import kinds, locate
from scanner.artifacts.view import RepoView


@dataclass(slots=True, frozen=True)
class VulnScanConfig:
    path: str
    tool: str  # "dependabot" or "renovate"


@dataclass(slots=True)
class VulnScanFacts:
    configs: list[VulnScanConfig] = field(default_factory=list)

    @property
    def configured(self) -> bool:
        return bool(self.configs)


def collect(view: RepoView) -> VulnScanFacts:
    # `*.disabled` and other variants never match the kind's exact names
    configs = []
    for path in locate.candidates(view, kinds.VULNSCAN):
        name = posixpath.basename(path)
        configs.append(VulnScanConfig(path, "dependabot" if "dependabot" in name else "renovate"))
    return VulnScanFacts(configs)
