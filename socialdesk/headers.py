"""Response headers Django has no setting for."""

from __future__ import annotations

from django.conf import settings


def permissions_policy_value(policy: dict[str, list[str]]) -> str:
    """``camera=(), clipboard-write=(self)``: an empty list denies the feature
    to every origin, this one included."""
    return ", ".join(
        f"{feature}=({' '.join(origins)})" for feature, origins in sorted(policy.items())
    )


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.value = permissions_policy_value(settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.value)
        return response
