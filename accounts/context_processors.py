from __future__ import annotations

from typing import NamedTuple

from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from accounts import access


class NavItem(NamedTuple):
    key: str
    label: str
    url: str
    current: bool


# (key, label, URL name, what marks it current: "app:<namespace>" or a view name, who sees it)
_NAVIGATION = (
    (
        "inbox",
        "Inbox",
        "inbox:list",
        {"inbox:list", "inbox:conversation", "inbox:search", "inbox:sidebar"},
        "viewer",
    ),
    ("notifications", "Notifications", "inbox:notifications", {"inbox:notifications"}, "viewer"),
    ("kpis", "Dashboards", "kpis:index", {"app:kpis"}, "viewer"),
    ("escalation", "Escalations", "escalation:index", {"app:escalation"}, "viewer"),
    ("records", "Records", "records:exports", {"app:records"}, "manager"),
    ("audit", "Audit", "audit:log", {"app:audit"}, "oversight"),
    ("channels", "Channels", "channels:list", {"app:channels"}, "admin"),
    ("settings", "Settings", "console:index", {"app:console"}, "manager"),
    # Everyone with a role reads the house rules here (viewers too: they audit
    # hides that name them); changing them, and the abuse shield, are
    # sections of Settings.
    ("house_rules", "House rules", "inbox:house_rules", {"inbox:house_rules"}, "viewer"),
    (
        "account",
        "Your account",
        "security",
        {"security", "password_change", "email_change", "api_token_create", "mfa_setup", "reauth"},
        "viewer",
    ),
)
# Who sees an item: at least this role in some team, or "oversight" (a manager
# or viewer of some team, or an admin: access.overseen_team_ids). The views
# check again, per team.
_RANK = {"viewer": 0, "officer": 1, "manager": 2, "admin": 3}


def _navigation(request, role: str | None) -> list[NavItem]:
    match = getattr(request, "resolver_match", None)
    here = {match.view_name, f"app:{match.app_name}"} if match else set()
    rank = _RANK.get(role or "", -1)

    def shown(needs: str) -> bool:
        if needs == "oversight":
            return rank >= 0 and bool(access.overseen_team_ids(request.user))
        return rank >= _RANK[needs]

    return [
        NavItem(key, label, reverse(url_name), bool(marks & here))
        for key, label, url_name, marks, needs in _NAVIGATION
        if shown(needs)
    ]


def roles(request) -> dict:
    """What the navigation may offer this person (the views still check)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    role = access.role_of(user)
    return {
        "sd_role": role,
        "sd_is_manager": role in ("manager", "admin"),
        "sd_is_admin": role == "admin",
        # Built only by a page that shows it: htmx fragments never do, and each
        # item is a reverse() (and, for an admin, "oversight" a query).
        "sd_navigation": SimpleLazyObject(lambda: _navigation(request, role)),
    }
