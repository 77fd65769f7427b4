"""Single sign-on: who a set of verified OpenID Connect claims is in SocialDesk.

The claims reach here only after the ID token's signature, issuer, audience,
expiry and nonce were checked (accounts/sso/backends.py). This module decides
whose account they open:

1. an identity already linked (issuer + subject) opens its account;
2. otherwise an account with the same e-mail is linked, but only when the
   provider vouches for the address (``email_verified``): an address anyone
   can type into their provider profile must not open someone else's account;
3. otherwise a new account is made with no role, until an admin grants one
   or the groups claim maps to one.

Superusers are the break-glass accounts: they are never linked to an
identity, so a compromised provider cannot open them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from accounts.models import ROLE_RANK, Membership, Role, SsoIdentity, Team, User
from events.services import event_record

log = logging.getLogger(__name__)


class SsoRefused(Exception):
    """These claims open no account; the reason is recorded and logged, not shown."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class GroupRole:
    group: str
    team_slug: str
    role: str


_PAIR = re.compile(r"^(?P<group>[^=]+)=(?P<team>[-\w]+):(?P<role>\w+)$")


def group_roles_parse(pairs: Iterable[str]) -> list[GroupRole]:
    """``group=team-slug:role`` pairs from SSO_GROUP_ROLES."""
    parsed = []
    for pair in pairs:
        found = _PAIR.match(pair.strip())
        if found is None or found["role"] not in Role.values:
            raise ImproperlyConfigured(
                f"SSO_GROUP_ROLES: {pair!r} is not group=team-slug:role "
                f"(role one of {', '.join(Role.values)})"
            )
        parsed.append(GroupRole(found["group"].strip(), found["team"], found["role"]))
    return parsed


def _email_verified(claims: dict[str, Any]) -> bool:
    # Some providers send the flag as a string ("true").
    flag = claims.get("email_verified")
    if flag is True or (isinstance(flag, str) and flag.lower() == "true"):
        return True
    return settings.SSO_TRUST_EMAIL and "email_verified" not in claims


def sso_refusal_record(*, reason: str, issuer: str, claims: dict[str, Any] | None = None) -> None:
    claims = claims or {}
    log.warning("single sign-on refused: %s", reason)
    event_record(
        type="auth.sso_refused",
        data={
            "target": f"sso:{claims.get('sub', '')}",
            "reason": reason,
            "issuer": issuer,
            "email": str(claims.get("email", ""))[:254],
        },
    )


def sso_user_for_claims(*, issuer: str, claims: dict[str, Any]) -> User:
    """The user these verified claims sign in, linked or created as needed,
    with roles from the groups claim when configured. Raises ``SsoRefused``
    after recording why."""
    try:
        with transaction.atomic():
            user, how = _user_for(issuer, claims)
            if not user.is_active:
                raise SsoRefused("the account is deactivated")
            if settings.SSO_GROUPS_CLAIM:
                _roles_sync(user, claims.get(settings.SSO_GROUPS_CLAIM))
            event_record(
                type="auth.sso_signed_in",
                actor=user,
                data={"target": f"user:{user.pk}", "issuer": issuer, "matched_by": how},
            )
            return user
    except SsoRefused as refused:
        sso_refusal_record(reason=refused.reason, issuer=issuer, claims=claims)
        raise


def _user_for(issuer: str, claims: dict[str, Any]) -> tuple[User, str]:
    subject = str(claims.get("sub") or "")
    if not subject:
        raise SsoRefused("the provider sent no subject")
    identity = (
        SsoIdentity.objects.select_for_update()
        .select_related("user")
        .filter(issuer=issuer, subject=subject)
        .first()
    )
    if identity is not None:
        identity.last_login_at = timezone.now()
        identity.save(update_fields=["last_login_at"])
        return identity.user, "subject"
    email = str(claims.get("email") or "").strip()
    if not email:
        raise SsoRefused("the provider sent no e-mail address")
    if not _email_verified(claims):
        raise SsoRefused("the provider has not verified the e-mail address")
    matches = list(User.objects.select_for_update().filter(email__iexact=email)[:2])
    if len(matches) > 1:
        raise SsoRefused("more than one account has this e-mail address")
    if matches:
        return _link(matches[0], issuer, subject), "email"
    return _create(issuer, subject, email, claims), "created"


def _link(user: User, issuer: str, subject: str) -> User:
    if user.is_superuser:
        raise SsoRefused("superusers sign in with their password and second factor only")
    if SsoIdentity.objects.filter(user=user, issuer=issuer).exists():
        # Another identity at this provider already owns the account: the
        # address has moved to someone else there, or was claimed twice.
        raise SsoRefused("the account is linked to another identity at this provider")
    SsoIdentity.objects.create(
        user=user, issuer=issuer, subject=subject, last_login_at=timezone.now()
    )
    event_record(
        type="auth.sso_linked",
        actor=user,
        data={"target": f"user:{user.pk}", "issuer": issuer, "subject": subject},
    )
    return user


def _unique_username(email: str) -> str:
    base = email.lower()[:140]
    name, n = base, 1
    while User.objects.filter(username=name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def _create(issuer: str, subject: str, email: str, claims: dict[str, Any]) -> User:
    user = User(
        username=_unique_username(email),
        email=email,
        display_name=str(claims.get("name") or "")[:150],
    )
    # No password: this person signs in through the provider only.
    user.set_unusable_password()
    user.save()
    SsoIdentity.objects.create(
        user=user, issuer=issuer, subject=subject, last_login_at=timezone.now()
    )
    event_record(
        type="auth.sso_user_created",
        actor=user,
        data={"target": f"user:{user.pk}", "issuer": issuer, "subject": subject},
    )
    return user


def _desired_roles(groups: Any, mapping: list[GroupRole]) -> dict[str, str]:
    if isinstance(groups, str):
        groups = [groups]
    held = {str(g) for g in groups} if isinstance(groups, list) else set()
    desired: dict[str, str] = {}
    for rule in mapping:
        if rule.group in held:
            current = desired.get(rule.team_slug)
            if current is None or ROLE_RANK[Role(rule.role)] > ROLE_RANK[Role(current)]:
                desired[rule.team_slug] = rule.role
    return desired


def _roles_sync(user: User, groups: Any) -> None:
    """For the teams SSO_GROUP_ROLES names, the provider's groups decide the
    membership: granted, changed or removed at each sign-in (a leaver removed
    from the group loses the role at the next sign-in). Other teams are left
    to admins."""
    mapping = group_roles_parse(settings.SSO_GROUP_ROLES)
    desired = _desired_roles(groups, mapping)
    teams = {t.slug: t for t in Team.objects.filter(slug__in={r.team_slug for r in mapping})}
    for slug in {r.team_slug for r in mapping} - teams.keys():
        log.warning("SSO_GROUP_ROLES names team %r, which does not exist", slug)
    held = {m.team_id: m for m in Membership.objects.filter(user=user, team__in=teams.values())}
    for slug, team in teams.items():
        _membership_set(user, team, desired.get(slug), held.get(team.pk))


def _membership_set(user: User, team: Team, want: str | None, have: Membership | None) -> None:
    data = {"target": f"user:{user.pk}", "team": team.pk, "source": "sso groups"}
    if want and have is None:
        Membership.objects.create(user=user, team=team, role=want)
        event_record(type="account.team_joined", data={**data, "role": want})
    elif want and have is not None and have.role != want:
        have.role = want
        have.save(update_fields=["role"])
        event_record(type="account.role_changed", data={**data, "role": want})
    elif not want and have is not None:
        have.delete()
        event_record(type="account.team_left", data={**data, "role": have.role})
