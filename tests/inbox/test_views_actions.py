"""Officer actions through the pages: each goes through its service and writes
exactly one Event; htmx gets the changed fragment, a plain form a redirect."""

from __future__ import annotations

from html import escape

import pytest
from django.urls import reverse

from events.models import Event
from inbox.models import (
    CannedResponse,
    Contact,
    Conversation,
    HouseRule,
    Message,
    NetworkAction,
    Note,
    Notification,
    Status,
)
from tests.factories import LabelFactory
from tests.inbox.ui_data import citizen, conversation_with

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def conv_a(channel_a):
    return conversation_with(channel_a, author=citizen(1, name="Jo Resident"), messages=2)


def _new_events(before: int) -> list[Event]:
    return list(Event.objects.order_by("pk")[before:])


def _event_count() -> int:
    return Event.objects.count()


@pytest.fixture
def signed_in(client, officer):
    client.force_login(officer)
    return client


@pytest.mark.django_db
def test_assign_to_me_htmx_returns_controls_and_one_event(signed_in, officer, conv_a):
    before = _event_count()
    response = signed_in.post(reverse("inbox:assign_me", args=[conv_a.pk]), **HX)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="controls"')
    assert "Assigned to you." in body and 'hx-swap-oob="innerHTML:#announce"' in body
    assert "inbox:changed" in response["HX-Trigger"]
    conv_a.refresh_from_db()
    assert conv_a.assignee == officer
    assert [e.type for e in _new_events(before)] == ["conversation.assigned"]


@pytest.mark.django_db
def test_assign_without_js_redirects_back_with_a_message(signed_in, conv_a):
    response = signed_in.post(
        reverse("inbox:assign_me", args=[conv_a.pk]), {"back": "view=mine"}, follow=True
    )
    assert (
        response.redirect_chain[-1][0]
        == reverse("inbox:conversation", args=[conv_a.pk]) + "?view=mine"
    )
    assert "Assigned to you." in response.content.decode()


@pytest.mark.django_db
def test_assign_to_colleague_and_team(signed_in, teammate, team_a, conv_a):
    before = _event_count()
    signed_in.post(
        reverse("inbox:assign", args=[conv_a.pk]),
        {"assignee": str(teammate.pk), "team": str(team_a.pk)},
        **HX,
    )
    conv_a.refresh_from_db()
    assert (conv_a.assignee, conv_a.team) == (teammate, team_a)
    assert [e.type for e in _new_events(before)] == ["conversation.assigned"]


@pytest.mark.django_db
def test_assign_to_someone_outside_the_channel_is_refused(signed_in, other_officer, conv_a):
    response = signed_in.post(
        reverse("inbox:assign", args=[conv_a.pk]), {"assignee": str(other_officer.pk)}, **HX
    )
    assert response.status_code == 422
    conv_a.refresh_from_db()
    assert conv_a.assignee is None
    assert not Event.objects.filter(type="conversation.assigned").exists()


@pytest.mark.django_db
def test_status_resolve_and_bad_status(signed_in, conv_a):
    before = _event_count()
    signed_in.post(reverse("inbox:status", args=[conv_a.pk]), {"status": "pending"}, **HX)
    signed_in.post(reverse("inbox:resolve", args=[conv_a.pk]), **HX)
    bad = signed_in.post(reverse("inbox:status", args=[conv_a.pk]), {"status": "bogus"}, **HX)
    assert bad.status_code == 422 and "Choose a valid status." in bad.content.decode()
    conv_a.refresh_from_db()
    assert conv_a.status == Status.RESOLVED
    assert [e.type for e in _new_events(before)] == ["conversation.status_changed"] * 2


