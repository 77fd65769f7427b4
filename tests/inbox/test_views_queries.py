"""The inbox list and the conversation view read a fixed number of queries,
whatever the page size or the length of the thread."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from inbox.models import CannedResponse, Note
from inbox.services import actions
from tests.factories import LabelFactory
from tests.inbox.ui_data import citizen, conversation_with

HX = {"HTTP_HX_REQUEST": "true"}

# The session costs a query only when it lives in the database alone; with Redis
# (cached_db, as in CI and production) a signed-in request reads it from the cache.
SESSION = 1 if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db" else 0
# session, user, their roles (Django's ModelBackend reads them apart), the
# change stamp, rows, labels, escalation targets, open escalations, active
# crises, abuse terms
LIST_FRAGMENT = SESSION + 9
# + saved-view counts, channels, labels, assignees, unread notifications
LIST_PAGE = SESSION + 14
# An unchanged poll: session, user, roles and the one stamp read; no rows.
LIST_POLL_UNCHANGED = SESSION + 3
# session, user, roles, conversation, read marker, presence, terms, reveals,
# likes/hides, messages, notes, labels, escalation targets, open escalations,
# active crises, colleagues, teams, all labels, earlier conversations,
# interactions, tags, notes about the contact, the contact's mute on X, canned
# responses, the crisis's holding statement, viewers
CONVERSATION_FRAGMENT = SESSION + 25
# shared with the list: session, user, roles, terms
CONVERSATION_PAGE = CONVERSATION_FRAGMENT + LIST_PAGE - 3 - SESSION
THREAD_POLL = SESSION + 13


def _busy_inbox(channel, teammate, officer, count: int):
    label = LabelFactory(name="bins")
    convs = []
    for n in range(count):
        conv = conversation_with(channel, author=citizen(100 + n), messages=2)
        conv.labels.add(label)
        actions.conversation_assign(conversation=conv, actor=officer, assignee=teammate)
        convs.append(conv)
    return label


def _rich_conversation(channel, officer, teammate, messages: int):
    author = citizen(1, name="Jo Resident")
    conv = conversation_with(channel, author=author, messages=messages)
    conversation_with(channel, author=author)  # an earlier conversation
    for n in range(messages):
        Note.objects.create(conversation=conv, author=teammate if n % 2 else officer, text=f"n{n}")
        conv.labels.add(LabelFactory(name=f"label{n}"))
    CannedResponse.objects.create(title="Thanks", text="Hi {first_name}")
    return conv


@pytest.mark.django_db
@pytest.mark.parametrize("count", [3, 30])
def test_list_fragment_queries_do_not_grow_with_rows(
    client, officer, teammate, channel_a, count, django_assert_num_queries
):
    _busy_inbox(channel_a, teammate, officer, count)
    client.force_login(officer)
    with django_assert_num_queries(LIST_FRAGMENT):
        response = client.get(reverse("inbox:list"), **HX)
    assert len(response.context["page"].rows) == count


@pytest.mark.django_db
@pytest.mark.parametrize("count", [3, 30])
def test_an_unchanged_list_poll_reads_one_stamp_and_no_rows(
    client, officer, teammate, channel_a, count, django_assert_num_queries
):
    _busy_inbox(channel_a, teammate, officer, count)
    client.force_login(officer)
    since = client.get(reverse("inbox:list"), **HX).context["list_stamp"]
    with django_assert_num_queries(LIST_POLL_UNCHANGED) as captured:
        response = client.get(reverse("inbox:list"), {"since": since}, **HX)
    assert response.status_code == 204
    assert "inbox_channelstamp" in captured.captured_queries[-1]["sql"]


@pytest.mark.django_db
@pytest.mark.parametrize("count", [3, 30])
def test_list_page_queries_do_not_grow_with_rows(
    client, officer, teammate, channel_a, count, django_assert_num_queries
):
    label = _busy_inbox(channel_a, teammate, officer, count)
    client.force_login(officer)
    with django_assert_num_queries(LIST_PAGE):
        response = client.get(reverse("inbox:list"), {"view": "all", "label": label.pk})
    assert len(response.context["page"].rows) == count


@pytest.mark.django_db
@pytest.mark.parametrize("messages", [2, 25])
def test_conversation_queries_do_not_grow_with_the_thread(
    client, officer, teammate, channel_a, messages, django_assert_num_queries
):
    conv = _rich_conversation(channel_a, officer, teammate, messages)
    client.force_login(teammate)
    client.get(reverse("inbox:conversation", args=[conv.pk]))  # a colleague is viewing
    client.force_login(officer)
    url = reverse("inbox:conversation", args=[conv.pk])
    with django_assert_num_queries(CONVERSATION_FRAGMENT):
        response = client.get(url, **HX)
    assert len(response.context["messages_"]) == messages
    with django_assert_num_queries(CONVERSATION_PAGE):
        client.get(url)
    with django_assert_num_queries(THREAD_POLL):
        client.get(reverse("inbox:thread", args=[conv.pk]), **HX)
