"""Postgres prepares the statements a connection repeats (psycopg 3), except
search's, whose best plan depends on the words searched."""

from __future__ import annotations

import pytest
from django.db import connection

from inbox.models import Conversation
from inbox.search_query import search_query_parse
from inbox.selectors import InboxFilters
from inbox.services.search import inbox_search
from tests.inbox.test_search import corpus  # noqa: F401  (a fixture)

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs Postgres (DATABASE_URL=postgres://...)"
)


def _prepared() -> list[str]:
    with connection.cursor() as cur:
        cur.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        return [row[0] for row in cur.fetchall()]


@pytest.mark.django_db
def test_a_statement_run_again_is_prepared_once(channel_a, corpus):  # noqa: F811
    assert connection.settings_dict["OPTIONS"]["server_side_binding"] is True
    for _ in range(6):
        list(Conversation.objects.filter(channel=channel_a).values_list("pk", flat=True))
    assert any('"inbox_conversation"."channel_id" = $1' in s for s in _prepared())


@pytest.mark.django_db
def test_search_statements_are_planned_for_their_words_every_time(officer, corpus):  # noqa: F811
    # Filtered (a channel), so the narrowed path runs too; more often than
    # psycopg's threshold, which would otherwise prepare each statement.
    filters = InboxFilters(channel_id=corpus["bins"].channel_id)
    for _ in range(8):
        found = inbox_search(user=officer, query=search_query_parse("bins"), filters=filters)
        assert [m.conversation_id for m in found.messages] == [corpus["bins"].pk]
        inbox_search(user=officer, query=search_query_parse("bins"))
    prepared = _prepared()
    assert not [s for s in prepared if "search_document" in s], prepared
    # The connection prepares again after a search.
    assert connection.connection.prepare_threshold == 5
