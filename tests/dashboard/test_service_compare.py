"""Why did the score change: delta by dimension, flips, findings and commits between scans."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard import git
from dashboard.git.local import commit_files, init_repository
from dashboard.models import Evidence, Repository
from tests.dashboard.factories import make_failed_scan, make_repo, make_scored_scan

pytestmark = pytest.mark.django_db

BEFORE = {"TYP-001": "pass", "TYP-002": "pass", "TYP-003": "fail", "SEC-002": "fail"}
AFTER = {"TYP-001": "pass", "TYP-002": "pass", "TYP-003": "pass", "SEC-002": "fail"}


def two_scans(repo, before=BEFORE, after=AFTER, **kwargs):
    now = timezone.now()
    old = make_scored_scan(repo, before, queued_at=now - timedelta(days=7), **kwargs)
    new = make_scored_scan(repo, after, queued_at=now, **kwargs)
    return old, new


def compare(client, user, repo, **params):
    client.force_login(user)
    return client.get(reverse("service-compare", args=[repo.name]), params)


def test_it_attributes_the_change_to_the_check_that_flipped(client, viewer):
    repo = make_repo("billing-api")
    old, new = two_scans(repo)

    response = compare(client, viewer, repo, **{"from": old.pk, "to": new.pk})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'Checks that flipped <span class="muted">(1)</span>' in html
    assert reverse("service-check", args=["billing-api", "TYP-003"]) in html
    assert "Newly passing" in html
    flips = response.context["flips"]
    assert [flip.check_id for flip, _ in flips] == ["TYP-003"]
    dims = {d["name"]: d for d in response.context["dimensions"]}
    assert dims["type_safety"]["change"] == pytest.approx(type_safety(new) - type_safety(old))
    assert dims["type_safety"]["change"] > 0
    assert [c[0] for c in dims["type_safety"]["contributions"]] == ["TYP-003"]
    assert response.context["still_failing"] == ["SEC-002"]
    assert response.context["unchanged_count"] == 3


def test_it_compares_with_a_fixed_number_of_queries(client, viewer, django_assert_num_queries):
    repo = make_repo("billing-api")
    old, new = two_scans(repo, evidence_per_finding=5)
    client.force_login(viewer)
    url = reverse("service-compare", args=[repo.name])
    client.get(url, {"from": old.pk, "to": new.pk})

    # session, user, repository, history, the two scans, check results, evidence
    with django_assert_num_queries(7):
        client.get(url, {"from": old.pk, "to": new.pk})


def type_safety(scan) -> float:
    return scan.score_json["dimensions"]["type_safety"]["score"]


def test_it_defaults_to_the_latest_result_and_the_one_before(client, viewer):
    repo = make_repo("billing-api")
    old, new = two_scans(repo)
    make_failed_scan(repo)

    response = compare(client, viewer, repo)

    assert response.context["pair"] == (old.pk, new.pk)


def test_it_matches_moved_findings_by_fingerprint(client, viewer):
    repo = make_repo("billing-api")
    old, new = two_scans(repo, evidence_per_finding=2)
    # The code behind one SEC-002 finding moved down 40 lines; a new finding appeared.
    moved = Evidence.objects.filter(check_result__scan=new, check_result__check_id="SEC-002")
    first = moved.order_by("line").first()
    Evidence.objects.filter(pk=first.pk).update(line=first.line + 40)
    Evidence.objects.create(
        check_result=first.check_result, path="app/new.py", line=3, message="new", fingerprint="n"
    )

    response = compare(client, viewer, repo, **{"from": old.pk, "to": new.pk})

    counts = response.context["counts"]
    assert counts["appeared"] == 1
    assert counts["went_away"] == 2  # TYP-003's two findings went with its fix
    assert counts["moved"] == 1
    assert "app/new.py:3" in response.content.decode()


def test_it_refuses_scans_of_another_service(client, viewer):
    repo = make_repo("billing-api")
    other = make_repo("ledger-api")
    old, _ = two_scans(repo)
    _, foreign = two_scans(other)

    response = compare(client, viewer, repo, **{"from": old.pk, "to": foreign.pk})

    assert response.status_code == 404


def test_it_says_there_is_nothing_to_compare_with_one_scan(client, viewer):
    repo = make_repo("billing-api")
    make_scored_scan(repo, BEFORE)

    html = compare(client, viewer, repo).content.decode()

    assert "comparing needs two scored scans" in html


def test_it_loads_the_commits_lazily_and_says_politely_when_git_fails(client, viewer):
    repo = make_repo("billing-api")  # github.com: unreachable from the tests
    old, new = two_scans(repo)

    page = compare(client, viewer, repo, **{"from": old.pk, "to": new.pk}).content.decode()
    assert 'hx-trigger="load"' in page
    assert "List the commits" in page

    partial = client.get(
        reverse("service-compare", args=[repo.name]),
        {"from": old.pk, "to": new.pk},
        headers={"HX-Request": "true", "HX-Target": "compare-commits"},
    ).content.decode()
    assert partial.lstrip().startswith('<div id="compare-commits"')
    assert "could not reach the repository" in partial or "could not be listed" in partial


def local_repo_with_commits(tmp_path, settings, subjects, **fields):
    """A registered local repository whose commits have these subjects; their shas."""
    settings.READYBOARD_ALLOW_LOCAL_REPOS = True
    settings.READYBOARD_GIT_CACHE_DIR = tmp_path / "cache"
    origin = tmp_path / "origin"
    init_repository(origin)
    t0 = datetime(2025, 1, 6, tzinfo=UTC)
    shas = [
        commit_files(origin, {"app.py": f"x = {n}\n"}, subject, t0 + timedelta(n))
        for n, subject in enumerate(subjects)
    ]
    fields.setdefault("name", "local-api")
    return Repository.objects.create(url=origin.as_uri(), **fields), shas


def test_it_lists_the_commits_between_two_scans_of_a_local_repository(
    client, viewer, tmp_path, settings
):
    repo, shas = local_repo_with_commits(tmp_path, settings, ["First", "Tune x", "Tune x again"])
    first, last = shas[0], shas[-1]
    old = make_scored_scan(repo, BEFORE, commit_sha=first, queued_at=timezone.now() - timedelta(1))
    new = make_scored_scan(repo, AFTER, commit_sha=last)

    html = compare(client, viewer, repo, **{"from": old.pk, "to": new.pk, "commits": 1})

    text = html.content.decode()
    assert "Tune x again" in text
    assert "Tune x</span>" in text
    assert "First</span>" not in text


def test_it_turns_a_git_error_into_a_sentence(monkeypatch):
    from dashboard.queries.service_compare import commits_between

    def unreachable(*args, **kwargs):
        raise git.GitError("repo:unreachable", "could not resolve host github.com")

    monkeypatch.setattr(git, "commits_between", unreachable)
    log = commits_between(Repository(url="https://github.com/a/b.git"), "a" * 40, "b" * 40)

    assert log.commits == []
    assert "could not reach the repository" in log.problem
    assert "github.com" in log.problem


def test_it_lists_commits_with_the_repositorys_named_credential(tmp_path, settings, monkeypatch):
    from dashboard.queries.service_compare import commits_between

    monkeypatch.setenv("READYBOARD_CREDENTIAL_ORG_READER", "ci-bot:s3cret-token")
    repo, (first, last) = local_repo_with_commits(
        tmp_path, settings, ["First", "Private change"], credential_name="org-reader"
    )

    log = commits_between(repo, first, last)

    assert log.problem == ""
    assert [c.subject for c in log.commits] == ["Private change"]


def test_it_says_which_credential_is_missing_when_listing_commits(tmp_path, settings, monkeypatch):
    from dashboard.queries.service_compare import commits_between

    monkeypatch.delenv("READYBOARD_CREDENTIAL_ORG_READER", raising=False)
    settings.READYBOARD_CREDENTIALS_DIR = None
    repo, (first, last) = local_repo_with_commits(
        tmp_path, settings, ["First", "Private change"], credential_name="org-reader"
    )

    log = commits_between(repo, first, last)

    assert log.commits == []
    assert "'org-reader' is not configured" in log.problem
