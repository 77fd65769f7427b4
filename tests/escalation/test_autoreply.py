"""Out-of-hours replies: once per contact per closed period, through the
real ingest and outbound services."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import ValidationError

from escalation.models import OutOfHoursReply
from escalation.services.evaluation import evaluation_run
from events.models import Event
from inbox.models import Contact, Conversation, Message
from inbox.networks.base import Author
from tests.escalation.conftest import dm, ingest, london, mention

pytestmark = pytest.mark.django_db

SAM = Author(external_id="222", handle="sam_r", display_name="Sam R")


def automated_replies():
    return Message.objects.filter(direction="out", is_automated=True)


def test_a_dm_at_22_00_gets_exactly_one_reply_however_many_messages_follow(office_hours, channel_a):
    with time_machine.travel(london(2026, 11, 18, 22, 0), tick=False):
        ingest(channel_a, dm(london(2026, 11, 18, 22, 0)))
        evaluation_run()
    for minute in (5, 20, 50):
        with time_machine.travel(london(2026, 11, 18, 22, minute), tick=False):
            ingest(channel_a, dm(london(2026, 11, 18, 22, minute), text=f"still waiting {minute}"))
            evaluation_run()
    with time_machine.travel(london(2026, 11, 19, 3, 0), tick=False):
        ingest(channel_a, dm(london(2026, 11, 19, 3, 0), text="hello??"))
        evaluation_run()
        evaluation_run()
    reply = automated_replies().get()
    assert reply.idempotency_key.startswith(f"ooh:{channel_a.pk}:")
    assert reply.state == "queued" and reply.author_user is None
    assert "8am tomorrow" in reply.text and "999" in reply.text
    assert Event.objects.filter(type="autoreply.sent").count() == 1
    conv = Conversation.objects.get()
    assert conv.awaiting_since == london(2026, 11, 18, 22, 0)  # the clock still runs


def test_none_once_the_team_opens_and_a_new_one_the_next_night(office_hours, channel_a):
    with time_machine.travel(london(2026, 11, 18, 22, 0), tick=False):
        ingest(channel_a, dm(london(2026, 11, 18, 22, 0)))
        evaluation_run()
    with time_machine.travel(london(2026, 11, 19, 8, 1), tick=False):
        ingest(channel_a, dm(london(2026, 11, 19, 8, 1), text="are you there now?"))
        evaluation_run()
    assert automated_replies().count() == 1
    with time_machine.travel(london(2026, 11, 19, 18, 30), tick=False):
        ingest(channel_a, dm(london(2026, 11, 19, 18, 30), text="one more thing"))
        evaluation_run()
    assert automated_replies().count() == 2


def test_a_message_sent_while_staffed_gets_none_even_if_seen_after_closing(office_hours, channel_a):
    with time_machine.travel(london(2026, 11, 18, 18, 2), tick=False):
        ingest(channel_a, dm(london(2026, 11, 18, 17, 59)))
        evaluation_run()
    assert not automated_replies().exists()


def test_each_contact_gets_their_own_reply(office_hours, channel_a):
    with time_machine.travel(london(2026, 11, 21, 10, 0), tick=False):  # Saturday
        ingest(
            channel_a, dm(london(2026, 11, 21, 9, 59)), dm(london(2026, 11, 21, 9, 59), author=SAM)
        )
        evaluation_run()
    assert automated_replies().count() == 2
    assert "8am on Monday 23 November" in automated_replies().first().text


def test_public_mentions_get_none_by_default(office_hours, channel_a):
    with time_machine.travel(london(2026, 11, 18, 22, 0), tick=False):
        ingest(channel_a, mention(london(2026, 11, 18, 21, 59)))
        evaluation_run()
    assert not automated_replies().exists()


def test_public_mentions_get_a_public_reply_when_enabled(office_hours, channel_a):
    office_hours.out_of_hours_public = True
    office_hours.out_of_hours_text = "We're back {reopens}. {emergency}"
    office_hours.save()
    with time_machine.travel(london(2026, 11, 18, 22, 0), tick=False):
        ingest(channel_a, mention(london(2026, 11, 18, 21, 59)))
        evaluation_run()
    reply = automated_replies().get()
    assert reply.kind == "reply" and reply.in_reply_to_external_id
    assert reply.text.startswith("We're back 8am tomorrow. In an emergency call 999.")


def test_a_channel_without_hours_never_auto_replies(channel_a):
    with time_machine.travel(london(2026, 11, 18, 3, 0), tick=False):
        ingest(channel_a, dm(london(2026, 11, 18, 3, 0)))
        evaluation_run()
    assert not automated_replies().exists()


def test_blocked_contacts_and_disabled_channels_get_none(office_hours, channel_a):
    with time_machine.travel(london(2026, 11, 18, 22, 0), tick=False):
        ingest(channel_a, dm(london(2026, 11, 18, 21, 0), author=SAM))
        Contact.objects.filter(external_id=SAM.external_id).update(blocked=True)
        office_hours.out_of_hours_reply = False
        office_hours.save()
        ingest(channel_a, dm(london(2026, 11, 18, 21, 0)))
        evaluation_run()
    assert not automated_replies().exists()
    assert not OutOfHoursReply.objects.exists()


def test_a_reply_that_cannot_be_sent_is_recorded_once_not_retried(office_hours, channel_a):
    office_hours.out_of_hours_public = True
    office_hours.out_of_hours_text = "x" * 300 + " {reopens}"  # too long for a public post
    office_hours.save()
    with time_machine.travel(london(2026, 11, 18, 22, 0), tick=False):
        ingest(channel_a, mention(london(2026, 11, 18, 21, 0)))
        evaluation_run()
        evaluation_run()
    assert not automated_replies().exists()
    claim = OutOfHoursReply.objects.get()
    assert "Too long" in claim.skipped_reason
    assert Event.objects.filter(type="autoreply.skipped").count() == 1


def test_a_public_reply_too_long_for_x_is_refused_when_saved(office_hours):
    office_hours.out_of_hours_public = True
    office_hours.out_of_hours_text = "x" * 260 + " Back {reopens}."
    with pytest.raises(ValidationError, match="As a public reply: Too long for X"):
        office_hours.full_clean()
    office_hours.out_of_hours_public = False
    office_hours.full_clean()  # fine as a private message
    office_hours.out_of_hours_text = "Back {when}"
    with pytest.raises(ValidationError, match="Unknown placeholder 'when'"):
        office_hours.full_clean()
