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

It takes a parsed query (``inbox.search_query``: free text and operators) and
the list's filters, so a search started from the list keeps what was chosen.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

from accounts import access
from accounts.models import User
from inbox import selectors
from inbox.models import Contact, Conversation, ConversationRead, Label, Message
from inbox.search_query import SearchQuery as ParsedQuery
from inbox.search_query import search_query_format, search_query_parse

RESULTS = 50
# How many of the newest messages a common word's hits are looked for in first.
RECENT = 1000
# Up to this many conversations, a filtered search names them by id.
NARROW_SCOPE = 2000
FTS_CONFIG = "english"


@dataclass
class SearchResults:
    query: str  # the query as the officer would type it
    messages: list[Message]  # matching messages, newest first
    conversations: list[Conversation]  # conversations whose contact matched
    engine: str
    page: int = 1
    has_more: bool = False
    # False when operators alone chose the conversations (no names matched).
    by_text: bool = True
    # More messages matched than ``messages`` holds (hits are never counted).
    messages_more: bool = False


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


def _any(field: str, values: tuple[str, ...]) -> Q:
    q = Q()
    for value in values:
        q |= Q(**{f"{field}__iexact": value})
    return q


def _operators_q(*, user: User, query: ParsedQuery) -> Q:
    """The operators as one condition on conversations. Several values of
    one operator widen (from:a from:b); different operators narrow."""
    q = Q()
    if query.from_handles:
        q &= _any("contact__handle", query.from_handles)
    if query.channels:
        at = tuple(f"@{c.lstrip('@')}" for c in query.channels)
        q &= _any("channel__name", query.channels) | _any("channel__handle", at)
    for name in query.labels:
        # Every label named must be on the conversation.
        q &= Q(
            Exists(
                Label.conversations.through.objects.filter(
                    conversation_id=OuterRef("pk"), label__name__iexact=name
                )
            )
        )
    if query.mine:
        q &= Q(assignee=user)
    if query.unread:
        seen = ConversationRead.objects.filter(
            user=user, conversation=OuterRef("pk"), read_at__gte=OuterRef("last_inbound_at")
        )
        q &= Q(last_inbound_at__isnull=False) & ~Q(Exists(seen))
    return q


def _text_match(messages: QuerySet[Message], query: ParsedQuery) -> QuerySet[Message]:
    if _uses_postgres():
        return messages.filter(message_text_matches(query.text))
    for term, excluded in query.terms():
        messages = (messages.exclude if excluded else messages.filter)(text__icontains=term)
    return messages


def _narrow_ids(scope: QuerySet[Conversation]) -> list[int] | None:
    """The ids of a narrow scope (a channel, a label, is:unread...), or None
    when it is wide. Given as ids, Postgres reads just those threads' messages
    (message_thread_idx) instead of matching the word everywhere and joining
    the scope last: 1.9 s -> ms for "please" on one channel at 200k
    conversations. One query, whatever the page size."""
    ids = list(scope.order_by().values_list("pk", flat=True)[: NARROW_SCOPE + 1])
    return ids if len(ids) <= NARROW_SCOPE else None


def _page(qs: QuerySet, page: int, limit: int) -> tuple[list, bool]:
    offset = (page - 1) * limit
    rows = list(qs[offset : offset + limit + 1])
    return rows[:limit], len(rows) > limit


def _messages_page(
    *,
    user: User,
    query: ParsedQuery,
    scope: QuerySet[Conversation],
    narrowed: bool,
    page: int,
    limit: int,
) -> tuple[list[Message], bool]:
    """One page of matching messages, newest first."""
    related = ("conversation__contact", "conversation__channel", "author_user")
    if not narrowed and _uses_postgres():
        # Everything the user may see: the bounded two-step walk, then the rows.
        end = page * limit
        ids = _message_ids(user=user, query=query.text, limit=end + 1)
        wanted = ids[end - limit : end]
        found = Message.objects.select_related(*related).in_bulk(wanted)
        return [found[pk] for pk in wanted if pk in found], len(ids) > end
    narrow = _narrow_ids(scope) if narrowed else None
    in_scope = narrow if narrow is not None else scope.values("pk")
    found_qs = _text_match(Message.objects.filter(conversation__in=in_scope), query)
    return _page(found_qs.select_related(*related).order_by("-sent_at", "-pk"), page, limit)


@contextmanager
def _planned_each_time():
    """Search statements planned for their words every time, never prepared:
    a generic plan cannot tell a word in a third of the messages from a word
    in none, and chose the GIN index for a common word (a filtered search at
    200,000 conversations: 40 ms, 60 ms once prepared). psycopg 3 prepares a
    statement a connection repeats (settings: ``DB_PREPARED_STATEMENTS``)."""
    raw = connection.connection if _uses_postgres() else None
    kept = getattr(raw, "prepare_threshold", None)
    if raw is not None:
        raw.prepare_threshold = None
    try:
        yield
    finally:
        if raw is not None:
            raw.prepare_threshold = kept


def inbox_search(
    *,
    user: User,
    query: ParsedQuery | str,
    filters: selectors.InboxFilters | None = None,
    page: int = 1,
    limit: int | None = None,
) -> SearchResults:
    """One page of results for a parsed query (or raw text, parsed here),
    within the list's filters (any status unless one is chosen). Pages are
    offsets over a total order (newest first, then id), so next and previous
    never skip or repeat a row while nothing new arrives. A fixed number of
    queries whatever ``limit``."""
    if isinstance(query, str):
        query = search_query_parse(query)
    if query.is_empty():
        return SearchResults(query="", messages=[], conversations=[], engine="none")
    connection.ensure_connection()
    with _planned_each_time():
        return _search(user=user, query=query, filters=filters, page=page, limit=limit)


def _search(
    *,
    user: User,
    query: ParsedQuery,
    filters: selectors.InboxFilters | None,
    page: int,
    limit: int | None,
) -> SearchResults:
    page, limit = max(1, page), limit or RESULTS
    scope = selectors.conversations_filtered(
        user=user, filters=filters or selectors.InboxFilters(), open_by_default=False
    )
    narrowed = query.has_operators() or (
        filters is not None and filters != selectors.InboxFilters()
    )
    if query.has_operators():
        scope = scope.filter(_operators_q(user=user, query=query))
    messages: list[Message] = []
    more_messages = False
    conversations = scope
    if query.text:
        messages, more_messages = _messages_page(
            user=user, query=query, scope=scope, narrowed=narrowed, page=page, limit=limit
        )
        people = " ".join(t for t, excluded in query.terms() if not excluded)
        # Matching contacts first (trigram-indexed on Postgres), then their
        # conversations: the planner never walks every visible conversation.
        contacts = Contact.objects.filter(
            Q(display_name__icontains=people) | Q(handle__icontains=people.lstrip("@"))
        ).values("pk")
        conversations = scope.filter(contact_id__in=contacts) if people else scope.none()
    # Operators alone list the conversations they pick out.
    rows, more_rows = _page(
        conversations.select_related("contact", "channel", "assignee")
        .annotate(label_rows=selectors.label_rows())
        .order_by("-last_message_at", "-pk"),
        page,
        limit,
    )
    return SearchResults(
        query=search_query_format(query),
        messages=messages,
        messages_more=more_messages,
        conversations=rows,
        engine="postgres-fts" if _uses_postgres() else "substring",
        page=page,
        has_more=more_messages or more_rows,
        by_text=bool(query.text),
    )
