"""Instagram in a real browser, against the sandbox's Instagram Graph part and a
real Celery worker: a comment on the council's post arrives without a reload,
the officer answers it, and Instagram gets exactly one reply, under that
comment. The conversation page is axe clean."""

from __future__ import annotations

import re
import time

try:
    from playwright.sync_api import expect
except ImportError:  # the module is skipped (see BROWSER)
    expect = None

from inbox import tasks
from inbox.models import DeliveryState, Message
from tests.browser.helpers import BROWSER, assert_no_axe_violations, sign_in
from tests.inbox.instagram_support import (
    JO,
    ig_channel_fixture,  # noqa: F401 (fixture)
    ig_inject,
)
from tests.support.worker import wait_for

pytestmark = BROWSER


def test_a_comment_arrives_and_the_officer_answers_it_once_under_it(
    new_page, officer, ig_channel, sandbox, celery_worker_process
):
    olivia = new_page(for_axe=True)
    sign_in(olivia, officer.username)
    olivia.goto("/inbox/")
    olivia.evaluate("window.__stillTheSamePage = true")

    [comment] = ig_inject(
        sandbox, kind="comment", author=JO, text="Is the recycling centre open on Sundays?"
    )
    tasks.poll_channel.delay(ig_channel.pk)
    wait_for(
        lambda: Message.objects.filter(external_id=comment["id"]).exists(),
        timeout=30,
        what="the worker to store the comment",
    )
    row = olivia.locator("#conversation-list .row", has_text="open on Sundays")
    expect(row).to_be_visible(timeout=5_000)
    assert olivia.evaluate("window.__stillTheSamePage") is True, "the page reloaded"

    row.get_by_role("link", name=re.compile(JO["username"])).click()
    expect(olivia.locator("#live")).to_contain_text("open on Sundays")
    assert_no_axe_violations(olivia, "an Instagram comment conversation")
    answer = "Yes, 9am to 4pm on Sundays."
    olivia.get_by_label("Your reply").fill(answer)
    olivia.get_by_role("button", name="Send reply").click()
    expect(olivia.locator("#announce")).to_contain_text("Reply queued")

    wait_for(lambda: sandbox.outbox(network="ig", kind="reply"), timeout=30, what="the reply")
    time.sleep(1.5)  # a duplicate send would have landed by now
    replies = sandbox.outbox(network="ig")
    assert len(replies) == 1, replies
    [reply] = replies
    assert (reply["kind"], reply["text"]) == ("reply", answer)
    assert reply["target"] == comment["id"] and reply["meta"]["parent_id"] == comment["id"]
    [ours] = Message.objects.filter(direction="out")
    assert ours.state == DeliveryState.SENT and ours.external_id == reply["result_id"]
    expect(olivia.locator("#live .message-out")).to_contain_text("Sent", timeout=5_000)
    assert_no_axe_violations(olivia, "an Instagram conversation after the reply")
