"""The inbox pages and fragments: what an officer sees, and what they may not."""

from __future__ import annotations

import re
from datetime import timedelta
from html import escape

import pytest
from django.urls import reverse
from django.utils import timezone

from inbox.models import ConversationRead, Presence, Status
from tests.factories import LabelFactory
from tests.inbox.ui_data import citizen, conversation_with

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def conv_a(channel_a):
    return conversation_with(channel_a, author=citizen(1, name="Jo Resident"), messages=2)


@pytest.fixture
def conv_b(channel_b):
    return conversation_with(channel_b, author=citizen(2, name="Bea Other"), messages=1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["inbox:list", "inbox:counts", "inbox:sidebar", "inbox:search", "inbox:notifications"],
)
def test_pages_require_sign_in(client, url):
    response = client.get(reverse(url))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.django_db
def test_inbox_page_has_three_panes_and_only_own_team_conversations(
    client, officer, conv_a, conv_b
):
    client.force_login(officer)
    response = client.get(reverse("inbox:list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="inbox-sidebar"' in body  # the views and filters, asked for once shown
    assert 'id="conversation-list"' in body
    assert 'id="conversation-pane"' in body
    assert [r.pk for r in response.context["page"].rows] == [conv_a.pk]
    assert "Jo Resident" in body and "Bea Other" not in body
    assert reverse("inbox:conversation", args=[conv_b.pk]) not in body


@pytest.mark.django_db
def test_list_fragment_for_htmx_and_204_when_nothing_changed(client, officer, conv_a):
    client.force_login(officer)
    first = client.get(reverse("inbox:list"), **HX)
    body = first.content.decode()
    assert first.status_code == 200
    assert "<html" not in body and 'id="conversation-list"' in body
    since = first.context["list_stamp"]
    again = client.get(reverse("inbox:list"), {"since": since}, **HX)
    assert again.status_code == 204
    assert again.content == b""


@pytest.mark.django_db
def test_list_fragment_changes_when_a_message_arrives(client, officer, channel_a, conv_a):
    client.force_login(officer)
    since = client.get(reverse("inbox:list"), **HX).context["list_stamp"]
    conversation_with(channel_a, author=citizen(9, name="New Person"))
    response = client.get(reverse("inbox:list"), {"since": since}, **HX)
    assert response.status_code == 200
    assert "New Person" in response.content.decode()


@pytest.mark.django_db
def test_saved_views_show_live_counts(client, officer, teammate, channel_a, conv_a):
    other = conversation_with(channel_a)
    client.force_login(officer)
    client.post(reverse("inbox:assign_me", args=[conv_a.pk]))
    counts = {
        v["key"]: v["count"] for v in client.get(reverse("inbox:counts")).context["saved_views"]
    }
    assert counts["mine"] == 1
    assert counts["unassigned"] == 1
    assert counts["all"] == 2
    assert counts["resolved"] is None
    assert other.pk


@pytest.mark.django_db
def test_saved_views_filter_the_list(client, officer, teammate, channel_a, conv_a):
    theirs = conversation_with(channel_a)
    done = conversation_with(channel_a)
    client.force_login(officer)
    client.post(reverse("inbox:assign_me", args=[conv_a.pk]))
    client.post(reverse("inbox:assign", args=[theirs.pk]), {"assignee": str(teammate.pk)})
    client.post(reverse("inbox:resolve", args=[done.pk]))

    def rows(**params):
        return [r.pk for r in client.get(reverse("inbox:list"), params).context["page"].rows]

    assert rows(view="mine") == [conv_a.pk]
    assert rows(view="unassigned") == []
    assert set(rows(view="all")) == {conv_a.pk, theirs.pk}
    assert rows(view="resolved") == [done.pk]
    assert rows(view="all", assignee=teammate.pk) == [theirs.pk]


@pytest.mark.django_db
def test_filters_by_label_kind_status_and_needs_reply(client, officer, channel_a, conv_a):
    other = conversation_with(channel_a)
    label = LabelFactory(name="bins")
    client.force_login(officer)
    client.post(reverse("inbox:label", args=[other.pk]), {"label": str(label.pk)})
    client.post(reverse("inbox:status", args=[conv_a.pk]), {"status": "pending"})

    def rows(**params):
        return [r.pk for r in client.get(reverse("inbox:list"), params).context["page"].rows]

    assert rows(label=label.pk) == [other.pk]
    assert rows(status="pending") == [conv_a.pk]
    assert rows(kind="private") == []
    assert set(rows(kind="public", needs_reply="on")) == {conv_a.pk, other.pk}
    assert rows(network="facebook") == []
    # A stale or forged filter value is ignored, not an error.
    assert set(rows(priority="banana", channel="x")) == {conv_a.pk, other.pk}


@pytest.mark.django_db
def test_conversation_page_shows_thread_contact_card_and_composer(client, officer, conv_a):
    client.force_login(officer)
    response = client.get(reverse("inbox:conversation", args=[conv_a.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "message 0 about Elm Road" in body and "message 1 about Elm Road" in body
    assert "Posting as <strong><bdi>@council_help</bdi></strong>" in body
    assert "About <bdi>Jo Resident</bdi>" in body
    assert 'name="idempotency_key"' in body
    assert 'data-rule="x-weighted" data-limit="280"' in body
    # The card's history comes in its own request; without script, its link
    # is the whole page with the card.
    card_url = reverse("inbox:contact_card", args=[conv_a.pk])
    assert f'href="{card_url}#contact"' in body and "Past interactions" not in body
    assert "Past interactions" in client.get(card_url).content.decode()


@pytest.mark.django_db
def test_conversation_fragment_for_htmx(client, officer, conv_a):
    client.force_login(officer)
    response = client.get(reverse("inbox:conversation", args=[conv_a.pk]), **HX)
    body = response.content.decode()
    assert "<html" not in body
    assert body.lstrip().startswith("<title>")
    assert '<article id="conversation"' in body
    assert response["HX-Trigger"] == "inbox:changed"


@pytest.mark.django_db
def test_opening_marks_read_and_the_list_drops_the_unread_marker(
    client, officer, channel_a, conv_a
):
    client.force_login(officer)
    [row] = client.get(reverse("inbox:list")).context["page"].rows
    assert row.is_unread
    client.get(reverse("inbox:conversation", args=[conv_a.pk]))
    assert ConversationRead.objects.filter(user=officer, conversation=conv_a).exists()
    [row] = client.get(reverse("inbox:list")).context["page"].rows
    assert not row.is_unread
    # A new inbound message makes it unread again.
    conversation_with(channel_a, author=citizen(1, name="Jo Resident"))
    rows = client.get(reverse("inbox:list")).context["page"].rows
    assert any(r.is_unread for r in rows)


@pytest.mark.django_db
def test_thread_fragment_polls_with_204_until_something_changes(client, officer, channel_a, conv_a):
    client.force_login(officer)
    url = reverse("inbox:thread", args=[conv_a.pk])
    first = client.get(url, **HX)
    assert first.status_code == 200
    sig = first.context["thread_sig"]
    assert client.get(url, {"sig": sig}, **HX).status_code == 204
    client.post(reverse("inbox:note", args=[conv_a.pk]), {"text": "checking"})
    changed = client.get(url, {"sig": sig}, **HX)
    assert changed.status_code == 200
    assert 'id="notes-list" class="notes" hx-swap-oob="true"' in changed.content.decode()


@pytest.mark.django_db
def test_due_clock_is_words_not_only_colour(client, officer, conv_a):
    due = timezone.now() - timedelta(minutes=5, seconds=10)
    conv_a.due_at = due
    conv_a.save(update_fields=["due_at"])
    client.force_login(officer)
    body = client.get(reverse("inbox:conversation", args=[conv_a.pk])).content.decode()
    assert "Overdue by 5 min" in body
    # The list carries the time itself; the browser draws the words
    # (static/js/times.js, tests/browser), so the markup never ages.
    stamp = f'<time datetime="{timezone.localtime(due).isoformat()}" data-relative="due">'
    assert stamp in client.get(reverse("inbox:list"), **HX).content.decode()
    conv_a.due_at = timezone.now() + timedelta(minutes=12, seconds=30)
    conv_a.save(update_fields=["due_at"])
    body = client.get(reverse("inbox:conversation", args=[conv_a.pk])).content.decode()
    assert "Due in 12 min" in body and "due-soon" in body


@pytest.mark.django_db
def test_detractor_and_blocked_flags_show_as_words(client, officer, conv_a):
    contact = conv_a.contact
    contact.is_detractor = True
    contact.blocked = True
    contact.save()
    client.force_login(officer)
    body = client.get(reverse("inbox:conversation", args=[conv_a.pk])).content.decode()
    assert ">Detractor<" in body and ">Blocked<" in body


@pytest.mark.django_db
def test_presence_shows_a_colleague_viewing_then_typing(client, officer, teammate, conv_a):
    client.force_login(teammate)
    client.get(reverse("inbox:conversation", args=[conv_a.pk]))
    client.force_login(officer)
    url = reverse("inbox:presence", args=[conv_a.pk])
    body = client.post(url, **HX).content.decode()
    assert f"<bdi>{escape(str(teammate))}</bdi> is viewing" in body
    client.force_login(teammate)
    assert client.post(url + "?typing=1", **HX).status_code == 204
    client.force_login(officer)
    body = client.post(url, **HX).content.decode()
    assert f"<bdi>{escape(str(teammate))}</bdi> is typing a reply" in body
    # And the list's presence poll says who is viewing each listed conversation.
    viewers = client.get(reverse("inbox:viewers"), {"id": [conv_a.pk]}, **HX).content.decode()
    assert f'id="viewers-{conv_a.pk}" hx-swap-oob="true"' in viewers
    assert f"<bdi>{escape(str(teammate))}</bdi> viewing" in viewers
    assert f'id="viewers-{conv_a.pk}"' in client.get(reverse("inbox:list")).content.decode()


@pytest.mark.django_db
def test_a_colleague_who_left_is_no_longer_shown(client, officer, teammate, conv_a):
    Presence.objects.create(
        user=teammate, conversation=conv_a, seen_at=timezone.now() - timedelta(minutes=1)
    )
    client.force_login(officer)
    body = client.post(reverse("inbox:presence", args=[conv_a.pk]), **HX).content.decode()
    assert "viewing" not in body


@pytest.mark.django_db
def test_public_text_is_escaped_everywhere(client, officer, channel_a):
    hostile = "<script>alert('x')</script> <img src=x onerror=alert(1)>"
    conv = conversation_with(
        channel_a, author=citizen(7, name="<b>Evil</b>", handle="evil<i>"), text=hostile
    )
    client.force_login(officer)
    for url in (
        reverse("inbox:list"),
        reverse("inbox:conversation", args=[conv.pk]),
        reverse("inbox:search") + "?q=alert",
        reverse("inbox:search") + "?q=Evil",
    ):
        body = client.get(url).content.decode()
        assert "<script>alert" not in body
        assert "<img src=x" not in body
        assert "<b>Evil</b>" not in body


@pytest.mark.django_db
def test_pager_links_to_older_conversations(client, officer, channel_a, settings, monkeypatch):
    from inbox import selectors

    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    monkeypatch.setattr(selectors.conversation_inbox, "__kwdefaults__", {"page": 1, "page_size": 2})
    convs = [conversation_with(channel_a) for _ in range(3)]
    client.force_login(officer)
    first = client.get(reverse("inbox:list"))
    assert first.context["page"].has_more
    assert "Older conversations" in first.content.decode()
    second = client.get(reverse("inbox:list"), {"page": 2})
    assert [r.pk for r in second.context["page"].rows] == [convs[0].pk]


@pytest.mark.django_db
def test_the_list_says_what_it_shows_and_why_it_is_empty(client, officer, channel_a):
    client.force_login(officer)
    body = client.get(reverse("inbox:list"), **HX).content.decode()
    assert "No conversations here." in body
    body = client.get(reverse("inbox:list"), {"status": "pending"}, **HX).content.decode()
    assert "No conversations here with these filters." in body
    conversation_with(channel_a)
    body = client.get(reverse("inbox:list"), {"sort": "due"}, **HX).content.decode()
    assert "Showing 1 conversation, response due soonest first." in body
    assert 'hx-get="/inbox/?sort=due&amp;since=' in body  # the poll keeps the filters


@pytest.mark.django_db
def test_login_page_signs_in(client, officer):
    response = client.post(
        reverse("login"), {"username": "olivia", "password": "correct horse battery staple"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("inbox:list")


@pytest.mark.django_db
def test_no_inline_scripts_or_styles_so_a_strict_csp_can_apply(client, officer, conv_a):
    client.force_login(officer)
    body = client.get(reverse("inbox:conversation", args=[conv_a.pk])).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)", body)
    assert " style=" not in body
    assert "hx-on" not in body


@pytest.mark.django_db
def test_resolved_conversations_leave_the_default_view(client, officer, conv_a):
    client.force_login(officer)
    client.post(reverse("inbox:resolve", args=[conv_a.pk]))
    conv_a.refresh_from_db()
    assert conv_a.status == Status.RESOLVED
    assert client.get(reverse("inbox:list")).context["page"].rows == []


@pytest.mark.django_db
def test_leaving_removes_presence_at_once(client, officer, teammate, conv_a):
    client.force_login(teammate)
    client.get(reverse("inbox:conversation", args=[conv_a.pk]))
    assert Presence.objects.filter(user=teammate).exists()
    response = client.post(reverse("inbox:presence", args=[conv_a.pk]), {"leave": "1"})
    assert response.status_code == 204
    assert not Presence.objects.filter(user=teammate).exists()


@pytest.mark.django_db
def test_order_by_response_due_puts_the_most_urgent_first(client, officer, channel_a, conv_a):
    soon = conversation_with(channel_a)
    later = conversation_with(channel_a)
    now = timezone.now()
    soon.due_at, later.due_at = now + timedelta(minutes=5), now + timedelta(minutes=50)
    soon.save(update_fields=["due_at"])
    later.save(update_fields=["due_at"])
    client.force_login(officer)
    rows = client.get(reverse("inbox:list"), {"sort": "due"}).context["page"].rows
    assert [r.pk for r in rows] == [soon.pk, later.pk, conv_a.pk]
