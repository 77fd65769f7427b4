"""Asking for a channel's profile check now (the channels page's button).

The check itself is escalation's (it owns the staffed-hours statement the bio
must carry): this layer may not import it, so it enqueues the task by name.
"""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from events.services import event_record
from inbox.models import Channel
from socialdesk.tasking import task_enqueue_on_commit

CHECK_TASK = "escalation.tasks.check_profile"


def profile_check_request(*, channel: Channel, actor: User) -> None:
    with transaction.atomic():
        event_record(type="channel.profile_check_requested", actor=actor, channel=channel)
        # Best effort: beat checks every channel a few times a day anyway.
        task_enqueue_on_commit(CHECK_TASK, channel.pk, best_effort=True)
