"""Sign-in security: MFA gate, lockout, password policy, sessions, auth events."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import UserSession
from accounts.services import mfa, sessions
from events.models import Event

PASSWORD = "correct horse battery staple"


def sign_in(client, username, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


@pytest.mark.django_db
@pytest.mark.mfa
def test_admin_sign_in_without_a_second_factor_opens_nothing(client, admin_user):
    response = sign_in(client, "ada")
    assert response.status_code == 302
    for url in (reverse("inbox:list"), reverse("admin:index")):
        blocked = client.get(url)
        assert blocked.status_code == 302
        assert blocked["Location"].startswith(reverse("mfa_setup"))
    api = client.get("/api/conversations/")
    assert api.status_code == 403 and "Two-step sign-in" in api.json()["detail"]


@pytest.mark.django_db
@pytest.mark.mfa
def test_manager_sets_up_totp_then_gets_in(client, manager):
    sign_in(client, "maya")
    page = client.get(reverse("mfa_setup"))
    assert b"<svg" in page.content
    device = TOTPDevice.objects.get(user=manager, confirmed=False)
    wrong = client.post(reverse("mfa_setup"), {"token": "000000"})
    assert "did not match" in wrong.content.decode()
    time.sleep(1.1)  # django-otp throttles guessing: 1 s after one failure
    done = client.post(reverse("mfa_setup"), {"token": current_code(device)})
    assert done.status_code == 200 and "recovery codes" in done.content.decode()
    assert client.get(reverse("inbox:list")).status_code == 200
    assert Event.objects.filter(type="auth.mfa_enabled", actor=manager).count() == 1


@pytest.mark.django_db
@pytest.mark.mfa
def test_next_sign_in_asks_for_the_code_and_accepts_a_recovery_code_once(client, manager):
    device = mfa.totp_pending(user=manager)
    codes = mfa.totp_confirm(user=manager, device=device, token=current_code(device))
    sign_in(client, "maya")
    assert client.get(reverse("inbox:list"))["Location"].startswith(reverse("mfa_verify"))
    assert client.post(reverse("mfa_verify"), {"token": codes[0]}).status_code == 302
    assert client.get(reverse("inbox:list")).status_code == 200
    client.post(reverse("logout"))
    sign_in(client, "maya")
    reused = client.post(reverse("mfa_verify"), {"token": codes[0]})
    assert "did not work" in reused.content.decode()
    assert Event.objects.filter(type="auth.mfa_failed", actor=manager).count() == 1


@pytest.mark.django_db
@pytest.mark.mfa
def test_officer_needs_no_second_factor_unless_configured(client, officer, settings):
    sign_in(client, "olivia")
    assert client.get(reverse("inbox:list")).status_code == 200
    settings.MFA_REQUIRED_FOR_ALL = True
    assert client.get(reverse("inbox:list")).status_code == 302


@pytest.mark.django_db
@pytest.mark.mfa
def test_an_officers_device_added_elsewhere_is_asked_for_within_a_minute(
    client, officer, monkeypatch
):
    """The gate remembers "no device" in the session for a minute (it runs on
    every poll), then asks the database again; a "yes" is never forgotten."""
    from accounts import middleware

    clock = [time.time()]
    monkeypatch.setattr(middleware.time, "time", lambda: clock[0])
    sign_in(client, "olivia")
    assert client.get(reverse("inbox:list")).status_code == 200
    # The officer confirms an authenticator in another session.
    device = mfa.totp_pending(user=officer)
    mfa.totp_confirm(user=officer, device=device, token=current_code(device))
    clock[0] += middleware.DEVICE_RECHECK_SECONDS - 5
    assert client.get(reverse("inbox:list")).status_code == 200
    clock[0] += 10
    asked = client.get(reverse("inbox:list"))
    assert asked["Location"].startswith(reverse("mfa_verify"))
    # Removing the device later does not lift the demand in this session.
    TOTPDevice.objects.filter(user=officer).delete()
    StaticDevice.objects.filter(user=officer).delete()  # the recovery codes too
    clock[0] += 2 * middleware.DEVICE_RECHECK_SECONDS
    assert client.get(reverse("inbox:list"))["Location"].startswith(reverse("mfa_setup"))


@pytest.mark.django_db
def test_repeated_failures_lock_the_account_out(client, officer):
    for _ in range(5):
        sign_in(client, "olivia", "wrong password!!")
    locked = sign_in(client, "olivia")  # even the right password now
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert Event.objects.filter(type="auth.login_failed").count() >= 5
    lockout = Event.objects.filter(type="auth.lockout").first()  # one per refused attempt
    assert lockout.data["target"] == "username:olivia" and lockout.data["ip"] == "127.0.0.1"


@pytest.mark.django_db
def test_lockouts_are_visible_to_admins(client, admin_user, officer):
    for _ in range(5):
        sign_in(client, "olivia", "wrong password!!")
    admin_user.is_staff = True
    admin_user.save()
    client.force_login(admin_user)
    page = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert page.status_code == 200 and "olivia" in page.content.decode()


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("short pass", False),
        ("password123456", False),
        ("a" * 129, False),
        ("plain lowercase words only", True),
        ("x" * 30 + "y" * 98, True),
    ],
)
@pytest.mark.django_db
def test_password_policy_is_length_and_common_list_only(password, ok):
    if ok:
        validate_password(password)
    else:
        with pytest.raises(ValidationError):
            validate_password(password)


@pytest.mark.django_db
def test_idle_session_expires(client, officer, settings):
    sign_in(client, "olivia")
    assert client.get(reverse("inbox:list")).status_code == 200
    session = client.session
    session["last_activity"] = time.time() - settings.SESSION_IDLE_SECONDS - 1
    session.save()
    response = client.get(reverse("inbox:list"))
    assert response.status_code == 302 and "expired=idle" in response["Location"]
    assert client.get(reverse("inbox:list"))["Location"].startswith(reverse("login"))
    assert Event.objects.filter(type="auth.session_expired", actor=officer).count() == 1


@pytest.mark.django_db
def test_background_polling_does_not_keep_a_session_alive(client, officer, settings):
    sign_in(client, "olivia")
    session = client.session
    session["last_activity"] = time.time() - settings.SESSION_IDLE_SECONDS + 90
    session.save()
    client.get(reverse("inbox:list"), headers={"X-SocialDesk-Background": "1"})
    assert client.session["last_activity"] < time.time() - settings.SESSION_IDLE_SECONDS + 100


@pytest.mark.django_db
def test_absolute_lifetime_ends_even_an_active_session(client, officer, settings):
    sign_in(client, "olivia")
    session = client.session
    session["auth_started"] = time.time() - settings.SESSION_COOKIE_AGE - 1
    session.save()
    assert "expired=lifetime" in client.get(reverse("inbox:list"))["Location"]


@pytest.mark.django_db
def test_deactivated_user_is_signed_out_on_the_next_request(client, officer, admin_user):
    sign_in(client, "olivia")
    assert client.get(reverse("inbox:list")).status_code == 200
    sessions.user_deactivate(user=officer, actor=admin_user)
    assert client.get(reverse("inbox:list")).status_code == 302
    assert not UserSession.objects.filter(user=officer).exists()
    assert Event.objects.filter(type="account.deactivated").count() == 1


@pytest.mark.django_db
def test_people_see_their_sessions_and_end_another_one(client, officer):
    from django.test import Client

    laptop, phone = client, Client(HTTP_USER_AGENT="Phone browser")
    sign_in(laptop, "olivia")
    sign_in(phone, "olivia")
    page = laptop.get(reverse("security")).content.decode()
    assert "Phone browser" in page
    other = UserSession.objects.get(user_agent="Phone browser")
    laptop.post(reverse("session_end", args=[other.pk]))
    assert phone.get(reverse("inbox:list")).status_code == 302
    assert laptop.get(reverse("inbox:list")).status_code == 200


@pytest.mark.django_db
def test_admin_ends_all_of_a_persons_sessions(client, officer, admin_user):
    sign_in(client, "olivia")
    assert sessions.sessions_end_all(user=officer, actor=admin_user, reason="lost laptop") == 1
    assert client.get(reverse("inbox:list")).status_code == 302


@pytest.mark.django_db
def test_changing_email_asks_for_the_password_again(client, officer, settings):
    sign_in(client, "olivia")
    session = client.session
    # Someone with no second factor proves themselves with the password alone.
    session["password_at"] = time.time() - settings.REAUTH_SECONDS - 1
    session.save()
    response = client.get(reverse("email_change"))
    assert response["Location"].startswith(reverse("reauth"))
    client.post(reverse("reauth"), {"password": PASSWORD, "next": reverse("email_change")})
    client.post(reverse("email_change"), {"email": "olivia@new.example"})
    officer.refresh_from_db()
    assert officer.email == "olivia@new.example"
    assert Event.objects.filter(type="account.email_changed").count() == 1


@pytest.mark.django_db
@pytest.mark.mfa
def test_a_password_reset_never_bypasses_mfa(client, manager, mailoutbox):
    device = mfa.totp_pending(user=manager)
    mfa.totp_confirm(user=manager, device=device, token=current_code(device))
    client.post(reverse("password_reset"), {"email": manager.email})
    link = next(line for line in mailoutbox[0].body.splitlines() if "/password-reset/" in line)
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a brand new passphrase", "new_password2": "a brand new passphrase"},
    )
    assert "_auth_user_id" not in client.session
    sign_in(client, "maya", "a brand new passphrase")
    assert client.get(reverse("inbox:list"))["Location"].startswith(reverse("mfa_verify"))


@pytest.mark.django_db
def test_sign_in_and_out_are_logged_with_address(client, officer):
    sign_in(client, "olivia", REMOTE_ADDR="203.0.113.9")
    client.post(reverse("logout"), REMOTE_ADDR="203.0.113.9")
    login, logout = Event.objects.filter(type__in=["auth.login", "auth.logout"]).order_by("pk")
    assert (login.actor, login.data["ip"], login.data["target"]) == (
        officer,
        "203.0.113.9",
        f"user:{officer.pk}",
    )
    assert logout.type == "auth.logout" and logout.at.tzinfo is not None


@pytest.mark.django_db
def test_every_page_carries_a_strict_content_security_policy(client, officer):
    client.force_login(officer)
    policy = client.get(reverse("inbox:list"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert "default-src 'self'" in client.get(reverse("login"))["Content-Security-Policy"]
