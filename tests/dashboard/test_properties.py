"""Property-based tests: random bytes into the scanner, random input into registration."""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import quote_from_bytes

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.accounts.roles import MAINTAINER, assign_role
from dashboard.registration.forms import RepositoryForm
from scanner.engine import scan_tree
from scanner.waivers import comments_in

FASTAPI_APP = (
    b"from fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/')\ndef root():\n    return {}\n"
)
NO_FIXTURE_CHECK = [HealthCheck.function_scoped_fixture]
python_like = st.one_of(
    st.binary(max_size=2000),
    st.text(max_size=600).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.lists(st.sampled_from([
        b"def f(", b"):\n", b"    ", b"import fastapi\n", b"# -*- coding: latin-1 -*-\n",
        b"\xff\xfe", b"\x00", b"'''", b"@app.get('/x')\n", b"async def g():\n",
        b"# readyboard: ignore[SEC-005] reason=\"x\" expires=2020-01-01\n", b"((((((((",
        b"\r\n", b"\\\n", b"f'{", b"class A(B[", b"lambda: ", b"match x:\n    case 1:\n",
    ]), max_size=40).map(b"".join),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=st.lists(python_like, min_size=1, max_size=3))
def test_it_scans_random_bytes_as_python_files_without_crashing(files):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "main.py").write_bytes(FASTAPI_APP)
        for index, data in enumerate(files):
            (root / f"mod{index}.py").write_bytes(data)

        report = scan_tree(root, jobs=1)

    assert report["status"] in ("scored", "not_applicable")
    assert isinstance(report["waivers"], list)
    for check in report["checks"]:
        assert check["status"] in ("pass", "warn", "fail", "na", "unknown")


@settings(max_examples=200, deadline=None)
@given(data=python_like)
def test_it_reads_waiver_comments_from_any_bytes(data):
    for waiver in comments_in("m.py", data):
        assert waiver.line >= 1


registration_text = st.one_of(
    st.text(max_size=120),
    st.sampled_from([
        "https://github.com/acme/x.git", "git@github.com:acme/x.git", "ext::sh -c touch%20/tmp/x",
        "-uhelp", "file:///etc", "https://u:p@github.com/a/b", "http://github.com/a/b",
        "ssh://git@host/-oProxyCommand=x", "https://gith\u00fcb.com/a/b", "../../etc/passwd",
        "main", "--upload-pack=x", "refs/heads/../x", "\x00", "a" * 600, "\ud800",
    ]),
)  # fmt: skip


@pytest.mark.django_db
@settings(max_examples=120, deadline=None, suppress_health_check=NO_FIXTURE_CHECK)
@given(
    name=registration_text, url=registration_text, branch=registration_text,
    app_root=registration_text, team=registration_text, tags=registration_text,
)  # fmt: skip
def test_it_validates_random_registration_input_without_crashing(
    name, url, branch, app_root, team, tags
):
    data = {"name": name, "url": url, "branch": branch, "app_root": app_root, "team": team,
            "tags": tags, "active": "on"}  # fmt: skip
    form = RepositoryForm(data, allow_local=False, allow_create_team=True)

    if form.is_valid():
        assert not form.cleaned_data["url"].startswith(("-", "ext::", "file:", "http:"))
        assert "@" not in form.cleaned_data["url"].split("://", 1)[-1].split("/")[0] or (
            form.cleaned_data["url"].startswith(("ssh://", "git@")))


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=NO_FIXTURE_CHECK)
@given(fields=st.dictionaries(
    st.sampled_from(["name", "url", "branch", "app_root", "team", "tags", "check_id", "kind",
                     "reason", "expires_on", "csrfmiddlewaretoken", "next"]),
    registration_text, max_size=8,
))  # fmt: skip
def test_it_answers_random_posts_to_the_forms_without_a_500(client, django_user_model, fields):
    user = django_user_model.objects.get_or_create(username="maya")[0]
    assign_role(user, MAINTAINER)
    client.force_login(user)
    from dashboard.models import Repository

    Repository.objects.get_or_create(name="billing-api", url="https://github.com/acme/b.git")
    # Raw bytes on the wire: lone surrogates become invalid UTF-8 sequences, as a hostile
    # client would send them.
    body = "&".join(
        f"{quote_from_bytes(k.encode())}={quote_from_bytes(v.encode('utf-8', 'surrogatepass'))}"
        for k, v in fields.items()
    )
    urls = [reverse("service-waivers", args=["billing-api"]), reverse("login")]
    urls += [u for u in _registration_urls()]
    for url in urls:
        response = client.post(url, body, content_type="application/x-www-form-urlencoded")
        assert response.status_code < 500, (url, response.status_code)


def _registration_urls() -> list[str]:
    from django.urls import NoReverseMatch

    found = []
    for name in ("register", "repository-register", "service-register", "registration"):
        try:
            found.append(reverse(name))
        except NoReverseMatch:
            continue
    return found
