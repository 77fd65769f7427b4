"""One request id from the request into the Celery tasks it enqueues.

The middleware takes a well-formed ``X-Request-ID`` from the proxy in front
(or makes one), binds it to structlog's context so every log line of the
request carries it, and echoes it on the response. A task published while it
is bound gets it as a message header; the worker binds it again for the run.
"""

from __future__ import annotations

import re
import uuid

import structlog
from celery import signals

HEADER = "X-Request-ID"
TASK_HEADER = "request_id"
# A proxy's id is kept only if it looks like one: a client must not be able to
# write arbitrary text (or a forged log line) into every log record.
_WELL_FORMED = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def _clean(value: str | None) -> str:
    return value if value and _WELL_FORMED.match(value) else uuid.uuid4().hex


def current() -> str | None:
    return structlog.contextvars.get_contextvars().get("request_id")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = _clean(request.headers.get(HEADER))
        request.request_id = request_id
        tokens = structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            response = self.get_response(request)
        finally:
            structlog.contextvars.reset_contextvars(**tokens)
        response[HEADER] = request_id
        return response


def _on_publish(headers=None, **_kwargs) -> None:
    request_id = current()
    if request_id and headers is not None and TASK_HEADER not in headers:
        headers[TASK_HEADER] = request_id


def _on_task_start(task=None, **_kwargs) -> None:
    structlog.contextvars.clear_contextvars()
    request = getattr(task, "request", None)
    request_id = getattr(request, TASK_HEADER, None) or (
        (getattr(request, "headers", None) or {}).get(TASK_HEADER)
    )
    if request_id:
        structlog.contextvars.bind_contextvars(request_id=_clean(str(request_id)))
    if task is not None:
        structlog.contextvars.bind_contextvars(task=task.name)


def _on_task_end(**_kwargs) -> None:
    structlog.contextvars.clear_contextvars()


def connect_celery_signals() -> None:
    signals.before_task_publish.connect(_on_publish, weak=False, dispatch_uid="ops-rid-pub")
    signals.task_prerun.connect(_on_task_start, weak=False, dispatch_uid="ops-rid-start")
    signals.task_postrun.connect(_on_task_end, weak=False, dispatch_uid="ops-rid-end")
