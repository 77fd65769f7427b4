"""The sandbox's OpenID Connect provider keeps the rules a real one keeps,
so the app's tests against it mean something: exact redirect URIs, codes
bound to their client and spent once, PKCE, client secrets, signed tokens."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
import requests

from sandbox.oidc_store import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_PASSWORD

REDIRECT = "http://127.0.0.1:9/sso/callback/"
VERIFIER = "v" * 64
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=")


@pytest.fixture
def issuer(sandbox) -> str:
    return sandbox.url + "/oidc"


def _authorize(issuer: str, **overrides: str) -> dict[str, str]:
    params = {
        "client_id": DEFAULT_CLIENT_ID,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "openid email",
        "state": "s1",
        "nonce": "n1",
        "code_challenge": CHALLENGE.decode(),
        "code_challenge_method": "S256",
        **overrides,
    }
    return params


def _code(issuer: str, params: dict[str, str], password: str = DEFAULT_PASSWORD) -> str:
    answer = requests.post(
        issuer + "/authorize",
        data={**params, "username": "sso.officer", "password": password},
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code == 302, answer.text
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["state"] == [params["state"]]
    return query["code"][0]


def _token(issuer: str, code: str, **overrides: str) -> requests.Response:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
        "code_verifier": VERIFIER,
        **overrides,
    }
    return requests.post(issuer + "/token", data=data, timeout=5)


def test_discovery_names_every_endpoint_under_the_issuer(issuer):
    doc = requests.get(issuer + "/.well-known/openid-configuration", timeout=5).json()
    assert doc["issuer"] == issuer
    for key in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"):
        assert doc[key].startswith(issuer + "/")


def test_the_id_token_is_signed_with_the_published_key(issuer):
    tokens = _token(issuer, _code(issuer, _authorize(issuer))).json()
    jwk = requests.get(issuer + "/jwks", timeout=5).json()["keys"][0]
    claims = jwt.decode(
        tokens["id_token"],
        jwt.PyJWK(jwk),
        algorithms=["RS256"],
        audience=DEFAULT_CLIENT_ID,
        issuer=issuer,
    )
    assert claims["nonce"] == "n1" and claims["groups"] == ["socialdesk-officers"]
    info = requests.get(
        issuer + "/userinfo",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=5,
    ).json()
    assert info["sub"] == claims["sub"] and info["email_verified"] is True


def test_a_code_works_once(issuer):
    code = _code(issuer, _authorize(issuer))
    assert _token(issuer, code).status_code == 200
    again = _token(issuer, code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "spoilt",
    [
        {"code_verifier": "w" * 64},
        {"redirect_uri": "http://127.0.0.1:9/elsewhere/"},
        {"client_secret": "guessed"},
    ],
)
def test_the_token_endpoint_checks_pkce_redirect_and_secret(issuer, spoilt):
    response = _token(issuer, _code(issuer, _authorize(issuer)), **spoilt)
    assert response.status_code in (400, 401)
    assert response.json()["error"] in ("invalid_grant", "invalid_client")


def test_an_unregistered_redirect_uri_gets_nothing(issuer, control):
    control.post(
        "/_sandbox/oidc/clients",
        {"client_id": "strict", "secret": "s", "redirect_uris": [REDIRECT]},
    )
    params = _authorize(issuer, client_id="strict", redirect_uri="http://127.0.0.1:9/steal/")
    page = requests.get(issuer + "/authorize?" + urlencode(params), timeout=5)
    assert page.status_code == 400 and "Location" not in page.headers


def test_a_wrong_password_shows_the_form_again(issuer):
    params = _authorize(issuer)
    answer = requests.post(
        issuer + "/authorize",
        data={**params, "username": "sso.officer", "password": "wrong"},
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code == 401 and "Wrong username or password" in answer.text


def test_userinfo_needs_a_valid_access_token(issuer):
    response = requests.get(
        issuer + "/userinfo", headers={"Authorization": "Bearer made-up"}, timeout=5
    )
    assert response.status_code == 401
