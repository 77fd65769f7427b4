"""Single sign-on against the sandbox's OpenID Connect provider, over HTTP.

The flow is the real authorisation-code flow: the app sends the browser to
the provider, the provider's sign-in form answers with a code, the app's
callback exchanges it at the token endpoint, checks the RS256 ID token
against the provider's JWKS and reads userinfo.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Membership, SsoIdentity, User
from events.models import Event
from tests.support.oidc import idp_configure, sso_sign_in

CALLBACK = "http://testserver/sso/callback/"
WAITING = "/account/waiting/"


@pytest.fixture
def idp(sandbox, settings, db):
    idp_configure(settings, sandbox, redirect_uri=CALLBACK)
    return sandbox


def _signed_in(client) -> User | None:
    pk = client.session.get("_auth_user_id")
    return User.objects.get(pk=pk) if pk else None


def test_the_sign_in_page_offers_sso_only_when_configured(client, db, settings):
    settings.SSO_ENABLED = False
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with" not in page
    assert client.get("/sso/start/").status_code == 404
    assert client.get("/sso/callback/?code=x&state=y").status_code == 404


def test_the_sign_in_page_shows_the_provider_button(client, idp):
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with Sandbox ID" in page
    assert 'name="password"' in page  # passwords still work unless SSO_ONLY


def test_a_new_person_is_created_with_no_role_and_waits(client, idp):
    response = sso_sign_in(client, "sso.officer")
    assert response.status_code == 302 and response["Location"] == reverse("inbox:list")
    user = _signed_in(client)
    assert user is not None and user.email == "sso.officer@example.gov.uk"
    assert not user.has_usable_password() and not user.memberships.exists()
    assert SsoIdentity.objects.get(user=user).subject == "sub-officer-0001"
    inbox = client.get(reverse("inbox:list"))
    assert inbox.status_code == 302 and inbox["Location"] == WAITING
    page = client.get(WAITING)
    assert page.status_code == 200 and b"has no role in any team yet" in page.content
    types = set(Event.objects.filter(actor=user).values_list("type", flat=True))
    assert {"auth.sso_user_created", "auth.sso_signed_in", "auth.login"} <= types


def test_the_next_sign_in_matches_by_subject_not_by_a_second_account(client, idp, team_a):
    sso_sign_in(client, "sso.officer")
    client.logout()
    sso_sign_in(client, "sso.officer")
    assert User.objects.filter(email="sso.officer@example.gov.uk").count() == 1
    event = Event.objects.filter(type="auth.sso_signed_in").latest("pk")
    assert event.data["matched_by"] == "subject"


def test_a_verified_email_links_the_existing_account(client, idp, officer):
    officer.email = "sso.officer@example.gov.uk"
    officer.save()
    sso_sign_in(client, "sso.officer")
    assert _signed_in(client) == officer
    assert SsoIdentity.objects.get(user=officer).issuer == idp.url + "/oidc"
    assert Event.objects.filter(type="auth.sso_linked", actor=officer).exists()
    assert client.get(reverse("inbox:list")).status_code == 200


def test_the_groups_claim_grants_and_later_removes_the_mapped_role(client, idp, settings, team_a):
    settings.SSO_GROUPS_CLAIM = "groups"
    settings.SSO_GROUP_ROLES = [
        "socialdesk-officers=customer-services:officer",
        "socialdesk-managers=customer-services:manager",
    ]
    sso_sign_in(client, "sso.officer")
    user = _signed_in(client)
    assert Membership.objects.get(user=user, team=team_a).role == "officer"
    assert client.get(reverse("inbox:list")).status_code == 200
    joined = Event.objects.get(type="account.team_joined", data__target=f"user:{user.pk}")
    assert joined.data["source"] == "sso groups" and joined.data["role"] == "officer"

    # Moved out of the group at the provider: the role goes at the next sign-in.
    idp.post(
        "/_sandbox/oidc/people",
        {"username": "sso.officer", "sub": "sub-officer-0001", "email": user.email, "groups": []},
    )
    client.logout()
    sso_sign_in(client, "sso.officer")
    assert not Membership.objects.filter(user=user).exists()
    assert client.get(reverse("inbox:list"))["Location"] == WAITING
    assert Event.objects.filter(type="account.team_left", data__target=f"user:{user.pk}").exists()
