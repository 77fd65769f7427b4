"""``seed_demo`` lives 90 days through the real services: every KPI dashboard
has data across the period, and the printed codes get the manager and the
admin through the MFA gate. One seed (a minute or more) serves every check."""

from __future__ import annotations

import base64
import io
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp

from accounts.models import User
from escalation.models import Escalation, StaffedHours
from events.models import Event
from inbox.models import Contact, Conversation, Message, MessageMedia, Network
from kpis import selectors as sel
from kpis.dashboards import BUILDERS, dashboard_build
from kpis.models import DailyChannelStats, FollowerSnapshot, OwnPost, PostMetricsSnapshot

DAYS = 90
pytestmark = [pytest.mark.mfa, pytest.mark.timeout(1800)]


@pytest.fixture
def seeded(transactional_db, settings):
    # Replies are delivered after commit, so the seed needs real transactions.
    out = io.StringIO()
    call_command("seed_demo", days=DAYS, stdout=out)
    return out.getvalue()


def _sign_in(printed: str, username: str) -> tuple[str, str, str]:
    """(password, recovery code, TOTP secret) printed for ``username``."""
    block = printed.split(f"  {username} ", 1)[1]
    password = block.split()[0]
    code = re.search(r"recovery code: (\S+)", block).group(1)
    secret = re.search(r"authenticator secret: +(\S+)", block).group(1)
    return password, code, secret


def _has_numbers(board) -> bool:
    for table in board.tables:
        for row in table.rows:
            if any(isinstance(v, int | float) and v for v in row[1:]):
                return True
    return False


def _weeks(first, rows):
    """The set of week numbers (0..12) of the period that have a row."""
    return {(day - first).days // 7 for day in rows}


def test_the_demo_has_data_on_every_dashboard_and_its_codes_sign_in(seeded, settings):
    manager = User.objects.get(username="maya")
    today = sel.today_local()
    period = sel.Period(today - timedelta(days=DAYS - 1), today)
    scope = sel.kpi_scope_for(user=manager)
    assert (
        len(scope.channels) == 7
    )  # two X accounts, two Facebook Pages, Bluesky, Mastodon, Instagram

    # Every dashboard has figures for the 90 days.
    for name in [*BUILDERS, "people"]:
        board = dashboard_build(name, user=manager, scope=scope, period=period)
        assert _has_numbers(board), f"the {name} dashboard is empty"

    # ...spread across the whole period, not bunched at its end, on every channel.
    weeks = set(range(DAYS // 7))
    for channel in scope.channels:
        busy = DailyChannelStats.objects.filter(
            channel=channel, day__gte=period.first, inbound__gt=0
        )
        assert weeks <= _weeks(period.first, busy.values_list("day", flat=True)), channel
        answered = busy.aggregate(Sum("answered"), Sum("replies_human"))
        assert answered["answered__sum"] > 0 and answered["replies_human__sum"] > 0
        followers = FollowerSnapshot.objects.filter(channel=channel)
        assert followers.count() >= DAYS - 1
        assert PostMetricsSnapshot.objects.filter(message__channel=channel).exists()
        assert OwnPost.objects.filter(channel=channel).exists(), channel
    # Every network's inbox shows pictures (issue 20), kept with their messages.
    pictured = MessageMedia.objects.values_list("message__channel__network", flat=True)
    assert set(pictured.distinct()) == set(Network.values)

    # What the escalation pass and the clock had to work with.
    assert StaffedHours.objects.filter(holiday_region="GB-ENG").count() == 7  # every channel
    assert Event.objects.filter(type="autoreply.sent").exists()
    assert Event.objects.filter(type="target.breached").exists()
    assert (
        Escalation.objects.filter(rule__name="Self-harm").exists()
        or Escalation.objects.filter(rule__name__in=["Threats", "Emergencies"]).exists()
    )
    assert Escalation.objects.filter(acknowledged_at__isnull=False).exists()
    assert Contact.objects.filter(is_detractor=True).exists()
    assert Message.objects.filter(author_user__username="nina", approved_by__isnull=False).exists()

    # The printed codes get the manager (recovery code) and the admin (TOTP) in.
    assert settings.MFA_ENFORCED
    for username, use_totp in (("maya", False), ("ada", True)):
        password, code, secret = _sign_in(seeded, username)
        client = Client()
        assert client.post(reverse("login"), {"username": username, "password": password})[
            "Location"
        ] != reverse("login")
        gated = client.get(reverse("kpis:overview"))
        assert gated.status_code == 302 and reverse("mfa_verify") in gated["Location"]
        if use_totp:
            padded = secret + "=" * (-len(secret) % 8)
            code = f"{totp(base64.b32decode(padded)):06d}"
        assert client.post(reverse("mfa_verify"), {"token": code}).status_code == 302
        for name in ("overview", "channels", "people", "engagement", "audience", "cover", "shift"):
            page = client.get(reverse(f"kpis:{name}") + f"?start={period.first}&end={period.last}")
            assert page.status_code == 200, (username, name)

    # The viewer (an auditor) reads the inbox and the dashboards and changes nothing.
    viewer = Client()
    password = seeded.split("  vera ", 1)[1].split()[0]
    viewer.post(reverse("login"), {"username": "vera", "password": password})
    assert viewer.get(reverse("inbox:list")).status_code == 200
    assert viewer.get(reverse("kpis:overview")).status_code == 200
    theirs = Conversation.objects.filter(channel__teams__slug="customer-services").first()
    before = Message.objects.count()
    refused = viewer.post(reverse("inbox:reply", args=[theirs.pk]), {"text": "Hello"})
    assert refused.status_code == 403 and Message.objects.count() == before
