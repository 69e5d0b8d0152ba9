from scanner.artifacts import kinds, locate
from scanner.artifacts.view import RepoView


def view(paths, app_root="."):
    return RepoView.from_files(dict.fromkeys(paths, ""), app_root)


def test_it_prefers_the_app_root_then_deeper_then_parents():
    repo = view(["Dockerfile", "services/api/docker/Dockerfile", "services/api/Dockerfile"],
                "services/api")
    assert locate.candidates(repo, kinds.DOCKERFILE) == [
        "services/api/Dockerfile", "services/api/docker/Dockerfile", "Dockerfile"]


def test_it_ignores_sibling_services_docs_devcontainer_and_frontends():
    repo = view(["services/web/Dockerfile", "services/api/docs/Dockerfile",
                 ".devcontainer/Dockerfile", "services/api/ui/package.json",
                 "services/api/ui/Dockerfile"], "services/api")
    assert locate.nearest(repo, kinds.DOCKERFILE) is None


def test_it_keeps_a_package_json_folder_on_the_app_root_chain():
    repo = view(["package.json", "Dockerfile"], ".")
    assert locate.nearest(repo, kinds.DOCKERFILE) == "Dockerfile"


def test_it_anchors_workflows_at_the_folder_holding_dot_github():
    repo = view([".github/workflows/ci.yml"], "services/api")
    assert locate.candidates(repo, kinds.CI) == [".github/workflows/ci.yml"]


def test_it_prefers_the_canonical_name_within_one_folder():
    repo = view(["Dockerfile.dev", "Dockerfile.prod", "Dockerfile"])
    assert locate.nearest(repo, kinds.DOCKERFILE) == "Dockerfile"
    assert locate.nearest(view(["Dockerfile.dev", "Dockerfile.prod"]), kinds.DOCKERFILE) == (
        "Dockerfile.prod")


def test_it_lists_the_files_that_tie_for_nearest():
    repo = view(["docker/b/Dockerfile", "docker/a/Dockerfile", "docker/a/Dockerfile.dev",
                 "deep/er/est/Dockerfile"])
    assert locate.equally_near(repo, kinds.DOCKERFILE) == [
        "docker/a/Dockerfile", "docker/b/Dockerfile"]
    assert locate.equally_near(view([]), kinds.DOCKERFILE) == []


def test_it_describes_where_it_looked():
    assert locate.looked_in(kinds.DOCKERFILE, "services/api") == (
        "Dockerfile/Containerfile under services/api and its parent folders")


def test_it_describes_several_kinds_in_one_place_clause():
    assert locate.looked_in(kinds.DOCKERFILE, ".", kinds.COMPOSE, kinds.CI).startswith(
        "Dockerfile/Containerfile, docker-compose*.yml/compose*.yml and CI configuration (")
    assert locate.looked_in(kinds.DOCKERFILE, "services/api", kinds.COMPOSE).endswith(
        "compose*.yml under services/api and its parent folders")


# --- the search is indexed and memoised per view; these pin down that it stays correct ---

def _all_kinds():
    from scanner.artifacts.extras import _PROFILER_FILES
    from scanner.artifacts.logconfig import LOGCONFIG
    from scanner.artifacts.migrations import _YOYO_INI
    return [*kinds.KINDS.values(), kinds.PYTHON_FILE, kinds.SCRIPT_FILE, LOGCONFIG,
            _PROFILER_FILES, _YOYO_INI, locate.ANY_FILE_KIND]


_SAMPLE_PATHS = [
    "Dockerfile", "api.Dockerfile", "Containerfile.dockerignore", "docker-compose.override.yml",
    "compose.yaml", "deploy/charts/api/Chart.yaml", "deploy/charts/api/templates/_h.tpl",
    "infra/chart/Chart.yaml", "infra/chart/templates/svc.yaml", "k8s/deploy.yml",
    ".github/workflows/ci.yml", ".github/dependabot.yml", ".gitlab/ci/lint.yaml",
    ".gitlab/renovate.json", ".gitlab-ci.yml", ".circleci/config.yml", "Jenkinsfile",
    "ci/build.jenkinsfile", "azure-pipelines.yml", ".azure-pipelines/x.yml",
    "bitbucket-pipelines.yml", "Makefile", "GNUmakefile", ".pre-commit-config.yaml", "tox.ini",
    "noxfile.py", "pyproject.toml", "setup.cfg", "pytest.ini", ".mypy.ini", ".coveragerc",
    "requirements/base.txt", "requirements/dev.in", "app/requirements-dev.txt", "uv.lock",
    "pylock.dev.toml", "Pipfile", "setup.py", ".env", ".env.example", ".env.local.sample",
    "nginx/default.conf", "proxy/traefik.yml", "Caddyfile", "site.caddyfile", "renovate.json5",
    ".renovaterc", "README.md", "readme", "alembic.ini", "yoyo.ini", "locustfile_api.py",
    ".pyinstrument.toml", "api.postman_collection.json", "dredd.yml", "logging.yaml",
    "changelog.yaml", "alembic/versions/001_init.py", "db/migrations/versions/002.py",
    "app/main.py", "web/src/index.ts", "docs/conf.py", "notes.txt",
]


