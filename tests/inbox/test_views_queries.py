"""The inbox list and the conversation view read a fixed number of queries,
whatever the page size or the length of the thread."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from inbox.models import CannedResponse, MediaKind, MessageMedia, Note
from inbox.selectors import PAGE_SIZE
from inbox.services import actions
from inbox.services.shield import abuse_term_add
from tests.factories import ConversationFactory, LabelFactory
from tests.inbox.ui_data import citizen, conversation_with

HX = {"HTTP_HX_REQUEST": "true"}

# The session costs a query only when it lives in the database alone; with Redis
# (cached_db, as in CI and production) a signed-in request reads it from the cache.
SESSION = 1 if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db" else 0
# session, user, their roles (Django's ModelBackend reads them apart), the
# change stamp, rows (with their labels, escalation flags and crisis as
# annotations), abuse terms
LIST_FRAGMENT = SESSION + 5
# + every label, for the bulk form's "Label for selected" (the views and filters,
# their counts and the notifications badge come in their own request)
LIST_PAGE = SESSION + 6
# An unchanged poll: session, user, roles and the one stamp read; no rows.
LIST_POLL_UNCHANGED = SESSION + 3
# session, user, roles, the conversation (with its flags, the crisis's holding
# statement, the channel's teams, the abuse shield's terms, who else is viewing
# and the likes, hides and deletes queued on its messages, as annotations), read
# marker and presence in one transaction (its SAVEPOINT and RELEASE here, BEGIN
# and COMMIT in service: counted, they are round trips too), messages (each
# saying whether it has media), colleagues (for the assign menu), notes, labels
# (all, those applied marked), canned responses. Media: one query more, when
# some message has any.
CONVERSATION_FRAGMENT = SESSION + 12
# The same: the list beside it, the views and filters and the contact card come in
# their own requests once the page is shown.
CONVERSATION_PAGE = CONVERSATION_FRAGMENT
# session, user, roles, the views' counts (one statement), unread notifications,
# the officer's saved views, channels, labels, assignees, the teams a view can be
# shared with
SIDEBAR = SESSION + 9
# session, user, roles, conversation (with the terms and the likes, hides and
# deletes), messages, notes, labels, read marker
THREAD_POLL = SESSION + 7
# session, user, roles, the conversation with the card's annotations (history,
# counts, tags, notes, mute); linked identities are read only for a linked contact
CONTACT_CARD = SESSION + 3


@pytest.fixture(autouse=True)
def _json_features_probed(db):
    """SQLite answers whether it has JSON functions with a query, once per
    connection; ask before counting so only per-request queries are counted."""
    connection.features.supports_json_field
    connection.features.has_json_object_function


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
    assert len(response.context["page"].rows) == min(count, PAGE_SIZE)


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
    assert len(response.context["page"].rows) == min(count, PAGE_SIZE)


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


@pytest.mark.django_db
@pytest.mark.parametrize("superuser", [False, True])
def test_an_admin_opens_a_conversation_in_as_many_queries(
    client, officer, teammate, admin_user, channel_a, superuser, django_assert_num_queries
):
    """An admin by membership reads their roles like anyone; a superuser has
    no roles to read, and their teams' canned responses cost no more."""
    conv = _rich_conversation(channel_a, officer, teammate, 3)
    admin_user.is_superuser = superuser
    admin_user.save(update_fields=["is_superuser"])
    client.force_login(admin_user)
    url = reverse("inbox:conversation", args=[conv.pk])
    with django_assert_num_queries(CONVERSATION_FRAGMENT - superuser):
        client.get(url, **HX)


