"""Reply approval: the two-person rule.

A reply from someone who needs approval is stored ``awaiting_approval`` and
not sent. An approver (a manager of a team covering the channel, an admin,
or someone a team named an approver) who covers the channel approves it (optionally edited) or rejects it with a comment;
nobody approves their own reply. Only an approved reply is handed to the
outbound service, once: the state change is a conditional update.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts import access
from accounts.models import Membership, ReplyApprovalRule, User
from events.services import event_record
from inbox.approval_matching import Replier, rule_applies
from inbox.models import Channel, Conversation, DeliveryState, Message, Notification
from inbox.services.task_names import DELIVER_TASK
from inbox.text_rules import length_problem
from socialdesk.tasking import task_enqueue_on_commit


def replier_load(*, user: User) -> Replier:
    memberships = {m.team_id: m for m in Membership.objects.filter(user_id=user.pk)}
    return Replier(user_id=user.pk, joined_at=user.date_joined, memberships=memberships)


def reply_needs_approval(*, author: User, conversation: Conversation) -> bool:
    """Whether this person's reply on this conversation waits for approval:
    a matching rule, or the channel in crisis mode."""
    channel_id = conversation.channel_id
    rules = list(
        ReplyApprovalRule.objects.filter(Q(channel_id=channel_id) | Q(channel__isnull=True))
        .filter(Q(user__isnull=True) | Q(user_id=author.pk))
        .order_by()
    )
    if rules:
        covering = list(
            Channel.teams.through.objects.filter(channel_id=channel_id).values_list(
                "team_id", flat=True
            )
        )
        replier = replier_load(user=author)
        now = timezone.now()
        if any(
            rule_applies(
                rule, replier=replier, channel_id=channel_id, covering_team_ids=covering, now=now
            )
            for rule in rules
        ):
            return True
    from escalation.selectors import crisis_for_channels

    return conversation.channel_id in crisis_for_channels(channel_ids=[conversation.channel_id])


def approver_channel_ids(*, user: User):
    """The channels on which this person may approve held replies, as a
    subquery: those they manage, and those of teams that named them an
    approver. None means every channel they see (an admin, or someone an
    admin made an approver everywhere)."""
    if user.can_approve_replies or access.is_admin(user):
        return None
    approver_teams = Membership.objects.filter(user_id=user.pk, can_approve_replies=True).values(
        "team_id"
    )
    return Channel.objects.filter(
        Q(pk__in=access.channels_managed_by(user).values("pk")) | Q(teams__in=approver_teams)
    ).values("pk")


def can_approve(*, user: User, message: Message) -> bool:
    """A manager of the conversation's team (or an admin), or an approver who
    may act on it; never the reply's author."""
    if user.pk == message.author_user_id:
        return False
    if not access.can_act_on(user, message.conversation):
        return False
    channels = approver_channel_ids(user=user)
    return channels is None or channels.filter(pk=message.conversation.channel_id).exists()


def _decide(*, message: Message, approver: User) -> Message:
    if approver.pk == message.author_user_id:
        raise PermissionDenied("You cannot approve your own reply: ask a colleague.")
    if not can_approve(user=approver, message=message):
        raise PermissionDenied("You are not an approver for this channel.")
    locked = (
        Message.objects.select_for_update()
        .select_related("conversation__channel")
        .get(pk=message.pk)
    )
    if locked.state != DeliveryState.AWAITING_APPROVAL:
        raise ValidationError("This reply has already been decided.")
    return locked


def reply_approve(
    *, message: Message, approver: User, text: str | None = None, comment: str = ""
) -> Message:
    """Approve (and optionally edit) a held reply; it is queued to send once."""
    with transaction.atomic():
        locked = _decide(message=message, approver=approver)
        edited = text is not None and text.strip() != locked.text
        if edited and text is not None:
            text = text.strip()
            problem = length_problem(
                locked.channel.network,
                locked.conversation.kind,
                text,
                server_limit=locked.channel.post_max_characters,
            )
            if problem or not text:
                raise ValidationError(problem or "A reply cannot be empty.")
            locked.text = text
        locked.state = DeliveryState.QUEUED
        locked.approved_by = approver
        locked.approval_comment = comment
        locked.save(update_fields=["text", "state", "approved_by", "approval_comment"])
        event_record(
            type="message.approved",
            actor=approver,
            conversation=locked.conversation,
            message=locked,
            data={
                "target": f"message:{locked.pk}",
                "edited": edited,
                "comment": comment,
                "author": locked.author_user_id,
            },
        )
        _notify_author(
            locked, f"{approver} approved your reply" + (" with edits" if edited else "")
        )
        task_enqueue_on_commit(DELIVER_TASK, locked.pk)
    return locked


def reply_reject(*, message: Message, approver: User, comment: str) -> Message:
    if not comment.strip():
        raise ValidationError("Say why the reply is rejected, so its author can improve it.")
    with transaction.atomic():
        locked = _decide(message=message, approver=approver)
        locked.state = DeliveryState.REJECTED
        locked.approved_by = approver
        locked.approval_comment = comment.strip()
        locked.save(update_fields=["state", "approved_by", "approval_comment"])
        event_record(
            type="message.rejected",
            actor=approver,
            conversation=locked.conversation,
            message=locked,
            data={
                "target": f"message:{locked.pk}",
                "comment": comment.strip(),
                "author": locked.author_user_id,
            },
        )
        _notify_author(locked, f"{approver} rejected your reply: {comment.strip()[:200]}")
    return locked


def _notify_author(message: Message, text: str) -> None:
    if message.author_user_id:
        Notification.objects.create(
            user_id=message.author_user_id,
            text=text,
            url=f"/inbox/c/{message.conversation_id}/",
            dedupe_key=f"approval:{message.pk}:{message.state}",
        )


def awaiting_approval_for(*, user: User):
    """Held replies this person may decide (never their own)."""
    visible = access.conversations_actionable_by(user).values("pk")
    qs = Message.objects.filter(state=DeliveryState.AWAITING_APPROVAL, conversation__in=visible)
    channels = approver_channel_ids(user=user)
    if channels is not None:
        qs = qs.filter(conversation__channel__in=channels)
    return qs.exclude(author_user=user).select_related(
        "conversation__contact", "channel", "author_user"
    )
