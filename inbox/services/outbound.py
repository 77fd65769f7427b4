"""Replies, DMs, likes, hides, mutes and unmutes -> the network, exactly once.

The rule (STYLE.md): write the row first (``queued``, idempotency key), send
after commit, claim ``queued -> sending`` with a conditional update, call the
network, mark ``sent`` with the network's id. A row marked sent is never sent
again. A send whose outcome is unknown (timeout or 5xx after the request left,
a worker killed mid-call) stays ``sending``; whoever claims it next first asks
the network whether it already went out (``find_sent``) before posting.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts import access
from accounts.models import User
from events.services import event_record
from inbox.models import (
    ActionKind,
    Channel,
    Conversation,
    ConversationKind,
    DeliveryState,
    Direction,
    MediaKind,
    Message,
    MessageMedia,
    Network,
    NetworkAction,
)
from inbox.networks import client_for
from inbox.networks.base import (
    DuplicateContent,
    NetworkError,
    OutboundImage,
    PermanentError,
    RateLimited,
    SendResult,
    UnknownOutcome,
    Unverifiable,
)
from inbox.services import approvals, cycle
from inbox.services.pictures_apart import pictures_send_apart
from inbox.services.task_names import ACTION_TASK, DELIVER_TASK
from inbox.text_rules import length_problem
from socialdesk.tasking import task_enqueue_on_commit

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
PRIVATE_REPLY = "private_reply"  # Message.kind of a Messenger reply to a public comment
# Facebook accepts a private reply to a comment only within 7 days of it.
PRIVATE_REPLY_WINDOW = timedelta(days=7)
# The two kinds of outbound row delivered exactly once by the same claim.
_Row = TypeVar("_Row", Message, NetworkAction)
MESSENGER_WINDOW = timedelta(hours=24)


# Reconciliation reads the network back to this long before the message was
# queued: the network's clock and ours may differ a little.
RECONCILE_CLOCK_SKEW = timedelta(minutes=5)
# A 429 that does not say when it ends (X's rate_limit_no_reset, Graph's 613).
RATE_LIMIT_FALLBACK_WAIT = timedelta(seconds=60)


def _lease() -> timedelta:
    # Longer than one network call can take, so a live sender is never overtaken.
    return timedelta(seconds=getattr(settings, "OUTBOUND_SEND_LEASE_SECONDS", 90))


def _settle() -> timedelta:
    return timedelta(seconds=getattr(settings, "OUTBOUND_UNKNOWN_SETTLE_SECONDS", 60))


def _sweep_grace() -> timedelta:
    # How long past due a queued row may wait before its task counts as lost:
    # longer than a busy worker's queue takes to reach it.
    return timedelta(seconds=getattr(settings, "OUTBOUND_SWEEP_GRACE_SECONDS", 60))


@dataclass(frozen=True)
class Delivery:
    """What the task should do next: nothing (done/failed/busy) or retry at a time."""

    state: str
    retry_at: datetime | None = None


# --- creating ------------------------------------------------------------------------


class IdempotencyKeyConflict(ValidationError):
    """The key names a message another person queued, or one in another place."""


def _earlier_with_key(*, key: str, author_id: int | None, same_place) -> Message | None:
    """The message this key already queued, if it is the same author's in the
    same place; keys are unique across all messages, so a key seen from
    another author or conversation must never hand back their message."""
    existing = Message.objects.filter(idempotency_key=key).first()
    if existing is None:
        return None
    if existing.author_user_id != author_id or not same_place(existing):
        raise IdempotencyKeyConflict(
            "This idempotency key was already used for a different reply. "
            "Send again with a new key."
        )
    return existing


def reply_create(
    *,
    conversation: Conversation,
    actor: User | None,
    text: str,
    idempotency_key: str | None = None,
    automated: bool = False,
    image: OutboundImage | None = None,
) -> Message:
    """Queue a reply in the conversation's own place: a public reply to the
    latest inbound post, or a private message in a DM thread. A repeated
    ``idempotency_key`` (a double-clicked form) returns the first message.
    An automated reply has no author (``actor`` None); every other has one.
    ``image`` (from reply_media.reply_image_prepare) is stored with the
    message, in the same transaction, and sent with it."""
    person = None if automated else actor
    if not automated:
        if person is None:
            raise ValidationError("A reply needs the person who wrote it.")
        access.ensure_can_act(person, conversation)
    text = text.strip()
    if not text:
        raise ValidationError("A reply cannot be empty.")
    problem = length_problem(
        conversation.channel.network,
        conversation.kind,
        text,
        server_limit=conversation.channel.post_max_characters,
    )
    if problem:
        raise ValidationError(problem)
    if conversation.kind == ConversationKind.PRIVATE and conversation.channel.network in (
        WINDOWED_NETWORKS
    ):
        messenger_window_check(conversation=conversation)
    key = idempotency_key or uuid.uuid4().hex
    author_id = person.pk if person is not None else None

    def same_place(message: Message) -> bool:
        return message.conversation_id == conversation.pk

    existing = _earlier_with_key(key=key, author_id=author_id, same_place=same_place)
    if existing is not None:
        return existing
    target = ""
    if conversation.kind != ConversationKind.PRIVATE:
        target = (
            conversation.messages.filter(direction=Direction.IN)
            .order_by("-sent_at", "-pk")
            .values_list("external_id", flat=True)
            .first()
        ) or ""
        if not target:
            raise ValidationError("There is no public post to reply to in this conversation.")
    # The two-person rule: such a reply waits for an approver and is not sent.
    held = person is not None and approvals.reply_needs_approval(
        author=person, conversation=conversation
    )
    try:
        with transaction.atomic():
            message = Message.objects.create(
                conversation=conversation,
                channel=conversation.channel,
                direction=Direction.OUT,
                kind="reply" if target else "dm",
                in_reply_to_external_id=target,
                author_user=person,
                text=text,
                sent_at=timezone.now(),
                state=DeliveryState.AWAITING_APPROVAL if held else DeliveryState.QUEUED,
                idempotency_key=key,
                is_automated=automated,
            )
            if image is not None:
                _image_attach(message, image)
            event_record(
                type="message.approval_requested" if held else "message.queued",
                actor=person,
                conversation=conversation,
                message=message,
                data={"automated": automated, "in_reply_to": target, "images": int(bool(image))},
            )
            if not held:
                task_enqueue_on_commit(DELIVER_TASK, message.pk)
    except IntegrityError:
        # The same key raced in from a second request: that one wins.
        raced = _earlier_with_key(key=key, author_id=author_id, same_place=same_place)
        if raced is None:
            raise
        return raced
    return message


# Networks whose direct messages may be answered only within 24 hours of the
# person's last message: Messenger, and Instagram's messaging API (the same rule).
WINDOWED_NETWORKS = (Network.FACEBOOK, Network.INSTAGRAM)
# Networks whose public comments take one "private reply" within 7 days.
PRIVATE_REPLY_NETWORKS = (Network.FACEBOOK, Network.INSTAGRAM)
# Thread keys of the private conversation a private reply lands in.
PRIVATE_THREAD_PREFIX: dict[str, str] = {Network.FACEBOOK: "fbm", Network.INSTAGRAM: "igm"}


def messenger_window_check(*, conversation: Conversation, now: datetime | None = None) -> None:
    """Refuse, before anything is queued, a direct reply Facebook (Messenger)
    or Instagram would refuse: the account may answer only within 24 hours of
    the person's last message (ingest keeps ``reply_window_closes_at``)."""
    if conversation.channel.network == Network.INSTAGRAM:
        from inbox.networks.instagram import window_explanation
    else:
        from inbox.networks.facebook import window_explanation

    closes = conversation.reply_window_closes_at
    if closes is None and conversation.last_inbound_at is not None:
        closes = conversation.last_inbound_at + MESSENGER_WINDOW  # stored before the field existed
    if closes is None:
        where = "Instagram" if conversation.channel.network == Network.INSTAGRAM else "Messenger"
        raise ValidationError(
            f"{where} only allows replies within 24 hours of the person's last message, and "
            "they have not messaged the account yet. Ask them to message it, or reply by "
            "another channel."
        )
    if (now or timezone.now()) >= closes:
        raise ValidationError(window_explanation(closes))


