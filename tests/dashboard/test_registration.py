import subprocess
import sys

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from dashboard.models import Repository, Team
from dashboard.registration.catalogue import import_catalogue
from dashboard.registration.forms import RepositoryForm
from dashboard.registration.validation import validate_repo_url

GOOD_URLS = [
    "https://github.com/acme/billing-api.git",
    "https://gitlab.example.com:8443/group/sub/repo",
    "ssh://git@github.com/acme/billing-api.git",
    "ssh://git@git.example.com:2222/acme/api.git",
    "git@github.com:acme/billing-api.git",
    "git@gitlab.com:group/sub/repo.git",
]

BAD_URLS = [
    ("", "Enter a clone URL"),
    ("http://github.com/acme/api.git", "https://"),
    ("ftp://example.com/repo.git", "Unsupported URL scheme"),
    ("git://github.com/acme/api.git", "Unsupported URL scheme"),
    ("ext::sh -c touch% /tmp/pwned", "spaces"),
    ("ext::sh", "transport helpers"),
    ("fd::17", "transport helpers"),
    ("-uhttps://github.com/acme/api.git", "must not start with '-'"),
    ("--upload-pack=touch /tmp/x", "spaces"),
    ("https://github.com/acme/api.git\n--config=x", "line breaks"),
    ("https://github.com/ acme/api.git", "spaces"),
    ("https://user:token@github.com/acme/api.git", "named credential"),
    ("https://token@github.com/acme/api.git", "named credential"),
    ("ssh://git:secret@github.com/acme/api.git", "named credential"),
    ("https://github.com", "repository's path"),
    ("https:///acme/api.git", "host name"),
    ("https://github.com/acme/api.git?x=1", "query"),
    ("git@github.com:-oProxyCommand=x", "must not start with '-'"),
    ("/srv/git/api.git", "file://"),
    ("github.com/acme/api", "Not a clone URL"),
]


@pytest.mark.parametrize("url", GOOD_URLS)
def test_it_accepts_remote_urls(url):
    assert validate_repo_url(url, allow_local=False) == url


@pytest.mark.parametrize(("url", "message"), BAD_URLS)
def test_it_refuses_bad_urls(url, message):
    with pytest.raises(ValidationError) as exc:
        validate_repo_url(url, allow_local=True)
    assert message in exc.value.messages[0]


def test_it_accepts_existing_local_repos_when_allowed(tmp_path):
    assert validate_repo_url(f"file://{tmp_path}", allow_local=True) == f"file://{tmp_path}"


def test_it_refuses_local_repos_when_not_allowed(tmp_path):
    with pytest.raises(ValidationError, match="not allowed on this server"):
        validate_repo_url(f"file://{tmp_path}", allow_local=False)


def test_it_refuses_missing_local_repos(tmp_path):
    with pytest.raises(ValidationError, match="No repository at"):
        validate_repo_url(f"file://{tmp_path}/missing", allow_local=True)


# --- the form --------------------------------------------------------------------------


def form(data, **kwargs):
    base = {"name": "orders-api", "url": "https://github.com/acme/orders-api.git", "active": True}
    return RepositoryForm({**base, **data}, **kwargs)


@pytest.mark.django_db
def test_it_registers_a_repository(payments_team):
    f = form({"team": "payments", "tags": "tier-1; payments, tier-1"})
    assert f.is_valid(), f.errors
    repo = f.save()

    assert repo.team == payments_team
    assert repo.tags == ["tier-1", "payments"]
    assert repo.web_url == "https://github.com/acme/orders-api"


@pytest.mark.django_db
def test_it_stores_a_named_credential_for_a_private_repository():
    f = form({"credential_name": " github-org "})
    assert f.is_valid(), f.errors
    assert f.save().credential_name == "github-org"


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["ghp_abc/def", "user:token", "-leading-dash", "has space"])
def test_it_refuses_a_credential_name_that_looks_like_a_secret_or_path(value):
    f = form({"credential_name": value})
    assert not f.is_valid()
    assert "names a secret configured on the workers" in f.errors["credential_name"][0]


