"""Two evaluation passes at the same moment on Postgres: one notification,
one escalation, one auto-reply and one event per trigger."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import time_machine
from django.conf import settings
from django.db import connection

from escalation.models import Escalation, EscalationLevel, EscalationRule, TargetStage
from escalation.services.evaluation import evaluation_run
from events.models import Event
from inbox.models import Message, Notification
from inbox.networks.base import Author
from tests.escalation.conftest import dm, ingest, london, mention

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not settings.DB_IS_POSTGRES,
        reason="needs Postgres: SQLite serialises writers, so nothing would run concurrently",
    ),
]


RESULTS: list = []


def run_twice_at_once() -> list[BaseException]:
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker():
        try:
            barrier.wait(timeout=10)
            RESULTS.append(evaluation_run())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_passes_notify_once_per_trigger(office_hours, channel_a, officer, manager):
    threats = EscalationRule.objects.create(name="Threats", keywords="bomb")
    level = EscalationLevel.objects.create(rule=threats, number=1, name="Officer", ack_minutes=5)
    level.users.add(officer, manager)
    EscalationLevel.objects.create(rule=threats, number=2, name="Lead").users.add(manager)
    late = EscalationRule.objects.create(name="Late", target_stage=TargetStage.BREACHED)
    EscalationLevel.objects.create(rule=late, number=1, name="Lead").users.add(manager)
    spike = EscalationRule.objects.create(name="Spike", spike_count=20, spike_minutes=10)
    EscalationLevel.objects.create(rule=spike, number=1, name="Lead").users.add(manager)

    with time_machine.travel(london(2026, 11, 18, 17, 40), tick=False):
        ingest(
            channel_a,
            *[
                mention(london(2026, 11, 18, 17, 40), author=Author(external_id=f"8{n}"))
                for n in range(30)
            ],
        )
    with time_machine.travel(london(2026, 11, 18, 22, 0), tick=False):
        ingest(channel_a, dm(london(2026, 11, 18, 22, 0), text="there is a bomb"))
        ingest(
            channel_a,
            *[
                dm(london(2026, 11, 18, 22, 0), author=Author(external_id=f"9{n}"))
                for n in range(20)
            ],
        )
        assert run_twice_at_once() == []
    with time_machine.travel(london(2026, 11, 18, 22, 6), tick=False):
        assert run_twice_at_once() == []  # level 2 for the unacknowledged threat
    with time_machine.travel(london(2026, 11, 19, 8, 31), tick=False):
        assert run_twice_at_once() == []  # targets breached after opening

    # Whatever the interleaving, the passes' own counts add up to one of each.
    assert sum(r.escalations_raised for r in RESULTS) == Escalation.objects.count()
    assert sum(r.autoreplies for r in RESULTS) == 21
    per_trigger = Counter(Notification.objects.values_list("user_id", "dedupe_key"))
    assert per_trigger and max(per_trigger.values()) == 1
    keys = {key.rsplit(":", 1)[-1] for _u, key in per_trigger}
    assert {"L1", "L2"} <= keys
    assert Escalation.objects.filter(rule=threats).count() == 1
    assert Escalation.objects.get(rule=threats).level == 2
    # 51 conversations (30 mentions, 21 DMs) each breach once, each with one escalation.
    assert Escalation.objects.filter(rule=late).count() == 51
    assert Escalation.objects.filter(rule=spike).count() == 1
    events = Counter(Event.objects.values_list("type", "conversation_id", "data__escalation_id"))
    duplicated = {
        k: n
        for k, n in events.items()
        if n > 1 and k[0] not in ("message.received", "conversation.status_changed")
    }
    assert duplicated == {}
    # Out-of-hours: 21 DM contacts, one reply each; the public mentions were in hours.
    replies = Message.objects.filter(is_automated=True)
    assert replies.count() == 21
    assert Event.objects.filter(type="autoreply.sent").count() == 21
    assert Event.objects.filter(type="target.breached").count() == 51
