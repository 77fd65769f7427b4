"""The sandbox's OpenID Connect provider: its key, clients, people and grants.

A real provider for the authorisation-code flow, small enough to read: one
RS256 key made when the server starts (never written anywhere), clients with
secrets, people with passwords and a groups claim, single-use codes bound to
their client, redirect URI, nonce and PKCE challenge. Tests can add people and
clients, and can ask for the *next* ID token to be spoiled (another audience,
another nonce, an old expiry) to check that the app refuses it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

CODE_SECONDS = 60
TOKEN_SECONDS = 300

DEFAULT_CLIENT_ID = "socialdesk-sandbox"
DEFAULT_CLIENT_SECRET = "sandbox-oidc-secret"
OTHER_CLIENT_ID = "another-app"
OTHER_CLIENT_SECRET = "another-app-secret"
DEFAULT_PASSWORD = "sandbox-password"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _int_b64(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


class SigningKey:
    """An RSA key made at start; signs compact JWS with RS256."""

    def __init__(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(8)

    def jwk(self) -> dict[str, str]:
        numbers = self._key.public_key().public_numbers()
        return {
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": _int_b64(numbers.n),
            "e": _int_b64(numbers.e),
        }

    def sign(self, claims: dict[str, Any]) -> str:
        header = {"alg": "RS256", "typ": "JWT", "kid": self.kid}
        head = b64url(json.dumps(header, separators=(",", ":")).encode())
        body = b64url(json.dumps(claims, separators=(",", ":")).encode())
        signing_input = f"{head}.{body}".encode("ascii")
        signature = self._key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        return f"{head}.{body}.{b64url(signature)}"


@dataclass
class OidcClient:
    client_id: str
    secret: str
    # Exact redirect URIs; empty means any http URI on a loopback host (the
    # test server's port is only known when it starts).
    redirect_uris: tuple[str, ...] = ()

    def allows_redirect(self, uri: str) -> bool:
        if self.redirect_uris:
            return uri in self.redirect_uris
        parts = urlsplit(uri)
        return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")


@dataclass
class OidcPerson:
    username: str
    password: str
    sub: str
    email: str
    email_verified: bool = True
    name: str = ""
    groups: list[str] = field(default_factory=list)

    def claims(self) -> dict[str, Any]:
        return {
            "sub": self.sub,
            "email": self.email,
            "email_verified": self.email_verified,
            "name": self.name or self.username,
            "preferred_username": self.username,
            "groups": list(self.groups),
        }


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    person: OidcPerson
    nonce: str | None
    code_challenge: str | None
    expires_at: float


def pkce_matches(challenge: str, verifier: str) -> bool:
    digest = b64url(hashlib.sha256(verifier.encode("ascii")).digest())
    return secrets.compare_digest(digest, challenge)


def _default_people() -> dict[str, OidcPerson]:
    people = [
        OidcPerson(
            "sso.officer",
            DEFAULT_PASSWORD,
            "sub-officer-0001",
            "sso.officer@example.gov.uk",
            name="Sam Officer",
            groups=["socialdesk-officers"],
        ),
        OidcPerson(
            "sso.manager",
            DEFAULT_PASSWORD,
            "sub-manager-0002",
            "sso.manager@example.gov.uk",
            name="Morgan Manager",
            groups=["socialdesk-managers"],
        ),
    ]
    return {p.username: p for p in people}


def _default_clients() -> dict[str, OidcClient]:
    return {
        DEFAULT_CLIENT_ID: OidcClient(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
        OTHER_CLIENT_ID: OidcClient(OTHER_CLIENT_ID, OTHER_CLIENT_SECRET),
    }


class OidcStore:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.key = SigningKey()
        self.reset()

    def reset(self) -> None:
        """Default clients and people, no grants; the key stays (apps cache it)."""
        with self.lock:
            self.clients = _default_clients()
            self.people = _default_people()
            self.grants: dict[str, Grant] = {}
            self.access_tokens: dict[str, tuple[OidcPerson, float]] = {}
            self.spoil_next: dict[str, Any] = {}

    def person_check(self, username: str, password: str) -> OidcPerson | None:
        with self.lock:
            person = self.people.get(username)
        if person is None or not secrets.compare_digest(person.password, password):
            return None
        return person

    def grant_issue(self, grant: Grant) -> str:
        code = secrets.token_urlsafe(24)
        with self.lock:
            self.grants[code] = grant
        return code

    def grant_take(self, code: str) -> Grant | None:
        """A code works once: taking it removes it, whatever happens next."""
        with self.lock:
            grant = self.grants.pop(code, None)
        if grant is None or grant.expires_at < time.time():
            return None
        return grant

    def tokens_issue(self, *, issuer: str, grant: Grant) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            **grant.person.claims(),
            "iss": issuer,
            "aud": grant.client_id,
            "azp": grant.client_id,
            "iat": now,
            "auth_time": now,
            "exp": now + TOKEN_SECONDS,
        }
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        access = secrets.token_urlsafe(24)
        with self.lock:
            claims.update(self.spoil_next)
            self.spoil_next = {}
            self.access_tokens[access] = (grant.person, now + TOKEN_SECONDS)
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": TOKEN_SECONDS,
            "id_token": self.key.sign(claims),
        }

    def userinfo(self, access_token: str) -> dict[str, Any] | None:
        with self.lock:
            found = self.access_tokens.get(access_token)
        if found is None or found[1] < time.time():
            return None
        return found[0].claims()
