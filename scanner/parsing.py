"""Stage 2: parse every Python file once, in parallel, with a content-hash cache.

Workers parse and extract facts; only the facts travel back. An unchanged file (same
path and bytes, same extractor version) is loaded from the cache instead of parsed.
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import pickle
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .files import TreeReader
from .python.facts import ModuleFacts

EXTRACTOR_VERSION = "4"
PARALLEL_MIN_FILES = 48


@dataclass(slots=True)
class ParseOutcome:
    modules: dict[str, ModuleFacts] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    cached: int = 0
    parsed: int = 0


def _cache_key(path: str, data: bytes) -> str:
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(EXTRACTOR_VERSION.encode())
    digest.update(b"\0" + path.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(data)
    return digest.hexdigest()


class FactCache:
    """One pickle per file version under `<dir>/facts-v<N>/`; safe to delete any time."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory / f"facts-v{EXTRACTOR_VERSION}"

    def _file(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.pkl"

    def load(self, key: str) -> ModuleFacts | tuple[str] | None:
        """The stored facts or error reason; None for a miss or a damaged entry (unpickling
        damaged bytes can raise almost anything, e.g. UnicodeDecodeError, IndexError)."""
        try:
            with open(self._file(key), "rb") as handle:
                value = pickle.load(handle)
        except Exception:
            return None
        if isinstance(value, ModuleFacts):
            return value
        if isinstance(value, tuple) and len(value) == 1 and isinstance(value[0], str):
            return value
        return None

    def store(self, key: str, value: ModuleFacts | tuple[str]) -> None:
        target = self._file(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_suffix(f".{os.getpid()}.tmp")
            with open(temporary, "wb") as handle:
                pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, target)
        except OSError:
            pass  # a cache that cannot be written only costs speed


def _parse_one(task: tuple[str, str]) -> tuple[str, ModuleFacts | None, str | None]:
    # Imported here: libcst takes a tenth of a second to import, and a fully cached
    # scan never parses (workers are forked after the first import, so pay it once).
    from .python.extract import ParseFailure, extract_facts

    path, source = task
    try:
        return path, extract_facts(path, source), None
    except ParseFailure as exc:
        return path, None, str(exc)
    except MemoryError:
        return path, None, "out of memory while parsing"


def _worker_init() -> None:
    from .python.extract import raise_recursion_limit

    raise_recursion_limit()
    gc.freeze()
    # Syntax trees hold no reference cycles, so reference counting frees them; the cyclic
    # collector would only re-scan every live node again and again while a file parses.
    gc.disable()


def parse_files(root: Path, paths: list[str], cache_dir: Path | None = None,
                jobs: int | None = None) -> ParseOutcome:
    outcome = ParseOutcome()
    reader = TreeReader(root)
    cache = FactCache(cache_dir) if cache_dir is not None else None
    pending: list[tuple[str, str]] = []
    keys: dict[str, str] = {}
    for path in paths:
        data = reader.read_bytes(path, limit=2 * 1024 * 1024)
        if data is None:
            outcome.errors[path] = reader.problems.get(path, "unreadable")
            continue
        if cache is not None:
            keys[path] = key = _cache_key(path, data)
            hit = cache.load(key)
            if isinstance(hit, ModuleFacts):
                outcome.modules[path] = hit
                outcome.cached += 1
                continue
            if isinstance(hit, tuple):
                outcome.errors[path] = hit[0]
                outcome.cached += 1
                continue
        from .files import decode_python

        source, problem = decode_python(data)
        if source is None:
            outcome.errors[path] = problem or "undecodable"
            continue
        pending.append((path, source))
    with _cyclic_gc_paused():
        for path, facts, error in _run(pending, jobs):
            outcome.parsed += 1
            if facts is not None:
                outcome.modules[path] = facts
            else:
                outcome.errors[path] = error or "could not parse"
            if cache is not None:
                cache.store(keys[path], facts if facts is not None else (error or "",))
    return outcome


@contextmanager
def _cyclic_gc_paused():
    """Pause the cyclic collector while facts pile up: facts and trees form no cycles,
    and each full collection would walk every fact received so far."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _run(pending: list[tuple[str, str]], jobs: int | None):
    if not pending:
        return
    from .python.extract import raise_recursion_limit

    workers = jobs or os.cpu_count() or 1
    if workers <= 1 or len(pending) < PARALLEL_MIN_FILES:
        raise_recursion_limit()
        for task in pending:
            yield _parse_one(task)
        return
    # Largest files first so one big file does not finish last on its own.
    pending = sorted(pending, key=lambda t: len(t[1]), reverse=True)
    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    with context.Pool(workers, initializer=_worker_init) as pool:
        yield from pool.imap_unordered(_parse_one, pending, chunksize=4)
