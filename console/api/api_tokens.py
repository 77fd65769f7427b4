"""API tokens in the API: your own (list, make, revoke), and for admins
everyone's (list, revoke). A key is in the answer that makes it, never again."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from accounts import reauth_state
from accounts.models import ApiToken
from accounts.services import tokens
from console.api.base import NOT_FOUND, REFUSED, SettingsApi

MAX_EXPIRY_DAYS = 365


class TokenOut(serializers.Serializer):
    id = serializers.IntegerField(source="token.pk")
    owner = serializers.IntegerField(source="token.user_id")
    owner_name = serializers.CharField(source="token.user.label")
    name = serializers.CharField(source="token.name")
    prefix = serializers.CharField(source="token.prefix")
    created_at = serializers.DateTimeField(source="token.created_at")
    expires_at = serializers.DateTimeField(source="token.expires_at", allow_null=True)
    last_used_at = serializers.DateTimeField(source="token.last_used_at", allow_null=True)
    revoked_at = serializers.DateTimeField(source="token.revoked_at", allow_null=True)
    state = serializers.CharField()


class TokenIn(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    expires_in_days = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_EXPIRY_DAYS
    )


class TokenCreatedOut(TokenOut):
    key = serializers.CharField(help_text="Shown this once; it is not stored.")


class ApiTokenListApi(SettingsApi):
    managers_only = False  # everyone has tokens of their own

    @extend_schema(
        operation_id="settings_api_tokens_list",
        parameters=[
            OpenApiParameter(
                "everyone", bool, description="Admins: everyone's tokens, not only yours"
            )
        ],
        responses={200: TokenOut(many=True), 403: REFUSED},
        summary="Your API tokens (admins: everyone's with everyone=true); never a key",
    )
    def get(self, request) -> Response:
        if request.query_params.get("everyone") in ("1", "true", "yes"):
            rows = tokens.api_tokens_all(actor=request.user)
        else:
            rows = tokens.api_tokens_for(user=request.user)
        return Response(TokenOut(rows, many=True).data)

    @extend_schema(
        operation_id="settings_api_tokens_create",
        request=TokenIn,
        responses={201: TokenCreatedOut, 400: REFUSED, 403: REFUSED},
        summary="Make a token for yourself, from a session you confirmed in the last minutes",
    )
    def post(self, request) -> Response:
        # A token never makes tokens (a leaked key must not outlive its
        # revocation by minting another), and a session makes one only after
        # the same fresh proof the Sign-in and security page asks for.
        if isinstance(request.auth, ApiToken):
            raise PermissionDenied("Make API tokens from a signed-in session, not with a token.")
        django_request = request._request
        if reauth_state.needs_second_factor(django_request) or not reauth_state.is_fresh(
            django_request
        ):
            raise PermissionDenied(
                "Confirm who you are on the Sign-in and security page first, then try again."
            )
        data = self.valid(TokenIn, request.data)
        days = data.get("expires_in_days")
        token, key = tokens.api_token_create(
            user=request.user,
            name=data["name"],
            verified_mfa=request.user.is_verified(),
            expires_at=timezone.now() + timedelta(days=days) if days else None,
        )
        row = tokens.TokenRow(token=token, state="Active")
        return Response({**TokenOut(row).data, "key": key}, status=status.HTTP_201_CREATED)


class ApiTokenRevokeApi(SettingsApi):
    managers_only = False

    @extend_schema(
        operation_id="settings_api_tokens_revoke",
        request=None,
        responses={204: None, 403: REFUSED, 404: NOT_FOUND},
        summary="Revoke one of your tokens (admins: anyone's); it stops working at once",
    )
    def post(self, request, pk: int) -> Response:
        token = tokens.api_token_get_for_user(user=request.user, pk=pk)
        tokens.api_token_revoke(token=token, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
