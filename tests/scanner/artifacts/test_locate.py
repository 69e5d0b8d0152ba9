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


def test_it_describes_where_it_looked():
    assert locate.looked_in(kinds.DOCKERFILE, "services/api") == (
        "Dockerfile/Containerfile under services/api and its parent folders")


def test_it_describes_several_kinds_in_one_place_clause():
    assert locate.looked_in(kinds.DOCKERFILE, ".", kinds.COMPOSE, kinds.CI).startswith(
        "Dockerfile/Containerfile, docker-compose*.yml/compose*.yml and CI configuration (")
    assert locate.looked_in(kinds.DOCKERFILE, "services/api", kinds.COMPOSE).endswith(
        "compose*.yml under services/api and its parent folders")
