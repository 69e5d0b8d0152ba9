"""Stage 2: parse every Python file once, in parallel, with a content-hash cache.

Each worker reads its own files (through the guarded TreeReader), looks them up in the
facts cache, and parses and extracts only the misses; only facts travel back. An unchanged
file (same path and bytes, same extractor version) is loaded from the cache, not parsed.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from .files import MAX_PYTHON_BYTES, TreeReader, decode_python
from .forking import death_with_parent
from .parse_pool import parse_in_pool
from .python.facts import ModuleFacts
from .waivers import MARKER as WAIVER_MARKER

EXTRACTOR_VERSION = "5"
PARALLEL_MIN_FILES = 48


@dataclass(slots=True)
class ParseOutcome:
    modules: dict[str, ModuleFacts] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    cached: int = 0
    parsed: int = 0
    # Files whose text mentions the waiver marker; only these are read again for waivers.
    waiver_candidates: set[str] = field(default_factory=set)


def _cache_key(path: str, data: bytes) -> str:
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(EXTRACTOR_VERSION.encode())
    digest.update(b"\0" + path.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(data)
    return digest.hexdigest()


def _usable(value: object) -> ModuleFacts | tuple[str] | None:
    """Facts or a one-string error tuple; anything else is a damaged cache entry."""
    if isinstance(value, ModuleFacts):
        return value
    if isinstance(value, tuple) and len(value) == 1 and isinstance(value[0], str):
        return value
    return None


def _unpickled(blob: bytes) -> ModuleFacts | tuple[str] | None:
    # Unpickling damaged bytes can raise almost anything (UnicodeDecodeError, IndexError...).
    try:
        return _usable(pickle.loads(blob))
    except Exception:
        return None


class FactCache:
    """One pickle per file version under `<dir>/facts-v<N>/`; safe to delete any time."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory / f"facts-v{EXTRACTOR_VERSION}"

    def _file(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.pkl"

    def load_blob(self, key: str) -> bytes | None:
        try:
            with open(self._file(key), "rb") as handle:
                return handle.read()
        except OSError:
            return None

    def store_blob(self, key: str, blob: bytes) -> None:
        target = self._file(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_suffix(f".{os.getpid()}.tmp")
            with open(temporary, "wb") as handle:
                handle.write(blob)
            os.replace(temporary, target)
        except OSError:
            pass  # a cache that cannot be written only costs speed

    def store(self, key: str, value: ModuleFacts | tuple[str]) -> None:
        self.store_blob(key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


# --- one file, in whichever process handles it ------------------------------------------

@dataclass(slots=True)
class FileResult:
    """What became of one file. `facts` may still be a pickled blob (from the cache, or
    pickled once for both the cache and the trip back); the parent unpickles it."""

    path: str
    facts: ModuleFacts | bytes | None = None
    error: str | None = None
    from_cache: bool = False
    parsed: bool = False  # handed to the parser (a parse error counts; unreadable does not)
    mentions_waivers: bool = False


class FileProcessor:
    """Read -> cache lookup -> parse and extract -> cache store, for files of one tree."""

    def __init__(self, root: Path, cache_dir: Path | None, blobs: bool) -> None:
        self.reader = TreeReader(root)
        self.cache = FactCache(cache_dir) if cache_dir is not None else None
        self.blobs = blobs  # send cached facts back as bytes (a worker) or as objects

    def __call__(self, path: str) -> FileResult:
        data = self.reader.read_bytes(path, limit=MAX_PYTHON_BYTES)
        if data is None:
            return FileResult(path, error=self.reader.problems.get(path, "unreadable"))
        result = FileResult(path, mentions_waivers=WAIVER_MARKER in data.lower())
        key = _cache_key(path, data) if self.cache is not None else ""
        if self.cache is not None and self._from_cache(key, result):
            return result
        source, problem = decode_python(data)
        if source is None:
            result.error = problem or "undecodable"
            return result
        self._parse(path, source, result)
        if self.cache is not None:
            self._store(key, result)
        return result

    def _from_cache(self, key: str, result: FileResult) -> bool:
        blob = self.cache.load_blob(key)
        value = _unpickled(blob) if blob is not None else None
        if value is None:
            return False
        result.from_cache = True
        if isinstance(value, tuple):
            result.error = value[0]
        else:
            result.facts = blob if self.blobs else value
        return True

    def _parse(self, path: str, source: str, result: FileResult) -> None:
        # Imported here: libcst takes a tenth of a second to import, and a fully cached
        # scan never parses (workers are forked after the first import, so pay it once).
        from .python.extract import ParseFailure, extract_facts

        result.parsed = True
        try:
            result.facts = extract_facts(path, source)
        except ParseFailure as exc:
            result.error = str(exc) or "could not parse"
        except MemoryError:
            result.error = "out of memory while parsing"

    def _store(self, key: str, result: FileResult) -> None:
        if result.facts is None:
            self.cache.store(key, (result.error or "",))
            return
        blob = pickle.dumps(result.facts, protocol=pickle.HIGHEST_PROTOCOL)
        self.cache.store_blob(key, blob)
        if self.blobs:
            result.facts = blob  # one pickling serves the cache and the trip back


# --- the whole tree ----------------------------------------------------------------------

def parse_files(root: Path, paths: list[str], cache_dir: Path | None = None,
                jobs: int | None = None, sizes: dict[str, int] | None = None) -> ParseOutcome:
    """Facts of every readable, parsable file in `paths`, and why the others were not."""
    outcome = ParseOutcome()
    facts: dict[str, ModuleFacts] = {}
    errors: dict[str, str] = {}
    with _cyclic_gc_paused():
        for result in _run(root, paths, cache_dir, jobs, sizes or {}):
            _record(result, facts, errors, outcome)
    # In the order given, whichever worker finished first: reports stay deterministic.
    outcome.modules = {path: facts[path] for path in paths if path in facts}
    outcome.errors = {path: errors[path] for path in paths if path in errors}
    return outcome


def _record(result: FileResult, facts: dict, errors: dict, outcome: ParseOutcome) -> None:
    if result.mentions_waivers:
        outcome.waiver_candidates.add(result.path)
    outcome.cached += result.from_cache
    outcome.parsed += result.parsed
    value = _unpickled(result.facts) if isinstance(result.facts, bytes) else result.facts
    if isinstance(value, ModuleFacts):
        facts[result.path] = value
    else:
        errors[result.path] = result.error or "could not parse"


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


_worker_processor: FileProcessor | None = None


def _worker_init(root: Path, cache_dir: Path | None, scanner_pid: int) -> None:
    from .python import libcst_validation
    from .python.extract import raise_recursion_limit

    global _worker_processor
    _worker_processor = FileProcessor(root, cache_dir, blobs=True)
    # A pool worker blocks on its task queue forever if the scanner is killed outright.
    dies_with_scanner = death_with_parent(scanner_pid)
    if dies_with_scanner is not None:
        dies_with_scanner()
    raise_recursion_limit()
    libcst_validation.skip_for_this_process()
    gc.freeze()
    # Syntax trees hold no reference cycles, so reference counting frees them; the cyclic
    # collector would only re-scan every live node again and again while a file parses.
    gc.disable()


def _in_worker(chunk: tuple[str, ...]) -> list[FileResult]:
    return [_worker_processor(path) for path in chunk]


def _run(root: Path, paths: list[str], cache_dir: Path | None, jobs: int | None,
         sizes: dict[str, int]):
    if not paths:
        return
    # Imported before any fork, so workers inherit libcst instead of importing it each.
    from .python import libcst_validation
    from .python.extract import raise_recursion_limit

    raise_recursion_limit()
    workers = jobs or os.cpu_count() or 1
    if workers <= 1 or len(paths) < PARALLEL_MIN_FILES:
        processor = FileProcessor(root, cache_dir, blobs=False)
        with libcst_validation.skipped():
            for path in paths:
                yield processor(path)
        return
    # Largest files first so one big file does not finish last on its own.
    ordered = sorted(paths, key=lambda p: sizes.get(p, 0), reverse=True)
    alone = FileProcessor(root, cache_dir, blobs=True)
    yield from parse_in_pool(
        ordered, workers,
        init=partial(_worker_init, root, cache_dir, os.getpid()),
        process_in_worker=_in_worker,
        isolated=partial(_parse_alone, alone),
        crashed=_crashed,
    )


def _parse_alone(processor: FileProcessor, path: str) -> FileResult:
    """One file in a throwaway child (after a worker died): as a worker would parse it."""
    from .python import libcst_validation

    libcst_validation.skip_for_this_process()
    return processor(path)


def _crashed(path: str, how: str) -> FileResult:
    return FileResult(path, error=f"the parser crashed on this file ({how}); not analysed",
                      parsed=True)
