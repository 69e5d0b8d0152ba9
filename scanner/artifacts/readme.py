"""The README nearest the app root: headings and whether it explains running and testing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from scanner.artifacts import kinds, locate
from scanner.artifacts.view import RepoView, SourceLine, read_artifact

_RUN_HEADING = re.compile(
    r"\b(?:run|running|usage|getting[ -]started|quick[ -]?start|deploy\w*|start(?:ing)?|local "
    r"development|development setup)\b", re.IGNORECASE)
_TEST_HEADING = re.compile(r"\btest(?:s|ing)?\b", re.IGNORECASE)
_RUN_TEXT = re.compile(
    r"\buvicorn\b|\bfastapi\s+(?:run|dev)\b|\bdocker[- ]compose\s+up\b|\bmake\s+(?:run|dev|start"
    r"|serve|up)\b|\bgunicorn\b|\bhypercorn\b|\bgranian\b|\bdocker\s+run\b"
    r"|\b(?:run|start)(?:ning)?\s+(?:the\s+)?(?:app|application|server|service|api|project)\b",
    re.IGNORECASE)
_TEST_TEXT = re.compile(
    r"\bpytest\b|\bmake\s+(?:test|check)\b|\btox\b|\bnox\b|\bhatch\s+(?:run\s+)?test\b"
    r"|\brun(?:ning)?\s+(?:the\s+)?tests\b", re.IGNORECASE)
_RST_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+<>:.])\1{2,}\s*$")


@dataclass(slots=True, frozen=True)
class Heading:
    level: int
    text: str
    line: int


@dataclass(slots=True)
class ReadmeFacts:
    path: str
    headings: list[Heading] = field(default_factory=list)
    run_evidence: list[SourceLine] = field(default_factory=list)
    test_evidence: list[SourceLine] = field(default_factory=list)
    error: str | None = None

    @property
    def explains_run(self) -> bool:
        return bool(self.run_evidence)

    @property
    def explains_test(self) -> bool:
        return bool(self.test_evidence)


def collect(view: RepoView) -> ReadmeFacts | None:
    path = locate.nearest(view, kinds.README)
    if path is None:
        return None
    text, error = read_artifact(view, path)
    return parse_readme(path, text) if text is not None else ReadmeFacts(path, error=error)


def parse_readme(path: str, text: str) -> ReadmeFacts:
    facts = ReadmeFacts(path=path, headings=_headings(text.splitlines()))
    for heading in facts.headings:
        evidence = SourceLine(path, heading.line, heading.text)
        if _RUN_HEADING.search(heading.text):
            facts.run_evidence.append(evidence)
        if _TEST_HEADING.search(heading.text):
            facts.test_evidence.append(evidence)
    for number, line in enumerate(text.splitlines(), start=1):
        if _RUN_TEXT.search(line):
            facts.run_evidence.append(SourceLine(path, number, line.strip()))
        if _TEST_TEXT.search(line):
            facts.test_evidence.append(SourceLine(path, number, line.strip()))
    return facts


def _headings(lines: list[str]) -> list[Heading]:
    """Markdown `#` and setext headings (outside code fences) and reStructuredText titles."""
    headings, fenced = [], False
    rst_levels: list[str] = []
    for index, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if fenced:
            continue
        atx = re.match(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$", line)
        if atx:
            headings.append(Heading(len(atx.group(1)), atx.group(2), index + 1))
            continue
        below = lines[index + 1] if index + 1 < len(lines) else ""
        if line.strip() and not _RST_UNDERLINE.match(line) and _underlines(line, below):
            level = _underline_level(below.strip()[0], rst_levels)
            headings.append(Heading(level, line.strip(), index + 1))
    return headings


def _underlines(text: str, below: str) -> bool:
    stripped = below.strip()
    if re.fullmatch(r"=+|-+", stripped) and len(stripped) >= 2:
        return True  # markdown setext
    return bool(_RST_UNDERLINE.match(below)) and len(stripped) >= len(text.strip())


def _underline_level(character: str, seen: list[str]) -> int:
    if character not in seen:
        seen.append(character)
    return seen.index(character) + 1
