"""Which secrets each network needs, for the admin form and validation."""

from __future__ import annotations

CREDENTIAL_FIELDS: dict[str, list[tuple[str, str]]] = {
    "x": [
        ("consumer_key", "API key (consumer key)"),
        ("consumer_secret", "API key secret (consumer secret)"),
        ("access_token", "Access token"),
        ("access_token_secret", "Access token secret"),
    ],
    "facebook": [
        ("page_access_token", "Page access token"),
        ("app_secret", "App secret"),
    ],
}
