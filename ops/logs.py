"""Logging configuration: JSON lines in production, plain text elsewhere.

Every stdlib log record (Django's, Celery's, ours) goes through structlog's
ProcessorFormatter, so one line is one JSON object with the request id bound
by ops.request_id. Log calls pass ids and counts, never message text, tokens
or passwords; ``redact`` is the belt to that braces: keys that name a secret
are blanked whatever a caller passes.
"""

from __future__ import annotations

from typing import Any

import structlog

_SECRET_KEYS = {"password", "token", "access_token", "secret", "authorization", "text", "body"}


_CHATTY_HTTP_LOGGERS = (
    "oauthlib",
    "requests_oauthlib",
    "urllib3",
    "tweepy",
    "facebook",
    "mastodon",
    "requests",
)


def redact(_logger, _name, event_dict: dict[str, Any]) -> dict[str, Any]:
    for key in list(event_dict):
        if key.lower() in _SECRET_KEYS:
            event_dict[key] = "[redacted]"
    return event_dict


def _shared_processors() -> list:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact,
    ]


def logging_config(*, json_lines: bool, level: str) -> dict:
    """The dict for Django's LOGGING setting."""
    renderer = (
        structlog.processors.JSONRenderer()
        if json_lines
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            *_shared_processors(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info,
                    renderer,
                ],
                "foreign_pre_chain": _shared_processors(),
            }
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            # Whatever LOG_LEVEL says: at DEBUG these print OAuth keys, request
            # URLs with access_token in the query (Graph API) and post bodies.
            **{name: {"level": "WARNING"} for name in _CHATTY_HTTP_LOGGERS},
        },
    }
