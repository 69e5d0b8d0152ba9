from scanner.artifacts.proxy import collect, find_redirects
from scanner.artifacts.vulnscan import collect as collect_vulnscan
from tests.scanner.artifacts.fakes import make_view

NGINX = """\
server {
    listen 80;
    # return 301 https://commented.out;
    return 301 https://$host$request_uri;
}
"""


def test_it_finds_an_nginx_redirect_to_https():
    found = collect(make_view({"deploy/nginx/default.conf": NGINX})).https_redirects
    assert [(r.path, r.line, r.server) for r in found] == [
        ("deploy/nginx/default.conf", 4, "nginx")]


def test_it_finds_nginx_rewrites():
    found = find_redirects("nginx.conf", "rewrite ^(.*)$ https://$host$1 permanent;\n")
    assert found[0].server == "nginx"


def test_it_counts_caddy_sites_with_a_host_as_https():
    caddy = "{\n  email ops@example.com\n}\n\napi.example.com {\n  reverse_proxy api:8000\n}\n"
    assert [r.line for r in find_redirects("Caddyfile", caddy)] == [5]
    assert find_redirects("Caddyfile", ":80 {\n  reverse_proxy api:8000\n}\n") == []
    assert find_redirects("Caddyfile", "http://api.example.com {\n}\n") == []
    assert find_redirects("Caddyfile", "{\n  auto_https off\n}\napi.example.com {\n}\n") == []


def test_it_finds_traefik_redirects_in_compose_labels():
    compose = ("services:\n  proxy:\n    command:\n"
               "      - --entrypoints.web.http.redirections.entrypoint.to=websecure\n")
    view = make_view({"docker-compose.yml": compose})
    found = collect(view, ["docker-compose.yml"]).https_redirects
    assert [(r.line, r.server) for r in found] == [(4, "traefik")]


def test_it_ignores_plain_http_proxies():
    assert collect(make_view({"nginx.conf": "server { listen 80; }\n"})).https_redirects == []


def test_it_finds_dependabot_and_renovate_by_exact_name():
    view = make_view({".github/dependabot.yml": "version: 2\n", "renovate.json": "{}"})
    assert [c.tool for c in collect_vulnscan(view).configs] == ["dependabot", "renovate"]


def test_it_does_not_count_disabled_or_misnamed_configs():
    view = make_view({".github/dependabot.yml.disabled": "", "dependabot.yml": "",
                      "renovate.json.disabled": ""})
    assert not collect_vulnscan(view).configured
