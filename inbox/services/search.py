"""Search across message text, contact names and handles, scoped by the
access rule. A read, kept beside the services because it has two engines.

On Postgres: full-text search on message text (English stemming, so "bins"
finds "bin"; ``websearch`` syntax, so quotes and -minus work), backed by a
GIN expression index, and trigram-indexed substring match on names and
handles. On SQLite: case-insensitive substring match on the same fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Prefetch, Q

from accounts import access
from accounts.models import User
from inbox.models import Contact, Conversation, Message

MAX_QUERY = 200
RESULTS = 50
FTS_CONFIG = "english"


@dataclass
class SearchResults:
    query: str
    messages: list[Message]  # matching messages, newest first
    conversations: list[Conversation]  # conversations whose contact matched
    engine: str


def _uses_postgres() -> bool:
    return connection.vendor == "postgresql"


def message_text_vector() -> SearchVector:
    # The GIN index in migration 0005 is built on exactly this expression.
    return SearchVector("text", config=FTS_CONFIG)


def inbox_search(*, user: User, query: str, limit: int = RESULTS) -> SearchResults:
    query = " ".join(query.split())[:MAX_QUERY]
    if not query:
        return SearchResults(query="", messages=[], conversations=[], engine="none")
    visible = access.conversations_visible_to(user)
    postgres = _uses_postgres()
    messages = Message.objects.filter(conversation__in=visible.values("pk"))
    if postgres:
        messages = messages.annotate(document=message_text_vector()).filter(
            document=SearchQuery(query, config=FTS_CONFIG, search_type="websearch")
        )
    else:
        messages = messages.filter(text__icontains=query)
    handle = query.lstrip("@")
    # Matching contacts first (trigram-indexed on Postgres), then their
    # conversations: the planner never walks every visible conversation.
    contacts = Contact.objects.filter(
        Q(display_name__icontains=query) | Q(handle__icontains=handle)
    ).values("pk")
    return SearchResults(
        query=query,
        messages=list(
            messages.select_related(
                "conversation__contact", "conversation__channel", "author_user"
            ).order_by("-sent_at", "-pk")[:limit]
        ),
        conversations=list(
            visible.filter(contact_id__in=contacts)
            .select_related("contact", "channel", "assignee")
            .prefetch_related(Prefetch("labels", to_attr="label_list"))
            .order_by("-last_message_at", "-pk")[:limit]
        ),
        engine="postgres-fts" if postgres else "substring",
    )
