"""Escalation rules: conditions, actions, levels and acknowledgement."""

from __future__ import annotations

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail.backends import locmem

from escalation.models import Escalation, EscalationLevel, EscalationRule, TargetStage
from escalation.services.evaluation import evaluation_run
from escalation.services.notify import Notice, notice_emails_send
from escalation.services.rules import escalation_acknowledge, escalation_raise_level
from events.models import Event
from inbox.models import Conversation, Label, Network, Notification, Priority
from inbox.networks.base import Author
from tests.escalation.conftest import dm, ingest, london, mention
from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db

FAMOUS = Author(
    external_id="333", handle="reporter", display_name="A Reporter", followers_count=120_000
)
VERIFIED = Author(external_id="444", handle="mp", display_name="An MP", verified=True)


def at(*args):
    return time_machine.travel(london(*args), tick=False)


def test_a_threat_phrase_is_escalated_within_one_evaluation(
    channel_a, threat_rule, officer, manager, django_capture_on_commit_callbacks, eager_tasks
):
    with at(2026, 11, 18, 10, 0):
        ingest(channel_a, dm(london(2026, 11, 18, 10, 0), text="I will BOMB the town hall!"))
        with django_capture_on_commit_callbacks(execute=True):
            evaluation_run()
    esc = Escalation.objects.get()
    assert esc.level == 1 and esc.reason == "Matched “BOMB”"
    assert esc.level_due_at == london(2026, 11, 18, 10, 10)
    note = Notification.objects.get()
    assert note.user == officer and note.dedupe_key == f"esc:{esc.pk}:L1"
    assert note.url == f"/inbox/c/{esc.conversation_id}/"
    assert [m.to for m in mail.outbox] == [[officer.email]]
    assert (
        Event.objects.filter(type="escalation.raised", conversation=esc.conversation).count() == 1
    )
    with at(2026, 11, 18, 10, 1):
        evaluation_run()
        evaluation_run()
    assert Escalation.objects.count() == Notification.objects.count() == 1


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("bombastic claims about the budget", False),
        ("Emergency! water everywhere", True),
        ("i want to kill   myself", True),
        ("skill myselfie", False),
        ("an #emergency on Elm Road", True),
    ],
)
def test_phrases_match_whole_words_in_any_case(channel_a, threat_rule, text, fires):
    with at(2026, 11, 18, 10, 0):
        ingest(channel_a, dm(london(2026, 11, 18, 10, 0), text=text))
        evaluation_run()
    assert Escalation.objects.exists() is fires


def test_an_unacknowledged_escalation_moves_up_a_level(channel_a, threat_rule, officer, manager):
    with at(2026, 11, 18, 10, 0):
        ingest(channel_a, dm(london(2026, 11, 18, 10, 0), text="bomb"))
        evaluation_run()
    with at(2026, 11, 18, 10, 9):
        evaluation_run()
    assert Escalation.objects.get().level == 1
    with at(2026, 11, 18, 10, 10):
        evaluation_run()
        evaluation_run()
    esc = Escalation.objects.get()
    assert esc.level == 2 and esc.level_due_at == london(2026, 11, 18, 10, 25)
    raised = Event.objects.get(type="escalation.level_raised")
    assert raised.data["from"] == 1 and raised.data["to"] == 2
    assert Notification.objects.get(user=manager).dedupe_key == f"esc:{esc.pk}:L2"
    # At the top level it stays open and says so, once.
    with at(2026, 11, 18, 10, 30):
        evaluation_run()
        evaluation_run()
    assert Escalation.objects.get().level == 2
    assert Event.objects.filter(type="escalation.unacknowledged").count() == 1


def test_acknowledging_stops_the_climb(channel_a, threat_rule, officer, manager):
    with at(2026, 11, 18, 10, 0):
        ingest(channel_a, dm(london(2026, 11, 18, 10, 0), text="bomb"))
        evaluation_run()
    esc = Escalation.objects.get()
    with at(2026, 11, 18, 10, 5):
        escalation_acknowledge(escalation=esc, actor=officer)
        escalation_acknowledge(escalation=esc, actor=officer)
    with at(2026, 11, 18, 11, 0):
        evaluation_run()
    esc.refresh_from_db()
    assert esc.level == 1 and esc.acknowledged_by == officer
    assert Event.objects.filter(type="escalation.acknowledged").count() == 1
    assert not Notification.objects.filter(user=manager).exists()
    assert Notification.objects.get(user=officer).read_at is not None


