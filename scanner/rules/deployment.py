"""Deployment checks (DEP-001 .. DEP-007), decided from the repository's artefacts.

Dockerfile, compose, Kubernetes manifests, CI configuration and dependency files are read
by `scanner.artifacts`; these checks only judge the facts. Without a Dockerfile only
DEP-001 fails; the checks that look inside it are `na` (RULES.md 3.3).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from .. import layout
from ..artifacts import Artifacts
from ..artifacts.ci import program_calls
from ..artifacts.deps import is_pinned
from ..artifacts.dockerfile import DockerfileFacts, split_shell
from ..artifacts.shell import load_script, resolve_script
from ..project import Project
from .base import Evidence, Example, Rule
from .testing import GH_PYTEST

APP = """from fastapi import FastAPI

app = FastAPI()


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
"""

MULTI_STAGE = """FROM python:3.12-slim AS builder
WORKDIR /app
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

FROM python:3.12-slim
RUN useradd --create-home appuser
COPY --from=builder /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
COPY app ./app
USER appuser
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://localhost:8000/health')"
CMD ["gunicorn", "app.main:app", "-k", "uvicorn.workers.UvicornWorker", "--workers", "4"]
"""

SINGLE_STAGE = """FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--reload"]
"""

REQUIREMENTS = "fastapi==0.115.0\nuvicorn==0.32.0\n"


def _artifacts(project: Project) -> Artifacts:
    return project.artifacts if project.artifacts is not None else Artifacts(project.app_root)


_CI_NAMES = {"github": "GitHub Actions", "gitlab": "GitLab CI", "circleci": "CircleCI",
             "jenkins": "Jenkins", "azure": "Azure Pipelines", "bitbucket": "Bitbucket Pipelines"}


def _no_dockerfile(project: Project) -> str:
    return f"no Dockerfile found (looked in {_artifacts(project).looked_in('dockerfile')})"


def _dockerfile_or_na(rule: Rule, project: Project):
    """(facts, None) when a usable Dockerfile exists, else (None, the na/unknown result)."""
    dockerfile = _artifacts(project).dockerfile
    if dockerfile is None:
        return None, rule.not_applicable(_no_dockerfile(project))
    if dockerfile.error or not dockerfile.stages:
        return None, rule.unknown([project.evidence(
            dockerfile.path, None, f"the Dockerfile could not be read: {dockerfile.error}")])
    return dockerfile, None


def _final_from(dockerfile: DockerfileFacts):
    return dockerfile.final_stage.line if dockerfile.final_stage else None


# ---- DEP-001 -----------------------------------------------------------------------------
class Dep001ContainerImage(Rule):
    """Detects a Dockerfile/Containerfile that builds the service's image."""

    id = "DEP-001"
    title = "Container image"
    dimension = "deployment"
    priority = "P0"
    tags = ("health",)
    rationale = (
        "A container image pins the runtime, system libraries and start command, so what was "
        "tested is what runs. Without one every host is configured by hand and drifts."
    )
    remediation = (
        "Add a Dockerfile next to the service (a slim Python base, dependencies installed from "
        "the lock file, a non-root user and a production server command)."
    )
    example_before = "# deploy: ssh prod && git pull && uvicorn main:app"
    example_after = "FROM python:3.12-slim\n...\nCMD [\"fastapi\", \"run\", \"--workers\", \"4\"]"
    VALID = [
        Example({"app/main.py": APP, "Dockerfile": SINGLE_STAGE}, name="root"),
        Example({"app/main.py": APP, "docker/Containerfile": MULTI_STAGE}, name="containerfile"),
    ]
    INVALID = [
        Example(APP, expect="fail", name="none"),
        Example({"app/main.py": APP, "docker-compose.yml":
                 "services:\n  api:\n    image: python:3.12\n"}, expect="fail",
                name="compose-only"),
    ]

    def check(self, project: Project):
        dockerfile = _artifacts(project).dockerfile
        if dockerfile is None:
            return self.failed([project.absence(_no_dockerfile(project))])
        line = dockerfile.stages[0].line if dockerfile.stages else None
        return self.passed([project.evidence(dockerfile.path, line, _build_message(dockerfile))])