def test_a_kind_never_matches_a_file_its_name_filter_rejects():
    for kind in _all_kinds():
        for path in _SAMPLE_PATHS:
            if kind.anchor(path, set(_SAMPLE_PATHS)) is not None:
                assert kind.anchor.may_match(path.rpartition("/")[2]), (kind.name, path)


def test_a_folder_anchor_agrees_with_the_file_anchor():
    folders = {path.rpartition("/")[0] for path in _SAMPLE_PATHS} | {"a/b/.github/workflows"}
    for kind in _all_kinds():
        if kind.anchor.of_folder is None:
            continue
        for folder in folders:
            for name in {path.rpartition("/")[2] for path in _SAMPLE_PATHS}:
                path = f"{folder}/{name}" if folder else name
                if kind.anchor.may_match(name):
                    assert kind.anchor(path, ()) == kind.anchor.of_folder(folder), (kind.name, path)


def test_broad_and_narrow_searches_agree():
    # `*.py` outnumbers the folders (judged folder by folder); a Dockerfile does not
    paths = [f"svc{number}/app/m{file}.py" for number in range(30) for file in range(5)]
    paths += ["svc1/alembic/versions/001.py", "svc1/alembic/versions/__init__.py",
              "svc1/Dockerfile", "svc1/docs/Dockerfile"]
    repo = view(paths, "svc1")
    assert locate.candidates(repo, kinds.MIGRATIONS) == [
        "svc1/alembic/versions/001.py", "svc1/alembic/versions/__init__.py"]
    assert locate.candidates(repo, kinds.DOCKERFILE) == ["svc1/Dockerfile"]
    assert len(locate.candidates(repo, kinds.PYTHON_FILE)) == 7


def test_it_only_looks_at_files_whose_name_may_match():
    looked_at = []

    def find(path, _paths):
        looked_at.append(path)
        return locate._folder(path)

    kind = locate.Kind("dockerfile", "Dockerfile",
                       locate.AnchorFinder(find, lambda name: name == "Dockerfile"))
    repo = view([f"app/module{number}.py" for number in range(2000)] + ["app/Dockerfile"])
    assert locate.candidates(repo, kind) == ["app/Dockerfile"]
    assert locate.nearest(repo, kind) == "app/Dockerfile"
    assert looked_at == ["app/Dockerfile"]  # once: the second search is memoised


def test_it_searches_again_when_the_app_root_or_the_paths_change():
    repo = view(["Dockerfile", "services/api/Dockerfile"])
    assert locate.nearest(repo, kinds.DOCKERFILE) == "Dockerfile"
    repo.app_root = "services/api"
    assert locate.nearest(repo, kinds.DOCKERFILE) == "services/api/Dockerfile"
    repo.paths.append("services/api/Containerfile")
    assert locate.candidates(repo, kinds.DOCKERFILE) == [
        "services/api/Containerfile", "services/api/Dockerfile", "Dockerfile"]
    repo.paths = ["Dockerfile"]
    assert locate.candidates(repo, kinds.DOCKERFILE) == ["Dockerfile"]


def test_returned_lists_are_the_callers_own():
    repo = view(["Dockerfile", "docker-compose.yml", "docker-compose.override.yml"])
    locate.candidates(repo, kinds.COMPOSE).clear()
    locate.nearest_group(repo, kinds.COMPOSE).clear()
    assert locate.candidates(repo, kinds.COMPOSE) == [
        "docker-compose.yml", "docker-compose.override.yml"]


def test_it_lists_the_folders_of_eligible_files():
    repo = view(["app/main.py", "app/api/routes.py", "docs/conf.py", "web/package.json",
                 "web/src/a.ts", "README.md"])
    assert locate.candidate_anchors(repo, locate.ANY_FILE_KIND) == {"", "app", "app/api"}
