"""Skip libcst's re-validation of the nodes its own parser just built.

Every libcst node runs `_validate()` from `CSTNode.__post_init__` when it is constructed,
also when the parser constructs it from source it has just accepted. For a tree we only
read, never modify or print, that validation cannot find anything, yet it costs about 15%
of `parse_module` (libcst's own source marks it as a known cost of parsing). Parse workers
switch it off for their lifetime; the in-process path switches it off around its loop only.
Safety is checked, not assumed: when the libcst installed is not shaped as expected (no
`__post_init__` on CSTNode, or a node class with a `__post_init__` of its own, which would
then be skipped too), nothing is changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from libcst import CSTNode


def _no_validation(self: CSTNode) -> None:
    return None


@cache
def can_skip() -> bool:
    """True when `__post_init__` is CSTNode's alone and only validates."""
    if "__post_init__" not in CSTNode.__dict__:
        return False
    pending, seen = list(CSTNode.__subclasses__()), set()
    while pending:
        node_class = pending.pop()
        if node_class in seen:
            continue
        seen.add(node_class)
        if "__post_init__" in node_class.__dict__:
            return False
        pending.extend(node_class.__subclasses__())
    return True


def skip_for_this_process() -> None:
    """For parse workers: they only ever build trees by parsing."""
    if can_skip():
        CSTNode.__post_init__ = _no_validation


@contextmanager
def skipped() -> Iterator[None]:
    """Skip validation inside the block, restore it after (for the in-process path)."""
    original = CSTNode.__dict__.get("__post_init__")
    if not can_skip() or original is _no_validation:
        yield
        return
    CSTNode.__post_init__ = _no_validation
    try:
        yield
    finally:
        CSTNode.__post_init__ = original
