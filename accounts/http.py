"""Request types for views behind the sign-in check.

Django types ``request.user`` as "a user or anonymous" on every request.
Behind ``login_required`` (or DRF's ``IsAuthenticated``) it is always one of
our users, so those views annotate their request with these classes. They
exist for the type checker only: no request is ever built from them."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails
from rest_framework.request import Request

from accounts.models import User


class AuthedRequest(HttpRequest):
    """A request that passed ``login_required``. ``htmx`` is set by
    django-htmx's middleware on every request."""

    user: User
    htmx: HtmxDetails


class AuthedApiRequest(Request):
    """A DRF request whose view requires an authenticated user."""

    user: User
