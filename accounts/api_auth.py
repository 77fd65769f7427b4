"""DRF authentication by personal API token (``Authorization: Token <key>``)."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from accounts.services import tokens

KEYWORD = b"token"


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Send the header as: Authorization: Token <key>")
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("That token is not valid.") from None
        try:
            token = tokens.api_token_authenticate(key=key)
        except tokens.TokenRefused as refused:
            # 403, not 401: the key is real, but cannot stand in for the second factor.
            raise exceptions.PermissionDenied(str(refused)) from None
        if token is None:
            raise exceptions.AuthenticationFailed("That token is not valid, or has expired.")
        return token.user, token

    def authenticate_header(self, request) -> str:
        return "Token"
