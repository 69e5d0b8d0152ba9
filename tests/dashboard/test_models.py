import pytest
from django.db import IntegrityError, transaction

from dashboard.models import Repository, Scan, ScanState, Team
from dashboard.models.repository import derive_web_url


@pytest.mark.parametrize(
    ("url", "web_url"),
    [
        ("https://github.com/acme/billing-api.git", "https://github.com/acme/billing-api"),
        ("git@github.com:acme/billing-api.git", "https://github.com/acme/billing-api"),
        ("ssh://git@gitlab.com/group/sub/repo.git", "https://gitlab.com/group/sub/repo"),
        ("https://gitlab.com/group/repo", "https://gitlab.com/group/repo"),
        ("https://git.example.com/acme/api.git", ""),
        ("file:///srv/git/api.git", ""),
    ],
)
def test_it_derives_web_url(url, web_url):
    assert derive_web_url(url) == web_url


def test_it_links_to_github_lines():
    repo = Repository(url="git@github.com:acme/billing-api.git")
    repo.web_url = derive_web_url(repo.url)

    assert (
        repo.line_url("abc123", "app/main.py", 10)
        == "https://github.com/acme/billing-api/blob/abc123/app/main.py#L10"
    )


def test_it_links_to_gitlab_lines():
    repo = Repository(web_url="https://gitlab.com/group/repo")

    assert repo.line_url("abc123", "app/main.py", 7) == (
        "https://gitlab.com/group/repo/-/blob/abc123/app/main.py#L7"
    )


def test_it_has_no_line_link_without_web_url():
    assert Repository(url="file:///srv/x").line_url("abc", "app/main.py", 1) is None


@pytest.mark.django_db
def test_it_keeps_an_explicit_web_url():
    repo = Repository.objects.create(
        name="x-api", url="git@github.com:acme/x.git", web_url="https://code.acme.dev/x"
    )
    assert repo.web_url == "https://code.acme.dev/x"


@pytest.mark.django_db
def test_it_slugs_team_names():
    assert Team.objects.create(name="Platform Core").slug == "platform-core"


@pytest.mark.django_db
def test_it_changes_state_only_from_expected_states(billing_repo):
    scan = Scan.objects.create(repository=billing_repo)

    assert Scan.objects.transition(scan.pk, ScanState.QUEUED, ScanState.CLONING)
    # A redelivered task expecting "queued" loses the race and changes nothing.
    assert not Scan.objects.transition(scan.pk, [ScanState.QUEUED], ScanState.CLONING)
    assert Scan.objects.transition(
        scan.pk, [ScanState.CLONING], ScanState.FAILED, error_code="repo:unreachable"
    )
    scan.refresh_from_db()
    assert scan.state == ScanState.FAILED
    assert scan.error_code == "repo:unreachable"
    assert scan.is_final


@pytest.mark.django_db
def test_it_allows_one_active_scan_per_repository(billing_repo):
    Scan.objects.create(repository=billing_repo)

    with pytest.raises(IntegrityError), transaction.atomic():
        Scan.objects.create(repository=billing_repo, state=ScanState.SCANNING)
    Scan.objects.create(repository=billing_repo, state=ScanState.FAILED)
    assert Scan.objects.active().count() == 1