def _build_message(dockerfile: DockerfileFacts) -> str:
    """Say why this Dockerfile was judged when others were as near (RULES.md 3.10)."""
    if not dockerfile.passed_over:
        return "container image build"
    others = ", ".join(dockerfile.passed_over[:3])
    more = f" and {len(dockerfile.passed_over) - 3} more" if len(dockerfile.passed_over) > 3 else ""
    return (f"container image build; judged rather than the equally near {others}{more} "
            "because it builds or runs the Python service")


# ---- DEP-002 -----------------------------------------------------------------------------
class Dep002MultiStageBuild(Rule):
    """Detects a multi-stage build whose final stage copies installed dependencies."""

    id = "DEP-002"
    title = "Multi-stage build"
    dimension = "deployment"
    priority = "P1"
    tags = ("health",)
    rationale = (
        "Building dependencies in one stage and copying only the result into a clean final "
        "stage keeps compilers, caches and build secrets out of the image that runs in "
        "production: smaller, faster to pull and with less to attack."
    )
    remediation = (
        "Install into a virtualenv (or build wheels) in a `builder` stage, then "
        "`COPY --from=builder /opt/venv /opt/venv` into a slim final stage."
    )
    example_before = "FROM python:3.12\nCOPY . .\nRUN pip install -r requirements.txt"
    example_after = (
        "FROM python:3.12 AS builder\nRUN python -m venv /opt/venv && /opt/venv/bin/pip "
        "install -r requirements.txt\n\nFROM python:3.12-slim\nCOPY --from=builder /opt/venv "
        "/opt/venv"
    )
    VALID = [
        Example({"app/main.py": APP, "Dockerfile": MULTI_STAGE}, name="venv"),
        Example({"app/main.py": APP, "Dockerfile": (
            "FROM python:3.12 AS build\nCOPY requirements.txt .\n"
            "RUN pip wheel -r requirements.txt -w /wheels\n\nFROM python:3.12-slim\n"
            "COPY --from=build /wheels /wheels\nRUN pip install --no-index /wheels/*.whl\n"
            "CMD [\"uvicorn\", \"app.main:app\"]\n")}, name="wheels"),
    ]
    INVALID = [
        Example({"app/main.py": APP, "Dockerfile": SINGLE_STAGE}, expect="fail",
                name="single-stage"),
        Example({"app/main.py": APP, "Dockerfile": (
            "FROM node:20 AS assets\nRUN npm ci && npm run build\n\nFROM python:3.12-slim\n"
            "COPY --from=assets /dist /app/static\nCOPY . /app\n"
            "RUN pip install -r /app/requirements.txt\n")}, expect="warn",
                name="builds-in-place"),
    ]

    def check(self, project: Project):
        dockerfile, skipped = _dockerfile_or_na(self, project)
        if skipped is not None:
            return skipped
        verdict = dockerfile.multi_stage_verdict()
        metric = {"stages": len(dockerfile.stages)}
        if verdict == "pass":
            copies = [c for c in dockerfile.copies_from_stages if c.carries_dependencies]
            return self.passed([project.evidence(
                dockerfile.path, c.line, f"the final stage copies {c.kind} from stage "
                f"`{c.source_stage}`") for c in copies], metric)
        if verdict == "warn":
            installs = dockerfile.installs_in_final_stage
            evidence = [project.evidence(dockerfile.path, i.line, "several stages, but the "
                                         "final stage installs dependencies in place",
                                         end_line=i.end_line)
                        for i in installs] or [project.evidence(
                            dockerfile.path, _final_from(dockerfile), "several stages, but the "
                            "final stage copies no installed dependencies from an earlier one")]
            return self.warned(evidence, metric)
        return self.failed([project.evidence(dockerfile.path, _final_from(dockerfile),
                                             "single-stage build: build tools and caches ship "
                                             "in the runtime image")], metric)


