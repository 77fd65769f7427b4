"""Deleting a comment (issue 20 point 1: "hide and delete comment"): a
manager's decision with a reason, on Facebook and Instagram only, done on the
network exactly once through the real facebook-sdk client against the
sandbox, shown on the message, logged, and in the API too."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from events.models import Event
from inbox.models import ActionKind, Conversation, DeliveryState, Message, NetworkAction
from inbox.services import moderation, outbound, polling
from tests.inbox.facebook_support import SAM, fb_channel_fixture, fb_inject  # noqa: F401
from tests.inbox.instagram_support import SAM as IG_SAM
from tests.inbox.instagram_support import ig_channel_fixture, ig_inject  # noqa: F401
from tests.inbox.ui_data import citizen, conversation_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def rule(manager):
    return moderation.house_rule_create(
        actor=manager, title="Personal data", text="We remove posts that share someone's address."
    )


@pytest.fixture
def fb_comment(sandbox, fb_channel):
    [raw] = fb_inject(sandbox, kind="comment", author=SAM, text="She lives at 4 Elm Road")
    polling.channel_poll(channel_id=fb_channel.pk)
    return raw, Message.objects.get(external_id=raw["id"])


def _perform(action: NetworkAction) -> str:
    return outbound.action_perform(action_id=action.pk).state


def test_a_manager_deletes_a_facebook_comment_once_with_its_reason(
    sandbox, fb_comment, manager, rule, django_capture_on_commit_callbacks
):
    raw, message = fb_comment
    with django_capture_on_commit_callbacks(execute=False):
        action = moderation.message_delete(message=message, actor=manager, rule=rule, note="")
        again = moderation.message_delete(message=message, actor=manager, rule=rule, note="")
    assert again.pk == action.pk and action.kind == ActionKind.DELETE
    assert action.reason == "Personal data"
    assert _perform(action) == DeliveryState.SENT
    assert Event.objects.filter(type="message.deleted").count() == 1

    # The worker died after Graph deleted it but before it wrote SENT: the
    # lease runs out and the row is claimed again. Graph now says 100/33 (no
    # such object), which is "done": no error, no second delete.
    NetworkAction.objects.filter(pk=action.pk).update(
        state=DeliveryState.SENDING, send_lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert _perform(action) == DeliveryState.SENT
    [deleted] = sandbox.outbox(network="fb", kind="delete")
    assert deleted["target"] == raw["id"]
    queued = Event.objects.get(type="action.delete_queued")
    assert queued.actor == manager and queued.data["rule"] == "Personal data"
    assert queued.data["message_id"] == message.pk
    # SocialDesk keeps the text for the record.
    assert Message.objects.get(pk=message.pk).text == "She lives at 4 Elm Road"


def test_officers_cannot_delete_and_nothing_is_queued(fb_comment, officer, rule):
    _, message = fb_comment
    with pytest.raises(PermissionDenied, match="Only a manager"):
        moderation.message_delete(message=message, actor=officer, rule=rule)
    assert not NetworkAction.objects.exists()
    assert not Event.objects.filter(type="action.delete_queued").exists()


def test_a_delete_needs_a_reason_and_a_comment_on_a_network_that_allows_it(
    fb_comment, manager, channel_a
):
    _, message = fb_comment
    with pytest.raises(ValidationError, match="say why you are deleting it"):
        moderation.message_delete(message=message, actor=manager, rule=None, note="  ")
    x_reply = conversation_with(channel_a, author=citizen(5)).messages.get()
    with pytest.raises(ValidationError, match="Hide it instead"):
        moderation.message_delete(message=x_reply, actor=manager, rule=None, note="address")
    assert not NetworkAction.objects.exists()


def test_a_manager_of_another_team_cannot_delete(fb_comment, team_b, rule):
    from tests.factories import MembershipFactory, UserFactory

    elsewhere = UserFactory(username="mo-manager-b")
    MembershipFactory(user=elsewhere, team=team_b, role="manager")
    _, message = fb_comment
    with pytest.raises(PermissionDenied):
        moderation.message_delete(message=message, actor=elsewhere, rule=rule)
    assert not NetworkAction.objects.exists()


def test_the_pane_offers_delete_to_managers_only_and_then_says_deleted(
    client, sandbox, fb_comment, manager, officer, rule, django_capture_on_commit_callbacks
):
    _, message = fb_comment
    conversation = message.conversation
    page = reverse("inbox:conversation", args=[conversation.pk])
    client.force_login(officer)
    assert 'class="delete-message"' not in client.get(page).content.decode()
    officer_post = client.post(
        reverse("inbox:delete", args=[conversation.pk, message.pk]), {"rule": str(rule.pk)}
    )
    assert officer_post.status_code == 403 and not NetworkAction.objects.exists()

    client.force_login(manager)
    html = client.get(page).content.decode()
    assert 'class="delete-message"' in html and "Deleting cannot be undone" in html
    refused = client.post(
        reverse("inbox:delete", args=[conversation.pk, message.pk]),
        {"rule": "other", "note": ""},
        HTTP_HX_REQUEST="true",
    )
    assert "say why you are deleting it" in refused.content.decode()
    # The refused form stays open, the other one stays shut.
    assert '<details class="delete-message" open>' in refused.content.decode()
    assert '<details class="hide-message">' in refused.content.decode()
    assert not NetworkAction.objects.exists()
    with django_capture_on_commit_callbacks(execute=False):
        done = client.post(
            reverse("inbox:delete", args=[conversation.pk, message.pk]),
            {"rule": "other", "note": "Shares <b>an address</b>"},
            HTTP_HX_REQUEST="true",
        )
    assert "Delete queued" in done.content.decode()
    assert _perform(NetworkAction.objects.get()) == DeliveryState.SENT
    html = client.get(page).content.decode()
    assert "Deleted on Facebook" in html and 'class="delete-message"' not in html
    assert "Other: Shares &lt;b&gt;an address&lt;/b&gt;" in html  # the reason, escaped


def test_instagram_delete_through_the_api(
    client, sandbox, ig_channel, manager, officer, django_capture_on_commit_callbacks
):
    [raw] = ig_inject(sandbox, kind="comment", author=IG_SAM, text="Buy followers here")
    polling.channel_poll(channel_id=ig_channel.pk)
    message = Message.objects.get(external_id=raw["id"])
    url = reverse("api:message_delete", args=[message.pk])

    client.force_login(officer)
    assert client.post(url, {"note": "spam"}, content_type="application/json").status_code == 403
    client.force_login(manager)
    bad = client.post(url, {"note": ""}, content_type="application/json")
    assert bad.status_code == 400 and not NetworkAction.objects.exists()
    with django_capture_on_commit_callbacks(execute=False):
        queued = client.post(url, {"note": "spam"}, content_type="application/json")
    assert queued.status_code == 202 and queued.json()["reason"] == "Other: spam"
    assert _perform(NetworkAction.objects.get()) == DeliveryState.SENT
    [deleted] = sandbox.outbox(network="ig", kind="delete")
    assert deleted["target"] == raw["id"]
    assert Conversation.objects.get().channel_id == ig_channel.pk