@pytest.mark.django_db
def test_it_reports_duplicate_name(billing_repo):
    f = form({"name": "billing-api"})
    assert not f.is_valid()
    assert f.errors["name"] == ["A repository named 'billing-api' is already registered."]


@pytest.mark.django_db
def test_it_reports_duplicate_url(billing_repo):
    f = form({"url": billing_repo.url})
    assert not f.is_valid()
    assert "already registered as 'billing-api'" in f.errors["url"][0]
    assert "__all__" not in f.errors


@pytest.mark.django_db
def test_it_allows_same_url_with_another_app_root(billing_repo):
    assert form({"url": billing_repo.url, "app_root": "services/worker"}).is_valid()


@pytest.mark.django_db
def test_it_reports_unknown_team(payments_team):
    f = form({"team": "Growth"})
    assert not f.is_valid()
    assert f.errors["team"] == ["Unknown team 'Growth'. Existing teams: Payments."]
    assert not Team.objects.filter(name="Growth").exists()


@pytest.mark.django_db
def test_it_creates_team_when_allowed():
    f = form({"team": "Growth"}, allow_create_team=True)
    assert f.is_valid(), f.errors
    assert f.save().team.slug == "growth"


@pytest.mark.django_db
def test_it_refuses_file_urls_when_local_repos_are_off(tmp_path):
    f = form({"url": f"file://{tmp_path}"}, allow_local=False)
    assert not f.is_valid()
    assert "not allowed on this server" in f.errors["url"][0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [("branch", "--force"), ("branch", "a..b"), ("app_root", "../etc"), ("app_root", "/abs")],
)
def test_it_refuses_unsafe_branch_and_app_root(field, value):
    f = form({field: value})
    assert not f.is_valid()
    assert field in f.errors


@pytest.mark.django_db
def test_it_refuses_non_slug_names():
    assert "name" in form({"name": "Billing API"}).errors


# --- catalogue import ------------------------------------------------------------------

YAML_CATALOGUE = """
- name: billing-api
  url: https://github.com/acme/billing-api.git
  team: Payments
  tags: [payments, tier-1]
- name: orders-api
  url: git@github.com:acme/orders-api.git
  branch: main
  app_root: services/orders
  team: Commerce
"""

CSV_CATALOGUE = """name,url,branch,app_root,team,tags
search-api,https://gitlab.com/acme/search.git,,,Discovery,search;tier-2
broken-api,http://insecure.example.com/x.git,,,Discovery,
notify-api,ssh://git@github.com/acme/notify.git,develop,,Platform,"a, b"
"""


@pytest.mark.django_db
def test_it_imports_yaml():
    report = import_catalogue(YAML_CATALOGUE, "yaml", allow_local=False)

    assert (report.created, report.updated, report.unchanged, report.errors) == (2, 0, 0, [])
    orders = Repository.objects.get(name="orders-api")
    assert orders.team.name == "Commerce"
    assert orders.app_root == "services/orders"
    assert orders.web_url == "https://github.com/acme/orders-api"
    assert Repository.objects.get(name="billing-api").tags == ["payments", "tier-1"]


@pytest.mark.django_db
def test_it_updates_on_reimport():
    import_catalogue(YAML_CATALOGUE, "yaml", allow_local=False)
    changed = YAML_CATALOGUE.replace("branch: main", "branch: release")

    report = import_catalogue(changed, "yaml", allow_local=False)

    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert Repository.objects.count() == 2
    assert Repository.objects.get(name="orders-api").branch == "release"


