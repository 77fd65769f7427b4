"""Run readiness checks from the command line (container health checks)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ops.health import readiness_run


class Command(BaseCommand):
    help = "Run the /health/ready checks (or only those named); exit 1 if any fails."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="append",
            default=[],
            help="only this check (database, cache, broker, worker, beat, channels); repeatable",
        )

    def handle(self, *args, check, **options):
        results = readiness_run(only=set(check) or None)
        for result in results:
            state = "ok" if result.ok else "failing: " + "; ".join(result.errors)
            self.stdout.write(f"{result.name}: {state}")
        if not results or not all(result.ok for result in results):
            raise CommandError("not ready")
