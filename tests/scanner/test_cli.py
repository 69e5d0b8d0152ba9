"""`python -m scanner`: exit codes, stderr messages and the three output formats."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.__main__ import main

MAIN = '''\
from fastapi import FastAPI

app = FastAPI()


@app.get("/orders")
def list_orders():
    return {"orders": []}
'''


@pytest.fixture
def service(tmp_path) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app/main.py").write_text(MAIN)
    return tmp_path


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "scanner", *args],
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).parents[2],
    )


def test_it_exits_0_and_prints_json_in_a_real_process(service):
    done = run_cli(str(service), "--format", "json", "--jobs", "1")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "scored"


def test_it_exits_2_on_a_missing_path_in_a_real_process(tmp_path):
    done = run_cli(str(tmp_path / "nowhere"))
    assert done.returncode == 2
    assert "no such file or directory" in done.stderr
    assert done.stdout == ""


def test_it_exits_0_on_success(service, capsys):
    assert main([str(service), "--jobs", "1"]) == 0


def test_it_exits_1_when_the_score_is_below_fail_under(service, capsys):
    assert main([str(service), "--jobs", "1", "--fail-under", "99.5"]) == 1
    assert "below 99.5" in capsys.readouterr().err


def test_it_exits_0_when_the_score_meets_fail_under(service, capsys):
    assert main([str(service), "--jobs", "1", "--fail-under", "0"]) == 0


def test_it_exits_0_with_fail_under_on_a_tree_without_fastapi(tmp_path, capsys):
    (tmp_path / "app.py").write_text("print('hello')\n")
    assert main([str(tmp_path), "--jobs", "1", "--fail-under", "50"]) == 0


def test_it_exits_2_on_a_missing_path(tmp_path, capsys):
    assert main([str(tmp_path / "nowhere")]) == 2
    assert "error:" in capsys.readouterr().err


def test_it_exits_2_on_a_file_instead_of_a_folder(service, capsys):
    assert main([str(service / "app/main.py")]) == 2
    assert "not a directory" in capsys.readouterr().err


def test_it_exits_2_on_an_app_root_that_does_not_exist(service, capsys):
    assert main([str(service), "--app-root", "services/missing"]) == 2
    assert "app root 'services/missing'" in capsys.readouterr().err


@pytest.mark.parametrize("args", [
    ["--format", "xml"], ["--fail-under", "high"], ["--no-such-flag"], ["--jobs", "0"],
])
def test_it_exits_2_on_bad_arguments(service, capsys, args):
    with pytest.raises(SystemExit) as exited:
        code = main([str(service), *args])
        raise SystemExit(code)
    assert exited.value.code == 2
    assert capsys.readouterr().err.strip()


def test_it_exits_2_without_a_path(capsys):
    with pytest.raises(SystemExit) as exited:
        main([])
    assert exited.value.code == 2
    assert "path" in capsys.readouterr().err


def test_it_prints_the_score_and_failing_checks_with_file_and_line_as_text(service, capsys):
    assert main([str(service), "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert "Overall:" in out
    assert "/100" in out
    assert "TYP-003" in out
    assert "app/main.py:7" in out
    assert "\x1b[" not in out


def test_it_prints_valid_json_with_relative_paths(service, capsys):
    assert main([str(service), "--jobs", "1", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    paths = [e["path"] for c in report["checks"] for e in c["evidence"] if e["path"]]
    assert paths
    assert all(not p.startswith("/") and str(service) not in p for p in paths)


def test_it_uses_the_cache_dir_it_is_given(service, tmp_path_factory, capsys):
    cache = tmp_path_factory.mktemp("cache") / "here"
    assert main([str(service), "--jobs", "1", "--format", "json", "--cache-dir",
                 str(cache)]) == 0
    assert any(cache.rglob("*.pkl"))
