"""Commands that tox (tox.ini) and nox (noxfile.py) sessions run."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from scanner.artifacts import kinds, locate
from scanner.artifacts._ini import parse_ini
from scanner.artifacts.view import RepoView, SourceLine, read_artifact

_NOX_SESSION = re.compile(r"^\s*@(?:nox\.)?session\b(.*)$")
_NOX_NAME = re.compile(r"name\s*=\s*['\"]([^'\"]+)['\"]")
_DEF = re.compile(r"^\s*(?:async\s+)?def\s+(\w+)\s*\(")
_RUN_CALL = re.compile(r"\bsession\.(run|run_always|run_install|install)\s*\(")
_STRING = re.compile(r"""(?:[rbuf]{0,2})(['"])(.*?)(?<!\\)\1""")


@dataclass(slots=True)
class ToxFacts:
    path: str
    envs: dict[str, list[SourceLine]] = field(default_factory=dict)  # "testenv", "testenv:lint"
    error: str | None = None

    def commands_for(self, env_names: list[str] | None = None) -> list[SourceLine]:
        """Commands of the named envs (base `testenv` applies to all); every env when None."""
        if not env_names:
            return [line for lines in self.envs.values() for line in lines]
        wanted = {"testenv"} | {f"testenv:{name}" for name in env_names}
        own = [line for name, lines in self.envs.items() if name in wanted - {"testenv"}
               for line in lines]
        return own or self.envs.get("testenv", [])


@dataclass(slots=True)
class NoxFacts:
    path: str
    sessions: dict[str, list[SourceLine]] = field(default_factory=dict)
    error: str | None = None

    def commands_for(self, session_names: list[str] | None = None) -> list[SourceLine]:
        names = session_names or list(self.sessions)
        return [line for name in names for line in self.sessions.get(name, [])]


def collect_tox(view: RepoView) -> ToxFacts | None:
    path = locate.nearest(view, kinds.TOX)
    if path is None:
        return None
    text, error = read_artifact(view, path)
    return parse_tox(path, text) if text is not None else ToxFacts(path, error=error)


def parse_tox(path: str, text: str) -> ToxFacts:
    ini = parse_ini(text)
    facts = ToxFacts(path=path, error=f"{path}: {ini.error}" if ini.error else None)
    for section in ini.sections:
        if section == "testenv" or section.startswith("testenv:"):
            facts.envs[section] = [
                SourceLine(path, line, command)
                for line, command in ini.value_lines(section, "commands")
                if not command.startswith("#")
            ]
    return facts


def collect_nox(view: RepoView) -> NoxFacts | None:
    path = locate.nearest(view, kinds.NOX)
    if path is None:
        return None
    text, error = read_artifact(view, path)
    return parse_noxfile(path, text) if text is not None else NoxFacts(path, error=error)


def parse_noxfile(path: str, text: str) -> NoxFacts:
    """Line scan: `@nox.session` decorated functions and their `session.run(...)` calls.

    The noxfile is never imported; each call becomes the words of its string literals.
    """
    facts = NoxFacts(path=path)
    pending_name: str | None = None
    decorated = False
    current: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        decorator = _NOX_SESSION.match(line)
        if decorator:
            decorated = True
            named = _NOX_NAME.search(decorator.group(1))
            pending_name = named.group(1) if named else None
            continue
        definition = _DEF.match(line)
        if definition:
            current = (pending_name or definition.group(1)) if decorated else None
            decorated, pending_name = False, None
            if current:
                facts.sessions.setdefault(current, [])
            continue
        if current and _RUN_CALL.search(line):
            words = [match.group(2) for match in _STRING.finditer(line.split("(", 1)[1])]
            verb = _RUN_CALL.search(line).group(1)
            prefix = "pip install " if verb == "install" else ""
            facts.sessions[current].append(SourceLine(path, number, prefix + " ".join(words)))
    return facts
