from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from audit import chain
from audit.models import EventSeal
from events.models import Event


def make_events(n, actor=None):
    return [
        Event.objects.create(type="note.added", at=timezone.now(), actor=actor, data={"n": i})
        for i in range(n)
    ]


def tamper(sql, params):
    """Edit the log behind the application's back, as a rogue DBA would."""
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET LOCAL session_replication_role = replica")  # bypass the trigger
        cur.execute(sql, params)


@pytest.mark.django_db
def test_sealing_links_every_event_once(officer):
    make_events(5, officer)
    assert chain.events_seal() == 5
    assert chain.events_seal() == 0
    make_events(2)
    assert chain.events_seal() == 2
    assert EventSeal.objects.count() == 7
    assert chain.chain_verify() == (7, None)


@pytest.mark.django_db
def test_audit_verify_passes_on_a_clean_log(officer, capsys):
    make_events(3, officer)
    call_command("audit_verify", "--seal")
    assert "intact: 3 events" in capsys.readouterr().out


@pytest.mark.django_db
def test_audit_verify_names_the_first_changed_event(officer):
    events = make_events(6, officer)
    chain.events_seal()
    tamper("UPDATE inbox_event SET data = %s WHERE id = %s", ['{"n": 99}', events[3].pk])
    tamper("UPDATE inbox_event SET type = 'x' WHERE id = %s", [events[5].pk])
    with pytest.raises(CommandError, match=rf"event {events[3].pk}\): the event was changed"):
        call_command("audit_verify")


@pytest.mark.django_db
def test_audit_verify_names_a_deleted_event(officer):
    events = make_events(4, officer)
    chain.events_seal()
    tamper("DELETE FROM inbox_event WHERE id = %s", [events[1].pk])
    with pytest.raises(CommandError, match=rf"event {events[1].pk}\): the event was deleted"):
        call_command("audit_verify")


@pytest.mark.django_db
def test_a_removed_seal_breaks_the_chain(officer):
    make_events(4, officer)
    chain.events_seal()
    EventSeal.objects.filter(seq=EventSeal.objects.order_by("seq")[1].seq).delete()
    checked, broken = chain.chain_verify()
    assert checked == 1 and "removed or altered" in broken.problem
