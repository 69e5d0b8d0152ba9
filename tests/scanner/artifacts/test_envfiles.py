from scanner.artifacts.envfiles import collect, parse_env
from tests.scanner.artifacts.fakes import make_view

ENV = """\
# local settings
export SECRET_KEY='s3cr3t'
DATABASE_URL="postgresql://u:p@db/app"
EMPTY=
DEBUG=true # inline comment
PRIVATE_KEY="-----BEGIN KEY-----
abc
-----END KEY-----"
AFTER=1
not a pair
"""


def test_it_reads_pairs_with_lines_quotes_exports_and_empty_values():
    entries = parse_env(".env", ENV).entries
    assert [(e.key, e.value, e.line) for e in entries] == [
        ("SECRET_KEY", "s3cr3t", 2), ("DATABASE_URL", "postgresql://u:p@db/app", 3),
        ("EMPTY", "", 4), ("DEBUG", "true", 5),
        ("PRIVATE_KEY", "-----BEGIN KEY-----\nabc\n-----END KEY-----", 6), ("AFTER", "1", 9)]
    assert entries[0].quoted and not entries[2].quoted


def test_it_skips_template_env_files():
    view = make_view({".env": "A=1\n", ".env.example": "A=\n", ".env.sample": "",
                      ".env.template": "", ".env.dist": "", "deploy/.env.production": "B=2\n"})
    assert [f.path for f in collect(view)] == [".env", "deploy/.env.production"]


def test_it_survives_an_unterminated_quote():
    assert parse_env(".env", 'A="never closed\nB=2\n').entries[0].key == "A"
