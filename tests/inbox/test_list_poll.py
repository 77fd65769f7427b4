"""The list poll: 204 from one stamp read while nothing a row shows has
changed; any change made through the services (actions, ingest, escalation)
moves the stamp in the same transaction; the markup never ages by itself."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from inbox.models import ChannelStamp
from inbox.services import actions
from inbox.services.stamps import channel_stamps_bump
from tests.factories import LabelFactory
from tests.inbox.ui_data import citizen, conversation_with

HX = {"HTTP_HX_REQUEST": "true"}
pytestmark = pytest.mark.django_db


def _since(client) -> str:
    return client.get(reverse("inbox:list"), **HX).context["list_stamp"]


def _poll(client, since: str) -> int:
    return client.get(reverse("inbox:list"), {"since": since}, **HX).status_code


@pytest.fixture
def signed_in(client, officer):
    client.force_login(officer)
    return client


@pytest.fixture
def conv(channel_a):
    return conversation_with(channel_a, author=citizen(41, name="Jo Resident"), messages=1)


def test_an_unchanged_list_renders_the_same_bytes_twice(signed_in, conv):
    first = signed_in.get(reverse("inbox:list"), **HX).content
    second = signed_in.get(reverse("inbox:list"), **HX).content
    assert first == second


def test_every_action_a_row_shows_moves_the_stamp(signed_in, conv, officer, teammate):
    changes = [
        lambda: actions.conversation_assign(conversation=conv, actor=officer, assignee=teammate),
        lambda: actions.conversation_label(
            conversation=conv, actor=officer, label=LabelFactory(name="bins")
        ),
        lambda: actions.conversation_set_status(conversation=conv, actor=officer, status="pending"),
    ]
    for change in changes:
        since = _since(signed_in)
        assert _poll(signed_in, since) == 204
        change()
        assert _poll(signed_in, since) == 200


def test_ingest_moves_the_stamp_of_its_channel_only(other_officer, signed_in, channel_a):
    other = Client()
    other.force_login(other_officer)
    theirs = _since(other)
    ours = _since(signed_in)
    conversation_with(channel_a, author=citizen(42, name="New Person"))
    assert _poll(signed_in, ours) == 200
    assert _poll(other, theirs) == 204  # another team's channel did not change


def test_a_stamp_moves_only_when_its_transaction_commits(signed_in, conv, channel_a):
    since = _since(signed_in)
    with pytest.raises(RuntimeError), transaction.atomic():
        channel_stamps_bump(channel_ids=[channel_a.pk])
        raise RuntimeError("rolled back")
    assert _poll(signed_in, since) == 204
    channel_stamps_bump(channel_ids=[channel_a.pk])
    assert _poll(signed_in, since) == 200
    assert ChannelStamp.objects.get(channel=channel_a).version >= 2


def test_opening_a_conversation_refreshes_the_list_without_a_stamp(signed_in, conv):
    body = signed_in.get(reverse("inbox:list"), **HX).content.decode()
    # The poll carries the stamp; the refresher after opening a row does not.
    assert 'hx-get="/inbox/?since=' in body
    assert 'hx-get="/inbox/"\n        hx-trigger="inbox:changed from:body"' in body