# Message kinds of people's own Facebook posts (inbox.networks.facebook_mapping).
FACEBOOK_POST_KINDS = ("post", "tag")
# ... and of posts anywhere (Instagram's tagged media too): answered publicly.
PEOPLES_POST_KINDS = FACEBOOK_POST_KINDS


def private_reply_create(
    *,
    conversation: Conversation,
    actor: User,
    text: str,
    comment_external_id: str = "",
    idempotency_key: str | None = None,
) -> Message:
    """Answer a public Facebook comment privately (Messenger's "private reply":
    one per comment, within 7 days). The message goes in the Page's Messenger
    conversation with the commenter, created if needed, so their answer threads
    there; delivery is the same exactly-once path as every reply."""
    access.ensure_can_act(actor, conversation)
    network = conversation.channel.network
    if network not in PRIVATE_REPLY_NETWORKS or conversation.kind != ConversationKind.COMMENT:
        raise ValidationError(
            "Private replies to comments are only available for Facebook and Instagram comments."
        )
    text = text.strip()
    problem = length_problem(network, ConversationKind.PRIVATE, text) if text else None
    if not text or problem:
        raise ValidationError(problem or "A reply cannot be empty.")
    # Comments only: a person's post on the Page (kind "post") or one tagging
    # it ("tag") is answered publicly, under it.
    inbound = conversation.messages.filter(direction=Direction.IN).exclude(
        kind__in=PEOPLES_POST_KINDS
    )
    comment = (
        inbound.filter(external_id=comment_external_id).first()
        if comment_external_id
        else inbound.order_by("-sent_at", "-pk").first()
    )
    if comment is None or not comment.external_id:  # inbound rows always carry one
        raise ValidationError(
            "There is no comment from this person to reply to privately "
            "(a post on the Page or one tagging it is answered publicly, under it)."
        )
    if timezone.now() - comment.sent_at >= PRIVATE_REPLY_WINDOW:
        raise ValidationError(
            f"{conversation.channel.get_network_display()} allows a private reply only within "
            "7 days of the comment, and this "
            f"comment was posted on {comment.sent_at:%d %b %Y}. Reply publicly instead."
        )
    key = idempotency_key or uuid.uuid4().hex
    existing = _earlier_with_key(
        key=key,
        author_id=actor.pk,
        same_place=lambda m: (
            m.kind == PRIVATE_REPLY and m.in_reply_to_external_id == comment.external_id
        ),
    )
    if existing is not None:
        return existing
    if (
        Message.objects.filter(kind=PRIVATE_REPLY, in_reply_to_external_id=comment.external_id)
        .exclude(state=DeliveryState.FAILED)
        .exists()
    ):
        raise ValidationError(
            f"This comment already has a private reply; {conversation.channel.get_network_display()} "
            "allows one."
        )
    with transaction.atomic():
        private, _ = Conversation.objects.get_or_create(
            channel=conversation.channel,
            thread_key=f"{PRIVATE_THREAD_PREFIX[network]}:{conversation.contact.external_id}",
            defaults={
                "contact": conversation.contact,
                "kind": ConversationKind.PRIVATE,
                "last_message_at": timezone.now(),
                "assignee": conversation.assignee,
                "team": conversation.team,
            },
        )
        message = Message.objects.create(
            conversation=private,
            channel=conversation.channel,
            direction=Direction.OUT,
            kind=PRIVATE_REPLY,
            in_reply_to_external_id=comment.external_id,
            author_user=actor,
            text=text,
            sent_at=timezone.now(),
            state=DeliveryState.QUEUED,
            idempotency_key=key,
        )
        event_record(
            type="message.queued",
            actor=actor,
            conversation=private,
            message=message,
            data={"private_reply_to": comment.external_id, "from_conversation": conversation.pk},
        )
        task_enqueue_on_commit(DELIVER_TASK, message.pk)
    return message


