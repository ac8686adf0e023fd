"""Structured JSON logs: one object per line, each carrying the request id it belongs to.

The request id lives in a context variable set by `RequestContext` (the ASGI middleware), so
every log call made while serving a request, in any module, carries it without being passed.
`log_config()` routes uvicorn's own loggers through the same formatter.
"""

from __future__ import annotations

import contextvars
import logging
from datetime import UTC, datetime

import orjson

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id",
                                                                        default=None)
_STANDARD = (frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__)
             | {"message", "color_message"})  # uvicorn adds an ANSI-coloured copy


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(
                   timespec="milliseconds"),
               "level": record.levelname.lower(), "logger": record.name,
               "message": record.getMessage(), "request_id": request_id.get()}
        doc.update((k, v) for k, v in record.__dict__.items() if k not in _STANDARD)
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(doc, default=str).decode()


def log_config(level: str = "INFO") -> dict:
    """A `logging.config.dictConfig` for uvicorn (`log_config=`): JSON lines on stderr."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": handler},
        "loggers": {name: {"handlers": ["stderr"], "level": level, "propagate": False}
                    for name in ("seawall", "uvicorn", "uvicorn.error")},
    }
