"""The composer's side of replying: canned responses, private replies and
the collision check, around ``outbound.reply_create`` (which owns queuing and
exactly-once delivery)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import access
from accounts.models import User
from inbox.models import CannedResponse, Conversation, ConversationKind, Message, Network
from inbox.services import outbound
from inbox.services.presence import replies_since
from inbox.services.reply_media import reply_image_prepare

PLACEHOLDER = re.compile(r"\{(first_name|officer|channel)\}")


def canned_render(*, canned: CannedResponse, conversation: Conversation, officer: User) -> str:
    """Fill the three documented placeholders. A plain substitution, never
    str.format: a template like "{officer.__class__}" must stay inert text."""
    values = {
        "first_name": conversation.contact.first_name or "there",
        "officer": officer.display_name or officer.get_short_name() or officer.username,
        "channel": conversation.channel.name,
    }
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], canned.text)


def can_reply_privately(conversation: Conversation) -> bool:
    """Whether the network lets us answer this thread with a private message.
    X allows a DM to anyone who accepts them. Facebook allows one "private
    reply" in Messenger per public comment, within 7 days of it (checked
    exactly, comment by comment, when the reply is queued)."""
    if conversation.kind == ConversationKind.PRIVATE:
        return True
    network = conversation.channel.network
    if network == Network.X:
        return True
    return (
        network in outbound.PRIVATE_REPLY_NETWORKS
        and conversation.kind == ConversationKind.COMMENT
        and conversation.last_inbound_at is not None
        and timezone.now() - conversation.last_inbound_at < outbound.PRIVATE_REPLY_WINDOW
    )


def _is_facebook_comment(conversation: Conversation) -> bool:
    return (
        conversation.channel.network in outbound.PRIVATE_REPLY_NETWORKS
        and conversation.kind == ConversationKind.COMMENT
    )


def _private_thread_for(conversation: Conversation) -> Conversation:
    """The DM conversation with the same citizen on the same channel, created
    if needed. The thread key is X's one-to-one dm_conversation_id (the two
    account ids in numeric order), so DMs fetched later land in it too."""
    if conversation.kind == ConversationKind.PRIVATE:
        return conversation
    if conversation.channel.network != Network.X:
        raise ValidationError("Private replies are not available on this network.")
    ids = sorted(
        [conversation.channel.external_account_id, conversation.contact.external_id],
        key=lambda v: (len(v), v),
    )
    private, _ = Conversation.objects.get_or_create(
        channel=conversation.channel,
        thread_key=f"dm:{ids[0]}-{ids[1]}",
        defaults={
            "contact": conversation.contact,
            "kind": ConversationKind.PRIVATE,
            "last_message_at": timezone.now(),
            "assignee": conversation.assignee,
            "team": conversation.team,
        },
    )
    return private


@dataclass
class ReplyOutcome:
    message: Message | None
    # Replies colleagues made after the officer opened the conversation; when
    # not empty and not confirmed, nothing was queued.
    collisions: list[Message] = field(default_factory=list)


def reply_send(
    *,
    conversation: Conversation,
    actor: User,
    text: str,
    idempotency_key: str | None,
    seen_outbound_id: int,
    confirmed: bool = False,
    private: bool = False,
    image_data: bytes | None = None,
    image_alt: str = "",
) -> ReplyOutcome:
    """Queue a reply unless a colleague replied since the officer opened the
    conversation and they have not confirmed. The check and the queuing run
    under a lock on the conversation row, so of two officers pressing Send at
    once, the second is always shown the first one's reply. ``image_data``
    (with its ``image_alt``) is checked and re-encoded first, outside the lock."""
    access.ensure_can_act(actor, conversation)
    image = None
    if image_data is not None:
        image = reply_image_prepare(
            conversation=conversation, data=image_data, alt_text=image_alt, private=private
        )
    with transaction.atomic():
        Conversation.objects.select_for_update().filter(pk=conversation.pk).first()
        if not confirmed:
            collisions = list(
                replies_since(conversation=conversation, actor=actor, after_id=seen_outbound_id)
            )
            if collisions:
                return ReplyOutcome(message=None, collisions=collisions)
        if private and _is_facebook_comment(conversation):
            message = outbound.private_reply_create(
                conversation=conversation, actor=actor, text=text, idempotency_key=idempotency_key
            )
        else:
            target = _private_thread_for(conversation) if private else conversation
            message = outbound.reply_create(
                conversation=target,
                actor=actor,
                text=text,
                idempotency_key=idempotency_key,
                image=image,
            )
    return ReplyOutcome(message=message)
