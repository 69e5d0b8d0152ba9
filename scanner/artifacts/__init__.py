"""Plain facts from the repository's non-Python artefacts, resolved for one app root.

`collect_artifacts(view)` is the single entry point; rules read the returned `Artifacts`.
Nothing here imports or runs code from the scanned repository: files are only read as text.
A malformed file never raises: it becomes an error string and the scan goes on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from scanner.artifacts import (
    ci,
    compose,
    deps,
    dockerfile,
    envfiles,
    extras,
    k8s,
    kinds,
    locate,
    logconfig,
    makefile,
    migrations,
    precommit,
    proxy,
    pyconfig,
    readme,
    testrunners,
    vulnscan,
)
from scanner.artifacts.ci import CiFacts, FollowContext
from scanner.artifacts.compose import ComposeFile
from scanner.artifacts.deps import DepsFacts
from scanner.artifacts.dockerfile import DockerfileFacts
from scanner.artifacts.envfiles import EnvFile
from scanner.artifacts.extras import (
    CONTRACT_PACKAGES,
    PROFILING_PACKAGES,
    ExtrasFacts,
    SetupEvidence,
)
from scanner.artifacts.k8s import K8sFacts
from scanner.artifacts.logconfig import LoggingConfigFile
from scanner.artifacts.makefile import MakefileFacts
from scanner.artifacts.migrations import MigrationFacts
from scanner.artifacts.precommit import PrecommitFacts
from scanner.artifacts.proxy import ProxyFacts
from scanner.artifacts.pyconfig import PyConfigFacts, normalise_name
from scanner.artifacts.readme import ReadmeFacts
from scanner.artifacts.testrunners import NoxFacts, ToxFacts
from scanner.artifacts.view import RepoView, SourceLine
from scanner.artifacts.vulnscan import VulnScanFacts

__all__ = ["ArtifactError", "Artifacts", "RepoView", "SourceLine", "collect_artifacts"]

T = TypeVar("T")


@dataclass(slots=True, frozen=True)
class ArtifactError:
    kind: str
    message: str  # starts with the file path when one is known


@dataclass(slots=True)
class Artifacts:
    app_root: str
    dockerfile: DockerfileFacts | None = None
    compose: list[ComposeFile] = field(default_factory=list)
    k8s: K8sFacts = field(default_factory=K8sFacts)
    ci: CiFacts = field(default_factory=CiFacts)
    makefile: MakefileFacts | None = None
    precommit: PrecommitFacts | None = None
    tox: ToxFacts | None = None
    nox: NoxFacts | None = None
    pyconfig: PyConfigFacts = field(default_factory=PyConfigFacts)
    deps: DepsFacts = field(default_factory=DepsFacts)
    env_files: list[EnvFile] = field(default_factory=list)
    proxy: ProxyFacts = field(default_factory=ProxyFacts)
    vulnscan: VulnScanFacts = field(default_factory=VulnScanFacts)
    readme: ReadmeFacts | None = None
    migrations: MigrationFacts = field(default_factory=MigrationFacts)
    extras: ExtrasFacts = field(default_factory=ExtrasFacts)
    logging_configs: list[LoggingConfigFile] = field(default_factory=list)
    errors: list[ArtifactError] = field(default_factory=list)

    def looked_in(self, kind: str, *more: str) -> str:
        """Where a missing artefact kind ("dockerfile", "ci", "readme", ...) was searched;
        several kinds share one place clause."""
        return locate.looked_in(kinds.KINDS[kind], self.app_root,
                                *(kinds.KINDS[k] for k in more))

    def dependency_names(self) -> set[str]:
        """Normalised names declared in pyproject/setup.cfg, requirements files and Pipfile."""
        names = {dependency.name for dependency in self.pyconfig.dependencies}
        names |= {entry.name for file in self.deps.requirement_files for entry in file.entries}
        names |= {normalise_name(entry.name) for entry in self.deps.pipfile_entries}
        return names

    def has_dependency(self, name: str) -> bool:
        return normalise_name(name) in self.dependency_names()

    def dependency_location(self, name: str) -> SourceLine | None:
        """Where a dependency is declared (first manifest that names it), for evidence."""
        wanted = normalise_name(name)
        for dependency in self.pyconfig.dependencies:
            if dependency.name == wanted:
                return SourceLine(dependency.path, dependency.line, dependency.requirement)
        entries = [*self.deps.entries, *self.deps.pipfile_entries]
        for entry in entries:
            if normalise_name(entry.name) == wanted:
                return SourceLine(entry.path, entry.line, entry.text)
        return None


def collect_artifacts(view: RepoView) -> Artifacts:
    """Parse every artefact kind once for `view.app_root`; never raises on repository content."""
    found = Artifacts(app_root=view.app_root)
    safely = _Guard(found)
    found.dockerfile = safely("dockerfile", lambda: dockerfile.collect(view), None)
    found.compose = safely("compose", lambda: compose.collect(view), [])
    found.k8s = safely("k8s", lambda: k8s.collect(view), K8sFacts())
    found.makefile = safely("makefile", lambda: makefile.collect(view), None)
    found.precommit = safely("precommit", lambda: precommit.collect(view), None)
    found.tox = safely("tox", lambda: testrunners.collect_tox(view), None)
    found.nox = safely("nox", lambda: testrunners.collect_nox(view), None)
    found.ci = safely("ci", lambda: ci.collect(view), CiFacts())
    found.ci.follow = FollowContext(view, found.makefile, found.tox, found.nox, found.precommit)
    found.pyconfig = safely("pyconfig", lambda: pyconfig.collect(view), PyConfigFacts())
    found.deps = safely("deps", lambda: deps.collect(view, found.pyconfig), DepsFacts())
    found.env_files = safely("envfile", lambda: envfiles.collect(view), [])
    extra_proxy_paths = [file.path for file in found.compose] + found.k8s.manifests
    found.proxy = safely("proxy", lambda: proxy.collect(view, extra_proxy_paths), ProxyFacts())
    found.vulnscan = safely("vulnscan", lambda: vulnscan.collect(view), VulnScanFacts())
    found.readme = safely("readme", lambda: readme.collect(view), None)
    found.migrations = safely("migrations", lambda: migrations.collect(view), MigrationFacts())
    found.extras = safely("extras", lambda: extras.collect(view), ExtrasFacts())
    found.logging_configs = safely("logconfig", lambda: logconfig.collect(view), [])
    _add_dependency_and_ci_setups(found)
    _gather_errors(found)
    return found


class _Guard:
    """Runs one collector; an unexpected exception becomes an error record, not a crash."""

    def __init__(self, artifacts: Artifacts) -> None:
        self.artifacts = artifacts

    def __call__(self, kind: str, collector: Callable[[], T], default: T) -> T:
        try:
            return collector()
        except Exception as exc:  # a parser bug must not cost the whole scan
            self.artifacts.errors.append(ArtifactError(kind, f"internal error: {exc!r}"[:300]))
            return default


_PROFILING_COMMAND = re.compile(r"\b(?:pyinstrument|py-spy|locust|k6\s+run|scalene)\b")
_CONTRACT_COMMAND = re.compile(r"\b(?:newman|dredd|schemathesis|st\s+run)\b")


def _add_dependency_and_ci_setups(found: Artifacts) -> None:
    for packages, evidence in ((PROFILING_PACKAGES, found.extras.profiling),
                               (CONTRACT_PACKAGES, found.extras.contract)):
        for package in packages:
            if (where := found.dependency_location(package)) is not None:
                evidence.append(SetupEvidence(where.path, where.line, package, where.text))
    for command in found.ci.commands_matching(_PROFILING_COMMAND):
        found.extras.profiling.append(SetupEvidence(command.path, command.line, "ci", command.text))
    for command in found.ci.commands_matching(_CONTRACT_COMMAND):
        found.extras.contract.append(SetupEvidence(command.path, command.line, "ci", command.text))


def _gather_errors(found: Artifacts) -> None:
    single = {
        "dockerfile": found.dockerfile, "makefile": found.makefile,
        "precommit": found.precommit, "tox": found.tox, "nox": found.nox, "readme": found.readme,
    }
    for kind, facts in single.items():
        if facts is not None and facts.error:
            found.errors.append(ArtifactError(kind, facts.error))
    lists = {
        "compose": [file.error for file in found.compose],
        "envfile": [file.error for file in found.env_files],
        "requirements": [file.error for file in found.deps.requirement_files],
        "k8s": found.k8s.errors, "ci": found.ci.errors, "pyconfig": found.pyconfig.errors,
        "deps": found.deps.errors, "proxy": found.proxy.errors,
        "migrations": found.migrations.errors,
    }
    for kind, messages in lists.items():
        found.errors += [ArtifactError(kind, message) for message in messages if message]