@pytest.mark.django_db
@pytest.mark.parametrize("pictures", [1, 5])
def test_media_cost_one_query_only_when_the_thread_has_some(
    client, officer, teammate, channel_a, pictures, django_assert_num_queries
):
    conv = _rich_conversation(channel_a, officer, teammate, 6)
    for n, message in enumerate(conv.messages.order_by("pk")[:pictures]):
        MessageMedia.objects.create(
            message=message,
            position=0,
            kind=MediaKind.IMAGE,
            alt_text=f"Pothole {n}",
            url="http://127.0.0.1:9/pothole.jpg",
        )
    client.force_login(officer)
    url = reverse("inbox:conversation", args=[conv.pk])
    with django_assert_num_queries(CONVERSATION_FRAGMENT + 1):
        response = client.get(url, **HX)
    shown = [len(m.media_list) for m in response.context["messages_"]]
    assert shown == [1] * pictures + [0] * (6 - pictures)
    html = response.content.decode()
    assert all(f"Pothole {n}" in html for n in range(pictures))


@pytest.mark.django_db
@pytest.mark.parametrize("shielded", [1, 6])
def test_a_shielded_thread_reads_the_reveals_once(
    client, officer, channel_a, admin_user, shielded, django_assert_num_queries
):
    """What this officer chose to reveal is read only when the abuse shield
    covers something in the thread, and then in one query however much it covers."""
    abuse_term_add(term="scumbag", actor=admin_user)
    conv = conversation_with(channel_a, messages=shielded, text="@council_help you scumbag")
    client.force_login(officer)
    url = reverse("inbox:conversation", args=[conv.pk])
    with django_assert_num_queries(CONVERSATION_FRAGMENT + 1) as captured:
        response = client.get(url, **HX)
    assert any("message.revealed" in q["sql"] for q in captured.captured_queries)
    assert all(m.shielded for m in response.context["messages_"])
    first = response.context["messages_"][0]
    client.post(reverse("inbox:reveal", args=[conv.pk, first.pk]), **HX)
    shown = client.get(url, **HX).context["messages_"]
    assert [m.shielded for m in shown] == [False] + [True] * (shielded - 1)


@pytest.mark.django_db
@pytest.mark.parametrize("earlier", [1, 12])
def test_the_contact_card_is_its_own_fixed_cost_request(
    client, officer, teammate, channel_a, earlier, django_assert_num_queries
):
    conv = _rich_conversation(channel_a, officer, teammate, 3)
    for _ in range(earlier):
        ConversationFactory(channel=channel_a, contact=conv.contact)
    client.force_login(officer)
    pane = client.get(reverse("inbox:conversation", args=[conv.pk]), **HX).content.decode()
    card_url = reverse("inbox:contact_card", args=[conv.pk])
    # The pane and the full page ask for the card once the thread is on screen;
    # without script, the card's own address is a whole page with the card.
    assert f'hx-get="{card_url}"' in pane and "Earlier conversations" not in pane
    page = client.get(reverse("inbox:conversation", args=[conv.pk])).content.decode()
    assert f'hx-get="{card_url}"' in page and "Earlier conversations" not in page
    assert "Earlier conversations" in client.get(card_url).content.decode()
    with django_assert_num_queries(CONTACT_CARD):
        card = client.get(card_url, **HX)
    assert card.status_code == 200
    theirs = conv.contact.conversations.count()
    assert theirs >= earlier + 1
    assert card.context["interactions"]["conversations"] == theirs
    assert len(card.context["earlier"]) == min(theirs - 1, 10)


@pytest.mark.django_db
def test_another_teams_contact_card_is_not_found(client, officer, conversation_b):
    client.force_login(officer)
    card = client.get(reverse("inbox:contact_card", args=[conversation_b.pk]), **HX)
    assert card.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 12])
def test_the_views_and_filters_are_one_fixed_cost_request(
    client, officer, teammate, channel_a, team_a, count, django_assert_num_queries
):
    from inbox.services.saved_views import saved_view_create

    _busy_inbox(channel_a, teammate, officer, 3)
    for n in range(count):
        LabelFactory(name=f"extra{n}")
        saved_view_create(owner=officer, name=f"view {n}", params={"status": "open"}, team=team_a)
    client.force_login(officer)
    with django_assert_num_queries(SIDEBAR):
        response = client.get(reverse("inbox:sidebar"), **HX)
    assert len(response.context["my_views"]) == count
    assert len(response.context["filter_labels"]) == count + 1
