"""Clone-URL validation: which URLs we are willing to hand to git at all.

https and ssh (URL or scp-like `git@host:path`) always; `file://` only when local
repositories are allowed (demo, tests). Everything else — http, git://, `ext::`, bare
paths, option-looking strings — is refused before git ever sees it.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit, urlunsplit

from dashboard.git.errors import BAD_URL, GitError, scrub

_SCP_LIKE = re.compile(r"^[\w.-]+@[\w.-]+:(?!//)[\w./~-][^\s]*$")
_HOST = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$", re.IGNORECASE)


def validate_clone_url(url: str, *, allow_local: bool) -> str:
    """The URL, stripped, if git may use it; else GitError("repo:bad-url", why)."""
    url = (url or "").strip()
    if not url:
        raise GitError(BAD_URL, "The clone URL is empty.")
    if url.startswith("-") or any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise GitError(BAD_URL, f"{scrub(url)!r} is not a URL git can clone from.")
    if _SCP_LIKE.match(url):
        return url
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme in ("https", "ssh"):
        _require_host(url)
        return url
    if scheme == "file":
        return _local(url, allow_local)
    if scheme == "http":
        raise GitError(BAD_URL, "Plain http:// is not allowed; use the https:// URL.")
    raise GitError(
        BAD_URL,
        f"{scrub(url)!r} is not a supported clone URL: use https://, ssh:// or git@host:path"
        + (", or file:// for a local repository." if allow_local else "."),
    )


def _require_host(url: str) -> None:
    parts = urlsplit(url)
    if not parts.hostname or not _HOST.match(parts.hostname) or not parts.path.strip("/"):
        raise GitError(BAD_URL, f"{scrub(url)!r} needs a host name and a repository path.")


def _local(url: str, allow_local: bool) -> str:
    if not allow_local:
        raise GitError(BAD_URL, "file:// URLs are turned off on this server.")
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
        raise GitError(BAD_URL, f"{url!r} must look like file:///absolute/path.")
    return url


def without_credentials(url: str) -> str:
    """The URL with any user:password removed: the identity of a repository's mirror."""
    if "://" not in url:
        return url
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=netloc))


def cache_key(url: str) -> str:
    """A file-name-safe key for the URL's mirror; rotating a token keeps the same mirror."""
    return hashlib.sha256(without_credentials(url).encode()).hexdigest()[:32]
