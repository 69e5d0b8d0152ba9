"""Facts from the Dockerfile/Containerfile nearest the app root (DEP-001/002/003/004/006)."""

from __future__ import annotations

import io
import json
import re
import shlex
from dataclasses import dataclass, field

from dockerfile_parse import DockerfileParser

from scanner.artifacts import kinds, locate
from scanner.artifacts.view import RepoView, read_artifact

PASS, WARN, FAIL = "pass", "warn", "fail"
_ROOT_USERS = frozenset({"root", "0"})
_INSTALLER = re.compile(
    r"\b(?:pip3?|python3?(?:\.\d+)?\s+-m\s+pip|uv\s+pip|pipenv|pdm|poetry)\s+install\b|\buv\s+sync\b"
)
_TOOL_PACKAGES = frozenset({"pip", "setuptools", "wheel", "uv", "poetry", "pipenv", "pdm",
                            "virtualenv", "pip-tools"})
_FROM_WHEELS = re.compile(r"--find-links|(?:^|\s)-f\s|--no-index|\.whl\b|/wheels?\b")
_PYTHON_MANIFEST = re.compile(
    r"(?:^|[\s/\[\"'])(?:pyproject\.toml|setup\.(?:py|cfg)|[\w.-]*requirements[\w.-]*\.(?:txt|in)"
    r"|uv\.lock|poetry\.lock|pdm\.lock|Pipfile(?:\.lock)?)\b"
)
_PYTHON_SERVER = re.compile(
    r"\b(?:uvicorn|gunicorn|hypercorn|granian|fastapi|python3?(?:\.\d+)?)\b")


@dataclass(slots=True, frozen=True)
class Instruction:
    """One instruction: `name` upper-case (RUN, COPY, ...), `value` with continuations joined."""

    name: str
    value: str
    line: int
    end_line: int


@dataclass(slots=True)
class Stage:
    index: int
    name: str | None  # the `AS` alias
    base_image: str
    line: int
    instructions: list[Instruction] = field(default_factory=list)

    def named(self, name: str) -> list[Instruction]:
        return [item for item in self.instructions if item.name == name.upper()]


@dataclass(slots=True, frozen=True)
class UserSetting:
    value: str
    line: int
    is_root: bool


@dataclass(slots=True, frozen=True)
class Healthcheck:
    line: int
    disabled: bool  # HEALTHCHECK NONE
    value: str


@dataclass(slots=True, frozen=True)
class Command:
    """CMD or ENTRYPOINT as argv; shell form is split with shlex, `raw` keeps the text."""

    argv: list[str]
    raw: str
    line: int
    exec_form: bool


@dataclass(slots=True, frozen=True)
class StageCopy:
    """`COPY --from=<stage>` in the final stage.

    `kind` is what was copied: "venv", "site-packages", "install-prefix", "wheels",
    "built-app" (the folder an earlier stage installed the project into) or "other".
    """

    source_stage: str
    sources: list[str]
    destination: str
    line: int
    kind: str
    from_earlier_stage: bool

    @property
    def carries_dependencies(self) -> bool:
        return self.from_earlier_stage and self.kind != "other"


@dataclass(slots=True)
class DockerfileFacts:
    path: str
    stages: list[Stage] = field(default_factory=list)
    error: str | None = None
    user: UserSetting | None = None  # effective USER of the final stage
    healthcheck: Healthcheck | None = None
    cmd: Command | None = None
    entrypoint: Command | None = None
    copies_from_stages: list[StageCopy] = field(default_factory=list)
    installs_in_final_stage: list[Instruction] = field(default_factory=list)  # app installs
    installs_from_wheels: list[Instruction] = field(default_factory=list)
    # other Dockerfiles as near as this one that were passed over (RULES.md 3.10)
    passed_over: list[str] = field(default_factory=list)

    @property
    def final_stage(self) -> Stage | None:
        return self.stages[-1] if self.stages else None

    @property
    def runs_as_root(self) -> bool:
        return self.user is None or self.user.is_root

    @property
    def builds_in_place(self) -> bool:
        return bool(self.installs_in_final_stage)

    @property
    def start_argv(self) -> list[str]:
        """What the container runs: ENTRYPOINT followed by CMD (CMD alone when no ENTRYPOINT)."""
        entry = self.entrypoint.argv if self.entrypoint else []
        if self.entrypoint and not self.entrypoint.exec_form:
            return entry  # shell-form ENTRYPOINT ignores CMD
        return entry + (self.cmd.argv if self.cmd else [])

    @property
    def builds_python_service(self) -> bool:
        """The image installs a Python project or its manifests, or starts a Python server;
        a tool image (FROM alpine, runs a binary) does neither."""
        instructions = [item for stage in self.stages for item in stage.instructions]
        return any(_installs_a_project(item) or _copies_a_manifest(item)
                   for item in instructions) or self._starts_python()

    def _starts_python(self) -> bool:
        commands = [command for command in (self.entrypoint, self.cmd) if command is not None]
        return any(_PYTHON_SERVER.search(command.raw) for command in commands)

    def multi_stage_verdict(self) -> str:
        """DEP-002: pass/warn/fail as the rule defines it."""
        if len(self.stages) < 2:
            return FAIL
        if any(copy.carries_dependencies for copy in self.copies_from_stages):
            return PASS
        return WARN


