from scanner.artifacts.pyconfig import collect, fail_under_in
from tests.scanner.artifacts.fakes import make_view

PYPROJECT = """\
[project]
name = "svc"
dependencies = [
  "fastapi>=0.110",
  "sentry-sdk[fastapi]>=2",
]
[project.optional-dependencies]
dev = ["pytest-benchmark"]

[tool.poetry.group.dev.dependencies]
Locust = "^2"

[tool.mypy]
disallow_untyped_defs = true
disallow_any_generics = true
warn_return_any = true

[tool.pytest.ini_options]
python_files = ["check_*.py", "test_*.py"]
addopts = ["-ra", "--cov-fail-under=85", "--asyncio-mode=auto"]

[tool.coverage.report]
fail_under = 90

[tool.pyright]
typeCheckingMode = "strict"
"""


def test_it_reads_the_strict_trio_pyright_pytest_and_coverage_from_pyproject():
    facts = collect(make_view({"pyproject.toml": PYPROJECT}))
    assert facts.mypy.is_strict and not facts.mypy.strict and facts.mypy.line == 13
    assert facts.pyright.is_strict and facts.pyright.line == 26
    assert facts.pytest.python_files == ["check_*.py", "test_*.py"]
    assert facts.pytest.effective_asyncio_mode == "auto"
    assert sorted((g.source, g.fail_under, g.line) for g in facts.coverage_gates) == [
        ("addopts", 85.0, 20), ("config", 90.0, 23)]


def test_it_lists_declared_dependencies_with_normalised_names():
    facts = collect(make_view({"pyproject.toml": PYPROJECT}))
    assert facts.has_dependency("sentry_sdk") and facts.has_dependency("pytest-benchmark")
    assert facts.has_dependency("locust")
    fastapi = next(d for d in facts.dependencies if d.name == "fastapi")
    assert fastapi.line == 4 and fastapi.group == "main"


def test_it_prefers_mypy_ini_over_pyproject_in_the_same_folder():
    view = make_view({"pyproject.toml": "[tool.mypy]\nstrict = true\n",
                      "mypy.ini": "[mypy]\nstrict = False\n"})
    facts = collect(view)
    assert facts.mypy.path == "mypy.ini" and not facts.mypy.is_strict


def test_it_reads_setup_cfg_pytest_ini_and_coveragerc():
    view = make_view({
        "setup.cfg": "[options]\ninstall_requires =\n    slowapi\n    httpx>=0.27\n"
                     "[tool:pytest]\naddopts = --cov-fail-under 70\n",
        "pytest.ini": "[pytest]\nasyncio_mode = auto\npython_files = *_check.py\n",
        ".coveragerc": "[report]\nfail_under = 80.5\n",
    })
    facts = collect(view)
    assert facts.pytest.path == "pytest.ini" and facts.pytest.asyncio_mode_line == 2
    assert facts.pytest.python_files == ["*_check.py"]
    assert [(g.path, g.fail_under) for g in facts.coverage_gates] == [(".coveragerc", 80.5)]
    assert facts.has_dependency("slowapi")
    assert next(d for d in facts.dependencies if d.name == "httpx").line == 4


def test_it_takes_the_nearest_folder_for_a_service_in_a_monorepo():
    view = make_view({"pyproject.toml": "[tool.mypy]\nstrict = true\n",
                      "services/api/setup.cfg": "[mypy]\nwarn_return_any = True\n"},
                     "services/api")
    assert collect(view).mypy.path == "services/api/setup.cfg"


def test_it_records_errors_for_malformed_configs_and_goes_on():
    view = make_view({"pyproject.toml": "[tool.mypy\nstrict = true",
                      "setup.cfg": "no section\n", "pyrightconfig.json": "[1, 2]",
                      "tox.ini": "[pytest]\naddopts = '--unbalanced\n"})
    facts = collect(view)
    assert len(facts.errors) == 3 and facts.mypy is None
    assert facts.pytest.addopts == ["'--unbalanced"]


def test_it_reads_a_fail_under_threshold_from_a_command():
    assert fail_under_in("coverage report --fail-under=80") == 80.0
    assert fail_under_in("pytest --cov --cov-fail-under 75") == 75.0
    assert fail_under_in("pytest") is None
