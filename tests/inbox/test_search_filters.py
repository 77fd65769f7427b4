"""Search that keeps the list's filters, understands operators and pages,
in the service, the page and the API; always within the access rule."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from inbox.models import Status
from inbox.search_query import search_query_parse
from inbox.selectors import InboxFilters
from inbox.services import actions, presence
from inbox.services.search import inbox_search
from tests.factories import LabelFactory
from tests.inbox.ui_data import citizen, conversation_with


def search(user, raw: str, **kwargs):
    return inbox_search(user=user, query=search_query_parse(raw), **kwargs)


@pytest.fixture
def town(channel_a, channel_b, officer, teammate):
    jo = conversation_with(
        channel_a, author=citizen(1, name="Jo Resident", handle="jo_res"), text="potholes on Elm"
    )
    sam = conversation_with(
        channel_a, author=citizen(2, name="Sam Driver", handle="samdrives"), text="potholes again"
    )
    resolved = conversation_with(channel_a, author=citizen(3), text="old potholes, fixed now")
    other = conversation_with(
        channel_b, author=citizen(4, handle="jo_res_b"), text="potholes on the bypass"
    )
    roads = LabelFactory(name="Roads")
    actions.conversation_label(conversation=sam, actor=officer, label=roads, add=True)
    actions.conversation_assign(conversation=sam, actor=officer, assignee=officer)
    actions.conversation_set_status(conversation=resolved, actor=officer, status=Status.RESOLVED)
    presence.conversation_mark_read(user=officer, conversation=jo)
    return {"jo": jo, "sam": sam, "resolved": resolved, "other": other, "roads": roads}


def found(results) -> list[int]:
    return [m.conversation_id for m in results.messages]


@pytest.mark.django_db
def test_operators_narrow_the_text_search(officer, town):
    assert set(found(search(officer, "potholes"))) == {
        town["jo"].pk,
        town["sam"].pk,
        town["resolved"].pk,
    }
    assert found(search(officer, "potholes from:@jo_res")) == [town["jo"].pk]
    assert found(search(officer, "potholes label:roads")) == [town["sam"].pk]
    assert found(search(officer, "potholes is:mine")) == [town["sam"].pk]
    # Jo's was read; Sam's and the resolved one were not.
    assert set(found(search(officer, "potholes is:unread"))) == {
        town["sam"].pk,
        town["resolved"].pk,
    }
    assert set(found(search(officer, "potholes channel:council_help"))) == set(
        found(search(officer, 'potholes channel:"Riverside Council"'))
    )


@pytest.mark.django_db
def test_operators_alone_list_conversations(officer, town):
    results = search(officer, "label:Roads is:mine")
    assert [c.pk for c in results.conversations] == [town["sam"].pk]
    assert results.messages == [] and not results.by_text


@pytest.mark.django_db
def test_the_lists_filters_are_kept_and_resolved_history_is_found_without_them(officer, town):
    open_only = InboxFilters(status=Status.NEW)
    assert town["resolved"].pk not in found(search(officer, "potholes", filters=open_only))
    assert town["resolved"].pk in found(search(officer, "potholes"))
    by_label = InboxFilters(label_id=town["roads"].pk)
    assert found(search(officer, "potholes", filters=by_label)) == [town["sam"].pk]


@pytest.mark.django_db
def test_another_teams_conversation_is_never_found(officer, other_officer, town):
    assert town["other"].pk not in found(search(officer, "potholes"))
    # Naming their channel or their citizen changes nothing.
    assert search(officer, "potholes channel:riverside_roads").messages == []
    assert search(officer, "from:jo_res_b").conversations == []
    assert found(search(other_officer, "potholes")) == [town["other"].pk]


@pytest.mark.django_db
def test_pages_cover_every_result_once_in_a_stable_order(officer, channel_a):
    for n in range(7):
        conversation_with(channel_a, author=citizen(10 + n), text=f"streetlight {n} is out")
    seen, page = [], 1
    while True:
        results = search(officer, "streetlight", page=page, limit=3)
        seen += [m.pk for m in results.messages]
        if not results.has_more:
            break
        page += 1
    assert page == 3 and len(seen) == 7 == len(set(seen))
    assert seen == [m.pk for m in search(officer, "streetlight", limit=50).messages]


@pytest.mark.django_db
def test_queries_do_not_grow_with_the_page_size(officer, channel_a):
    label = LabelFactory(name="lights")
    for n in range(12):
        conv = conversation_with(channel_a, author=citizen(40 + n, name=f"Lamp {n}"), text="lamp")
        conv.labels.add(label)
    counts = []
    for limit in (2, 12, 2):
        with CaptureQueriesContext(connection) as captured:
            results = search(officer, "lamp label:lights is:unread", limit=limit)
        assert len(results.messages) == limit == len(results.conversations)
        counts.append(len(captured))
    # The first search also reads the user's roles once (the access rule caches them).
    assert counts[1] == counts[2], counts


# --- the page ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_search_page_keeps_filters_in_the_box_and_the_pager(client, officer, channel_a):
    for n in range(3):
        conversation_with(channel_a, author=citizen(60 + n), text=f"fly tipping {n}")
    client.force_login(officer)
    url = reverse("inbox:search")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("inbox.services.search.RESULTS", 2)  # two results a page
        response = client.get(url, {"q": "tipping", "channel": channel_a.pk, "needs_reply": "on"})
    body = response.content.decode()
    assert response.context["results"].has_more
    assert f'<input type="hidden" name="channel" value="{channel_a.pk}">' in body
    assert "Channel: Riverside Council" in body and "Needs a reply" in body
    assert f"?q=tipping&amp;channel={channel_a.pk}&amp;needs_reply=on&amp;page=2" in body
    # A result opens in the list it was searched from.
    first = response.context["results"].messages[0]
    assert f"/c/{first.conversation_id}/?channel={channel_a.pk}&amp;needs_reply=on#msg-" in body


@pytest.mark.django_db
def test_search_page_explains_an_unknown_operator(client, officer, town):
    client.force_login(officer)
    response = client.get(reverse("inbox:search"), {"q": "potholes stauts:open"})
    assert response.context["results"] is None
    assert "“stauts:” is not a search operator" in response.content.decode()
    empty = client.get(reverse("inbox:search"), {"q": '""'})
    assert empty.context["results"] is None
    assert "Enter some words or an operator" in empty.content.decode()


@pytest.mark.django_db
def test_search_page_shows_another_team_nothing(client, other_officer, town):
    client.force_login(other_officer)
    body = client.get(reverse("inbox:search"), {"q": "potholes"}).content.decode()
    assert "bypass" in body and "Elm" not in body


@pytest.mark.django_db
def test_the_list_hands_its_filters_to_the_header_search_box(client, officer, channel_a):
    client.force_login(officer)
    body = client.get(reverse("inbox:list"), {"status": "new", "page": "2"}).content.decode()
    assert '<input type="hidden" name="status" value="new">' in body
    assert '<input type="hidden" name="page"' not in body


# --- the API ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_search_takes_filters_operators_and_pages(officer, town):
    api = APIClient()
    api.force_authenticate(officer)
    url = reverse("api:search")
    body = api.get(url, {"q": "potholes is:mine", "channel": town["sam"].channel_id}).json()
    assert [m["conversation"] for m in body["messages"]] == [town["sam"].pk] or [
        m.get("conversation_id") for m in body["messages"]
    ] == [town["sam"].pk]
    assert body["page"] == 1 and body["has_more"] is False
    assert body["query"] == "potholes is:mine"
    refused = api.get(url, {"q": "potholes to:me"})
    assert (
        refused.status_code == 400 and "“to:” is not a search operator" in refused.json()["detail"]
    )
    assert api.get(url, {"q": "potholes", "page": 0}).status_code == 400


@pytest.mark.django_db
def test_api_search_finds_nothing_of_another_team(other_officer, town):
    api = APIClient()
    api.force_authenticate(other_officer)
    body = api.get(reverse("api:search"), {"q": "potholes"}).json()
    assert len(body["messages"]) == 1 and "bypass" in body["messages"][0]["text"]


@pytest.mark.django_db
def test_a_wide_scope_finds_the_same_as_a_narrow_one(officer, town, monkeypatch):
    """Past NARROW_SCOPE conversations the scope stays a subquery: same answer."""
    narrow = set(
        found(search(officer, "potholes", filters=InboxFilters(channel_id=town["jo"].channel_id)))
    )
    monkeypatch.setattr("inbox.services.search.NARROW_SCOPE", 1)
    wide = set(
        found(search(officer, "potholes", filters=InboxFilters(channel_id=town["jo"].channel_id)))
    )
    assert narrow == wide == {town["jo"].pk, town["sam"].pk, town["resolved"].pk}
