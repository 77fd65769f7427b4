"""Staffed hours in a real browser: a manager sets a week with a split shift
through the page (growing the grid with "Add another interval"), picks the
England bank holidays, adds a closure, and sees the week's preview and the
bio statement change; then copies the statement with the copy button."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from escalation.models import HoursException, OpeningInterval
from tests.browser.helpers import BROWSER, assert_no_axe_violations, sign_in

pytestmark = [*BROWSER, pytest.mark.django_db(transaction=True)]

LONDON = ZoneInfo("Europe/London")
# Mon-Thu 09:00-17:00, and Friday split 08:00-12:00 and 13:00-16:00.
ROWS = [
    ("Mon", "09:00", "17:00"),
    ("Tue", "09:00", "17:00"),
    ("Wed", "09:00", "17:00"),
    ("Thu", "09:00", "17:00"),
    ("Fri", "08:00", "12:00"),
    ("Fri", "13:00", "16:00"),
]


def _fill(page, index: int, day: str, start: str, end: str) -> None:
    page.locator(f"#id_intervals-{index}-weekday").select_option(label=day)
    page.locator(f"#id_intervals-{index}-start").fill(start)
    page.locator(f"#id_intervals-{index}-end").fill(end)


def test_a_manager_sets_a_split_shift_week_and_a_closure(new_page, manager, channel_a):
    page = new_page()
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, manager.username)
    page.goto(reverse("console:index"))
    page.get_by_role("link", name="Staffed hours").first.click()
    page.get_by_role("link", name="Change the hours of Riverside Council").click()
    bio = page.locator("#bio-statement")
    assert bio.inner_text().startswith("Staffed 24 hours a day, 7 days a week.")

    # Two blank rows to start with; the rest come from "Add another interval",
    # which works as a plain form post (no JavaScript involved).
    for _ in range(len(ROWS) - 2):
        page.get_by_role("button", name="Add another interval").click()
    assert page.locator("[id^='id_intervals-'][id$='-start']").count() == len(ROWS)
    for index, row in enumerate(ROWS):
        _fill(page, index, *row)
    page.get_by_label("Closed on the public holidays of").select_option("GB-ENG")
    page.get_by_role("button", name="Save hours").click()
    assert "Staffed hours saved for Riverside Council" in page.locator("#announce").inner_text()

    statement = page.locator("#bio-statement").inner_text()
    assert statement.startswith(
        "Staffed Mon–Thu 9am–5pm, Fri 8am–noon and 1pm–4pm (UK time), "  # noqa: RUF001
        "not on public holidays. We aim to reply within 30 minutes while staffed."
    )
    today = datetime.now(LONDON).date()
    friday = today + timedelta(days=(4 - today.weekday()) % 7)
    friday_row = page.locator(f"tr[data-day='{friday.isoformat()}']")
    assert "08:00 to 12:00, 13:00 to 16:00" in friday_row.inner_text()
    assert OpeningInterval.objects.filter(hours__channel=channel_a).count() == len(ROWS)

    # A closure tomorrow shows in the preview with its reason.
    tomorrow = today + timedelta(days=1)
    page.get_by_label("A closure (not staffed, e.g. a training day)").check()
    page.get_by_label("Reason").fill("Team training day")
    page.get_by_label("From (date)").fill(tomorrow.isoformat())
    page.get_by_role("button", name="Add", exact=True).click()
    row = page.locator(f"tr[data-day='{tomorrow.isoformat()}']").inner_text()
    assert "Not staffed" in row and "Closed" in row and "Team training day" in row
    assert HoursException.objects.get().reason == "Team training day"
    page.screenshot(path="var/settings-hours-saved.png", full_page=True)


def test_an_overlap_is_summarised_and_nothing_is_saved(new_page, manager, channel_a):
    page = new_page(for_axe=True)
    sign_in(page, manager.username)
    page.goto(reverse("console:hours_edit", args=[channel_a.pk]))
    _fill(page, 0, "Mon", "08:00", "12:00")
    _fill(page, 1, "Mon", "11:00", "14:00")
    page.get_by_role("button", name="Save hours").click()
    summary = page.locator(".govuk-error-summary")
    assert "Interval 2: Mon 11:00 to 14:00 overlaps Mon 08:00 to 12:00." in summary.inner_text()
    # The summary's link takes the keyboard to the row that is wrong.
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "id_intervals-1-weekday"
    assert not OpeningInterval.objects.exists()
    assert_no_axe_violations(page, "the staffed-hours page with errors")


def test_the_copy_button_copies_the_bio_statement(new_page, manager, channel_a):
    page = new_page()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, manager.username)
    page.goto(reverse("console:bio"))
    text = page.locator(f"#bio-{channel_a.pk}").inner_text()
    button = page.get_by_role("button", name="Copy the statement for Riverside Council")
    assert button.is_visible()  # shown once the script has run
    button.click()
    # The clipboard write is a promise: wait for the status, do not read it at once.
    expect(page.locator("#copy-status")).to_have_text("Copied to the clipboard.")
    # The site's Permissions-Policy forbids reading the clipboard from script,
    # so read it as a person would: paste into the search box.
    search = page.locator("#site-search-q")
    search.focus()
    page.keyboard.press("Control+V")
    assert search.input_value() == text
