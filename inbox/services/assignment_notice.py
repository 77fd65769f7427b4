"""Telling a person a colleague gave them a conversation: an in-app
notification with a link to it, and an e-mail if they asked for one on their
account page (``User.email_on_assignment``)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse

from accounts.models import User
from inbox.models import Conversation, Notification
from socialdesk.tasking import task_enqueue_on_commit
from socialdesk.text import one_line

EMAIL_TASK = "inbox.tasks.send_assignment_email"

log = logging.getLogger(__name__)


def assignment_notify(
    *, conversation: Conversation, actor: User, assignee: User, event_id: int
) -> Notification | None:
    """Notify ``assignee`` that ``actor`` assigned them the conversation; no
    one is told when they took it themselves. Call inside the assigning
    transaction: the notification commits with it, and the e-mail task is
    sent only after the commit (a rolled-back assignment mails nobody)."""
    if assignee.pk == actor.pk or not assignee.is_active:
        return None
    notification = Notification.objects.create(
        user=assignee,
        text=f"{actor} assigned you a {conversation.get_kind_display().lower()} "
        f"with {conversation.contact} on {conversation.channel.name}"[:300],
        url=reverse("inbox:conversation", args=[conversation.pk]),
        # One notice per assignment event, so a retried call tells nobody twice.
        dedupe_key=f"assigned:{event_id}",
    )
    if assignee.email_on_assignment and assignee.email:
        # Best effort: the in-app notification is the record; a broker outage
        # must not undo the assignment.
        task_enqueue_on_commit(EMAIL_TASK, notification.pk, best_effort=True)
    return notification


def assignment_email_send(*, notification_id: int) -> bool:
    """Send the e-mail for one assignment notification. Skipped (False) if
    the person has since opted out, left or has no address. SMTP errors
    (``OSError``) propagate so the task can retry."""
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None:
        return False
    user = notification.user
    if not (user.is_active and user.email_on_assignment and user.email):
        return False
    EmailMessage(
        subject=one_line(f"SocialDesk: {notification.text}")[:150],
        body=(
            f"{notification.text}.\n\n"
            f"Open it in SocialDesk: {settings.SOCIALDESK_BASE_URL}{notification.url}\n\n"
            "You get this e-mail because you asked for one when a colleague assigns you a "
            "conversation. Change this on your account page.\n"
        ),
        to=[user.email],
    ).send()
    log.info("assignment e-mail sent for notification %s", notification_id)
    return True