def action_create(
    *,
    conversation: Conversation,
    actor: User,
    kind: str,
    target_external_id: str,
    reason: str = "",
    round: int = 0,
    event_data: dict | None = None,
) -> NetworkAction:
    """Queue a like, hide, delete, mute, unmute or block. Doing the same action twice is one
    action (the same kind, target and ``round``). ``reason`` and
    ``event_data`` travel with a hide into its row and its events."""
    access.ensure_can_act(actor, conversation)
    if kind not in ActionKind.values:
        raise ValidationError(f"Unknown action {kind!r}.")
    with transaction.atomic():
        action, created = NetworkAction.objects.get_or_create(
            channel=conversation.channel,
            kind=kind,
            target_external_id=target_external_id,
            round=round,
            defaults={"conversation": conversation, "actor": actor, "reason": reason},
        )
        if created:
            event_record(
                type=f"action.{kind}_queued",
                actor=actor,
                conversation=conversation,
                data={"target": target_external_id, **(event_data or {})},
            )
            task_enqueue_on_commit(ACTION_TASK, action.pk)
    return action


# --- delivering ----------------------------------------------------------------------


def _due(now: datetime) -> Q:
    return Q(not_before__isnull=True) | Q(not_before__lte=now)


def _claim(model: type[_Row], pk: int) -> tuple[_Row | None, bool]:
    """Claim a queued row, or a 'sending' row whose lease ran out (its sender
    died or gave up with an unknown outcome), once its ``not_before`` has
    passed. Returns (row, must_reconcile)."""
    now = timezone.now()
    row = model.objects.filter(pk=pk).first()
    if row is None or row.state not in (DeliveryState.QUEUED, DeliveryState.SENDING):
        return None, False
    if row.not_before and row.not_before > now:
        return None, False
    if row.state == DeliveryState.SENDING and row.send_lease_until and row.send_lease_until > now:
        return None, False
    # not_before is in the condition: a rival that claimed, met a rate limit and
    # put the row back with the same state and attempts must not be overtaken.
    won = model.objects.filter(_due(now), pk=pk, state=row.state, attempts=row.attempts).update(
        state=DeliveryState.SENDING,
        send_lease_until=now + _lease(),
        not_before=None,
        attempts=F("attempts") + 1,
    )
    if not won:
        return None, False
    must_reconcile = row.state == DeliveryState.SENDING
    row.refresh_from_db()
    return row, must_reconcile


