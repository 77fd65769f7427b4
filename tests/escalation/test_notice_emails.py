"""Notice e-mails: a subject is one line whatever the title typed, and a
notice that cannot be sent to one person is logged while the others go."""

from __future__ import annotations

import logging

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from escalation.models import CrisisMode
from escalation.services.crisis import crisis_end, crisis_start
from escalation.services.notify import Notice, notice_emails_send

pytestmark = pytest.mark.django_db

INJECTED = "Flood\r\nBcc: everyone@attacker.example"


@pytest.fixture
def crisis(channel_a, manager, team_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        return crisis_start(
            actor=manager, channels=[channel_a], title="Flood", holding_statement="On it."
        )


def test_a_crisis_stored_with_a_line_break_in_its_title_still_reaches_everyone(
    crisis, officer, teammate, manager, django_capture_on_commit_callbacks, eager_tasks
):
    # A title stored before titles were checked: the notice task used to die
    # on BadHeaderError at the first recipient, so nobody was told.
    CrisisMode.objects.filter(pk=crisis.pk).update(title=INJECTED)
    crisis.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        crisis_end(crisis=crisis, actor=manager)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        u.email for u in (officer, teammate, manager)
    )
    for message in mail.outbox:
        assert (
            message.subject == "SocialDesk crisis mode ended: Flood Bcc: everyone@attacker.example"
        )
        assert "\n" not in message.message()["Subject"]
        assert not message.bcc and "attacker" not in message.message().get("Bcc", "")


def test_a_person_whose_address_breaks_the_header_is_logged_and_the_others_get_theirs(
    officer, teammate, manager, caplog
):
    teammate.email = "tom@council.example\r\nBcc: everyone@attacker.example"
    teammate.save()
    notices = [
        Notice(user_id=u.pk, text="t", url="/x/", dedupe_key="k", email_subject=INJECTED)
        for u in (officer, teammate, manager)
    ]
    with caplog.at_level(logging.ERROR, logger="escalation.services.notify"):
        failed = notice_emails_send(notices=notices)
    assert failed == []  # a retry would be refused the same way
    assert [m.to for m in mail.outbox] == [[officer.email], [manager.email]]
    assert [r.getMessage() for r in caplog.records] == [
        f"escalation e-mail to user {teammate.pk} refused"
    ]


def test_a_crisis_title_over_two_lines_is_refused(channel_a, manager, client):
    with pytest.raises(ValidationError, match="a line break is not allowed"):
        crisis_start(actor=manager, channels=[channel_a], title=INJECTED, holding_statement="x")
    client.force_login(manager)
    page = client.post(
        reverse("escalation:crisis_start"),
        {
            "title": INJECTED,
            "channels": [channel_a.pk],
            "holding_statement": "We are on it.\nMore at 10.",
            "target_minutes": "10",
            "limit_minutes": "20",
        },
    )
    assert page.status_code == 200
    assert "Use one line of plain text: a line break is not allowed here." in page.content.decode()
    assert not CrisisMode.objects.exists()
