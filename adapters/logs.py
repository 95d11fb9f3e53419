"""How the service logs: every process (the CLI, uvicorn's supervisor, each worker) through one
stdlib logging configuration, as JSON lines or readable console lines.

Stdlib logging rather than structlog: uvicorn, SQLAlchemy, asyncpg and dishka all log through it
already, so one handler with one formatter makes every line of theirs and ours the same shape, with
the request id in it. structlog would need the stdlib bridge for those anyway (its ProcessorFormatter),
a second path for every line, and one more dependency. The JSON is written by msgspec, which the API
already uses for its bodies.
"""

import logging
import logging.config
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import msgspec

from adapters.settings import LogFormat, Settings

# The request a line is logged for: set by the HTTP adapter for the whole of each request
# (adapters/http/request_log.py), None outside any request.
REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)

CONSOLE_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# What every LogRecord has; anything else on a record came as `extra=` and goes into the JSON line,
# but for uvicorn's copy of its message with terminal colours in it.
_RECORD_ATTRIBUTES = frozenset(
    (
        *logging.LogRecord("", 0, "", 0, "", (), None).__dict__,
        "message",
        "asctime",
        "request_id",
        "color_message",
    )
)
_encoder = msgspec.json.Encoder(enc_hook=str)


class RequestIdFilter(logging.Filter):
    """Puts the id of the request being served (or "-") on every record the handler writes."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request_id, the record's extra
    fields (an access line's method, route, status, ...), and the traceback of an exception."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": _request_id_of(record),
        }
        for name, value in record.__dict__.items():
            if name not in _RECORD_ATTRIBUTES:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return _encoder.encode(line).decode()


def _request_id_of(record: logging.LogRecord) -> str | None:
    request_id = getattr(record, "request_id", "-")
    return None if request_id == "-" else str(request_id)


def logging_config(settings: Settings) -> dict[str, Any]:
    """A dictConfig for every process: one stderr handler at TASKBOARD_LOG_LEVEL, in
    TASKBOARD_LOG_FORMAT. uvicorn applies it in each worker it starts (its `log_config`)."""
    formatter: dict[str, Any] = (
        {"()": f"{__name__}.JsonFormatter"}
        if settings.log_format is LogFormat.JSON
        else {"format": CONSOLE_FORMAT}
    )
    return {
        "version": 1,
        # Loggers made before this runs (uvicorn's, SQLAlchemy's) keep working, through our handler.
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": f"{__name__}.RequestIdFilter"}},
        "formatters": {"taskboard": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "taskboard",
                "filters": ["request_id"],
            }
        },
        "root": {"level": settings.log_level, "handlers": ["stderr"]},
        # uvicorn's own loggers get handlers of their own unless told to pass their lines on.
        "loggers": {name: {"handlers": [], "propagate": True} for name in ("uvicorn", "uvicorn.error")},
    }


def configure_logging(settings: Settings) -> None:
    logging.config.dictConfig(logging_config(settings))
