from __future__ import annotations

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo organisation and its 90 days of history (``manage.py seed_demo``).

    The top layer, beside ops: it drives every other app's services and the
    sandbox network, and nothing imports it."""

    name = "demo"
    verbose_name = "Demo"
