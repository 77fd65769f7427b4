"""The browsable API and the account pages under the real CSP and
Permissions-Policy, in Chromium: no refusal, no unrecognised feature."""

from __future__ import annotations

from tests.browser.helpers import BROWSER, sign_in

pytestmark = BROWSER


def test_the_browsable_api_and_token_pages_raise_no_policy_complaints(
    new_page, officer, conversation_a
):
    page = new_page()  # console errors (CSP refusals too) fail the test
    notes: list[str] = []
    page.on("console", lambda msg: notes.append(f"{msg.type}: {msg.text}"))
    sign_in(page, officer.username)
    for path in ("/api/conversations/", "/api/conversations/counts/", "/account/security/"):
        response = page.goto(path)
        assert response.status == 200, path
        assert "clipboard-write=(self)" in response.headers["permissions-policy"]
    page.goto("/api/conversations/")
    assert page.locator("pre.api-body").inner_text().lstrip().startswith("{")
    page.goto("/account/tokens/new/")
    page.get_by_label("What the token is for").fill("reports")
    page.get_by_role("button", name="Make the token").click()
    assert page.get_by_label("Token “reports”").input_value().startswith("sdk_")
    complaints = [n for n in notes if "Permissions-Policy" in n or "Content Security" in n]
    assert complaints == []
