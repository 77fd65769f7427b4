from __future__ import annotations

from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "kpis"
