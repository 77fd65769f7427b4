"""What every settings endpoint shares: a signed-in user (the default
permission class), managers and admins only unless an endpoint says otherwise,
and a service's ValidationError as a 400 with ``detail``. A service's
PermissionDenied is DRF's 403; a selector's Http404 its 404."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.views import APIView

from accounts import access
from accounts.http import AuthedApiRequest


class SettingsErrorOut(serializers.Serializer):
    # Its own name: the inbox API has an ErrorOut of its own in the schema.
    detail = serializers.CharField()


REFUSED = OpenApiResponse(SettingsErrorOut, description="Refused; nothing changed")
BAD = REFUSED
NOT_FOUND = OpenApiResponse(SettingsErrorOut, description="Not found among the things you manage")


class SettingsApi(APIView):
    # A manager of some team or an admin (checked here), then the service
    # checks the team or channel the change is about. Endpoints everyone has
    # for themselves (their own API tokens) set managers_only = False. A
    # comment, not a docstring: the schema would show a docstring on every
    # operation.
    request: AuthedApiRequest
    managers_only = True

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.managers_only and not (
            access.is_admin(request.user) or access.managed_team_ids(request.user)
        ):
            raise PermissionDenied("Settings are for managers and admins.")

    def handle_exception(self, exc):
        if isinstance(exc, DjangoValidationError):
            exc = ValidationError({"detail": " ".join(exc.messages)})
        return super().handle_exception(exc)

    @staticmethod
    def valid(serializer_class, data, **kwargs) -> dict:
        serializer = serializer_class(data=data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data
