from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People and teams"

    def ready(self) -> None:
        from accounts import api_schema, signals  # noqa: F401  (schema extension; session records)
        from accounts.sso import checks  # noqa: F401  (single sign-on settings)
