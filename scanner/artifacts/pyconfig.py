"""Python tool configuration: mypy, pyright, pytest, coverage and declared dependencies.

Sources: pyproject.toml, setup.cfg, tox.ini, pytest.ini, mypy.ini, .mypy.ini, .coveragerc,
pyrightconfig.json (TYP-008, TST-001/003/005, library detection for several checks).
"""

from __future__ import annotations

import functools
import json
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scanner.artifacts import _toml, kinds, locate
from scanner.artifacts._ini import IniFile, parse_ini
from scanner.artifacts.dockerfile import split_shell
from scanner.artifacts.view import RepoView, read_artifact

STRICT_TRIO = ("disallow_untyped_defs", "disallow_any_generics", "warn_return_any")
_MYPY_ORDER = ("mypy.ini", ".mypy.ini", "pyproject.toml", "setup.cfg")
_PYTEST_ORDER = ("pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")
_PYRIGHT_ORDER = ("pyrightconfig.json", "pyproject.toml")
_FAIL_UNDER = re.compile(r"--(?:cov-)?fail-under(?:=|\s+)(\d+(?:\.\d+)?)")
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


@dataclass(slots=True, frozen=True)
class MypyConfig:
    path: str
    line: int
    strict: bool  # `strict = true`
    flags: dict[str, bool]

    @property
    def is_strict(self) -> bool:
        return self.strict or all(self.flags.get(flag) for flag in STRICT_TRIO)


@dataclass(slots=True, frozen=True)
class PyrightConfig:
    path: str
    line: int
    type_checking_mode: str | None

    @property
    def is_strict(self) -> bool:
        return self.type_checking_mode == "strict"


@dataclass(slots=True)
class PytestConfig:
    path: str
    line: int
    python_files: list[str] = field(default_factory=list)  # [] = pytest's default
    addopts: list[str] = field(default_factory=list)
    addopts_line: int | None = None
    asyncio_mode: str | None = None
    asyncio_mode_line: int | None = None

    @property
    def effective_asyncio_mode(self) -> str | None:
        """`asyncio_mode` from the ini key, or `--asyncio-mode=` in addopts (which wins)."""
        for index, option in enumerate(self.addopts):
            if option.startswith("--asyncio-mode="):
                return option.split("=", 1)[1]
            if option == "--asyncio-mode" and index + 1 < len(self.addopts):
                return self.addopts[index + 1]
        return self.asyncio_mode


@dataclass(slots=True, frozen=True)
class CoverageGate:
    path: str
    line: int
    fail_under: float
    source: str  # "config" (fail_under) or "addopts" (--cov-fail-under)


@dataclass(slots=True, frozen=True)
class DeclaredDependency:
    name: str  # normalised: lower case, runs of -_. as "-"
    requirement: str
    path: str
    line: int
    group: str  # "main", an extra or group name, "dev"


@dataclass(slots=True)
class PyConfigFacts:
    files: list[str] = field(default_factory=list)
    mypy: MypyConfig | None = None
    pyright: PyrightConfig | None = None
    pytest: PytestConfig | None = None
    coverage_gates: list[CoverageGate] = field(default_factory=list)
    dependencies: list[DeclaredDependency] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def has_dependency(self, name: str) -> bool:
        wanted = normalise_name(name)
        return any(dependency.name == wanted for dependency in self.dependencies)


def normalise_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str | None:
    match = _REQUIREMENT_NAME.match(requirement)
    return normalise_name(match.group(1)) if match else None


def fail_under_in(text: str) -> float | None:
    """The threshold of `--cov-fail-under=80` / `coverage report --fail-under 80` in a command."""
    match = _FAIL_UNDER.search(text)
    return float(match.group(1)) if match else None


# --- collection -----------------------------------------------------------------------------

@dataclass(slots=True)
class _Found:
    """Per-tool settings found in one file, before choosing the one that applies."""

    mypy: MypyConfig | None = None
    pyright: PyrightConfig | None = None
    pytest: PytestConfig | None = None
    coverage: list[CoverageGate] = field(default_factory=list)
    dependencies: list[DeclaredDependency] = field(default_factory=list)


def collect(view: RepoView) -> PyConfigFacts:
    facts = PyConfigFacts(files=locate.candidates(view, kinds.PYCONFIG))
    found: dict[str, _Found] = {}
    for path in facts.files:
        text, error = read_artifact(view, path)
        if text is None:
            facts.errors.append(error or path)
            continue
        found[path], file_error = parse_config_file(path, text)
        if file_error:
            facts.errors.append(file_error)
    _choose(facts, found)
    return facts


