"""Who am I, user lookups, auth variants and rate-limit headers, through real tweepy."""

from __future__ import annotations

import pytest
import requests
import tweepy

READ_HEADERS = ("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset")


def test_get_me_returns_the_account_named_by_the_oauth1_token(client):
    me = client.get_me(user_fields=["public_metrics", "verified"])
    assert me.data.id == 999
    assert me.data.username == "council_help"
    assert me.data.public_metrics["followers_count"] >= 18_000
    assert me.data.verified is False


def test_get_me_without_user_fields_has_only_id_name_username(client):
    me = client.get_me()
    assert set(me.data.data) == {"id", "name", "username"}


def test_an_unknown_account_id_is_auto_registered_in_training_mode(make_client, control):
    me = make_client("4242-sbx").get_me()
    assert me.data.username == "acct4242"
    ids = [a["id"] for a in control.get("/_sandbox/x/accounts")["accounts"]]
    assert "4242" in ids


def test_an_expired_token_raises_unauthorized(make_client):
    with pytest.raises(tweepy.Unauthorized) as info:
        make_client("999-expired-token").get_me()
    assert info.value.response.json() == {
        "title": "Unauthorized",
        "type": "about:blank",
        "status": 401,
        "detail": "Unauthorized",
    }


def test_a_request_without_authorization_is_401_with_rate_limit_headers(sandbox):
    response = requests.get(f"{sandbox.url}/x/2/users/999/mentions", timeout=5)
    assert response.status_code == 401
    assert all(h in response.headers for h in READ_HEADERS)


def test_app_only_bearer_can_read_mentions_but_not_get_me(make_client, control):
    control.inject(kind="mention", account_id="999", text="@council_help hello")
    app = make_client(None, bearer_token="sbx-app-token")
    assert len(app.get_users_mentions(999).data) == 1
    with pytest.raises(tweepy.Forbidden):
        app.get_me(user_auth=False)


def test_oauth2_user_bearer_acts_as_that_account(make_client, control):
    [mention] = control.inject(kind="mention", account_id="999", text="@council_help hi")
    user = make_client(None, bearer_token="sbx-user-999-abc")
    assert user.get_me(user_auth=False).data.id == 999
    user.like(mention["id"], user_auth=False)  # tweepy resolves "me" through /2/users/me
    assert control.outbox(kind="like")[0]["account_id"] == "999"


def test_get_user_and_get_users_with_missing_ids_report_partial_errors(client, control):
    [item] = control.inject(
        kind="mention", account_id="999", author={"id": "123456", "username": "jo_res"}
    )
    assert client.get_user(id=123456).data.username == "jo_res"
    assert client.get_user(username="jo_res").data.id == 123456
    both = client.get_users(ids=[123456, 777], user_fields=["verified"])
    assert [u.username for u in both.data] == ["jo_res"]
    assert both.errors[0]["resource_id"] == "777"
    assert both.errors[0]["title"] == "Not Found Error"
    assert item["author"]["id"] == "123456"


def test_every_response_carries_rate_limit_headers(make_client):
    raw = make_client(return_type=requests.Response)
    response = raw.get_users_mentions(999)
    assert all(h in response.headers for h in READ_HEADERS)
    first = int(response.headers["x-rate-limit-remaining"])
    second = int(raw.get_users_mentions(999).headers["x-rate-limit-remaining"])
    assert second == first - 1
    assert int(response.headers["x-rate-limit-limit"]) >= 300


def test_errors_also_carry_rate_limit_headers(make_client):
    raw = make_client(return_type=requests.Response)
    with pytest.raises(tweepy.BadRequest) as info:
        raw.get_users_mentions(999, max_results=3)
    assert all(h in info.value.response.headers for h in READ_HEADERS)


def test_the_block_endpoints_do_not_exist(sandbox):
    headers = {"Authorization": "Bearer sbx-user-999-x"}
    response = requests.post(
        f"{sandbox.url}/x/2/users/999/blocking",
        json={"target_user_id": "1"},
        headers=headers,
        timeout=5,
    )
    assert response.status_code == 404


def test_the_x_com_host_is_rewritten_too(client):
    response = client.session.get(
        "https://api.x.com/2/users/me",
        auth=tweepy.OAuth1UserHandler("ck", "cs", "999-sbx", "ts").apply_auth(),
    )
    assert response.json()["data"]["id"] == "999"
