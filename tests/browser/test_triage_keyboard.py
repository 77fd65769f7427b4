"""Triage from the conversation header with the keyboard only, in Chromium:
assign to me, set the priority from its menu, snooze from its menu; focus
stays on the menu's toggle after each change, Escape closes a menu, and axe
finds nothing with the menus closed and open."""

from __future__ import annotations

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the module is skipped (see BROWSER)
    expect = None

from django.conf import settings
from django.utils import timezone

from inbox.models import Conversation, Priority
from tests.browser.helpers import BROWSER, PASSWORD, assert_no_axe_violations
from tests.factories import LabelFactory
from tests.inbox.ui_data import citizen, conversation_with

pytestmark = BROWSER
SHOTS = settings.BASE_DIR / "var" / "screenshots"


@pytest.fixture
def jo(channel_a, teammate):
    LabelFactory(name="bins")
    LabelFactory(name="roads")
    return conversation_with(
        channel_a, author=citizen(11, name="Jo Resident"), text="@council_help bins again"
    )


def _tab_to(page, element_id: str, limit: int = 60) -> None:
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"could not reach #{element_id} with Tab")


def _choose_from_menu(page, toggle: str, option: str, *, key: str = "Enter") -> None:
    _tab_to(page, toggle)
    page.keyboard.press(key)  # Enter or Space opens a <details>
    _tab_to(page, option)
    page.keyboard.press("Enter")


def test_keyboard_only_triage(new_page, officer, jo):
    page = new_page(for_axe=True)
    page.goto("/login/")
    page.keyboard.type(officer.username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/inbox/**")
    expect(page.locator("#conversation-list .row", has_text="Jo Resident")).to_be_visible()

    page.keyboard.press("j")
    page.keyboard.press("Enter")
    expect(page.locator("#conv-heading")).to_be_focused()
    assert_no_axe_violations(page, "the conversation header's menus, closed")

    page.keyboard.press("a")
    expect(page.locator("#announce")).to_contain_text("Assigned to you.")
    expect(page.locator("#assign-menu-toggle")).to_contain_text(str(officer))

    _choose_from_menu(page, "priority-menu-toggle", "priority-3")
    expect(page.locator("#announce")).to_contain_text("Priority set to urgent.")
    expect(page.locator("#priority-menu-toggle")).to_be_focused()  # focus survives the swap
    expect(page.locator("#priority-menu")).not_to_have_attribute("open", "")
    expect(page.locator("#priority-menu-toggle")).to_contain_text("Urgent")
    expect(page.locator("#conversation-list .row", has_text="Jo Resident")).to_contain_text(
        "Urgent priority"
    )

    # "l" opens the labels menu at its first box; Escape closes it again.
    page.locator("#conv-heading").focus()
    page.keyboard.press("l")
    expect(page.locator("#labels-menu")).to_have_attribute("open", "")
    page.keyboard.press("Space")
    _tab_to(page, "labels-save")
    assert_no_axe_violations(page, "the labels menu, open")
    page.keyboard.press("Enter")
    expect(page.locator("#announce")).to_contain_text("Labels saved: bins.")
    expect(page.locator("#labels-menu-toggle")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.locator("#labels-menu")).to_have_attribute("open", "")
    page.keyboard.press("Escape")
    expect(page.locator("#labels-menu")).not_to_have_attribute("open", "")
    expect(page.locator("#labels-menu-toggle")).to_be_focused()

    page.keyboard.press("Shift+Tab")  # back to the snooze menu, before labels
    expect(page.locator("#snooze-menu-toggle")).to_be_focused()
    page.keyboard.press("Space")
    assert_no_axe_violations(page, "the snooze menu, open")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "triage-snooze-menu-desk.png"))
    _tab_to(page, "snooze-tomorrow")
    page.keyboard.press("Enter")
    expect(page.locator("#announce")).to_contain_text("Snoozed until")
    expect(page.locator("#snooze-menu-toggle")).to_be_focused()
    # It leaves the open list (the list redraws after the change).
    expect(page.locator("#conversation-list .row", has_text="Jo Resident")).to_have_count(0)

    conv = Conversation.objects.get(pk=jo.pk)
    assert conv.assignee == officer and conv.priority == Priority.URGENT
    assert timezone.localtime(conv.snoozed_until).hour == 9
    assert list(conv.labels.values_list("name", flat=True)) == ["bins"]
    assert_no_axe_violations(page, "a snoozed conversation")


@pytest.mark.parametrize("menu", ["assign-menu", "snooze-menu", "labels-menu"])
def test_open_menus_fit_a_phone(new_page, manager, jo, menu):
    page = new_page(for_axe=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/login/")
    page.get_by_label("Username").fill(manager.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/inbox/**")
    page.goto(f"/inbox/c/{jo.pk}/")
    page.locator(f"#{menu}-toggle").click()
    expect(page.locator(f"#{menu}")).to_have_attribute("open", "")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the open {menu} scrolls sideways at 390 px ({width} px wide)"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#controls").screenshot(path=str(SHOTS / f"triage-{menu}-phone.png"))
    assert_no_axe_violations(page, f"the {menu} open at 390 px")
