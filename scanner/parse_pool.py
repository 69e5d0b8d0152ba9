"""Parse files on every core, surviving a parse worker that dies.

libcst's parser is native code: on hostile input it could crash the process parsing it.
A plain `multiprocessing.Pool` then waits forever for the lost task. Here a crashed worker
breaks the pool (`BrokenProcessPool`); the files that were in flight are each parsed again
alone in a forked child, so the one that crashes is named in `files.errors` and every other
file is still analysed; the rest go to a fresh pool.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from .forking import ChildFailed, run_in_child

CHUNK = 4  # files per task: fewer round trips, still fine-grained enough to balance
MAX_POOL_RESTARTS = 3  # after that, every remaining file is parsed alone in a child

def parse_in_pool(paths: list[str], workers: int, init: Callable[[], None],
                  process_in_worker: Callable[[tuple[str, ...]], list],
                  isolated: Callable[[str], object],
                  crashed: Callable[[str, str], object]) -> Iterator:
    """Results for every path, in completion order.

    `init` runs once in each worker; `process_in_worker(chunk)` returns a chunk's results;
    `isolated(path)` computes one result in a child of the calling process; `crashed(path,
    how)` is the result recorded for a file whose parse killed its process.
    """
    remaining = [tuple(paths[i:i + CHUNK]) for i in range(0, len(paths), CHUNK)]
    restarts = 0
    while remaining:
        if restarts > MAX_POOL_RESTARTS:
            suspects, remaining = remaining, []
        else:
            unfinished, broken = yield from _one_pool(remaining, workers, init,
                                                      process_in_worker)
            restarts += broken
            # Dispatch is first in, first out: the chunk a dying worker was running is among
            # the earliest unfinished ones (one running and one queued per worker, plus one
            # queued by the executor). Chunks that raised without a crash are retried too.
            cut = 2 * workers + 1 if broken else len(unfinished)
            suspects, remaining = unfinished[:cut], unfinished[cut:]
        for chunk in suspects:
            yield from _each_alone(chunk, isolated, crashed)


def _one_pool(chunks: list[tuple[str, ...]], workers: int, init: Callable[[], None],
              process_in_worker: Callable) -> Iterator:
    """Run `chunks` in a new pool; return (the chunks it did not finish, pool broken?)."""
    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=init)
    finished: set[int] = set()
    broken = False
    try:
        futures = _submit_all(pool, process_in_worker, chunks)
        broken = len(futures) < len(chunks)
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                try:
                    results = future.result()
                except BrokenProcessPool:
                    broken = True
                    continue
                except Exception:
                    continue  # retried alone, where its failure is pinned to one file
                finished.add(futures[future])
                yield from results
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return [chunk for index, chunk in enumerate(chunks) if index not in finished], broken


def _submit_all(pool: ProcessPoolExecutor, work: Callable,
                chunks: list[tuple[str, ...]]) -> dict[Future, int]:
    """Each submitted chunk's future and index; stops early if the pool breaks meanwhile."""
    futures: dict[Future, int] = {}
    for index, chunk in enumerate(chunks):
        try:
            futures[pool.submit(work, chunk)] = index
        except BrokenProcessPool:
            break
    return futures


def _each_alone(chunk: tuple[str, ...], isolated: Callable[[str], object],
                crashed: Callable[[str, str], object]) -> Iterator:
    for path in chunk:
        try:
            yield run_in_child(lambda path=path: isolated(path))
        except ChildFailed as exc:
            yield crashed(path, exc.how)
