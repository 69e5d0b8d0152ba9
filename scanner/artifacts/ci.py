"""What CI runs: commands, actions and service containers (DEP-005, TST-009, TYP-008, SEC-010).

`CiFacts.runs_tool("pytest")` also follows ONE level into what a CI command calls: Makefile
targets, tox envs, nox sessions, pre-commit hooks and shell scripts of the repository.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from scanner.artifacts import kinds, locate, makefile
from scanner.artifacts._yaml import YamlList, YamlMap, load_document
from scanner.artifacts.dockerfile import split_shell
from scanner.artifacts.makefile import MakefileFacts
from scanner.artifacts.precommit import PrecommitFacts
from scanner.artifacts.shell import load_script, resolve_script
from scanner.artifacts.testrunners import NoxFacts, ToxFacts
from scanner.artifacts.view import RepoView, SourceLine, read_artifact

GITHUB, GITLAB, CIRCLECI, JENKINS, AZURE, BITBUCKET = (
    "github", "gitlab", "circleci", "jenkins", "azure", "bitbucket")

# Keys whose string (or list of strings) values are shell commands, per provider.
_COMMAND_KEYS = {
    GITHUB: {"run"},
    GITLAB: {"script", "before_script", "after_script"},
    CIRCLECI: {"run"},
    AZURE: {"script", "bash", "pwsh", "powershell"},
    BITBUCKET: {"script", "after-script"},
}
_ACTION_KEYS = {GITHUB: {"uses"}, GITLAB: {"component"}, CIRCLECI: set(), AZURE: {"task"},
                BITBUCKET: {"pipe"}}
_JENKINS_STEP = re.compile(
    r"""\b(?:sh|bat|powershell|pwsh)\s*\(?\s*(?:script\s*:\s*)?('''|\"\"\"|'|")""")
_SEPARATORS = re.compile(r"&&|\|\||;|\||\bthen\b|\bdo\b")
_RUNNERS = {"uv", "poetry", "pdm", "pipenv", "hatch", "rye"}
_PREFIXES = {"sudo", "time", "exec", "env", "nice", "uvx", "pipx"}


@dataclass(slots=True, frozen=True)
class CiFile:
    path: str
    provider: str


@dataclass(slots=True, frozen=True)
class CiCommand:
    """One line of a command a CI job runs."""

    path: str
    line: int
    text: str
    provider: str
    job: str = ""


@dataclass(slots=True, frozen=True)
class CiAction:
    """A reused step: GitHub `uses:`, Azure `task:`, Bitbucket `pipe:`, CircleCI orb."""

    path: str
    line: int
    action: str  # as written, e.g. "github/codeql-action/analyze@v3"
    provider: str
    job: str = ""

    @property
    def name(self) -> str:
        return self.action.split("@", 1)[0]


@dataclass(slots=True, frozen=True)
class CiService:
    """A service container next to a job (a database for tests), not the app itself."""

    path: str
    line: int
    name: str
    image: str
    provider: str


@dataclass(slots=True, frozen=True)
class ToolRun:
    """Where CI runs a tool: the CI line and, when followed, the file line that names it."""

    ci: CiCommand
    via: str  # "direct", "make", "tox", "nox", "pre-commit", "script"
    followed: SourceLine | None = None


@dataclass(slots=True)
class FollowContext:
    """What a CI command may call into; set by collect_artifacts."""

    view: RepoView | None = None
    makefile: MakefileFacts | None = None
    tox: ToxFacts | None = None
    nox: NoxFacts | None = None
    precommit: PrecommitFacts | None = None


@dataclass(slots=True)
class CiFacts:
    files: list[CiFile] = field(default_factory=list)
    commands: list[CiCommand] = field(default_factory=list)
    actions: list[CiAction] = field(default_factory=list)
    services: list[CiService] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    follow: FollowContext = field(default_factory=FollowContext, repr=False)

    @property
    def has_ci(self) -> bool:
        return bool(self.files)

    def commands_matching(self, pattern: str | re.Pattern[str]) -> list[CiCommand]:
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        return [command for command in self.commands if regex.search(command.text)]

    def actions_matching(self, pattern: str | re.Pattern[str]) -> list[CiAction]:
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        return [action for action in self.actions if regex.search(action.action)]

    def runs_tool(self, tool: str | re.Pattern[str]) -> list[ToolRun]:
        """Every place CI runs `tool` (a program name or a regex), directly or one level down."""
        regex = tool_pattern(tool) if isinstance(tool, str) else tool
        runs: list[ToolRun] = []
        for command in self.commands + self._precommit_action_commands():
            if regex.search(command.text):
                runs.append(ToolRun(command, "direct"))
            for via, line in _followed_lines(command.text, self.follow):
                if regex.search(line.text):
                    runs.append(ToolRun(command, via, line))
        return runs

    def _precommit_action_commands(self) -> list[CiCommand]:
        # the pre-commit GitHub action runs `pre-commit run --all-files`
        return [CiCommand(a.path, a.line, "pre-commit run --all-files", a.provider, a.job)
                for a in self.actions if a.name.endswith("pre-commit/action")]


def tool_pattern(name: str) -> re.Pattern[str]:
    """`pytest` matches `pytest -q`, `python -m pytest`, `.venv/bin/pytest`, not `pytest-cov`."""
    return re.compile(rf"(?<![\w.-]){re.escape(name)}(?![\w-]|\.\w)", re.IGNORECASE)


# --- collection -----------------------------------------------------------------------------

_PROVIDER_FINDERS = (
    (GITHUB, kinds.GITHUB_ACTIONS), (GITLAB, kinds.GITLAB_CI), (CIRCLECI, kinds.CIRCLECI),
    (JENKINS, kinds.JENKINS), (AZURE, kinds.AZURE), (BITBUCKET, kinds.BITBUCKET),
)


def provider_of(path: str) -> str | None:
    for provider, finder in _PROVIDER_FINDERS:
        if finder(path, ()) is not None:
            return provider
    return None


def collect(view: RepoView) -> CiFacts:
    facts = CiFacts()
    for path in locate.candidates(view, kinds.CI):
        provider = provider_of(path)
        if provider is None:
            continue
        facts.files.append(CiFile(path, provider))
        text, error = read_artifact(view, path)
        if text is None:
            facts.errors.append(error or path)
            continue
        parse_ci_file(facts, path, provider, text)
    return facts


def parse_ci_file(facts: CiFacts, path: str, provider: str, text: str) -> None:
    """Add one CI file's commands, actions and services to `facts`."""
    if provider == JENKINS:
        facts.commands.extend(_jenkins_commands(path, text))
        return
    data, error = load_document(text)
    if error:
        facts.errors.append(f"{path}: {error}")
    if not isinstance(data, YamlMap):
        if data is not None:
            facts.errors.append(f"{path}: top level is not a mapping")
        return
    walker = _Walker(facts, path, provider)
    walker.walk(data, job="", depth=0)
    _collect_services(facts, path, provider, data)
    if provider == CIRCLECI:
        _circleci_orbs(facts, path, data)


class _Walker:
    """Finds command and action keys anywhere in a CI YAML tree, remembering the job name."""

    def __init__(self, facts: CiFacts, path: str, provider: str) -> None:
        self.facts, self.path, self.provider = facts, path, provider
        self.command_keys = _COMMAND_KEYS[provider]
        self.action_keys = _ACTION_KEYS[provider]
        self.visited = 0

    def walk(self, node: Any, job: str, depth: int) -> None:
        self.visited += 1
        if depth > 60 or self.visited > 100_000:
            return
        if isinstance(node, YamlList):
            for item in node:
                self.walk(item, job, depth + 1)
        elif isinstance(node, YamlMap):
            for key, value in node.items():
                self._entry(node, key, value, self._job_name(node, key, job, depth), depth)

    def _job_name(self, node: YamlMap, key: Any, job: str, depth: int) -> str:
        if job:
            return job
        if depth == 0 and "jobs" not in node and "pipelines" not in node:
            return str(key)  # GitLab: top-level keys are jobs
        return str(key) if depth == 1 else ""

    def _entry(self, node: YamlMap, key: Any, value: Any, job: str, depth: int) -> None:
        if key in self.command_keys:
            self._commands(node, key, value, job)
        elif key in self.action_keys and isinstance(value, str):
            self.facts.actions.append(
                CiAction(self.path, node.line_of(key), value.strip(), self.provider, job))
        if isinstance(value, (YamlMap, YamlList)):
            self.walk(value, job, depth + 1)

    def _commands(self, node: YamlMap, key: Any, value: Any, job: str) -> None:
        if isinstance(value, str):
            self._add_lines(node.lines_of(key), job)
        elif isinstance(value, YamlMap) and isinstance(value.get("command"), str):
            self._add_lines(value.lines_of("command"), job)  # CircleCI `run: {command: ...}`
        elif isinstance(value, YamlList):
            self._list_commands(value, job)

    def _list_commands(self, items: YamlList, job: str) -> None:
        for index, item in enumerate(items):
            if isinstance(item, str):
                self._add_lines(items.lines_of(index), job)
            elif isinstance(item, YamlList):  # GitLab nests lists through anchors
                self._list_commands(item, job)

    def _add_lines(self, pairs: list[tuple[int, str]], job: str) -> None:
        for line, text in pairs:
            if not text.startswith("#"):
                self.facts.commands.append(CiCommand(self.path, line, text, self.provider, job))


def _collect_services(facts: CiFacts, path: str, provider: str, data: YamlMap) -> None:
    if provider == GITHUB:
        jobs = data.get("jobs")
        for job in jobs.values() if isinstance(jobs, YamlMap) else ():
            if isinstance(job, YamlMap) and isinstance(job.get("services"), YamlMap):
                _named_services(facts, path, provider, job["services"])
    elif provider == GITLAB:
        for holder in [data, *(v for v in data.values() if isinstance(v, YamlMap))]:
            if isinstance(holder.get("services"), YamlList):
                _listed_services(facts, path, provider, holder["services"])
    elif provider == CIRCLECI:
        jobs = data.get("jobs")
        for job in jobs.values() if isinstance(jobs, YamlMap) else ():
            images = job.get("docker") if isinstance(job, YamlMap) else None
            if isinstance(images, YamlList) and len(images) > 1:
                _listed_services(facts, path, provider, images, skip_first=True)
    elif provider == BITBUCKET:
        definitions = data.get("definitions")
        services = definitions.get("services") if isinstance(definitions, YamlMap) else None
        if isinstance(services, YamlMap):
            _named_services(facts, path, provider, services)


def _named_services(facts: CiFacts, path: str, provider: str, services: YamlMap) -> None:
    for name, body in services.items():
        image = body.get("image") if isinstance(body, YamlMap) else body
        facts.services.append(
            CiService(path, services.line_of(name), str(name), str(image or ""), provider))


def _listed_services(facts: CiFacts, path: str, provider: str, items: YamlList,
                     skip_first: bool = False) -> None:
    for index, item in enumerate(items):
        if skip_first and index == 0:
            continue
        image = item.get("name") or item.get("image") if isinstance(item, YamlMap) else item
        facts.services.append(
            CiService(path, items.line_of(index), str(image), str(image), provider))


def _circleci_orbs(facts: CiFacts, path: str, data: YamlMap) -> None:
    orbs = data.get("orbs")
    if isinstance(orbs, YamlMap):
        for name, reference in orbs.items():
            if isinstance(reference, str):
                facts.actions.append(CiAction(path, orbs.line_of(name), reference, CIRCLECI))


def _jenkins_commands(path: str, text: str) -> list[CiCommand]:
    """`sh '...'`, `sh "..."` and triple-quoted multi-line `sh` steps, line by line."""
    commands: list[CiCommand] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        match = _JENKINS_STEP.search(lines[index])
        if not match:
            index += 1
            continue
        quote, rest = match.group(1), lines[index][match.end():]
        if quote in rest:
            commands.append(CiCommand(path, index + 1, rest.split(quote)[0].strip(), JENKINS))
            index += 1
            continue
        index = _jenkins_block(commands, path, lines, index, quote, rest)
    return [command for command in commands if command.text]


def _jenkins_block(commands: list[CiCommand], path: str, lines: list[str], index: int,
                   quote: str, first: str) -> int:
    commands.append(CiCommand(path, index + 1, first.strip(), JENKINS))
    for number in range(index + 1, len(lines)):
        body = lines[number]
        if quote in body:
            commands.append(CiCommand(path, number + 1, body.split(quote)[0].strip(), JENKINS))
            return number + 1
        commands.append(CiCommand(path, number + 1, body.strip(), JENKINS))
    return len(lines)


# --- following one level -------------------------------------------------------------------

def program_calls(text: str) -> list[list[str]]:
    """argv of each program a command line runs, runners (`uv run`, `python -m`) unwrapped."""
    calls = []
    for segment in _SEPARATORS.split(text):
        argv = _unwrap(split_shell(segment.strip()))
        if argv:
            calls.append(argv)
    return calls


def _unwrap(argv: list[str]) -> list[str]:
    while argv:
        head = argv[0]
        if re.fullmatch(r"\w+=\S*", head) or head in _PREFIXES or head.startswith("-"):
            argv = argv[1:]
        elif _is_runner(argv):
            argv = argv[2:]
        elif head == "run" and len(argv) > 1:  # "pipx run"
            argv = argv[1:]
        else:
            return argv
    return argv


def _is_runner(argv: list[str]) -> bool:
    """`uv run X`, `poetry run X`, `python -m X`: the program is X."""
    if len(argv) < 3:
        return False
    if argv[0] in _RUNNERS:
        return argv[1] in ("run", "exec")
    return re.fullmatch(r"(?:.*/)?python[\d.]*", argv[0]) is not None and argv[1] == "-m"


def _followed_lines(text: str, context: FollowContext) -> list[tuple[str, SourceLine]]:
    found: list[tuple[str, SourceLine]] = []
    for argv in program_calls(text):
        program = posixpath.basename(argv[0])
        if program in ("make", "gmake"):
            found += [("make", line) for line in _make_lines(argv[1:], context)]
        elif program == "tox" and context.tox:
            envs = _option_values(argv[1:], ("-e", "--env"))
            found += [("tox", line) for line in context.tox.commands_for(envs)]
        elif program == "nox" and context.nox:
            sessions = _option_values(argv[1:], ("-s", "--session", "--sessions"))
            found += [("nox", line) for line in context.nox.commands_for(sessions)]
        elif program in ("pre-commit", "prek") and context.precommit:
            found += [("pre-commit", line) for line in _hook_lines(argv[1:], context.precommit)]
        else:
            found += [("script", line) for line in _script_lines(argv, context)]
    return found


def _option_values(args: list[str], names: tuple[str, ...]) -> list[str]:
    """Values of an option: `-e a,b`, `--env=a`, and nox's `-s a b` (until the next flag)."""
    values: list[str] = []
    taking = False
    for arg in args:
        if arg in names:
            taking = True
        elif arg.startswith(tuple(name + "=" for name in names)):
            values += arg.split("=", 1)[1].split(",")
            taking = False
        elif arg.startswith("-"):
            taking = False
        elif taking:
            values += arg.split(",")
    return [value for value in values if value]


def _make_lines(args: list[str], context: FollowContext) -> list[SourceLine]:
    directory, targets, skip = None, [], False
    for index, arg in enumerate(args):
        if skip:
            skip = False
        elif arg in ("-C", "--directory") and index + 1 < len(args):
            directory, skip = args[index + 1], True
        elif arg.startswith("--directory="):
            directory = arg.split("=", 1)[1]
        elif arg in ("-f", "--file", "-j", "--jobs") and index + 1 < len(args):
            skip = True
        elif not arg.startswith("-") and "=" not in arg:
            targets.append(arg)
    facts = _makefile_in(directory, context)
    if facts is None:
        return []
    return [line for target in (targets or [None]) for line in facts.recipe_for(target)]


def _makefile_in(directory: str | None, context: FollowContext) -> MakefileFacts | None:
    if directory is None or context.view is None:
        return context.makefile
    folder = posixpath.normpath(directory)
    for name in ("Makefile", "makefile", "GNUmakefile"):
        path = posixpath.join(folder, name) if folder != "." else name
        if path in context.view.index.path_set:
            return makefile.load(context.view, path)
    return None


def _hook_lines(args: list[str], precommit: PrecommitFacts) -> list[SourceLine]:
    positional = [arg for arg in args if not arg.startswith("-")]
    hook_id = positional[1] if len(positional) > 1 and positional[0] == "run" else None
    return [SourceLine(hook.path, hook.line, hook.text) for hook in precommit.hooks
            if hook_id is None or hook.hook_id == hook_id]


def _script_lines(argv: list[str], context: FollowContext) -> list[SourceLine]:
    if context.view is None:
        return []
    reference = argv[0]
    if posixpath.basename(reference) in ("bash", "sh", "zsh") and len(argv) > 1:
        reference = next((arg for arg in argv[1:] if not arg.startswith("-")), "")
    if not (reference.endswith(".sh") or reference.startswith("./") or "/" in reference):
        return []
    path = resolve_script(context.view, reference)
    # a shell script: *.sh, or an extensionless executable such as scripts/test
    if path is None or (not path.endswith((".sh", ".bash")) and "." in posixpath.basename(path)):
        return []
    return load_script(context.view, path).commands
