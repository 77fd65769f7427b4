from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from events.models import Event
from inbox.models import Note, Status
from inbox.services import actions
from tests.factories import LabelFactory


def _events(conversation):
    return list(Event.objects.filter(conversation=conversation))


@pytest.mark.django_db
def test_assign_writes_change_and_exactly_one_event(officer, teammate, conversation_a):
    conv = actions.conversation_assign(
        conversation=conversation_a, actor=officer, assignee=teammate
    )
    assert conv.assignee == teammate
    assert conv.status == Status.OPEN
    [event] = _events(conversation_a)
    assert event.type == "conversation.assigned"
    assert event.actor == officer
    assert event.data["assignee"] == teammate.pk
    assert event.channel_id == conversation_a.channel_id


@pytest.mark.django_db
def test_assign_refuses_assignee_who_does_not_cover_channel(officer, other_officer, conversation_a):
    with pytest.raises(ValidationError):
        actions.conversation_assign(
            conversation=conversation_a, actor=officer, assignee=other_officer
        )
    conversation_a.refresh_from_db()
    assert conversation_a.assignee is None
    assert _events(conversation_a) == []


@pytest.mark.django_db
def test_set_status_writes_one_event_with_from_and_to(officer, conversation_a):
    actions.conversation_set_status(conversation=conversation_a, actor=officer, status="pending")
    [event] = _events(conversation_a)
    assert (event.type, event.data) == (
        "conversation.status_changed",
        {"from": "new", "to": "pending", "target": f"conversation:{conversation_a.pk}"},
    )


@pytest.mark.django_db
def test_setting_the_same_status_again_logs_nothing(officer, conversation_a):
    actions.conversation_set_status(conversation=conversation_a, actor=officer, status="new")
    assert _events(conversation_a) == []


@pytest.mark.django_db
def test_label_add_and_remove_each_write_one_event(officer, conversation_a):
    label = LabelFactory(name="bins")
    actions.conversation_label(conversation=conversation_a, actor=officer, label=label)
    actions.conversation_label(conversation=conversation_a, actor=officer, label=label)  # no-op
    actions.conversation_label(conversation=conversation_a, actor=officer, label=label, add=False)
    assert [e.type for e in _events(conversation_a)] == [
        "conversation.labelled",
        "conversation.unlabelled",
    ]
    assert not conversation_a.labels.exists()


@pytest.mark.django_db
def test_note_add_writes_note_and_one_event(officer, conversation_a):
    note = actions.note_add(conversation=conversation_a, actor=officer, text="  Called them back  ")
    assert note.text == "Called them back"
    [event] = _events(conversation_a)
    assert (event.type, event.data["note_id"]) == ("note.added", note.pk)


@pytest.mark.django_db
def test_empty_note_is_refused_and_nothing_stored(officer, conversation_a):
    with pytest.raises(ValidationError):
        actions.note_add(conversation=conversation_a, actor=officer, text="   ")
    assert not Note.objects.exists()
    assert _events(conversation_a) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "call",
    [
        lambda conv, user: actions.conversation_assign(
            conversation=conv, actor=user, assignee=user
        ),
        lambda conv, user: actions.conversation_set_status(
            conversation=conv, actor=user, status="resolved"
        ),
        lambda conv, user: actions.conversation_label(
            conversation=conv, actor=user, label=LabelFactory()
        ),
        lambda conv, user: actions.note_add(conversation=conv, actor=user, text="hello"),
    ],
    ids=["assign", "status", "label", "note"],
)
def test_officer_of_other_team_cannot_act_at_service_level(other_officer, conversation_a, call):
    with pytest.raises(PermissionDenied):
        call(conversation_a, other_officer)
    conversation_a.refresh_from_db()
    assert conversation_a.assignee is None
    assert conversation_a.status == Status.NEW
    assert not conversation_a.labels.exists()
    assert not Note.objects.exists()
    assert _events(conversation_a) == []


@pytest.mark.django_db
def test_resolving_as_no_reply_needed_records_the_reason(officer, conversation_a):
    actions.conversation_set_status(
        conversation=conversation_a, actor=officer, status="resolved", reason="no_reply_needed"
    )
    [event] = _events(conversation_a)
    assert event.data == {
        "from": "new",
        "to": "resolved",
        "reason": "no_reply_needed",
        "target": f"conversation:{conversation_a.pk}",
    }
    with pytest.raises(ValidationError):
        actions.conversation_set_status(
            conversation=conversation_a, actor=officer, status="open", reason="whatever"
        )
