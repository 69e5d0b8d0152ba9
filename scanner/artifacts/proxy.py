"""HTTP -> HTTPS redirects in proxy configuration of the repository (SEC-007).

nginx, Caddy and Traefik have no Python parser we could reuse: their files are read line
by line. Traefik is often configured through compose labels and k8s ingress annotations, so
those files are scanned for the same markers.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from scanner.artifacts import kinds, locate
from scanner.artifacts.view import RepoView, read_artifact

_NGINX_REDIRECT = re.compile(
    r"^\s*(?:return\s+30[1278]\s+[\"']?https://|rewrite\s+\S+\s+[\"']?https://)", re.IGNORECASE)
_TRAEFIK_REDIRECT = re.compile(
    r"redirect-?scheme|redirections\.entry-?points?\.to|redirections\s*[:=]", re.IGNORECASE)
_INGRESS_REDIRECT = re.compile(
    r"(?:force-)?ssl-redirect[\"']?\s*[:=]\s*[\"']?true", re.IGNORECASE)
_CADDY_REDIRECT = re.compile(r"^\s*redir\s+https://", re.IGNORECASE)
_CADDY_OFF = re.compile(r"^\s*auto_https\s+(?:off|disable_redirects)\b", re.IGNORECASE)


@dataclass(slots=True, frozen=True)
class HttpsRedirect:
    path: str
    line: int
    text: str
    server: str  # "nginx", "caddy", "traefik", "ingress"


@dataclass(slots=True)
class ProxyFacts:
    files: list[str] = field(default_factory=list)
    https_redirects: list[HttpsRedirect] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def collect(view: RepoView, extra_paths: list[str] | None = None) -> ProxyFacts:
    """Proxy files of the app root chain, plus `extra_paths` (compose files, k8s manifests)."""
    facts = ProxyFacts(files=locate.candidates(view, kinds.PROXY))
    for path in [*facts.files, *(extra_paths or [])]:
        text, error = read_artifact(view, path)
        if text is None:
            facts.errors.append(error or path)
            continue
        facts.https_redirects += find_redirects(path, text)
    return facts


def find_redirects(path: str, text: str) -> list[HttpsRedirect]:
    name = posixpath.basename(path).lower()
    if "caddy" in name:
        return _caddy(path, text)
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        code = line.split("#", 1)[0] if not name.endswith((".yml", ".yaml")) else line
        if _NGINX_REDIRECT.search(code):
            found.append(HttpsRedirect(path, number, line.strip(), "nginx"))
        elif _TRAEFIK_REDIRECT.search(code) and "http" in text.lower():
            found.append(HttpsRedirect(path, number, line.strip(), "traefik"))
        elif _INGRESS_REDIRECT.search(code):
            found.append(HttpsRedirect(path, number, line.strip(), "ingress"))
    return found


def _caddy(path: str, text: str) -> list[HttpsRedirect]:
    """Caddy serves HTTPS and redirects HTTP itself for every site with a host name."""
    lines = text.splitlines()
    if any(_CADDY_OFF.match(line) for line in lines):
        return [HttpsRedirect(path, n, line.strip(), "caddy")
                for n, line in enumerate(lines, 1) if _CADDY_REDIRECT.match(line)]
    found, depth = [], 0
    for number, line in enumerate(lines, start=1):
        code = line.split("#", 1)[0].strip()
        is_site = depth == 0 and code not in ("", "{") and _site_has_https(code)
        if is_site or _CADDY_REDIRECT.match(code):
            found.append(HttpsRedirect(path, number, line.strip(), "caddy"))
        depth = max(0, depth + code.count("{") - code.count("}"))
    return found


def _site_has_https(code: str) -> bool:
    addresses = code.rstrip("{").replace(",", " ").split()
    return any(_automatic_https(address) for address in addresses)


def _automatic_https(address: str) -> bool:
    if address.startswith("http://") or address.startswith(":") or address.startswith("("):
        return False
    host = address.removeprefix("https://").split("/", 1)[0].split(":", 1)[0]
    return bool(re.fullmatch(r"[\w*.-]+\.[\w-]+|localhost|\{\$?[\w:.-]+\}", host))
