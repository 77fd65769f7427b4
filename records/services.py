"""FOI / subject-access exports, retention and legal holds."""

from __future__ import annotations

import hashlib
import io
import json
import secrets
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts import access
from accounts.models import User
from events.selectors import events_of_conversation
from events.services import event_record
from inbox.models import Contact, Conversation, Message, Note
from records.models import ContentRemoval, ExportStatus, LegalHold, RecordsExport, RetentionPolicy
from socialdesk.tasking import task_enqueue_on_commit

EXPORT_TASK = "records.tasks.build_export"

EXPORT_DIR_NAME = "exports"
REMOVED_NOTE = "[removed under the retention policy]"


def _export_dir() -> Path:
    path = Path(settings.VAR_DIR) / EXPORT_DIR_NAME
    path.mkdir(parents=True, exist_ok=True)
    return path


def export_request(
    *,
    actor: User,
    contact: Contact | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> RecordsExport:
    if not access.is_manager_or_admin(actor):
        raise PermissionDenied("Only managers and admins can export records.")
    if contact is None and not (start and end):
        raise ValidationError("Choose a person, or a period with a start and an end.")
    if start and end and start >= end:
        raise ValidationError("The period must end after it starts.")
    with transaction.atomic():
        export = RecordsExport.objects.create(
            requested_by=actor, contact=contact, period_start=start, period_end=end
        )
        event_record(
            type="records.export_requested",
            actor=actor,
            data={
                "target": f"contact:{contact.pk}" if contact else "period",
                "export": export.pk,
                "start": start,
                "end": end,
            },
        )
        task_enqueue_on_commit(EXPORT_TASK, export.pk)
    return export


def _scope(export: RecordsExport):
    """Conversations in the export: the contact's (or the period's), only on
    channels the requester may see."""
    # Managers export their own teams' channels: a manager of team A who is an
    # officer in team B does not export team B's conversations.
    conversations = Conversation.objects.filter(
        channel__in=access.channels_managed_by(export.requested_by).values("pk")
    )
    if export.contact_id:
        conversations = conversations.filter(contact_id=export.contact_id)
    if export.period_start and export.period_end:
        in_period = Message.objects.filter(
            conversation=OuterRef("pk"),
            sent_at__gte=export.period_start,
            sent_at__lt=export.period_end,
        )
        conversations = conversations.filter(Exists(in_period))
    return conversations.select_related("channel", "contact").order_by("pk")


def export_build(*, export_id: int) -> RecordsExport:
    claimed = RecordsExport.objects.filter(pk=export_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.BUILDING, progress=0
    )
    export = RecordsExport.objects.select_related("contact", "requested_by").get(pk=export_id)
    if not claimed:
        return export
    try:
        name = _write_zip(export)
    except Exception as exc:
        RecordsExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.FAILED, error=str(exc)[:2000]
        )
        raise
    with transaction.atomic():
        RecordsExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.READY, progress=100, file_name=name, finished_at=timezone.now()
        )
        event_record(
            type="records.exported",
            actor=export.requested_by,
            data={"target": f"export:{export.pk}", "file": name},
        )
    export.refresh_from_db()
    return export


