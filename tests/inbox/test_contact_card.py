"""The contact card: earlier conversations on every channel the officer
covers (never another team's), counts, notes colleagues see, and identities
linked as one person (and unlinked), at service, page and API level."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from events.models import Event
from inbox import selectors
from inbox.models import Contact, ContactNote, NetworkAction, Person
from inbox.networks.base import Author
from inbox.services import contacts
from tests.factories import ChannelFactory
from tests.inbox.ui_data import citizen, conversation_with, mention_item

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def page_a(team_a):
    return ChannelFactory(
        network="facebook", name="Council Page", handle="RiversideCouncil", covered_by=[team_a]
    )


def _fb_conversation(page, author: Author):
    from inbox.models import Conversation
    from inbox.services.ingest import messages_ingest

    item = mention_item(
        author=author, network="facebook", kind="comment", conversation_kind="comment"
    )
    messages_ingest(channel=page, items=[item])
    return Conversation.objects.filter(channel=page).latest("pk")


@pytest.fixture
def jo(channel_a, channel_b, page_a):
    """Jo on X (twice on team A's channel, once on team B's) and on Facebook."""
    x = citizen(1, name="Jo Resident", handle="jo_res")
    current = conversation_with(channel_a, author=x, text="@council_help Elm Road bins")
    earlier = conversation_with(channel_a, author=x, text="@council_help Pothole on Oak")
    secret = conversation_with(channel_b, author=x, text="@riverside_roads SECRET highways")
    fb = _fb_conversation(
        page_a, Author(external_id="fb-77", handle="jo.resident", display_name="Jo R")
    )
    return {"current": current, "earlier": earlier, "secret": secret, "fb": fb}


def _card(client, conv):
    return client.get(reverse("inbox:conversation", args=[conv.pk])).context


# --- history ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_card_shows_earlier_conversations_but_never_another_teams(officer, jo):
    earlier = selectors.conversation_earlier(user=officer, conversation=jo["current"])
    assert [c.pk for c in earlier] == [jo["earlier"].pk]
    counts = selectors.contact_interactions(user=officer, conversation=jo["current"])
    assert counts == {"conversations": 2, "messages": 2, "channels": 1}


@pytest.mark.django_db
def test_linking_brings_the_other_identitys_history_onto_the_card(officer, jo):
    contacts.contact_link(conversation=jo["current"], other=jo["fb"].contact, actor=officer)
    current = selectors.conversation_get_for_user(user=officer, pk=jo["current"].pk)
    earlier = selectors.conversation_earlier(user=officer, conversation=current)
    assert {c.pk for c in earlier} == {jo["earlier"].pk, jo["fb"].pk}
    assert jo["secret"].pk not in {c.pk for c in earlier}
    counts = selectors.contact_interactions(user=officer, conversation=current)
    assert counts == {"conversations": 3, "messages": 3, "channels": 2}
    assert selectors.contact_linked(user=officer, contact=current.contact) == [jo["fb"].contact]
    # And the other way round: from the Facebook conversation.
    fb = selectors.conversation_get_for_user(user=officer, pk=jo["fb"].pk)
    from_fb = selectors.conversation_earlier(user=officer, conversation=fb)
    assert {c.pk for c in from_fb} == {jo["current"].pk, jo["earlier"].pk}


@pytest.mark.django_db
def test_an_identity_only_another_team_meets_stays_off_the_card(officer, admin_user, jo, channel_b):
    hidden = conversation_with(channel_b, author=citizen(9, handle="jo_alt"))
    # Team A's officer cannot even find it to link it.
    with pytest.raises(PermissionDenied):
        contacts.contact_link(conversation=jo["current"], other=hidden.contact, actor=officer)
    contacts.contact_link(conversation=jo["current"], other=hidden.contact, actor=admin_user)
    current = selectors.conversation_get_for_user(user=officer, pk=jo["current"].pk)
    assert selectors.contact_linked(user=officer, contact=current.contact) == []
    earlier = selectors.conversation_earlier(user=officer, conversation=current)
    assert hidden.pk not in {c.pk for c in earlier}


@pytest.mark.django_db
def test_the_card_reads_a_fixed_number_of_queries_whatever_the_history(
    client, officer, channel_a, jo, django_assert_max_num_queries
):
    from inbox.views.context import contact_context

    for _ in range(8):
        conversation_with(channel_a, author=citizen(1, name="Jo Resident", handle="jo_res"))
    contacts.contact_link(conversation=jo["current"], other=jo["fb"].contact, actor=officer)
    for n in range(5):
        contacts.contact_note_add(conversation=jo["fb"], actor=officer, text=f"note {n}")
    current = selectors.conversation_get_for_user(user=officer, pk=jo["current"].pk)
    request = type("R", (), {"user": officer})()
    # earlier, counts, tags, notes, linked identities, mute state (roles are cached)
    with django_assert_max_num_queries(7):
        data = contact_context(request, current)
    assert len(data["earlier"]) == 10 and len(data["contact_notes"]) == 5


# --- notes -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_colleagues_see_notes_about_the_person_and_other_teams_do_not(
    officer, teammate, other_officer, jo
):
    note = contacts.contact_note_add(
        conversation=jo["earlier"], actor=officer, text="Prefers email; partially sighted."
    )
    event = Event.objects.get(type="contact.note_added")
    assert event.conversation_id == jo["earlier"].pk
    assert (event.data["contact_id"], event.data["note_id"]) == (jo["earlier"].contact_id, note.pk)
    assert selectors.contact_notes(user=teammate, contact=jo["current"].contact) == [note]
    # Team B meets the same person (on their own channel) but not this note.
    assert selectors.contact_notes(user=other_officer, contact=jo["secret"].contact) == []


@pytest.mark.django_db
def test_another_teams_officer_cannot_add_a_note(other_officer, jo):
    with pytest.raises(PermissionDenied):
        contacts.contact_note_add(conversation=jo["current"], actor=other_officer, text="x")
    assert not ContactNote.objects.exists()


# --- link and unlink -------------------------------------------------------------------


@pytest.mark.django_db
def test_link_and_unlink_are_logged_and_a_pair_dissolves(officer, jo):
    x, fb = jo["current"].contact, jo["fb"].contact
    person = contacts.contact_link(conversation=jo["current"], other=fb, actor=officer)
    assert set(person.identities.all()) == {x, fb}
    with pytest.raises(ValidationError, match="already linked"):
        contacts.contact_link(conversation=jo["current"], other=fb, actor=officer)
    contacts.contact_unlink(conversation=jo["current"], other=fb, actor=officer)
    assert Contact.objects.filter(person__isnull=False).count() == 0
    assert not Person.objects.exists()
    assert list(
        Event.objects.filter(type__startswith="contact.").values_list("type", flat=True)
    ) == ["contact.linked", "contact.unlinked"]


@pytest.mark.django_db
def test_linking_into_a_linked_contact_joins_the_groups(officer, jo, page_a, channel_a):
    third = conversation_with(channel_a, author=citizen(3, handle="jo_work"))
    fourth = _fb_conversation(page_a, Author(external_id="fb-78", handle="jo.two"))
    contacts.contact_link(conversation=jo["current"], other=jo["fb"].contact, actor=officer)
    contacts.contact_link(conversation=third, other=fourth.contact, actor=officer)
    contacts.contact_link(conversation=jo["current"], other=third.contact, actor=officer)
    assert Person.objects.count() == 1
    assert Contact.objects.filter(person=Person.objects.get()).count() == 4
    # Unlinking one of four leaves three together.
    contacts.contact_unlink(conversation=jo["current"], other=fourth.contact, actor=officer)
    assert Contact.objects.filter(person__isnull=False).count() == 3


@pytest.mark.django_db
def test_linking_a_contact_with_itself_or_unlinking_a_stranger_is_refused(officer, jo):
    with pytest.raises(ValidationError):
        contacts.contact_link(
            conversation=jo["current"], other=jo["current"].contact, actor=officer
        )
    with pytest.raises(ValidationError, match="not linked"):
        contacts.contact_unlink(conversation=jo["current"], other=jo["fb"].contact, actor=officer)
    assert not Event.objects.filter(type__startswith="contact.").exists()


# --- pages -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_links_notes_and_unlinks(client, officer, jo):
    client.force_login(officer)
    url = reverse("inbox:contact_link", args=[jo["current"].pk])
    response = client.post(url, {"network": "facebook", "handle": "@jo.resident"}, **HX)
    body = response.content.decode()
    assert response.status_code == 200, body
    assert "Also known as" in body and "@jo.resident" in body
    assert "Comment thread on Council Page (Facebook)" in body
    assert "SECRET" not in body
    note_url = reverse("inbox:contact_note", args=[jo["current"].pk])
    body = client.post(note_url, {"text": "Call back after 5pm"}, **HX).content.decode()
    assert "Call back after 5pm" in body
    unlink = reverse("inbox:contact_unlink", args=[jo["current"].pk])
    body = client.post(unlink, {"contact": jo["fb"].contact_id}, **HX).content.decode()
    assert "Also known as" not in body
    assert Contact.objects.filter(person__isnull=False).count() == 0


@pytest.mark.django_db
def test_linking_an_unknown_handle_says_so(client, officer, jo):
    client.force_login(officer)
    url = reverse("inbox:contact_link", args=[jo["current"].pk])
    response = client.post(url, {"network": "x", "handle": "nobody_here"}, **HX)
    assert response.status_code == 422
    assert "No contact @nobody_here" in response.content.decode()


@pytest.mark.django_db
def test_another_teams_officer_is_refused_every_card_action(client, other_officer, jo):
    client.force_login(other_officer)
    pk = jo["current"].pk
    before = Event.objects.count()
    for name, args, data in (
        ("inbox:contact_note", [pk], {"text": "x"}),
        ("inbox:contact_link", [pk], {"network": "facebook", "handle": "jo.resident"}),
        ("inbox:contact_unlink", [pk], {"contact": jo["fb"].contact_id}),
        ("inbox:contact_mute", [pk], {}),
        ("inbox:contact_unmute", [pk], {}),
    ):
        assert client.post(reverse(name, args=args), data).status_code == 404, name
    assert Event.objects.count() == before


@pytest.mark.django_db
def test_the_blocked_reason_shows_on_the_card(client, officer, jo):
    contacts.contact_block(
        contact=jo["current"].contact,
        actor=officer,
        reason="Threats against staff",
        conversation=jo["current"],
    )
    # X has no block endpoint any more: the block stays in SocialDesk.
    assert not NetworkAction.objects.exists()
    client.force_login(officer)
    body = client.get(reverse("inbox:contact_card", args=[jo["current"].pk])).content.decode()
    assert 'because: <span class="blocked-reason">Threats against staff</span>' in body


@pytest.mark.django_db
def test_mute_from_the_card(client, officer, jo):
    client.force_login(officer)
    body = client.post(reverse("inbox:contact_mute", args=[jo["current"].pk]), **HX)
    text = body.content.decode()
    assert "Mute queued." in text and "Unmute <bdi>Jo Resident</bdi> on X" in text
    assert Event.objects.filter(type="action.mute_queued").count() == 1
    # Facebook has no mute: no button.
    fb = client.get(reverse("inbox:conversation", args=[jo["fb"].pk])).content.decode()
    assert "Mute <bdi>" not in fb


# --- API -------------------------------------------------------------------------------


@pytest.fixture
def api(officer):
    client = APIClient()
    client.force_authenticate(officer)
    return client


@pytest.mark.django_db
def test_the_api_card_links_notes_unlinks_and_mutes(api, jo):
    pk = jo["current"].pk
    linked = api.post(
        reverse("api:contact_link", args=[pk]), {"contact_id": jo["fb"].contact_id}, format="json"
    )
    assert linked.status_code == 200, linked.content
    card = linked.json()
    assert [c["id"] for c in card["linked"]] == [jo["fb"].contact_id]
    assert {e["id"] for e in card["earlier"]} == {jo["earlier"].pk, jo["fb"].pk}
    assert card["interactions"]["channels"] == 2 and card["mute"] == {"muted": False, "state": None}
    note = api.post(
        reverse("api:contact_note_create", args=[pk]), {"text": "Deaf; use text"}, format="json"
    )
    assert note.status_code == 201
    assert api.get(reverse("api:contact_card", args=[pk])).json()["notes"][0]["text"] == (
        "Deaf; use text"
    )
    muted = api.post(reverse("api:contact_mute", args=[pk]))
    assert muted.status_code == 202 and muted.json()["kind"] == "mute"
    assert api.post(reverse("api:contact_mute", args=[pk])).status_code == 400
    assert api.get(reverse("api:contact_card", args=[pk])).json()["mute"]["muted"] is True
    unmuted = api.post(reverse("api:contact_unmute", args=[pk]))
    assert unmuted.status_code == 202 and unmuted.json()["kind"] == "unmute"
    unlinked = api.post(
        reverse("api:contact_unlink", args=[pk]), {"contact_id": jo["fb"].contact_id}, format="json"
    )
    assert unlinked.status_code == 200 and unlinked.json()["linked"] == []


@pytest.mark.django_db
def test_the_api_refuses_another_teams_officer(other_officer, jo):
    client = APIClient()
    client.force_authenticate(other_officer)
    pk = jo["current"].pk
    before = Event.objects.count()
    assert client.get(reverse("api:contact_card", args=[pk])).status_code == 404
    for name, data in (
        ("contact_note_create", {"text": "x"}),
        ("contact_link", {"contact_id": jo["fb"].contact_id}),
        ("contact_unlink", {"contact_id": jo["fb"].contact_id}),
        ("contact_mute", {}),
        ("contact_unmute", {}),
    ):
        response = client.post(reverse(f"api:{name}", args=[pk]), data, format="json")
        assert response.status_code == 404, name
    # Team B's own conversation with the same person cannot link Team A's identity.
    response = client.post(
        reverse("api:contact_link", args=[jo["secret"].pk]),
        {"contact_id": jo["fb"].contact_id},
        format="json",
    )
    assert response.status_code == 404
    assert Event.objects.count() == before


@pytest.mark.django_db
def test_the_views_one_statement_read_agrees_with_the_plain_reads(officer, other_officer, jo):
    """The conversation view reads the card's history, counts, tags, notes and
    mute with the conversation itself; each must say what the plain reads say,
    linked identities included, another team's conversation excluded."""
    from inbox import moderation_selectors
    from inbox.services import moderation

    contacts.contact_link(conversation=jo["current"], other=jo["fb"].contact, actor=officer)
    contacts.contact_note_add(conversation=jo["fb"], actor=officer, text="Prefers e-mail")
    contacts.contact_note_add(conversation=jo["secret"], actor=other_officer, text="SECRET note")
    moderation.contact_mute(conversation=jo["current"], actor=officer)
    plain = selectors.conversation_get_for_user(user=officer, pk=jo["current"].pk)
    viewed = selectors.conversation_get_for_view(user=officer, pk=jo["current"].pk)

    def card(conversation):
        notes = selectors.contact_notes(
            user=officer, contact=conversation.contact, conversation=conversation
        )
        mute = moderation_selectors.contact_mute_state(conversation=conversation)
        return {
            "earlier": [
                (c.pk, c.channel.name, c.channel.network, c.contact.handle)
                for c in selectors.conversation_earlier(user=officer, conversation=conversation)
            ],
            "counts": selectors.contact_interactions(user=officer, conversation=conversation),
            "tags": selectors.contact_tags(user=officer, conversation=conversation),
            "notes": [(n.pk, n.text, str(n.author), n.contact.handle) for n in notes],
            "mute": (mute.kind, mute.state) if mute else None,
        }

    assert card(viewed) == card(plain)
    assert [n[1] for n in card(viewed)["notes"]] == ["Prefers e-mail"]
    assert card(viewed)["mute"] is not None