def collect(view: RepoView) -> DockerfileFacts | None:
    """The nearest Dockerfile; among equally near ones, the first that builds this Python
    service (a tool image beside it, e.g. docker/amd-smi/, says nothing about the service)."""
    tied = locate.equally_near(view, kinds.DOCKERFILE)
    if not tied:
        return None
    parsed = []
    for path in tied:
        facts = _read(view, path)
        if facts.builds_python_service:
            facts.passed_over = [other for other in tied if other != path]
            return facts
        parsed.append(facts)
    return parsed[0]


def _read(view: RepoView, path: str) -> DockerfileFacts:
    text, error = read_artifact(view, path)
    if text is None:
        return DockerfileFacts(path=path, error=error)
    return parse_dockerfile(path, text)


def parse_dockerfile(path: str, text: str) -> DockerfileFacts:
    facts = DockerfileFacts(path=path)
    try:
        structure = DockerfileParser(fileobj=io.BytesIO(text.encode("utf-8"))).structure
    except Exception as exc:  # the library may choke on odd input; keep the file as an error
        facts.error = f"{path}: unparsable Dockerfile ({type(exc).__name__})"
        return facts
    facts.stages = _stages(structure)
    if not facts.stages:
        facts.error = f"{path}: no FROM instruction"
        return facts
    _describe_final_stage(facts)
    return facts


def _stages(structure: list[dict]) -> list[Stage]:
    stages: list[Stage] = []
    for item in structure:
        name = str(item.get("instruction", "")).upper()
        if name == "COMMENT":
            continue
        value = str(item.get("value", ""))
        line = int(item.get("startline", 0)) + 1
        instruction = Instruction(name, value, line, int(item.get("endline", 0)) + 1)
        if name == "FROM":
            image, alias = _from_parts(value)
            stages.append(Stage(len(stages), alias, image, line, [instruction]))
        elif stages:
            stages[-1].instructions.append(instruction)
    return stages


def _from_parts(value: str) -> tuple[str, str | None]:
    words = [word for word in value.split() if not word.startswith("--")]
    image = words[0] if words else ""
    alias = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
    return image, alias


def _lineage(stages: list[Stage], stage: Stage) -> list[Stage]:
    """The stage and the earlier stages it is built FROM, nearest first."""
    chain = [stage]
    while True:
        parent = _stage_named(stages[: chain[-1].index], chain[-1].base_image)
        if parent is None or parent in chain:
            return chain
        chain.append(parent)


def _stage_named(stages: list[Stage], reference: str) -> Stage | None:
    for stage in stages:
        if reference == stage.name or reference == str(stage.index):
            return stage
    return None


def _last(lineage: list[Stage], name: str) -> Instruction | None:
    for stage in lineage:
        found = stage.named(name)
        if found:
            return found[-1]
    return None


def _describe_final_stage(facts: DockerfileFacts) -> None:
    final = facts.stages[-1]
    lineage = _lineage(facts.stages, final)
    user = _last(lineage, "USER")
    if user is not None:
        facts.user = UserSetting(user.value.strip(), user.line, _is_root(user.value))
    health = _last(lineage, "HEALTHCHECK")
    if health is not None:
        disabled = health.value.strip().upper() == "NONE"
        facts.healthcheck = Healthcheck(health.line, disabled, health.value)
    cmd, entrypoint = _last(lineage, "CMD"), _last(lineage, "ENTRYPOINT")
    facts.cmd = _command(cmd) if cmd else None
    facts.entrypoint = _command(entrypoint) if entrypoint else None
    facts.copies_from_stages = [
        copy for item in final.named("COPY") if (copy := _stage_copy(facts.stages, final, item))
    ]
    for stage in lineage:
        for run in stage.named("RUN"):
            _classify_install(facts, run)


def _is_root(value: str) -> bool:
    user = value.strip().split(":")[0].strip().lower()
    return user in _ROOT_USERS or user == ""


def _command(instruction: Instruction) -> Command:
    raw = instruction.value.strip()
    if raw.startswith("["):
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None  # Docker runs invalid JSON as shell form, so do we
        if isinstance(parsed, list) and all(isinstance(word, str) for word in parsed):
            return Command(parsed, raw, instruction.line, exec_form=True)
    return Command(split_shell(raw), raw, instruction.line, exec_form=False)


