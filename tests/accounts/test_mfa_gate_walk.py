"""The second factor gates every URL but its own challenge (issue 15).

A manager and an admin who have an authenticator and recovery codes sign in
with the password only, through the real login view. Then every URL in the
URLconf is tried, as a page, as an htmx fragment and as a POST: all but the
verify page and sign-out must be turned away to the second step (the API with
a 403). First enrolment is not open to them, as they already have a device.
Afterwards their devices, codes, tokens and account are exactly as before.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.apps import apps
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiToken, UserSession
from accounts.services import mfa, tokens
from escalation.models import CrisisMode, Escalation, EscalationRule
from events.models import Event
from kpis.models import RecomputeJob
from records.models import RecordsExport
from tests.accounts.test_security import PASSWORD, current_code

VERIFY = "/account/mfa/verify/"
# Walked last: signing out ends the session the walk needs.
LOGOUT = "/logout/"
# Object ids nothing in the fixtures owns (admin pages of empty tables): the
# gate must refuse before any lookup, so a missing row changes nothing.
NO_ROW = "999999"


def _routes(patterns, prefix=""):
    """(route, name) for every endpoint, through every include and namespace."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.name or ""


def _admin_object_id(route: str) -> str:
    """The first row of the model an admin page is about (its route names it)."""
    match = re.match(r"admin/(\w+)/(\w+)/<path:object_id>", route)
    if not match:
        return NO_ROW
    model = apps.get_model(match.group(1), match.group(2))
    obj = model._default_manager.order_by("pk").first()
    return str(obj.pk) if obj else NO_ROW


def _object_pk(route: str, name: str, ids: dict) -> str:
    for prefix, key in (
        ("account/sessions/", "session"),
        ("account/tokens/", "token"),
        ("records/", "export"),
        ("audit/", "export"),
        ("escalation/rules/", "rule"),
        ("escalation/e/", "escalation"),
        ("escalation/crisis/", "crisis"),
        ("channels/", "channel"),
        ("kpis/rebuild/", "job"),
        ("admin/otp_totp/totpdevice/", "totp"),
    ):
        if route.startswith(prefix):
            return str(ids[key])
    return str(ids["conversation"])


def _fill(route: str, name: str, ids: dict) -> str:
    """The route with every parameter replaced by a real value."""
    values = {
        "mid": str(ids["message"]),
        "exception_pk": "1",  # a staffed-hours closure; the gate answers before the view
        "key": "threats",  # an escalation keyword list
        "fmt": "csv",
        "name": "overview",
        "table": "channels",
        "uidb64": ids["uidb64"],
        "token": ids["reset_token"],
        "app_label": "accounts",
        "url": "no-such-page/",
        "content_type_id": str(ids["user_ct"]),
        "id": str(ids["user"]),
        "user_pk": str(ids["user"]),
        "variant": "thumb",  # a picture's size (inbox:media_variant)
    }

    def value(param: str) -> str:
        if param == "pk":
            return _object_pk(route, name, ids)
        if param == "object_id":
            return str(ids["user"]) if route.startswith("admin/r/") else _admin_object_id(route)
        return values[param]

    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: value(m.group(1)), route)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: value(m.group(1)), path)
    return "/" + path.replace("^", "").replace("$", "")


def _every_path(ids: dict) -> list[str]:
    paths = {_fill(route, name, ids) for route, name in _routes(get_resolver().url_patterns)}
    return sorted(paths - {LOGOUT})


def _snapshot(user) -> dict:
    """Everything about how this person signs in that an attacker would want to change."""
    user.refresh_from_db()
    return {
        "totp": sorted(TOTPDevice.objects.filter(user=user).values_list("pk", "key", "confirmed")),
        "codes": sorted(
            StaticToken.objects.filter(device__user=user).values_list("device_id", "token")
        ),
        "tokens": sorted(ApiToken.objects.filter(user=user).values_list("pk", "revoked_at")),
        "account": (user.password, user.email, user.is_active),
        "roles": sorted(user.memberships.values_list("team_id", "role")),
    }


