"""The moves of issue 16 point 6 keep every row: a database populated before
them migrates forward, and the rows are read back through the new homes.

Event moved from ``inbox`` to ``events`` by state alone (the table stays
``inbox_event``); this builds a populated database at the state before the
move with the historical models, migrates it to the latest state, and reads
the rows through ``events.models.Event`` and the relations to it. It runs on
SQLite and on Postgres (``DATABASE_URL``), where it also checks that the
append-only trigger still guards the table.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from events.models import Event
from inbox.models import Conversation

BEFORE = [
    ("inbox", "0015_ingest_quarantine_and_altered_flags"),
    ("events", None),
]
AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def _latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _populate(apps) -> dict[str, int]:
    """Rows as the release before the move wrote them (historical models)."""
    User = apps.get_model("accounts", "User")
    Channel = apps.get_model("inbox", "Channel")
    Contact = apps.get_model("inbox", "Contact")
    Conv = apps.get_model("inbox", "Conversation")
    Message = apps.get_model("inbox", "Message")
    OldEvent = apps.get_model("inbox", "Event")
    ContentTypeThen = apps.get_model("contenttypes", "ContentType")

    officer = User.objects.create(username="migrating-olivia")
    channel = Channel.objects.create(
        network="x", name="Riverside", handle="@riverside", external_account_id="4242"
    )
    contact = Contact.objects.create(network="x", external_id="77", handle="resident77")
    conv = Conv.objects.create(
        channel=channel, contact=contact, kind="public", thread_key="t-77", last_message_at=AT
    )
    message = Message.objects.create(
        conversation=conv,
        channel=channel,
        direction="in",
        external_id="1790000000000000077",
        author_contact=contact,
        text="My bin was not collected",
        sent_at=AT,
    )
    received = OldEvent.objects.create(
        type="message.received", at=AT, channel=channel, conversation=conv, message=message
    )
    assigned = OldEvent.objects.create(
        type="conversation.assigned",
        at=AT,
        actor=officer,
        channel=channel,
        conversation=conv,
        data={"assignee": officer.pk, "ip": "192.0.2.7"},
    )
    # The content type of the model as it was (admin log entries and
    # permissions point at it by id).
    old_type, _ = ContentTypeThen.objects.get_or_create(app_label="inbox", model="event")
    return {
        "officer": officer.pk,
        "conversation": conv.pk,
        "message": message.pk,
        "received": received.pk,
        "assigned": assigned.pk,
        "content_type": old_type.pk,
    }


@pytest.mark.django_db(transaction=True)
def test_events_written_before_the_move_are_read_through_the_events_app():
    executor = _migrate(BEFORE)
    ids = _populate(executor.loader.project_state(BEFORE[:1]).apps)

    _migrate(_latest())
    ContentType.objects.clear_cache()

    received = Event.objects.get(pk=ids["received"])
    assert (received.type, received.at) == ("message.received", AT)
    assert received.message_id == ids["message"]
    assigned = Event.objects.select_related("actor", "conversation").get(pk=ids["assigned"])
    assert assigned.actor.pk == ids["officer"]
    assert assigned.data == {"assignee": ids["officer"], "ip": "192.0.2.7"}
    # The reverse relation the inbox and the records export use.
    conversation = Conversation.objects.get(pk=ids["conversation"])
    assert sorted(conversation.events.values_list("pk", flat=True)) == sorted(
        [ids["received"], ids["assigned"]]
    )
    # The same content type row now names the events app.
    moved = ContentType.objects.get_for_model(Event)
    assert (moved.pk, moved.app_label) == (ids["content_type"], "events")
    assert Event._meta.db_table == "inbox_event"


@pytest.mark.django_db(transaction=True)
def test_the_moved_table_stays_append_only_on_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger is Postgres's (DATABASE_URL=postgres://...)")
    executor = _migrate(BEFORE)
    ids = _populate(executor.loader.project_state(BEFORE[:1]).apps)
    _migrate(_latest())

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE inbox_event SET type = 'x' WHERE id = %s", [ids["received"]])
    assert Event.objects.get(pk=ids["received"]).type == "message.received"