# ---- DEP-003 -----------------------------------------------------------------------------
class Dep003NonRootContainer(Rule):
    """Detects whether the image's final stage switches to a non-root USER."""

    id = "DEP-003"
    title = "Non-root container"
    dimension = "deployment"
    priority = "P0"
    tags = ("p0",)
    rationale = (
        "A process running as root inside the container turns any code-execution bug into "
        "root on the container and a short step from the host. Running as an unprivileged "
        "user limits the damage."
    )
    remediation = (
        "Create a system user in the final stage and switch to it with `USER` before "
        "CMD/ENTRYPOINT; make only the folders it must write to writable."
    )
    example_before = "FROM python:3.12-slim\nRUN useradd app\nCMD [\"uvicorn\", \"app.main:app\"]"
    example_after = (
        "FROM python:3.12-slim\nRUN useradd --system app\nUSER app\n"
        "CMD [\"uvicorn\", \"app.main:app\"]"
    )
    VALID = [
        Example({"app/main.py": APP, "Dockerfile": MULTI_STAGE}, name="named-user"),
        Example({"app/main.py": APP, "Dockerfile": (
            "FROM python:3.12-slim\nCOPY . /app\nUSER 10001:10001\n"
            "CMD [\"uvicorn\", \"app.main:app\"]\n")}, name="numeric-uid"),
    ]
    INVALID = [
        Example({"app/main.py": APP, "Dockerfile": (
            "FROM python:3.12-slim\nRUN useradd app\nCOPY . /app\n"
            "CMD [\"uvicorn\", \"app.main:app\"]\n")}, expect="fail", name="user-not-switched"),
        Example({"app/main.py": APP, "Dockerfile": (
            "FROM python:3.12-slim AS base\nUSER app\n\nFROM base\nUSER root\n"
            "CMD [\"uvicorn\", \"app.main:app\"]\n")}, expect="fail", name="back-to-root"),
    ]

    def check(self, project: Project):
        dockerfile, skipped = _dockerfile_or_na(self, project)
        if skipped is not None:
            return skipped
        user = dockerfile.user
        if user is not None and not user.is_root:
            return self.passed([project.evidence(dockerfile.path, user.line,
                                                 f"the final stage runs as `{user.value}`")])
        if user is not None:
            return self.failed([project.evidence(dockerfile.path, user.line,
                                                 "the final stage switches back to root")])
        return self.failed([project.evidence(
            dockerfile.path, _final_from(dockerfile),
            "no USER in the final stage: the container runs as root")])


# ---- DEP-004 -----------------------------------------------------------------------------
class Dep004ContainerHealthCheck(Rule):
    """Detects a container health check: HEALTHCHECK, compose healthcheck or k8s probes."""

    id = "DEP-004"
    title = "Container health check"
    dimension = "deployment"
    priority = "P0"
    tags = ("health",)
    rationale = (
        "Without a health check the orchestrator only knows the process exists, not that it "
        "answers. Hung workers keep receiving traffic and bad deploys are never rolled back."
    )
    remediation = (
        "Add a `HEALTHCHECK` calling the service's health endpoint, a `healthcheck:` on the "
        "app's compose service, or liveness/readiness probes in the Kubernetes manifests."
    )
    example_before = "services:\n  api:\n    build: ."
    example_after = (
        "services:\n  api:\n    build: .\n    healthcheck:\n      test: [\"CMD\", \"curl\", "
        "\"-f\", \"http://localhost:8000/health\"]"
    )
    VALID = [
        Example({"app/main.py": APP, "Dockerfile": MULTI_STAGE}, name="dockerfile"),
        Example({"app/main.py": APP, "docker-compose.yml": (
            "services:\n  api:\n    build: .\n    healthcheck:\n"
            "      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost:8000/health\"]\n"
            "  db:\n    image: postgres:16\n")}, name="compose-without-dockerfile"),
        Example({"app/main.py": APP, "k8s/deployment.yaml": (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n"
            "    spec:\n      containers:\n        - name: api\n          image: api:1\n"
            "          readinessProbe:\n            httpGet:\n              path: /health\n"
            "              port: 8000\n")}, name="k8s-probe"),
    ]
    INVALID = [
        Example({"app/main.py": APP, "Dockerfile": SINGLE_STAGE}, expect="fail", name="none"),
        Example({"app/main.py": APP, "docker-compose.yml": (
            "services:\n  api:\n    build: .\n  db:\n    image: postgres:16\n    healthcheck:\n"
            "      test: [\"CMD\", \"pg_isready\"]\n")}, expect="fail", name="database-only"),
    ]

    def check(self, project: Project):
        artifacts = _artifacts(project)
        evidence = []
        dockerfile = artifacts.dockerfile
        if dockerfile is not None and dockerfile.healthcheck is not None \
                and not dockerfile.healthcheck.disabled:
            evidence.append(project.evidence(dockerfile.path, dockerfile.healthcheck.line,
                                             "HEALTHCHECK in the image"))
        for compose in artifacts.compose:
            for service in _own_services(project, compose):
                if service.has_healthcheck:
                    evidence.append(project.evidence(
                        compose.path, service.healthcheck_line,
                        f"healthcheck on the app's compose service `{service.name}`"))
        for probe in artifacts.k8s.probes:
            evidence.append(project.evidence(probe.path, probe.line, f"Kubernetes {probe.kind}"))
        if evidence:
            return self.passed(evidence)
        return self.failed([project.absence(self._absence(project, artifacts))])

    @staticmethod
    def _absence(project: Project, artifacts: Artifacts) -> str:
        parts, missing = [], []
        if artifacts.dockerfile is not None:
            parts.append(f"no HEALTHCHECK in {artifacts.dockerfile.path}")
        else:
            parts.append("no Dockerfile")
            missing.append("dockerfile")
        if artifacts.compose:
            paths = ", ".join(c.path for c in artifacts.compose)
            parts.append(f"no healthcheck on the app's own service in {paths}")
        else:
            parts.append("no compose file")
            missing.append("compose")
        if artifacts.k8s.manifests:
            parts.append("no liveness/readiness probes in the Kubernetes manifests")
        else:
            parts.append("no Kubernetes manifests")
            missing.append("k8s")
        looked = f" (looked for {artifacts.looked_in(*missing)})" if missing else ""
        return "; ".join(parts) + looked


