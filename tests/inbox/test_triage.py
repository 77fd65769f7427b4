"""The triage services: priority, snooze and wake (by hand, by the beat sweep
and by the citizen's next message), the label set, labels created inline, and
the assignee told in the app and by e-mail. Each writes its change and its
event together, moves the list's change stamp, and refuses another team."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from events.models import Event
from inbox import selectors
from inbox.models import Conversation, Label, Notification, Priority, Status
from inbox.services import actions, triage
from inbox.services.ingest import messages_ingest
from inbox.tasks import wake_snoozed
from tests.factories import LabelFactory
from tests.inbox.ui_data import citizen, conversation_with, mention_item

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def conv(channel_a):
    return conversation_with(channel_a, author=citizen(71, name="Jo Resident"), messages=1)


@pytest.fixture
def eager_tasks():
    from socialdesk.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def _events(conv, type_: str) -> list[Event]:
    return list(Event.objects.filter(conversation_id=conv.pk, type=type_).order_by("pk"))


def _open_ids(user) -> set[int]:
    page = selectors.conversation_inbox(user=user, filters=selectors.InboxFilters())
    return {row.pk for row in page.rows}


def _snoozed_ids(user) -> set[int]:
    filters = selectors.InboxFilters(view="snoozed")
    return {row.pk for row in selectors.conversation_inbox(user=user, filters=filters).rows}


def _citizen_writes_again(channel, conv, *, minutes_ago: float = 0) -> None:
    root = conv.thread_key.split(":")[1]
    author = citizen(71, name="Jo Resident")
    messages_ingest(
        channel=channel,
        items=[mention_item(author=author, thread=root, minutes_ago=minutes_ago, text="Any news?")],
    )


# --- priority ------------------------------------------------------------------------------


def test_priority_is_set_with_one_event_and_only_when_it_changes(conv, officer):
    triage.conversation_set_priority(conversation=conv, actor=officer, priority=Priority.URGENT)
    triage.conversation_set_priority(conversation=conv, actor=officer, priority=Priority.URGENT)
    conv.refresh_from_db()
    assert conv.priority == Priority.URGENT
    [event] = _events(conv, "conversation.priority_changed")
    assert event.actor == officer and event.data["from"] == 1 and event.data["to"] == 3
    # Urgent is what the escalated view shows.
    filters = selectors.InboxFilters(view="escalated")
    assert [r.pk for r in selectors.conversation_inbox(user=officer, filters=filters).rows] == [
        conv.pk
    ]


def test_priority_refuses_another_team_and_unknown_values(conv, officer, other_officer):
    with pytest.raises(PermissionDenied):
        triage.conversation_set_priority(conversation=conv, actor=other_officer, priority=3)
    with pytest.raises(ValidationError):
        triage.conversation_set_priority(conversation=conv, actor=officer, priority=9)
    conv.refresh_from_db()
    assert conv.priority == Priority.NORMAL
    assert not _events(conv, "conversation.priority_changed")


# --- snooze and wake -----------------------------------------------------------------------


def test_a_snoozed_conversation_leaves_the_open_views_until_woken(conv, officer):
    until = timezone.now() + timedelta(hours=2)
    assert conv.pk in _open_ids(officer)
    triage.conversation_snooze(conversation=conv, actor=officer, until=until)
    conv.refresh_from_db()
    assert conv.snoozed_until == until
    assert conv.pk not in _open_ids(officer)
    assert conv.pk in _snoozed_ids(officer)
    counts = selectors.inbox_counts(user=officer)
    assert counts["all"] == 0 and counts["unassigned"] == 0 and counts["snoozed"] == 1
    [event] = _events(conv, "conversation.snoozed")
    assert event.data["until"] == until.isoformat() and event.data["from"] is None

    triage.conversation_wake(conversation=conv, actor=officer)
    triage.conversation_wake(conversation=conv, actor=officer)  # not snoozed: nothing
    conv.refresh_from_db()
    assert conv.snoozed_until is None and conv.pk in _open_ids(officer)
    [woken] = _events(conv, "conversation.woken")
    assert woken.data["reason"] == "by hand" and woken.actor == officer


def test_snooze_refuses_the_past_far_future_naive_times_resolved_and_other_teams(
    conv, officer, other_officer
):
    now = timezone.now()
    for bad in (now - timedelta(minutes=1), now + timedelta(days=91)):
        with pytest.raises(ValidationError):
            triage.conversation_snooze(conversation=conv, actor=officer, until=bad)
    with pytest.raises(ValidationError):
        triage.conversation_snooze(
            conversation=conv, actor=officer, until=datetime(2099, 1, 1, 9, 0)
        )
    with pytest.raises(PermissionDenied):
        triage.conversation_snooze(
            conversation=conv, actor=other_officer, until=now + timedelta(hours=1)
        )
    actions.conversation_set_status(conversation=conv, actor=officer, status=Status.RESOLVED)
    with pytest.raises(ValidationError, match="resolved"):
        triage.conversation_snooze(conversation=conv, actor=officer, until=now + timedelta(hours=1))
    conv.refresh_from_db()
    assert conv.snoozed_until is None and not _events(conv, "conversation.snoozed")


def test_the_beat_sweep_wakes_what_is_due_once(conv, channel_a, officer):
    later = conversation_with(channel_a, author=citizen(72))
    triage.conversation_snooze(
        conversation=conv, actor=officer, until=timezone.now() + timedelta(minutes=5)
    )
    triage.conversation_snooze(
        conversation=later, actor=officer, until=timezone.now() + timedelta(days=1)
    )
    assert triage.conversations_wake_due() == 0
    soon = timezone.now() + timedelta(minutes=6)
    assert triage.conversations_wake_due(now=soon) == 1
    assert triage.conversations_wake_due(now=soon) == 0  # a second sweep finds nothing
    conv.refresh_from_db()
    later.refresh_from_db()
    assert conv.snoozed_until is None and later.snoozed_until is not None
    [event] = _events(conv, "conversation.woken")
    assert event.actor is None and event.data["reason"] == "snooze ended"
    assert event.channel_id == channel_a.pk
    assert not _events(later, "conversation.woken")


def test_the_beat_task_runs_the_sweep(conv, officer):
    Conversation.objects.filter(pk=conv.pk).update(
        snoozed_until=timezone.now() - timedelta(seconds=1)
    )
    assert wake_snoozed() == 1
    conv.refresh_from_db()
    assert conv.snoozed_until is None


def test_the_citizens_next_message_wakes_a_snoozed_conversation(conv, channel_a, officer):
    until = timezone.now() + timedelta(days=2)
    triage.conversation_snooze(conversation=conv, actor=officer, until=until)
    _citizen_writes_again(channel_a, conv)
    conv.refresh_from_db()
    assert conv.snoozed_until is None and conv.pk in _open_ids(officer)
    [event] = _events(conv, "conversation.woken")
    assert event.data["reason"] == "new inbound message"
    assert datetime.fromisoformat(event.data["snoozed_until"]) == until


def test_a_message_in_another_thread_wakes_nothing(conv, channel_a, officer):
    triage.conversation_snooze(
        conversation=conv, actor=officer, until=timezone.now() + timedelta(days=1)
    )
    conversation_with(channel_a, author=citizen(73))
    conv.refresh_from_db()
    assert conv.snoozed_until is not None and not _events(conv, "conversation.woken")


def test_resolving_ends_a_snooze(conv, officer):
    triage.conversation_snooze(
        conversation=conv, actor=officer, until=timezone.now() + timedelta(days=1)
    )
    actions.conversation_set_status(conversation=conv, actor=officer, status=Status.RESOLVED)
    conv.refresh_from_db()
    assert conv.snoozed_until is None
    [event] = _events(conv, "conversation.woken")
    assert event.data["reason"] == "resolved"


def test_snooze_presets_are_in_the_organisations_time(settings):
    london = ZoneInfo("Europe/London")
    saturday = datetime(2026, 12, 5, 22, 30, tzinfo=london)
    assert triage.snooze_preset_until("1h", now=saturday) == saturday + timedelta(hours=1)
    assert triage.snooze_preset_until("tomorrow", now=saturday) == datetime(
        2026, 12, 6, 9, 0, tzinfo=london
    )
    assert triage.snooze_preset_until("monday", now=saturday) == datetime(
        2026, 12, 7, 9, 0, tzinfo=london
    )
    monday = datetime(2026, 12, 7, 8, 0, tzinfo=london)
    assert triage.snooze_preset_until("monday", now=monday).day == 14  # next week's
    with pytest.raises(ValidationError):
        triage.snooze_preset_until("someday", now=saturday)


def test_snooze_priority_and_wake_each_move_the_list_stamp(client, conv, officer):
    client.force_login(officer)

    def since() -> str:
        return client.get(reverse("inbox:list"), **HX).context["list_stamp"]

    def poll(stamp: str) -> int:
        return client.get(reverse("inbox:list"), {"since": stamp}, **HX).status_code

    changes = [
        lambda: triage.conversation_set_priority(conversation=conv, actor=officer, priority=2),
        lambda: triage.conversation_snooze(
            conversation=conv, actor=officer, until=timezone.now() + timedelta(minutes=1)
        ),
        lambda: triage.conversations_wake_due(now=timezone.now() + timedelta(minutes=2)),
        lambda: triage.conversation_labels_set(
            conversation=conv, actor=officer, labels=[LabelFactory(name="roads")]
        ),
    ]
    for change in changes:
        stamp = since()
        assert poll(stamp) == 204
        change()
        assert poll(stamp) == 200


# --- labels --------------------------------------------------------------------------------


def test_saving_the_label_set_writes_one_event_per_change(conv, officer):
    bins, roads, parks = (LabelFactory(name=n) for n in ("bins", "roads", "parks"))
    conv.labels.add(bins, roads)
    triage.conversation_labels_set(conversation=conv, actor=officer, labels=[roads, parks])
    assert set(conv.labels.values_list("name", flat=True)) == {"roads", "parks"}
    assert [e.data["label"] for e in _events(conv, "conversation.labelled")] == ["parks"]
    assert [e.data["label"] for e in _events(conv, "conversation.unlabelled")] == ["bins"]
    before = Event.objects.count()
    triage.conversation_labels_set(conversation=conv, actor=officer, labels=[parks, roads])
    assert Event.objects.count() == before  # the same set: nothing to log


def test_the_label_set_refuses_another_team(conv, other_officer):
    with pytest.raises(PermissionDenied):
        triage.conversation_labels_set(
            conversation=conv, actor=other_officer, labels=[LabelFactory(name="x")]
        )
    assert not conv.labels.exists()


def test_managers_create_labels_and_officers_are_refused(conv, manager, officer):
    with pytest.raises(PermissionDenied):
        triage.label_create(actor=officer, name="Potholes")
    with pytest.raises(PermissionDenied):
        triage.conversation_label_create(conversation=conv, actor=officer, name="Potholes")
    assert not Label.objects.exists()
    label = triage.conversation_label_create(conversation=conv, actor=manager, name="  Potholes ")
    assert label.name == "Potholes" and list(conv.labels.all()) == [label]
    created = Event.objects.get(type="label.created")
    assert created.actor == manager and created.data["label_id"] == label.pk
    assert [e.data["label"] for e in _events(conv, "conversation.labelled")] == ["Potholes"]
    with pytest.raises(ValidationError, match="already"):
        triage.label_create(actor=manager, name="potholes")
    for bad in ("", "   ", "x" * 61, "two\nlines"):
        with pytest.raises(ValidationError):
            triage.label_create(actor=manager, name=bad)
    assert Label.objects.count() == 1


def test_a_manager_of_another_team_cannot_label_this_conversation_inline(conv, team_b):
    from tests.factories import MembershipFactory, UserFactory

    their_manager = UserFactory(username="bea")
    MembershipFactory(user=their_manager, team=team_b, role="manager")
    with pytest.raises(PermissionDenied):
        triage.conversation_label_create(conversation=conv, actor=their_manager, name="Mine")
    assert not Label.objects.exists()


# --- the assignee is told ------------------------------------------------------------------


def test_the_assignee_is_notified_with_a_link_when_a_colleague_assigns(conv, officer, teammate):
    actions.conversation_assign(conversation=conv, actor=officer, assignee=teammate)
    [note] = Notification.objects.filter(user=teammate)
    assert note.url == reverse("inbox:conversation", args=[conv.pk])
    assert "olivia" in note.text.lower() or str(officer) in note.text
    assert "Jo Resident" in note.text
    # The same person again is no new assignment; taking it yourself tells nobody.
    actions.conversation_assign(conversation=conv, actor=officer, assignee=teammate)
    actions.conversation_assign(conversation=conv, actor=officer, assignee=officer)
    assert Notification.objects.count() == 1


def test_taking_a_conversation_yourself_notifies_nobody(conv, officer):
    actions.conversation_assign(conversation=conv, actor=officer, assignee=officer)
    assert not Notification.objects.exists()


def test_the_assignee_gets_an_email_after_commit_if_they_opted_in(
    conv, officer, teammate, mailoutbox, eager_tasks, django_capture_on_commit_callbacks
):
    teammate.email, teammate.email_on_assignment = "tom@example.org", True
    teammate.save()
    with django_capture_on_commit_callbacks(execute=True):
        actions.conversation_assign(conversation=conv, actor=officer, assignee=teammate)
        assert not mailoutbox  # nothing before the commit
    [mail] = mailoutbox
    assert mail.to == ["tom@example.org"]
    assert "Jo Resident" in mail.subject
    assert f"/inbox/c/{conv.pk}/" in mail.body


def test_no_email_without_opting_in_or_when_the_assignment_rolls_back(
    conv, officer, teammate, mailoutbox, eager_tasks, django_capture_on_commit_callbacks
):
    teammate.email = "tom@example.org"
    teammate.save()
    with django_capture_on_commit_callbacks(execute=True):
        actions.conversation_assign(conversation=conv, actor=officer, assignee=teammate)
    assert not mailoutbox and Notification.objects.filter(user=teammate).count() == 1

    teammate.email_on_assignment = True
    teammate.save()
    actions.conversation_assign(conversation=conv, actor=officer, assignee=None)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        actions.conversation_assign(conversation=conv, actor=officer, assignee=teammate)
        raise RuntimeError("rolled back")
    assert not callbacks and not mailoutbox
    assert Notification.objects.filter(user=teammate).count() == 1
