"""After a restore: migrations current, audit chain intact, credentials decrypt."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ops.restore import restore_checks_run


class Command(BaseCommand):
    help = (
        "Check a restored database before opening it: every migration applied, the audit "
        "hash chain intact (as audit_verify), every channel credential decrypts with "
        "SOCIALDESK_CREDENTIAL_KEYS. Exits 1 on any failure."
    )

    def handle(self, *args, **options):
        results = restore_checks_run()
        for result in results:
            mark = self.style.SUCCESS("ok     ") if result.ok else self.style.ERROR("FAILING")
            self.stdout.write(f"{mark} {result.name}: {result.detail}")
        failing = [r.name for r in results if not r.ok]
        if failing:
            raise CommandError(f"restore check failed: {', '.join(failing)}")
        self.stdout.write(self.style.SUCCESS("restore check passed"))
