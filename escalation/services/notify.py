"""In-app notifications (once per person per trigger) and their e-mails.

A batch of notices costs a fixed number of queries whatever its size: the
evaluation pass may raise hundreds of escalations in a busy minute.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.mail import BadHeaderError, EmailMessage, get_connection
from django.utils import timezone

from accounts.models import Membership, Role, User
from escalation.models import EscalationLevel
from escalation.services._sql import insert_rows
from inbox.models import Channel, Notification
from socialdesk.tasking import task_enqueue_on_commit
from socialdesk.text import one_line

EMAIL_TASK = "escalation.tasks.send_notice_emails"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Notice:
    user_id: int
    text: str
    url: str
    dedupe_key: str
    email_subject: str = ""  # blank: in-app only


def channels_seen_by(user_ids: Iterable[int]) -> dict[int, frozenset[int] | None]:
    """For each active person, the channels the access rule lets them see
    (None: every channel, for admins). Two queries for any number."""
    ids = set(user_ids)
    if not ids:
        return {}
    seen: dict[int, frozenset[int] | None] = {}
    active = dict(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", "is_superuser"))
    admins = {pk for pk, is_super in active.items() if is_super}
    admins |= set(
        Membership.objects.filter(user_id__in=list(active), role=Role.ADMIN).values_list(
            "user_id", flat=True
        )
    )
    covering: dict[int, set[int]] = {}
    for user_id, channel_id in Channel.teams.through.objects.filter(
        team__memberships__user_id__in=[pk for pk in active if pk not in admins]
    ).values_list("team__memberships__user_id", "channel_id"):
        covering.setdefault(user_id, set()).add(channel_id)
    for pk in active:
        seen[pk] = None if pk in admins else frozenset(covering.get(pk, ()))
    return seen


def may_see(seen: dict[int, frozenset[int] | None], user_id: int, channel_id: int) -> bool:
    if user_id not in seen:
        return False
    channels = seen[user_id]
    return channels is None or channel_id in channels


def team_members(team_ids: Iterable[int]) -> set[int]:
    team_ids = list(team_ids)
    if not team_ids:
        return set()
    return set(
        Membership.objects.filter(team_id__in=team_ids, user__is_active=True).values_list(
            "user_id", flat=True
        )
    )


def level_recipients(level: EscalationLevel) -> set[int]:
    """People named on a level and members of its teams (prefetch ``users``
    and ``teams`` to keep this to one query)."""
    return {u.pk for u in level.users.all()} | team_members(t.pk for t in level.teams.all())


def notices_send(notices: Sequence[Notice]) -> list[Notice]:
    """Store each notice once per (person, dedupe_key): the unique constraint
    decides, so a concurrent or repeated call notifies nobody twice. Returns
    the notices this call stored; only those are e-mailed, after commit.
    Call inside the transaction that made the change."""
    now = timezone.now()
    rows = [
        {
            "user_id": n.user_id,
            "text": n.text[:300],
            "url": n.url[:300],
            "dedupe_key": n.dedupe_key[:200],
            "created_at": now,
            "read_at": None,
        }
        for n in sorted(set(notices), key=lambda n: (n.dedupe_key, n.user_id))
    ]
    stored = set(insert_rows(Notification, rows, returning=("user_id", "dedupe_key")))
    created = [n for n in notices if (n.user_id, n.dedupe_key[:200]) in stored]
    mail = [n for n in created if n.email_subject]
    if mail:
        # E-mail goes through its own task: a slow mail server must not hold up
        # the minute's evaluation pass. Best effort: the in-app notification,
        # committed with this transaction, is the record.
        task_enqueue_on_commit(EMAIL_TASK, [asdict(n) for n in mail], best_effort=True)
    return created


def notifications_create(
    *, user_ids: Iterable[int], text: str, url: str, dedupe_key: str, email_subject: str = ""
) -> list[int]:
    """One message to several people (see ``notices_send``)."""
    created = notices_send(
        [
            Notice(
                user_id=uid, text=text, url=url, dedupe_key=dedupe_key, email_subject=email_subject
            )
            for uid in set(user_ids)
        ]
    )
    return [n.user_id for n in created]


def notice_emails_send(*, notices: Sequence[Notice]) -> list[Notice]:
    """E-mail each notice to its person over one SMTP connection. Returns the
    notices worth a retry (the server failed); a notice that cannot be made
    into an e-mail at all is logged and dropped. Either way the others go."""
    base = settings.SOCIALDESK_BASE_URL
    addresses = dict(
        User.objects.filter(pk__in={n.user_id for n in notices}, is_active=True)
        .exclude(email="")
        .values_list("pk", "email")
    )
    failed: list[Notice] = []
    with get_connection(fail_silently=False) as connection:
        for n in notices:
            if n.user_id not in addresses:
                continue
            message = EmailMessage(
                # Subjects carry titles people typed: a line break would be a
                # header injection, and Django refuses the whole message.
                subject=one_line(n.email_subject)[:150],
                body=f"{n.text}\n\nOpen it in SocialDesk: {base}{n.url}\n",
                to=[addresses[n.user_id]],
                connection=connection,
            )
            try:
                message.send()
            except (BadHeaderError, ValueError):
                # Permanent (an address or header Django refuses): a retry
                # would fail the same way.
                log.error("escalation e-mail to user %s refused", n.user_id, exc_info=True)
            except OSError:  # smtplib's errors are OSErrors
                log.warning("escalation e-mail to user %s failed", n.user_id, exc_info=True)
                failed.append(n)
    return failed
