"""The endpoint inventory: routes from a scan's `endpoints` JSON, normalised and filtered.

No queries: the routes travel on the scan row. Older reports carry `method` and a
`handler` of the form "file.py:line" instead of `methods`/`file`/`line`; both read the same.
Reports from before the request and response types were recorded lack those keys: their
routes say "not recorded" and match no type filter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

FILTERS = {
    "unauthenticated": "Unauthenticated (not public, no auth dependency)",
    "untested": "Untested (no test calls it)",
    "untyped_response": "Without a response model (JSON with nothing declared)",
}
# Values of `response_kind` in a report (docs/scan-report.md); anything else reads unknown.
RESPONSE_KINDS = {"model", "page", "empty", "untyped"}


@dataclass(frozen=True, slots=True)
class Body:
    name: str  # "" when the parameter has no type
    kind: str  # "model", "dict" (not validated) or "other"
    param: str

    @property
    def untyped(self) -> bool:
        return self.kind == "dict"


@dataclass(frozen=True, slots=True)
class Route:
    methods: tuple[str, ...]
    path: str
    handler: str
    file: str
    line: int | None
    is_async: bool | None
    auth_dependencies: tuple[str, ...]
    authenticated: bool | None  # None: the scanner could not tell
    public: bool
    tested_by: tuple[str, ...]
    types_recorded: bool = False  # the report has request/response keys (newer scans)
    body: Body | None = None
    response_name: str = ""
    response_kind: str | None = None  # None: not recorded or not known
    status_code: int | None = None

    @property
    def untyped_response(self) -> bool:
        return self.response_kind == "untyped"

    @property
    def unauthenticated(self) -> bool:
        return not self.public and self.authenticated is False

    @property
    def untested(self) -> bool:
        return not self.tested_by

    @property
    def auth_label(self) -> str:
        if self.public:
            return "Public"
        return {True: "Authenticated", False: "Unauthenticated", None: "Unclear"}[
            self.authenticated
        ]


def routes(endpoints: Iterable[Mapping[str, Any]]) -> list[Route]:
    """Routes in path then method order."""
    return sorted((_route(e) for e in endpoints or ()), key=lambda r: (r.path, r.methods))


def filtered(all_routes: list[Route], wanted: Iterable[str]) -> list[Route]:
    """Routes matching every wanted filter (names from FILTERS; unknown names are ignored)."""
    chosen = [name for name in wanted if name in FILTERS]
    return [r for r in all_routes if all(getattr(r, name) for name in chosen)]


def summary(all_routes: list[Route]) -> dict[str, int]:
    return {
        "total": len(all_routes),
        "unauthenticated": sum(r.unauthenticated for r in all_routes),
        "untested": sum(r.untested for r in all_routes),
        "public": sum(r.public for r in all_routes),
        "unclear": sum(r.authenticated is None and not r.public for r in all_routes),
        "untyped_response": sum(r.untyped_response for r in all_routes),
        "types_not_recorded": sum(not r.types_recorded for r in all_routes),
    }


def _route(endpoint: Mapping[str, Any]) -> Route:
    auth = endpoint.get("auth") or {}
    file, line = _location(endpoint)
    methods = endpoint.get("methods") or [endpoint.get("method") or "ANY"]
    return Route(
        methods=tuple(str(m).upper() for m in methods),
        path=str(endpoint.get("path") or ""),
        handler=_handler_name(endpoint),
        file=file,
        line=line,
        is_async=endpoint.get("is_async"),
        auth_dependencies=tuple(auth.get("dependencies") or ()),
        authenticated=auth.get("authenticated") if "authenticated" in auth else None,
        public=bool(endpoint.get("public")),
        tested_by=tuple(endpoint.get("tested_by") or ()),
        **_types(endpoint),
    )


def _types(endpoint: Mapping[str, Any]) -> dict[str, Any]:
    """The request/response fields, tolerant of reports that lack or garble them."""
    if "response_kind" not in endpoint:
        return {}
    response = endpoint.get("response_model")
    kind = endpoint.get("response_kind")
    status = endpoint.get("status_code")
    return {
        "types_recorded": True,
        "body": _body(endpoint.get("request_body")),
        "response_name": _text(response.get("name")) if isinstance(response, Mapping) else "",
        "response_kind": kind if kind in RESPONSE_KINDS else None,
        "status_code": status if isinstance(status, int) and not isinstance(status, bool)
        else None,
    }


def _body(body: Any) -> Body | None:
    if not isinstance(body, Mapping):
        return None
    return Body(name=_text(body.get("name")), kind=_text(body.get("kind")) or "other",
                param=_text(body.get("param")))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _location(endpoint: Mapping[str, Any]) -> tuple[str, int | None]:
    if endpoint.get("file"):
        line = endpoint.get("line")
        return str(endpoint["file"]), line if isinstance(line, int) else None
    handler = str(endpoint.get("handler") or "")
    path, _, line = handler.rpartition(":")
    if path.endswith(".py") and line.isdigit():
        return path, int(line)
    return "", None


def _handler_name(endpoint: Mapping[str, Any]) -> str:
    # An old-style "file.py:line" handler is a location, not a name.
    handler = str(endpoint.get("handler") or "")
    path, _, line = handler.rpartition(":")
    return "" if path.endswith(".py") and line.isdigit() else handler
