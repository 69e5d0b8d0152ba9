"""JSON log lines (one object per line) carrying the request id or the task and scan id."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from dashboard.observability import context

# Attributes every LogRecord has; anything else was passed through `extra=` and is kept.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_CONTEXT = {"request_id", "task_id", "scan_id", "scan_ref"}


class ContextFilter(logging.Filter):
    """Copies the current request/task context onto the record (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = context.request_id.get() or context.task_id.get() or "-"
        record.task_id = context.task_id.get()
        scan = context.scan_id.get()
        record.scan_id = scan
        record.scan_ref = f" scan={scan}" if scan is not None else ""
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "task_id", "scan_id"):
            value = getattr(record, key, None)
            if value not in (None, "", "-"):
                entry[key] = value
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in _CONTEXT and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)
