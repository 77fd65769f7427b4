"""gunicorn settings for the web container.

With several workers, each process keeps its own request metrics; with
PROMETHEUS_MULTIPROC_DIR set, prometheus_client writes them to files there
and /metrics merges them. A dead worker's live gauges are dropped here.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