def _unclaimed(model, pk: int) -> Delivery:
    """Why a claim came back empty, and whether the task should call again."""
    row = model.objects.filter(pk=pk).values("state", "send_lease_until", "not_before").first()
    if row is None:
        return Delivery("missing")
    pending = row["state"] in (DeliveryState.QUEUED, DeliveryState.SENDING)
    if pending and row["not_before"] and row["not_before"] > timezone.now():
        # Whoever set the wait holds the retry for then (and the sweeper catches
        # a lost one): a second retry here is how duplicate retries pile up.
        return Delivery("waiting", retry_at=row["not_before"])
    if row["state"] == DeliveryState.SENDING:
        return Delivery("busy", retry_at=row["send_lease_until"])
    return Delivery(row["state"])


def _image_attach(message: Message, image: OutboundImage) -> None:
    MessageMedia.objects.create(
        message=message,
        position=0,
        kind=MediaKind.IMAGE,
        alt_text=image.alt_text,
        upload=image.body,
        content_type=image.content_type,
        size_bytes=len(image.body),
    )


def _images(message: Message) -> list[OutboundImage]:
    """The pictures a queued reply carries, with their bytes."""
    return [
        OutboundImage(body=bytes(m.upload or b""), content_type=m.content_type, alt_text=m.alt_text)
        for m in message.media.filter(upload__isnull=False).order_by("position")
    ]


