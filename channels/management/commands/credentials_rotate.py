"""Re-encrypt every channel's credentials under the newest key.

Rotation: put a new Fernet key FIRST in SOCIALDESK_CREDENTIAL_KEYS (keep the
old ones after it), deploy, run this command, then drop the old keys.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from events.services import event_record
from inbox.models import Channel
from socialdesk import crypto


class Command(BaseCommand):
    help = "Re-encrypt stored network credentials under the first (newest) key."

    def handle(self, *args, **options):
        rotated = 0
        with transaction.atomic():
            for channel in Channel.objects.select_for_update().exclude(credentials_encrypted=""):
                channel.credentials_encrypted = crypto.rotate(channel.credentials_encrypted)
                channel.save(update_fields=["credentials_encrypted"])
                rotated += 1
            event_record(type="channel.credentials_rotated", data={"channels": rotated})
        self.stdout.write(self.style.SUCCESS(f"re-encrypted credentials of {rotated} channel(s)"))
