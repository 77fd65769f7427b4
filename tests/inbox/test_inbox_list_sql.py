"""The inbox list's hand-written SQL (``inbox.inbox_list_sql``) returns what
the ORM definition of the list (``selectors.conversation_inbox_rows``)
returns: the same conversations in the same order, with the same facts per
row, for every saved view, filter, sort and role. Runs on SQLite and, in
CI, on Postgres."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import access
from accounts.models import Role
from escalation.models import Escalation, EscalationRule
from inbox import selectors
from inbox.inbox_list_sql import inbox_rows
from inbox.models import (
    Channel,
    ConversationKind,
    ConversationRead,
    DeliveryState,
    Network,
    Presence,
    Priority,
    Status,
)
from inbox.selectors import InboxFilters
from tests.factories import (
    ChannelFactory,
    ContactFactory,
    ConversationFactory,
    LabelFactory,
    MembershipFactory,
    MessageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(team_a, team_b, officer, teammate, manager, other_officer, admin_user):
    """Three channels (team A, team B, both), conversations in every state."""
    now = timezone.now()
    a = ChannelFactory(name="A", handle="@a", covered_by=[team_a])
    b = ChannelFactory(name="B", handle="@b", covered_by=[team_b])
    shared = ChannelFactory(
        name="Shared", handle="@shared", network=Network.FACEBOOK, covered_by=[team_a, team_b]
    )
    bins, roads = LabelFactory(name="bins"), LabelFactory(name="roads")
    rule = EscalationRule.objects.create(name="Threats", keywords="bomb")
    statuses = itertools.cycle([Status.NEW, Status.OPEN, Status.PENDING, Status.RESOLVED])
    kinds = itertools.cycle(list(ConversationKind.values))
    priorities = itertools.cycle([Priority.NORMAL, Priority.HIGH, Priority.URGENT, Priority.LOW])
    assignees = itertools.cycle([None, officer, teammate, other_officer, None])
    teams = itertools.cycle([None, team_a, team_b])
    contact = ContactFactory(display_name="", handle="", external_id="77")  # named by its id
    for n in range(36):
        channel = (a, b, shared)[n % 3]
        awaiting = now - timedelta(minutes=n) if n % 4 in (0, 1) else None
        conv = ConversationFactory(
            channel=channel,
            contact=contact if n == 7 else ContactFactory(blocked=n % 5 == 0),
            status=next(statuses),
            kind=next(kinds),
            priority=next(priorities),
            assignee=next(assignees),
            team=next(teams),
            # Some ties on last_message_at: the id decides, in both.
            last_message_at=now - timedelta(minutes=n // 2),
            last_inbound_at=now - timedelta(minutes=n // 2),
            awaiting_since=awaiting,
            due_at=awaiting + timedelta(minutes=60 - n) if awaiting and n % 3 else None,
        )
        MessageFactory(conversation=conv)
        if n % 2:
            conv.labels.add(bins)
        if n % 3 == 0:
            conv.labels.add(roads)
        if n % 6 == 1:
            Escalation.objects.create(
                rule=rule,
                conversation=conv,
                channel=channel,
                trigger_key=f"t{n}",
                cycle=now,
                reason="test",
                raised_at=now,
                acknowledged_at=now if n % 12 == 1 else None,
            )
        if n % 7 == 2:
            MessageFactory(
                conversation=conv, direction="out", state=DeliveryState.AWAITING_APPROVAL
            )
        if n % 4 == 2:
            ConversationRead.objects.create(user=officer, conversation=conv, read_at=now)
        elif n % 4 == 3:  # read exactly when the last message came: read
            ConversationRead.objects.create(
                user=officer, conversation=conv, read_at=conv.last_inbound_at
            )
        elif n % 8 == 1:  # read before it: unread
            ConversationRead.objects.create(
                user=officer, conversation=conv, read_at=conv.last_inbound_at - timedelta(seconds=1)
            )
        if n % 5 == 3:
            Presence.objects.create(user=teammate, conversation=conv, seen_at=now)
            Presence.objects.create(
                user=manager, conversation=conv, seen_at=now - timedelta(minutes=5)
            )
    no_team = UserFactory(username="nobody")
    inactive = UserFactory(username="gone", is_active=False)
    MembershipFactory(user=inactive, team=team_a, role=Role.OFFICER)
    return {
        "users": [officer, manager, other_officer, admin_user, no_team, inactive],
        "channels": (a, b, shared),
        "labels": (bins, roads),
        "teammate": teammate,
    }


def _variants(world):
    _, b, shared = world["channels"]
    bins, _ = world["labels"]
    teammate = world["teammate"]
    for view, _ in selectors.SAVED_VIEWS:
        yield InboxFilters(view=view)
        yield InboxFilters(view=view, sort="due")
    yield InboxFilters(status=Status.RESOLVED)
    yield InboxFilters(status=Status.PENDING, view="mine")
    yield InboxFilters(channel_id=shared.pk, needs_reply=True)
    yield InboxFilters(channel_id=b.pk)
    yield InboxFilters(network=Network.FACEBOOK, sort="due")
    yield InboxFilters(priority=Priority.HIGH)
    yield InboxFilters(label_id=bins.pk, kind=ConversationKind.COMMENT)
    yield InboxFilters(assignee_id=teammate.pk, view="teams")
    yield InboxFilters(view="escalated", label_id=bins.pk, needs_reply=True)


def _orm_rows(user, filters, offset, limit):
    return list(
        selectors.conversation_inbox_rows(user=user, filters=filters)[offset : offset + limit]
    )


def _facts(row):
    return (
        row.pk,
        row.status,
        row.priority,
        row.kind,
        row.last_message_at,
        row.due_at,
        row.awaiting_since,
        row.assignee_id,
        str(row.assignee) if row.assignee_id else None,
        bool(row.seen_latest),
        str(row.contact),
        row.contact.blocked,
        row.channel.network,
        row.channel.get_network_display(),
        row.get_status_display(),
        row.get_priority_display(),
        sorted(label.name for label in row.label_list),
        [str(v.user) for v in row.viewers],
    )


def test_same_rows_in_the_same_order_for_every_view_filter_and_role(world):
    checked = 0
    for user in world["users"]:
        for filters in _variants(world):
            for offset, limit in ((0, 51), (5, 4)):
                sql = inbox_rows(
                    user=user,
                    filters=filters,
                    open_statuses=selectors.OPEN_STATUSES,
                    presence_window=selectors.PRESENCE_WINDOW,
                    offset=offset,
                    limit=limit,
                )
                orm = _orm_rows(user, filters, offset, limit)
                assert [_facts(r) for r in sql] == [_facts(r) for r in orm], (user, filters)
                checked += len(sql)
    assert checked > 500  # the variants above do select rows


def test_an_officer_never_gets_a_row_of_another_teams_channel(world, officer):
    _, b, _ = world["channels"]
    everything = InboxFilters(view="all")
    for status in ("", Status.RESOLVED):
        rows = inbox_rows(
            user=officer,
            filters=InboxFilters(view="all", status=status),
            open_statuses=selectors.OPEN_STATUSES,
            presence_window=selectors.PRESENCE_WINDOW,
            offset=0,
            limit=500,
        )
        assert rows and all(r.channel.name != b.name for r in rows)
    # Asking for team B's channel by id gives nothing, not an error.
    assert not inbox_rows(
        user=officer,
        filters=InboxFilters(view=everything.view, channel_id=b.pk),
        open_statuses=selectors.OPEN_STATUSES,
        presence_window=selectors.PRESENCE_WINDOW,
        offset=0,
        limit=50,
    )


def test_the_access_condition_matches_the_orm_rule_for_every_role(world):
    from django.db import connection

    for user in world["users"]:
        condition, params = access.channel_condition_sql(user, "c.id")
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT c.id FROM {Channel._meta.db_table} c WHERE {condition}", params)
            from_sql = sorted(pk for (pk,) in cursor.fetchall())
        from_orm = sorted(access.channels_visible_to(user).values_list("pk", flat=True))
        assert from_sql == from_orm, user
