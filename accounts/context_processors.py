from __future__ import annotations

from accounts import access


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
    }
