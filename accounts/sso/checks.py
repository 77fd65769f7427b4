"""Start-up checks of the single sign-on settings: a typo in the group
mapping or a missing endpoint is reported by `manage.py check` (and at every
start), not as a failed sign-in on the day someone first tries it."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from accounts.services.sso import group_roles_parse

_ENDPOINTS = (
    "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT",
    "OIDC_OP_USER_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT",
    "OIDC_RP_CLIENT_SECRET",
)


@register()
def sso_settings_check(app_configs=None, **kwargs) -> list[Error]:
    if not settings.SSO_ENABLED:
        return []
    errors = [
        Error(f"{name} must be set when single sign-on is on", id="accounts.E101")
        for name in _ENDPOINTS
        if not getattr(settings, name)
    ]
    try:
        mapping = group_roles_parse(settings.SSO_GROUP_ROLES)
    except ImproperlyConfigured as exc:
        errors.append(Error(str(exc), id="accounts.E102"))
    else:
        if mapping and not settings.SSO_GROUPS_CLAIM:
            errors.append(
                Error(
                    "SSO_GROUP_ROLES needs SSO_GROUPS_CLAIM (the claim to read)", id="accounts.E103"
                )
            )
    return errors
