"""axe-core (WCAG 2.0/2.1/2.2 A and AA rules) on the login, inbox,
conversation and search pages, in Chromium, with realistic content: unread
and overdue rows, a shielded message, notes, labels, a colleague viewing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from inbox.models import CannedResponse, Conversation
from inbox.services import actions
from inbox.services.presence import presence_touch
from inbox.services.shield import abuse_term_add
from tests.browser.helpers import BROWSER, assert_no_axe_violations, sign_in
from tests.factories import LabelFactory
from tests.inbox.ui_data import citizen, conversation_with

pytestmark = BROWSER


@pytest.fixture
def busy_inbox(officer, teammate, admin_user, channel_a, channel_b):
    abuse_term_add(term="scumbag", actor=admin_user)
    label = LabelFactory(name="bins")
    jo = conversation_with(
        channel_a, author=citizen(1, name="Jo Resident", handle="jo_res"), messages=3
    )
    rude = conversation_with(
        channel_a, author=citizen(2, name="Rude Person"), text="scumbag council"
    )
    late = conversation_with(channel_a, author=citizen(3, name="Sam Late"))
    Conversation.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(minutes=7))
    Conversation.objects.filter(pk=jo.pk).update(due_at=timezone.now() + timedelta(minutes=10))
    conversation_with(channel_b, author=citizen(4, name="Other Team"))
    actions.conversation_label(conversation=jo, actor=officer, label=label)
    actions.conversation_assign(conversation=rude, actor=officer, assignee=teammate)
    actions.note_add(conversation=jo, actor=teammate, text="@olivia can you take this?")
    CannedResponse.objects.create(title="Thanks", text="Hi {first_name}, thanks. {officer}")
    presence_touch(user=teammate, conversation=jo, typing=True)
    return {"jo": jo, "rude": rude, "late": late}


def test_login_page_has_no_violations(new_page, db):
    page = new_page(for_axe=True)
    page.goto("/login/")
    assert_no_axe_violations(page, "the login page")
    page.get_by_role("button", name="Sign in").click()  # the error state too
    assert_no_axe_violations(page, "the login page with an error")


def test_inbox_conversation_and_search_have_no_violations(new_page, officer, busy_inbox):
    page = new_page(for_axe=True)
    sign_in(page, officer.username)
    page.goto("/inbox/")
    # Drawn in the browser from <time datetime> (static/js/times.js).
    page.locator("#conversation-list").get_by_text("Overdue by 7 min").wait_for()
    page.locator("#conversation-list").get_by_text(re.compile(r"Due in (9|10) min")).wait_for()
    page.locator("#conversation-list").get_by_text("min ago").first.wait_for()
    # Who is viewing comes from the list's own presence poll.
    page.locator(f"#viewers-{busy_inbox['jo'].pk} .viewer").wait_for()
    assert_no_axe_violations(page, "the inbox")

    page.goto(f"/inbox/c/{busy_inbox['jo'].pk}/")
    page.get_by_text("is typing a reply").wait_for()
    assert_no_axe_violations(page, "a conversation")

    page.get_by_label("Your reply").fill("x" * 300)
    page.get_by_role("button", name="Send reply").click()
    page.get_by_text("Too long for X: 300 of 280 characters.").first.wait_for()
    page.get_by_text("Block Jo Resident…").click()
    page.get_by_role("button", name="Block contact").click()  # browser validation: reason
    page.get_by_label("Why are you blocking this contact?").fill("Testing the form")
    page.get_by_role("button", name="Block contact").click()  # browser validation: confirm
    assert_no_axe_violations(page, "a conversation with errors in the composer and block form")

    page.goto(f"/inbox/c/{busy_inbox['rude'].pk}/")
    page.get_by_text("Hidden: this message may contain abusive language").wait_for()
    assert_no_axe_violations(page, "a conversation with a shielded message")

    page.keyboard.press("?")
    page.get_by_role("dialog", name="Keyboard shortcuts").wait_for()
    assert_no_axe_violations(page, "the keyboard shortcuts dialog")
    page.keyboard.press("Escape")

    page.goto("/inbox/search/?q=Jo")
    page.get_by_role("heading", name="People matching “Jo” (1)").wait_for()
    assert_no_axe_violations(page, "search results")

    page.goto("/inbox/notifications/")
    assert_no_axe_violations(page, "notifications")


def test_narrow_screen_reflows_without_violations(new_page, officer, busy_inbox):
    page = new_page(for_axe=True)
    page.set_viewport_size({"width": 320, "height": 800})
    sign_in(page, officer.username)
    page.goto(f"/inbox/c/{busy_inbox['jo'].pk}/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"page scrolls sideways at 320 px ({width} px wide)"
    assert_no_axe_violations(page, "a conversation at 320 px")


def test_api_docs_have_no_violations(new_page, officer, db):
    page = new_page(for_axe=True)
    sign_in(page, officer.username)
    page.goto("/api/docs/")
    assert_no_axe_violations(page, "the API reference")
