"""Search across message text, contact names and handles, scoped by the
access rule. A read, kept beside the services because it has two engines.

On Postgres: full-text search on message text (English stemming, so "bins"
finds "bin"; ``websearch`` syntax, so quotes and -minus work) on the stored
``search_document`` column (migration inbox.0018, GIN-indexed), and
trigram-indexed substring match on names and handles. On SQLite:
case-insensitive substring match on the same fields.

Messages are found in two steps: the ids of the newest hits the user may see
(no join but the access rule; see ``_message_ids`` for how a common word and
a rare one each stay cheap), then those rows with what the results show.
Hits are never counted: ``messages_more`` says there are more.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL

from accounts import access
from accounts.models import User
from inbox.models import Contact, Conversation, Message

MAX_QUERY = 200
RESULTS = 50
# How many of the newest messages a common word's hits are looked for in first.
RECENT = 1000
FTS_CONFIG = "english"


@dataclass
class SearchResults:
    query: str
    messages: list[Message]  # matching messages, newest first
    conversations: list[Conversation]  # conversations whose contact matched
    engine: str
    messages_more: bool = False  # more messages matched than ``messages`` holds


def _uses_postgres() -> bool:
    return connection.vendor == "postgresql"


def message_text_matches(query: str) -> RawSQL:
    """``search_document @@ websearch_to_tsquery(...)`` for a query of messages
    (the column is not in the model: SQLite cannot have it). Only for the
    top level of a message query, where the table goes by its own name."""
    table = connection.ops.quote_name(Message._meta.db_table)
    # Safe: the user's text is a parameter; the SQL names only our own table.
    return RawSQL(  # noqa: S611
        f"{table}.search_document @@ websearch_to_tsquery(%s::regconfig, %s)",
        (FTS_CONFIG, query),
        output_field=BooleanField(),
    )


def _visible_messages(user: User) -> QuerySet[Message]:
    """Messages on the channels the user may see. A message is always on its
    conversation's channel, so this is the access rule without a join: a walk
    of the newest messages filters each row on its own column."""
    messages = Message.objects.all()
    if not access.is_admin(user):  # an admin sees all: nothing for the planner to cost
        # The ids as a list: a per-row check in a walk, not a join the planner loops over.
        channels = list(access.channels_visible_to(user).values_list("pk", flat=True))
        messages = messages.filter(channel_id__in=channels)
    return messages


def _message_ids(*, user: User, query: str, limit: int) -> list[int]:
    """The newest ``limit`` hits' ids, in bounded steps (Postgres).

    The planner cannot tell a word in a third of the messages from a word in
    none (a tsvector's statistics give an unknown word a guessed frequency):
    walking the newest-first index is right for the first and reads every
    message for the second; collecting hits from the GIN index is right for
    the second and gathers hundreds of thousands of rows for the first. So:
    first the hits among the newest ``RECENT`` messages the user may see (a
    range the planner knows is small); if they fill the page, done.
    Otherwise the word is rare and the GIN index finds every hit, sorted
    here (no ORDER BY, so the planner has no reason to walk)."""
    visible = _visible_messages(user)
    newest = visible.order_by("-sent_at", "-pk")
    since = newest.values_list("sent_at", flat=True)[RECENT - 1 : RECENT].first()
    matching = visible.filter(message_text_matches(query))
    if since is not None:
        recent = matching.filter(sent_at__gte=since).order_by("-sent_at", "-pk")
        ids = list(recent.values_list("pk", flat=True)[:limit])
        if len(ids) == limit:
            return ids
    hits = matching.order_by().values_list("sent_at", "pk")
    return [pk for _, pk in sorted(hits, reverse=True)[:limit]]


def inbox_search(*, user: User, query: str, limit: int = RESULTS) -> SearchResults:
    query = " ".join(query.split())[:MAX_QUERY]
    if not query:
        return SearchResults(query="", messages=[], conversations=[], engine="none")
    visible = access.conversations_visible_to(user)
    postgres = _uses_postgres()
    if postgres:
        ids = _message_ids(user=user, query=query, limit=limit + 1)
    else:
        ids = list(
            _visible_messages(user)
            .filter(text__icontains=query)
            .order_by("-sent_at", "-pk")
            .values_list("pk", flat=True)[: limit + 1]
        )
    found = Message.objects.select_related(
        "conversation__contact", "conversation__channel", "author_user"
    ).in_bulk(ids[:limit])
    handle = query.lstrip("@")
    # Matching contacts first (trigram-indexed on Postgres), then their
    # conversations: the planner never walks every visible conversation.
    contacts = Contact.objects.filter(
        Q(display_name__icontains=query) | Q(handle__icontains=handle)
    ).values("pk")
    return SearchResults(
        query=query,
        messages=[found[pk] for pk in ids[:limit] if pk in found],
        messages_more=len(ids) > limit,
        conversations=list(
            visible.filter(contact_id__in=contacts)
            .select_related("contact", "channel", "assignee")
            .prefetch_related(Prefetch("labels", to_attr="label_list"))
            .order_by("-last_message_at", "-pk")[:limit]
        ),
        engine="postgres-fts" if postgres else "substring",
    )