def parse_config_file(path: str, text: str) -> tuple[_Found, str | None]:
    name = posixpath.basename(path)
    if name == "pyproject.toml":
        return _from_pyproject(path, text)
    if name == "pyrightconfig.json":
        return _from_pyright_json(path, text)
    ini = parse_ini(text)
    error = f"{path}: {ini.error}" if ini.error else None
    return _from_ini(path, name, ini), error


def _choose(facts: PyConfigFacts, found: dict[str, _Found]) -> None:
    """Nearest folder first; inside one folder, each tool's own precedence of files."""
    folder_rank = {}
    for path in facts.files:
        folder_rank.setdefault(posixpath.dirname(path), len(folder_rank))

    def ordered(order: tuple[str, ...]) -> list[_Found]:
        paths = [p for p in found if posixpath.basename(p) in order]
        paths.sort(key=lambda p: (folder_rank[posixpath.dirname(p)],
                                  order.index(posixpath.basename(p))))
        return [found[p] for p in paths]

    facts.mypy = next((f.mypy for f in ordered(_MYPY_ORDER) if f.mypy), None)
    facts.pyright = next((f.pyright for f in ordered(_PYRIGHT_ORDER) if f.pyright), None)
    facts.pytest = next((f.pytest for f in ordered(_PYTEST_ORDER) if f.pytest), None)
    for item in found.values():
        facts.coverage_gates += item.coverage
        facts.dependencies += item.dependencies
    if facts.pytest:
        facts.coverage_gates += _addopts_gates(facts.pytest)


def _addopts_gates(pytest: PytestConfig) -> list[CoverageGate]:
    threshold = fail_under_in(" ".join(pytest.addopts))
    if threshold is None:
        return []
    return [CoverageGate(pytest.path, pytest.addopts_line or pytest.line, threshold, "addopts")]


# --- pyproject.toml -------------------------------------------------------------------------

def _from_pyproject(path: str, text: str) -> tuple[_Found, str | None]:
    data, error = _toml.load_toml(text)
    found = _Found()
    mypy = _toml.table(data, "tool.mypy")
    if mypy:
        found.mypy = _mypy(path, _toml.line_of(text, "tool.mypy"), mypy)
    for tool in ("tool.pyright", "tool.basedpyright"):
        pyright = _toml.table(data, tool)
        if pyright:
            mode = pyright.get("typeCheckingMode")
            line = _toml.line_of(text, tool, "typeCheckingMode")
            found.pyright = PyrightConfig(path, line, mode if isinstance(mode, str) else None)
    found.pytest = _pyproject_pytest(path, text, data)
    fail_under = _toml.table(data, "tool.coverage.report").get("fail_under")
    if _is_number(fail_under):
        line = _toml.line_of(text, "tool.coverage.report", "fail_under")
        found.coverage.append(CoverageGate(path, line, float(fail_under), "config"))
    found.dependencies = _pyproject_dependencies(path, text, data)
    return found, f"{path}: {error}" if error else None


def _pyproject_pytest(path: str, text: str, data: dict[str, Any]) -> PytestConfig | None:
    for name in ("tool.pytest.ini_options", "tool.pytest"):
        options = _toml.table(data, name)
        if options and not (name == "tool.pytest" and set(options) <= {"ini_options"}):
            key_line = functools.partial(_toml.line_of, text, name)
            return _pytest(path, _toml.line_of(text, name), options, key_line)
    return None


def _pyproject_dependencies(path: str, text: str, data: dict[str, Any]) -> list[DeclaredDependency]:
    groups: list[tuple[str, Any]] = [("main", _toml.table(data, "project").get("dependencies"))]
    groups += list(_toml.table(data, "project.optional-dependencies").items())
    groups += list(_toml.table(data, "dependency-groups").items())
    groups += [("dev", _toml.table(data, "tool.uv").get("dev-dependencies"))]
    groups += list(_toml.table(data, "tool.pdm.dev-dependencies").items())
    found = []
    for group, requirements in groups:
        for requirement in requirements if isinstance(requirements, list) else []:
            if isinstance(requirement, str) and (name := requirement_name(requirement)):
                line = _toml.line_containing(text, requirement)
                found.append(DeclaredDependency(name, requirement, path, line, str(group)))
    return found + _poetry_dependencies(path, text, data)