def _own_services(project: Project, compose) -> list:
    """The compose services that run this app: built from a folder holding the app root, or
    the only non-infrastructure service of the file."""
    services = compose.app_services
    app_root = project.app_root if project.app_root not in ("", ".") else "."
    folder = posixpath.dirname(compose.path)
    own = []
    for service in services:
        if service.build_context is None:
            if len(services) == 1:
                own.append(service)
            continue
        context = posixpath.normpath(posixpath.join(folder, service.build_context))
        if layout.is_under(app_root, context) or layout.is_under(context, app_root):
            own.append(service)
    return own


# ---- DEP-005 -----------------------------------------------------------------------------
CHECK_TOOLS = re.compile(
    r"(?<![\w.-])(?:ruff|flake8|pylint|black|isort|pyflakes|pycodestyle|prospector|bandit|"
    r"mypy|pyright|basedpyright|pytype|pyre|pytest|py\.test|unittest|tox|nox|pre-commit|prek)"
    r"(?![\w-])", re.IGNORECASE)
CHECK_ACTIONS = re.compile(r"ruff|flake8|pylint|mypy|pyright|pre-commit|pytest|black|lint",
                           re.IGNORECASE)
_CHECK_TARGET = re.compile(r"^(?:lint|linters?|typecheck|type-check|types|mypy|check|checks|"
                           r"test|tests|qa|ci|verify)(?:[:\-_].*)?$", re.IGNORECASE)
_TASK_RUNNERS = {"make", "gmake", "just", "task", "invoke", "inv", "hatch", "pdm", "poetry",
                 "rye", "pipenv"}


def _check_steps(artifacts: Artifacts, project: Project) -> list[Evidence]:
    ci = artifacts.ci
    evidence = []
    for run in ci.runs_tool(CHECK_TOOLS):
        tool = CHECK_TOOLS.search((run.followed or run.ci).text).group(0)
        via = f" (via {run.via})" if run.followed else ""
        evidence.append(project.evidence(run.ci.path, run.ci.line, f"CI runs {tool}{via}"))
    for action in ci.actions_matching(CHECK_ACTIONS):
        evidence.append(project.evidence(action.path, action.line,
                                         f"CI uses the {action.name} action"))
    for command in ci.commands:
        for argv in program_calls(command.text):
            if posixpath.basename(argv[0]) in _TASK_RUNNERS and any(
                    _CHECK_TARGET.match(arg) for arg in argv[1:] if not arg.startswith("-")):
                evidence.append(project.evidence(command.path, command.line,
                                                 "CI runs a lint/type/test target"))
                break
    unique = {(e.path, e.line): e for e in evidence}
    return list(unique.values())


