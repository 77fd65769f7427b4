"""Every main page of every role, opened in Chromium under the real Content
Security Policy: no console error or CSP refusal, no axe violation (WCAG 2.2 A
and AA), nothing sideways at phone width, and a screenshot of each at desk and
phone size under var/screenshots/ for a person to look at."""

from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.services import tokens
from escalation.models import EscalationRule, KeywordList
from escalation.services.hours import (
    ExceptionIn,
    IntervalIn,
    hours_exception_add,
    staffed_hours_set,
)
from escalation.services.keyword_lists import keyword_lists_missing_create
from inbox.models import Contact
from inbox.services import approval_rules, contacts, moderation
from inbox.services.canned import canned_create
from inbox.services.notifications import note_create
from inbox.services.shield import abuse_term_add, message_reveal
from records import services as records_services
from records.models import LegalHold
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
    ("views-and-filters", "inbox:sidebar", {"view": "mine"}),
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
    ("settings", "console:index", {}),
    ("settings-hours", "console:hours", {}),
    ("settings-hours-channel", "console:hours_edit", {"pk": "channel"}),
    ("settings-targets", "console:targets", {}),
    ("settings-out-of-hours", "console:out_of_hours", {}),
    ("settings-out-of-hours-channel", "console:out_of_hours_edit", {"pk": "channel"}),
    ("settings-bio", "console:bio", {}),
    ("settings-canned", "console:canned_list", {}),
    ("settings-canned-new", "console:canned_create", {}),
    ("settings-labels", "console:labels", {}),
    ("settings-house-rules", "console:house_rules", {}),
    ("settings-abuse-shield", "console:abuse_terms", {}),
    ("settings-keywords", "console:keyword_lists", {}),
    ("settings-escalation-rules", "console:escalation_rules", {}),
    ("settings-approvals", "console:approvals", {}),
    ("settings-retention", "console:retention", {}),
    ("settings-retention-edit", "console:retention_edit", {"pk": "channel"}),
    ("settings-legal-holds", "console:legal_holds", {"show": "all"}),
    ("settings-legal-hold-release", "console:legal_hold_release", {"pk": "hold"}),
    ("settings-detractors", "console:detractors", {}),
    ("settings-detractor-clear", "console:detractor_clear", {"pk": "contact"}),
]
ADMIN_PAGES = [
    *MANAGER_PAGES,
    ("channels", "channels:list", {}),
    ("connect-x", "channels:connect_x", {}),
    ("connect-facebook", "channels:connect_facebook", {}),
    ("connect-bluesky", "channels:connect_bluesky", {}),
    ("connect-mastodon", "channels:connect_mastodon", {}),
    ("kpi-costs", "kpis:costs", {}),
    ("kpi-rebuild", "kpis:recompute", {}),
    ("settings-api-tokens", "console:api_tokens", {"show": "all"}),
    ("settings-teams", "console:teams", {}),
    ("settings-team", "console:team", {"pk": "team"}),
]


@pytest.fixture
def busy(officer, teammate, admin_user, team_a, channel_a):
    abuse_term_add(term="scumbag", actor=admin_user)
    canned_create(
        actor=admin_user,
        title="Thanks <b>for</b> writing",
        text="Hi {first_name}, <script>alert('x')</script> {officer} at {channel}.",
        teams=[team_a],
    )
    keyword_lists_missing_create(actor=admin_user)  # the transactional flush emptied them
    rule = EscalationRule.objects.create(name="Threats on the council account")
    rule.channels.add(channel_a)
    rule.keyword_lists.set(KeywordList.objects.filter(key="threats"))
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
    # Split-shift hours with a closure, so the settings pages show a full week.
    staffed_hours_set(
        actor=admin_user,
        channels=[channel_a],
        intervals=[
            *[IntervalIn(day, time(8), time(12)) for day in range(5)],
            *[IntervalIn(day, time(13), time(17)) for day in range(5)],
        ],
        time_zone="Europe/London",
        holiday_region="GB-ENG",
    )
    hours_exception_add(
        actor=admin_user,
        channel=channel_a,
        exception=ExceptionIn("closed", date.today() + timedelta(days=2), "Team training"),
    )
    rude = conversation_with(channel_a, author=citizen(2, name="Rude Person"), text="you scumbag")
    message_reveal(message=rude.messages.get(), actor=teammate)  # in the exposure table
    # A mention: the officer's notifications page has something to show.
    note_create(conversation=jo, actor=teammate, text=f"@{officer.username} can you take this?")
    conversation_with(
        channel_a, author=citizen(3), text="<script>alert('x')</script> {{ not_a_variable }}"
    )
    # The channels page with a profile check to fix (one item not known) and
    # an X webhook registration that failed.
    from django.utils import timezone

    from escalation.services.profile_checks import results_for
    from inbox.models import ChannelWebhook, ProfileCheck
    from inbox.networks.base import ProfileFacts

    facts = ProfileFacts(
        verified=False, dms_open=None, bio="Hi", picture_set=True, banner_set=False
    )
    ProfileCheck.objects.create(
        channel=channel_a,
        checked_at=timezone.now(),
        results=results_for(channel=channel_a, facts=facts, statement="Staffed 9am-5pm."),
    )
    ChannelWebhook.objects.create(
        channel=channel_a,
        state="failed",
        detail="X refused: CrcValidationFailed",
        checked_at=timezone.now(),
    )
    # The engagement page's "Posts that did best" with a post of ours: its
    # link to the network and text that must stay text.
    from kpis.models import OwnPost

    OwnPost.objects.create(
        channel=channel_a,
        network_id="1790000000000000777",
        text="<b>Flood</b> warning for Quayside: sandbags at the depot",
        posted_at=timezone.now() - timedelta(hours=2),
        permalink="https://x.com/i/web/status/1790000000000000777",
        likes=41,
        reposts=12,
        replies=7,
        quotes=2,
        impressions=5200,
        engagement=62,
        first_read_at=timezone.now(),
        metrics_read_at=timezone.now(),
    )
    # The settings pages with something in each: an approval rule, retention,
    # a hold in place and one released, a detractor, tokens live and revoked.
    approval_rules.approval_rule_create(
        actor=admin_user, team=channel_a.teams.first(), new_starter_days=30, note="New team"
    )
    records_services.retention_set(channel=channel_a, keep_days=2190, actor=admin_user)
    records_services.legal_hold_place(actor=admin_user, conversation=jo, reason="FOI 2026/88")
    released = records_services.legal_hold_place(
        actor=admin_user, contact=rude.contact, reason="Court order"
    )
    records_services.legal_hold_release(hold=released, actor=admin_user, reason="Case closed")
    Contact.objects.filter(pk=jo.contact_id).update(is_detractor=True)
    tokens.api_token_create(user=teammate, name="Weekly report", verified_mfa=False)
    old, _key = tokens.api_token_create(user=officer, name="Old script", verified_mfa=False)
    tokens.api_token_revoke(token=old, actor=officer)
    return jo


def _url(name: str, params: dict, conversation) -> str:
    if params.get("pk") == "conversation":
        return reverse(name, args=[conversation.pk])
    if params.get("pk") == "channel":
        return reverse(name, args=[conversation.channel_id])
    if params.get("pk") == "contact":
        return reverse(name, args=[conversation.contact_id])
    if params.get("pk") == "team":
        return reverse(name, args=[conversation.channel.teams.first().pk])
    if params.get("pk") == "hold":
        return reverse(name, args=[LegalHold.objects.filter(released_at=None).first().pk])
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
