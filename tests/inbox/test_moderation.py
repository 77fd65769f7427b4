"""Hiding with a house rule and muting on X, through the services: each logs
an event with its reason, each is refused for another team's conversation,
and mute and unmute reach the sandbox X network through tweepy, each once."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from events.models import Event
from inbox.models import ActionKind, Conversation, DeliveryState, HouseRule, NetworkAction
from inbox.moderation_selectors import contact_mute_state
from inbox.networks.x import XClient
from inbox.services import moderation, outbound, polling
from tests.factories import ChannelFactory
from tests.inbox.ui_data import citizen, conversation_with


@pytest.fixture
def rule(manager):
    return moderation.house_rule_create(
        actor=manager, title="No abuse", text="We hide comments that abuse staff or others."
    )


@pytest.fixture
def conv_a(channel_a):
    return conversation_with(channel_a, author=citizen(1, name="Jo Resident"))


# --- house rules ---------------------------------------------------------------------


@pytest.mark.django_db
def test_managers_keep_the_house_rules_and_each_change_is_logged(manager, admin_user):
    rule = moderation.house_rule_create(actor=manager, title="  No  spam ", text="No adverts.")
    assert rule.title == "No spam"
    moderation.house_rule_update(rule=rule, actor=admin_user, title="No spam", text="No ads.")
    moderation.house_rule_remove(rule=rule, actor=manager)
    assert not HouseRule.objects.exists()
    assert list(
        Event.objects.filter(type__startswith="house_rule.").values_list("type", flat=True)
    ) == ["house_rule.added", "house_rule.changed", "house_rule.removed"]
    changed = Event.objects.get(type="house_rule.changed")
    assert changed.data["before"]["text"] == "No adverts." and changed.data["text"] == "No ads."


@pytest.mark.django_db
def test_officers_cannot_change_the_house_rules(officer, rule):
    with pytest.raises(PermissionDenied):
        moderation.house_rule_create(actor=officer, title="Mine", text="x")
    with pytest.raises(PermissionDenied):
        moderation.house_rule_update(rule=rule, actor=officer, title="Changed", text="x")
    with pytest.raises(PermissionDenied):
        moderation.house_rule_remove(rule=rule, actor=officer)
    assert HouseRule.objects.get().title == "No abuse"


@pytest.mark.django_db
def test_two_rules_cannot_share_a_title(manager, rule):
    with pytest.raises(ValidationError, match="already a rule"):
        moderation.house_rule_create(actor=manager, title="No abuse", text="Again")


# --- hide ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_hide_names_its_rule_in_the_action_and_the_event(officer, conv_a, rule):
    message = conv_a.messages.get()
    action = moderation.message_hide(message=message, actor=officer, rule=rule, note="at staff")
    assert (action.kind, action.target_external_id) == (ActionKind.HIDE, message.external_id)
    assert action.reason == "No abuse: at staff"
    event = Event.objects.get(type="action.hide_queued")
    assert event.actor == officer and event.conversation_id == conv_a.pk
    assert event.data["rule_id"] == rule.pk and event.data["rule"] == "No abuse"
    assert event.data["note"] == "at staff" and event.data["message_id"] == message.pk


@pytest.mark.django_db
def test_other_needs_a_note(officer, conv_a):
    message = conv_a.messages.get()
    with pytest.raises(ValidationError, match="Other"):
        moderation.message_hide(message=message, actor=officer, rule=None, note="  ")
    assert not NetworkAction.objects.exists()
    action = moderation.message_hide(message=message, actor=officer, rule=None, note="Doxxing")
    assert action.reason == "Other: Doxxing"
    assert Event.objects.get(type="action.hide_queued").data["rule"] == "other"


@pytest.mark.django_db
def test_another_teams_officer_cannot_hide(other_officer, conv_a, rule):
    with pytest.raises(PermissionDenied):
        moderation.message_hide(
            message=conv_a.messages.get(), actor=other_officer, rule=rule, note=""
        )
    assert not NetworkAction.objects.exists()
    assert not Event.objects.filter(type__startswith="action.").exists()


@pytest.mark.django_db
def test_the_reason_reaches_the_hidden_event_after_the_network_hides_it(
    sandbox, x_channel, officer, rule, django_capture_on_commit_callbacks
):
    # X lets an account hide replies only in conversations it started.
    x = XClient(account_id="999", credentials=x_channel.get_credentials())
    own = x.client.create_tweet(text="Parking consultation is open.")
    sandbox.inject(
        kind="reply",
        account_id="999",
        author={"id": "4", "username": "a"},
        in_reply_to_tweet_id=own["data"]["id"],
        text="@council_help you are all useless idiots",
    )
    polling.channel_poll(channel_id=x_channel.pk)
    reply = Conversation.objects.get().messages.get(kind="reply")
    with django_capture_on_commit_callbacks(execute=False):
        action = moderation.message_hide(message=reply, actor=officer, rule=rule)
    assert outbound.action_perform(action_id=action.pk).state == DeliveryState.SENT
    assert [o["target"] for o in sandbox.outbox(kind="hide")] == [reply.external_id]
    assert Event.objects.get(type="message.hidden").data["reason"] == "No abuse"


# --- mute and unmute -------------------------------------------------------------------


@pytest.mark.django_db
def test_mute_unmute_and_mute_again_each_reach_x_once(
    sandbox, x_channel, officer, teammate, django_capture_on_commit_callbacks
):
    sandbox.inject(kind="mention", account_id="999", author={"id": "333", "username": "pat"})
    polling.channel_poll(channel_id=x_channel.pk)
    conversation = Conversation.objects.get()
    steps = [
        (moderation.contact_mute, officer),
        (moderation.contact_unmute, teammate),
        (moderation.contact_mute, officer),
    ]
    for service, actor in steps:
        with django_capture_on_commit_callbacks(execute=False):
            action = service(conversation=conversation, actor=actor)
        assert outbound.action_perform(action_id=action.pk).state == DeliveryState.SENT
        # A retried task changes nothing.
        assert outbound.action_perform(action_id=action.pk).state == DeliveryState.SENT
    assert [(o["kind"], o.get("target")) for o in sandbox.outbox()] == [
        ("mute", "333"),
        ("unmute", "333"),
        ("mute", "333"),
    ]
    assert list(
        Event.objects.filter(type__in=["contact.muted", "contact.unmuted"]).values_list(
            "type", flat=True
        )
    ) == ["contact.muted", "contact.unmuted", "contact.muted"]
    assert list(NetworkAction.objects.order_by("pk").values_list("kind", "round")) == [
        ("mute", 0),
        ("unmute", 0),
        ("mute", 1),
    ]
    current = contact_mute_state(conversation=conversation)
    assert current is not None and current.kind == ActionKind.MUTE


@pytest.mark.django_db
def test_muting_twice_or_unmuting_the_unmuted_is_refused(officer, conv_a):
    with pytest.raises(ValidationError, match="not muted"):
        moderation.contact_unmute(conversation=conv_a, actor=officer)
    moderation.contact_mute(conversation=conv_a, actor=officer)
    with pytest.raises(ValidationError, match="already muted"):
        moderation.contact_mute(conversation=conv_a, actor=officer)
    assert NetworkAction.objects.count() == 1
    assert Event.objects.filter(type="action.mute_queued").count() == 1


@pytest.mark.django_db
def test_a_failed_mute_does_not_count_as_muted(officer, conv_a):
    action = moderation.contact_mute(conversation=conv_a, actor=officer)
    NetworkAction.objects.filter(pk=action.pk).update(state=DeliveryState.FAILED)
    again = moderation.contact_mute(conversation=conv_a, actor=officer)
    assert again.pk != action.pk and again.round == 1


@pytest.mark.django_db
def test_facebook_has_no_mute(officer, team_a):
    page = ChannelFactory(network="facebook", name="Page", handle="Page", covered_by=[team_a])
    conversation = conversation_with(page)
    with pytest.raises(ValidationError, match="Only X"):
        moderation.contact_mute(conversation=conversation, actor=officer)
    assert not NetworkAction.objects.exists()


@pytest.mark.django_db
def test_another_teams_officer_cannot_mute_or_unmute(officer, other_officer, conv_a):
    with pytest.raises(PermissionDenied):
        moderation.contact_mute(conversation=conv_a, actor=other_officer)
    moderation.contact_mute(conversation=conv_a, actor=officer)
    with pytest.raises(PermissionDenied):
        moderation.contact_unmute(conversation=conv_a, actor=other_officer)
    assert NetworkAction.objects.count() == 1