class Dep005CiPipeline(Rule):
    """Detects a CI pipeline and whether it runs a lint, type-check or test step."""

    id = "DEP-005"
    title = "CI pipeline"
    dimension = "deployment"
    priority = "P0"
    tags = ("p0",)
    rationale = (
        "A pipeline that lints, type-checks and tests every change catches mistakes before "
        "review and keeps main releasable; without it quality depends on each laptop."
    )
    remediation = (
        "Add a CI workflow (GitHub Actions, GitLab CI, ...) that installs the project and runs "
        "ruff, mypy and pytest on every push and pull request."
    )
    example_before = "# no .github/workflows, no .gitlab-ci.yml"
    example_after = "jobs:\n  check:\n    steps:\n      - run: ruff check . && mypy app && pytest"
    VALID = [
        Example({"app/main.py": APP, ".github/workflows/ci.yml": GH_PYTEST}, name="github"),
        Example({"app/main.py": APP, ".gitlab-ci.yml": (
            "lint:\n  image: python:3.12\n  script:\n    - pip install ruff\n"
            "    - ruff check .\n")}, name="gitlab"),
    ]
    INVALID = [
        Example(APP, expect="fail", name="no-ci"),
        Example({"app/main.py": APP, ".github/workflows/docker.yml": GH_PYTEST.replace(
            "pytest -q", "docker build -t api .")}, expect="warn", name="build-only"),
    ]

    def check(self, project: Project):
        artifacts = _artifacts(project)
        ci = artifacts.ci
        if not ci.has_ci:
            return self.failed([project.absence(
                f"no CI configuration found (looked in {artifacts.looked_in('ci')})")])
        steps = _check_steps(artifacts, project)
        if steps:
            return self.passed(steps[:20])
        if ci.errors:
            return self.unknown([project.absence(f"CI configuration could not be read: {e}")
                                 for e in ci.errors])
        return self.warned([project.evidence(
            f.path, None, f"{_CI_NAMES.get(f.provider, f.provider)} pipeline has no lint, type "
            "or test step") for f in ci.files])


# ---- DEP-006 -----------------------------------------------------------------------------
SERVERS = {"uvicorn", "gunicorn", "hypercorn", "granian", "fastapi"}
_SHELLS = {"sh", "bash", "dash", "ash", "zsh"}


@dataclass(slots=True)
class _Verdict:
    status: str
    message: str
    path: str
    line: int | None


def _server_argv(argv: list[str]) -> list[str] | None:
    """The part of a command starting at the server program (wrappers such as tini skipped)."""
    for index, word in enumerate(argv):
        name = posixpath.basename(word)
        if name in SERVERS:  # also `python -m uvicorn` and wrappers like `tini --`
            return argv[index:]
    return None


def _option(argv: list[str], *names: str) -> str | None:
    for index, word in enumerate(argv):
        for name in names:
            if word == name and index + 1 < len(argv):
                return argv[index + 1]
            if name.startswith("--") and word.startswith(name + "="):
                return word.split("=", 1)[1]
            if not name.startswith("--") and word.startswith(name) and len(word) > len(name):
                return word[len(name):]
    return None


def _env(dockerfile: DockerfileFacts, key: str) -> str | None:
    value = None
    for stage in dockerfile.stages:
        for item in stage.named("ENV"):
            words = split_shell(item.value)
            if len(words) >= 2 and "=" not in words[0] and words[0] == key:
                value = " ".join(words[1:])
            for word in words:
                if word.startswith(key + "="):
                    value = word.split("=", 1)[1]
    return value


