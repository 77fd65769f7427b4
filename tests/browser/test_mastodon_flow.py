"""Mastodon in a real browser, against the sandbox instance and a real Celery
worker: a mention (and a direct message) arrives, the officer replies in the
conversation, and the instance records exactly one status in the right thread,
with the right visibility and addressed to the person."""

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
from tests.inbox.mastodon_support import (
    JO,
    masto_channel_fixture,  # noqa: F401 (fixture)
    masto_inject,
)
from tests.support.worker import wait_for

pytestmark = BROWSER


def _arrives(sandbox, channel, **spec) -> dict:
    """A resident posts on the sandbox instance; the worker's poll stores it."""
    [item] = masto_inject(sandbox, author=JO, **spec)
    tasks.poll_channel.delay(channel.pk)
    wait_for(
        lambda: Message.objects.filter(external_id=item["id"]).exists(),
        timeout=30,
        what="the worker to store the status",
    )
    return item


def _reply(page, snippet: str, text: str) -> None:
    row = page.locator("#conversation-list .row", has_text=snippet)
    expect(row).to_be_visible(timeout=5_000)
    row.get_by_role("link", name=re.compile("Jo Resident")).click()
    expect(page.locator("#live")).to_contain_text(snippet)
    page.get_by_label("Your reply").fill(text)
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator("#announce")).to_contain_text("Reply queued")


def _exactly_one_status(sandbox) -> dict:
    wait_for(lambda: sandbox.outbox(network="masto", kind="status"), timeout=30, what="the status")
    time.sleep(1.5)  # a duplicate send would have landed by now
    posted = sandbox.outbox(network="masto", kind="status")
    assert len(posted) == 1, posted
    [reply] = Message.objects.filter(direction="out")
    assert reply.state == DeliveryState.SENT and reply.external_id == posted[0]["result_id"]
    return posted[0]


def test_an_officer_answers_a_mention_once_in_its_thread(
    new_page, officer, masto_channel, sandbox, celery_worker_process
):
    page = new_page()
    sign_in(page, officer.username)
    page.goto("/inbox/")
    item = _arrives(
        sandbox,
        masto_channel,
        kind="mention",
        text="@riverside the bus shelter on Quay St is smashed",
    )
    _reply(page, "bus shelter on Quay St", "Thanks Jo, we have reported it to the operator.")

    status = _exactly_one_status(sandbox)
    assert status["target"] == item["id"]
    assert status["text"] == "@jo@mas.to Thanks Jo, we have reported it to the operator."
    assert status["meta"]["visibility"] == "public"
    expect(page.locator("#live .message-out")).to_contain_text("Sent", timeout=5_000)


def test_a_direct_message_is_answered_directly(
    new_page, officer, masto_channel, sandbox, celery_worker_process
):
    page = new_page()
    sign_in(page, officer.username)
    page.goto("/inbox/")
    item = _arrives(
        sandbox, masto_channel, kind="dm", text="@riverside can I pay my parking fine online?"
    )
    _reply(page, "parking fine online", "Yes: search 'pay a parking fine' on our website.")

    status = _exactly_one_status(sandbox)
    assert (status["target"], status["meta"]["visibility"]) == (item["id"], "direct")
    assert status["meta"]["mentions"] == [JO["id"]]
