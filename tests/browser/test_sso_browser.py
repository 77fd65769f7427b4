"""Single sign-on in a real browser, through the sandbox's OpenID Connect
provider, under the site's real Content Security Policy; axe on our pages."""

from __future__ import annotations

import pytest

from accounts.models import Membership, User
from tests.browser.helpers import BROWSER, assert_no_axe_violations
from tests.support.oidc import idp_configure

pytestmark = [*BROWSER, pytest.mark.mfa]


@pytest.fixture
def idp(sandbox, settings, live_server, team_a):
    idp_configure(settings, sandbox, redirect_uri=live_server.url + "/sso/callback/")
    settings.SSO_GROUPS_CLAIM = "groups"
    settings.SSO_GROUP_ROLES = ["socialdesk-managers=customer-services:manager"]
    return sandbox


def _through_the_provider(page, username: str) -> None:
    page.goto("/login/")
    page.get_by_role("button", name="Sign in with Sandbox ID").click()
    page.wait_for_url("**/oidc/authorize**")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("sandbox-password")
    page.get_by_role("button", name="Sign in").click()


def test_a_manager_signs_in_through_the_provider_and_lands_in_the_inbox(new_page, idp, team_a):
    page = new_page()  # console errors (CSP refusals too) fail the test
    _through_the_provider(page, "sso.manager")
    page.wait_for_url("**/inbox/**")
    user = User.objects.get(email="sso.manager@example.gov.uk")
    assert Membership.objects.get(user=user, team=team_a).role == "manager"
    # The manager's own pages are open, with no second step of ours.
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Audit").is_visible()
    page.goto("/audit/")
    assert "/audit/" in page.url


def test_the_sign_in_and_waiting_pages_pass_axe(new_page, idp):
    idp.post("/_sandbox/oidc/people", {"username": "newcomer", "email": "new@example.gov.uk"})
    page = new_page(for_axe=True)
    page.goto("/login/")
    assert_no_axe_violations(page, "the sign-in page with single sign-on")
    page.screenshot(path="var/screenshots/sso-sign-in.png", full_page=True)
    _through_the_provider(page, "newcomer")
    page.wait_for_url("**/account/waiting/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("You are signed in")
    assert_no_axe_violations(page, "the waiting for access page")
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path="var/screenshots/sso-waiting-phone.png", full_page=True)