class _ServerJudge:
    """Judges one server command line of the image (RULES.md DEP-006)."""

    def __init__(self, project: Project, dockerfile: DockerfileFacts) -> None:
        self.project = project
        self.dockerfile = dockerfile

    def judge(self, argv: list[str], path: str, line: int | None) -> _Verdict:
        program = posixpath.basename(argv[0])
        if "--reload" in argv:
            return _Verdict("fail", f"{program} runs with --reload (a development auto-reloader)",
                            path, line)
        if program == "fastapi":
            return self._fastapi(argv, path, line)
        if program == "uvicorn":
            return self._uvicorn(argv, path, line)
        if program == "gunicorn":
            return self._gunicorn(argv, path, line)
        return _Verdict("pass", f"the image runs {program}", path, line)

    def _workers(self, argv: list[str]) -> str | None:
        workers = _option(argv, "--workers", "-w")
        return workers or _env(self.dockerfile, "WEB_CONCURRENCY")

    def _fastapi(self, argv: list[str], path: str, line: int | None) -> _Verdict:
        if len(argv) > 1 and argv[1] == "dev":
            return _Verdict("fail", "`fastapi dev` is the development server (auto-reload)",
                            path, line)
        return self._multi_or_single(argv, "fastapi run", path, line)

    def _uvicorn(self, argv: list[str], path: str, line: int | None) -> _Verdict:
        return self._multi_or_single(argv, "uvicorn", path, line)

    def _multi_or_single(self, argv: list[str], label: str, path: str, line: int | None):
        workers = self._workers(argv)
        if workers is not None and workers.strip() not in ("1", ""):
            return _Verdict("pass", f"{label} with {workers} workers", path, line)
        return _Verdict("warn", f"{label} runs a single process (no --workers)", path, line)

    def _gunicorn(self, argv: list[str], path: str, line: int | None) -> _Verdict:
        worker_class = _option(argv, "--worker-class", "-k") or ""
        extra = _env(self.dockerfile, "GUNICORN_CMD_ARGS") or ""
        if "uvicorn" in worker_class.lower() or "uvicorn" in extra.lower() \
                or self._config_uses_uvicorn(argv):
            return _Verdict("pass", "gunicorn with uvicorn workers", path, line)
        return _Verdict("unknown", "gunicorn runs, but its worker class is not visible in the "
                        "command or config", path, line)

    def _config_uses_uvicorn(self, argv: list[str]) -> bool:
        config = _option(argv, "--config", "-c") or "gunicorn.conf.py"
        name = posixpath.basename(config.removeprefix("python:").replace(".", "/") + ".py"
                                  if config.startswith("python:") else config)
        for path, module in self.project.modules.items():
            if posixpath.basename(path) != name:
                continue
            for assignment in module.assignments:
                if assignment.scope == "" and any(getattr(t, "dotted", "") == "worker_class"
                                                  for t in assignment.targets):
                    value = self.project.constant(assignment.value)
                    if isinstance(value, str) and "uvicorn" in value.lower():
                        return True
        return False


def _command_lines(argv: list[str], exec_form: bool, raw: str) -> list[list[str]]:
    """Program calls of a CMD/ENTRYPOINT: shell form and `sh -c "..."` split into commands."""
    if not exec_form:
        return program_calls(raw)
    if argv and posixpath.basename(argv[0]) in _SHELLS and "-c" in argv:
        inner = argv[argv.index("-c") + 1:]
        return program_calls(inner[0]) if inner else []
    return [argv]


