"""The whole flow in a real browser, against the sandbox X network and a real
Celery worker: a mention arrives without a reload, the officer assigns it to
themself and replies with a canned response, the network gets exactly one
reply in the right thread, and a colleague sees "viewing" and then the reply.
Once with the mouse, once with the keyboard only."""

from __future__ import annotations

import re
import time

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the module is skipped (see BROWSER)
    expect = None

from events.models import Event
from inbox import tasks
from inbox.models import CannedResponse, Conversation, DeliveryState, Message
from tests.browser.helpers import BROWSER, sign_in
from tests.inbox.ui_data import citizen, conversation_with
from tests.support.worker import wait_for

pytestmark = BROWSER

CANNED = "Thanks, we're looking into it"
CANNED_TEXT = "Hi {first_name}, thanks for letting us know. We're on it. {officer}, {channel}"
NEW_MESSAGE_WITHIN_MS = 5_000


@pytest.fixture
def canned(db):
    return CannedResponse.objects.create(title=CANNED, text=CANNED_TEXT)


def _mention_arrives(sandbox, channel, text: str) -> tuple[dict, Conversation]:
    """A citizen posts on the sandbox; the worker's poll stores it."""
    [item] = sandbox.inject(
        kind="mention",
        account_id="999",
        text=text,
        author={"username": "jo_res", "name": "Jo Resident", "followers_count": 40},
    )
    tasks.poll_channel.delay(channel.pk)
    message = wait_for(
        lambda: Message.objects.filter(external_id=item["id"]).first(),
        timeout=30,
        what="the worker to store the mention",
    )
    return item, message.conversation


def _expected_reply(officer, channel) -> str:
    return f"Hi Jo, thanks for letting us know. We're on it. {officer.display_name}, {channel.name}"


def _exactly_one_reply_reached_the_network(sandbox, item, text) -> None:
    tweets = wait_for(lambda: sandbox.outbox(kind="tweet"), timeout=30, what="the reply to post")
    time.sleep(1.5)  # a duplicate send would have landed by now
    tweets = sandbox.outbox(kind="tweet")
    assert len(tweets) == 1, tweets
    assert (tweets[0]["target"], tweets[0]["text"]) == (item["id"], text)
    [reply] = Message.objects.filter(direction="out")
    assert reply.state == DeliveryState.SENT
    assert reply.external_id == tweets[0]["result_id"]


def test_mouse_flow_with_a_colleague_watching(
    new_page, officer, teammate, canned, x_channel, sandbox, celery_worker_process
):
    olivia = new_page()
    sign_in(olivia, officer.username)
    olivia.goto("/inbox/")
    olivia.evaluate("window.__stillTheSamePage = true")
    tom = new_page()
    sign_in(tom, teammate.username)
    tom.goto("/inbox/")

    item, conversation = _mention_arrives(
        sandbox, x_channel, "@council_help the streetlight on Mill Lane is out"
    )
    row = olivia.locator("#conversation-list .row", has_text="streetlight on Mill Lane")
    expect(row).to_be_visible(timeout=NEW_MESSAGE_WITHIN_MS)
    expect(row).to_contain_text("Unread")
    assert olivia.evaluate("window.__stillTheSamePage") is True, "the page reloaded"

    row.get_by_role("link", name=re.compile("Jo Resident")).click()
    expect(olivia.locator("#conv-heading")).to_be_focused()
    expect(olivia.locator("#live")).to_contain_text("streetlight on Mill Lane")

    # A follow-up in the same thread appears in the open conversation too.
    [follow_up] = sandbox.inject(
        kind="reply",
        account_id="999",
        in_reply_to_tweet_id=item["id"],
        text="@council_help it has been out for a week",
        author={"username": "jo_res"},
    )
    tasks.poll_channel.delay(x_channel.pk)
    wait_for(
        lambda: conversation.messages.filter(text__contains="out for a week").exists(),
        timeout=30,
        what="the follow-up to be stored",
    )
    expect(olivia.locator("#live")).to_contain_text("out for a week", timeout=NEW_MESSAGE_WITHIN_MS)
    assert olivia.evaluate("window.__stillTheSamePage") is True, "the page reloaded"

    tom.locator("#conversation-list .row", has_text="Jo Resident").get_by_role("link").click()
    expect(tom.locator("#presence")).to_contain_text(f"{officer} is viewing", timeout=5_000)
    expect(olivia.locator("#presence")).to_contain_text(f"{teammate} is viewing", timeout=5_000)

    olivia.locator("#assign-me-button").click()
    expect(olivia.locator("#announce")).to_contain_text("Assigned to you.")
    expect(tom.locator("#conv-facts")).to_contain_text(str(officer), timeout=5_000)

    olivia.get_by_label("Canned response").select_option(label=CANNED)
    olivia.get_by_role("button", name="Insert").click()
    expected = _expected_reply(officer, x_channel)
    expect(olivia.get_by_label("Your reply")).to_have_value(expected)
    olivia.get_by_role("button", name="Send reply").click()
    expect(olivia.locator("#announce")).to_contain_text("Reply queued: sending from @council_help")

    # A reply answers the latest post in the thread: the follow-up.
    _exactly_one_reply_reached_the_network(sandbox, follow_up, expected)
    reply = tom.locator("#live .message-out")
    expect(reply).to_contain_text(expected, timeout=5_000)
    expect(reply).to_contain_text("Sent", timeout=5_000)
    conversation.refresh_from_db()
    assert conversation.assignee == officer
    assert Event.objects.filter(type="message.sent", conversation=conversation).count() == 1


