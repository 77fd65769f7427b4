"""Retention and legal holds in the API: the same services and refusals as
the pages (another team's channel or hold is a 404)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from accounts import access
from console.api.base import NOT_FOUND, REFUSED, SettingsApi
from inbox.models import Network
from records import selectors, services


class RetentionOut(serializers.Serializer):
    channel = serializers.IntegerField(source="channel.pk")
    channel_name = serializers.CharField(source="channel.name")
    keep_days = serializers.IntegerField(allow_null=True, help_text="null: kept for ever")


class RetentionIn(serializers.Serializer):
    keep_days = serializers.IntegerField(
        allow_null=True, min_value=1, max_value=services.MAX_KEEP_DAYS
    )


class HoldOut(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    contact = serializers.IntegerField(source="contact_id", allow_null=True)
    conversation = serializers.IntegerField(source="conversation_id", allow_null=True)
    reason = serializers.CharField()
    created_by = serializers.IntegerField(source="created_by_id")
    created_at = serializers.DateTimeField()
    released_at = serializers.DateTimeField(allow_null=True)


class HoldIn(serializers.Serializer):
    conversation = serializers.IntegerField(required=False, min_value=1)
    network = serializers.ChoiceField(choices=Network.choices, required=False)
    handle = serializers.CharField(required=False, max_length=120)
    reason = serializers.CharField(max_length=2000)

    def validate(self, attrs):
        if bool(attrs.get("conversation")) == bool(attrs.get("handle")):
            raise serializers.ValidationError("Give either a conversation or a person's handle.")
        if attrs.get("handle") and not attrs.get("network"):
            raise serializers.ValidationError("Give the person's network with their handle.")
        return attrs


class ReleaseIn(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


def _managers_only(request) -> None:
    if not access.managed_team_ids(request.user):
        raise PermissionDenied("Records settings are for managers and admins.")


class RetentionListApi(SettingsApi):
    @extend_schema(
        operation_id="settings_retention_list",
        responses={200: RetentionOut(many=True), 403: REFUSED},
        summary="Retention of each channel your teams cover (admins: all)",
    )
    def get(self, request) -> Response:
        _managers_only(request)
        rows = selectors.retention_rows_for(user=request.user)
        return Response(RetentionOut(rows, many=True).data)


class RetentionSetApi(SettingsApi):
    @extend_schema(
        operation_id="settings_retention_set",
        request=RetentionIn,
        responses={200: RetentionOut, 400: REFUSED, 403: REFUSED, 404: NOT_FOUND},
        summary="Set how long a channel's message content is kept (null: for ever)",
    )
    def put(self, request, pk: int) -> Response:
        _managers_only(request)
        row = selectors.retention_row_get_for_user(user=request.user, pk=pk)
        data = self.valid(RetentionIn, request.data)
        services.retention_set(channel=row.channel, keep_days=data["keep_days"], actor=request.user)
        row = selectors.retention_row_get_for_user(user=request.user, pk=pk)
        return Response(RetentionOut(row).data)


class LegalHoldListApi(SettingsApi):
    @extend_schema(
        operation_id="settings_legal_holds_list",
        parameters=[OpenApiParameter("all", bool, description="Released holds too")],
        responses={200: HoldOut(many=True), 403: REFUSED},
        summary="Legal holds on your teams' channels (admins: all)",
    )
    def get(self, request) -> Response:
        _managers_only(request)
        every = request.query_params.get("all") in ("1", "true", "yes")
        holds = selectors.legal_holds_for(user=request.user, active_only=not every)
        return Response(HoldOut(holds, many=True).data)

    @extend_schema(
        operation_id="settings_legal_holds_place",
        request=HoldIn,
        responses={201: HoldOut, 400: REFUSED, 403: REFUSED, 404: NOT_FOUND},
        summary="Place a hold on a conversation or a person, with a reason",
    )
    def post(self, request) -> Response:
        _managers_only(request)
        data = self.valid(HoldIn, request.data)
        contact = conversation = None
        if data.get("conversation"):
            conversation = selectors.hold_conversation_find(
                user=request.user, pk=data["conversation"]
            )
            if conversation is None:
                raise NotFound("No such conversation on your teams' channels.")
        else:
            contact = selectors.hold_contact_find(
                user=request.user, network=data["network"], handle=data["handle"]
            )
            if contact is None:
                raise NotFound("Nobody with that handle wrote on your teams' channels.")
        hold = services.legal_hold_place(
            actor=request.user, reason=data["reason"], contact=contact, conversation=conversation
        )
        return Response(HoldOut(hold).data, status=status.HTTP_201_CREATED)


class LegalHoldReleaseApi(SettingsApi):
    @extend_schema(
        operation_id="settings_legal_holds_release",
        request=ReleaseIn,
        responses={200: HoldOut, 400: REFUSED, 403: REFUSED, 404: NOT_FOUND},
        summary="Release a hold, with a reason",
    )
    def post(self, request, pk: int) -> Response:
        _managers_only(request)
        hold = selectors.legal_hold_get_for_user(user=request.user, pk=pk)
        data = self.valid(ReleaseIn, request.data)
        hold = services.legal_hold_release(hold=hold, actor=request.user, reason=data["reason"])
        return Response(HoldOut(hold).data)
