"""Detractor flags in the API: the flagged people on your teams' channels,
and clearing a wrong flag with a reason. Officers are refused (403)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts import access
from console.api.base import NOT_FOUND, REFUSED, SettingsApi
from escalation import detractor_selectors
from escalation.services.contacts import contact_detractor_clear


class DetractorOut(serializers.Serializer):
    contact = serializers.IntegerField(source="contact.pk")
    handle = serializers.CharField(source="contact.handle")
    network = serializers.CharField(source="contact.network")
    flagged_at = serializers.DateTimeField(allow_null=True)


class ClearIn(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class ContactFlagOut(serializers.Serializer):
    contact = serializers.IntegerField(source="pk")
    is_detractor = serializers.BooleanField()


def _managers_only(request) -> None:
    if not access.managed_team_ids(request.user):
        raise PermissionDenied("Clearing detractor flags is for managers and admins.")


class DetractorListApi(SettingsApi):
    @extend_schema(
        operation_id="settings_detractors_list",
        responses={200: DetractorOut(many=True), 403: REFUSED},
        summary="People flagged as detractors on your teams' channels (admins: all)",
    )
    def get(self, request) -> Response:
        _managers_only(request)
        rows = detractor_selectors.detractors_for(user=request.user)
        return Response(DetractorOut(rows, many=True).data)


class DetractorClearApi(SettingsApi):
    @extend_schema(
        operation_id="settings_detractors_clear",
        request=ClearIn,
        responses={200: ContactFlagOut, 400: REFUSED, 403: REFUSED, 404: NOT_FOUND},
        summary="Clear a wrong detractor flag, with a reason",
    )
    def post(self, request, pk: int) -> Response:
        _managers_only(request)
        contact = detractor_selectors.detractor_get_for_user(user=request.user, pk=pk)
        data = self.valid(ClearIn, request.data)
        contact = contact_detractor_clear(
            contact=contact, actor=request.user, reason=data["reason"]
        )
        return Response(ContactFlagOut(contact).data)
