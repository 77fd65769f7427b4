"""Every main page of every role, opened in Chromium under the real Content
Security Policy: no console error or CSP refusal, no axe violation (WCAG 2.2 A
and AA), nothing sideways at phone width, and a screenshot of each at desk and
phone size under var/screenshots/ for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from inbox.services import contacts, moderation
from inbox.services.notifications import note_create
from inbox.services.shield import abuse_term_add, message_reveal
from tests.browser.helpers import AXE, AXE_TAGS, BROWSER, format_violations, sign_in
from tests.factories import LabelFactory
from tests.inbox.ui_data import citizen, conversation_with

pytestmark = [*BROWSER, pytest.mark.django_db(transaction=True)]

SIZES = {"desk": (1440, 900), "phone": (390, 844)}
SHOTS = Path(settings.VAR_DIR) / "screenshots"

OFFICER_PAGES = [
    ("inbox", "inbox:list", {}),
    ("conversation", "inbox:conversation", {"pk": "conversation"}),
    ("search", "inbox:search", {"q": "bins"}),
    ("search-filtered", "inbox:search", {"q": "bins+label:bins", "status": "new"}),
    ("search-refused", "inbox:search", {"q": "bins+to:council"}),
    ("saved-views", "inbox:saved_views", {}),
    ("notifications", "inbox:notifications", {}),
    ("my-figures", "kpis:me", {}),
    ("escalations", "escalation:index", {}),
    ("account", "security", {}),
    ("new-token", "api_token_create", {}),
    ("password", "password_change", {}),
    ("email", "email_change", {}),
    ("api-docs", "api-docs", {}),
    ("house-rules", "inbox:house_rules", {}),
]
MANAGER_PAGES = [
    *OFFICER_PAGES,
    *[
        (f"kpis-{name}", f"kpis:{name}", {})
        for name in ("overview", "channels", "people", "engagement", "audience", "cover", "shift")
    ],
    ("records", "records:exports", {}),
    ("audit", "audit:log", {}),
    ("new-rule", "escalation:rule_create", {}),
    ("crisis", "escalation:crisis_start", {}),
    ("abuse-shield", "inbox:abuse_terms", {}),
]
ADMIN_PAGES = [
    *MANAGER_PAGES,
    ("channels", "channels:list", {}),
    ("connect-x", "channels:connect_x", {}),
    ("connect-facebook", "channels:connect_facebook", {}),
    ("kpi-costs", "kpis:costs", {}),
    ("kpi-rebuild", "kpis:recompute", {}),
]


@pytest.fixture
def busy(officer, teammate, admin_user, channel_a):
    abuse_term_add(term="scumbag", actor=admin_user)
    label = LabelFactory(name="bins")
    jo = conversation_with(
        channel_a, author=citizen(1, name="Jo ‮Resident"), text="When are the bins collected?"
    )
    jo.labels.add(label)
    # The contact card with everything on it: a linked identity elsewhere, a
    # colleague's note, an earlier conversation, a block reason, a mute.
    again = conversation_with(channel_a, author=citizen(1, name="Jo ‮Resident"), text="Again")
    elsewhere = conversation_with(channel_a, author=citizen(4, handle="jo_other"), text="Hi")
    contacts.contact_link(conversation=jo, other=elsewhere.contact, actor=officer)
    contacts.contact_note_add(conversation=again, actor=teammate, text="Prefers a phone call.")
    moderation.contact_mute(conversation=jo, actor=officer)
    moderation.house_rule_create(actor=admin_user, title="No abuse", text="We hide abuse.")
    rude = conversation_with(channel_a, author=citizen(2, name="Rude Person"), text="you scumbag")
    message_reveal(message=rude.messages.get(), actor=teammate)  # in the exposure table
    # A mention: the officer's notifications page has something to show.
    note_create(conversation=jo, actor=teammate, text=f"@{officer.username} can you take this?")
    conversation_with(
        channel_a, author=citizen(3), text="<script>alert('x')</script> {{ not_a_variable }}"
    )
    return jo


def _url(name: str, params: dict, conversation) -> str:
    if params.get("pk") == "conversation":
        return reverse(name, args=[conversation.pk])
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse(name) + (f"?{query}" if query else "")


def _axe(page) -> list[dict]:
    # Evaluated through the DevTools protocol, which the page's CSP does not
    # govern, so the page is checked under its real policy.
    page.evaluate(AXE.read_text())
    return page.evaluate(
        """async (tags) => (await axe.run(document, {runOnly: {type: "tag", values: tags}}))
            .violations.map(v => ({id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
              nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary}))}))""",
        AXE_TAGS,
    )


def _walk(new_page, user, pages, conversation) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page()
    sign_in(page, user.username)
    problems = []
    for slug, name, params in pages:
        url = _url(name, params, conversation)
        for size, (width, height) in SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            response = page.goto(url)
            page.wait_for_load_state("networkidle")
            assert response is not None and response.status == 200, f"{url}: {response.status}"
            html = page.content()
            for marker in ("{#", "{%", "{{ "):
                assert marker not in html.replace("{{ not_a_variable }}", ""), (
                    f"{url} shows template source {marker!r}"
                )
            page.screenshot(path=str(SHOTS / f"{user.username}-{slug}-{size}.png"))
            wide = page.evaluate("document.documentElement.scrollWidth")
            if wide > width:
                problems.append(f"{url} at {width} px scrolls sideways ({wide} px)")
            violations = _axe(page)
            if violations:
                problems.append(format_violations(f"{url} at {width} px", violations))
    assert not problems, "\n".join(problems)


def test_every_officer_page(new_page, officer, busy):
    _walk(new_page, officer, OFFICER_PAGES, busy)


def test_every_manager_page(new_page, manager, busy):
    _walk(new_page, manager, MANAGER_PAGES, busy)


def test_every_admin_page(new_page, admin_user, busy):
    _walk(new_page, admin_user, ADMIN_PAGES, busy)


def test_signed_out_pages(new_page, db):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page()
    problems = []
    for slug, url in (("sign-in", "/login/"), ("password-reset", reverse("password_reset"))):
        for size, (width, height) in SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            page.goto(url)
            page.screenshot(path=str(SHOTS / f"anonymous-{slug}-{size}.png"))
            violations = _axe(page)
            if violations:
                problems.append(format_violations(f"{url} at {width} px", violations))
    assert not problems, "\n".join(problems)