class Dep006ProductionServer(Rule):
    """Detects how the image starts the app: a production server, one process, or --reload."""

    id = "DEP-006"
    title = "Production server command"
    dimension = "deployment"
    priority = "P1"
    tags = ()
    rationale = (
        "One uvicorn process uses one CPU core and dies with its worker; `--reload` and "
        "`fastapi dev` watch files and are meant for laptops. Production wants several "
        "supervised workers."
    )
    remediation = (
        "Start the image with gunicorn and uvicorn workers, `uvicorn --workers N`, "
        "`fastapi run --workers N`, hypercorn or granian, and never with `--reload`."
    )
    example_before = "CMD [\"uvicorn\", \"app.main:app\", \"--reload\"]"
    example_after = (
        "CMD [\"gunicorn\", \"app.main:app\", \"-k\", \"uvicorn.workers.UvicornWorker\", "
        "\"--workers\", \"4\"]"
    )
    VALID = [
        Example({"app/main.py": APP, "Dockerfile": MULTI_STAGE}, name="gunicorn"),
        Example({"app/main.py": APP, "Dockerfile": (
            "FROM python:3.12-slim\nCOPY . /app\nCOPY start.sh /start.sh\n"
            "ENTRYPOINT [\"/start.sh\"]\n"),
            "start.sh": "#!/bin/sh\nset -e\nalembic upgrade head\n"
                        "exec uvicorn app.main:app --host 0.0.0.0 --workers 4\n"},
            name="script-followed"),
    ]
    INVALID = [
        Example({"app/main.py": APP, "Dockerfile": SINGLE_STAGE}, expect="fail", name="reload"),
        Example({"app/main.py": APP, "Dockerfile": (
            "FROM python:3.12-slim\nCOPY . /app\n"
            "CMD uvicorn app.main:app --host 0.0.0.0 --port 8000\n")}, expect="warn",
            name="single-process"),
    ]

    def check(self, project: Project):
        dockerfile, skipped = _dockerfile_or_na(self, project)
        if skipped is not None:
            return skipped
        command = dockerfile.entrypoint or dockerfile.cmd
        if command is None:
            return self.unknown([project.evidence(dockerfile.path, _final_from(dockerfile),
                                                  "no CMD/ENTRYPOINT: the base image's command "
                                                  "runs")])
        judge = _ServerJudge(project, dockerfile)
        verdicts = self._verdicts(project, dockerfile, judge)
        if not verdicts:
            shown = " ".join(dockerfile.start_argv) or command.raw
            return self.unknown([project.evidence(dockerfile.path, command.line,
                                                  f"the image runs `{shown[:120]}`; which server "
                                                  "it starts is not visible")])
        statuses = {v.status for v in verdicts}
        evidence = [project.evidence(v.path, v.line, v.message) for v in verdicts]
        if len(statuses) > 1:
            return self.unknown(evidence)
        return self.result(statuses.pop(), evidence)

    def _verdicts(self, project: Project, dockerfile: DockerfileFacts,
                  judge: _ServerJudge) -> list[_Verdict]:
        verdicts = []
        scripts = []
        for command in (dockerfile.entrypoint, dockerfile.cmd):
            if command is None:
                continue
            for argv in _command_lines(command.argv, command.exec_form, command.raw):
                server = _server_argv(argv)
                if server is not None:
                    verdicts.append(judge.judge(server, dockerfile.path, command.line))
                elif argv:
                    scripts.append(argv)
            if dockerfile.entrypoint is not None and not dockerfile.entrypoint.exec_form:
                break  # a shell-form ENTRYPOINT ignores CMD
        if verdicts:
            return verdicts
        for argv in scripts:
            verdicts += self._follow_script(project, dockerfile, argv, judge)
        return verdicts

    @staticmethod
    def _follow_script(project: Project, dockerfile: DockerfileFacts, argv: list[str],
                       judge: _ServerJudge) -> list[_Verdict]:
        view = _artifacts(project).ci.follow.view
        reference = argv[0]
        if posixpath.basename(reference) in _SHELLS:
            reference = next((a for a in argv[1:] if not a.startswith("-")), "")
        if view is None or not reference or not (reference.endswith((".sh", ".bash"))
                                                 or "/" in reference):
            return []
        path = resolve_script(view, reference, (posixpath.dirname(dockerfile.path),))
        if path is None or ("." in posixpath.basename(path)
                            and not path.endswith((".sh", ".bash"))):
            return []
        verdicts = []
        for line in load_script(view, path).commands:
            for call in program_calls(line.text):
                server = _server_argv(call)
                if server is not None:
                    verdicts.append(judge.judge(server, line.path, line.line))
        return verdicts


# ---- DEP-007 -----------------------------------------------------------------------------
_DEV_FILE = re.compile(r"(?:^|[-_.])(?:dev|test|tests|lint|docs|ci|local)(?:[-_.]|$)",
                       re.IGNORECASE)
_POETRY_EXACT = re.compile(r"^\s*=?=?\s*\d[\w.]*\s*$")