def message_deliver(*, message_id: int) -> Delivery:
    """Send one queued message. Safe to call any number of times, from any
    number of workers: at most one post reaches the network."""
    message, must_reconcile = _claim(Message, message_id)
    if message is None:
        return _unclaimed(Message, message_id)
    client = client_for(message.channel)
    recipient = _recipient(message)
    try:
        if must_reconcile or message.attempts > 1:
            found = _find_earlier_send(client, message, recipient)
            if found:
                _mark_sent(message, found, reconciled=True)
                return Delivery(DeliveryState.SENT)
        result = _send(client, message, recipient, reconcile=must_reconcile or message.attempts > 1)
    except DuplicateContent as exc:
        return _duplicate(message, client, recipient, exc)
    except Unverifiable as exc:
        return _unconfirmed(message, exc)
    except NetworkError as exc:
        return _failed_attempt(Message, message, exc)
    _mark_sent(message, result.external_id)
    return Delivery(DeliveryState.SENT)


def _recipient(message: Message) -> str:
    conversation = message.conversation
    if conversation.kind == ConversationKind.PRIVATE:
        return conversation.contact.external_id
    return ""


def _send(client, message: Message, recipient: str, *, reconcile: bool) -> SendResult:
    if message.kind == PRIVATE_REPLY:
        return client.send_private_reply(
            comment_id=message.in_reply_to_external_id, text=message.text
        )
    # Passed only when there are pictures: a client that takes none keeps
    # the plain signature.
    images = _images(message)
    extra = {"media": images} if images else {}
    if recipient and images and client.private_pictures_apart:
        pictures_send_apart(
            client,
            message_id=message.pk,
            channel_id=message.channel_id,
            recipient=recipient,
            reconcile=reconcile,
            since=message.received_at - RECONCILE_CLOCK_SKEW,
        )
        extra = {}
    if recipient:
        return client.send_private(
            thread_key=message.conversation.thread_key,
            recipient_id=recipient,
            text=message.text,
            **extra,
        )
    return client.send_reply(
        in_reply_to=message.in_reply_to_external_id, text=message.text, **extra
    )


def _find_earlier_send(client, message: Message, recipient: str) -> str | None:
    """Our post of this message if an earlier attempt reached the network,
    read back to before the message was queued, however long ago."""
    since = message.received_at - RECONCILE_CLOCK_SKEW
    # Another message with the same text (a second "Thanks, passed on" to the
    # same post) has its own network id: that post is not this one.
    known = set(
        Message.objects.filter(
            channel_id=message.channel_id,
            direction=Direction.OUT,
            text=message.text,
            external_id__isnull=False,
            sent_at__gte=since,
        )
        .exclude(pk=message.pk)
        .values_list("external_id", flat=True)
    )
    return client.find_sent(
        text=message.text,
        in_reply_to=message.in_reply_to_external_id,
        recipient_id=recipient,
        since=since,
        known=known,
    )


def _duplicate(message: Message, client, recipient: str, exc: DuplicateContent) -> Delivery:
    """X refuses a repeat of a recent post. If that post is ours, it was this
    message (an earlier attempt got through): record it, don't fail it."""
    try:
        found = _find_earlier_send(client, message, recipient)
    except Unverifiable as unverifiable:
        return _unconfirmed(message, unverifiable)
    except NetworkError as lookup_error:
        return _failed_attempt(Message, message, lookup_error)
    if found:
        _mark_sent(message, found, reconciled=True)
        return Delivery(DeliveryState.SENT)
    return _failed_attempt(Message, message, exc)


