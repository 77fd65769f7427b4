"""Connecting a Mastodon account in a real browser, under the site's real
Content Security Policy: the admin names the instance, follows the link to its
consent page (the sandbox's), comes back and chooses the teams; axe-core on
the pages on the way."""

from __future__ import annotations

from inbox.models import Channel
from tests.browser.helpers import BROWSER, assert_no_axe_violations, sign_in
from tests.channels.test_mastodon_oauth_connect import CHOOSE, CONNECT, LIST

pytestmark = BROWSER


def test_connecting_a_mastodon_account_works_in_a_browser_and_passes_axe(
    new_page, admin_user, sandbox, team_a
):
    sandbox.post(
        "/_sandbox/masto/accounts",
        {"id": "1001", "username": "riverside", "display_name": "Riverside Council"},
    )
    page = new_page(for_axe=True)  # console errors (CSP refusals too) fail the test
    sign_in(page, admin_user.username)
    page.goto(CONNECT)
    assert_no_axe_violations(page, "the connect Mastodon page")
    page.get_by_label("Instance").fill("social.sandbox.example")
    page.get_by_role("button", name="Continue").click()
    assert_no_axe_violations(page, "the continue-to-the-instance page")
    page.get_by_role("link", name="Sign in on social.sandbox.example").click()
    page.wait_for_url(f"**{CHOOSE}")  # there and back through the instance's consent
    assert_no_axe_violations(page, "the choose teams page")
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Connect @riverside@social.sandbox.example"
    )
    page.get_by_label(team_a.name).check()
    page.get_by_role("button", name="Connect this account").click()
    page.wait_for_url(f"**{LIST}")
    assert "Connected @riverside@social.sandbox.example on Mastodon." in page.content()
    channel = Channel.objects.get()
    assert (channel.network, channel.teams.get()) == ("mastodon", team_a)
