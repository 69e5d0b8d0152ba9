"""Validation of what people type when registering a repository.

Clone URLs end up as arguments to git, so anything git could read as an option, a transport
helper (`ext::`) or an unencrypted/credential-bearing URL is refused before it is stored.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ValidationError

_SCP_LIKE = re.compile(r"^(?P<user>[\w.-]+)@(?P<host>[\w.-]+):(?P<path>[^/\\].*)$")
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$")
_TRANSPORT_HELPER = re.compile(r"^[A-Za-z][\w+.-]*::")
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")
_BAD_REF = re.compile(r"(\.\.|@\{|[~^:?*\[\\]|//|\.lock$|/$|\.$)")

CREDENTIALS_MESSAGE = (
    "Do not put credentials in the URL: they would be stored and shown. "
    "Register the plain URL and configure a named credential instead."
)


def validate_repo_url(url: str, allow_local: bool) -> str:
    """Return `url` if it is a clone URL we accept, else raise ValidationError saying why.

    Accepted: https://, ssh://, scp-like `git@host:org/repo.git`, and file:// (only when
    local repositories are allowed and the path exists).
    """
    _check_shape(url)
    if _SCP_LIKE.match(url):
        return _check_scp(url)
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme == "https":
        return _check_remote(url, allow_user=False)
    if scheme == "ssh":
        return _check_remote(url, allow_user=True)
    if scheme == "file":
        return _check_file(url, allow_local)
    if scheme == "http":
        raise ValidationError(
            "http:// is not allowed: use https:// so code and tokens travel encrypted."
        )
    if scheme:
        raise ValidationError(f"Unsupported URL scheme '{scheme}://': use https:// or ssh.")
    if url.startswith(("/", ".", "~")):
        raise ValidationError("A local path needs a file:// URL, e.g. file:///srv/git/app.git.")
    raise ValidationError(
        "Not a clone URL: use https://host/org/repo.git, ssh://git@host/org/repo.git "
        "or git@host:org/repo.git."
    )


def _check_shape(url: str) -> None:
    if not url:
        raise ValidationError("Enter a clone URL.")
    if _SPACE_OR_CONTROL.search(url):
        raise ValidationError("The URL must not contain spaces, tabs or line breaks.")
    if url.startswith("-"):
        raise ValidationError("The URL must not start with '-' (git would read it as an option).")
    if _TRANSPORT_HELPER.match(url):
        raise ValidationError("Git transport helpers such as 'ext::' are not allowed.")
    if len(url) > 500:
        raise ValidationError("The URL is too long (500 characters at most).")


def _check_remote(url: str, *, allow_user: bool) -> str:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise ValidationError("The URL is malformed.") from None
    if parts.password is not None or (parts.username is not None and not allow_user):
        raise ValidationError(CREDENTIALS_MESSAGE)
    if not parts.hostname or not _HOST.match(parts.hostname):
        raise ValidationError("The URL needs a host name, e.g. https://github.com/org/repo.git.")
    if parts.path.strip("/") == "":
        raise ValidationError("The URL needs the repository's path, e.g. /org/repo.git.")
    if parts.query or parts.fragment:
        raise ValidationError("The URL must not have a query (?...) or fragment (#...).")
    return url


def _check_scp(url: str) -> str:
    match = _SCP_LIKE.match(url)
    if ":" in match["user"] or not _HOST.match(match["host"]):
        raise ValidationError("The ssh URL is malformed; expected git@host:org/repo.git.")
    if match["path"].startswith("-"):
        raise ValidationError("The repository path must not start with '-'.")
    return url


def _check_file(url: str, allow_local: bool) -> str:
    if not allow_local:
        raise ValidationError("Local repositories (file://) are not allowed on this server.")
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise ValidationError("A file:// URL must name a local path, e.g. file:///srv/git/app.git.")
    path = unquote(parts.path)
    if not path.startswith("/") or not Path(path).exists():
        raise ValidationError(f"No repository at {path or '(empty path)'}.")
    return url


def validate_branch(branch: str) -> str:
    """A branch name git would accept (empty means the remote's default branch)."""
    if not branch:
        return branch
    if branch.startswith(("-", "/")) or _SPACE_OR_CONTROL.search(branch) or _BAD_REF.search(branch):
        raise ValidationError(f"'{branch}' is not a valid branch name.")
    return branch


def validate_app_root(app_root: str) -> str:
    """A relative folder inside the repository (no absolute paths, no '..')."""
    if not app_root:
        return app_root
    path = PurePosixPath(app_root)
    if path.is_absolute() or ".." in path.parts or _SPACE_OR_CONTROL.search(app_root):
        raise ValidationError(
            "The app root must be a folder inside the repository, e.g. services/api."
        )
    return str(path)