def _write_zip(export: RecordsExport) -> str:
    conversations = list(_scope(export))
    messages: list[dict] = []
    notes: list[dict] = []
    events: list[dict] = []
    transcript: list[dict] = []
    period = (export.period_start, export.period_end) if export.period_start else None
    for done, conv in enumerate(conversations, start=1):
        conv_messages = conv.messages.select_related("author_user").order_by("sent_at", "pk")
        conv_notes = Note.objects.filter(conversation=conv).select_related("author")
        conv_events = events_of_conversation(
            conversation_id=conv.pk, start=period and period[0], end=period and period[1]
        )
        if period:
            conv_messages = conv_messages.filter(sent_at__gte=period[0], sent_at__lt=period[1])
            conv_notes = conv_notes.filter(created_at__gte=period[0], created_at__lt=period[1])
        rows = [_message_row(m, conv) for m in conv_messages]
        messages.extend(rows)
        notes.extend(
            {
                "id": n.pk,
                "conversation": conv.pk,
                "author": str(n.author),
                "text": n.text,
                "created_at": n.created_at,
            }
            for n in conv_notes
        )
        events.extend(
            {
                "id": e.pk,
                "type": e.type,
                "at": e.at,
                "actor": e.actor_label,
                "conversation": conv.pk,
                "message": e.message_id,
                "data": e.data,
            }
            for e in conv_events
        )
        transcript.append({"conversation": conv, "messages": rows})
        if done % 10 == 0 or done == len(conversations):
            RecordsExport.objects.filter(pk=export.pk).update(
                progress=min(95, int(95 * done / len(conversations)))
            )
    files = {
        "messages.json": _json(messages),
        "notes.json": _json(notes),
        "events.json": _json(events),
        "transcript.html": render_to_string(
            "records/transcript.html",
            {"export": export, "threads": transcript, "generated_at": timezone.now()},
        ).encode(),
    }
    files["manifest.json"] = _json(
        {
            "export": export.pk,
            "requested_by": str(export.requested_by),
            "contact": str(export.contact) if export.contact else None,
            "period": [export.period_start, export.period_end],
            "generated_at": timezone.now(),
            "counts": {
                "conversations": len(conversations),
                "messages": len(messages),
                "notes": len(notes),
                "events": len(events),
            },
            "sha256": {name: hashlib.sha256(body).hexdigest() for name, body in files.items()},
        }
    )
    name = f"records-{export.pk}-{secrets.token_hex(8)}.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file_name, body in files.items():
            archive.writestr(file_name, body)
    (_export_dir() / name).write_bytes(buffer.getvalue())
    return name


def _message_row(message: Message, conv: Conversation) -> dict:
    return {
        "id": message.pk,
        "conversation": conv.pk,
        "channel": conv.channel.name,
        "direction": message.direction,
        "external_id": message.external_id,
        "from": (str(message.author_user) if message.author_user_id else conv.channel.handle)
        if message.direction == "out"
        else str(conv.contact),
        "text": message.text,
        "sent_at": message.sent_at,
        "state": message.state,
        "automated": message.is_automated,
    }


def _json(value) -> bytes:
    return json.dumps(value, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False).encode()


def export_path_for(*, export: RecordsExport, user: User) -> Path:
    if export.requested_by_id != user.pk and not access.is_admin(user):
        raise PermissionDenied("Only the person who asked for this export can download it.")
    if export.status != ExportStatus.READY:
        raise ValidationError("This export is not ready yet.")
    event_record(
        type="records.export_downloaded", actor=user, data={"target": f"export:{export.pk}"}
    )
    return _export_dir() / export.file_name


MAX_KEEP_DAYS = 100 * 366


def _ensure_may_hold(*, actor: User, contact: Contact | None, conversation: Conversation | None):
    """Admins hold anything; a manager holds what is on the channels their
    teams cover (a contact: one who wrote on one of those channels)."""
    if access.is_admin(actor):
        return
    managed = access.channels_managed_by(actor).values("pk")
    if not access.managed_team_ids(actor):
        raise PermissionDenied("Only managers and admins can place or release a legal hold.")
    if (
        conversation is not None
        and not Conversation.objects.filter(pk=conversation.pk, channel__in=managed).exists()
    ):
        raise PermissionDenied("That conversation is not on a channel your teams cover.")
    if (
        contact is not None
        and not Conversation.objects.filter(contact=contact, channel__in=managed).exists()
    ):
        raise PermissionDenied("That person has not written on a channel your teams cover.")


def _hold_target(contact: Contact | None, conversation: Conversation | None) -> str:
    if contact is not None:
        return f"contact:{contact.pk}"
    return f"conversation:{getattr(conversation, 'pk', None)}"


def legal_hold_place(
    *,
    actor: User,
    reason: str,
    contact: Contact | None = None,
    conversation: Conversation | None = None,
) -> LegalHold:
    """While the hold is active, retention removes nothing of its subject."""
    if (contact is None) == (conversation is None):
        raise ValidationError("Hold either a person or one conversation.")
    _ensure_may_hold(actor=actor, contact=contact, conversation=conversation)
    reason = reason.strip()
    if not reason:
        raise ValidationError("A legal hold needs a reason.")
    with transaction.atomic():
        hold = LegalHold.objects.create(
            contact=contact, conversation=conversation, reason=reason, created_by=actor
        )
        event_record(
            type="records.legal_hold_placed",
            actor=actor,
            conversation=conversation,
            data={
                "target": _hold_target(contact, conversation),
                "hold": hold.pk,
                "reason": reason,
            },
        )
    return hold


