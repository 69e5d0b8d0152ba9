from scanner.artifacts.dockerfile import FAIL, PASS, WARN, parse_dockerfile

MULTI_STAGE = """\
# syntax=docker/dockerfile:1
FROM python:3.12-slim AS builder
WORKDIR /app
RUN python -m venv /opt/venv && /opt/venv/bin/pip install -r requirements.txt
FROM python:3.12-slim
COPY --from=builder /opt/venv /opt/venv
RUN useradd --create-home app
USER app
HEALTHCHECK CMD curl -f http://localhost:8000/health || exit 1
CMD ["gunicorn", "-k", "uvicorn.workers.UvicornWorker", "app.main:app"]
"""


def test_it_finds_user_of_final_stage():
    facts = parse_dockerfile("Dockerfile", MULTI_STAGE)
    assert facts.user.value == "app"
    assert facts.user.line == 8
    assert not facts.runs_as_root


def test_it_counts_missing_or_root_user_as_root():
    assert parse_dockerfile("D", "FROM python:3.12\nRUN useradd app\n").runs_as_root
    assert parse_dockerfile("D", "FROM python:3.12\nUSER 0:0\n").runs_as_root
    builder_user = "FROM python AS b\nUSER app\nFROM python\n"
    assert parse_dockerfile("D", builder_user).runs_as_root


def test_it_reads_healthcheck_and_cmd_exec_form():
    facts = parse_dockerfile("Dockerfile", MULTI_STAGE)
    assert facts.healthcheck.line == 9 and not facts.healthcheck.disabled
    assert facts.cmd.argv[0] == "gunicorn" and facts.cmd.exec_form
    assert facts.start_argv == facts.cmd.argv


def test_it_splits_shell_form_and_keeps_raw_text():
    facts = parse_dockerfile("D", "FROM python\nENTRYPOINT uvicorn app:app --reload\n")
    assert facts.entrypoint.argv == ["uvicorn", "app:app", "--reload"]
    assert not facts.entrypoint.exec_form
    assert facts.entrypoint.raw == "uvicorn app:app --reload"


def test_it_treats_healthcheck_none_as_disabled():
    assert parse_dockerfile("D", "FROM python\nHEALTHCHECK NONE\n").healthcheck.disabled


def test_it_passes_multi_stage_that_copies_the_venv():
    facts = parse_dockerfile("Dockerfile", MULTI_STAGE)
    assert facts.copies_from_stages[0].kind == "venv"
    assert facts.copies_from_stages[0].line == 6
    assert facts.multi_stage_verdict() == PASS


def test_it_passes_wheels_built_earlier_and_installed_in_final_stage():
    text = ("FROM python AS build\nRUN pip wheel -w /wheels -r requirements.txt\n"
            "FROM python:3.12-slim\nCOPY --from=build /wheels /wheels\n"
            "RUN pip install --no-index --find-links=/wheels -r requirements.txt\n")
    facts = parse_dockerfile("D", text)
    assert facts.multi_stage_verdict() == PASS
    assert not facts.builds_in_place


def test_it_passes_uv_project_folder_copied_from_builder():
    text = ("FROM ghcr.io/astral-sh/uv:python3.12-bookworm AS builder\nWORKDIR /app\n"
            "RUN uv sync --frozen --no-dev\nFROM python:3.12-slim\n"
            "COPY --from=builder --chown=app:app /app /app\n")
    assert parse_dockerfile("D", text).copies_from_stages[0].kind == "built-app"


def test_it_warns_when_the_final_stage_builds_in_place():
    text = ("FROM node:20 AS ui\nRUN npm ci\nFROM python:3.12\n"
            "COPY --from=ui /ui/dist /app/static\nRUN pip install --upgrade pip && "
            "pip install -r requirements.txt\n")
    facts = parse_dockerfile("D", text)
    assert facts.builds_in_place
    assert facts.multi_stage_verdict() == WARN


def test_it_fails_a_single_stage():
    assert parse_dockerfile("D", "FROM python\nRUN pip install .\n").multi_stage_verdict() == FAIL


def test_it_does_not_count_an_upgrade_of_pip_as_building_in_place():
    assert not parse_dockerfile("D", "FROM python\nRUN pip install -U pip\n").builds_in_place


def test_it_records_an_error_for_files_without_from():
    facts = parse_dockerfile("D", "garbage here\n\x00\nRUN echo\n")
    assert facts.error and facts.final_stage is None and facts.runs_as_root


def test_it_survives_broken_json_in_cmd():
    facts = parse_dockerfile("D", 'FROM python\nCMD ["uvicorn", "app:app"\n')
    assert not facts.cmd.exec_form


def test_it_tells_a_python_service_image_from_a_tool_image():
    assert parse_dockerfile("D", "FROM alpine\nENTRYPOINT [\"amd-smi\"]\n") \
        .builds_python_service is False
    assert parse_dockerfile("D", "FROM base\nCOPY requirements.txt .\n").builds_python_service
    assert parse_dockerfile("D", "FROM base\nRUN uv sync --frozen\n").builds_python_service
    assert parse_dockerfile("D", "FROM base\nCMD gunicorn app:app\n").builds_python_service
    assert not parse_dockerfile("D", "FROM base\nRUN pip install -U pip\n").builds_python_service


def test_a_tool_installed_from_an_index_or_git_is_not_this_service():
    tool = "FROM ubuntu\nRUN pip3 install git+https://example.org/tool@v1 && pip install awscli\n"
    assert not parse_dockerfile("D", tool).builds_python_service
    assert parse_dockerfile("D", "FROM base\nRUN pip install -e .[all]\n").builds_python_service
    assert parse_dockerfile("D", "FROM b\nRUN pip install /wheels/*.whl\n").builds_python_service
