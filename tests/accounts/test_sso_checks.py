"""`manage.py check` reports single sign-on settings that cannot work."""

from __future__ import annotations

from accounts.sso.checks import sso_settings_check


def _ids(settings) -> list[str]:
    return [e.id for e in sso_settings_check()]


def _on(settings) -> None:
    settings.SSO_ENABLED = True
    for name in (
        "OIDC_OP_AUTHORIZATION_ENDPOINT",
        "OIDC_OP_TOKEN_ENDPOINT",
        "OIDC_OP_USER_ENDPOINT",
        "OIDC_OP_JWKS_ENDPOINT",
        "OIDC_RP_CLIENT_SECRET",
    ):
        setattr(settings, name, "https://id.example/x")
    settings.SSO_GROUPS_CLAIM = "groups"
    settings.SSO_GROUP_ROLES = ["sd-officers=customer-services:officer"]


def test_nothing_is_checked_when_sso_is_off(settings):
    settings.SSO_ENABLED = False
    settings.SSO_GROUP_ROLES = ["nonsense"]
    assert _ids(settings) == []


def test_a_complete_configuration_passes(settings):
    _on(settings)
    assert _ids(settings) == []


def test_a_missing_endpoint_is_reported(settings):
    _on(settings)
    settings.OIDC_OP_JWKS_ENDPOINT = ""
    assert _ids(settings) == ["accounts.E101"]


def test_a_mistyped_role_mapping_is_reported(settings):
    _on(settings)
    settings.SSO_GROUP_ROLES = ["sd-officers=customer-services:superhero"]
    assert _ids(settings) == ["accounts.E102"]


def test_a_mapping_without_a_groups_claim_is_reported(settings):
    _on(settings)
    settings.SSO_GROUPS_CLAIM = ""
    assert _ids(settings) == ["accounts.E103"]
