"""YAML loading that keeps 1-based line numbers and never raises.

`yaml.compose` gives nodes with marks; we turn them into plain dicts/lists (subclasses that
remember where each key and item was written) so parsers can walk data and still cite lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

# Alias expansion can blow a small file up exponentially ("billion laughs"); stop early.
MAX_NODES = 200_000
MAX_DEPTH = 200
_MERGE_TAG = "tag:yaml.org,2002:merge"


class YamlMap(dict):
    """A mapping that remembers its own line and the line of each key."""

    line: int = 0

    def __init__(self) -> None:
        super().__init__()
        self.key_lines: dict[Any, int] = {}
        self.value_texts: dict[Any, ScalarText] = {}

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)

    def lines_of(self, key: Any) -> list[tuple[int, str]]:
        """The string value of `key` as (line, text) pairs; [] when it is not a string."""
        value = self.get(key)
        if not isinstance(value, str):
            return []
        return text_lines(value, self.value_texts.get(key), self.line_of(key))


class YamlList(list):
    """A sequence that remembers its own line and the line of each item."""

    line: int = 0

    def __init__(self) -> None:
        super().__init__()
        self.item_lines: list[int] = []
        self.item_texts: dict[int, ScalarText] = {}

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line

    def lines_of(self, index: int) -> list[tuple[int, str]]:
        """The string item at `index` as (line, text) pairs; [] when it is not a string."""
        value = self[index] if 0 <= index < len(self) else None
        if not isinstance(value, str):
            return []
        return text_lines(value, self.item_texts.get(index), self.line_of(index))


@dataclass(slots=True)
class ScalarText:
    """Where a string scalar starts and whether its lines map 1:1 onto the source."""

    line: int
    literal: bool


@dataclass(slots=True)
class YamlDocument:
    data: Any


class _TooBig(Exception):
    pass


class _Builder:
    def __init__(self) -> None:
        self.count = 0
        self.constructor = yaml.SafeLoader("")

    def build(self, node: yaml.Node, depth: int = 0) -> Any:
        self.count += 1
        if self.count > MAX_NODES or depth > MAX_DEPTH:
            raise _TooBig
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, depth)
        if isinstance(node, yaml.SequenceNode):
            return self._sequence(node, depth)
        return self._scalar(node)

    def _scalar(self, node: yaml.Node) -> Any:
        try:
            value = self.constructor.construct_object(node, deep=True)
        except Exception:  # an odd timestamp or tag: keep the text rather than fail the file
            value = node.value
        return value

    def _sequence(self, node: yaml.SequenceNode, depth: int) -> YamlList:
        result = YamlList()
        result.line = node.start_mark.line + 1
        for item in node.value:
            result.append(self.build(item, depth + 1))
            result.item_lines.append(item.start_mark.line + 1)
            result.item_texts[len(result) - 1] = _scalar_text(item)
        return result

    def _mapping(self, node: yaml.MappingNode, depth: int) -> YamlMap:
        result = YamlMap()
        result.line = node.start_mark.line + 1
        merged: list[YamlMap] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged.extend(self._merge_sources(value_node, depth))
                continue
            key = self.build(key_node, depth + 1)
            if not _hashable(key):
                key = str(key)
            result[key] = self.build(value_node, depth + 1)
            result.key_lines[key] = key_node.start_mark.line + 1
            result.value_texts[key] = _scalar_text(value_node)
        for source in merged:  # explicit keys win over merged ones
            for key, value in source.items():
                if key not in result:
                    result[key] = value
                    result.key_lines[key] = source.line_of(key)
                    if key in source.value_texts:
                        result.value_texts[key] = source.value_texts[key]
        return result

    def _merge_sources(self, node: yaml.Node, depth: int) -> list[YamlMap]:
        built = self.build(node, depth + 1)
        items = built if isinstance(built, list) else [built]
        return [item for item in items if isinstance(item, YamlMap)]


def _scalar_text(node: yaml.Node) -> ScalarText:
    # a literal block's content starts on the line after its "|" indicator
    literal = getattr(node, "style", None) == "|"
    single_line = node.start_mark.line == node.end_mark.line
    return ScalarText(node.start_mark.line + (2 if literal else 1), literal or single_line)


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def load_documents(text: str) -> tuple[list[YamlDocument], str | None]:
    """All documents of a YAML stream, or as many as parsed before the error."""
    builder = _Builder()
    documents: list[YamlDocument] = []
    try:
        for node in yaml.compose_all(text, Loader=yaml.SafeLoader):
            if node is not None:
                documents.append(YamlDocument(builder.build(node)))
    except _TooBig:
        return documents, "YAML too large or too deeply nested"
    except yaml.YAMLError as exc:
        return documents, f"invalid YAML: {_first_line(exc)}"
    except Exception as exc:  # RecursionError, odd constructors: an error record, not a crash
        return documents, f"unreadable YAML ({type(exc).__name__})"
    return documents, None


def load_document(text: str) -> tuple[Any, str | None]:
    """The first document (None when empty) and any error."""
    documents, error = load_documents(text)
    return (documents[0].data if documents else None), error


def _first_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:200]


def text_lines(value: str, position: ScalarText | None, fallback: int) -> list[tuple[int, str]]:
    """Split a (multi-line) string scalar into (line number, stripped text) pairs.

    Literal blocks map line for line; folded or quoted multi-line strings get their start line.
    """
    start = position.line if position else fallback
    exact = position.literal if position else False
    pairs = []
    for offset, raw in enumerate(value.splitlines()):
        text = raw.strip()
        if text:
            pairs.append((start + offset if exact else start, text))
    return pairs