def _unconfirmed(message: Message, exc: Unverifiable) -> Delivery:
    """Stop without posting again or calling it failed: an officer checks the
    network (the reason says what to look for)."""
    with transaction.atomic():
        updated = Message.objects.filter(pk=message.pk, state=DeliveryState.SENDING).update(
            state=DeliveryState.UNCONFIRMED,
            send_lease_until=None,
            not_before=None,
            last_error=str(exc)[:2000],
        )
        if updated:
            event_record(
                type="message.unconfirmed",
                actor=message.author_user,
                conversation=message.conversation,
                message=message,
                data={"error": str(exc)[:500], "attempts": message.attempts},
            )
    return Delivery(DeliveryState.UNCONFIRMED)


def _mark_sent(message: Message, external_id: str, *, reconciled: bool = False) -> None:
    now = timezone.now()
    with transaction.atomic():
        updated = Message.objects.filter(pk=message.pk, state=DeliveryState.SENDING).update(
            state=DeliveryState.SENT,
            external_id=external_id,
            sent_at=now,
            sent_by_network_at=now,
            send_lease_until=None,
            last_error="",
        )
        if not updated:
            return
        conv = Conversation.objects.select_for_update().get(pk=message.conversation_id)
        conv.last_message_at = max(conv.last_message_at, now)
        conv.last_message_preview = message.text[:280]
        fields = ["last_message_at", "last_message_preview"]
        # Auto-replies never stop the clock (the cycle rule decides).
        step = cycle.after_answer(
            cycle.CycleState(conv.status, conv.awaiting_since, conv.first_response_at),
            at=now,
            automated=message.is_automated,
        )
        if step.answered:
            conv.awaiting_since = step.state.awaiting_since
            conv.first_response_at = step.state.first_response_at
            fields += ["awaiting_since", "first_response_at"]
        conv.save(update_fields=fields)
        event_record(
            type="message.sent",
            actor=message.author_user,
            conversation=conv,
            message=message,
            data={
                "external_id": external_id,
                "automated": message.is_automated,
                "reconciled": reconciled,
                "attempts": message.attempts,
            },
            at=now,
        )


def _failed_attempt(model, row, exc: NetworkError) -> Delivery:
    """Decide between retry and final failure; record why for the officer.

    A rate limit is the network saying "not now", not a try: it gives back the
    attempt its claim took and waits for the reset, however many times it
    comes. Every other failure spends the attempt."""
    now = timezone.now()
    rate_limited = isinstance(exc, RateLimited)
    final = isinstance(exc, PermanentError) or (not rate_limited and row.attempts >= MAX_ATTEMPTS)
    if final:
        state, not_before = DeliveryState.FAILED, None
    else:
        # Unknown outcome: the next claim must reconcile first. Otherwise it
        # was definitely not sent: a plain retry.
        state = DeliveryState.SENDING if isinstance(exc, UnknownOutcome) else DeliveryState.QUEUED
        not_before = _retry_time(exc, row.attempts, now)
    changes: dict[str, Any] = {
        "state": state,
        "send_lease_until": now if state == DeliveryState.SENDING else None,
        "not_before": not_before,
        "last_error": str(exc)[:2000],
    }
    if rate_limited:
        changes["attempts"] = F("attempts") - 1
    with transaction.atomic():
        model.objects.filter(pk=row.pk, state=DeliveryState.SENDING).update(**changes)
        if final:
            is_message = model is Message
            event_record(
                type="message.failed" if is_message else f"action.{row.kind}_failed",
                actor=getattr(row, "author_user", None) or getattr(row, "actor", None),
                conversation=row.conversation,
                message=row if is_message else None,
                data={"error": str(exc)[:500], "attempts": row.attempts},
            )
        if getattr(exc, "needs_attention", False):
            from inbox.services.polling import channel_record_failure

            channel_record_failure(Channel.objects.get(pk=row.channel_id), exc)
    if final:
        return Delivery(DeliveryState.FAILED)
    return Delivery("retry", retry_at=not_before)


