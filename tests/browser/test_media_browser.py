"""Pictures in a conversation, in Chromium under the real CSP: thumbnails
load through our proxy with their alt text, link to full size, work from the
keyboard, pass axe at desk and phone width; a shielded message's picture is
blurred until the officer reveals it. Screenshots go to var/screenshots/."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from inbox.models import Message
from inbox.services import polling
from inbox.services.shield import abuse_term_add
from tests.browser.helpers import BROWSER, format_violations, sign_in

pytestmark = [*BROWSER, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.VAR_DIR) / "screenshots"
SIZES = {"desk": (1440, 900), "phone": (390, 844)}
ALT = "Flooded underpass on Mill Lane, water up to the kerb"


@pytest.fixture
def pictures(sandbox, x_channel, admin_user):
    cache.clear()
    jo = {"id": "111", "username": "jo_res", "name": "Jo Resident"}
    [flood] = sandbox.inject(
        kind="mention",
        account_id="999",
        author=jo,
        text="@council_help Mill Lane is flooded again, photos attached",
        media=[
            {"type": "photo", "alt_text": ALT, "width": 1200, "height": 900},
            {"type": "photo", "width": 900, "height": 1200},
            {"type": "video", "width": 1280, "height": 720},
        ],
    )
    [rude] = sandbox.inject(
        kind="mention",
        account_id="999",
        author={"id": "222", "username": "angry_al", "name": "Al"},
        text="@council_help you scumbags, look at this",
        media=[{"type": "photo", "alt_text": "A rude drawing"}],
    )
    polling.channel_poll(channel_id=x_channel.pk)
    abuse_term_add(term="scumbags", actor=admin_user)
    return {
        "flood": Message.objects.get(external_id=flood["id"]).conversation,
        "rude": Message.objects.get(external_id=rude["id"]).conversation,
    }


def _loaded(page, selector: str) -> list[list]:
    page.wait_for_load_state("networkidle")
    return page.eval_on_selector_all(
        selector, "els => els.map(e => [e.complete && e.naturalWidth > 0, e.alt])"
    )


def _axe(page) -> list[dict]:
    from tests.browser.test_every_page import _axe as run_axe

    return run_axe(page)


def test_pictures_show_with_alt_text_link_to_full_size_and_pass_axe(new_page, officer, pictures):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page()
    sign_in(page, officer.username)
    url = reverse("inbox:conversation", args=[pictures["flood"].pk])
    problems = []
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(url)
        shown = _loaded(page, "img.app-media__img")
        assert shown == [
            [True, ALT],
            [True, "Image with no description from the sender"],
            [True, "Video with no description from the sender"],
        ]
        page.screenshot(
            path=str(SHOTS / f"officer-conversation-pictures-{size}.png"), full_page=True
        )
        if page.evaluate("document.documentElement.scrollWidth") > width:
            problems.append(f"{url} scrolls sideways at {width} px")
        violations = _axe(page)
        if violations:
            problems.append(format_violations(f"{url} at {width} px", violations))
    assert not problems, "\n".join(problems)

    # From the keyboard: the first picture's link is reachable and named by its alt text.
    link = page.get_by_role("link", name=ALT)
    link.focus()
    assert page.evaluate("document.activeElement.tagName") == "A"
    full = page.request.get(link.get_attribute("href"))
    assert full.status == 200 and full.headers["content-type"] == "image/jpeg"
    assert full.headers["x-content-type-options"] == "nosniff"


def test_a_shielded_picture_is_blurred_until_revealed(new_page, officer, pictures):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page()
    sign_in(page, officer.username)
    page.goto(reverse("inbox:conversation", args=[pictures["rude"].pk]))

    assert _loaded(page, "img.app-media__img--blurred") == [[True, ""]]
    assert "A rude drawing" not in page.content()
    page.locator("img.app-media__img--blurred").scroll_into_view_if_needed()
    # caret="initial": Playwright's caret hiding leaves style="" on inputs,
    # which htmx then copies while settling the swap (a CSP refusal).
    page.screenshot(
        path=str(SHOTS / "officer-conversation-shielded-picture-desk.png"), caret="initial"
    )

    page.get_by_role("button", name="Reveal message").click()
    link = page.get_by_role("link", name="A rude drawing")
    link.wait_for()
    thumb = link.locator("img").get_attribute("src")
    assert page.request.get(thumb).status == 200
    page.wait_for_function(
        "() => [...document.querySelectorAll('img.app-media__img')]"
        ".every(e => e.complete && e.naturalWidth > 0)"
    )
    assert _loaded(page, "img.app-media__img") == [[True, "A rude drawing"]]
    # The whole page, not scrolled to the link: the reveal changed the thread,
    # so its next poll redraws it and the link found above may be replaced.
    page.screenshot(
        path=str(SHOTS / "officer-conversation-revealed-picture-desk.png"), full_page=True
    )
