"""Hooks configured in .pre-commit-config.yaml (for tools run through pre-commit in CI)."""

from __future__ import annotations

from dataclasses import dataclass, field

from scanner.artifacts import kinds, locate
from scanner.artifacts._yaml import YamlList, YamlMap, load_document
from scanner.artifacts.view import RepoView, read_artifact


@dataclass(slots=True, frozen=True)
class PrecommitHook:
    path: str
    line: int
    repo: str  # url, or "local"/"meta"
    hook_id: str
    entry: str = ""
    name: str = ""
    args: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """Everything that names the tool, for matching: id, entry, args and repository."""
        return " ".join(filter(None, (self.hook_id, self.entry, " ".join(self.args), self.repo)))


@dataclass(slots=True)
class PrecommitFacts:
    path: str
    hooks: list[PrecommitHook] = field(default_factory=list)
    error: str | None = None

    @property
    def repo_urls(self) -> list[str]:
        return sorted({hook.repo for hook in self.hooks})


def collect(view: RepoView) -> PrecommitFacts | None:
    path = locate.nearest(view, kinds.PRECOMMIT)
    if path is None:
        return None
    text, error = read_artifact(view, path)
    return parse_precommit(path, text) if text is not None else PrecommitFacts(path, error=error)


def parse_precommit(path: str, text: str) -> PrecommitFacts:
    data, error = load_document(text)
    facts = PrecommitFacts(path=path, error=f"{path}: {error}" if error else None)
    repos = data.get("repos") if isinstance(data, YamlMap) else None
    if not isinstance(repos, YamlList):
        if data is not None:
            facts.error = facts.error or f"{path}: `repos` is not a list"
        return facts
    for repo in repos:
        if isinstance(repo, YamlMap):
            facts.hooks.extend(_hooks(path, repo))
    return facts


def _hooks(path: str, repo: YamlMap) -> list[PrecommitHook]:
    url = str(repo.get("repo", ""))
    hooks = repo.get("hooks")
    if not isinstance(hooks, YamlList):
        return []
    found = []
    for index, hook in enumerate(hooks):
        if not isinstance(hook, YamlMap) or hook.get("id") is None:
            continue
        args = hook.get("args")
        found.append(PrecommitHook(
            path=path,
            line=hooks.line_of(index),
            repo=url,
            hook_id=str(hook.get("id")),
            entry=str(hook.get("entry") or ""),
            name=str(hook.get("name") or ""),
            args=tuple(str(arg) for arg in args) if isinstance(args, list) else (),
        ))
    return found
