from __future__ import annotations

from celery import shared_task

from audit import chain


@shared_task(ignore_result=True)
def seal_events() -> int:
    return chain.events_seal()
