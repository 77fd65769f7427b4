"""Every security event is recorded with who, when (UTC), from where and on what."""

from __future__ import annotations

from datetime import UTC

import pytest
from django.urls import reverse
from django_otp.oath import totp

from accounts.models import Role
from events.models import Event
from inbox.models import AbuseTerm
from tests.factories import MessageFactory

ADDR = "192.0.2.44"


def post(client, url, data=None, **kw):
    return client.post(url, data or {}, REMOTE_ADDR=ADDR, **kw)


def assert_recorded(event_type, actor=None):
    event = Event.objects.filter(type=event_type).order_by("-pk").first()
    assert event is not None, f"no {event_type} event"
    assert (
        event.at.utcoffset() is not None
        and event.at.astimezone(UTC).utcoffset().total_seconds() == 0
    )
    assert event.data.get("ip") == ADDR, (event_type, event.data)
    assert event.data.get("target"), (event_type, event.data)
    if actor is not None:
        assert event.actor == actor, event_type
    return event


@pytest.mark.django_db
@pytest.mark.mfa
def test_security_events_carry_actor_time_address_and_target(
    client, manager, officer, admin_user, team_a, channel_a, conversation_a, settings
):
    # Sign-in, failure, lockout
    post(client, reverse("login"), {"username": "olivia", "password": "not it at all"})
    assert_recorded("auth.login_failed")
    for _ in range(5):
        post(client, reverse("login"), {"username": "olivia", "password": "not it at all"})
    assert_recorded("auth.lockout")
    post(client, reverse("login"), {"username": "maya", "password": "correct horse battery staple"})
    assert_recorded("auth.login", manager)

    # MFA change
    client.get(reverse("mfa_setup"), REMOTE_ADDR=ADDR)
    device = manager.totpdevice_set.get()
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    post(client, reverse("mfa_setup"), {"token": code})
    assert_recorded("auth.mfa_enabled", manager)

    # Reveal of shielded text, export, audit export
    AbuseTerm.objects.create(term="idiots")
    shielded = MessageFactory(conversation=conversation_a, text="You idiots")
    post(client, reverse("inbox:reveal", args=[conversation_a.pk, shielded.pk]))
    assert_recorded("message.revealed", manager)
    post(client, reverse("records:exports"), {"handle": conversation_a.contact.handle})
    assert_recorded("records.export_requested", manager)
    client.get(reverse("audit:export", args=["csv"]), REMOTE_ADDR=ADDR)
    assert_recorded("audit.exported", manager)

    # Role or team change, and channel credentials, by an admin in the admin
    admin_user.is_staff = True
    admin_user.save()
    settings.MFA_ENFORCED = False  # the admin's own second factor is tested in tests/accounts
    client.force_login(admin_user)
    membership = officer.memberships.get()
    form = {
        "name": team_a.name,
        "slug": team_a.slug,
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "1",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-id": membership.pk,
        "memberships-0-team": team_a.pk,
        "memberships-0-user": officer.pk,
        "memberships-0-role": Role.MANAGER,
    }
    # Other members of team A stay as they are: only the officer's row is posted.
    response = post(client, reverse("admin:accounts_team_change", args=[team_a.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert_recorded("account.role_changed", admin_user)
    channel_form = {
        "network": "x",
        "name": channel_a.name,
        "handle": channel_a.handle,
        "external_account_id": channel_a.external_account_id,
        "teams": [team_a.pk],
        "poll_interval_seconds": 60,
        "cred_consumer_key": "k",
        "cred_consumer_secret": "s",
        "cred_access_token": "999-t",
        "cred_access_token_secret": "ts",
    }
    post(client, reverse("admin:inbox_channel_change", args=[channel_a.pk]), channel_form)
    assert_recorded("channel.credentials_changed", admin_user)