def test_a_late_second_reply_asks_for_confirmation(
    new_page, officer, teammate, canned, x_channel, sandbox, celery_worker_process
):
    _item, conversation = _mention_arrives(sandbox, x_channel, "@council_help is the tip open?")
    olivia = new_page()
    sign_in(olivia, officer.username)
    olivia.goto(f"/inbox/c/{conversation.pk}/")
    tom = new_page()
    sign_in(tom, teammate.username)
    tom.goto(f"/inbox/c/{conversation.pk}/")

    tom.get_by_label("Your reply").fill("Yes, until 6pm.")
    expect(olivia.locator("#presence")).to_contain_text(
        f"{teammate} is typing a reply", timeout=6_000
    )
    tom.get_by_role("button", name="Send reply").click()
    expect(tom.locator("#announce")).to_contain_text("Reply queued")

    olivia.get_by_label("Your reply").fill("It is open today.")
    olivia.get_by_role("button", name="Send reply").click()
    warning = olivia.get_by_role("alert")
    expect(warning).to_contain_text(f"{teammate} replied after you opened this conversation")
    expect(warning).to_contain_text("Yes, until 6pm.")
    olivia.get_by_role("link", name="Don't send").click()
    wait_for(lambda: sandbox.outbox(kind="tweet"), timeout=30, what="Tom's reply to post")
    time.sleep(1.5)
    assert [t["text"] for t in sandbox.outbox(kind="tweet")] == ["Yes, until 6pm."]
    assert Message.objects.filter(direction="out").count() == 1


def _tab_to(page, element_id: str, *, limit: int = 40) -> None:
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"could not reach #{element_id} with Tab")


def _focus_is_visible(page) -> bool:
    return page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
                   return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; }"""
    )


def test_keyboard_only_flow(new_page, officer, canned, x_channel, sandbox, celery_worker_process):
    page = new_page()
    page.goto("/login/")
    page.keyboard.type(officer.username)  # the username field has focus on load
    page.keyboard.press("Tab")
    page.keyboard.type("correct horse battery staple")
    page.keyboard.press("Enter")
    page.wait_for_url("**/inbox/**")

    item, conversation = _mention_arrives(
        sandbox, x_channel, "@council_help a fallen tree blocks Oak Avenue"
    )
    expect(page.locator("#conversation-list .row", has_text="fallen tree")).to_be_visible(
        timeout=NEW_MESSAGE_WITHIN_MS
    )
    page.keyboard.press("j")
    expect(page.locator(".row.is-focused .row-link")).to_be_focused()
    assert _focus_is_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator("#conv-heading")).to_be_focused()
    expect(page.locator("#live")).to_contain_text("fallen tree blocks Oak Avenue")

    page.keyboard.press("a")
    expect(page.locator("#announce")).to_contain_text("Assigned to you.")

    page.keyboard.press("r")
    expect(page.locator("#reply-text")).to_be_focused()
    _tab_to(page, "canned-select")
    assert _focus_is_visible(page)
    page.keyboard.press("Tab")
    expect(page.locator("#canned-insert")).to_be_focused()
    page.keyboard.press("Enter")
    expected = _expected_reply(officer, x_channel)
    expect(page.locator("#reply-text")).to_have_value(expected)
    expect(page.locator("#canned-insert")).to_be_focused()  # focus survives the swap
    page.keyboard.press("Tab")
    expect(page.locator("#send-button")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#announce")).to_contain_text("Reply queued")

    _exactly_one_reply_reached_the_network(sandbox, item, expected)
    expect(page.locator("#live .message-out")).to_contain_text("Sent", timeout=5_000)

    page.keyboard.press("Escape")
    page.keyboard.press("e")
    expect(page.locator("#announce")).to_contain_text("Resolved.")
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("/")
    expect(page.locator("#site-search-q")).to_be_focused()
    page.keyboard.type("fallen tree")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("Messages matching"))).to_contain_text("(1)")
    conversation.refresh_from_db()
    assert (conversation.assignee, conversation.status) == (officer, "resolved")


def test_a_row_opened_the_instant_it_arrives_opens_in_the_pane(new_page, officer, channel_a):
    """A poll swaps in a new row; the officer's Enter or click can land in the
    very next task. htmx must have wired the row's link by then, or the
    browser follows the plain href and the page navigates away (the keyboard
    flow above failed so once under load). The observer clicks in the first
    microtask after the swap: earlier than any key press can."""
    page = new_page()
    sign_in(page, officer.username)
    page.goto("/inbox/")
    expect(page.locator("#conversation-list")).to_be_visible()
    page.evaluate(
        """() => {
          window.__stillTheSamePage = true;
          new MutationObserver((changes, observer) => {
            const link = document.querySelector('#conversation-list .row-link');
            if (!link) return;
            observer.disconnect();
            link.click();
          }).observe(document.body, { childList: true, subtree: true });
        }"""
    )
    conversation_with(channel_a, author=citizen(1, name="Jo Resident"), text="a new pothole")
    page.evaluate("htmx.trigger(document.body, 'inbox:changed')")
    expect(page.locator("#live")).to_contain_text("a new pothole")
    assert page.evaluate("window.__stillTheSamePage") is True, "the row's link navigated away"