def split_shell(text: str) -> list[str]:
    """shlex split that falls back to whitespace when quotes are unbalanced."""
    try:
        return shlex.split(text, comments=False, posix=True)
    except ValueError:
        return text.split()


def _stage_copy(stages: list[Stage], final: Stage, item: Instruction) -> StageCopy | None:
    words = split_shell(item.value)
    source = next((word.split("=", 1)[1] for word in words if word.startswith("--from=")), None)
    if source is None:
        return None
    paths = _copy_paths(item.value, words)
    if not paths:
        return None
    sources, destination = paths[:-1] or paths, paths[-1]
    earlier = _stage_named(stages[: final.index], source)
    kind = _copied_kind(sources, earlier)
    return StageCopy(source, sources, destination, item.line, kind, earlier is not None)


def _copy_paths(value: str, words: list[str]) -> list[str]:
    """Sources and destination, from shell form or the JSON exec form after the flags."""
    if "[" in value:
        try:
            parsed = json.loads(value[value.index("["):])
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            return [str(word) for word in parsed]
    return [word for word in words if not word.startswith("--")]


def _copied_kind(sources: list[str], earlier: Stage | None) -> str:
    joined = " ".join(sources).lower()
    if "venv" in joined or "virtualenv" in joined:
        return "venv"
    if "site-packages" in joined or "dist-packages" in joined:
        return "site-packages"
    if "wheel" in joined or ".whl" in joined:
        return "wheels"
    if re.search(r"/install\b|/\.local\b|/usr/local/?$|/usr/local/lib/python", joined):
        return "install-prefix"
    if earlier is not None and _installed_into(earlier, sources):
        return "built-app"
    return "other"


def _installed_into(stage: Stage, sources: list[str]) -> bool:
    """The earlier stage installed the project inside a copied folder (e.g. `uv sync` in /app)."""
    workdir = ""
    for item in stage.instructions:
        if item.name == "WORKDIR":
            workdir = item.value.strip().rstrip("/")
        elif item.name == "RUN" and _INSTALLER.search(item.value) and _inside_any(workdir, sources):
            return True
    return False


def _inside_any(folder: str, sources: list[str]) -> bool:
    if not folder:
        return False
    roots = [src.rstrip("/") for src in sources if src.startswith("/")]
    return any(folder == root or folder.startswith(root + "/") for root in roots)


def _install_segments(run: Instruction) -> list[str]:
    """The parts of a RUN (split at &&, ||, ;) that run an installer."""
    return [part for part in re.split(r"&&|\|\||;|\n", run.value) if _INSTALLER.search(part)]


def _classify_install(facts: DockerfileFacts, run: Instruction) -> None:
    segments = _install_segments(run)
    if any(_FROM_WHEELS.search(part) for part in segments):
        facts.installs_from_wheels.append(run)
    elif any(not _installs_only_tools(part) for part in segments):
        facts.installs_in_final_stage.append(run)


def _installs_a_project(item: Instruction) -> bool:
    return item.name == "RUN" and any(
        _installs_local_code(part) for part in _install_segments(item))


_PROJECT_INSTALLER = re.compile(
    r"\buv\s+sync\b|\b(?:poetry|pdm)\s+install\b|\bpipenv\s+(?:install|sync)\b")
_REQUIREMENT_FLAG = re.compile(r"-r|--requirements?(?:=.*)?|-e|--editable(?:=.*)?|-r\S+")


def _installs_local_code(segment: str) -> bool:
    """An install of the checked-out project or its requirement files (`pip install .`,
    `-r requirements.txt`, `uv sync`), not of a named tool from an index or a git URL."""
    if _PROJECT_INSTALLER.search(segment):
        return True
    after = _INSTALLER.split(segment, maxsplit=1)[-1]
    return any(_REQUIREMENT_FLAG.fullmatch(word) or _is_local_path(word)
               for word in split_shell(after))


def _is_local_path(word: str) -> bool:
    if "://" in word or word.startswith(("-", "git+")):
        return False
    return word == "." or word.startswith((".", "/")) or "/" in word


def _copies_a_manifest(item: Instruction) -> bool:
    return item.name in ("COPY", "ADD") and _PYTHON_MANIFEST.search(item.value) is not None


def _installs_only_tools(segment: str) -> bool:
    after = _INSTALLER.split(segment, maxsplit=1)[-1]
    targets = [word for word in split_shell(after) if not word.startswith("-")]
    names = {re.split(r"[<>=!~\[]", target)[0].lower() for target in targets}
    return bool(names) and names <= _TOOL_PACKAGES