def _retry_time(exc: NetworkError, attempts: int, now: datetime) -> datetime:
    if isinstance(exc, RateLimited):
        if exc.retry_at:
            return max(exc.retry_at, now + timedelta(seconds=1))
        return now + RATE_LIMIT_FALLBACK_WAIT
    backoff = timedelta(seconds=min(300, 5 * 2**attempts))
    if isinstance(exc, UnknownOutcome):
        # A delayed request may still land: give it time before looking for it.
        return now + max(backoff, _settle())
    return now + backoff


_DONE_EVENT: dict[str, str] = {
    ActionKind.LIKE: "message.liked",
    ActionKind.HIDE: "message.hidden",
    ActionKind.DELETE: "message.deleted",
    ActionKind.MUTE: "contact.muted",
    ActionKind.UNMUTE: "contact.unmuted",
    # Not "contact.blocked": that is the officer's decision, logged when taken.
    ActionKind.BLOCK: "contact.blocked_on_network",
    ActionKind.UNBLOCK: "contact.unblocked_on_network",
}


def action_perform(*, action_id: int) -> Delivery:
    action, _ = _claim(NetworkAction, action_id)
    if action is None:
        return _unclaimed(NetworkAction, action_id)
    client = client_for(action.channel)
    try:
        # Like, hide, mute and unmute are idempotent on the network: repeating one after
        # an unknown outcome is harmless, so no reconcile step is needed.
        if action.kind == ActionKind.LIKE:
            client.like(external_id=action.target_external_id)
        elif action.kind == ActionKind.HIDE:
            client.hide(external_id=action.target_external_id)
        elif action.kind == ActionKind.DELETE:
            # Idempotent too: the clients take "it no longer exists" as done.
            client.delete(external_id=action.target_external_id)
        elif action.kind == ActionKind.UNMUTE:
            client.unmute(user_id=action.target_external_id)
        elif action.kind == ActionKind.BLOCK:
            client.block(user_id=action.target_external_id)
        elif action.kind == ActionKind.UNBLOCK:
            client.unblock(user_id=action.target_external_id)
        else:
            client.mute(user_id=action.target_external_id)
    except NetworkError as exc:
        return _failed_attempt(NetworkAction, action, exc)
    with transaction.atomic():
        NetworkAction.objects.filter(pk=action.pk, state=DeliveryState.SENDING).update(
            state=DeliveryState.SENT, done_at=timezone.now(), send_lease_until=None, last_error=""
        )
        data = {"target": action.target_external_id}
        if action.reason:
            data["reason"] = action.reason
        event_record(
            type=_DONE_EVENT[action.kind],
            actor=action.actor,
            conversation=action.conversation,
            data=data,
        )
    return Delivery(DeliveryState.SENT)


def outbound_stuck(*, older_than: timedelta | None = None) -> tuple[list[int], list[int]]:
    """Rows whose task may have been lost (a broker restart, a killed worker):
    queued rows still waiting ``older_than`` after they were due, and sending
    rows whose lease ran out. The sweeper re-enqueues both. A row waiting for
    a rate limit or a backoff (``not_before``) is not due before that time, so
    it is not picked again and again while it waits."""
    now = timezone.now()
    late = now - (older_than if older_than is not None else _sweep_grace())
    waited = Q(not_before__isnull=True) | Q(not_before__lt=late)
    messages = list(
        Message.objects.filter(direction=Direction.OUT)
        .filter(_lost(waited, late, now, created="received_at"))
        .values_list("pk", flat=True)[:500]
    )
    actions = list(
        NetworkAction.objects.filter(_lost(waited, late, now, created="created_at")).values_list(
            "pk", flat=True
        )[:500]
    )
    return messages, actions


def _lost(waited: Q, late: datetime, now: datetime, *, created: str) -> Q:
    queued = Q(state=DeliveryState.QUEUED) & (
        Q(not_before__isnull=True, **{f"{created}__lt": late}) | Q(not_before__lt=late)
    )
    sending = Q(state=DeliveryState.SENDING, send_lease_until__lt=now) & waited
    return queued | sending
