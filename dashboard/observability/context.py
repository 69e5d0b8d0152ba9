"""Per-request and per-task context that every log record carries."""

from __future__ import annotations

from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("request_id", default="")
task_id: ContextVar[str] = ContextVar("task_id", default="")
scan_id: ContextVar[int | None] = ContextVar("scan_id", default=None)
