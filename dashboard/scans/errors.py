"""Why a scan ended: stable error codes and the text a person reads for each.

`Scan.error_code` stores the code, `Scan.error_message` the specific detail (what git or
the scanner said, credentials scrubbed); pages show `describe(code)` beside the detail.
"""

from __future__ import annotations

from dataclasses import dataclass

REPO_UNREACHABLE = "repo:unreachable"
REPO_AUTH = "repo:auth"
REPO_NOT_FOUND = "repo:not-found"
REPO_TIMEOUT = "repo:timeout"
REPO_TOO_LARGE = "repo:too-large"
REPO_BAD_URL = "repo:bad-url"
SCAN_ERROR = "scan:error"
SCAN_TIMEOUT = "scan:timeout"
SCAN_CRASHED = "scan:crashed"
SCAN_OUT_OF_MEMORY = "scan:out-of-memory"
WORKER_LOST = "worker:lost"
QUEUE_UNAVAILABLE = "queue:unavailable"
QUEUE_EXPIRED = "queue:expired"


@dataclass(frozen=True)
class ErrorInfo:
    code: str
    title: str
    hint: str


_INFO = {
    REPO_UNREACHABLE: (
        "Repository unreachable",
        "The git server could not be reached from the worker. Check the clone URL and that "
        "the host is reachable; the next scan tries again.",
    ),
    REPO_AUTH: (
        "Access denied",
        "The git server refused access. A private repository needs credentials for the "
        "workers (a deploy key or token configured in their environment).",
    ),
    REPO_NOT_FOUND: (
        "Repository or branch not found",
        "Nothing was found at this URL or branch. Check both in the repository's settings.",
    ),
    REPO_TIMEOUT: (
        "Git timed out",
        "Cloning or fetching took too long. The server may be slow or the repository huge; "
        "the next scan continues from what was fetched.",
    ),
    REPO_TOO_LARGE: (
        "Repository too large",
        "The repository or the scanned commit is over the size or file-count limit "
        "(READYBOARD_MAX_REPO_MB). Point the app root at the service or raise the limit.",
    ),
    REPO_BAD_URL: (
        "Clone URL not allowed",
        "Use an https:// or ssh URL (or git@host:path); file:// only where local "
        "repositories are allowed.",
    ),
    SCAN_ERROR: (
        "Scanner error",
        "The scanner could not finish on this tree. The full details are in the worker log.",
    ),
    SCAN_TIMEOUT: (
        "Scan timed out",
        "The scan ran past its time limit (READYBOARD_SCAN_TIMEOUT) and was stopped.",
    ),
    SCAN_CRASHED: (
        "Scanner crashed",
        "The scanner's process died on a signal (the worker carried on); its last output "
        "is in the worker log. Press Scan now to try again; report it if it happens again.",
    ),
    SCAN_OUT_OF_MEMORY: (
        "Scan out of memory",
        "The scan needed more memory than a scanner process may use "
        "(READYBOARD_SCAN_MEMORY_MB). Point the app root at the service, exclude generated "
        "code in [tool.readyboard], or raise the limit.",
    ),
    WORKER_LOST: (
        "Worker lost",
        "The worker running this scan stopped answering (crash, restart or out of memory). "
        "Press Scan now to try again.",
    ),
    QUEUE_UNAVAILABLE: (
        "Queue unavailable",
        "The scan could not be handed to the workers because the broker was unreachable.",
    ),
    QUEUE_EXPIRED: (
        "Never picked up",
        "No worker started this scan in time. Check that a Celery worker is running.",
    ),
}

CODES = tuple(_INFO)


def describe(code: str) -> ErrorInfo:
    """Title and hint for an error code; a generic text for codes we do not know."""
    title, hint = _INFO.get(
        code, ("Scan failed", "The scan ended with an error; see the message for details.")
    )
    return ErrorInfo(code=code, title=title, hint=hint)
