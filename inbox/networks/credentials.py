"""Which secrets each network needs, for the admin form and validation."""

from __future__ import annotations

CREDENTIAL_FIELDS: dict[str, list[tuple[str, str]]] = {
    "x": [
        ("consumer_key", "API key (consumer key)"),
        ("consumer_secret", "API key secret (consumer secret)"),
        ("access_token", "Access token"),
        ("access_token_secret", "Access token secret"),
    ],
    "bluesky": [
        ("identifier", "Handle (e.g. council.bsky.social)"),
        ("app_password", "App password"),
    ],
    "facebook": [
        ("page_access_token", "Page access token"),
        ("app_secret", "App secret"),
    ],
    # An Instagram professional account is reached through the Graph API with
    # the token of the Facebook Page it is linked to.
    "instagram": [
        ("page_access_token", "Access token of the linked Facebook Page"),
        ("app_secret", "App secret"),
    ],
    # Stored by the OAuth connect flow (channels.services.mastodon): the
    # instance, the app SocialDesk registered there, and the account's token.
    "mastodon": [
        ("instance", "Instance address"),
        ("access_token", "Access token"),
        ("client_id", "App client id"),
        ("client_secret", "App client secret"),
    ],
}