def _refused(response, path: str) -> bool:
    if path.startswith("/api/"):
        return response.status_code == 403 and "Two-step" in response.json()["detail"]
    target = response.get("HX-Redirect") or response.get("Location") or ""
    return response.status_code in (204, 302) and target.startswith(VERIFY)


@pytest.fixture
def world(channel_a, conversation_a, team_a, manager, admin_user):
    """Something real behind every kind of id the URLconf takes."""
    rule = EscalationRule.objects.create(name="Threats", keywords="bomb")
    now = dt.datetime.now(dt.UTC)
    escalation = Escalation.objects.create(
        rule=rule,
        conversation=conversation_a,
        channel=channel_a,
        trigger_key="walk",
        cycle=now,
        reason="walk",
        raised_at=now,
    )
    crisis = CrisisMode.objects.create(
        title="Flooding", holding_statement="We know.", started_at=now, started_by=manager
    )
    export = RecordsExport.objects.create(requested_by=manager, period_start=now, period_end=now)
    job = RecomputeJob.objects.create(since=now.date(), until=now.date())
    return {
        "conversation": conversation_a.pk,
        "message": conversation_a.messages.first().pk,
        "channel": channel_a.pk,
        "rule": rule.pk,
        "escalation": escalation.pk,
        "crisis": crisis.pk,
        "export": export.pk,
        "job": job.pk,
        "user_ct": ContentType.objects.get_for_model(manager).pk,
    }


def _with_second_factor(user) -> None:
    device = mfa.totp_pending(user=user)
    mfa.totp_confirm(user=user, device=device, token=current_code(device))
    tokens.api_token_create(user=user, name="from a verified session", verified_mfa=True)


@pytest.mark.django_db
@pytest.mark.mfa
@pytest.mark.parametrize("who", ["manager", "admin_user"])
def test_a_password_only_session_reaches_nothing_but_the_second_step(client, world, who, request):
    user = request.getfixturevalue(who)
    _with_second_factor(user)
    signed_in = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert signed_in.status_code == 302 and "_auth_user_id" in client.session
    ids = {
        **world,
        "user": user.pk,
        "session": UserSession.objects.get(user=user).pk,
        "token": ApiToken.objects.get(user=user).pk,
        "totp": TOTPDevice.objects.get(user=user).pk,
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "reset_token": default_token_generator.make_token(user),
    }
    before = _snapshot(user)
    paths = _every_path(ids)
    assert len(paths) > 250  # the whole URLconf, admin included

    opened = []
    for path in paths:
        if path == VERIFY:
            continue
        for method, headers in (("get", {}), ("get", {"HX-Request": "true"}), ("post", {})):
            response = getattr(client, method)(path, headers=headers)
            if not _refused(response, path):
                opened.append((method, headers, path, response.status_code))
    assert opened == []

    assert client.get(VERIFY).status_code == 200
    wrong = client.post(VERIFY, {"token": "000000"})
    assert wrong.status_code == 200 and "did not work" in wrong.content.decode()
    assert _snapshot(user) == before
    # Every refused change and API call was recorded as a security event.
    refusals = Event.objects.filter(type="auth.mfa_refused", actor=user)
    refused_posts = {e.data["path"] for e in refusals if e.data["method"] == "POST"}
    assert refused_posts == set(paths) - {VERIFY}
    assert refusals.filter(data__path="/api/conversations/", data__method="GET").exists()

    assert client.post(LOGOUT).status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@pytest.mark.mfa
def test_first_enrolment_is_open_only_to_someone_with_no_second_factor(client, manager):
    client.post(reverse("login"), {"username": "maya", "password": PASSWORD})
    page = client.get(reverse("mfa_setup"))
    assert page.status_code == 200 and b"<svg" in page.content
    # Its own other device arrives meanwhile (another session enrolled first).
    other = mfa.totp_pending(user=manager)
    mfa.totp_confirm(user=manager, device=other, token=current_code(other))
    again = client.get(reverse("mfa_setup"))
    assert again.status_code == 302 and again["Location"].startswith(VERIFY)
    assert list(TOTPDevice.objects.filter(user=manager, confirmed=True)) == [other]
