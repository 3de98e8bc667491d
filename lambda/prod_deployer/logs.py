"""Structured logs: one JSON object per line on stdout (CloudWatch Logs keeps each line as one event)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

# Keys whose values are never written, wherever they appear in a logged structure.
_SECRET_KEYS = frozenset(
    {
        "accesskeyid",
        "secretaccesskey",
        "sessiontoken",
        "credentials",
        "artifactcredentials",
        "aws_session_token",
    }
)


def redact(value: Any) -> Any:
    """Copy of ``value`` with credential-like keys masked (defence in depth: callers do not log secrets)."""
    if isinstance(value, dict):
        return {k: ("***" if str(k).lower() in _SECRET_KEYS else redact(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value


class JsonLogger:
    """Writes ``{"level", "job_id", "step", ...}`` lines; bound fields are repeated on every line."""

    def __init__(self, stream: TextIO | None = None, **bound: Any) -> None:
        self._stream = stream
        self._bound = dict(bound)

    def bind(self, **fields: Any) -> None:
        self._bound.update(fields)

    def log(self, level: str, step: str, **fields: Any) -> None:
        record = {"level": level, **self._bound, "step": step, **fields}
        stream = self._stream or sys.stdout
        stream.write(json.dumps(redact(record), default=str, sort_keys=False) + "\n")
        stream.flush()

    def info(self, step: str, **fields: Any) -> None:
        self.log("INFO", step, **fields)

    def warning(self, step: str, **fields: Any) -> None:
        self.log("WARNING", step, **fields)

    def error(self, step: str, **fields: Any) -> None:
        self.log("ERROR", step, **fields)

    @contextmanager
    def timed(self, step: str, **fields: Any) -> Iterator[dict[str, Any]]:
        """Log ``step`` with its duration in ms once the block ends; the block may add fields to the dict."""
        extra: dict[str, Any] = {}
        started = time.monotonic()
        try:
            yield extra
        except BaseException as exc:
            self.log(
                "ERROR",
                step,
                **fields,
                **extra,
                outcome="error",
                error=type(exc).__name__,
                duration_ms=round((time.monotonic() - started) * 1000, 1),
            )
            raise
        self.log("INFO", step, **fields, **extra, duration_ms=round((time.monotonic() - started) * 1000, 1))
