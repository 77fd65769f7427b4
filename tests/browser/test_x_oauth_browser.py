"""Sign in with X in a real browser, under the site's real Content Security
Policy (a CSP form-action without the consent origin blocks the redirect, which
the Test Client cannot see), and axe-core on its pages."""

from __future__ import annotations

from inbox.models import Channel
from tests.browser.helpers import BROWSER, assert_no_axe_violations, sign_in
from tests.channels.test_x_oauth_connect import CONNECT_X, LIST, X_CHOOSE

pytestmark = BROWSER


def test_sign_in_with_x_works_in_a_browser_and_its_pages_pass_axe(
    new_page, admin_user, sandbox, team_a
):
    sandbox.post(
        "/_sandbox/x/accounts",
        {"id": "999", "username": "council_help", "name": "Riverside Council"},
    )
    page = new_page()  # console errors (CSP refusals too) fail the test
    sign_in(page, admin_user.username)
    page.goto(CONNECT_X)
    page.get_by_role("button", name="Sign in with X", exact=True).click()
    page.wait_for_url(f"**{X_CHOOSE}")  # there and back through the sandbox's consent
    assert page.get_by_role("heading", level=1).inner_text() == "Connect @council_help"
    page.get_by_label(team_a.name).check()
    page.get_by_role("button", name="Connect this account").click()
    page.wait_for_url(f"**{LIST}")
    assert "Connected @council_help on X." in page.content()
    assert Channel.objects.get().teams.get() == team_a

    checker = new_page(for_axe=True)
    sign_in(checker, admin_user.username)
    checker.goto(CONNECT_X)
    assert_no_axe_violations(checker, "the connect X page")
    checker.get_by_role("button", name="Sign in with X", exact=True).click()
    checker.wait_for_url(f"**{X_CHOOSE}")
    assert_no_axe_violations(checker, "the choose teams page after Sign in with X")