def legal_hold_release(*, hold: LegalHold, actor: User, reason: str) -> LegalHold:
    """End a hold, saying why (the case closed, the order lifted). Releasing
    a released hold changes nothing and logs nothing."""
    _ensure_may_hold(actor=actor, contact=hold.contact, conversation=hold.conversation)
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why the hold is released: it is kept in the audit log.")
    with transaction.atomic():
        released = LegalHold.objects.filter(pk=hold.pk, released_at__isnull=True).update(
            released_at=timezone.now()
        )
        if released:
            event_record(
                type="records.legal_hold_released",
                actor=actor,
                conversation=hold.conversation,
                data={
                    "target": _hold_target(hold.contact, hold.conversation),
                    "hold": hold.pk,
                    "reason": reason,
                },
            )
    hold.refresh_from_db()
    return hold


def retention_set(*, channel, keep_days: int | None, actor: User) -> RetentionPolicy | None:
    """How long the channel's message content is kept; None keeps it for
    ever (no policy). Admins, and managers of a team covering the channel."""
    if not access.can_manage_channel(actor, channel):
        raise PermissionDenied("Only admins and the channel's managers set its retention.")
    if keep_days is not None and not 1 <= keep_days <= MAX_KEEP_DAYS:
        raise ValidationError("Keep content between 1 day and 100 years.")
    with transaction.atomic():
        current = RetentionPolicy.objects.select_for_update().filter(channel=channel).first()
        before = current.keep_days if current else None
        if before == keep_days:
            return current
        if keep_days is None:
            RetentionPolicy.objects.filter(channel=channel).delete()
            policy = None
        else:
            policy, _ = RetentionPolicy.objects.update_or_create(
                channel=channel, defaults={"keep_days": keep_days}
            )
        event_record(
            type="records.retention_set",
            actor=actor,
            channel=channel,
            data={"keep_days": keep_days, "previous_keep_days": before},
        )
    return policy


def retention_apply(*, now: datetime | None = None, batch: int = 1000) -> int:
    """Remove message and note content past each channel's retention, except
    under an active legal hold. Each removal batch is one logged event."""
    now = now or timezone.now()
    removed = 0
    for policy in RetentionPolicy.objects.select_related("channel"):
        cutoff = now - timedelta(days=policy.keep_days)
        held = Q(
            conversation__in=LegalHold.objects.filter(
                released_at__isnull=True, conversation__isnull=False
            ).values("conversation")
        ) | Q(
            conversation__contact__in=LegalHold.objects.filter(
                released_at__isnull=True, contact__isnull=False
            ).values("contact")
        )
        while True:
            ids = list(
                Message.objects.filter(channel=policy.channel, sent_at__lt=cutoff)
                .exclude(held)
                .exclude(pk__in=ContentRemoval.objects.values("message_id"))
                .values_list("pk", flat=True)[:batch]
            )
            if not ids:
                break
            with transaction.atomic():
                Message.objects.filter(pk__in=ids).update(text="", raw={}, metrics={})
                ContentRemoval.objects.bulk_create([ContentRemoval(message_id=i) for i in ids])
                event_record(
                    type="records.content_removed",
                    channel=policy.channel,
                    data={
                        "messages": ids,
                        "count": len(ids),
                        "cutoff": cutoff.isoformat(),
                        "keep_days": policy.keep_days,
                    },
                )
            removed += len(ids)
        Note.objects.filter(conversation__channel=policy.channel, created_at__lt=cutoff).exclude(
            Q(
                conversation__in=LegalHold.objects.filter(released_at__isnull=True).values(
                    "conversation"
                )
            )
            | Q(
                conversation__contact__in=LegalHold.objects.filter(released_at__isnull=True).values(
                    "contact"
                )
            )
        ).exclude(text=REMOVED_NOTE).update(text=REMOVED_NOTE)
    return removed
