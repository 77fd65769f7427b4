"""Written as an attacker who has a manager's password and nothing else
(issue 15), and as the owner doing the same things properly."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import mfa, tokens
from events.models import Event
from tests.accounts.test_security import PASSWORD, current_code

pytestmark = [pytest.mark.django_db, pytest.mark.mfa]


@pytest.fixture
def enrolled(manager):
    """The manager's own authenticator and recovery codes."""
    device = mfa.totp_pending(user=manager)
    codes = mfa.totp_confirm(user=manager, device=device, token=current_code(device))
    return device, codes


def password_only(client: Client, username: str = "maya") -> Client:
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def verified(client: Client, code: str) -> Client:
    """Signed in with both factors. The code is a recovery code: the fixture's
    enrolment already used this time step's TOTP code, and django-otp rightly
    refuses a replay."""
    password_only(client)
    response = client.post(reverse("mfa_verify"), {"token": code})
    assert response.status_code == 302
    return client


def codes_of(user) -> set[str]:
    return set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))


def test_a_password_only_session_cannot_reset_the_recovery_codes(client, manager, enrolled):
    _device, codes = enrolled
    password_only(client)
    response = client.post(reverse("mfa_recovery_codes"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_verify"))
    assert codes_of(manager) == set(codes)
    event = Event.objects.filter(type="auth.mfa_refused", actor=manager).get()
    assert event.data["path"] == reverse("mfa_recovery_codes") and event.data["ip"] == "127.0.0.1"


def test_a_password_only_session_sees_no_new_secret_and_cannot_replace_the_device(
    client, manager, enrolled
):
    device, _codes = enrolled
    password_only(client)
    page = client.get(reverse("mfa_setup"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("mfa_verify"))
    assert not TOTPDevice.objects.filter(user=manager, confirmed=False).exists()
    # Posting a code from an authenticator the attacker controls changes nothing.
    attacker = TOTPDevice(user=manager, name="attacker", confirmed=False)
    posted = client.post(reverse("mfa_setup"), {"token": current_code(attacker)})
    assert posted.status_code == 302
    assert list(TOTPDevice.objects.filter(user=manager)) == [device]
    assert not client.session.get("otp_device_id")
    assert Event.objects.filter(type="auth.mfa_refused", actor=manager).count() == 2


def test_the_password_alone_does_not_reauthenticate_someone_with_a_second_factor(
    client, manager, enrolled
):
    _device, codes = enrolled
    verified(client, codes[0])
    session = client.session
    session["reauth_at"] = time.time() - 3600  # the sign-in's proof has gone stale
    session.save()
    assert client.post(reverse("mfa_recovery_codes"))["Location"].startswith(reverse("reauth"))
    no_code = client.post(reverse("reauth"), {"password": PASSWORD, "token": "000000"})
    assert no_code.status_code == 200 and "did not work" in no_code.content.decode()
    assert client.post(reverse("mfa_recovery_codes"))["Location"].startswith(reverse("reauth"))
    assert codes_of(manager) == set(codes[1:])
    assert Event.objects.filter(type="auth.reauth_failed", actor=manager).count() == 1


def test_the_owner_replaces_the_device_after_proving_both_factors_again(client, manager, enrolled):
    _device, codes = enrolled
    verified(client, codes[0])
    session = client.session
    session["reauth_at"] = time.time() - 3600
    session.save()
    assert client.get(reverse("mfa_setup"))["Location"].startswith(reverse("reauth"))
    client.post(reverse("reauth"), {"password": PASSWORD, "token": codes[1]})
    page = client.get(reverse("mfa_setup"))
    assert (
        page.status_code == 200 and "replaces your current authenticator" in page.content.decode()
    )
    new = TOTPDevice.objects.get(user=manager, confirmed=False)
    done = client.post(reverse("mfa_setup"), {"token": current_code(new)})
    assert done.status_code == 200 and "recovery codes" in done.content.decode()
    assert list(TOTPDevice.objects.filter(user=manager)) == [new]
    assert codes_of(manager).isdisjoint(codes)


def test_signing_in_with_both_factors_counts_as_a_fresh_proof_for_a_few_minutes(
    client, manager, enrolled, settings
):
    _device, codes = enrolled
    verified(client, codes[0])
    fresh = client.post(reverse("mfa_recovery_codes"))
    assert fresh.status_code == 200 and codes_of(manager).isdisjoint(codes)
    session = client.session
    session["password_at"] = session["reauth_at"] = time.time() - settings.REAUTH_SECONDS - 1
    session.save()
    assert client.post(reverse("mfa_recovery_codes"))["Location"].startswith(reverse("reauth"))


# --- API tokens ----------------------------------------------------------------


def api(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def make_token(client: Client) -> str:
    page = client.post(reverse("api_token_create"), {"name": "reports", "expires_in_days": "30"})
    assert page.status_code == 200, page.status_code
    return page.context["key"]


def test_a_token_made_from_a_verified_session_works(client, manager, enrolled, conversation_a):
    _device, codes = enrolled
    key = make_token(verified(client, codes[0]))
    token = ApiToken.objects.get(user=manager)
    assert token.created_with_verified_mfa and token.key_hash != key and key not in token.prefix
    response = api(key).get("/api/conversations/")
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["results"]] == [conversation_a.pk]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_managers_token_made_without_the_second_factor_is_refused(manager, conversation_a):
    # Made while the manager had no second factor yet (or carried over from
    # the old DRF tokens): it cannot stand in for one.
    token, key = tokens.api_token_create(user=manager, name="old script", verified_mfa=False)
    response = api(key).get("/api/conversations/")
    assert response.status_code == 403
    assert "two-step sign-in" in response.json()["detail"]
    event = Event.objects.get(type="auth.api_token_refused")
    assert event.actor == manager and event.data["token"] == token.pk
    assert api(key).post(f"/api/conversations/{conversation_a.pk}/status/").status_code == 403
    assert Event.objects.filter(type="auth.api_token_refused").count() == 2


def test_an_officers_token_stops_working_when_they_become_a_manager(officer, conversation_a):
    _token, key = tokens.api_token_create(user=officer, name="script", verified_mfa=False)
    assert api(key).get("/api/conversations/").status_code == 200
    officer.memberships.update(role="manager")
    assert api(key).get("/api/conversations/").status_code == 403


def test_revoked_expired_and_unknown_tokens_are_not_accepted(manager):
    revoked, revoked_key = tokens.api_token_create(user=manager, name="a", verified_mfa=True)
    tokens.api_token_revoke(token=revoked, actor=manager)
    _expired, expired_key = tokens.api_token_create(
        user=manager, name="b", verified_mfa=True, expires_at=timezone.now() - timedelta(seconds=1)
    )
    for key in (revoked_key, expired_key, "sdk_not-a-real-key", revoked.key_hash):
        assert api(key).get("/api/conversations/").status_code == 401, key


def test_a_password_only_session_cannot_make_a_token(client, manager, enrolled):
    password_only(client)
    response = client.post(reverse("api_token_create"), {"name": "mine now"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_verify"))
    assert not ApiToken.objects.exists()


def test_the_owner_revokes_a_token_from_the_security_page(client, manager, enrolled):
    _device, codes = enrolled
    key = make_token(verified(client, codes[0]))
    page = client.get(reverse("security")).content.decode()
    assert "reports" in page and key not in page
    token = ApiToken.objects.get()
    client.post(reverse("api_token_revoke", args=[token.pk]))
    assert api(key).get("/api/conversations/").status_code == 401
    assert Event.objects.filter(type="auth.api_token_revoked", actor=manager).count() == 1