@pytest.mark.django_db
def test_it_imports_csv_and_reports_bad_row():
    report = import_catalogue(CSV_CATALOGUE, "csv", allow_local=False)

    assert (report.created, report.updated) == (2, 0)
    assert len(report.errors) == 1
    row, message = report.errors[0]
    assert row == 3
    assert message.startswith("url: http:// is not allowed")
    assert not Repository.objects.filter(name="broken-api").exists()
    assert Repository.objects.get(name="search-api").tags == ["search", "tier-2"]
    assert Repository.objects.get(name="notify-api").tags == ["a", "b"]


@pytest.mark.django_db
def test_it_creates_nothing_for_a_bad_row():
    text = "- name: lonely-api\n  url: ftp://x/y.git\n  team: Nobody\n"

    report = import_catalogue(text, "yaml", allow_local=False)

    assert report.errors and report.errors[0][0] == 1
    assert not Team.objects.filter(name="Nobody").exists()


@pytest.mark.django_db
def test_it_refuses_unknown_teams_unless_created(payments_team):
    text = "- name: a-api\n  url: https://github.com/acme/a.git\n  team: Ghosts\n"

    report = import_catalogue(text, "yaml", allow_local=False, create_teams=False)

    assert report.errors == [(1, "team: Unknown team 'Ghosts'. Existing teams: Payments.")]


@pytest.mark.django_db
def test_it_reports_unknown_keys():
    text = "- name: a-api\n  url: https://github.com/acme/a.git\n  owner: bob\n"

    report = import_catalogue(text, "yaml", allow_local=False)

    assert "Unknown key(s): owner" in report.errors[0][1]


@pytest.mark.django_db
def test_it_imports_and_keeps_a_credential_name():
    text = "- name: a-api\n  url: https://github.com/acme/a.git\n  credential: org-reader\n"
    import_catalogue(text, "yaml", allow_local=False)
    assert Repository.objects.get(name="a-api").credential_name == "org-reader"

    # Re-importing without the key keeps it; a CSV column sets it too.
    import_catalogue("- name: a-api\n  branch: release\n", "yaml", allow_local=False)
    assert Repository.objects.get(name="a-api").credential_name == "org-reader"
    csv_text = "name,url,credential\na-api,https://github.com/acme/a.git,other-reader\n"
    report = import_catalogue(csv_text, "csv", allow_local=False)
    assert report.updated == 1
    assert Repository.objects.get(name="a-api").credential_name == "other-reader"


@pytest.mark.django_db
def test_it_reports_a_bad_credential_name_in_a_catalogue_row():
    text = "- name: a-api\n  url: https://github.com/acme/a.git\n  credential: user:token\n"

    report = import_catalogue(text, "yaml", allow_local=False)

    assert report.errors[0][0] == 1
    assert report.errors[0][1].startswith("credential_name: A credential name uses")
    assert not Repository.objects.filter(name="a-api").exists()


@pytest.mark.django_db
def test_it_runs_import_repos_command(tmp_path, capsys):
    path = tmp_path / "fleet.csv"
    path.write_text(CSV_CATALOGUE)

    with pytest.raises(CommandError) as exc:
        call_command("import_repos", str(path))

    assert exc.value.returncode == 1
    captured = capsys.readouterr()
    assert "2 created, 0 updated, 0 unchanged, 1 failed" in captured.out
    assert "fleet.csv:3: url: http:// is not allowed" in captured.err


def test_it_exits_with_1_when_a_row_fails(tmp_path):
    # Through manage.py in a subprocess, so the exit code is the one a shell sees.
    path = tmp_path / "fleet.yaml"
    path.write_text("- name: bad\n  url: http://x/y.git\n")
    env = {"PATH": "/usr/bin:/bin", "READYBOARD_DATA_DIR": str(tmp_path / "data")}
    run = {"capture_output": True, "text": True, "env": env, "check": False}  # on SQLite
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], **{**run, "check": True})
    result = subprocess.run([sys.executable, "manage.py", "import_repos", str(path)], **run)
    assert result.returncode == 1, result.stderr
    assert "1 failed" in result.stdout