def test_only_people_covering_the_channel_may_acknowledge_or_be_told(
    channel_a, threat_rule, other_officer
):
    threat_rule.levels.get(number=1).users.add(other_officer)
    with at(2026, 11, 18, 10, 0):
        ingest(channel_a, dm(london(2026, 11, 18, 10, 0), text="bomb"))
        evaluation_run()
    esc = Escalation.objects.get()
    assert not Notification.objects.filter(user=other_officer).exists()
    with pytest.raises(PermissionDenied):
        escalation_acknowledge(escalation=esc, actor=other_officer)


def test_escalating_by_hand_moves_up_now(channel_a, threat_rule, officer, manager):
    with at(2026, 11, 18, 10, 0):
        ingest(channel_a, dm(london(2026, 11, 18, 10, 0), text="bomb"))
        evaluation_run()
        esc = escalation_raise_level(escalation=Escalation.objects.get(), actor=officer)
    assert esc.level == 2
    assert Event.objects.get(type="escalation.level_raised").actor == officer
    with pytest.raises(ValidationError, match="top level"):
        escalation_raise_level(escalation=esc, actor=officer)


def test_actions_raise_priority_add_a_label_and_reassign(channel_a, team_a, officer):
    label = Label.objects.create(name="Threat")
    rule = EscalationRule.objects.create(
        name="Threats",
        keywords="bomb",
        set_priority=Priority.URGENT,
        add_label=label,
        assign_team=team_a,
    )
    with at(2026, 11, 18, 10, 0):
        ingest(channel_a, dm(london(2026, 11, 18, 10, 0), text="bomb"))
        evaluation_run()
    conv = Conversation.objects.get()
    assert conv.priority == Priority.URGENT and conv.team == team_a
    assert list(conv.labels.all()) == [label]
    types = set(Event.objects.filter(conversation=conv).values_list("type", flat=True))
    assert {
        "conversation.priority_changed",
        "conversation.labelled",
        "conversation.assigned",
        "escalation.raised",
    } <= types
    assert Escalation.objects.get().rule == rule


def test_a_team_not_covering_the_channel_is_not_handed_the_conversation(channel_a, team_b):
    EscalationRule.objects.create(name="Threats", keywords="bomb", assign_team=team_b)
    with at(2026, 11, 18, 10, 0):
        ingest(channel_a, dm(london(2026, 11, 18, 10, 0), text="bomb"))
        evaluation_run()
    assert Conversation.objects.get().team is None
    assert Escalation.objects.exists()


def test_influential_authors_detractors_and_priority(channel_a):
    EscalationRule.objects.create(name="Press", min_followers=100_000, verified_author=True)
    EscalationRule.objects.create(name="Urgent", min_priority=Priority.HIGH)
    with at(2026, 11, 18, 10, 0):
        ingest(
            channel_a,
            mention(london(2026, 11, 18, 10, 0), author=FAMOUS),
            mention(london(2026, 11, 18, 10, 0), author=VERIFIED),
            mention(london(2026, 11, 18, 10, 0)),
        )
        evaluation_run()
    reasons = sorted(Escalation.objects.values_list("reason", flat=True))
    assert reasons == ["Author has 120,000 followers", "Verified author"]
    Conversation.objects.filter(contact__handle="jo_res").update(priority=Priority.HIGH)
    with at(2026, 11, 18, 10, 1):
        evaluation_run()
    assert Escalation.objects.filter(rule__name="Urgent").get().reason == "Priority high"


def test_target_stage_rule_fires_when_the_target_is_breached(channel_a, manager):
    rule = EscalationRule.objects.create(name="Late", target_stage=TargetStage.BREACHED)
    EscalationLevel.objects.create(rule=rule, number=1, name="Lead").users.add(manager)
    with at(2026, 11, 18, 10, 0):
        ingest(channel_a, dm(london(2026, 11, 18, 10, 0)))
        evaluation_run()
    with at(2026, 11, 18, 10, 29):
        evaluation_run()
    assert not Escalation.objects.exists()
    with at(2026, 11, 18, 10, 30):
        evaluation_run()
    assert Escalation.objects.get().reason == "Response target breached"
    assert Notification.objects.filter(user=manager).count() == 1


def test_messenger_window_closing_is_raised(team_a):
    facebook = ChannelFactory(network=Network.FACEBOOK, name="Council Page", covered_by=[team_a])
    EscalationRule.objects.create(name="Window", messenger_window_hours=4)
    with at(2026, 11, 18, 10, 0):
        ingest(facebook, dm(london(2026, 11, 18, 10, 0), network="facebook"))
        evaluation_run()
    with at(2026, 11, 19, 5, 59):
        evaluation_run()
    assert not Escalation.objects.exists()
    with at(2026, 11, 19, 6, 1):
        evaluation_run()
        evaluation_run()
    assert "window closes at 10:00" in Escalation.objects.get().reason


