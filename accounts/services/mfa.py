"""Multi-factor authentication with TOTP (django-otp) and recovery codes."""

from __future__ import annotations

import secrets

import segno
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import access
from accounts.models import Role, User
from events.services import event_record

RECOVERY_CODES = 10


def user_has_device(user: User) -> bool:
    """A confirmed second factor of either kind, in one query (the MFA gate
    asks on every request; django-otp's helper loads each device table)."""
    confirmed = {"user": OuterRef("pk"), "confirmed": True}
    return (
        User.objects.filter(pk=user.pk)
        .filter(
            Exists(TOTPDevice.objects.filter(**confirmed))
            | Exists(StaticDevice.objects.filter(**confirmed))
        )
        .exists()
    )


def mfa_required(user: User, *, has_device=user_has_device) -> bool:
    """Admins and managers always; everyone when configured; anyone who has
    set up a device (a second factor, once there, is never optional).
    ``has_device`` lets the per-request gate answer from the session."""
    if not user.is_authenticated or not settings.MFA_ENFORCED:
        return False
    if settings.MFA_REQUIRED_FOR_ALL or access.role_of(user) in (Role.ADMIN, Role.MANAGER):
        return True
    return has_device(user)


def totp_pending(*, user: User) -> TOTPDevice:
    """The unconfirmed device being set up (a fresh secret each new set-up)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def totp_qr_svg(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_inline(scale=5, title="MFA set-up code")


def totp_secret_text(device: TOTPDevice) -> str:
    import base64

    return base64.b32encode(device.bin_key).decode().rstrip("=")


def totp_confirm(
    *, user: User, device: TOTPDevice, token: str, replacing: bool = False
) -> list[str] | None:
    """Confirm the device with a code from the app; returns new recovery codes,
    or None if the code is wrong. Unless ``replacing`` (which the caller allows
    only to a re-authenticated session), raises ``DeviceAlreadySetUp`` when the
    user already has a second factor."""
    if not device.verify_token(token.strip().replace(" ", "")):
        return None
    with transaction.atomic():
        # The user's row lock orders two enrolments racing from two sessions.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if not replacing and user_has_device(user):
            raise DeviceAlreadySetUp
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _recovery_codes_replace(user)
        event_record(type="auth.mfa_enabled", actor=user, data={"target": f"user:{user.pk}"})
    return codes


def recovery_codes_regenerate(*, user: User) -> list[str]:
    with transaction.atomic():
        codes = _recovery_codes_replace(user)
        event_record(
            type="auth.mfa_recovery_codes_reset", actor=user, data={"target": f"user:{user.pk}"}
        )
    return codes


def _recovery_codes_replace(user: User) -> list[str]:
    # The device stays and only its codes change: a session verified with a
    # recovery code names this device, and would otherwise lose its second factor.
    device = StaticDevice.objects.filter(user=user).order_by("pk").first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    StaticToken.objects.filter(device=device).delete()
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def mfa_verify(*, user: User, token: str):
    """The device that accepts this code (TOTP or a one-time recovery code), or None."""
    token = token.strip().replace(" ", "")
    # for_verify locks the devices (select_for_update) so two requests cannot
    # both spend one recovery code: that needs a transaction, which a request
    # does not have (no ATOMIC_REQUESTS); without one Postgres refuses the lock.
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if device.verify_token(token):
                return device
    return None


def mfa_disable(*, user: User, actor: User) -> None:
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=None):
            device.delete()
        event_record(type="auth.mfa_disabled", actor=actor, data={"target": f"user:{user.pk}"})


class DeviceAlreadySetUp(Exception):
    """A first enrolment found a second factor already in place: replacing one
    takes the re-authenticated route."""


def mfa_refusal_record(*, user: User, method: str, path: str, reason: str) -> None:
    """A request refused for want of the second factor (or of a fresh proof
    with it): a security event, as each one may be someone holding only the
    password."""
    event_record(
        type="auth.mfa_refused",
        actor=user,
        data={"target": f"user:{user.pk}", "method": method, "path": path[:300], "reason": reason},
    )
