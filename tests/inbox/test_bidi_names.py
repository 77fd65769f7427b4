"""A right-to-left override in a citizen's or a colleague's name must not
reorder the page around it: every place that shows a name isolates it, in
<bdi> in page text, or between FSI and PDI where no element may go (<title>,
<option>). The inbox list rows are built elsewhere and checked there."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Event
from inbox.models import Note
from inbox.services import actions
from tests.inbox.ui_data import citizen, conversation_with

RLO = "\u202e"
FSI, PDI = "\u2068", "\u2069"
SPOOF_CITIZEN = f"Jo {RLO}exe.sllib"
SPOOF_COLLEAGUE = f"Tom {RLO}nimda"
HX = {"HTTP_HX_REQUEST": "true"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _NameFinder(HTMLParser):
    """Collects each text node holding an override, with whether it is isolated."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.found: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if tag in self.open:
            while self.open.pop() != tag:
                pass

    def handle_data(self, data):
        if RLO not in data:
            return
        by_element = "bdi" in self.open
        by_characters = all(
            data.rfind(FSI, 0, i) > data.rfind(PDI, 0, i)
            for i in (n for n, ch in enumerate(data) if ch == RLO)
        )
        self.found.append((data.strip(), by_element or by_characters))


def names_in(body: str) -> list[tuple[str, bool]]:
    finder = _NameFinder()
    finder.feed(body)
    return finder.found


def assert_all_isolated(body: str, *, at_least: int):
    found = names_in(body)
    assert len(found) >= at_least, found
    assert [text for text, isolated in found if not isolated] == []


@pytest.fixture
def spoofing(channel_a, officer, teammate):
    teammate.display_name = SPOOF_COLLEAGUE
    teammate.save()
    conv = conversation_with(channel_a, author=citizen(77, name=SPOOF_CITIZEN), text="bins")
    actions.conversation_assign(conversation=conv, assignee=teammate, actor=officer)
    Note.objects.create(conversation=conv, author=teammate, text="Rang them back.")
    return conv


def test_the_checker_sees_a_bare_name():
    assert names_in(f"<p>About {SPOOF_CITIZEN}</p>") == [(f"About {SPOOF_CITIZEN}", False)]
    assert names_in(f"<p>About <bdi>{SPOOF_CITIZEN}</bdi></p>")[0][1]
    assert names_in(f"<title>{FSI}{SPOOF_CITIZEN}{PDI} - Inbox</title>")[0][1]
    assert not names_in(f"<title>{FSI}x{PDI} {SPOOF_CITIZEN}</title>")[0][1]


@pytest.mark.django_db
def test_names_are_isolated_on_the_conversation(client, officer, teammate, spoofing):
    client.force_login(teammate)
    client.get(reverse("inbox:conversation", args=[spoofing.pk]), **HX)  # a viewer
    client.force_login(officer)
    body = client.get(reverse("inbox:conversation", args=[spoofing.pk]), **HX).content.decode()
    # Title, heading, message author, composer, contact card (x4), assignee,
    # assignee option, note author, presence.
    assert_all_isolated(body, at_least=10)
    assert f"<bdi>{SPOOF_CITIZEN}</bdi>" in body and f"<bdi>{SPOOF_COLLEAGUE}</bdi>" in body
    assert '<span class="avatar" aria-hidden="true">TN</span>' in body


@pytest.mark.django_db
def test_names_are_isolated_in_search_results(client, officer, spoofing):
    client.force_login(officer)
    body = client.get(reverse("inbox:search"), {"q": "Jo"}).content.decode()
    assert_all_isolated(body, at_least=1)


@pytest.mark.django_db
def test_names_are_isolated_in_the_audit_log(client, admin_user, teammate):
    teammate.display_name = SPOOF_COLLEAGUE
    teammate.save()
    Event.objects.create(type="auth.login", at=timezone.now(), actor=teammate)
    client.force_login(admin_user)
    body = client.get(reverse("audit:log")).content.decode()
    assert_all_isolated(body, at_least=1)


@pytest.mark.django_db
def test_the_signed_in_name_is_isolated(client, teammate, channel_a):
    teammate.display_name = SPOOF_COLLEAGUE
    teammate.save()
    client.force_login(teammate)
    body = client.get(reverse("inbox:list")).content.decode()
    assert f"Signed in as <bdi>{SPOOF_COLLEAGUE}</bdi>" in body


@pytest.mark.django_db
def test_names_are_isolated_in_a_mention_notification(officer, teammate, spoofing):
    """The notification's text is one string shown in one <bdi>: an override
    in a name must stop at the end of that name, not reverse the words after it."""
    from inbox.models import Notification
    from inbox.services.notifications import note_create

    note_create(conversation=spoofing, actor=teammate, text=f"@{officer.username} look")
    [note] = Notification.objects.filter(user=officer)
    assert note.text.startswith(f"{FSI}{SPOOF_COLLEAGUE}{PDI} mentioned you in a note on {FSI}")
    assert note.text.endswith(PDI) and SPOOF_CITIZEN in note.text