def _poetry_dependencies(path: str, text: str, data: dict[str, Any]) -> list[DeclaredDependency]:
    tables = [("main", "tool.poetry.dependencies"), ("dev", "tool.poetry.dev-dependencies")]
    tables += [(group, f"tool.poetry.group.{group}.dependencies")
               for group in _toml.table(data, "tool.poetry.group")]
    found = []
    for group, dotted in tables:
        for name, spec in _toml.table(data, dotted).items():
            if normalise_name(name) == "python":
                continue
            line = _toml.line_of(text, dotted, name)
            found.append(DeclaredDependency(normalise_name(name), f"{name} {spec}", path, line,
                                            group))
    return found


# --- ini files ------------------------------------------------------------------------------

def _from_ini(path: str, name: str, ini: IniFile) -> _Found:
    found = _Found()
    if name in ("mypy.ini", ".mypy.ini", "setup.cfg") and "mypy" in ini.sections:
        found.mypy = _mypy(path, ini.line_of("mypy"), ini.sections["mypy"])
    pytest_section = {"pytest.ini": "pytest", "tox.ini": "pytest", "setup.cfg": "tool:pytest"}
    section = pytest_section.get(name)
    if section and section in ini.sections:
        options = ini.sections[section]
        found.pytest = _pytest(path, ini.line_of(section), options,
                               lambda key: ini.line_of(section, key))
    elif name == "pytest.ini":  # pytest.ini wins even without its section
        found.pytest = PytestConfig(path, 1)
    for report in ("report", "coverage:report") if name == ".coveragerc" else ("coverage:report",):
        value = ini.get(report, "fail_under")
        if value is not None and _is_number(value):
            found.coverage.append(
                CoverageGate(path, ini.line_of(report, "fail_under"), float(value), "config"))
    if name == "setup.cfg":
        found.dependencies = _setup_cfg_dependencies(path, ini)
    return found


def _setup_cfg_dependencies(path: str, ini: IniFile) -> list[DeclaredDependency]:
    found = []
    for line, requirement in ini.value_lines("options", "install_requires"):
        if name := requirement_name(requirement):
            found.append(DeclaredDependency(name, requirement, path, line, "main"))
    extras = ini.sections.get("options.extras_require", {})
    for extra in extras:
        for line, requirement in ini.value_lines("options.extras_require", extra):
            if name := requirement_name(requirement):
                found.append(DeclaredDependency(name, requirement, path, line, extra))
    return found


# --- shared builders ------------------------------------------------------------------------

def _mypy(path: str, line: int, options: dict[str, Any]) -> MypyConfig:
    flags = {key: _truthy(value) for key, value in options.items()
             if isinstance(value, (bool, str, int))}
    return MypyConfig(path, line, flags.get("strict", False), flags)


def _pytest(
    path: str, line: int, options: dict[str, Any], line_of: Callable[[str], int]
) -> PytestConfig:
    config = PytestConfig(path, line)
    config.python_files = _words(options.get("python_files"))
    if "addopts" in options:
        config.addopts = _words(options.get("addopts"), shell=True)
        config.addopts_line = line_of("addopts")
    mode = options.get("asyncio_mode")
    if isinstance(mode, str):
        config.asyncio_mode = mode.strip()
        config.asyncio_mode_line = line_of("asyncio_mode")
    return config


def _words(value: Any, shell: bool = False) -> list[str]:
    if isinstance(value, list):
        items = [str(item) for item in value]
        return [word for item in items for word in split_shell(item)] if shell else items
    if isinstance(value, str):
        return split_shell(value) if shell else value.split()
    return []


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _from_pyright_json(path: str, text: str) -> tuple[_Found, str | None]:
    found = _Found()
    try:
        data = json.loads(_strip_json_comments(text))
    except (ValueError, RecursionError) as exc:
        return found, f"{path}: invalid JSON ({type(exc).__name__})"
    if not isinstance(data, dict):
        return found, f"{path}: top level is not an object"
    mode = data.get("typeCheckingMode")
    line = _toml.line_containing(text, "typeCheckingMode")
    found.pyright = PyrightConfig(path, line, mode if isinstance(mode, str) else None)
    return found, None


def _strip_json_comments(text: str) -> str:
    """pyrightconfig.json allows // comments (only whole-line ones are stripped here)."""
    return "\n".join("" if line.lstrip().startswith("//") else line for line in text.splitlines())
