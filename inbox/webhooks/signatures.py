"""Webhook signatures, compared in constant time against the raw body.

- X: ``x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256(consumer secret, body)>``;
  the CRC answer is the same HMAC over the ``crc_token``.
- Meta: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, body)>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def _hmac(secret: str, data: bytes) -> bytes:
    return hmac.new(secret.encode(), data, hashlib.sha256).digest()


def x_signature(secret: str, body: bytes) -> str:
    return "sha256=" + base64.b64encode(_hmac(secret, body)).decode()


def x_crc_response_token(secret: str, crc_token: str) -> str:
    return x_signature(secret, crc_token.encode())


def meta_signature(secret: str, body: bytes) -> str:
    return "sha256=" + _hmac(secret, body).hex()


def _matches(expected: str, given: str | None) -> bool:
    # compare_digest on bytes: constant time, and no error on non-ASCII input.
    return (
        given is not None
        and bool(given)
        and (hmac.compare_digest(expected.encode(), given.strip().encode()))
    )


def x_signature_valid(secret: str, body: bytes, given: str | None) -> bool:
    return bool(secret) and _matches(x_signature(secret, body), given)


def meta_signature_valid(secret: str, body: bytes, given: str | None) -> bool:
    return bool(secret) and _matches(meta_signature(secret, body), given)


def constant_time_equal(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())
