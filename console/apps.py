from __future__ import annotations

from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The admin's and manager's settings pages (issue 18).

    A top layer: thin views and API endpoints over the owning apps' services
    (escalation for hours and targets, inbox for canned responses and labels,
    accounts for teams and approval rules, records for retention). It holds no
    models of its own, and nothing imports it."""

    name = "console"
    verbose_name = "Settings"
