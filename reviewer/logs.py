"""Structured logs: one JSON object per line, nothing that identifies a patient or doctor."""
from __future__ import annotations

import asyncio
import logging
import sys
import time
from typing import Any, TextIO

import orjson

#: Where ``configure_logging`` sends lines; the review log writes there directly.
_sink: TextIO | None = None


def _timestamp(created: float) -> str:
    return (time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created))
            + f".{int(created * 1000) % 1000:03d}Z")


class JsonFormatter(logging.Formatter):
    """Emit ``{"ts", "level", "logger", "msg", ...extra "review" fields}`` per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": _timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        review = getattr(record, "review", None)
        if isinstance(review, dict):
            entry.update(review)
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return orjson.dumps(entry).decode()


def configure_logging(level: str = "INFO") -> None:
    global _sink
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    _sink = sys.stderr


class ReviewLog:
    """The per-review log line, in the same format, written once per turn of the loop.

    A line through ``logging`` costs a record, a lock and a write of its own; at
    thousands of reviews a second that is a visible share of the server's time. Lines
    made in one turn of the event loop are written together at the end of it.
    """

    def __init__(self, name: str) -> None:
        self.logger = logging.getLogger(name)
        self._lines: list[bytes] = []

    def info(self, msg: str, fields: dict[str, Any]) -> None:
        """Log ``msg`` with ``fields`` at INFO, if INFO is enabled."""
        if not self.logger.isEnabledFor(logging.INFO):
            return
        if _sink is None:
            self.logger.info(msg, extra={"review": fields})
            return
        entry = {"ts": _timestamp(time.time()), "level": "info", "logger": self.logger.name,
                 "msg": msg, **fields}
        if not self._lines:
            asyncio.get_running_loop().call_soon(self._flush)
        self._lines.append(orjson.dumps(entry, option=orjson.OPT_APPEND_NEWLINE))

    def _flush(self) -> None:
        lines, self._lines = self._lines, []
        if _sink is not None:
            _sink.write(b"".join(lines).decode())
            _sink.flush()
