"""The history import's status on the channel list, in a real browser under
the site's CSP: it updates by itself while the import runs, stops asking once
it is over, and the page passes axe-core."""

from __future__ import annotations

import time

try:
    from playwright.sync_api import expect
except ImportError:  # the module is skipped (see BROWSER)
    expect = None

from tests.browser.helpers import BROWSER, assert_no_axe_violations, sign_in
from tests.channels.test_backfill import MENTIONS, in_window_mentions, make_due, run, start

pytestmark = BROWSER


def test_the_status_follows_the_import_live_then_stops_polling(
    new_page, admin_user, x_channel, sandbox
):
    in_window_mentions(sandbox, 150)
    sandbox.fault(method="GET", path=MENTIONS, kind="rate_limit", params={"reset_in": 600}, skip=1)
    start(x_channel, admin_user)
    run(x_channel)  # page one stored, then X's rate limit

    page = new_page()
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if "/backfill/" in r.url else None)
    sign_in(page, admin_user.username)
    page.goto("/channels/")
    status = page.get_by_role("status").filter(has_text="history")
    expect(status).to_contain_text("paused for X's rate limit")
    expect(status).to_contain_text("1 page, 100 messages")
    expect(page.get_by_role("button", name="Import history again")).to_have_count(0)

    make_due(x_channel)
    run(x_channel)  # the import finishes while the admin watches
    expect(status).to_contain_text(
        "History imported: 150 messages from the last 7 days.", timeout=8_000
    )
    again = page.get_by_role("button", name=f"Import history again for {x_channel.name}")
    expect(again).to_be_visible()
    again.focus()
    expect(again).to_be_focused()
    seen = len(polls)
    time.sleep(4)  # longer than the polling interval
    assert len(polls) == seen, "polling stops once the import is over"


def test_the_channel_list_with_an_import_passes_axe(new_page, admin_user, x_channel, sandbox):
    in_window_mentions(sandbox, 5)
    start(x_channel, admin_user)
    run(x_channel)
    page = new_page(for_axe=True)
    sign_in(page, admin_user.username)
    page.goto("/channels/")
    expect(page.get_by_role("status").filter(has_text="History imported")).to_be_visible()
    assert_no_axe_violations(page, "the channel list with a history import")
