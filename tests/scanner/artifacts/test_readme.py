from scanner.artifacts.readme import collect, parse_readme
from tests.scanner.artifacts.fakes import make_view

README = """\
Orders API
==========

## Getting started

```bash
# Run tests inside fences are code, not headings
docker compose up
```

Testing
-------
Run `make test`.
"""


def test_it_reads_headings_and_run_and_test_instructions():
    facts = parse_readme("README.md", README)
    assert [(h.level, h.text, h.line) for h in facts.headings] == [
        (1, "Orders API", 1), (2, "Getting started", 4), (2, "Testing", 11)]
    assert facts.explains_run and facts.explains_test
    assert any(e.text == "docker compose up" for e in facts.run_evidence)


def test_it_reads_restructuredtext_titles():
    facts = parse_readme("README.rst", "Service\n=======\n\nUsage\n-----\nuvicorn app:app\n")
    assert [h.text for h in facts.headings] == ["Service", "Usage"]
    assert facts.explains_run and not facts.explains_test


def test_it_picks_the_readme_nearest_the_app_root():
    view = make_view({"README.md": "# Monorepo\n", "services/api/README.md": "# API\n"},
                     "services/api")
    facts = collect(view)
    assert facts.path == "services/api/README.md"
    assert not facts.explains_run and not facts.explains_test


def test_it_returns_none_without_a_readme():
    assert collect(make_view({"docs/README.md": "# docs\n"})) is None
