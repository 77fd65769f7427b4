"""Moderation on the network: hiding a comment for a house rule it broke,
deleting one (managers, Facebook and Instagram), and muting (or unmuting) a
person on X, Bluesky or Mastodon. Each is a service call that queues the
network action (done exactly once by ``outbound``) and logs why."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from accounts import access
from accounts.models import User
from events.services import event_record
from inbox.models import (
    ActionKind,
    Contact,
    Conversation,
    DeliveryState,
    Direction,
    HouseRule,
    Message,
    Network,
    NetworkAction,
)
from inbox.services import outbound

MAX_NOTE = 500
MAX_RULE_TEXT = 2000
# Networks where an account can mute a person (Facebook Pages cannot).
MUTE_NETWORKS = frozenset({Network.X, Network.BLUESKY, Network.MASTODON})
# Where a Page or professional account may delete people's comments on its posts.
DELETE_NETWORKS = frozenset({Network.FACEBOOK, Network.INSTAGRAM})


# --- house rules ---------------------------------------------------------------------


def _ensure_may_edit_rules(actor: User) -> None:
    if not access.is_manager_or_admin(actor):
        raise PermissionDenied("Only managers and admins can change the house rules.")


def _clean_rule(title: str, text: str) -> tuple[str, str]:
    title, text = " ".join(title.split()), text.strip()
    if not title or not text:
        raise ValidationError("A house rule needs a title and the rule's text.")
    if len(title) > 120:
        raise ValidationError("A title can be at most 120 characters.")
    if len(text) > MAX_RULE_TEXT:
        raise ValidationError(f"A rule's text can be at most {MAX_RULE_TEXT:,} characters.")
    return title, text


def house_rule_create(*, actor: User, title: str, text: str) -> HouseRule:
    _ensure_may_edit_rules(actor)
    title, text = _clean_rule(title, text)
    try:
        with transaction.atomic():
            rule = HouseRule.objects.create(title=title, text=text)
            event_record(
                type="house_rule.added", actor=actor, data={"rule_id": rule.pk, "title": title}
            )
    except IntegrityError as exc:
        raise ValidationError(f"There is already a rule called “{title}”.") from exc
    return rule


def house_rule_update(*, rule: HouseRule, actor: User, title: str, text: str) -> HouseRule:
    _ensure_may_edit_rules(actor)
    title, text = _clean_rule(title, text)
    try:
        with transaction.atomic():
            before = {"title": rule.title, "text": rule.text}
            rule.title, rule.text = title, text
            rule.save(update_fields=["title", "text", "updated_at"])
            event_record(
                type="house_rule.changed",
                actor=actor,
                data={"rule_id": rule.pk, "before": before, "title": title, "text": text},
            )
    except IntegrityError as exc:
        raise ValidationError(f"There is already a rule called “{title}”.") from exc
    return rule


def house_rule_remove(*, rule: HouseRule, actor: User) -> None:
    """Hides already done keep their reason: it is copied into the action and
    its events, never looked up from the rule later."""
    _ensure_may_edit_rules(actor)
    with transaction.atomic():
        event_record(
            type="house_rule.removed", actor=actor, data={"rule_id": rule.pk, "title": rule.title}
        )
        rule.delete()


# --- hide ----------------------------------------------------------------------------


def hide_reason(*, rule: HouseRule | None, note: str) -> str:
    """The reason as officers read it on the hidden message."""
    if rule is None:
        return f"Other: {note}"
    return f"{rule.title}: {note}" if note else rule.title


def _reason_checked(rule: HouseRule | None, note: str, doing: str) -> tuple[str, str]:
    note = note.strip()
    if rule is None and not note:
        raise ValidationError(
            f"Choose the house rule this breaks, or choose “Other” and say why you are {doing} it."
        )
    if len(note) > MAX_NOTE:
        raise ValidationError(f"A note can be at most {MAX_NOTE} characters.")
    return note, hide_reason(rule=rule, note=note)


def _moderate(
    *, message: Message, actor: User, kind: str, rule: HouseRule | None, note: str
) -> NetworkAction:
    note, reason = _reason_checked(
        rule, note, "deleting" if kind == ActionKind.DELETE else "hiding"
    )
    return outbound.action_create(
        conversation=message.conversation,
        actor=actor,
        kind=kind,
        target_external_id=message.external_id or "",  # callers checked it is set
        reason=reason,
        event_data={
            "message_id": message.pk,
            "rule_id": rule.pk if rule else None,
            "rule": rule.title if rule else "other",
            "note": note,
            "reason": reason,
        },
    )


def message_hide(
    *, message: Message, actor: User, rule: HouseRule | None, note: str = ""
) -> NetworkAction:
    """Hide a comment (Facebook) or a reply (X) on the network for breaking
    ``rule``, or for another reason (``rule`` None) that ``note`` explains."""
    access.ensure_can_act(actor, message.conversation)
    if message.direction != Direction.IN or not message.external_id:
        raise ValidationError("Only a message from the public can be hidden.")
    return _moderate(message=message, actor=actor, kind=ActionKind.HIDE, rule=rule, note=note)


def can_delete(message: Message, network: str) -> bool:
    """Whether the network lets the account delete this message at all."""
    return (
        message.direction == Direction.IN
        and bool(message.external_id)
        and message.kind == "comment"
        and network in DELETE_NETWORKS
    )


def message_delete(
    *, message: Message, actor: User, rule: HouseRule | None, note: str = ""
) -> NetworkAction:
    """Delete a comment on our Facebook Page or Instagram media, for a house
    rule or a stated reason. It cannot be undone and the public record loses
    it, so it is a manager's decision (hiding is the officer's tool)."""
    conversation = message.conversation
    if not access.can_manage_conversation(actor, conversation):
        raise PermissionDenied("Only a manager of a team covering this channel can delete.")
    if not can_delete(message, conversation.channel.network):
        raise ValidationError(
            "Only a comment from the public on Facebook or Instagram can be deleted. "
            "Hide it instead."
        )
    return _moderate(message=message, actor=actor, kind=ActionKind.DELETE, rule=rule, note=note)


# --- mute ----------------------------------------------------------------------------


def mute_current(*, channel_id: int, target: str) -> NetworkAction | None:
    """The mute or unmute that decides whether the person is muted now: the
    latest one that did not fail."""
    return (
        NetworkAction.objects.filter(
            channel_id=channel_id,
            target_external_id=target,
            kind__in=[ActionKind.MUTE, ActionKind.UNMUTE],
        )
        .exclude(state=DeliveryState.FAILED)
        .order_by("-created_at", "-pk")
        .first()
    )


def _mute_toggle(*, conversation: Conversation, actor: User, kind: str) -> NetworkAction:
    access.ensure_can_act(actor, conversation)
    if conversation.channel.network not in MUTE_NETWORKS:
        raise ValidationError(
            "Only X, Bluesky and Mastodon let an account mute people. "
            "On Facebook, hide their comments instead."
        )
    contact = conversation.contact
    with transaction.atomic():
        # One toggle of this person at a time: the lock orders two officers'
        # clicks, so the second sees the first one's action.
        Contact.objects.select_for_update().filter(pk=contact.pk).first()
        current = mute_current(channel_id=conversation.channel_id, target=contact.external_id)
        muted = current is not None and current.kind == ActionKind.MUTE
        if kind == ActionKind.MUTE and muted:
            raise ValidationError(f"{contact} is already muted on {conversation.channel.handle}.")
        if kind == ActionKind.UNMUTE and not muted:
            raise ValidationError(f"{contact} is not muted on {conversation.channel.handle}.")
        round_ = NetworkAction.objects.filter(
            channel_id=conversation.channel_id, target_external_id=contact.external_id, kind=kind
        ).count()
        return outbound.action_create(
            conversation=conversation,
            actor=actor,
            kind=kind,
            target_external_id=contact.external_id,
            round=round_,
            event_data={"contact_id": contact.pk},
        )


def contact_mute(*, conversation: Conversation, actor: User) -> NetworkAction:
    """Mute the conversation's contact from the channel's account: their
    posts stop reaching its timeline and notifications (X, Bluesky)."""
    return _mute_toggle(conversation=conversation, actor=actor, kind=ActionKind.MUTE)


def contact_unmute(*, conversation: Conversation, actor: User) -> NetworkAction:
    return _mute_toggle(conversation=conversation, actor=actor, kind=ActionKind.UNMUTE)
