"""API tokens: everyone's, for admins (page and API), and each person's own
through the settings API. An officer can neither list nor revoke another
person's token; a revoked or expired token is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import reauth_state
from accounts.models import ApiToken
from accounts.services import tokens
from events.models import Event

pytestmark = pytest.mark.django_db

TOKENS_API = "/api/settings/api-tokens/"


def api(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def fresh_session(client, user):
    """A session that just proved who it is (the page's and API's precondition)."""
    client.force_login(user)
    session = client.session
    reauth_state.reauthenticated(session, with_second_factor=False)
    session.save()
    return client


@pytest.fixture
def teammates_token(teammate):
    token, key = tokens.api_token_create(user=teammate, name="teammate's script", verified_mfa=True)
    return token, key


def test_an_admin_lists_everyones_tokens_without_keys_or_hashes(
    client, admin_user, teammates_token, officer
):
    token, key = teammates_token
    revoked, _ = tokens.api_token_create(user=officer, name="old report", verified_mfa=False)
    tokens.api_token_revoke(token=revoked, actor=officer)
    client.force_login(admin_user)
    page = client.get(reverse("console:api_tokens")).content.decode()
    assert "teammate&#x27;s script" in page and "old report" not in page  # live ones first
    assert key not in page and token.key_hash not in page
    page = client.get(reverse("console:api_tokens") + "?show=all").content.decode()
    assert "old report" in page and "Revoked" in page
    listed = APIClient()
    listed.force_authenticate(admin_user)
    rows = listed.get(TOKENS_API, {"everyone": "true"}).json()
    assert {r["name"] for r in rows} == {"teammate's script", "old report"}
    assert all("key" not in r and "key_hash" not in r for r in rows)


def test_an_admin_revokes_anyones_token_and_it_stops_working(
    client, admin_user, teammates_token, conversation_a
):
    token, key = teammates_token
    assert api(key).get("/api/conversations/").status_code == 200
    client.force_login(admin_user)
    response = client.post(reverse("console:api_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    assert api(key).get("/api/conversations/").status_code == 401
    event = Event.objects.get(type="auth.api_token_revoked")
    assert event.actor == admin_user and event.data["by_owner"] is False


def test_an_officer_cannot_list_or_revoke_anothers_token_by_page_or_api(
    client, officer, manager, other_manager, teammates_token
):
    token, _key = teammates_token
    for person in (officer, manager, other_manager):
        client.force_login(person)
        assert client.get(reverse("console:api_tokens")).status_code == 403
        assert client.post(reverse("console:api_token_revoke", args=[token.pk])).status_code == 403
        as_api = APIClient()
        as_api.force_authenticate(person)
        assert as_api.get(TOKENS_API, {"everyone": "true"}).status_code == 403
        assert [r["id"] for r in as_api.get(TOKENS_API).json()] == []  # only their own
        assert as_api.post(f"{TOKENS_API}{token.pk}/revoke/").status_code == 404
    # With the officer's own token, too.
    _own, own_key = tokens.api_token_create(user=officer, name="mine", verified_mfa=True)
    assert api(own_key).post(f"{TOKENS_API}{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert not Event.objects.filter(type="auth.api_token_revoked").exists()
    with pytest.raises(PermissionDenied):
        tokens.api_token_revoke(token=token, actor=officer)


def test_a_person_makes_sees_and_revokes_their_own_token_through_the_api(client, officer):
    fresh_session(client, officer)
    made = client.post(
        TOKENS_API, {"name": "reports", "expires_in_days": 30}, content_type="application/json"
    )
    assert made.status_code == 201
    key = made.json()["key"]
    token = ApiToken.objects.get(user=officer)
    assert token.expires_at > timezone.now() + timedelta(days=29)
    api(key).get("/api/conversations/")
    [row] = client.get(TOKENS_API).json()
    assert row["name"] == "reports" and row["last_used_at"] is not None and "key" not in row
    assert client.post(f"{TOKENS_API}{token.pk}/revoke/").status_code == 204
    assert api(key).get("/api/conversations/").status_code == 401


def test_a_token_cannot_make_tokens_and_a_stale_session_must_confirm_first(client, officer):
    _token, key = tokens.api_token_create(user=officer, name="script", verified_mfa=True)
    assert api(key).post(TOKENS_API, {"name": "more"}, format="json").status_code == 403
    client.force_login(officer)
    session = client.session
    session[reauth_state.PASSWORD_AT] = 0  # signed in long ago, never confirmed since
    session.save()
    response = client.post(TOKENS_API, {"name": "more"}, content_type="application/json")
    assert response.status_code == 403 and "Confirm who you are" in response.json()["detail"]
    assert ApiToken.objects.filter(user=officer).count() == 1


def test_revoked_and_expired_tokens_are_refused(officer):
    revoked, revoked_key = tokens.api_token_create(user=officer, name="a", verified_mfa=True)
    tokens.api_token_revoke(token=revoked, actor=officer)
    _expired, expired_key = tokens.api_token_create(
        user=officer, name="b", verified_mfa=True, expires_at=timezone.now() - timedelta(seconds=1)
    )
    for key in (revoked_key, expired_key):
        assert api(key).get(TOKENS_API).status_code == 401
        assert api(key).get("/api/conversations/").status_code == 401
