from __future__ import annotations

import socket

from celery import shared_task

from ops.heartbeat import WORKER, heartbeat_record


# Beat schedules it every 15 s; a late run is worthless, so it expires rather
# than queue up behind a backlog (the backlog itself then shows as a stale
# worker heartbeat, which is the point).
@shared_task(ignore_result=True, expires=30)
def worker_heartbeat() -> None:
    heartbeat_record(name=WORKER, detail=socket.gethostname())