@pytest.mark.django_db
def test_label_add_and_remove(signed_in, conv_a):
    label = LabelFactory(name="potholes")
    before = _event_count()
    signed_in.post(reverse("inbox:label", args=[conv_a.pk]), {"label": str(label.pk)}, **HX)
    assert list(conv_a.labels.all()) == [label]
    signed_in.post(
        reverse("inbox:label", args=[conv_a.pk]), {"label": str(label.pk), "remove": "on"}, **HX
    )
    assert list(conv_a.labels.all()) == []
    assert [e.type for e in _new_events(before)] == [
        "conversation.labelled",
        "conversation.unlabelled",
    ]


@pytest.mark.django_db
def test_note_with_mentions_notifies_colleagues_who_cover_the_channel(
    signed_in, teammate, other_officer, conv_a
):
    before = _event_count()
    response = signed_in.post(
        reverse("inbox:note", args=[conv_a.pk]),
        {"text": "@tom can you check? cc @oscar and @nobody"},
        **HX,
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="notes"')
    assert "can you check?" in body
    assert f"Notified {escape(str(teammate))}." in body
    assert f"Not notified (they do not cover this channel): {escape(str(other_officer))}." in body
    assert Note.objects.count() == 1
    [notification] = Notification.objects.all()
    assert notification.user == teammate
    assert notification.url == reverse("inbox:conversation", args=[conv_a.pk])
    assert [e.type for e in _new_events(before)] == ["note.added"]


@pytest.mark.django_db
def test_empty_note_is_refused_and_nothing_stored(signed_in, conv_a):
    response = signed_in.post(reverse("inbox:note", args=[conv_a.pk]), {"text": "  "}, **HX)
    assert response.status_code == 422
    assert not Note.objects.exists()


@pytest.mark.django_db
def test_a_note_with_nul_is_refused_for_what_it_is_not_for_its_length(signed_in, conv_a):
    response = signed_in.post(
        reverse("inbox:note", args=[conv_a.pk]), {"text": "Called Jo\x00 back"}, **HX
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert "NUL and other control characters are not allowed" in body
    assert "5,000" not in body
    assert not Note.objects.exists()


@pytest.mark.django_db
def test_a_note_keeps_its_line_breaks(signed_in, conv_a):
    response = signed_in.post(
        reverse("inbox:note", args=[conv_a.pk]), {"text": "Called Jo.\r\nRing back at 3."}, **HX
    )
    assert response.status_code == 200
    assert Note.objects.get().text == "Called Jo.\r\nRing back at 3."


@pytest.mark.django_db
def test_a_too_long_note_is_refused_with_its_length(signed_in, conv_a):
    response = signed_in.post(reverse("inbox:note", args=[conv_a.pk]), {"text": "a" * 5001}, **HX)
    assert response.status_code == 422
    assert "at most 5,000 characters (it has 5001)" in response.content.decode()


@pytest.mark.django_db
def test_reply_is_queued_once_even_when_submitted_twice(signed_in, officer, conv_a):
    data = {
        "text": "Hi Jo, we're on it.",
        "idempotency_key": "k" * 32,
        "seen_outbound_id": "0",
    }
    before = _event_count()
    first = signed_in.post(reverse("inbox:reply", args=[conv_a.pk]), data, **HX)
    second = signed_in.post(reverse("inbox:reply", args=[conv_a.pk]), data, **HX)
    assert first.status_code == second.status_code == 200
    assert "Reply queued: sending from @council_help on X." in first.content.decode()
    [reply] = Message.objects.filter(direction="out")
    assert (reply.text, reply.state, reply.author_user) == (
        "Hi Jo, we're on it.",
        "queued",
        officer,
    )
    assert (
        reply.in_reply_to_external_id
        == conv_a.messages.filter(direction="in").latest("sent_at").external_id
    )
    assert [e.type for e in _new_events(before)] == ["message.queued"]
    # The fresh composer has a new key and knows about the reply just sent.
    assert first.context["reply_form"]["seen_outbound_id"].value() == reply.pk


@pytest.mark.django_db
def test_a_colleagues_key_in_the_form_is_refused_not_answered_with_their_reply(
    client, signed_in, teammate, conv_a
):
    data = {"text": "Olivia's answer", "idempotency_key": "s" * 32, "seen_outbound_id": "0"}
    signed_in.post(reverse("inbox:reply", args=[conv_a.pk]), data, **HX)
    client.force_login(teammate)
    forged = dict(data, text="Tom's answer", confirm="on")
    response = client.post(reverse("inbox:reply", args=[conv_a.pk]), forged, **HX)
    assert response.status_code == 422
    body = response.content.decode()
    assert "already used for a different reply" in body
    assert "Reply queued" not in body
    assert Message.objects.filter(direction="out").count() == 1


@pytest.mark.django_db
def test_reply_over_xs_weighted_limit_is_refused(signed_in, conv_a):
    text = "é" * 200 + " https://example.org/a-long-path " + "x" * 59  # 200+1+23+1+59
    response = signed_in.post(
        reverse("inbox:reply", args=[conv_a.pk]),
        {"text": text, "idempotency_key": "q" * 32, "seen_outbound_id": "0"},
        **HX,
    )
    assert response.status_code == 422
    assert "Too long for X: 284 of 280 characters." in response.content.decode()
    assert not Message.objects.filter(direction="out").exists()


@pytest.mark.django_db
def test_reply_after_a_colleague_replied_asks_to_confirm(client, officer, teammate, conv_a):
    client.force_login(officer)
    seen = str(
        client.get(reverse("inbox:conversation", args=[conv_a.pk])).context["latest_outbound_id"]
    )
    client.force_login(teammate)
    client.post(
        reverse("inbox:reply", args=[conv_a.pk]),
        {"text": "Tom's answer", "idempotency_key": "t" * 32, "seen_outbound_id": "0"},
        **HX,
    )
    client.force_login(officer)
    mine = {"text": "Olivia's answer", "idempotency_key": "o" * 32, "seen_outbound_id": seen}
    response = client.post(reverse("inbox:reply", args=[conv_a.pk]), mine, **HX)
    body = response.content.decode()
    assert response.status_code == 409
    assert "Tom&#x27;s answer" in body or "Tom's answer" in body
    assert "replied after you opened this conversation" in body
    assert "Olivia&#x27;s answer" in body  # the typed text is kept
    assert Message.objects.filter(direction="out").count() == 1
    confirmed = client.post(
        reverse("inbox:reply", args=[conv_a.pk]), {**mine, "confirm": "on"}, **HX
    )
    assert confirmed.status_code == 200
    assert Message.objects.filter(direction="out").count() == 2


@pytest.mark.django_db
def test_collision_without_js_shows_the_page_with_a_confirm_button(
    client, officer, teammate, conv_a
):
    client.force_login(teammate)
    client.post(
        reverse("inbox:reply", args=[conv_a.pk]),
        {"text": "Tom's answer", "idempotency_key": "t" * 32, "seen_outbound_id": "0"},
    )
    client.force_login(officer)
    response = client.post(
        reverse("inbox:reply", args=[conv_a.pk]),
        {"text": "Mine", "idempotency_key": "o" * 32, "seen_outbound_id": "0"},
    )
    assert response.status_code == 409
    assert "Send mine anyway" in response.content.decode()
    assert Message.objects.filter(direction="out").count() == 1


@pytest.mark.django_db
def test_private_reply_goes_to_the_dm_thread_with_the_same_citizen(signed_in, channel_a, conv_a):
    response = signed_in.post(
        reverse("inbox:reply", args=[conv_a.pk]),
        {
            "text": "DMing you",
            "idempotency_key": "p" * 32,
            "seen_outbound_id": "0",
            "private": "on",
        },
        **HX,
    )
    assert response.status_code == 200
    reply = Message.objects.get(direction="out")
    dm = reply.conversation
    assert dm.kind == "private" and dm.contact == conv_a.contact and dm.channel == channel_a
    ids = sorted(
        [channel_a.external_account_id, conv_a.contact.external_id], key=lambda v: (len(v), v)
    )
    assert dm.thread_key == f"dm:{ids[0]}-{ids[1]}"
    assert reply.kind == "dm" and reply.in_reply_to_external_id == ""


@pytest.mark.django_db
def test_canned_response_fills_placeholders(signed_in, officer, conv_a):
    canned = CannedResponse.objects.create(
        title="Thanks", text="Hi {first_name}, {officer} here at {channel}. {officer.__class__}"
    )
    response = signed_in.get(
        reverse("inbox:composer", args=[conv_a.pk]),
        {"canned": canned.pk, "text": "Before.", "seen_outbound_id": "0"},
        **HX,
    )
    text = response.context["reply_form"]["text"].value()
    assert (
        text
        == f"Before.\n\nHi Jo, {officer.display_name} here at Riverside Council. {{officer.__class__}}"
    )


@pytest.mark.django_db
def test_canned_response_of_another_team_is_not_offered(signed_in, team_b, conv_a):
    canned = CannedResponse.objects.create(title="Roads only", text="Roads")
    canned.teams.add(team_b)
    response = signed_in.get(
        reverse("inbox:composer", args=[conv_a.pk]), {"canned": canned.pk}, **HX
    )
    assert response.status_code == 404


@pytest.mark.django_db
def test_like_a_name_check_instead_of_replying(signed_in, conv_a):
    message = conv_a.messages.filter(direction="in").first()
    before = _event_count()
    url = reverse("inbox:like", args=[conv_a.pk, message.pk])
    response = signed_in.post(url, **HX)
    assert response.status_code == 200
    assert "Liked (queued)" in response.content.decode()
    signed_in.post(url, **HX)  # a second click is the same action
    [action] = NetworkAction.objects.all()
    assert (action.kind, action.target_external_id) == ("like", message.external_id)
    assert [e.type for e in _new_events(before)] == ["action.like_queued"]


@pytest.mark.django_db
def test_hide_a_facebook_comment(client, officer, team_a):
    from django.utils import timezone

    from inbox.networks.base import InboundItem
    from inbox.services.ingest import messages_ingest
    from tests.factories import ChannelFactory

    page = ChannelFactory(
        network="facebook", name="Council Page", handle="RiversideCouncil", covered_by=[team_a]
    )
    messages_ingest(
        channel=page,
        items=[
            InboundItem(
                network="facebook",
                external_id="123_456",
                kind="comment",
                conversation_kind="comment",
                thread_key="fb:123:777",
                contact=citizen(77),
                text="rubbish council",
                created_at=timezone.now(),
            )
        ],
    )
    conv = Conversation.objects.get(channel=page)
    message = conv.messages.get()
    rule = HouseRule.objects.create(title="No abuse", text="We hide abuse.")
    client.force_login(officer)
    body = client.get(reverse("inbox:conversation", args=[conv.pk])).content.decode()
    assert "Hide<span" in body and "Like<span" not in body
    assert "No abuse" in body  # the hide form offers the house rules
    url = reverse("inbox:hide", args=[conv.pk, message.pk])
    refused = client.post(url, {"rule": "other", "note": ""}, **HX)
    assert refused.status_code == 422 and not NetworkAction.objects.exists()
    assert '<details class="hide-message" open>' in refused.content.decode()
    hidden = client.post(url, {"rule": str(rule.pk), "note": "at staff"}, **HX).content.decode()
    assert 'because: <span class="hide-reason">No abuse: at staff</span>' in hidden
    action = NetworkAction.objects.get()
    assert (action.kind, action.target_external_id) == ("hide", "123_456")
    event = Event.objects.get(type="action.hide_queued")
    assert (event.data["rule_id"], event.data["note"]) == (rule.pk, "at staff")


@pytest.mark.django_db
def test_block_needs_a_reason_and_a_confirmation(signed_in, conv_a):
    url = reverse("inbox:block", args=[conv_a.pk])
    no_reason = signed_in.post(url, {"confirm": "on"}, **HX)
    unconfirmed = signed_in.post(url, {"reason": "Threats"}, **HX)
    assert no_reason.status_code == unconfirmed.status_code == 422
    assert "Tick the box to confirm the block." in unconfirmed.content.decode()
    assert not Contact.objects.get(pk=conv_a.contact_id).blocked
    before = _event_count()
    done = signed_in.post(url, {"reason": "Repeated threats to staff", "confirm": "on"}, **HX)
    assert done.status_code == 200
    contact = Contact.objects.get(pk=conv_a.contact_id)
    assert (contact.blocked, contact.blocked_reason) == (True, "Repeated threats to staff")
    [event] = _new_events(before)
    assert event.type == "contact.blocked" and event.data["reason"] == "Repeated threats to staff"
    signed_in.post(reverse("inbox:unblock", args=[conv_a.pk]), **HX)
    assert not Contact.objects.get(pk=conv_a.contact_id).blocked
    assert Event.objects.filter(type="contact.unblocked").count() == 1


@pytest.mark.django_db
def test_bulk_assign_label_and_resolve(signed_in, officer, channel_a, conv_a):
    other = conversation_with(channel_a)
    label = LabelFactory(name="flooding")
    ids = [str(conv_a.pk), str(other.pk)]
    before = _event_count()
    response = signed_in.post(
        reverse("inbox:bulk"), {"ids": ids, "action": "assign", "assignee": "me"}, **HX
    )
    assert response.status_code == 200 and "Assigned 2 conversations." in response.content.decode()
    signed_in.post(reverse("inbox:bulk"), {"ids": ids, "action": "label", "label": label.pk}, **HX)
    signed_in.post(reverse("inbox:bulk"), {"ids": ids, "action": "resolve"}, **HX)
    for conv in (conv_a, other):
        conv.refresh_from_db()
        assert (conv.assignee, conv.status) == (officer, Status.RESOLVED)
        assert list(conv.labels.all()) == [label]
    types = [e.type for e in _new_events(before)]
    assert types.count("conversation.assigned") == 2
    assert types.count("conversation.labelled") == 2
    assert types.count("conversation.status_changed") == 2
    assert len(types) == 6


@pytest.mark.django_db
def test_bulk_is_all_or_nothing(signed_in, other_officer, channel_a, conv_a):
    other = conversation_with(channel_a)
    response = signed_in.post(
        reverse("inbox:bulk"),
        {"ids": [conv_a.pk, other.pk], "action": "assign", "assignee": str(other_officer.pk)},
        **HX,
    )
    assert response.status_code == 422
    assert "Nothing changed." in response.content.decode()
    assert not Conversation.objects.filter(assignee__isnull=False).exists()
    assert not Event.objects.filter(type="conversation.assigned").exists()


@pytest.mark.django_db
def test_bulk_with_nothing_selected_says_so(signed_in):
    response = signed_in.post(reverse("inbox:bulk"), {"action": "resolve"}, **HX)
    assert response.status_code == 422
    assert "Select at least one conversation." in response.content.decode()


@pytest.mark.django_db
def test_without_htmx_what_an_action_did_is_said_in_the_status_region(signed_in, conv_a):
    """A form sent as a plain POST (no JS yet, or htmx not yet bound to a
    freshly swapped form) redirects, and the page says what happened in the
    same live region htmx fills."""
    response = signed_in.post(
        reverse("inbox:reply", args=[conv_a.pk]),
        {"text": "Thanks, on it", "idempotency_key": "n" * 32, "seen_outbound_id": "0"},
        follow=True,
    )
    html = response.content.decode()
    region = html[html.index('id="announce"') : html.index("</div>", html.index('id="announce"'))]
    assert "Reply queued: sending from" in region
    assert html.count("Reply queued") == 1  # said once, not also in a second region
