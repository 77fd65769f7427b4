"""Reply approval settings in a real browser, by keyboard: a manager picks
whose replies wait, previews the effect, saves the rule; axe on each state
and screenshots for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

try:
    from playwright.sync_api import expect
except ImportError:  # the module is skipped (see BROWSER)
    expect = None

from accounts.models import ReplyApprovalRule
from tests.browser.helpers import BROWSER, assert_no_axe_violations, sign_in

pytestmark = [*BROWSER, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.VAR_DIR) / "screenshots"


def test_a_manager_previews_and_saves_an_approval_rule_by_keyboard(
    new_page, manager, officer, teammate, team_a, channel_a
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page(for_axe=True)  # the every-page walk opens it under the real CSP
    sign_in(page, manager.username)
    page.goto("/settings/approvals/")
    page.get_by_label("Team", exact=True).select_option(label=team_a.name)
    page.get_by_label("Role", exact=True).select_option(label="Officer")
    page.get_by_label("Why (optional)").fill("New officers this quarter")
    page.get_by_role("button", name="Preview who this affects").focus()
    page.keyboard.press("Enter")
    preview = page.locator("#preview")
    expect(preview).to_contain_text("2 people would need approval")
    expect(preview).to_contain_text(str(officer))
    expect(preview).to_contain_text(channel_a.name)
    assert not ReplyApprovalRule.objects.exists()
    for width, size in ((1440, "desk"), (390, "phone")):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(
            path=str(SHOTS / f"{manager.username}-approvals-preview-{size}.png"), full_page=True
        )
    assert_no_axe_violations(page, "the approval rule preview")
    page.get_by_role("button", name="Save the rule").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#approval-rules")).to_contain_text("officers in Customer Services")
    rule = ReplyApprovalRule.objects.get()
    assert rule.role == "officer" and rule.team == team_a
    assert_no_axe_violations(page, "the approval rules after saving")
