"""Authentication events join the event log (ASVS 16.3.1)."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from events.context import client_ip
from events.services import event_record


def _where(request) -> dict:
    if request is None:
        return {}
    return {"ip": client_ip(request), "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200]}


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    event_record(
        type="auth.login", actor=user, data={**_where(request), "target": f"user:{user.pk}"}
    )


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        event_record(
            type="auth.logout", actor=user, data={**_where(request), "target": f"user:{user.pk}"}
        )


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str((credentials or {}).get("username", ""))[:150]
    event_record(
        type="auth.login_failed", data={**_where(request), "target": f"username:{username}"}
    )


@receiver(user_locked_out)
def _locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    event_record(
        type="auth.lockout",
        data={
            **_where(request),
            "ip": ip_address or _where(request).get("ip", ""),
            "target": f"username:{str(username or '')[:150]}",
        },
    )
