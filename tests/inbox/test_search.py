"""Search across message text, contact names and handles, scoped by the access rule."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from inbox.services.search import inbox_search
from tests.inbox.ui_data import citizen, conversation_with

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs Postgres (DATABASE_URL=postgres://...)"
)


@pytest.fixture
def corpus(channel_a, channel_b):
    return {
        "bins": conversation_with(
            channel_a,
            author=citizen(1, name="Jo Resident", handle="jo_res"),
            text="@council_help the bins on Elm Road were not collected",
        ),
        "parking": conversation_with(
            channel_a,
            author=citizen(2, name="Sam Driver", handle="samdrives"),
            text="@council_help parking permit renewal is broken",
        ),
        "other_team": conversation_with(
            channel_b,
            author=citizen(3, name="Jo Elsewhere", handle="jo_else"),
            text="@riverside_roads bins blocking the pavement",
        ),
    }


@pytest.mark.django_db
def test_it_finds_message_text_within_the_users_channels(officer, corpus):
    results = inbox_search(user=officer, query="bins")
    assert [m.conversation_id for m in results.messages] == [corpus["bins"].pk]


@pytest.mark.django_db
def test_it_finds_contacts_by_name_and_handle(officer, corpus):
    by_name = inbox_search(user=officer, query="Jo")
    assert [c.pk for c in by_name.conversations] == [corpus["bins"].pk]
    by_handle = inbox_search(user=officer, query="@samdrives")
    assert [c.pk for c in by_handle.conversations] == [corpus["parking"].pk]


@pytest.mark.django_db
def test_other_teams_see_only_their_own(other_officer, corpus):
    results = inbox_search(user=other_officer, query="bins")
    assert [m.conversation_id for m in results.messages] == [corpus["other_team"].pk]
    assert [c.pk for c in inbox_search(user=other_officer, query="Jo").conversations] == [
        corpus["other_team"].pk
    ]


@pytest.mark.django_db
def test_admin_searches_everything(admin_user, corpus):
    results = inbox_search(user=admin_user, query="bins")
    assert {m.conversation_id for m in results.messages} == {
        corpus["bins"].pk,
        corpus["other_team"].pk,
    }


@pytest.mark.django_db
def test_empty_query_finds_nothing(officer, corpus):
    results = inbox_search(user=officer, query="   ")
    assert results.messages == [] and results.conversations == []


@pytest.mark.django_db
def test_search_page_renders_results_and_refuses_empty_queries(client, officer, corpus):
    client.force_login(officer)
    body = client.get(reverse("inbox:search"), {"q": "parking"}).content.decode()
    assert "parking permit renewal" in body
    assert reverse("inbox:conversation", args=[corpus["parking"].pk]) in body
    empty = client.get(reverse("inbox:search"), {"q": ""})
    assert empty.status_code == 200 and empty.context["results"] is None


@pytest.mark.django_db
def test_shielded_messages_stay_hidden_in_results(client, officer, admin_user, channel_a):
    from inbox.services.shield import abuse_term_add

    abuse_term_add(term="scumbag", actor=admin_user)
    conversation_with(channel_a, text="you scumbag council, fix the bins")
    client.force_login(officer)
    body = client.get(reverse("inbox:search"), {"q": "bins"}).content.decode()
    assert "scumbag" not in body.replace("q=scumbag", "")
    assert "Hidden: may contain abusive language" in body


@postgres_only
@pytest.mark.django_db
def test_postgres_search_stems_words_and_uses_websearch_syntax(officer, corpus):
    assert inbox_search(user=officer, query="bin collection").engine == "postgres-fts"
    # "collection" matches "collected" through English stemming.
    assert [m.conversation_id for m in inbox_search(user=officer, query="collect").messages] == [
        corpus["bins"].pk
    ]
    assert (
        inbox_search(user=officer, query='"parking permit" -bins').messages[0].conversation_id
        == corpus["parking"].pk
    )
    assert inbox_search(user=officer, query="bins -elm").messages == []


@postgres_only
@pytest.mark.django_db
def test_postgres_indexes_serve_the_search(officer, corpus):
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute(
            "EXPLAIN SELECT id FROM inbox_message WHERE "
            "search_document @@ websearch_to_tsquery('english'::regconfig, 'bins')"
        )
        fts_plan = "\n".join(row[0] for row in cur.fetchall())
        cur.execute(
            "EXPLAIN SELECT id FROM inbox_contact WHERE UPPER(display_name::text) LIKE UPPER('%jo r%')"
        )
        name_plan = "\n".join(row[0] for row in cur.fetchall())
    assert "message_search_document_idx" in fts_plan
    assert "contact_name_trgm_idx" in name_plan


@postgres_only
@pytest.mark.django_db
@pytest.mark.parametrize("recent", [1, 1000])
def test_postgres_search_finds_old_and_recent_hits_newest_first(
    officer, channel_a, channel_b, monkeypatch, recent
):
    """Both ways of finding hits (among the newest messages first, then the
    word index for a word those do not fill a page with) give the same
    answer: the user's newest hits, in order, and never another team's."""
    from inbox.services import search

    monkeypatch.setattr(search, "RECENT", recent)
    older = conversation_with(channel_a, text="@council_help the gritter missed Mill Lane")
    conversation_with(channel_b, text="@riverside_roads gritter needed on the bridge")
    newer = conversation_with(channel_a, text="@council_help a gritter is stuck on Oak Road")
    for _ in range(3):
        conversation_with(channel_a, text="@council_help streetlight out")
    found = inbox_search(user=officer, query="gritter", limit=1)
    assert [m.conversation_id for m in found.messages] == [newer.pk]
    assert found.messages_more
    found = inbox_search(user=officer, query="gritter")
    assert [m.conversation_id for m in found.messages] == [newer.pk, older.pk]
    assert not found.messages_more
