from scanner.artifacts.extras import collect as collect_extras
from scanner.artifacts.migrations import collect
from tests.scanner.artifacts.fakes import make_view


def test_it_lists_alembic_revisions_from_script_location():
    view = make_view({"alembic.ini": "[alembic]\nscript_location = %(here)s/db/migrate\n",
                      "db/migrate/env.py": "from alembic import context\n",
                      "db/migrate/versions/0001_init.py": "", "db/migrate/versions/__init__.py": "",
                      "db/migrate/versions/0002_users.py": ""})
    alembic = collect(view).alembic
    assert alembic.script_location == "db/migrate"
    assert alembic.revision_files == ["db/migrate/versions/0001_init.py",
                                      "db/migrate/versions/0002_users.py"]


def test_it_finds_versions_folders_without_an_ini():
    view = make_view({"app/migrations/versions/abc_init.py": "",
                      "other/versions/x.py": "", "other/env.py": "print('no')\n"})
    facts = collect(view)
    assert facts.revision_files == ["app/migrations/versions/abc_init.py"]


def test_it_reports_a_configured_tool_with_zero_revisions():
    view = make_view({"alembic.ini": "[alembic]\nscript_location = alembic\n",
                      "alembic/env.py": "import alembic\n", "alembic/versions/.gitkeep": ""})
    facts = collect(view)
    assert facts.has_tool and facts.revision_files == []


def test_it_finds_aerich_migrations_and_survives_a_broken_ini():
    view = make_view({"migrations/models/0_init.py": "", "alembic.ini": "garbage"})
    facts = collect(view)
    assert {s.tool for s in facts.setups} == {"alembic", "aerich"} and facts.errors


def test_it_finds_locust_k6_benchmarks_and_postman_collections():
    view = make_view({
        "load/locustfile.py": "from locust import HttpUser\n",
        "perf/smoke.js": "import http from 'k6/http';\n",
        "web/app.js": "import x from 'react';\n",
        "benchmarks/test_bench.py": "",
        "contracts/api.postman_collection.json": "{}",
        "dredd.yml": "language: python\n",
    })
    facts = collect_extras(view)
    assert {e.tool for e in facts.profiling} == {"locust", "k6", "benchmarks"}
    assert {e.tool for e in facts.contract} == {"postman", "dredd"}


def test_revisions_are_the_files_under_the_versions_folder_only():
    view = make_view({
        "alembic.ini": "[alembic]\nscript_location = alembic\n", "alembic/env.py": "",
        "alembic/versions/001_init.py": "", "alembic/versions/sub/002_deep.py": "",
        "alembic/versions/__pycache__/003.py": "", "alembic/versions/README": "",
        "alembic/versions-old/x.py": "", "alembic/versions.bak/y.py": "",
        "alembic/versions0/z.py": "", "alembic/versions2/w.py": "",
    })
    assert collect(view).alembic.revision_files == [
        "alembic/versions/001_init.py", "alembic/versions/sub/002_deep.py"]


def test_it_finds_benchmark_folders_once_each_outermost_first():
    view = make_view({"bench/perf/a.py": "", "bench/perf/b.py": "", "bench/notes.md": "",
                      "app/main.py": ""})
    evidence = collect_extras(view).profiling
    assert [(e.path, e.text) for e in evidence] == [
        ("bench/perf/a.py", "bench/"), ("bench/perf/a.py", "bench/perf/")]
