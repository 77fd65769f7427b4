"""Single sign-on, tried as an attacker. Each refusal leaves nobody signed
in, opens no account, and is recorded as ``auth.sso_refused``."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import SsoIdentity, User
from events.models import Event
from sandbox.oidc_store import OTHER_CLIENT_ID, OTHER_CLIENT_SECRET
from tests.accounts.test_security import PASSWORD
from tests.support.oidc import idp_configure, provider_sign_in, sso_begin, sso_sign_in

CALLBACK = "http://testserver/sso/callback/"


@pytest.fixture
def idp(sandbox, settings, db):
    idp_configure(settings, sandbox, redirect_uri=CALLBACK)
    return sandbox


def _refusals() -> list[str]:
    return [e.data["reason"] for e in Event.objects.filter(type="auth.sso_refused").order_by("pk")]


def _assert_refused(client, response, reason_part: str) -> None:
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session
    assert any(reason_part in r for r in _refusals()), _refusals()
    page = client.get(reverse("login")).content.decode()
    assert "Single sign-on did not work" in page


def test_a_callback_with_a_state_this_browser_never_sent_is_refused(client, idp):
    sso_begin(client)
    # The attacker's own sign-in, finished in the victim's browser (login CSRF).
    attacker = Client()
    back = provider_sign_in(sso_begin(attacker), "sso.officer")
    response = client.get(back.path, back.params)
    _assert_refused(client, response, "state does not match")
    assert not SsoIdentity.objects.exists()


def test_a_changed_state_is_refused(client, idp):
    back = provider_sign_in(sso_begin(client), "sso.officer")
    response = client.get(back.path, {**back.params, "state": back.params["state"] + "x"})
    _assert_refused(client, response, "state does not match")


def test_a_replayed_callback_is_refused(client, idp):
    back = provider_sign_in(sso_begin(client), "sso.officer")
    assert client.get(back.path, back.params).status_code == 302
    assert "_auth_user_id" in client.session
    client.logout()
    # The same URL again (from history, a log, a shared screen): the state was spent.
    response = client.get(back.path, back.params)
    _assert_refused(client, response, "state does not match")


def test_an_id_token_with_another_nonce_is_refused(client, idp):
    authorize = sso_begin(client)
    idp.post("/_sandbox/oidc/spoil-next-token", {"nonce": "the-attackers-nonce"})
    back = provider_sign_in(authorize, "sso.officer")
    response = client.get(back.path, back.params)
    _assert_refused(client, response, "Nonce")
    assert not User.objects.filter(email="sso.officer@example.gov.uk").exists()


@pytest.mark.parametrize(
    ("spoilt", "reason"),
    [
        ({"aud": OTHER_CLIENT_ID, "azp": OTHER_CLIENT_ID}, "another client"),
        ({"aud": ["socialdesk-sandbox", OTHER_CLIENT_ID], "azp": OTHER_CLIENT_ID}, "another party"),
        ({"iss": "http://evil.example/oidc"}, "another issuer"),
        ({"exp": 1_000_000_000}, "expired"),
        ({"iat": int(time.time()) + 3600}, "not yet valid"),
        # The ID token and userinfo speak of different people (a swapped token).
        ({"sub": "sub-someone-else"}, "another subject"),
    ],
)
def test_an_id_token_for_another_client_issuer_or_time_is_refused(client, idp, spoilt, reason):
    authorize = sso_begin(client)
    idp.post("/_sandbox/oidc/spoil-next-token", spoilt)
    back = provider_sign_in(authorize, "sso.officer")
    _assert_refused(client, client.get(back.path, back.params), reason)
    assert not User.objects.exists()


def test_a_code_issued_to_another_client_is_refused(client, idp):
    """A code the provider gave another application (or an attacker's own
    client) cannot be spent at our callback: the provider refuses to
    exchange it for us, and we refuse the sign-in."""
    idp.post(
        "/_sandbox/oidc/clients",
        {"client_id": OTHER_CLIENT_ID, "secret": OTHER_CLIENT_SECRET, "redirect_uris": [CALLBACK]},
    )
    ours = urlsplit(sso_begin(client))
    params = {k: v[0] for k, v in parse_qs(ours.query).items()}
    theirs = f"{ours.scheme}://{ours.netloc}{ours.path}?" + "&".join(
        f"{k}={v}" for k, v in {**params, "client_id": OTHER_CLIENT_ID}.items()
    )
    back = provider_sign_in(theirs, "sso.officer")
    response = client.get(back.path, back.params)
    _assert_refused(client, response, "invalid_grant")


def test_an_unverified_email_does_not_take_over_a_local_account(client, idp, officer):
    idp.post(
        "/_sandbox/oidc/people",
        {"username": "mallory", "email": officer.email, "email_verified": False},
    )
    response = sso_sign_in(client, "mallory")
    _assert_refused(client, response, "not verified")
    assert not SsoIdentity.objects.filter(user=officer).exists()
    assert User.objects.filter(email__iexact=officer.email).count() == 1


def test_a_second_identity_with_the_same_address_does_not_take_over(client, idp, officer):
    officer.email = "sso.officer@example.gov.uk"
    officer.save()
    sso_sign_in(client, "sso.officer")
    client.logout()
    # The address is reissued at the provider to someone else (a new subject).
    idp.post(
        "/_sandbox/oidc/people",
        {"username": "newcomer", "sub": "sub-newcomer", "email": officer.email},
    )
    response = sso_sign_in(client, "newcomer")
    _assert_refused(client, response, "linked to another identity")


def test_a_superuser_is_never_linked_to_an_identity(client, idp):
    User.objects.create_superuser("root", "sso.officer@example.gov.uk", PASSWORD)
    response = sso_sign_in(client, "sso.officer")
    _assert_refused(client, response, "superusers")
    assert not SsoIdentity.objects.exists()


def test_a_deactivated_account_cannot_sign_in(client, idp, officer):
    officer.email = "sso.officer@example.gov.uk"
    officer.is_active = False
    officer.save()
    response = sso_sign_in(client, "sso.officer")
    _assert_refused(client, response, "deactivated")


def test_the_password_form_never_runs_the_code_exchange(client, idp, officer):
    """A code and state in the password form's URL are ignored: only the
    callback, with the nonce it kept, may exchange a code."""
    back = provider_sign_in(sso_begin(client), "sso.officer")
    posted = client.post(
        reverse("login") + "?" + "&".join(f"{k}={v}" for k, v in back.params.items()),
        {"username": "nobody", "password": "wrong"},
    )
    assert posted.status_code == 200 and "_auth_user_id" not in client.session
    # The code was not spent: the real callback still works with it.
    assert client.get(back.path, back.params).status_code == 302
    assert "_auth_user_id" in client.session


def test_sso_only_refuses_password_sign_in_but_for_superusers(client, idp, settings, officer):
    settings.SSO_ONLY = True
    page = client.get(reverse("login")).content.decode()
    assert "emergency administrator accounts only" in page
    refused = client.post(reverse("login"), {"username": officer.username, "password": PASSWORD})
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    event = Event.objects.get(type="auth.password_refused")
    assert event.data["target"] == f"user:{officer.pk}"
    # The Django admin's own sign-in form goes through the same backend.
    admin = client.post(
        "/admin/login/", {"username": officer.username, "password": PASSWORD, "next": "/admin/"}
    )
    assert "_auth_user_id" not in client.session and admin.status_code == 200

    User.objects.create_superuser("root", "root@council.example", PASSWORD)
    allowed = client.post(reverse("login"), {"username": "root", "password": PASSWORD})
    assert allowed.status_code == 302 and "_auth_user_id" in client.session


def test_the_next_address_cannot_send_the_person_off_site(client, idp):
    start = client.get("/sso/start/", {"next": "https://evil.example/phish"})
    back = provider_sign_in(start["Location"], "sso.officer")
    assert client.get(back.path, back.params)["Location"] == reverse("inbox:list")
