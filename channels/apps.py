from __future__ import annotations

from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    """Connecting and looking after the inbox's channels: the connect and
    reconnect flows, credentials, history import and the health page. The
    Channel model itself stays in inbox (see README, "Where things live")."""

    name = "channels"
    verbose_name = "Channels"
