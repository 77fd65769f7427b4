"""The inbox on a phone (390 x 844, Chromium, the real CSP): one pane at a
time. The officer opens a conversation from the list, reaches the composer
without scrolling past the thread, replies with a canned response that
reaches the sandbox network once, and goes back to the list; axe finds
nothing on either pane, and the console stays clean (the new_page fixture
fails the test on any error or CSP refusal)."""

from __future__ import annotations

import re

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the module is skipped (see BROWSER)
    expect = None

from inbox.models import CannedResponse
from tests.browser.helpers import BROWSER, format_violations, sign_in
from tests.browser.test_every_page import _axe
from tests.browser.test_inbox_flow import (
    CANNED,
    CANNED_TEXT,
    _exactly_one_reply_reached_the_network,
    _expected_reply,
    _mention_arrives,
)
from tests.inbox.ui_data import citizen, conversation_with

pytestmark = BROWSER

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def canned(db):
    return CannedResponse.objects.create(title=CANNED, text=CANNED_TEXT)


def _in_view(page, selector: str) -> bool:
    """Whether the element's box lies inside the viewport as it stands."""
    return page.evaluate(
        """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
                      return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }""",
        selector,
    )


def _assert_axe_clean(page, where: str) -> None:
    violations = _axe(page)
    assert not violations, format_violations(where, violations)


def _no_sideways_scroll(page) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= PHONE["width"], f"{page.url} scrolls sideways ({wide} px)"


def test_phone_flow_one_pane_at_a_time(
    new_page, officer, canned, x_channel, sandbox, celery_worker_process
):
    page = new_page()
    page.set_viewport_size(PHONE)
    sign_in(page, officer.username)
    item, conversation = _mention_arrives(
        sandbox, x_channel, "@council_help the bus shelter on Elm Road is smashed"
    )
    page.goto("/inbox/")

    # The list first; views and filters behind one button, the conversation pane away.
    row = page.locator(f'#conversation-list .row[data-id="{conversation.pk}"]')
    expect(row).to_contain_text("bus shelter on Elm Road")
    assert _in_view(page, f'#conversation-list .row[data-id="{conversation.pk}"]'), (
        "the first row is not on the first screen"
    )
    expect(page.get_by_label("Channel")).to_be_hidden()
    expect(page.locator("#conversation-pane")).to_be_hidden()
    # Exactly the button: until the panel has come in its own request, its
    # no-script link ("Show the views and filters") says the same words.
    page.get_by_text("Views and filters", exact=True).click()
    expect(page.get_by_label("Channel")).to_be_visible()
    page.get_by_text("Views and filters", exact=True).click()
    _assert_axe_clean(page, "the list at 390 px")
    _no_sideways_scroll(page)

    # Open it: the conversation replaces the list, with the way back on top.
    row.get_by_role("link", name=re.compile("Jo Resident")).click()
    expect(page.locator("#conv-heading")).to_be_focused()
    expect(page).to_have_url(re.compile(rf"/inbox/c/{conversation.pk}/"))
    expect(page.locator("#conversation-list")).to_be_hidden()
    back = page.get_by_role("link", name="Back to list")
    expect(back).to_be_visible()
    assert _in_view(page, "[data-back-to-list]")
    _assert_axe_clean(page, "a conversation at 390 px")
    _no_sideways_scroll(page)

    # The composer is one tap away however long the thread: the bar stays put.
    page.mouse.wheel(0, 600)
    page.get_by_role("link", name="Write a reply").click()
    expect(page.locator("#reply-text")).to_be_focused()
    assert _in_view(page, "#reply-text")

    page.get_by_label("Canned response").select_option(label=CANNED)
    page.get_by_role("button", name="Insert").click()
    expected = _expected_reply(officer, x_channel)
    expect(page.get_by_label("Your reply")).to_have_value(expected)
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator("#announce")).to_contain_text("Reply queued")
    _exactly_one_reply_reached_the_network(sandbox, item, expected)
    expect(page.locator("#live .message-out")).to_contain_text("Sent", timeout=5_000)

    # Back: the list again, focus on the row just handled, the pane emptied.
    page.get_by_role("link", name="Back to list").click()
    expect(page).to_have_url(re.compile(r"/inbox/(\?.*)?$"))
    expect(row).to_be_visible()
    expect(row.locator(".row-link")).to_be_focused()
    expect(page.locator("#conversation-pane")).to_be_hidden()
    expect(page.locator("#conversation")).to_have_count(0)
    assert page.title().endswith("SocialDesk") and "Jo Resident" not in page.title()
    _assert_axe_clean(page, "the list again at 390 px")


def test_phone_conversation_works_without_script(browser, live_server, officer, channel_a):
    """Links alone: a conversation's own address shows it alone, and its
    "Back to list" link is a plain link to the list."""
    jo = conversation_with(channel_a, author=citizen(1, name="Jo Resident"), text="A pothole")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_viewport_size(PHONE)
        sign_in(page, officer.username)
        page.goto(f"/inbox/c/{jo.pk}/")
        expect(page.locator("#conversation-list")).to_be_hidden()
        expect(page.locator("#live").get_by_text("A pothole")).to_be_visible()
        page.get_by_role("link", name="Back to list").click()
        expect(page.locator("#conversation-list")).to_be_visible()
        expect(page.locator("#conversation-pane")).to_be_hidden()
        # The views and filters are behind their button here too (a <details> needs
        # no script), and without script they are a link to their own page.
        show = page.get_by_role("link", name="Show the views and filters")
        expect(show).to_be_hidden()
        page.get_by_text("Views and filters", exact=True).click()
        show.click()
        expect(page.get_by_role("heading", name="Views and filters")).to_be_visible()
        expect(page.get_by_label("Channel")).to_be_visible()
        # On a wide screen the link is simply there, script or not.
        page.set_viewport_size({"width": 1440, "height": 900})
        page.goto("/inbox/")
        expect(show).to_be_visible()
        expect(page.get_by_text("Views and filters", exact=True)).to_be_hidden()
    finally:
        context.close()
