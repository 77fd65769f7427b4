"""Crisis mode: pinned holding statement, routing, tighter targets, crisis
auto-reply text, notifications, and a log of start, change and end."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from escalation.models import ConversationTarget, CrisisMode
from escalation.selectors import canned_responses_for, conversation_flags
from escalation.services.crisis import crisis_end, crisis_start, crisis_update
from escalation.services.evaluation import evaluation_run
from events.models import Event
from inbox.models import CannedResponse, Conversation, Message, Notification
from inbox.networks.base import Author
from tests.escalation.conftest import dm, ingest, london

pytestmark = pytest.mark.django_db


def at(*args):
    return time_machine.travel(london(*args), tick=False)


@pytest.fixture
def flood(channel_a, manager, team_a):
    with at(2026, 11, 18, 9, 0):
        return crisis_start(
            actor=manager,
            channels=[channel_a],
            title="Flooding on Riverside",
            holding_statement="We know about the flooding and will update at 10am.",
            keywords="flood\nflooding\nsandbags",
            crisis_team=team_a,
            auto_reply_text="Flood line: call 0800 000 000. We are back {reopens}.",
            target_minutes=10,
            limit_minutes=20,
        )


def test_starting_pins_the_holding_statement_and_tells_everyone_on_duty(
    officer, teammate, flood, channel_a
):
    canned = CannedResponse.objects.create(title="A: bins", text="About bins")
    ordered = canned_responses_for(channel=channel_a, responses=[canned])
    assert [c.title for c in ordered] == ["Holding statement: Flooding on Riverside", "A: bins"]
    assert set(Notification.objects.values_list("user__username", flat=True)) >= {
        "olivia",
        "tom",
        "maya",
    }
    started = Event.objects.get(type="crisis.started")
    assert started.channel == channel_a and started.actor.username == "maya"


def test_matching_messages_are_labelled_and_routed_once(flood, channel_a, team_a):
    with at(2026, 11, 18, 9, 5):
        ingest(
            channel_a,
            dm(london(2026, 11, 18, 9, 5), text="FLOODING at my door"),
            dm(london(2026, 11, 18, 9, 5), text="my bin", author=Author(external_id="5")),
        )
        evaluation_run()
        evaluation_run()
    flooded = Conversation.objects.get(contact__external_id="111")
    assert [lb.name for lb in flooded.labels.all()] == ["Crisis"]
    assert flooded.team == team_a
    assert Event.objects.filter(type="crisis.routed").count() == 1
    assert not Conversation.objects.get(contact__external_id="5").labels.exists()


def test_targets_tighten_while_in_crisis_and_relax_after(flood, channel_a, manager):
    with at(2026, 11, 18, 9, 5):
        ingest(channel_a, dm(london(2026, 11, 18, 9, 5)))
        evaluation_run()
    assert ConversationTarget.objects.get().due_at == london(2026, 11, 18, 9, 15)
    with at(2026, 11, 18, 9, 6):
        crisis_update(crisis=flood, actor=manager, target_minutes=5)
        evaluation_run()
    assert ConversationTarget.objects.get().due_at == london(2026, 11, 18, 9, 10)
    with at(2026, 11, 18, 9, 7):
        crisis_end(crisis=flood, actor=manager)
        evaluation_run()
    assert ConversationTarget.objects.get().due_at == london(2026, 11, 18, 9, 35)
    assert list(
        Event.objects.filter(type__startswith="crisis.").values_list("type", flat=True)
    ) == ["crisis.started", "crisis.updated", "crisis.ended"]
    assert Event.objects.get(type="crisis.updated").data["changed"] == ["target_minutes"]
    assert not CannedResponse.objects.filter(title__startswith="Holding statement").exists()
    assert CrisisMode.objects.get().holding_statement.startswith("We know")


def test_out_of_hours_replies_use_the_crisis_text(flood, channel_a, office_hours):
    with at(2026, 11, 18, 22, 0):
        ingest(channel_a, dm(london(2026, 11, 18, 22, 0)))
        evaluation_run()
    reply = Message.objects.get(is_automated=True)
    assert reply.text == "Flood line: call 0800 000 000. We are back 8am tomorrow."
    assert Event.objects.get(type="autoreply.sent").data["crisis"] is True


def test_flags_show_crisis_mode(flood, channel_a):
    with at(2026, 11, 18, 9, 5):
        ingest(channel_a, dm(london(2026, 11, 18, 9, 5)))
    conv = Conversation.objects.get()
    assert conversation_flags([conv])[conv.pk].in_crisis


def test_only_managers_covering_every_channel_may_start(channel_a, channel_b, officer, manager):
    with pytest.raises(PermissionDenied):
        crisis_start(actor=officer, channels=[channel_a], title="x", holding_statement="y")
    with pytest.raises(PermissionDenied):
        crisis_start(
            actor=manager, channels=[channel_a, channel_b], title="x", holding_statement="y"
        )


def test_a_channel_can_be_in_one_crisis_at_a_time_and_input_is_checked(
    flood, channel_a, manager, team_b
):
    with pytest.raises(ValidationError, match="Already in crisis mode"):
        crisis_start(actor=manager, channels=[channel_a], title="Again", holding_statement="y")
    crisis_end(crisis=flood, actor=manager)
    with pytest.raises(ValidationError, match="does not cover"):
        crisis_start(
            actor=manager,
            channels=[channel_a],
            title="Roads",
            holding_statement="y",
            crisis_team=team_b,
        )
    with pytest.raises(ValidationError, match="placeholder"):
        crisis_start(
            actor=manager,
            channels=[channel_a],
            title="T",
            holding_statement="y",
            auto_reply_text="Back {when}",
        )
    assert CrisisMode.objects.count() == 1


def test_a_manager_routes_a_crisis_only_to_a_team_they_manage(channel_a, manager, team_a):
    """Per-team roles: team B covers channel A too, but the manager of team A
    is no manager of team B, so cannot hand the crisis's work to it."""
    from accounts.models import Team

    other = Team.objects.create(name="Roads", slug="roads")
    channel_a.teams.add(other)
    with pytest.raises(PermissionDenied, match="do not manage"):
        crisis_start(
            actor=manager,
            channels=[channel_a],
            title="Roads",
            holding_statement="y",
            crisis_team=other,
        )
    crisis = crisis_start(actor=manager, channels=[channel_a], title="Roads", holding_statement="y")
    with pytest.raises(PermissionDenied, match="do not manage"):
        crisis_update(crisis=crisis, actor=manager, crisis_team=other)
    crisis_update(crisis=crisis, actor=manager, crisis_team=team_a)
    crisis.refresh_from_db()
    assert crisis.crisis_team == team_a
