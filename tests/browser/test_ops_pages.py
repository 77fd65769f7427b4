"""The service health page in a real browser: readable at desktop and phone
width, no axe violations, and the footer's version on every page."""

from __future__ import annotations

import pytest

from ops.heartbeat import BEAT, heartbeat_record
from tests.browser.helpers import BROWSER, assert_no_axe_violations, sign_in

pytestmark = BROWSER


@pytest.mark.parametrize("width", [1280, 320])
def test_the_health_page_reads_at_desktop_and_phone_width(new_page, admin_user, width):
    heartbeat_record(name=BEAT, detail="beat-host")
    page = new_page(for_axe=True)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, admin_user.username)
    page.get_by_role("link", name="Service health").click()
    page.wait_for_url("**/health/")
    assert page.get_by_role("heading", name="Service health").is_visible()
    assert page.get_by_role("row", name="worker Failing").is_visible()
    assert page.locator("footer [data-version]").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=f"var/health-page-{width}.png", full_page=True)
    assert_no_axe_violations(page, f"the health page at {width} px")
