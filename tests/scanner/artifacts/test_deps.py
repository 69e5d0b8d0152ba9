from scanner.artifacts.deps import collect, is_pinned, parse_requirements
from scanner.artifacts.pyconfig import collect as collect_pyconfig
from tests.scanner.artifacts.fakes import make_view

REQUIREMENTS = """\
# runtime
-r base.txt
--index-url https://pypi.org/simple
-e .
fastapi==0.115.0
uvicorn[standard]>=0.30  # server
httpx==0.27.* ; python_version >= "3.11"
pydantic \\
    --hash=sha256:0123
"""


def test_it_reads_entries_with_lines_and_pinned_flags():
    parsed = parse_requirements("requirements.txt", REQUIREMENTS, {"base.txt"})
    assert [(e.name, e.line, e.pinned) for e in parsed.entries] == [
        ("fastapi", 5, True), ("uvicorn", 6, False), ("httpx", 7, False), ("pydantic", 8, True)]
    assert parsed.includes == ["base.txt"]


def test_it_follows_includes_inside_the_repository_only():
    view = make_view({"requirements.txt": "-r requirements/base.txt\n-r ../outside.txt\nrich\n",
                      "requirements/base.txt": "fastapi==1.0\n-c constraints.txt\n",
                      "requirements/constraints.txt": "anyio==4.0\n"})
    facts = collect(view)
    assert [f.path for f in facts.requirement_files] == [
        "requirements.txt", "requirements/base.txt", "requirements/constraints.txt"]
    assert facts.pinned_share == 2 / 3


def test_it_survives_include_cycles():
    view = make_view({"requirements.txt": "-r requirements-dev.txt\na==1\n",
                      "requirements-dev.txt": "-r requirements.txt\nb==2\n"})
    assert collect(view).pinned_share == 1.0


def test_it_judges_vcs_and_url_requirements():
    assert is_pinned("lib @ git+https://github.com/o/lib@" + "a" * 40)
    assert not is_pinned("lib @ git+https://github.com/o/lib@main")
    assert is_pinned("lib @ https://files.example/lib-1.0-py3-none-any.whl")
    assert not is_pinned("fastapi>=0.1,==0.2")


def test_it_finds_lock_files_pipfile_and_manifests():
    view = make_view({"uv.lock": "version = 1\n", "pyproject.toml":
                      "[project]\nname='x'\ndependencies=['fastapi']\n",
                      "Pipfile": "[packages]\nfastapi = '==0.1'\nrich = '*'\n", "setup.py": ""})
    facts = collect(view, collect_pyconfig(view))
    assert facts.has_lock_file and facts.lock_files[0].tool == "uv"
    assert sorted(facts.manifests) == ["Pipfile", "pyproject.toml", "setup.py"]
    assert [(e.name, e.pinned, e.line) for e in facts.pipfile_entries] == [
        ("fastapi", True, 2), ("rich", False, 3)]


def test_it_reports_no_manifest_and_no_share_for_an_empty_repo():
    facts = collect(make_view({"app/main.py": ""}))
    assert not facts.has_manifest and facts.pinned_share is None


def test_it_leaves_pip_tools_inputs_out_of_the_share():
    view = make_view({"requirements.in": "fastapi\n", "requirements.txt": "fastapi==1.0\n"})
    assert collect(view).pinned_share == 1.0


def test_it_records_an_error_for_a_broken_pipfile():
    facts = collect(make_view({"Pipfile": "[packages\n"}))
    assert facts.errors and facts.manifests == ["Pipfile"]