def _population(artifacts: Artifacts):
    """(entries as (path, line, pinned), source label) judged for pinning."""
    deps = artifacts.deps
    files = [f for f in deps.requirement_files if not f.is_input and f.entries]
    if files:
        runtime = [f for f in files if not _DEV_FILE.search(posixpath.basename(f.path))]
        chosen = runtime or files
        return [(e.path, e.line, e.pinned) for f in chosen for e in f.entries], "requirements"
    if deps.pipfile_entries:
        return [(e.path, e.line, e.pinned) for e in deps.pipfile_entries], "Pipfile"
    declared = [d for d in artifacts.pyconfig.dependencies if d.group == "main"]
    if declared:
        return [(d.path, d.line, _declared_pinned(d.requirement)) for d in declared], \
            "pyproject/setup.cfg"
    return [], ""


def _declared_pinned(requirement: str) -> bool:
    _name, _, spec = requirement.partition(" ")
    if spec and not re.match(r"^[\w.\-\[\]]+\s*[=<>!~;@]", requirement):
        return _POETRY_EXACT.match(spec.strip("'\"")) is not None  # poetry: `fastapi 0.115.0`
    return is_pinned(requirement)


class Dep007PinnedDependencies(Rule):
    """Detects a lock file or fully pinned requirements for reproducible installs."""

    id = "DEP-007"
    title = "Pinned dependencies"
    dimension = "deployment"
    priority = "P1"
    tags = ()
    rationale = (
        "Unpinned requirements install whatever is newest on the day of the build, so two "
        "builds of the same commit can differ and a broken release upstream breaks yours."
    )
    remediation = (
        "Commit a lock file (uv.lock, poetry.lock, pdm.lock, Pipfile.lock) or compile "
        "requirements with exact `==` pins (pip-compile, `uv pip compile`), ideally with hashes."
    )
    example_before = "fastapi>=0.100\nuvicorn"
    example_after = "fastapi==0.115.0\nuvicorn==0.32.0"
    VALID = [
        Example({"app/main.py": APP, "requirements.txt": REQUIREMENTS}, name="pinned"),
        Example({"app/main.py": APP, "pyproject.toml": (
            "[project]\nname = \"api\"\nversion = \"1\"\ndependencies = [\"fastapi>=0.110\"]\n"),
            "uv.lock": "version = 1\n"}, name="lock-file"),
    ]
    INVALID = [
        Example({"app/main.py": APP, "requirements.txt": "fastapi==0.115.0\nuvicorn>=0.30\n"},
                expect="warn", name="half-pinned"),
        Example({"app/main.py": APP, "requirements.txt": "fastapi\nuvicorn\npydantic==2.9.0\n"},
                expect="fail", name="mostly-unpinned"),
        Example(APP, expect="fail", name="no-manifest"),
    ]

    def check(self, project: Project):
        artifacts = _artifacts(project)
        deps = artifacts.deps
        if deps.lock_files:
            return self.passed([project.evidence(lock.path, None, f"{lock.tool} lock file")
                                for lock in deps.lock_files])
        entries, source = _population(artifacts)
        if not entries:
            if deps.manifests:
                return self.unknown([project.evidence(path, None, "dependencies declared here "
                                                      "could not be read for pins")
                                     for path in deps.manifests])
            return self.failed([project.absence(
                "no dependency manifest or lock file found (looked in "
                f"{artifacts.looked_in('manifest')}, {artifacts.looked_in('requirements')})")])
        pinned = sum(1 for _, _, ok in entries if ok)
        metric = {"pinned": pinned, "dependencies": len(entries)}
        share = pinned / len(entries)
        if share == 1:
            paths = sorted({path for path, _, _ in entries})
            return self.passed([project.evidence(p, None, f"every {source} entry is pinned")
                                for p in paths], metric)
        evidence = [project.evidence(path, line, "not pinned to an exact version")
                    for path, line, ok in entries if not ok]
        if share >= 0.5:
            return self.warned(evidence, metric)
        return self.failed(evidence, metric)


RULES = (
    Dep001ContainerImage, Dep002MultiStageBuild, Dep003NonRootContainer,
    Dep004ContainerHealthCheck, Dep005CiPipeline, Dep006ProductionServer,
    Dep007PinnedDependencies,
)
