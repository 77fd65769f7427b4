"""Personal API tokens: made from a signed-in session, shown once, stored as a
hash, revocable. For people who must use a second factor, a token counts only
if the session that made it had passed that factor."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from accounts import access
from accounts.models import ApiToken, User
from accounts.services import mfa
from events.services import event_record

KEY_PREFIX = "sdk_"
# A write per request would make every API call a database write; the owner
# only needs to know roughly when a key was last used.
LAST_USED_PRECISION = timedelta(minutes=1)


class TokenRefused(Exception):
    """A real, live token that may not be used: the message says why."""


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(
    *, user: User, name: str, verified_mfa: bool, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token and its key (the only time the key exists outside the caller)."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            key_hash=key_hash(key),
            prefix=key[: len(KEY_PREFIX) + 4],
            expires_at=expires_at,
            created_with_verified_mfa=verified_mfa,
        )
        event_record(
            type="auth.api_token_created",
            actor=user,
            data={
                "target": f"user:{user.pk}",
                "token": token.pk,
                "verified_mfa": verified_mfa,
            },
        )
    return token, key


def api_token_revoke(*, token: ApiToken, actor: User) -> None:
    """Its owner, or an admin, stops a token at once. Revoking twice is a no-op."""
    if actor.pk != token.user_id and not access.is_admin(actor):
        raise PermissionDenied("Only the token's owner or an admin can revoke it.")
    with transaction.atomic():
        if ApiToken.objects.filter(pk=token.pk, revoked_at=None).update(revoked_at=timezone.now()):
            event_record(
                type="auth.api_token_revoked",
                actor=actor,
                data={
                    "target": f"user:{token.user_id}",
                    "token": token.pk,
                    "by_owner": actor.pk == token.user_id,
                },
            )


def api_token_authenticate(*, key: str) -> ApiToken | None:
    """The live token for this key, or None when there is none (unknown,
    revoked, expired, or its owner deactivated). Raises ``TokenRefused``, after
    recording the refusal, when the token is live but may not be used."""
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=key_hash(key), revoked_at=None, user__is_active=True)
        .first()
    )
    if token is None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if not token.created_with_verified_mfa and mfa.mfa_required(token.user):
        _refuse(token, reason="made without a second factor")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def _refuse(token: ApiToken, *, reason: str) -> None:
    event_record(
        type="auth.api_token_refused",
        actor=token.user,
        data={"target": f"user:{token.user_id}", "token": token.pk, "reason": reason},
    )
    raise TokenRefused(
        "This API token was made from a session that had not passed two-step sign-in, "
        "and your role needs it. Sign in with your authenticator app and make a new token "
        "on the Sign-in and security page."
    )


@dataclass(frozen=True)
class TokenRow:
    token: ApiToken
    state: str


def _state(token: ApiToken, *, mfa_needed: bool, now: datetime) -> str:
    if token.revoked_at:
        return "Revoked"
    if token.expires_at and token.expires_at <= now:
        return "Expired"
    if mfa_needed and not token.created_with_verified_mfa:
        return "Refused: made without two-step sign-in"
    return "Active"


def api_tokens_for(*, user: User) -> list[TokenRow]:
    """The user's own tokens, newest first, each with a word for its state."""
    now = timezone.now()
    required = mfa.mfa_required(user)
    return [
        TokenRow(token=token, state=_state(token, mfa_needed=required, now=now))
        for token in ApiToken.objects.filter(user=user)
    ]


def api_tokens_all(*, actor: User, live_only: bool = False) -> list[TokenRow]:
    """Everyone's tokens, for admins: who, what for, when last used, its
    state. Never the key (it is not stored) nor its hash."""
    if not access.is_admin(actor):
        raise PermissionDenied("Only admins see everyone's API tokens.")
    now = timezone.now()
    tokens = (
        ApiToken.objects.select_related("user")
        .defer("key_hash")
        .order_by("user__username", "-created_at")
    )
    if live_only:
        tokens = tokens.filter(revoked_at=None).exclude(expires_at__lte=now)
    required: dict[int, bool] = {}
    rows = []
    for token in tokens:
        if token.user_id not in required:
            required[token.user_id] = mfa.mfa_required(token.user)
        rows.append(
            TokenRow(token=token, state=_state(token, mfa_needed=required[token.user_id], now=now))
        )
    return rows


def api_token_get_for_user(*, user: User, pk: int) -> ApiToken:
    """One of this person's own tokens, or any token for an admin; anything
    else is a 404, so nobody learns which token numbers exist."""
    tokens = ApiToken.objects.select_related("user")
    if not access.is_admin(user):
        tokens = tokens.filter(user_id=user.pk)
    token = tokens.filter(pk=pk).first()
    if token is None:
        raise Http404("No such API token.")
    return token
