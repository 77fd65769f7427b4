"""What every settings view checks first."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from accounts import access
from accounts.http import AuthedRequest


def ensure_manager(request: AuthedRequest) -> None:
    """Settings are for managers (of some team) and admins; each service then
    checks the team or channel the change is about."""
    if not access.managed_team_ids(request.user):
        raise PermissionDenied("Settings are for managers and admins.")
