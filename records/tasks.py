from __future__ import annotations

from celery import shared_task

from records import services


@shared_task(ignore_result=True, soft_time_limit=1800, time_limit=1900)
def build_export(export_id: int) -> None:
    services.export_build(export_id=export_id)


@shared_task(ignore_result=True, soft_time_limit=3000, time_limit=3300)
def apply_retention() -> int:
    return services.retention_apply()
