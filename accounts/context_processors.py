from __future__ import annotations

from typing import NamedTuple

from django.urls import reverse

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
        {"inbox:list", "inbox:conversation", "inbox:search"},
        "officer",
    ),
    ("notifications", "Notifications", "inbox:notifications", {"inbox:notifications"}, "officer"),
    ("kpis", "Dashboards", "kpis:index", {"app:kpis"}, "officer"),
    ("escalation", "Escalations", "escalation:index", {"app:escalation"}, "officer"),
    ("records", "Records", "records:exports", {"app:records"}, "manager"),
    ("audit", "Audit", "audit:log", {"app:audit"}, "manager"),
    ("channels", "Channels", "channels:list", {"app:channels"}, "admin"),
    ("abuse_terms", "Abuse shield", "inbox:abuse_terms", {"inbox:abuse_terms"}, "manager"),
    (
        "house_rules",
        "House rules",
        "inbox:house_rules",
        {"inbox:house_rules", "inbox:house_rule_edit"},
        "officer",
    ),
    (
        "account",
        "Your account",
        "security",
        {"security", "password_change", "email_change", "api_token_create", "mfa_setup", "reauth"},
        "officer",
    ),
)
_RANK = {"officer": 0, "manager": 1, "admin": 2}


def _navigation(request, role: str | None) -> list[NavItem]:
    match = getattr(request, "resolver_match", None)
    here = {match.view_name, f"app:{match.app_name}"} if match else set()
    rank = _RANK.get(role or "", -1)
    return [
        NavItem(key, label, reverse(url_name), bool(marks & here))
        for key, label, url_name, marks, needs in _NAVIGATION
        if rank >= _RANK[needs]
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
        "sd_navigation": _navigation(request, role),
    }
