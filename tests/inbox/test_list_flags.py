"""Escalation reaches the inbox: each flag shows in words on the list row
and in the conversation, and in crisis mode the holding statement is the
first canned response the composer offers (``escalation.selectors``: one
rule, read by both)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from escalation.models import ConversationTarget, Escalation, EscalationRule
from escalation.services.crisis import crisis_start
from inbox.models import CannedResponse, Conversation, ConversationKind, Network
from tests.inbox.ui_data import citizen, conversation_with

HX = {"HTTP_HX_REQUEST": "true"}
pytestmark = pytest.mark.django_db


def row_of(client, pk: int) -> str:
    body = client.get(reverse("inbox:list"), **HX).content.decode()
    found = re.search(rf'<li class="row[^"]*" data-id="{pk}">.*?</li>', body, re.S)
    assert found, body
    return found.group(0)


def pane_of(client, pk: int) -> str:
    return client.get(reverse("inbox:conversation", args=[pk]), **HX).content.decode()


@pytest.fixture
def conv(channel_a):
    return conversation_with(channel_a, author=citizen(31, name="Jo Resident"), messages=1)


@pytest.fixture
def signed_in(client, officer):
    client.force_login(officer)
    return client


def _escalate(conv, level: int) -> None:
    rule = EscalationRule.objects.create(name="Threats", keywords="bomb")
    Escalation.objects.create(
        rule=rule,
        conversation=conv,
        channel=conv.channel,
        trigger_key=f"t:{conv.pk}",
        cycle=timezone.now(),
        reason="Keyword",
        level=level,
        raised_at=timezone.now(),
    )


def _breach(conv) -> None:
    now = timezone.now()
    Conversation.objects.filter(pk=conv.pk).update(awaiting_since=now - timedelta(hours=2))
    ConversationTarget.objects.create(
        conversation=conv,
        channel=conv.channel,
        status=conv.status,
        priority=conv.priority,
        cycle_start=now - timedelta(hours=2),
        clock="calendar",
        target_seconds=3600,
        limit_seconds=4 * 3600,
        warning_percent=80,
        warn_at=now - timedelta(minutes=72),
        due_at=now - timedelta(hours=1),
        limit_at=now + timedelta(hours=2),
        computed_at=now,
    )


def test_an_escalated_conversation_says_so_with_its_level(signed_in, conv):
    assert "Escalated" not in row_of(signed_in, conv.pk)
    _escalate(conv, level=2)
    assert "Escalated (level 2)" in row_of(signed_in, conv.pk)
    assert "Escalated (level 2)" in pane_of(signed_in, conv.pk)


def test_a_detractor_is_flagged(signed_in, conv):
    conv.contact.is_detractor = True
    conv.contact.save()
    assert ">Detractor<" in row_of(signed_in, conv.pk)
    assert ">Detractor<" in pane_of(signed_in, conv.pk)


def test_an_influential_or_verified_author_is_flagged(signed_in, conv):
    conv.contact.followers_count = 120_000
    conv.contact.save()
    assert ">Influential<" in row_of(signed_in, conv.pk)
    assert ">Influential<" in pane_of(signed_in, conv.pk)
    conv.contact.followers_count, conv.contact.verified = 10, True
    conv.contact.save()
    row = row_of(signed_in, conv.pk)
    assert ">Verified<" in row and ">Influential<" not in row
    assert ">Verified<" in pane_of(signed_in, conv.pk)


def test_a_closing_messenger_window_is_flagged(signed_in, conv):
    conv.channel.network = Network.FACEBOOK
    conv.channel.save()
    now = timezone.now()
    Conversation.objects.filter(pk=conv.pk).update(
        kind=ConversationKind.PRIVATE,
        awaiting_since=now - timedelta(hours=21),
        reply_window_closes_at=now + timedelta(hours=3),
    )
    assert "Messenger window closes" in row_of(signed_in, conv.pk)
    assert "Messenger window closes" in pane_of(signed_in, conv.pk)


def test_a_closing_instagram_window_is_named_for_instagram(signed_in, conv):
    conv.channel.network = Network.INSTAGRAM
    conv.channel.save()
    now = timezone.now()
    Conversation.objects.filter(pk=conv.pk).update(
        kind=ConversationKind.PRIVATE,
        awaiting_since=now - timedelta(hours=21),
        reply_window_closes_at=now + timedelta(hours=3),
    )
    row, pane = row_of(signed_in, conv.pk), pane_of(signed_in, conv.pk)
    assert "Instagram Direct window closes" in row and "Messenger" not in row
    assert "Instagram Direct reply window: open until" in pane
    assert "Messenger" not in pane


def test_a_breached_target_is_flagged(signed_in, conv):
    _breach(conv)
    assert "Target breached" in row_of(signed_in, conv.pk)
    assert "Target breached" in pane_of(signed_in, conv.pk)


def test_crisis_mode_flags_rows_and_pins_the_holding_statement_first(
    signed_in, conv, channel_a, manager, team_a
):
    CannedResponse.objects.create(title="A: bins", text="About bins")
    crisis_start(
        actor=manager,
        channels=[channel_a],
        title="Flooding on Riverside",
        holding_statement="We know about the flooding and will update at 10am.",
        keywords="flood",
        crisis_team=team_a,
        auto_reply_text="",
        target_minutes=10,
        limit_minutes=20,
    )
    assert ">Crisis<" in row_of(signed_in, conv.pk)
    pane = pane_of(signed_in, conv.pk)
    assert ">Crisis<" in pane
    offered = [
        c.text
        for c in signed_in.get(reverse("inbox:conversation", args=[conv.pk]), **HX).context[
            "canned_responses"
        ]
    ]
    assert offered[0] == "We know about the flooding and will update at 10am."
    assert "About bins" in offered


def test_other_teams_see_no_row_and_no_flags(client, other_officer, conv):
    _escalate(conv, level=1)
    client.force_login(other_officer)
    body = client.get(reverse("inbox:list"), **HX).content.decode()
    assert f'data-id="{conv.pk}"' not in body and "Escalated" not in body
    assert client.get(reverse("inbox:conversation", args=[conv.pk]), **HX).status_code == 404
