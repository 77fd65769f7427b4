"""Django's Postgres backend with a health check that costs no round trip.

With ``CONN_HEALTH_CHECKS`` Django asks a reused connection ``SELECT 1`` at
the start of every request, a round trip the size of the session read. A
healthy idle connection has nothing waiting to be read; when the server shuts
down, restarts or ends the backend, it writes a goodbye and closes the socket,
so the socket turns readable. Only then is the server asked.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        if self.connection is None or self.connection.closed:
            return False
        try:
            poller = select.poll()  # not select(): no limit on the descriptor's number
            poller.register(self.connection.fileno(), select.POLLIN)
            waiting = poller.poll(0)
        except (OSError, ValueError):
            return False
        return super().is_usable() if waiting else True
