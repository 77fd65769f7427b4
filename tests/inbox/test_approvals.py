"""The two-person rule for replies."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import ReplyApprovalRule
from events.models import Event
from inbox.models import Conversation, DeliveryState, Notification
from inbox.services import approvals, outbound, polling


@pytest.fixture
def held_reply(sandbox, x_channel, officer, django_capture_on_commit_callbacks):
    ReplyApprovalRule.objects.create(user=officer)
    sandbox.inject(kind="mention", account_id="999", text="@council_help why is the road shut?")
    polling.channel_poll(channel_id=x_channel.pk)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        message = outbound.reply_create(
            conversation=Conversation.objects.get(),
            actor=officer,
            text="Gas main repair until Friday.",
        )
    assert queued == []  # nothing handed to the sender
    return message


@pytest.mark.django_db
def test_a_reply_needing_approval_waits_and_does_not_reach_the_network(sandbox, held_reply):
    assert held_reply.state == DeliveryState.AWAITING_APPROVAL
    assert (
        outbound.message_deliver(message_id=held_reply.pk).state == DeliveryState.AWAITING_APPROVAL
    )
    assert sandbox.outbox(kind="tweet") == []
    assert Event.objects.filter(type="message.approval_requested", message=held_reply).count() == 1


@pytest.mark.django_db
def test_approved_reply_goes_out_exactly_once(
    sandbox, held_reply, manager, officer, django_capture_on_commit_callbacks
):
    assert list(approvals.awaiting_approval_for(user=manager)) == [held_reply]
    assert list(approvals.awaiting_approval_for(user=officer)) == []  # not their own
    with django_capture_on_commit_callbacks(execute=False) as queued:
        approvals.reply_approve(
            message=held_reply, approver=manager, text="Gas main repair until Friday 6pm."
        )
    assert len(queued) == 1
    outbound.message_deliver(message_id=held_reply.pk)
    outbound.message_deliver(message_id=held_reply.pk)
    [post] = sandbox.outbox(kind="tweet")
    assert post["text"] == "Gas main repair until Friday 6pm."
    with pytest.raises(ValidationError):
        approvals.reply_approve(message=held_reply, approver=manager)  # decided already
    approved = Event.objects.get(type="message.approved")
    assert approved.actor == manager and approved.data["edited"] is True
    assert Notification.objects.filter(user=officer, text__contains="approved").count() == 1


@pytest.mark.django_db
def test_nobody_approves_their_own_reply(held_reply, officer, manager):
    officer.memberships.update(role="manager")  # even an approver
    officer.can_approve_replies = True
    with pytest.raises(PermissionDenied, match="your own"):
        approvals.reply_approve(message=held_reply, approver=officer)
    held_reply.refresh_from_db()
    assert held_reply.state == DeliveryState.AWAITING_APPROVAL


@pytest.mark.django_db
def test_officers_and_other_teams_cannot_approve(held_reply, teammate, other_officer):
    for person in (teammate, other_officer):
        with pytest.raises(PermissionDenied):
            approvals.reply_approve(message=held_reply, approver=person)


@pytest.mark.django_db
def test_a_rejected_reply_never_reaches_the_network(sandbox, held_reply, manager, officer):
    with pytest.raises(ValidationError):
        approvals.reply_reject(message=held_reply, approver=manager, comment=" ")
    approvals.reply_reject(
        message=held_reply, approver=manager, comment="Don't promise a date yet."
    )
    assert outbound.message_deliver(message_id=held_reply.pk).state == DeliveryState.REJECTED
    assert sandbox.outbox(kind="tweet") == []
    assert Notification.objects.filter(user=officer, text__contains="Don't promise").count() == 1


@pytest.mark.django_db
def test_team_and_channel_rules_apply(
    x_channel, team_a, teammate, sandbox, django_capture_on_commit_callbacks
):
    sandbox.inject(kind="mention", account_id="999")
    polling.channel_poll(channel_id=x_channel.pk)
    conversation = Conversation.objects.get()
    assert not approvals.reply_needs_approval(author=teammate, conversation=conversation)
    rule = ReplyApprovalRule.objects.create(team=team_a)
    assert approvals.reply_needs_approval(author=teammate, conversation=conversation)
    rule.delete()
    ReplyApprovalRule.objects.create(channel=x_channel)
    assert approvals.reply_needs_approval(author=teammate, conversation=conversation)


@pytest.mark.django_db
def test_approver_sees_and_uses_the_buttons_and_self_approval_is_refused_in_page_and_api(
    client, sandbox, held_reply, manager, officer, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    conversation = held_reply.conversation
    client.force_login(officer)
    page = client.get(reverse("inbox:conversation", args=[conversation.pk])).content.decode()
    assert "Awaiting approval" in page and "Approve and send" not in page
    response = client.post(
        reverse("inbox:approve", args=[conversation.pk, held_reply.pk]), follow=True
    )
    assert "cannot approve your own reply" in response.content.decode()
    api = client.post(
        f"/api/messages/{held_reply.pk}/approve/", {}, content_type="application/json"
    )
    assert api.status_code == 403
    held_reply.refresh_from_db()
    assert held_reply.state == DeliveryState.AWAITING_APPROVAL

    client.force_login(manager)
    page = client.get(reverse("inbox:conversation", args=[conversation.pk])).content.decode()
    assert "Approve and send" in page
    with django_capture_on_commit_callbacks(execute=False):
        api = client.post(
            f"/api/messages/{held_reply.pk}/approve/", {}, content_type="application/json"
        )
    assert api.status_code == 200
    outbound.message_deliver(message_id=held_reply.pk)
    assert len(sandbox.outbox(kind="tweet")) == 1


@pytest.mark.django_db
def test_the_awaiting_approval_view_lists_held_conversations(client, held_reply, manager):
    from django.urls import reverse

    client.force_login(manager)
    response = client.get(reverse("inbox:list"), {"view": "approval"})
    assert str(held_reply.conversation.contact.handle) in response.content.decode()
