"""The list keeps each row (shared and frozen) and its markup under everything
they are made from; any change to the row, to what the view decided or to
the time shows at once."""

from __future__ import annotations

import re
from dataclasses import FrozenInstanceError
from datetime import timedelta
from html import escape

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from inbox.models import Contact, Conversation, Presence, Status
from inbox.services.shield import abuse_term_add, abuse_term_remove
from inbox.views import rows
from tests.factories import LabelFactory
from tests.inbox.ui_data import citizen, conversation_with

HX = {"HTTP_HX_REQUEST": "true"}


def row_markup(client, pk: int) -> str:
    body = client.get(reverse("inbox:list"), **HX).content.decode()
    found = re.search(rf'<li class="row[^"]*" data-id="{pk}">.*?</li>', body, re.S)
    assert found, body
    return found.group(0)


@pytest.fixture
def signed_in(client, officer):
    client.force_login(officer)
    return client


@pytest.fixture
def conv(channel_a):
    return conversation_with(channel_a, author=citizen(71, name="Jo Resident"), messages=1)


@pytest.mark.django_db
def test_an_unchanged_row_is_served_from_the_cache(signed_in, conv):
    first = row_markup(signed_in, conv.pk)
    hits = rows._row_html.cache_info().hits
    assert row_markup(signed_in, conv.pk) == first
    assert rows._row_html.cache_info().hits > hits


@pytest.mark.django_db
def test_every_change_to_a_row_shows_on_the_next_render(signed_in, conv, teammate):
    before = row_markup(signed_in, conv.pk)
    changes = [
        (
            lambda: Contact.objects.filter(pk=conv.contact_id).update(
                display_name="Jo <b>Renamed</b>"
            ),
            "Jo &lt;b&gt;Renamed&lt;/b&gt;",
        ),
        (lambda: conv.labels.add(LabelFactory(name="potholes")), "potholes"),
        (lambda: Conversation.objects.filter(pk=conv.pk).update(status=Status.PENDING), "Pending"),
        (
            lambda: Conversation.objects.filter(pk=conv.pk).update(
                last_message_preview="A brand new question"
            ),
            "A brand new question",
        ),
        (
            lambda: Conversation.objects.filter(pk=conv.pk).update(assignee=teammate),
            "Assigned to",
        ),
        (
            lambda: Presence.objects.create(
                user=teammate, conversation=conv, seen_at=timezone.now()
            ),
            f"{escape(str(User.objects.get(pk=teammate.pk)))} viewing",
        ),
        (lambda: Contact.objects.filter(pk=conv.contact_id).update(is_detractor=True), "Detractor"),
    ]
    for change, shown in changes:
        assert shown not in before
        change()
        after = row_markup(signed_in, conv.pk)
        assert shown in after, shown
        before = after


@pytest.mark.django_db
def test_time_passing_changes_the_age_and_the_clock(signed_in, conv):
    Conversation.objects.filter(pk=conv.pk).update(
        last_message_at=timezone.now() - timedelta(minutes=3),
        due_at=timezone.now() + timedelta(minutes=40),
    )
    before = row_markup(signed_in, conv.pk)
    assert "3 min ago" in before and "Due in 3" in before  # 39 or 40 min
    Conversation.objects.filter(pk=conv.pk).update(
        last_message_at=timezone.now() - timedelta(minutes=9),
        due_at=timezone.now() - timedelta(minutes=5),
    )
    after = row_markup(signed_in, conv.pk)
    assert "9 min ago" in after and "Overdue by" in after


@pytest.mark.django_db
def test_the_same_row_is_not_marked_current_for_another_page(signed_in, conv):
    listed = row_markup(signed_in, conv.pk)
    opened = signed_in.get(reverse("inbox:conversation", args=[conv.pk])).content.decode()
    assert 'aria-current="true"' not in listed
    assert 'aria-current="true"' in opened


def list_rows(client):
    return client.get(reverse("inbox:list"), **HX).context["page"].rows


@pytest.mark.django_db
def test_an_unchanged_row_is_one_shared_object_that_nobody_can_change(signed_in, conv):
    [first] = list_rows(signed_in)
    [again] = list_rows(signed_in)
    assert again is first
    with pytest.raises(FrozenInstanceError):
        first.status = Status.RESOLVED
    Conversation.objects.filter(pk=conv.pk).update(status=Status.PENDING)
    [changed] = list_rows(signed_in)
    assert changed is not first and changed.status == Status.PENDING


@pytest.mark.django_db
def test_what_the_view_decides_stays_off_the_shared_row(signed_in, conv, admin_user):
    """The shield is decided per request: adding and removing a term changes
    the shared row's markup both ways."""
    Conversation.objects.filter(pk=conv.pk).update(last_message_preview="you rotters")
    [row] = list_rows(signed_in)
    assert "you rotters" in row_markup(signed_in, conv.pk)
    term = abuse_term_add(term="rotters", actor=admin_user)
    assert "Hidden: may contain abusive language" in row_markup(signed_in, conv.pk)
    abuse_term_remove(term=term, actor=admin_user)
    assert "you rotters" in row_markup(signed_in, conv.pk)
    assert list_rows(signed_in)[0] is row
