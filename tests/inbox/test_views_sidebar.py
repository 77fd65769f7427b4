"""The inbox's side panel (views with counts, filters, saving a view) comes in
its own request once the page is shown; without script it is a page of its own."""

from __future__ import annotations

import pytest
from django.urls import reverse

from inbox.models import Notification
from tests.inbox.ui_data import citizen, conversation_with

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["list", "conversation"])
def test_the_page_asks_for_the_panel_with_its_filters(client, officer, channel_a, page):
    conv = conversation_with(channel_a, author=citizen(1))
    client.force_login(officer)
    url = reverse("inbox:list") if page == "list" else reverse("inbox:conversation", args=[conv.pk])
    html = client.get(url, {"status": "open", "sort": "due"}).content.decode()
    panel = reverse("inbox:sidebar") + "?status=open&amp;sort=due"
    assert f'hx-get="{panel}" hx-trigger="load"' in html
    # Without script the placeholder is a link to the same panel as a page.
    assert f'href="{panel}">Show the views and filters</a>' in html
    assert 'id="f-channel"' not in html


@pytest.mark.django_db
def test_the_panel_keeps_the_filters_and_marks_the_view(client, officer, channel_a):
    client.force_login(officer)
    html = client.get(
        reverse("inbox:sidebar"), {"view": "mine", "channel": channel_a.pk}, **HX
    ).content.decode()
    assert f'<option value="{channel_a.pk}" selected>' in html
    assert 'href="/inbox/?view=mine" aria-current="page"' in html
    # Saving a view from the panel carries the list's filters.
    assert f'name="channel" value="{channel_a.pk}"' in html
    assert "<html" not in html


@pytest.mark.django_db
def test_the_panel_brings_the_notifications_badge_out_of_band(client, officer):
    Notification.objects.create(user=officer, text="Assigned to you")
    client.force_login(officer)
    html = client.get(reverse("inbox:sidebar"), **HX).content.decode()
    assert '<span id="notifications-badge" hx-swap-oob="true">' in html
    assert '1<span class="govuk-visually-hidden"> unread</span>' in html
    # The views' counts poll keeps it live: a new notification changes its answer.
    counts = client.get(reverse("inbox:counts"), **HX)
    sig = counts.context["counts_sig"]
    assert client.get(reverse("inbox:counts"), {"sig": sig}, **HX).status_code == 204
    Notification.objects.create(user=officer, text="And another")
    again = client.get(reverse("inbox:counts"), {"sig": sig}, **HX)
    assert again.status_code == 200
    assert '2<span class="govuk-visually-hidden"> unread</span>' in again.content.decode()


@pytest.mark.django_db
def test_without_script_the_panel_is_a_page(client, officer, channel_a):
    client.force_login(officer)
    html = client.get(reverse("inbox:sidebar"), {"view": "unassigned"}).content.decode()
    assert "<title>Views and filters" in html
    assert (
        'aria-current="page"><strong class="govuk-service-navigation__active-fallback">Inbox'
        in html
    )
    assert 'href="/inbox/?view=unassigned">Back to Unassigned</a>' in html
    assert 'id="f-channel"' in html
    assert "hx-swap-oob" not in html


@pytest.mark.django_db
def test_the_panel_needs_a_sign_in(client):
    response = client.get(reverse("inbox:sidebar"), **HX)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.django_db
def test_an_officer_is_offered_only_their_teams_channels(client, officer, channel_a, channel_b):
    client.force_login(officer)
    html = client.get(reverse("inbox:sidebar"), **HX).content.decode()
    assert f">{channel_a.name} ({channel_a.handle})</option>" in html
    assert channel_b.name not in html
