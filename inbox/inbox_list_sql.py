"""The inbox list page in hand-written SQL.

Every officer's browser asks for this page every few seconds, so it is the
one read where the ORM's own cost shows: building and compiling the query,
then turning each row into four model instances and two prefetches, took
several times longer than Postgres took to answer (``bench/inbox.py``). Here
the same page is one plain statement, the rows with their labels and who is
viewing them as JSON lists, read into light ``ListRow`` objects. (Labels and
viewers were two more statements; each round trip cost the request more
than the subquery costs the database.)

The ORM queryset stays the one definition of the list:
``selectors.conversation_inbox_rows`` (the API reads it too), and
``tests/inbox/test_inbox_list_sql.py`` checks that both return the same
conversations in the same order for every view, filter, sort and role. The
access rule comes from ``accounts.access.channel_condition_sql``, written
beside the ORM rule it mirrors.

Only fixed SQL text and ``%s`` parameters: nothing from the request is ever
pasted into a statement.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from django.db import connection
from django.utils import timezone

from accounts import access
from accounts.models import Membership, User
from inbox.models import (
    Channel,
    Contact,
    Conversation,
    ConversationKind,
    ConversationRead,
    DeliveryState,
    Label,
    Message,
    Network,
    Presence,
    Priority,
    Status,
)
from inbox.services.bulk import as_aware

STATUS_NAMES = dict(Status.choices)
PRIORITY_NAMES = dict(Priority.choices)
NETWORK_NAMES = dict(Network.choices)
KIND_NAMES = dict(ConversationKind.choices)
CACHED_ROWS = 4096  # rows kept per process, for this module and the row markup


def _person_name(display_name: str, first: str, last: str, username: str) -> str:
    """``str(user)`` without loading the user (``User.__str__``'s rule)."""
    return display_name or f"{first} {last}".strip() or username


@dataclass(slots=True, frozen=True)
class ListChannel:
    network: str
    name: str
    handle: str

    def get_network_display(self) -> str:
        return NETWORK_NAMES.get(self.network, self.network)


@dataclass(slots=True, frozen=True)
class ListContact:
    handle: str
    display_name: str
    external_id: str
    blocked: bool
    is_detractor: bool
    verified: bool

    def __str__(self) -> str:  # Contact.__str__'s rule
        return self.display_name or self.handle or self.external_id


@dataclass(slots=True, frozen=True)
class ListLabel:
    pk: int
    name: str


@dataclass(slots=True, frozen=True)
class ListViewer:
    user_id: int
    user: str  # the colleague's name, as ``str(user)`` would give it


@dataclass(slots=True, frozen=True, eq=False)
class ListRow:
    """What one row of the list shows. Attribute names follow the model's,
    so the row renderer and the response-clock helpers read either.

    Frozen, and shared: ``inbox_rows`` hands out the same object for the
    same statement row (``cached_list_row``), so what the view decides per
    request (shielded, the clock) lives beside it, never on it. Compared and
    hashed by identity: the object stands for its ``source``."""

    pk: int
    kind: str
    status: str
    priority: int
    last_message_at: datetime
    last_message_preview: str
    last_inbound_at: datetime | None
    awaiting_since: datetime | None
    due_at: datetime | None
    assignee_id: int | None
    assignee: str | None
    seen_latest: bool
    channel: ListChannel
    contact: ListContact
    label_list: tuple[ListLabel, ...] = ()
    viewers: tuple[ListViewer, ...] = ()
    # The statement's row this was read from: everything above, hashable.
    source: tuple = ()

    @property
    def is_unread(self) -> bool:
        return bool(self.last_inbound_at) and not self.seen_latest

    @property
    def id(self) -> int:
        return self.pk

    def get_status_display(self) -> str:
        return STATUS_NAMES.get(self.status, self.status)

    def get_priority_display(self) -> str:
        return PRIORITY_NAMES.get(self.priority, str(self.priority))


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _where(user: User, filters, open_statuses: list[str]) -> tuple[list[str], list]:
    """The WHERE conditions of ``selectors.conversation_inbox_queryset``, one by one."""
    allowed, params = access.channel_condition_sql(user, "c.channel_id")
    where = [allowed]
    view = filters.view
    if view == "mine":
        where.append("c.assignee_id = %s")
        params.append(user.pk)
    elif view == "unassigned":
        where.append("c.assignee_id IS NULL")
    elif view == "teams":
        where.append(
            f"c.team_id IN (SELECT m.team_id FROM {_t(Membership)} m WHERE m.user_id = %s)"
        )
        params.append(user.pk)
    elif view == "escalated":
        # selectors.escalated_q: an unacknowledged escalation, or urgent.
        from escalation.models import Escalation

        where.append(
            f"(EXISTS (SELECT 1 FROM {_t(Escalation)} e WHERE e.conversation_id = c.id"
            " AND e.acknowledged_at IS NULL) OR c.priority >= %s)"
        )
        params.append(int(Priority.URGENT))
    elif view == "approval":
        where.append(
            f"EXISTS (SELECT 1 FROM {_t(Message)} am WHERE am.conversation_id = c.id"
            " AND am.state = %s)"
        )
        params.append(DeliveryState.AWAITING_APPROVAL.value)
    if filters.status:
        where.append("c.status = %s")
        params.append(filters.status)
    elif view == "resolved":
        where.append("c.status = %s")
        params.append(Status.RESOLVED.value)
    else:
        where.append("c.status IN (" + ", ".join(["%s"] * len(open_statuses)) + ")")
        params.extend(open_statuses)
    if filters.channel_id:
        where.append("c.channel_id = %s")
        params.append(filters.channel_id)
    if filters.network:
        where.append("ch.network = %s")
        params.append(filters.network)
    if filters.priority is not None:
        where.append("c.priority = %s")
        params.append(filters.priority)
    if filters.label_id:
        through = Conversation.labels.through
        where.append(
            f"EXISTS (SELECT 1 FROM {_t(through)} fl WHERE fl.conversation_id = c.id"
            " AND fl.label_id = %s)"
        )
        params.append(filters.label_id)
    if filters.assignee_id:
        where.append("c.assignee_id = %s")
        params.append(filters.assignee_id)
    if filters.kind:
        where.append("c.kind = %s")
        params.append(filters.kind)
    if filters.needs_reply:
        where.append("c.awaiting_since IS NOT NULL")
    return where, params


ORDER_RECENT = "c.last_message_at DESC, c.id DESC"
# Oldest unanswered first; conversations with no clock last.
ORDER_DUE = (
    "c.due_at ASC NULLS LAST, c.awaiting_since ASC NULLS LAST, c.last_message_at DESC, c.id DESC"
)


def _json_list(columns: list[str], source: str, order: str) -> str:
    """A correlated subquery: the rows of ``source`` as the text of a JSON
    list of lists (NULL when there are none), in ``order``."""
    if connection.vendor == "postgresql":
        return (
            # As text, so the whole row stays hashable (inbox.views.rows caches by it).
            f"(SELECT json_agg(json_build_array({', '.join(columns)}) ORDER BY {order})::text"
            f" {source})"
        )
    # SQLite: an aggregate keeps the order of the subquery it reads.
    aliases = [f"j{i}" for i in range(len(columns))]
    inner = ", ".join(f"{col} AS {alias}" for col, alias in zip(columns, aliases, strict=True))
    return (
        f"(SELECT json_group_array(json_array({', '.join(aliases)}))"
        f" FROM (SELECT {inner} {source} ORDER BY {order}))"
    )


def _rows_sql(where: list[str], order: str) -> str:
    through = Conversation.labels.through
    labels = _json_list(
        ["l.id", "l.name"],
        f"FROM {_t(through)} cl JOIN {_t(Label)} l ON l.id = cl.label_id"
        " WHERE cl.conversation_id = c.id",
        "l.name, l.id",
    )
    viewers = _json_list(
        ["p.user_id", "u.display_name", "u.first_name", "u.last_name", "u.username"],
        f"FROM {_t(Presence)} p JOIN {_t(User)} u ON u.id = p.user_id"
        " WHERE p.conversation_id = c.id AND p.seen_at >= %s AND p.user_id <> %s",
        "p.seen_at, p.id",
    )
    return (
        "SELECT c.id, c.kind, c.status, c.priority, c.last_message_at,"
        " c.last_message_preview, c.last_inbound_at, c.awaiting_since, c.due_at,"
        " c.assignee_id, a.display_name, a.first_name, a.last_name, a.username,"
        " ch.network, ch.name, ch.handle,"
        " ct.handle, ct.display_name, ct.external_id, ct.blocked, ct.is_detractor, ct.verified,"
        f" EXISTS (SELECT 1 FROM {_t(ConversationRead)} r WHERE r.conversation_id = c.id"
        " AND r.user_id = %s AND r.read_at >= c.last_inbound_at),"
        f" {labels}, {viewers}"
        f" FROM {_t(Conversation)} c"
        f" JOIN {_t(Channel)} ch ON ch.id = c.channel_id"
        f" JOIN {_t(Contact)} ct ON ct.id = c.contact_id"
        f" LEFT JOIN {_t(User)} a ON a.id = c.assignee_id"
        f" WHERE {' AND '.join(where)}"
        f" ORDER BY {order} LIMIT %s OFFSET %s"
    )


def _json(value: str | None) -> list:
    return json.loads(value) if value else []


def list_row(r: tuple) -> ListRow:
    return ListRow(
        pk=r[0],
        kind=r[1],
        status=r[2],
        priority=r[3],
        last_message_at=as_aware(r[4]),
        last_message_preview=r[5],
        last_inbound_at=as_aware(r[6]),
        awaiting_since=as_aware(r[7]),
        due_at=as_aware(r[8]),
        assignee_id=r[9],
        assignee=_person_name(r[10], r[11], r[12], r[13]) if r[9] else None,
        channel=ListChannel(network=r[14], name=r[15], handle=r[16]),
        contact=ListContact(
            handle=r[17],
            display_name=r[18],
            external_id=r[19],
            blocked=bool(r[20]),
            is_detractor=bool(r[21]),
            verified=bool(r[22]),
        ),
        seen_latest=bool(r[23]),
        label_list=tuple(ListLabel(pk=pk, name=name) for pk, name in _json(r[24])),
        viewers=tuple(
            ListViewer(user_id=user_id, user=_person_name(display, first, last, username))
            for user_id, display, first, last, username in _json(r[25])
        ),
        source=r,
    )


# Polls read the same rows again and again; building a row costs several
# times more than finding it here by its statement row.
cached_list_row = lru_cache(maxsize=CACHED_ROWS)(list_row)


def inbox_rows(
    *,
    user: User,
    filters,
    open_statuses: list[str],
    presence_window,
    offset: int,
    limit: int,
) -> list[ListRow]:
    """Rows ``offset`` to ``offset + limit`` of the user's inbox, with their
    labels and current viewers: one statement whatever the page size."""
    if access.role_of(user) is None:
        return []
    where, params = _where(user, filters, open_statuses)
    order = ORDER_DUE if filters.sort == "due" else ORDER_RECENT
    since = connection.ops.adapt_datetimefield_value(timezone.now() - presence_window)
    with connection.cursor() as cursor:
        cursor.execute(_rows_sql(where, order), [user.pk, since, user.pk, *params, limit, offset])
        return [cached_list_row(r) for r in cursor.fetchall()]
