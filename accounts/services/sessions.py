"""Signed-in sessions: record, list, end (one, or all of a person's)."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User, UserSession
from events.services import event_record


def _store(session_key: str):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)


def session_register(*, user: User, session_key: str, ip: str, user_agent: str) -> UserSession:
    session, _ = UserSession.objects.update_or_create(
        session_key=session_key,
        defaults={
            "user": user,
            "ip": ip or None,
            "user_agent": user_agent[:200],
            "last_seen_at": timezone.now(),
        },
    )
    return session


def session_touch(*, session_key: str) -> None:
    UserSession.objects.filter(session_key=session_key).update(last_seen_at=timezone.now())


def session_forget(*, session_key: str) -> None:
    UserSession.objects.filter(session_key=session_key).delete()


def session_end(*, session: UserSession, actor: User, reason: str) -> None:
    """End one session now: its cookie stops working on the next request."""
    with transaction.atomic():
        _store(session.session_key).delete()
        event_record(
            type="auth.session_ended",
            actor=actor,
            data={"target": f"user:{session.user_id}", "session": session.pk, "reason": reason},
        )
        session.delete()


def sessions_end_all(*, user: User, actor: User | None, reason: str) -> int:
    sessions = list(UserSession.objects.filter(user=user))
    for session in sessions:
        _store(session.session_key).delete()
    UserSession.objects.filter(pk__in=[s.pk for s in sessions]).delete()
    event_record(
        type="auth.sessions_ended",
        actor=actor,
        data={"target": f"user:{user.pk}", "count": len(sessions), "reason": reason},
    )
    return len(sessions)


def user_deactivate(*, user: User, actor: User) -> None:
    """Leavers lose access at once (ASVS 7.4.2)."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=False)
        event_record(type="account.deactivated", actor=actor, data={"target": f"user:{user.pk}"})
        sessions_end_all(user=user, actor=actor, reason="account deactivated")
