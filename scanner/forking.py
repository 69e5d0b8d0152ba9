"""Run one piece of work in a forked child while the caller does another.

The rules phase works on millions of already-built fact objects. A forked child sees them
for free (copy-on-write), so splitting the rules between the process and one child uses
the second core without shipping any facts; only the small results travel back, pickled
through a pipe. Anything that goes wrong in the child (a crash, a kill, unpicklable
results) is not an error: the caller simply does the child's share itself.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
U = TypeVar("U")


def can_fork() -> bool:
    return hasattr(os, "fork") and os.name == "posix"


def run_beside(here: Callable[[], T], in_child: Callable[[], U]) -> tuple[T, U]:
    """`(here(), in_child())`, with `in_child` computed in a forked child at the same time."""
    if not can_fork():
        return here(), in_child()
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return here(), in_child()
    if pid == 0:
        os.close(read_end)
        _child_main(in_child, write_end)  # never returns
    os.close(write_end)
    try:
        mine = here()
    except BaseException:
        _abandon(pid, read_end)
        raise
    theirs = _collect(pid, read_end)
    if theirs is _FAILED:
        theirs = in_child()
    return mine, theirs


_FAILED = object()


def _child_main(work: Callable[[], object], write_end: int) -> None:
    status = 1
    try:
        payload = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write_end, "wb") as out:
            out.write(payload)
        status = 0
    except BaseException:  # the parent redoes the work; nothing to report from here
        pass
    finally:
        # Skip atexit handlers and buffered output flushing inherited from the parent.
        os._exit(status)


def _collect(pid: int, read_end: int) -> object:
    """The child's result, or _FAILED when it did not exit cleanly with a whole payload."""
    with os.fdopen(read_end, "rb") as pipe:
        payload = pipe.read()  # ends when the child closes its end (exit included)
    _, status = os.waitpid(pid, 0)
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        return _FAILED
    try:
        return pickle.loads(payload)
    except Exception:
        return _FAILED


def _abandon(pid: int, read_end: int) -> None:
    with contextlib.suppress(OSError):  # it may have exited already
        os.kill(pid, signal.SIGKILL)
    os.close(read_end)
    os.waitpid(pid, 0)
