"""GitError and the translation of git's stderr into our stable error codes.

Codes match `dashboard.scans.errors`; messages are for people, so they never carry a
credential (see `scrub`) nor git's raw multi-line chatter.
"""

from __future__ import annotations

import re

UNREACHABLE = "repo:unreachable"
AUTH = "repo:auth"
NOT_FOUND = "repo:not-found"
TIMEOUT = "repo:timeout"
TOO_LARGE = "repo:too-large"
BAD_URL = "repo:bad-url"

CODES = (UNREACHABLE, AUTH, NOT_FOUND, TIMEOUT, TOO_LARGE, BAD_URL)

# scheme://user:secret@host -> scheme://***@host ; also bare "user:token@" after a scheme.
_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s]+@")
_MAX_MESSAGE = 300


class GitError(Exception):
    """A git operation failed for a reason we can name (`code`) and explain (`message`)."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = scrub(message)
        super().__init__(f"{code}: {self.message}")


def scrub(text: str) -> str:
    """The text with any credentials in URLs, and any loaded named credential, as `***`."""
    from dashboard.git.credentials import known_secrets

    text = _CREDENTIALS.sub(r"\1***@", text or "")
    for secret in known_secrets():
        text = text.replace(secret, "***")
    return text


# Ordered: the first pattern found in git's stderr decides the code.
_PATTERNS: tuple[tuple[str, str, str], ...] = (
    (
        AUTH,
        r"authentication failed|could not read (username|password)|"
        r"terminal prompts disabled|permission denied \(publickey|"
        r"access denied|returned error: 40[13]|host key verification failed",
        "the server refused access: the repository is private or the credentials are wrong",
    ),
    (
        NOT_FOUND,
        r"repository not found|does not appear to be a git repository|"
        r"not a git repository|returned error: 404|no such file or directory|"
        r"project you were looking for could not be found",
        "no repository at this URL",
    ),
    (
        NOT_FOUND,
        r"couldn't find remote ref|remote branch .* not found",
        "the branch does not exist in the repository",
    ),
    (
        BAD_URL,
        r"transport '.*' not allowed|unsupported protocol|protocol .* is not supported",
        "this kind of URL is not allowed",
    ),
    (TIMEOUT, r"timed out|operation too slow", "the server did not answer in time"),
    (
        UNREACHABLE,
        r"could not resolve host|connection refused|network is unreachable|"
        r"unable to access|failed to connect|no route to host|"
        r"could not read from remote repository|connection reset|"
        r"early eof|the remote end hung up",
        "the server could not be reached",
    ),
)


def from_stderr(stderr: str, what: str) -> GitError:
    """A GitError for a failed git command, categorised from its stderr.

    `what` names the attempted step for the message, e.g. "fetching https://host/x".
    """
    text = scrub(stderr or "")
    lowered = text.lower()
    for code, pattern, meaning in _PATTERNS:
        if re.search(pattern, lowered):
            return GitError(code, f"{what}: {meaning} ({_last_line(text)})")
    return GitError(UNREACHABLE, f"{what}: git failed ({_last_line(text)})")


def _last_line(text: str) -> str:
    # git's last "fatal:" line is the useful one; the rest is progress and hints.
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    fatal = [line for line in lines if line.lower().startswith(("fatal:", "error:"))]
    line = (fatal or lines or ["no output"])[-1]
    return line[:_MAX_MESSAGE]
