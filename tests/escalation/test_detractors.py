"""The detractor policy: flagged on the sixth message (five after our offer of
help), not before; a person blocks, with a reason, logged."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from escalation.models import EscalationRule
from escalation.services.contacts import contact_block, contact_detractor_clear
from escalation.services.evaluation import evaluation_run
from events.models import Event
from inbox.models import Contact, Conversation
from tests.escalation.conftest import JO, dm, ingest, london, mention, staff_reply

pytestmark = pytest.mark.django_db


def send(channel, minute: int, *, public: bool = False) -> None:
    when = london(2026, 11, 18, 10, minute)
    with time_machine.travel(when, tick=False):
        ingest(channel, mention(when, thread="root") if public else dm(when, text=f"msg {minute}"))
        evaluation_run()


def jo() -> Contact:
    return Contact.objects.get(external_id=JO.external_id)


def test_the_flag_appears_on_the_sixth_message_and_not_before(channel_a):
    send(channel_a, 0)  # the first message...
    staff_reply(Conversation.objects.get(), london(2026, 11, 18, 10, 1))  # ...our offer of help
    for n, minute in enumerate([2, 3, 4, 5], start=2):
        send(channel_a, minute)
        assert not jo().is_detractor, f"flagged on message {n}"
    send(channel_a, 6)  # the sixth message: five since the offer
    assert jo().is_detractor
    event = Event.objects.get(type="contact.detractor_flagged")
    assert event.data["messages_since_staff_reply"] == 5
    send(channel_a, 7)
    assert Event.objects.filter(type="contact.detractor_flagged").count() == 1


def test_nobody_is_flagged_before_staff_have_replied(channel_a):
    for minute in range(10):
        send(channel_a, minute)
    assert not jo().is_detractor


def test_a_new_staff_reply_starts_the_count_again(channel_a):
    send(channel_a, 0)
    staff_reply(Conversation.objects.get(), london(2026, 11, 18, 10, 1))
    for minute in (2, 3, 4):
        send(channel_a, minute)
    staff_reply(Conversation.objects.get(), london(2026, 11, 18, 10, 5))
    for minute in (6, 7, 8, 9):
        send(channel_a, minute)
    assert not jo().is_detractor
    send(channel_a, 10)
    assert jo().is_detractor


def test_messages_across_the_contacts_conversations_count(channel_a):
    send(channel_a, 0)
    staff_reply(Conversation.objects.get(), london(2026, 11, 18, 10, 1))
    for minute, public in [(2, True), (3, False), (4, True), (5, False), (6, True)]:
        send(channel_a, minute, public=public)
    assert jo().is_detractor


def test_auto_replies_are_not_an_offer_of_help(channel_a, office_hours):
    for minute in range(6):
        when = london(2026, 11, 18, 22, minute)
        with time_machine.travel(when, tick=False):
            ingest(channel_a, dm(when, text=f"late {minute}"))
            evaluation_run()
    assert Conversation.objects.get().messages.filter(is_automated=True).exists()
    assert not jo().is_detractor


def test_a_detractor_rule_escalates_their_conversation(channel_a):
    EscalationRule.objects.create(name="Detractors", detractor=True)
    send(channel_a, 0)
    staff_reply(Conversation.objects.get(), london(2026, 11, 18, 10, 1))
    for minute in (2, 3, 4, 5, 6):
        send(channel_a, minute)
    assert Event.objects.filter(type="escalation.raised").get().data["reason"] == (
        "Author flagged as a detractor"
    )


def test_blocking_needs_a_reason_and_is_logged(channel_a, officer, other_officer):
    send(channel_a, 0)
    contact = jo()
    with pytest.raises(ValidationError, match="reason"):
        contact_block(contact=contact, actor=officer, reason="   ")
    with pytest.raises(PermissionDenied):
        contact_block(contact=contact, actor=other_officer, reason="abusive")
    blocked = contact_block(contact=contact, actor=officer, reason="Five abusive messages")
    assert blocked.blocked and blocked.blocked_reason == "Five abusive messages"
    event = Event.objects.get(type="contact.blocked")
    assert event.actor == officer and event.data["reason"] == "Five abusive messages"


def test_a_manager_can_clear_a_wrong_flag_and_the_count_restarts(channel_a, manager, officer):
    send(channel_a, 0)
    staff_reply(Conversation.objects.get(), london(2026, 11, 18, 10, 1))
    for minute in (2, 3, 4, 5, 6):
        send(channel_a, minute)
    with time_machine.travel(london(2026, 11, 18, 10, 7), tick=False):
        with pytest.raises(PermissionDenied):
            contact_detractor_clear(contact=jo(), actor=officer, reason="A genuine complaint")
        assert jo().is_detractor
        contact_detractor_clear(contact=jo(), actor=manager, reason="A genuine complaint")
    send(channel_a, 8)
    assert not jo().is_detractor
    assert Event.objects.filter(type="contact.detractor_cleared").count() == 1
