"""Bluesky in a real browser, against the sandbox's Bluesky and a real Celery
worker: a reply to the council's post arrives without a reload, the officer
answers it, and the network gets exactly one post, threaded under the
citizen's reply with the council's post as the thread's root."""

from __future__ import annotations

import re
import time

try:
    from playwright.sync_api import expect
except ImportError:  # the module is skipped (see BROWSER)
    expect = None

from inbox import tasks
from inbox.models import DeliveryState, Message
from tests.browser.helpers import BROWSER, sign_in
from tests.inbox.bluesky_support import (
    JO,
    bsky_channel_fixture,  # noqa: F401 (fixture)
    bsky_inject,
)
from tests.support.worker import wait_for

pytestmark = BROWSER


def test_a_reply_arrives_and_the_officer_answers_it_once_in_its_thread(
    new_page, officer, bsky_channel, sandbox, celery_worker_process
):
    olivia = new_page()
    sign_in(olivia, officer.username)
    olivia.goto("/inbox/")
    olivia.evaluate("window.__stillTheSamePage = true")

    own = bsky_channel.sandbox_post
    [item] = bsky_inject(
        sandbox,
        kind="reply",
        in_reply_to=own["uri"],
        author=JO,
        text="Will the 42 bus still stop on Main St? 🚌",
    )
    tasks.poll_channel.delay(bsky_channel.pk)
    wait_for(
        lambda: Message.objects.filter(external_id=item["uri"]).exists(),
        timeout=30,
        what="the worker to store the reply",
    )
    row = olivia.locator("#conversation-list .row", has_text="42 bus")
    expect(row).to_be_visible(timeout=5_000)
    assert olivia.evaluate("window.__stillTheSamePage") is True, "the page reloaded"

    row.get_by_role("link", name=re.compile("Jo Resident")).click()
    expect(olivia.locator("#live")).to_contain_text("Will the 42 bus still stop")
    # The counter counts what Bluesky counts: graphemes (a family emoji is one).
    olivia.get_by_label("Your reply").fill("\U0001f468\u200d\U0001f469\u200d\U0001f467 ok")
    expect(olivia.locator("#reply-count")).to_contain_text("4 of 300 characters used")
    answer = "Yes: the stop moves 50 m north, see https://riverside.example/roadworks"
    olivia.get_by_label("Your reply").fill(answer)
    olivia.get_by_role("button", name="Send reply").click()
    expect(olivia.locator("#announce")).to_contain_text("Reply queued")

    wait_for(lambda: sandbox.outbox(network="bsky", kind="post"), timeout=30, what="the post")
    time.sleep(1.5)  # a duplicate send would have landed by now
    posts = sandbox.outbox(network="bsky", kind="post")
    assert len(posts) == 1, posts
    [post] = posts
    assert post["text"] == answer
    assert (post["meta"]["parent"], post["meta"]["root"]) == (item["uri"], own["uri"])
    link = next(f for f in post["meta"]["facets"] if "link" in f["features"][0]["$type"])
    assert link["features"][0]["uri"] == "https://riverside.example/roadworks"
    [reply] = Message.objects.filter(direction="out")
    assert reply.state == DeliveryState.SENT and reply.external_id == post["result_id"]
    expect(olivia.locator("#live .message-out")).to_contain_text("Sent", timeout=5_000)
