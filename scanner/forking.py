"""Run one piece of work in a forked child while the caller does another.

The rules phase works on millions of already-built fact objects. A forked child sees them
for free (copy-on-write), so splitting the rules between the process and one child uses
the second core without shipping any facts; only the small results travel back, pickled
through a pipe. `run_beside` treats anything that goes wrong in the child (a crash, a kill,
unpicklable results) as no error: the caller simply does the child's share itself.
`run_in_child` isolates risky work (a native parser on hostile input) and says how the
child ended when it did not hand a result back.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import pickle
import signal
import sys
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
U = TypeVar("U")


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def can_fork() -> bool:
    return hasattr(os, "fork") and os.name == "posix"


def death_with_parent(parent_pid: int) -> Callable[[], object] | None:
    """Prepared for a child of `parent_pid`: `prctl(PR_SET_PDEATHSIG, SIGKILL)`, so the
    kernel kills the child when its parent dies and no worker scans on for a process that
    is gone; and, since the parent may have died before that call, an exit if it already
    has. None where there is no prctl (not Linux). Safe between fork and exec."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return functools.partial(_die_with, prctl, parent_pid)


def _die_with(prctl: Callable[..., int], parent_pid: int) -> None:
    prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL))
    if os.getppid() != parent_pid:  # orphaned before the signal was armed
        os._exit(1)


class ChildFailed(Exception):
    """The child did not hand back a result: it crashed, was killed or could not pickle."""

    def __init__(self, how: str) -> None:
        super().__init__(how)
        self.how = how  # e.g. "signal 11 (SIGSEGV)", "exit status 1"


def run_beside(here: Callable[[], T], in_child: Callable[[], U]) -> tuple[T, U]:
    """`(here(), in_child())`, with `in_child` computed in a forked child at the same time;
    if the child fails, its share is done here afterwards."""
    if not can_fork():
        return here(), in_child()
    try:
        child = _start(in_child)
    except OSError:
        return here(), in_child()
    try:
        mine = here()
    except BaseException:
        child.abandon()
        raise
    try:
        theirs = child.result()
    except ChildFailed:
        theirs = in_child()
    return mine, theirs


def run_in_child(work: Callable[[], U]) -> U:
    """`work()` computed in a forked child, so a crash in native code cannot take this
    process down with it (raises ChildFailed saying how the child ended)."""
    return _start(work).result()


class _Child:
    def __init__(self, pid: int, read_end: int) -> None:
        self.pid, self.read_end = pid, read_end

    def result(self) -> object:
        with os.fdopen(self.read_end, "rb") as pipe:
            payload = pipe.read()  # ends when the child closes its end (exit included)
        _, status = os.waitpid(self.pid, 0)
        if os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            raise ChildFailed(f"signal {number} ({signal.Signals(number).name})")
        if os.WEXITSTATUS(status) != 0:
            raise ChildFailed(f"exit status {os.WEXITSTATUS(status)}")
        try:
            return pickle.loads(payload)
        except Exception as exc:
            raise ChildFailed(f"unreadable result ({type(exc).__name__})") from None

    def abandon(self) -> None:
        with contextlib.suppress(OSError):  # it may have exited already
            os.kill(self.pid, signal.SIGKILL)
        os.close(self.read_end)
        os.waitpid(self.pid, 0)


def _start(work: Callable[[], object]) -> _Child:
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        raise
    if pid == 0:
        os.close(read_end)
        _child_main(work, write_end)  # never returns
    os.close(write_end)
    return _Child(pid, read_end)


def _child_main(work: Callable[[], object], write_end: int) -> None:
    status = 1
    try:
        payload = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write_end, "wb") as out:
            out.write(payload)
        status = 0
    except BaseException:  # the parent decides what a failed child means
        pass
    finally:
        # Skip atexit handlers and buffered output flushing inherited from the parent.
        os._exit(status)
