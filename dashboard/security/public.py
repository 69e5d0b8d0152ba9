"""Which URLs skip session sign-in, and why; the access tests hold every URL to this.

Two lists, by URL name (`namespace:name` inside a namespace):

- PUBLIC: anyone may read them (sign-in page, health probes, badges, a static JS library).
- OWN_AUTH: they skip the session sign-in because they check a bearer token themselves
  (API, exports, metrics) — an anonymous request must still get 401/403 from the view.

A view marked `login_not_required` must be named here too, or the access tests fail, so a
page cannot become public by accident.
"""

from __future__ import annotations

PUBLIC_URL_NAMES = frozenset({"login", "health", "ready", "badge", "plotly-js", "admin:login"})
OWN_AUTH_URL_NAMES = frozenset({"metrics", "scan-sarif"})
OWN_AUTH_URL_NAME_PREFIXES = ("api-", "export-")


def is_public(name: str | None) -> bool:
    return bool(name) and name in PUBLIC_URL_NAMES


def has_own_auth(name: str | None) -> bool:
    return bool(name) and (
        name in OWN_AUTH_URL_NAMES or name.startswith(OWN_AUTH_URL_NAME_PREFIXES)
    )


def skips_sign_in(name: str | None) -> bool:
    return is_public(name) or has_own_auth(name)
