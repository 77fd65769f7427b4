"""End to end through the sandbox X network: citizens' messages injected on
the network, fetched by the real poller (tweepy over HTTP), evaluated, and
replies delivered back by the real outbound service."""

from __future__ import annotations

from datetime import time

import pytest
import time_machine

from escalation.models import (
    Escalation,
    EscalationLevel,
    EscalationRule,
    OpeningInterval,
    StaffedHours,
)
from escalation.services.evaluation import evaluation_run
from inbox.models import Contact, Conversation, DeliveryState, Message, Notification
from inbox.services import outbound, polling
from tests.escalation.conftest import london

pytestmark = pytest.mark.django_db

CITIZEN = {"id": "5001", "username": "jo_res", "name": "Jo Resident"}


@pytest.fixture
def office(x_channel):
    hours = StaffedHours.objects.create(channel=x_channel, holiday_region="GB-ENG")
    OpeningInterval.objects.bulk_create(
        [OpeningInterval(hours=hours, weekday=d, start=time(8), end=time(18)) for d in range(5)]
    )
    return hours


def citizen_writes(sandbox, channel, text: str, *, kind: str = "dm") -> None:
    """The citizen sends a message on X; the poller fetches it; a pass runs;
    whatever the pass queued is delivered to the network."""
    sandbox.inject(kind=kind, account_id="999", text=text, author=CITIZEN)
    polling.channel_poll(channel_id=channel.pk)
    evaluation_run()
    deliver_queued()


def deliver_queued() -> None:
    for pk in Message.objects.filter(state=DeliveryState.QUEUED).values_list("pk", flat=True):
        outbound.message_deliver(message_id=pk)


def dms_to_citizen(sandbox) -> list[dict]:
    return [e for e in sandbox.outbox(kind="dm") if CITIZEN["id"] in str(e)]


def test_a_dm_at_22_00_gets_one_reply_all_night_and_none_once_the_team_opens(
    sandbox, x_channel, office
):
    with time_machine.travel(london(2026, 11, 18, 22, 0)):
        citizen_writes(sandbox, x_channel, "My bins have not been collected for 3 weeks")
    for hour, minute in [(22, 10), (23, 30), (23, 59)]:
        with time_machine.travel(london(2026, 11, 18, hour, minute)):
            citizen_writes(sandbox, x_channel, f"Hello? ({hour}:{minute})")
    with time_machine.travel(london(2026, 11, 19, 2, 0)):
        citizen_writes(sandbox, x_channel, "Still nothing")
    [reply] = dms_to_citizen(sandbox)
    assert "8am tomorrow" in reply["text"] and "999" in reply["text"]
    sent = Message.objects.get(is_automated=True)
    assert sent.state == DeliveryState.SENT and sent.external_id == reply["result_id"]
    # The auto-reply did not stop the first-response clock.
    conv = Conversation.objects.get()
    assert conv.first_response_at is None and conv.awaiting_since is not None
    with time_machine.travel(london(2026, 11, 19, 8, 5)):
        citizen_writes(sandbox, x_channel, "Good morning, any news?")
    assert len(dms_to_citizen(sandbox)) == 1


def test_a_threat_phrase_is_escalated_within_one_evaluation(sandbox, x_channel, officer):
    rule = EscalationRule.objects.create(name="Threats", keywords="bomb\nkill myself")
    EscalationLevel.objects.create(rule=rule, number=1, name="Officer").users.add(officer)
    with time_machine.travel(london(2026, 11, 18, 10, 0)):
        citizen_writes(
            sandbox, x_channel, "@council_help there is a BOMB at the library", kind="mention"
        )
    esc = Escalation.objects.get()
    assert esc.reason == "Matched “BOMB”"
    assert Notification.objects.get(user=officer).dedupe_key == f"esc:{esc.pk}:L1"


def test_an_unacknowledged_escalation_moves_up_a_level(sandbox, x_channel, officer, manager):
    rule = EscalationRule.objects.create(name="Self-harm", keywords="kill myself")
    EscalationLevel.objects.create(rule=rule, number=1, name="Officer", ack_minutes=10).users.add(
        officer
    )
    EscalationLevel.objects.create(rule=rule, number=2, name="Comms lead").users.add(manager)
    with time_machine.travel(london(2026, 11, 18, 10, 0)):
        citizen_writes(sandbox, x_channel, "I want to kill myself")
    with time_machine.travel(london(2026, 11, 18, 10, 11)):
        evaluation_run()
    assert Escalation.objects.get().level == 2
    assert Notification.objects.filter(user=manager).count() == 1


def test_the_detractor_flag_appears_on_the_sixth_message_and_not_before(
    sandbox, x_channel, officer
):
    with time_machine.travel(london(2026, 11, 18, 10, 0)):
        citizen_writes(sandbox, x_channel, "Your council is useless")
    with time_machine.travel(london(2026, 11, 18, 10, 1)):
        offer = outbound.reply_create(
            conversation=Conversation.objects.get(),
            actor=officer,
            text="Sorry to hear that. Can you tell us what went wrong?",
        )
        outbound.message_deliver(message_id=offer.pk)
    assert Message.objects.get(pk=offer.pk).state == DeliveryState.SENT
    for n in range(2, 6):
        with time_machine.travel(london(2026, 11, 18, 10, n)):
            citizen_writes(sandbox, x_channel, f"Useless, useless ({n})")
        assert not Contact.objects.get(external_id=CITIZEN["id"]).is_detractor, n
    with time_machine.travel(london(2026, 11, 18, 10, 6)):
        citizen_writes(sandbox, x_channel, "Useless (6)")
    assert Contact.objects.get(external_id=CITIZEN["id"]).is_detractor
