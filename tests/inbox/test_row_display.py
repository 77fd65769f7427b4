"""The list row's shortcuts (``|short_time``, the status, priority and
network words) say what Django's general helpers say."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.template import engines
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from inbox.models import Channel, Conversation, Network, Priority, Status
from tests.factories import LabelFactory
from tests.inbox.ui_data import citizen, conversation_with

_BOTH = engines["django"].from_string(
    "{% load inbox_ui %}{{ at|short_time }}|{{ at|date:'j M, H:i' }}"
)


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    )
)
def test_short_time_is_django_s_date_format_in_the_local_zone(at):
    ours, django = _BOTH.render({"at": at}).split("|")
    assert ours == django


def test_short_time_crosses_the_clock_change_as_django_does():
    # 00:30 UTC on 30 March 2025 is 00:30 GMT; 01:30 UTC is 02:30 BST.
    for at in (datetime(2025, 3, 30, 0, 30, tzinfo=UTC), datetime(2025, 3, 30, 1, 30, tzinfo=UTC)):
        ours, django = _BOTH.render({"at": at}).split("|")
        assert ours == django
    assert _BOTH.render({"at": datetime(2025, 3, 30, 1, 30, tzinfo=UTC)}).startswith(
        "30 Mar, 02:30"
    )


def test_short_time_writes_nothing_for_a_missing_time():
    template = engines["django"].from_string("{% load inbox_ui %}[{{ at|short_time }}]")
    assert template.render({"at": None}) == "[]"


def test_labels_are_the_choices_labels():
    for status in Status:
        conversation = Conversation(status=status)
        assert conversation.status_label == conversation.get_status_display()
    for priority in Priority:
        conversation = Conversation(priority=priority)
        assert conversation.priority_label == conversation.get_priority_display()
    for network in Network:
        channel = Channel(network=network)
        assert channel.network_label == channel.get_network_display()


def test_each_status_but_new_has_its_own_tag_colour():
    colours = {s: Conversation(status=s).status_tag_class for s in Status}
    assert colours[Status.NEW] == ""
    others = [colours[s] for s in Status if s != Status.NEW]
    assert all(c.startswith("govuk-tag--") for c in others) and len(set(others)) == len(others)


@pytest.mark.django_db
def test_labels_read_with_the_rows_come_by_name_in_the_list_and_the_api(client, officer, channel_a):
    conv = conversation_with(channel_a, author=citizen(7, name="Jo Resident"))
    for name in ("zebra crossing", "bins", "potholes"):
        conv.labels.add(LabelFactory(name=name))
    conversation_with(channel_a, author=citizen(8))  # a row with no label
    client.force_login(officer)

    html = client.get(reverse("inbox:list"), HTTP_HX_REQUEST="true").content.decode()
    assert html.index(">bins<") < html.index(">potholes<") < html.index(">zebra crossing<")

    api = APIClient()
    api.force_authenticate(officer)
    rows = {r["id"]: r for r in api.get(reverse("api:conversation_list")).json()["results"]}
    assert [lb["name"] for lb in rows[conv.pk]["labels"]] == ["bins", "potholes", "zebra crossing"]
    assert all(isinstance(lb["id"], int) for lb in rows[conv.pk]["labels"])
    assert [r["labels"] for pk, r in rows.items() if pk != conv.pk] == [[]]
