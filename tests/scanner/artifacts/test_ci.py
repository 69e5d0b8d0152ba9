from scanner.artifacts import collect_artifacts
from scanner.artifacts.ci import CiFacts, collect, parse_ci_file, program_calls
from tests.scanner.artifacts.fakes import make_view

WORKFLOW = """\
name: ci
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    services:
      postgres:
        image: postgres:16
    steps:
      - uses: actions/checkout@v4
      - run: |
          pip install -r requirements.txt
          # comment
          python -m pytest --cov=app
      - run: make lint
  codeql:
    uses: github/codeql-action/analyze@v3
"""


def parse(path, provider, text):
    facts = CiFacts()
    parse_ci_file(facts, path, provider, text)
    return facts


def test_it_splits_run_blocks_into_lines_with_their_numbers():
    facts = parse(".github/workflows/ci.yml", "github", WORKFLOW)
    assert [(c.line, c.text) for c in facts.commands] == [
        (12, "pip install -r requirements.txt"), (14, "python -m pytest --cov=app"),
        (15, "make lint")]
    assert facts.commands[0].job == "test"


def test_it_records_actions_and_service_containers():
    facts = parse(".github/workflows/ci.yml", "github", WORKFLOW)
    assert [(a.name, a.line) for a in facts.actions] == [
        ("actions/checkout", 10), ("github/codeql-action/analyze", 17)]
    assert facts.actions_matching(r"codeql")
    assert [(s.name, s.image) for s in facts.services] == [("postgres", "postgres:16")]


def test_it_reads_gitlab_scripts_and_services():
    text = ("stages: [test]\n.base: &base\n  before_script:\n    - pip install -e .\n"
            "test:\n  <<: *base\n  services:\n    - postgres:16\n  script:\n    - pytest\n"
            "    - [ruff check ., mypy app]\n")
    facts = parse(".gitlab-ci.yml", "gitlab", text)
    assert {c.text for c in facts.commands} >= {"pytest", "ruff check .", "mypy app"}
    assert facts.services[0].image == "postgres:16"


def test_it_reads_circleci_run_commands_and_orbs():
    text = ("version: 2.1\norbs:\n  python: circleci/python@2.1\njobs:\n  build:\n"
            "    docker:\n      - image: cimg/python:3.12\n      - image: cimg/postgres:16\n"
            "    steps:\n      - checkout\n      - run: pytest\n"
            "      - run:\n          name: types\n          command: mypy .\n")
    facts = parse(".circleci/config.yml", "circleci", text)
    assert [c.text for c in facts.commands] == ["pytest", "mypy ."]
    assert facts.actions[0].action == "circleci/python@2.1"
    assert [s.image for s in facts.services] == ["cimg/postgres:16"]


def test_it_reads_jenkins_sh_steps_including_multiline_ones():
    text = ("pipeline {\n  stages {\n    stage('t') { steps { sh 'pytest -q' } }\n"
            "    stage('l') { steps {\n      sh '''\n        ruff check .\n        mypy app\n"
            "      '''\n    } }\n  }\n}\n")
    facts = parse("Jenkinsfile", "jenkins", text)
    assert [(c.line, c.text) for c in facts.commands] == [
        (3, "pytest -q"), (6, "ruff check ."), (7, "mypy app")]


def test_it_reads_azure_and_bitbucket_steps():
    azure = parse("azure-pipelines.yml", "azure",
                  "steps:\n  - task: UsePythonVersion@0\n  - script: pytest\n")
    assert azure.commands[0].text == "pytest" and azure.actions[0].action == "UsePythonVersion@0"
    bitbucket = parse("bitbucket-pipelines.yml", "bitbucket",
                      "pipelines:\n  default:\n    - step:\n        script:\n          - tox\n"
                      "          - pipe: snyk/snyk-scan:1.0.0\n")
    assert bitbucket.commands[0].text == "tox" and bitbucket.actions[0].action.startswith("snyk")


def test_it_follows_make_targets_and_prerequisites_one_level():
    view = make_view({".github/workflows/ci.yml": WORKFLOW,
                      "Makefile": "lint: types\n\truff check .\ntypes:\n\t@mypy app\n"})
    runs = collect_artifacts(view).ci.runs_tool("mypy")
    assert [(r.via, r.ci.line, r.followed.path, r.followed.line) for r in runs] == [
        ("make", 15, "Makefile", 4)]


def test_it_follows_scripts_tox_nox_and_pre_commit():
    workflow = ("jobs:\n  t:\n    steps:\n      - run: bash scripts/test.sh\n"
                "      - run: nox -s lint\n      - run: uv run pre-commit run --all-files\n"
                "      - run: tox\n")
    view = make_view({
        ".github/workflows/t.yml": workflow,
        "scripts/test.sh": "#!/bin/sh\nset -e\npytest -q \\\n  --cov\n",
        "noxfile.py": "import nox\n\n@nox.session\ndef lint(session):\n"
                      "    session.run('ruff', 'check', '.')\n",
        ".pre-commit-config.yaml": "repos:\n- repo: local\n  hooks:\n  - id: bandit\n"
                                   "    entry: bandit -r app\n",
        "tox.ini": "[testenv]\ncommands =\n    coverage run -m pytest\n"
                   "    coverage report --fail-under=90\n",
    })
    ci = collect_artifacts(view).ci
    assert [(r.via, r.followed.line) for r in ci.runs_tool("pytest")] == [("script", 3),
                                                                          ("tox", 3)]
    assert ci.runs_tool("ruff")[0].via == "nox"
    assert ci.runs_tool("bandit")[0].followed.path == ".pre-commit-config.yaml"


def test_it_matches_tool_names_as_words():
    text = "jobs:\n  a:\n    steps:\n      - run: pip install pytest-cov\n"
    facts = parse("ci.yml", "github", text)
    assert facts.runs_tool("pytest") == []


def test_it_unwraps_runners_to_find_the_program():
    assert program_calls("cd app && uv run python -m pytest -q") == [["cd", "app"],
                                                                      ["pytest", "-q"]]


def test_it_records_errors_for_malformed_ci_files():
    view = make_view({".github/workflows/a.yml": "jobs: [\n", ".github/workflows/b.yml": "- x\n",
                      ".gitlab-ci.yml": "test:\n  script: 42\n"})
    facts = collect(view)
    assert len(facts.files) == 3 and len(facts.errors) == 2 and facts.commands == []
