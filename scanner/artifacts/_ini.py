"""INI files (setup.cfg, tox.ini, mypy.ini, ...) through configparser, with line numbers.

configparser gives the truth about sections and values; a light line index says where each
section and key was written, so rules can cite it.
"""

from __future__ import annotations

import configparser
import re
from dataclasses import dataclass, field

_SECTION = re.compile(r"^\s*\[([^\]]+)\]")
_KEY = re.compile(r"^([^\s=:#;][^=:]*?)\s*[=:]")


@dataclass(slots=True)
class IniFile:
    """Sections -> key -> value (raw, uninterpolated), plus where they were written."""

    sections: dict[str, dict[str, str]] = field(default_factory=dict)
    section_lines: dict[str, int] = field(default_factory=dict)
    key_lines: dict[tuple[str, str], int] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    error: str | None = None

    def get(self, section: str, key: str) -> str | None:
        return self.sections.get(section, {}).get(key.lower())

    def line_of(self, section: str, key: str | None = None) -> int:
        if key is not None and (section, key.lower()) in self.key_lines:
            return self.key_lines[(section, key.lower())]
        return self.section_lines.get(section, 1)

    def value_lines(self, section: str, key: str) -> list[tuple[int, str]]:
        """A multi-line value split into (line, text) pairs, found in the source text."""
        value = self.get(section, key)
        if value is None:
            return []
        line = self.line_of(section, key)
        pairs = []
        for fragment in (part.strip() for part in value.splitlines()):
            if not fragment:
                continue
            line = _find_line(self.lines, fragment, line)
            pairs.append((line, fragment))
        return pairs


def _find_line(lines: list[str], fragment: str, start: int) -> int:
    for number in range(start, min(len(lines), start + 500) + 1):
        if fragment in lines[number - 1]:
            return number
    return start


def parse_ini(text: str) -> IniFile:
    """Parse without interpolation (values keep `%(here)s`, `{toxinidir}` as written)."""
    result = IniFile(lines=text.splitlines())
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        result.error = f"invalid INI: {' '.join(str(exc).split())[:200]}"
    except Exception as exc:  # odd encodings or recursion: an error record, not a crash
        result.error = f"unreadable INI ({type(exc).__name__})"
    for section in parser.sections():
        result.sections[section] = dict(parser.items(section, raw=True))
    _index_lines(result)
    return result


def _index_lines(result: IniFile) -> None:
    section = None
    for number, raw in enumerate(result.lines, start=1):
        header = _SECTION.match(raw)
        if header:
            section = header.group(1).strip()
            result.section_lines.setdefault(section, number)
            continue
        key = _KEY.match(raw)
        if section is not None and key and not raw[:1].isspace():
            result.key_lines.setdefault((section, key.group(1).strip().lower()), number)
