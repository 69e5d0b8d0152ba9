"""The kinds of repository artefacts, by file name and folder (see locate.py).

A kind's finder also says which file names it may match (`AnchorFinder.may_match`), so a
search skips the files its kind cannot match without looking at their folders.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Collection

from scanner.artifacts.locate import (
    AnchorFinder,
    Kind,
    any_of,
    in_own_folder,
    in_tool_folder,
    name_matches,
)

_YAML = r"[^/]+\.ya?ml"

DOCKERFILE = Kind(
    "dockerfile",
    "Dockerfile/Containerfile",
    in_own_folder(
        name_matches(
            r"(?:Dockerfile|Containerfile)(?:\.(?!dockerignore$)[^/]+)?"
            r"|[^/]+\.(?:Dockerfile|dockerfile|Containerfile|containerfile)"
        )
    ),
)

COMPOSE = Kind(
    "compose",
    "docker-compose*.yml/compose*.yml",
    in_own_folder(name_matches(r"(?:docker-)?compose(?:[.-][^/]*)?\.ya?ml")),
)

_K8S_FOLDERS = r"k8s|kubernetes|kube|deploy|deployment|deployments|manifests|helm|\.helm|charts?"
_K8S_FILE = re.compile(r"\.(?:ya?ml|tpl)$")


def _k8s_anchor(path: str, paths: Collection[str]) -> str | None:
    """YAML under a k8s/helm folder, or inside a Helm chart (a folder with Chart.yaml)."""
    if not _K8S_FILE.search(path):
        return None
    parts = path.split("/")[:-1]
    for index, part in enumerate(parts):
        if re.fullmatch(_K8S_FOLDERS, part):
            return "/".join(parts[:index])
        if posixpath.join(*parts[: index + 1], "Chart.yaml") in paths:
            return "/".join(parts[:index])
    return None


def _may_be_k8s_file(name: str) -> bool:
    return _K8S_FILE.search(name) is not None


K8S = Kind(
    "k8s",
    "Kubernetes manifests/Helm charts (k8s/, deploy/, charts/, ...)",
    AnchorFinder(_k8s_anchor, _may_be_k8s_file),
)

GITHUB_ACTIONS = in_tool_folder(r"\.github/workflows", _YAML)
GITLAB_CI = any_of(
    in_own_folder(name_matches(r"\.gitlab-ci\.ya?ml")), in_tool_folder(r"\.gitlab/ci", _YAML)
)
CIRCLECI = in_tool_folder(r"\.circleci", r"config\.ya?ml")
JENKINS = in_own_folder(name_matches(r"Jenkinsfile(?:\.[^/]+)?|[^/]+\.jenkinsfile"))
AZURE = any_of(
    in_own_folder(name_matches(r"azure-pipelines?(?:[.-][^/]*)?\.ya?ml")),
    in_tool_folder(r"\.azure-pipelines", _YAML),
)
BITBUCKET = in_own_folder(name_matches(r"bitbucket-pipelines\.ya?ml"))

CI = Kind(
    "ci",
    "CI configuration (GitHub Actions, GitLab CI, CircleCI, Jenkins, Azure, Bitbucket)",
    any_of(GITHUB_ACTIONS, GITLAB_CI, CIRCLECI, JENKINS, AZURE, BITBUCKET),
)



def _by_name(name: str, label: str, pattern: str) -> Kind:
    return Kind(name, label, in_own_folder(name_matches(pattern)))


MAKEFILE = _by_name("makefile", "Makefile", r"Makefile|makefile|GNUmakefile")
PRECOMMIT = _by_name("precommit", ".pre-commit-config.yaml", r"\.pre-commit-config\.ya?ml")
TOX = _by_name("tox", "tox.ini", r"tox\.ini")
NOX = _by_name("nox", "noxfile.py", r"noxfile\.py")

PYCONFIG = Kind(
    "pyconfig",
    "pyproject.toml/setup.cfg/tox.ini/pytest.ini/mypy.ini/.coveragerc/pyrightconfig.json",
    in_own_folder(
        name_matches(
            r"pyproject\.toml|setup\.cfg|tox\.ini|pytest\.ini|\.?mypy\.ini|\.coveragerc"
            r"|pyrightconfig\.json"
        )
    ),
)

REQUIREMENTS = Kind(
    "requirements",
    "requirements*.txt/requirements/*.txt",
    any_of(
        in_tool_folder(r"requirements", r"[^/]+\.(?:txt|in)"),
        in_own_folder(name_matches(r"[^/]*requirements[^/]*\.(?:txt|in)")),
    ),
)
LOCKFILE = Kind(
    "lockfile",
    "uv.lock/poetry.lock/pdm.lock/Pipfile.lock",
    in_own_folder(
        name_matches(r"uv\.lock|poetry\.lock|pdm\.lock|Pipfile\.lock|pylock(?:\.[^/]+)?\.toml")
    ),
)
MANIFEST = Kind(
    "manifest",
    "pyproject.toml/requirements*.txt/Pipfile/setup.cfg/setup.py",
    in_own_folder(name_matches(r"pyproject\.toml|Pipfile|setup\.cfg|setup\.py")),
)

_ENV_TEMPLATE = re.compile(r"\.env(?:\.[^/]+)*\.(?:example|sample|template|dist)(?:\.[^/]+)*")
ENVFILE = Kind(
    "envfile",
    ".env files",
    in_own_folder(lambda name: re.fullmatch(r"\.env(?:\.[^/]+)?", name) is not None
                  and _ENV_TEMPLATE.fullmatch(name) is None),
)


_PROXY_FOLDER = re.compile(r"nginx|traefik|caddy", re.IGNORECASE)
_PROXY_FILE_IN_FOLDER = re.compile(r"\.(?:conf|template|ya?ml|toml)$|^Caddyfile")
_PROXY_FILE = re.compile(r"nginx[^/]*\.conf(?:\.template)?|Caddyfile(?:\.[^/]+)?|[^/]+\.caddyfile"
                         r"|traefik[^/]*\.(?:ya?ml|toml)", re.IGNORECASE)


def _proxy_anchor(path: str, _paths: Collection[str]) -> str | None:
    """A config file in an nginx/traefik/caddy folder, or one named after the proxy."""
    folder, name = posixpath.split(path)
    if _PROXY_FILE_IN_FOLDER.search(name):
        parts = folder.split("/") if folder else []
        for index, part in enumerate(parts):
            if _PROXY_FOLDER.search(part):
                return "/".join(parts[:index])
    if _PROXY_FILE.fullmatch(name):
        return folder
    return None


def _may_be_proxy_file(name: str) -> bool:
    return bool(_PROXY_FILE_IN_FOLDER.search(name) or _PROXY_FILE.fullmatch(name))


PROXY = Kind("proxy", "nginx/Caddy/Traefik configuration",
             AnchorFinder(_proxy_anchor, _may_be_proxy_file))

VULNSCAN = Kind(
    "vulnscan",
    ".github/dependabot.yml or a renovate configuration",
    any_of(
        in_tool_folder(r"\.github", r"dependabot\.ya?ml|renovate\.json5?"),
        in_tool_folder(r"\.gitlab", r"renovate\.json5?"),
        in_own_folder(name_matches(r"renovate\.json5?|\.renovaterc(?:\.json5?)?")),
    ),
)

README = Kind(
    "readme",
    "README",
    in_own_folder(name_matches(r"readme(?:\.(?:md|markdown|rst|txt))?", re.IGNORECASE)),
)

ALEMBIC_INI = _by_name("alembic", "alembic.ini", r"alembic\.ini")
PYTHON_FILE = _by_name("python", "Python files", r"[^/]+\.py")
SCRIPT_FILE = _by_name("script", "JavaScript/TypeScript files", r"[^/]+\.[jt]s")
POSTMAN = Kind(
    "postman",
    "Postman collections/dredd.yml",
    in_own_folder(name_matches(r"[^/]*\.postman_collection\.json|dredd\.ya?ml")),
)

MIGRATIONS = Kind(
    "migrations",
    "migration revisions (alembic.ini, alembic/versions, migrations/versions)",
    in_tool_folder(r"(?:alembic|migrations)/versions", r"[^/]+\.py"),
)

KINDS = {
    kind.name: kind
    for kind in (DOCKERFILE, COMPOSE, K8S, CI, MAKEFILE, PRECOMMIT, TOX, NOX, PYCONFIG,
                 REQUIREMENTS, LOCKFILE, MANIFEST, ENVFILE, PROXY, VULNSCAN, README,
                 ALEMBIC_INI, POSTMAN, MIGRATIONS)
}
