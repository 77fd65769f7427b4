"""Rebuild the KPI rollups from the event log for a period.

    manage.py kpis_recompute --since 2026-01-01 [--until 2026-03-31] [--channel ID ...]

Results are identical to computing from raw events; safe to run while the
app is live (each chunk of days is rebuilt under the rollup lock).
"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kpis.metrics import local_day
from kpis.rollups import kpi_zone, rollups_recompute


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date like 2026-01-31.") from exc


class Command(BaseCommand):
    help = "Rebuild the KPI daily rollups from raw events for a period (local days)."

    def add_arguments(self, parser):
        parser.add_argument("--since", required=True, help="First day, YYYY-MM-DD.")
        parser.add_argument("--until", help="Last day, YYYY-MM-DD (default: today).")
        parser.add_argument(
            "--channel", type=int, action="append", help="Only this channel id (repeatable)."
        )

    def handle(self, *args, **options):
        since = _day(options["since"])
        until = (
            _day(options["until"]) if options["until"] else local_day(timezone.now(), kpi_zone())
        )
        if until < since:
            raise CommandError("--until is before --since.")
        total = (until - since).days + 1
        self.stdout.write(f"Rebuilding {total:,} day(s), {since} to {until}…")

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"  {done:,}/{total:,} days ({100 * done // total}%)")

        rollups_recompute(
            first=since, last=until, channel_ids=options["channel"], progress=progress
        )
        self.stdout.write(self.style.SUCCESS(f"Rebuilt {total:,} day(s)."))
