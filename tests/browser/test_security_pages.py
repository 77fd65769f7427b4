"""Accountability pages in a real browser: the two-person rule end to end
(against the sandbox network and a real Celery worker), and axe-core on the
account, approval, records and audit pages."""

from __future__ import annotations

import time

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the module is skipped (see BROWSER)
    expect = None

from accounts.models import ReplyApprovalRule
from inbox import tasks
from inbox.models import DeliveryState, Message
from tests.browser.helpers import BROWSER, assert_no_axe_violations, sign_in
from tests.support.worker import wait_for

pytestmark = BROWSER


def _mention(sandbox, channel, text):
    [item] = sandbox.inject(
        kind="mention", account_id="999", text=text, author={"username": "jo_res"}
    )
    tasks.poll_channel.delay(channel.pk)
    message = wait_for(
        lambda: Message.objects.filter(external_id=item["id"]).first(),
        timeout=30,
        what="the mention to be stored",
    )
    return item, message.conversation


def test_a_reply_needing_approval_reaches_the_network_once_only_after_approval(
    new_page, officer, manager, x_channel, sandbox, celery_worker_process
):
    ReplyApprovalRule.objects.create(user=officer)
    item, conversation = _mention(sandbox, x_channel, "@council_help when do the roadworks end?")

    olivia = new_page()
    sign_in(olivia, officer.username)
    olivia.goto(f"/inbox/c/{conversation.pk}/")
    olivia.get_by_label("Your reply").fill("The works finish on Friday.")
    olivia.get_by_role("button", name="Send reply").click()
    expect(olivia.locator("#announce")).to_contain_text("waits for a colleague's approval")
    held = wait_for(lambda: Message.objects.filter(direction="out").first(), what="the held reply")
    assert held.state == DeliveryState.AWAITING_APPROVAL
    # Self-approval is not offered, and refused if tried.
    olivia.reload()
    expect(olivia.get_by_role("button", name="Approve and send")).to_have_count(0)
    refused = olivia.request.post(
        f"/api/messages/{held.pk}/approve/", data={}, headers={"X-CSRFToken": _csrf(olivia)}
    )
    assert refused.status == 403
    time.sleep(1.0)
    assert sandbox.outbox(kind="tweet") == [], "nothing may reach the network before approval"

    maya = new_page(for_axe=True)
    sign_in(maya, manager.username)
    maya.goto("/inbox/?view=approval")
    expect(maya.locator("#conversation-list")).to_contain_text("roadworks")
    maya.goto(f"/inbox/c/{conversation.pk}/")
    assert_no_axe_violations(maya, "a conversation with a reply awaiting approval")
    maya.get_by_label("Reply text (edit before approving if needed)").fill(
        "The works finish on Friday at 6pm."
    )
    maya.get_by_role("button", name="Approve and send").click()

    tweets = wait_for(
        lambda: sandbox.outbox(kind="tweet"), timeout=30, what="the approved reply to post"
    )
    time.sleep(1.5)  # a duplicate would have landed by now
    tweets = sandbox.outbox(kind="tweet")
    assert len(tweets) == 1
    assert (tweets[0]["target"], tweets[0]["text"]) == (
        item["id"],
        "The works finish on Friday at 6pm.",
    )


def test_a_rejected_reply_never_reaches_the_network(
    new_page, officer, manager, x_channel, sandbox, celery_worker_process
):
    ReplyApprovalRule.objects.create(channel=x_channel)
    _item, conversation = _mention(sandbox, x_channel, "@council_help is the pool open?")
    olivia = new_page()
    sign_in(olivia, officer.username)
    olivia.goto(f"/inbox/c/{conversation.pk}/")
    olivia.get_by_label("Your reply").fill("Yes, all day.")
    olivia.get_by_role("button", name="Send reply").click()
    expect(olivia.locator("#announce")).to_contain_text("approval")

    maya = new_page()
    sign_in(maya, manager.username)
    maya.goto(f"/inbox/c/{conversation.pk}/")
    maya.get_by_label("Why reject? (the author is told)").fill("The pool is shut for repairs.")
    maya.get_by_role("button", name="Reject").click()
    expect(maya.locator("#live, main").first).to_contain_text("Rejected by")
    time.sleep(2)
    assert sandbox.outbox(kind="tweet") == []
    assert Message.objects.get(direction="out").state == DeliveryState.REJECTED


def _csrf(page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")


@pytest.mark.parametrize(
    "path",
    [
        "/account/security/",
        "/account/reauth/",
        "/records/exports/",
        "/audit/",
        "/account/password/",
    ],
)
def test_account_records_and_audit_pages_have_no_violations(new_page, manager, path):
    page = new_page(for_axe=True)
    sign_in(page, manager.username)
    page.goto(path)
    assert_no_axe_violations(page, path)


@pytest.mark.mfa
def test_mfa_set_up_and_verify_pages_have_no_violations(new_page, manager, settings):
    page = new_page(for_axe=True)
    page.goto("/login/")
    page.get_by_label("Username").fill(manager.username)
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account/mfa/setup/**")
    assert_no_axe_violations(page, "MFA set-up")
    page.get_by_label("Code from your authenticator app, or a recovery code").fill("000000")
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.locator("main")).to_contain_text("did not match")
    assert_no_axe_violations(page, "MFA set-up with an error")