def test_a_volume_spike_notifies_once_per_window(channel_a, manager):
    rule = EscalationRule.objects.create(name="Spike", spike_count=5, spike_minutes=10)
    EscalationLevel.objects.create(rule=rule, number=1, name="Lead").users.add(manager)
    with at(2026, 11, 18, 10, 0):
        ingest(
            channel_a,
            *[
                mention(london(2026, 11, 18, 10, 0), author=Author(external_id=f"7{n}"))
                for n in range(6)
            ],
        )
        evaluation_run()
    with at(2026, 11, 18, 10, 3):
        evaluation_run()
    esc = Escalation.objects.get()
    assert esc.conversation is None and esc.channel == channel_a
    assert esc.reason == "6 inbound messages in 10 minutes"
    assert Notification.objects.get(user=manager).url == "/escalation/"


def test_history_arriving_late_is_not_a_spike(channel_a, manager):
    """A channel's history import (or a poll after an outage) brings many old
    messages at once: only what was posted inside the window counts."""
    rule = EscalationRule.objects.create(name="Spike", spike_count=5, spike_minutes=10)
    EscalationLevel.objects.create(rule=rule, number=1, name="Lead").users.add(manager)
    with at(2026, 11, 18, 10, 0):
        ingest(
            channel_a,
            *[
                mention(london(2026, 11, 15, 9, n), author=Author(external_id=f"8{n}"))
                for n in range(6)
            ],
            *[
                mention(london(2026, 11, 18, 9, 55), author=Author(external_id=f"9{n}"))
                for n in range(4)
            ],
        )
        evaluation_run()
    assert not Escalation.objects.exists()  # 4 recent ones: under the threshold of 5
    with at(2026, 11, 18, 10, 1):
        ingest(channel_a, mention(london(2026, 11, 18, 10, 1), author=Author(external_id="95")))
        evaluation_run()
    assert Escalation.objects.get().reason == "5 inbound messages in 10 minutes"


def test_a_rule_confined_to_another_channel_does_not_fire(channel_a, channel_b):
    rule = EscalationRule.objects.create(name="Roads only", keywords="bomb")
    rule.channels.add(channel_b)
    with at(2026, 11, 18, 10, 0):
        ingest(channel_a, dm(london(2026, 11, 18, 10, 0), text="bomb"))
        evaluation_run()
    assert not Escalation.objects.exists()


def test_escalate_to_next_level_action(channel_a, threat_rule, manager):
    threat_rule.levels.filter(number=1).update(ack_minutes=60)  # no timeout in this test
    EscalationRule.objects.create(
        name="Late threat", target_stage=TargetStage.WARNING, raise_open_escalations=True
    )
    with at(2026, 11, 18, 10, 0):
        ingest(channel_a, dm(london(2026, 11, 18, 10, 0), text="bomb"))
        evaluation_run()
    with at(2026, 11, 18, 10, 23):
        evaluation_run()
    assert Escalation.objects.get(rule=threat_rule).level == 1
    with at(2026, 11, 18, 10, 24):  # the response target is near: move the threat up
        evaluation_run()
        evaluation_run()
    assert Escalation.objects.get(rule=threat_rule).level == 2
    raised = Event.objects.get(type="escalation.level_raised")
    assert raised.data["reason"] == "raised by rule"
    assert Notification.objects.filter(user=manager).count() == 1


def test_rule_validation():
    with pytest.raises(ValidationError, match="at least one condition"):
        EscalationRule(name="Empty").clean()
    with pytest.raises(ValidationError, match="both a count"):
        EscalationRule(name="Half", spike_count=5).clean()
    with pytest.raises(ValidationError, match="rule of its own"):
        EscalationRule(name="Mixed", spike_count=5, spike_minutes=5, keywords="x").clean()


class BouncingBackend(locmem.EmailBackend):
    def send_messages(self, messages):
        if any("bounce" in to for m in messages for to in m.to):
            raise OSError("550 mailbox unavailable")
        return super().send_messages(messages)


def test_only_failed_emails_are_returned_for_a_retry(officer, manager, settings):
    settings.EMAIL_BACKEND = "tests.escalation.test_rules.BouncingBackend"
    manager.email = "bounce@council.example"
    manager.save()
    notices = [
        Notice(user_id=u.pk, text="t", url="/x/", dedupe_key="k", email_subject="s")
        for u in (officer, manager)
    ]
    failed = notice_emails_send(notices=notices)
    assert [n.user_id for n in failed] == [manager.pk]
    assert [m.to for m in mail.outbox] == [[officer.email]]
