"""The escalation pages in Chromium: axe-core WCAG 2.x A/AA rules, and the
acknowledge button reached and pressed from the keyboard."""

from __future__ import annotations

import pytest
import time_machine

from escalation.models import Escalation, EscalationRule
from escalation.services.crisis import crisis_start
from escalation.services.evaluation import evaluation_run
from tests.browser import conftest as browser_fixtures
from tests.browser.helpers import BROWSER, assert_no_axe_violations, sign_in
from tests.escalation.conftest import dm, ingest, london

# The browser fixtures live in tests/browser/conftest.py; share them here.
browser = browser_fixtures.browser
new_page = browser_fixtures.new_page

pytestmark = BROWSER


@pytest.fixture
def busy(channel_a, threat_rule, manager, team_a, office_hours):
    with time_machine.travel(london(2026, 11, 18, 10, 0), tick=False):
        ingest(channel_a, dm(london(2026, 11, 18, 10, 0), text="a bomb at the library"))
        evaluation_run()
    threat_rule.channels.add(channel_a)
    EscalationRule.objects.create(name="Off rule", keywords="x", is_active=False).channels.add(
        channel_a
    )
    crisis_start(
        actor=manager,
        channels=[channel_a],
        title="Flooding",
        holding_statement="We know about the flooding.",
        keywords="flood",
        crisis_team=team_a,
    )
    return Escalation.objects.get()


def test_escalation_pages_have_no_violations(new_page, manager, busy):
    page = new_page(for_axe=True)
    sign_in(page, manager.username)
    page.goto("/escalation/")
    page.get_by_role("heading", name="Open escalations").wait_for()
    assert_no_axe_violations(page, "the escalation page")
    page.goto("/escalation/rules/new/")
    assert_no_axe_violations(page, "the new rule form")
    page.get_by_role("button", name="Save rule").click()
    page.get_by_role("alert").wait_for()
    assert_no_axe_violations(page, "the new rule form with errors")
    page.goto(f"/escalation/rules/{busy.rule_id}/")
    assert_no_axe_violations(page, "a rule with levels")
    page.goto("/escalation/crisis/start/")
    assert_no_axe_violations(page, "the crisis form")


def test_acknowledge_from_the_keyboard(new_page, officer, busy):
    page = new_page()
    sign_in(page, officer.username)
    page.goto("/escalation/")
    button = page.get_by_role("button", name="Acknowledge Threats escalation")
    button.focus()
    page.keyboard.press("Enter")
    page.get_by_text("Nothing is waiting to be acknowledged.").wait_for()
    busy.refresh_from_db()
    assert busy.acknowledged_by == officer
