"""What a single sign-on session may reach: nothing but the waiting page
without a role, everything its role allows with one, and no second step of
ours (the identity provider owns the second factor for SSO sessions)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import ApiToken, Membership, User
from events.models import Event
from tests.accounts.test_mfa_gate_walk import LOGOUT, _every_path, world  # noqa: F401
from tests.accounts.test_security import PASSWORD
from tests.support.oidc import idp_configure, provider_sign_in, sso_sign_in

CALLBACK = "http://testserver/sso/callback/"
WAITING = "/account/waiting/"
NO_ROW = "999999"


@pytest.fixture
def idp(sandbox, settings, db):
    idp_configure(settings, sandbox, redirect_uri=CALLBACK)
    return sandbox


def _sent_to_waiting(response, path: str) -> bool:
    if path.startswith("/api/"):
        return response.status_code == 403 and "no role" in response.json()["detail"]
    target = response.get("HX-Redirect") or response.get("Location") or ""
    return response.status_code in (204, 302) and target == WAITING


def test_a_person_with_no_role_reaches_only_the_waiting_page(client, idp, world):  # noqa: F811
    sso_sign_in(client, "sso.officer")
    user = User.objects.get(email="sso.officer@example.gov.uk")
    ids = {
        **world,
        "user": user.pk,
        "session": NO_ROW,
        "token": NO_ROW,
        "totp": NO_ROW,
        "uidb64": "MQ",
        "reset_token": "set-password",
    }
    paths = _every_path(ids)
    assert len(paths) > 250  # the whole URLconf, admin included
    opened = []
    for path in paths:
        if path == WAITING:
            continue
        for method, headers in (("get", {}), ("get", {"HX-Request": "true"}), ("post", {})):
            response = getattr(client, method)(path, headers=headers)
            if not _sent_to_waiting(response, path):
                opened.append((method, headers, path, response.status_code))
    assert opened == []
    assert not Membership.objects.filter(user=user).exists()
    assert not ApiToken.objects.filter(user=user).exists()
    assert client.get(WAITING).status_code == 200
    assert client.post(LOGOUT).status_code == 302 and "_auth_user_id" not in client.session


def test_the_waiting_page_lets_go_once_a_role_is_granted(client, idp, team_a):
    sso_sign_in(client, "sso.officer")
    user = User.objects.get(email="sso.officer@example.gov.uk")
    Membership.objects.create(user=user, team=team_a, role="officer")
    assert client.get(WAITING)["Location"] == reverse("inbox:list")
    assert client.get(reverse("inbox:list")).status_code == 200


@pytest.mark.mfa
def test_an_sso_session_skips_our_second_step_but_a_password_session_does_not(client, idp, manager):
    idp.post(
        "/_sandbox/oidc/people",
        {"username": "maya.sso", "email": manager.email, "email_verified": True},
    )
    sso_sign_in(client, "maya.sso")
    assert client.get(reverse("inbox:list")).status_code == 200
    assert client.get(reverse("kpis:index"), follow=True).status_code == 200
    # Just signed in at the provider: as fresh as a re-authentication.
    assert client.get(reverse("api_token_create")).status_code == 200
    client.post(LOGOUT)

    signed_in = client.post(reverse("login"), {"username": manager.username, "password": PASSWORD})
    assert signed_in.status_code == 302
    gated = client.get(reverse("inbox:list"))
    assert gated.status_code == 302 and gated["Location"].startswith(reverse("mfa_setup"))


def _stale_proof(client) -> None:
    session = client.session
    session["reauth_at"] = 0
    session.save()


def test_an_sso_user_confirms_it_is_them_at_the_provider(client, idp, officer, settings):
    settings.REAUTH_SECONDS = 300
    officer.email = "sso.officer@example.gov.uk"
    officer.save()
    sso_sign_in(client, "sso.officer")
    _stale_proof(client)
    tokens_page = reverse("api_token_create")
    asked = client.get(tokens_page)
    assert asked.status_code == 302 and asked["Location"].startswith(reverse("reauth"))
    page = client.get(asked["Location"]).content.decode()
    assert "Confirm with Sandbox ID" in page

    start = client.get("/sso/start/", {"reauth": "1", "next": tokens_page})
    assert "prompt=login" in start["Location"] and "max_age=0" in start["Location"]
    back = provider_sign_in(start["Location"], "sso.officer")
    done = client.get(back.path, back.params)
    assert done["Location"] == tokens_page
    assert client.get(tokens_page).status_code == 200


def test_a_provider_that_skips_the_second_check_is_refused(client, idp, officer):
    officer.email = "sso.officer@example.gov.uk"
    officer.save()
    sso_sign_in(client, "sso.officer")
    _stale_proof(client)
    start = client.get("/sso/start/", {"reauth": "1"})
    # The provider answers from its own old session instead of asking again.
    idp.post("/_sandbox/oidc/spoil-next-token", {"auth_time": 1_000_000_000})
    back = provider_sign_in(start["Location"], "sso.officer")
    assert client.get(back.path, back.params)["Location"] == reverse("login")
    assert client.get(reverse("api_token_create")).status_code == 302
    refused = Event.objects.filter(type="auth.sso_refused").latest("pk")
    assert refused.data["reason"] == "the provider did not check the person again"
